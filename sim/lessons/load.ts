// Loading a lesson: YAML text -> a checked Lesson, or a ScenarioInputError listing every
// problem as `file:line path: reason`, as scenarios do (the same YAML guards, schema kit and
// reference checks). Everything is checked before anything runs: the shape, the stage and the
// scripted answers (as a scenario), and every check and placeholder (parsed, its figures known,
// its topics, brokers, groups and clients existing).

import { readFileSync } from 'node:fs'
import { formatIssue, parseYamlText, ScenarioInputError } from '../scenario/load.ts'
import { memberIds } from '../scenario/groups.ts'
import { checkReferences } from '../scenario/references.ts'
import { validate, type Issue, type Path } from '../scenario/schema-kit.ts'
import type { Scenario, Step } from '../scenario/types.ts'
import { ExpressionError, parseExpression, type Expr } from './expression.ts'
import { checkFigures, type LessonRefs } from './figures.ts'
import { LESSON_SCHEMA } from './schema.ts'
import type { AnswerStep, Lesson, LessonStep } from './types.ts'

const DEFAULT_BROKERS = 3
const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g

/** The placeholders of a Markdown text, parsed: `{{ isr('orders', 0) }}` -> its tree. Throws ExpressionError. */
export function placeholdersIn(markdown: string): { text: string; tree: Expr }[] {
  const found: { text: string; tree: Expr }[] = []
  for (const match of markdown.matchAll(PLACEHOLDER)) {
    const text = match[1]!.trim()
    try {
      found.push({ text, tree: parseExpression(text) })
    } catch (error) {
      throw new ExpressionError(`placeholder {{${text.slice(0, 60)}}}: ${(error as Error).message}`)
    }
  }
  const rest = markdown.replace(PLACEHOLDER, '')
  if (rest.includes('{{')) throw new ExpressionError('a placeholder opened with {{ is never closed with }}')
  return found
}

/** Markdown with each {{placeholder}} replaced by `valueOf` its parsed tree. */
export function fillPlaceholders(markdown: string, valueOf: (tree: Expr) => string): string {
  const values = placeholdersIn(markdown).map(({ tree }) => valueOf(tree))
  let i = 0
  return markdown.replace(PLACEHOLDER, () => values[i++]!)
}

/** Each scripted answer with its path in the lesson, in lesson order. */
function answersOf(lesson: Lesson): { path: Path; answer: AnswerStep }[] {
  return lesson.steps.flatMap((step, i) =>
    (['action', 'challenge'] as const).flatMap((kind) => (step[kind]?.answer ?? []).map((answer, j) => ({ path: ['steps', i, kind, 'answer', j] as Path, answer }))),
  )
}

/** The lesson's stage and answers as one scenario, so the scenario's reference checks read them in order. */
function asScenario(lesson: Lesson, answers: readonly { answer: AnswerStep }[]): Scenario {
  const timeline: Step[] = [...(lesson.timeline ?? []), ...answers.map(({ answer }) => {
    const { after: _after, ...action } = answer
    return { ...action, at: '0s' } as Step
  })]
  return { name: lesson.name, description: lesson.description, duration: '1s', cluster: lesson.cluster, topics: lesson.topics, clients: lesson.clients, timeline }
}

/** What expressions may name: everything the stage declares or any step adds. */
function refsOf(scenario: Scenario): LessonRefs {
  const topics = new Map<string, number>()
  const clients = new Set<string>()
  for (const t of scenario.topics ?? []) topics.set(t.name, t.replicas?.length ?? t.partitions ?? 1)
  for (const p of scenario.clients?.producers ?? []) clients.add(p.id)
  for (const c of scenario.clients?.consumers ?? []) clients.add(c.id)
  for (const g of scenario.clients?.groups ?? []) for (const id of memberIds(g)) clients.add(id)
  for (const step of scenario.timeline ?? []) {
    if ('createTopic' in step) topics.set(step.createTopic.name, step.createTopic.replicas?.length ?? step.createTopic.partitions ?? 1)
    if ('addPartitions' in step) topics.set(step.addPartitions.topic, Math.max(topics.get(step.addPartitions.topic) ?? 0, step.addPartitions.count))
    if ('addProducer' in step) clients.add(step.addProducer.id)
    if ('addConsumer' in step) clients.add(step.addConsumer.id)
    if ('addGroupMember' in step) clients.add(step.addGroupMember.id)
  }
  return { brokers: scenario.cluster?.brokers ?? DEFAULT_BROKERS, topics, clients, groups: new Set((scenario.clients?.groups ?? []).map((g) => g.id)) }
}

function checkStep(step: LessonStep, path: Path, refs: LessonRefs, issues: Issue[]): void {
  const problem = (at: Path, message: string) => issues.push({ path: at, message })
  if (step.text === undefined && step.action === undefined && step.challenge === undefined) problem(path, 'a step needs text, an action or a challenge')
  if (step.action !== undefined && step.challenge !== undefined) problem([...path, 'challenge'], 'a step takes an action or a challenge, not both')
  if (step.until !== undefined && step.runFor !== undefined) problem([...path, 'runFor'], 'a step runs "until" a check holds or "runFor" a time, not both')
  if (step.within !== undefined && step.until === undefined) problem([...path, 'within'], '"within" bounds "until"; this step has no "until"')
  const expression = (text: string, at: Path) => {
    try {
      for (const reason of checkFigures(parseExpression(text), refs)) problem(at, reason)
    } catch (error) {
      problem(at, `${(error as Error).message} in ${JSON.stringify(text)}`)
    }
  }
  const markdown = (text: string | undefined, at: Path) => {
    if (text === undefined) return
    try {
      for (const { text: source, tree } of placeholdersIn(text)) for (const reason of checkFigures(tree, refs)) problem(at, `placeholder {{${source}}}: ${reason}`)
    } catch (error) {
      problem(at, (error as Error).message)
    }
  }
  markdown(step.text, [...path, 'text'])
  markdown(step.explain, [...path, 'explain'])
  if (step.until !== undefined) expression(step.until, [...path, 'until'])
  for (const kind of ['action', 'challenge'] as const) {
    const task = step[kind]
    if (!task) continue
    expression(task.check, [...path, kind, 'check'])
    markdown('ask' in task ? task.ask : (task as { goal: string }).goal, [...path, kind, 'ask' in task ? 'ask' : 'goal'])
    markdown(task.hint, [...path, kind, 'hint'])
  }
}

/** Validates a parsed lesson; throws ScenarioInputError with every problem at its file, line and path. */
export function checkLesson(value: unknown, source: string, lineOf: (path: Path) => number | undefined = () => undefined): Lesson {
  let issues = validate(LESSON_SCHEMA, value)
  if (issues.length === 0) {
    const lesson = value as Lesson
    const answers = answersOf(lesson)
    const scenario = asScenario(lesson, answers)
    const stageSteps = lesson.timeline?.length ?? 0
    // A problem in an answer is reported where the answer is written, not in the synthetic timeline.
    issues = checkReferences(scenario).map((issue) => {
      const [head, index, ...rest] = issue.path
      if (head !== 'timeline' || typeof index !== 'number' || index < stageSteps) return issue
      return { ...issue, path: [...answers[index - stageSteps]!.path, ...rest] }
    })
    const refs = refsOf(scenario)
    lesson.steps.forEach((step, i) => checkStep(step, ['steps', i], refs, issues))
  }
  if (issues.length > 0) throw new ScenarioInputError(source, issues.map((issue) => formatIssue(source, issue, lineOf(issue.path))))
  return value as Lesson
}

/** Parses and checks a lesson's YAML text; `source` names it in errors. */
export function parseLesson(text: string, source: string): Lesson {
  const { value, lineOf } = parseYamlText(text, source)
  return checkLesson(value, source, lineOf)
}

/** Reads and checks a lesson file. */
export function loadLessonFile(path: string): Lesson {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ScenarioInputError(path, [`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`])
  }
  return parseLesson(text, path)
}
