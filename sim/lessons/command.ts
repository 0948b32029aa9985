// `kafkasim lessons [--check] [files or dirs...]`: lists the lessons, or runs each headless
// with its scripted learner actions and prints every step's explanation with the run's
// figures. Exit 0 when every lesson passed, 1 when one failed, 2 on bad usage or a bad file
// (every file is checked before any runs).

import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError, parseSeedArg, type OptionSpec, type ParsedArgs } from '../cli/args.ts'
import { collectScenarioFiles } from '../scenario/runner.ts'
import { ScenarioInputError } from '../scenario/load.ts'
import { loadLessonFile } from './load.ts'
import { runLesson } from './runner.ts'
import type { Lesson } from './types.ts'

/** scenarios/lessons of this checkout, whatever the working directory. */
export const LESSONS_DIR = fileURLToPath(new URL('../../scenarios/lessons/', import.meta.url))

export const LESSONS_USAGE = 'kafkasim lessons [--check] [--seed N] [--json] [--quiet] [files or dirs...]'

export const LESSONS_OPTIONS: Record<string, OptionSpec> = {
  check: { kind: 'flag', description: 'run every lesson headless with its scripted learner actions; exit 1 if one fails' },
  seed: { kind: 'value', description: "with --check: run every lesson with this seed instead of its own" },
  json: { kind: 'flag', description: 'end with one JSON line {lessons, passed, failed}' },
  quiet: { kind: 'flag', description: 'with --check: print only the verdicts, not the explanations' },
}

/** Loads every lesson first: one bad file stops everything before anything runs. */
function loadAll(files: readonly string[]): { file: string; lesson: Lesson }[] {
  const problems: string[] = []
  const loaded: { file: string; lesson: Lesson }[] = []
  for (const file of files) {
    try {
      loaded.push({ file, lesson: loadLessonFile(file) })
    } catch (error) {
      if (!(error instanceof ScenarioInputError)) throw error
      problems.push(...error.issues)
    }
  }
  if (problems.length > 0) throw new ScenarioInputError(files.join(', '), problems)
  return loaded
}

const indent = (text: string, prefix: string) => text.trimEnd().split('\n').map((line) => prefix + line)

export function lessonsCommand(args: ParsedArgs, out: (line: string) => void): number {
  if (args.values.has('seed') && !args.flags.has('check')) throw new UsageError('kafkasim lessons: --seed goes with --check')
  const seedText = args.values.get('seed')
  const seed = seedText === undefined ? undefined : parseSeedArg(seedText, '--seed', 'lessons')
  const files = collectScenarioFiles(args.positional.length > 0 ? args.positional : [LESSONS_DIR])
  if (files.length === 0) throw new UsageError(`kafkasim lessons: no lesson files (*.yaml, *.yml) in ${args.positional.join(', ') || LESSONS_DIR}`)
  const lessons = loadAll(files)
  if (!args.flags.has('check')) {
    for (const { lesson } of lessons) out(`${lesson.name.padEnd(28)} ${lesson.title} (${lesson.steps.length} steps)`)
    // Nothing ran: passed and failed are null, not 0.
    if (args.flags.has('json')) out(JSON.stringify({ lessons: lessons.length, passed: null, failed: null, names: lessons.map(({ lesson }) => lesson.name) }))
    return 0
  }
  let passed = 0
  const failures: string[] = []
  for (const { file, lesson } of lessons) {
    const result = runLesson(lesson, { source: file, ...(seed !== undefined ? { seed } : {}) })
    out(`${result.passed ? 'ok  ' : 'FAIL'} ${lesson.name}: ${lesson.title} (${relative(process.cwd(), file) || file}, seed ${result.seed}, ${(result.lessonTimeMs / 1000).toFixed(1)} s simulated)`)
    if (!args.flags.has('quiet')) {
      for (const step of result.steps) {
        if (step.status === 'pending') continue
        out(`  ${step.index + 1}. ${step.title} [${step.status}${step.endedAtMs !== undefined ? ` at ${(step.endedAtMs / 1000).toFixed(1)} s` : ''}]`)
        if (step.explanation !== undefined) for (const line of indent(step.explanation, '       ')) out(line)
      }
    }
    if (result.passed) passed++
    else {
      failures.push(result.failure!)
      out(`  ${result.failure}`)
    }
    out('')
  }
  out(`${lessons.length} lesson(s): ${passed} passed, ${lessons.length - passed} failed`)
  for (const failure of failures) out(`  failed: ${failure}`)
  if (args.flags.has('json')) out(JSON.stringify({ lessons: lessons.length, passed, failed: lessons.length - passed }))
  return passed === lessons.length ? 0 : 1
}
