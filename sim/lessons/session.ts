// A lesson in progress on a running scenario: which step is current, whether the learner has
// done what it asks, when it ends, and each step's text and explanation rendered with the
// run's own figures. It only observes the run (after each event, and the trace) and, when
// scripted or asked to "show me", applies a step's answer through the scenario engine's
// applyAction, exactly as a timeline step would. The headless runner (runner.ts) scripts every
// answer; an interactive driver (the web app) lets the learner act and calls showMe().

import { KafkaError } from '../../core/errors.ts'
import type { HistoryReport } from '../checkers/history.ts'
import type { Cluster, ClusterSnapshot } from '../cluster.ts'
import { applyAction } from '../scenario/actions.ts'
import type { RunContext } from '../scenario/context.ts'
import { describeStep } from '../scenario/engine.ts'
import { durationMs, formatDuration } from '../scenario/duration.ts'
import type { Step } from '../scenario/types.ts'
import { ExpressionError, evaluate, figuresIn, formatExpression, formatValue, parseExpression, type Expr, type Value } from './expression.ts'
import { readFigure, type FigureReader } from './figures.ts'
import { fillPlaceholders } from './load.ts'
import type { AnswerStep, LearnerTask, Lesson, LessonStep } from './types.ts'

/** Default bound on an action, a challenge or an "until", from when it starts. */
export const DEFAULT_WITHIN_MS = 60_000
/** Checks are evaluated after events, at most once per this many simulated ms (a history check is not free). */
const CHECK_INTERVAL_MS = 5
/** Checks on the history checker's figures (lostWrites, duplicates, ...) see them at most this stale. */
const HISTORY_INTERVAL_MS = 100

export type StepStatus = 'pending' | 'waiting' | 'running' | 'done' | 'failed'

export interface StepProgress {
  index: number
  title: string
  status: StepStatus
  /** Simulated ms from the lesson's start. */
  startedAtMs?: number
  /** When the action's or challenge's check first held. */
  actedAtMs?: number
  endedAtMs?: number
  /** The step's Markdown text, its figures as they were when it started. */
  text?: string
  /** The action's "ask" or the challenge's "goal", rendered when the step started. */
  task?: string
  /** The explanation, its figures as they were when the step ended. */
  explanation?: string
  /** Why the step failed: the check, its bound, and the figures it read. */
  reason?: string
}

/** Tracks which partitions each broker led when it went down (for crashedLeaders). */
class LeaderCrashes {
  private readonly ledAtCrash = new Map<number, Set<string>>()
  constructor(private readonly run: RunContext) {
    run.cluster.trace.subscribe((record) => {
      if ((record.type === 'crash' || record.type === 'power-fail') && typeof record.node === 'number') this.record(record.node)
    })
  }

  private record(broker: number): void {
    const topics = new Set<string>()
    for (const topic of this.run.cluster.controller()?.image.topicsById.values() ?? []) {
      for (const state of topic.partitions.values()) if (state.leader === broker) topics.add(topic.name)
    }
    this.ledAtCrash.set(broker, topics)
  }

  crashedLeaders(topic: string): number[] {
    return [...this.ledAtCrash].filter(([broker, topics]) => topics.has(topic) && this.run.cluster.sim.stateOf(broker) === 'crashed').map(([broker]) => broker).sort((a, b) => a - b)
  }
}

/**
 * The history checker's report, re-read at most once per HISTORY_INTERVAL_MS for checks: it
 * reads every record of the run, and checks run every few milliseconds. Explanations read it fresh.
 */
class HistoryCache {
  private report: HistoryReport | undefined
  private readAtMs = -Infinity
  constructor(private readonly run: RunContext) {}
  read(fresh: boolean): HistoryReport {
    if (fresh || !this.report || this.run.now >= this.readAtMs + HISTORY_INTERVAL_MS) {
      this.report = this.run.history()
      this.readAtMs = this.run.now
    }
    return this.report
  }
}

/** Readings cached for one round of checks: a snapshot and a history check at most once each. */
class Round implements FigureReader {
  private cachedSnapshot: ClusterSnapshot | undefined
  private cachedHistory: HistoryReport | undefined
  constructor(
    readonly run: RunContext,
    private readonly crashes: LeaderCrashes,
    private readonly histories: HistoryCache,
    readonly stepElapsedMs: number,
    /** For an explanation: the history as it is now, not as last read. */
    private readonly fresh: boolean,
  ) {}
  snapshot(): ClusterSnapshot {
    return (this.cachedSnapshot ??= this.run.cluster.snapshot())
  }
  history(): HistoryReport {
    return (this.cachedHistory ??= this.histories.read(this.fresh))
  }
  crashedLeaders(topic: string): number[] {
    return this.crashes.crashedLeaders(topic)
  }
}

/** The step's action or challenge, whichever it has. */
function taskOf(step: LessonStep): (LearnerTask & { what: string; prompt: string }) | undefined {
  if (step.action) return { ...step.action, what: 'action', prompt: step.action.ask }
  if (step.challenge) return { ...step.challenge, what: 'challenge', prompt: step.challenge.goal }
  return undefined
}

export class LessonSession {
  readonly progress: StepProgress[]
  private run: RunContext | undefined
  private crashes: LeaderCrashes | undefined
  private histories: HistoryCache | undefined
  private current = -1
  /** When the current phase (waiting for the task, or running until) gives up, in lesson ms. */
  private deadlineMs = Infinity
  private lastCheckMs = -Infinity
  private runForEndMs: number | undefined
  private detach: (() => void) | undefined
  private readonly checks = new Map<string, Expr>()
  /** Called once when the last step ends or a step fails. */
  onEnd: (() => void) | undefined

  constructor(
    readonly lesson: Lesson,
    /** Scripted: every answer is applied when its step starts (headless runs). Otherwise the learner acts, or asks showMe(). */
    private readonly scripted: boolean,
  ) {
    this.progress = lesson.steps.map((step, index) => ({ index, title: step.title, status: 'pending' }))
  }

  /** The cluster the lesson runs on, once attached. */
  get cluster(): Cluster | undefined {
    return this.run?.cluster
  }

  /** The step in progress, or -1 before the start and after the end. */
  get currentStep(): number {
    return this.current
  }

  get finished(): boolean {
    return this.progress.every((p) => p.status === 'done')
  }

  /** The first failure, as a line naming the lesson and the step. */
  get failure(): string | undefined {
    const failed = this.progress.find((p) => p.status === 'failed')
    return failed ? `lesson ${this.lesson.name}, step ${failed.index + 1} of ${this.progress.length} "${failed.title}": ${failed.reason}` : undefined
  }

  /** Starts the lesson on a run (a scenario's RunContext, its clock at the lesson's start). */
  attach(run: RunContext): void {
    if (this.run) throw new Error(`lesson ${this.lesson.name} is already attached to a run`)
    this.run = run
    this.crashes = new LeaderCrashes(run)
    this.histories = new HistoryCache(run)
    this.detach = run.cluster.sim.afterEachEvent(() => this.onEvent())
    this.startStep(0)
  }

  /** "Show me": the current step's answer, applied now (what a scripted run does by itself). */
  showMe(): void {
    const step = this.lesson.steps[this.current]
    const task = step && taskOf(step)
    if (!task || this.progress[this.current]!.status !== 'waiting') throw new Error(`lesson ${this.lesson.name}: the current step has no action or challenge waiting`)
    this.scheduleAnswer(this.current, task.answer)
  }

  private get now(): number {
    return this.run!.now
  }

  private startStep(index: number): void {
    this.current = index
    if (index >= this.lesson.steps.length) {
      this.current = -1
      this.detach?.()
      this.onEnd?.()
      return
    }
    const step = this.lesson.steps[index]!
    const progress = this.progress[index]!
    progress.startedAtMs = this.now
    if (step.text !== undefined) progress.text = this.render(step.text)
    const task = taskOf(step)
    if (task) {
      progress.task = this.render(task.prompt)
      progress.status = 'waiting'
      this.deadlineMs = this.now + (task.within ? durationMs(task.within) : DEFAULT_WITHIN_MS)
      if (this.scripted) this.scheduleAnswer(index, task.answer)
      this.lastCheckMs = -Infinity
      this.onEvent()
    } else this.startRunning(index)
  }

  private startRunning(index: number): void {
    const step = this.lesson.steps[index]!
    const progress = this.progress[index]!
    progress.status = 'running'
    if (step.runFor !== undefined) {
      const endMs = this.now + durationMs(step.runFor)
      this.runForEndMs = endMs
      this.run!.cluster.sim.at(this.run!.startMs + endMs, `lesson step ${index + 1} ran for ${step.runFor}`, () => {
        if (this.current === index && this.runForEndMs === endMs) this.endStep(index)
      })
      return
    }
    if (step.until === undefined) return this.endStep(index)
    this.deadlineMs = this.now + (step.within ? durationMs(step.within) : DEFAULT_WITHIN_MS)
    this.lastCheckMs = -Infinity
    this.onEvent()
  }

  private endStep(index: number): void {
    const step = this.lesson.steps[index]!
    const progress = this.progress[index]!
    progress.status = 'done'
    progress.endedAtMs = this.now
    this.runForEndMs = undefined
    if (step.explain !== undefined) progress.explanation = this.render(step.explain)
    this.startStep(index + 1)
  }

  private fail(index: number, reason: string): void {
    const progress = this.progress[index]!
    progress.status = 'failed'
    progress.endedAtMs = this.now
    progress.reason = reason
    this.current = -1
    this.detach?.()
    this.onEnd?.()
  }

  /** After an event: is the current check met, or past its bound? */
  private onEvent(): void {
    const index = this.current
    if (index < 0 || this.now < this.lastCheckMs + CHECK_INTERVAL_MS) return
    const progress = this.progress[index]!
    const step = this.lesson.steps[index]!
    let check: string | undefined
    let what: string
    if (progress.status === 'waiting') {
      const task = taskOf(step)!
      check = task.check
      what = `the ${task.what}'s check`
    } else if (progress.status === 'running' && step.until !== undefined && step.runFor === undefined) {
      check = step.until
      what = 'the "until" check'
    } else return
    this.lastCheckMs = this.now
    const round = this.round()
    let held: Value
    try {
      held = this.evaluate(check, round)
    } catch (error) {
      return this.fail(index, `${what} ${check} cannot be evaluated: ${(error as Error).message}`)
    }
    if (held === true) {
      if (progress.status === 'waiting') {
        progress.actedAtMs = this.now
        return this.startRunning(index)
      }
      return this.endStep(index)
    }
    if (held !== false) return this.fail(index, `${what} ${check} gave ${formatValue(held)}, not true or false`)
    if (this.now > this.deadlineMs) {
      const started = progress.status === 'waiting' ? progress.startedAtMs! : progress.actedAtMs ?? progress.startedAtMs!
      const scripted = progress.status === 'waiting' && this.scripted ? `; the scripted answer was: ${taskOf(step)!.answer.map(describeAnswer).join(', ')}` : ''
      this.fail(index, `${what} ${check} did not hold within ${formatDuration(this.deadlineMs - started)} (from ${formatSeconds(started)} to ${formatSeconds(this.now)}); ${this.figuresNow(check, round)}${scripted}`)
    }
  }

  /** "figures now: leader('orders', 0) = 2, lostWrites = 0": what a failed check read. */
  private figuresNow(check: string, round: Round): string {
    const parts = figuresIn(this.tree(check)).map((call) => {
      let value: string
      try {
        value = formatValue(evaluate(call, (name, args) => readFigure(round, name, args)))
      } catch (error) {
        value = `(${(error as Error).message})`
      }
      return `${formatExpression(call)} = ${value}`
    })
    return `figures now: ${parts.join(', ') || 'none'}`
  }

  private round(fresh = false): Round {
    const started = this.progress[this.current]?.startedAtMs ?? this.now
    return new Round(this.run!, this.crashes!, this.histories!, this.now - started, fresh)
  }

  private tree(text: string): Expr {
    let tree = this.checks.get(text)
    if (!tree) this.checks.set(text, (tree = parseExpression(text)))
    return tree
  }

  private evaluate(text: string, round: Round): Value {
    return evaluate(this.tree(text), (name, args) => readFigure(round, name, args))
  }

  /** Markdown with each {{placeholder}} replaced by its value now; a value that cannot be read says why. */
  private render(markdown: string): string {
    const round = this.round(true)
    return fillPlaceholders(markdown, (tree) => {
      try {
        return formatValue(evaluate(tree, (name, args) => readFigure(round, name, args)))
      } catch (error) {
        if (error instanceof ExpressionError) return `(cannot read: ${error.message})`
        throw error
      }
    })
  }

  private scheduleAnswer(index: number, answer: readonly AnswerStep[]): void {
    const sim = this.run!.cluster.sim
    for (const item of answer) {
      const delayMs = item.after ? durationMs(item.after) : 0
      sim.at(sim.now + delayMs, `lesson step ${index + 1} answer: ${describeAnswer(item)}`, () => {
        if (this.current !== index) return
        const problem = this.apply(item)
        if (problem) this.fail(index, `the scripted answer ${describeAnswer(item)} ${problem}`)
      })
    }
  }

  /** Applies one answer as the engine applies a timeline step; returns what went wrong, or null. */
  private apply(item: AnswerStep): string | null {
    try {
      // `after` is the lesson's own key; applyAction reads only the action.
      const node = applyAction(this.run!, item as Step)
      if (item.as !== undefined && node !== undefined) this.run!.bound.set(item.as, node)
      return item.expectError === undefined ? null : `was expected to be refused with ${item.expectError}, but it succeeded`
    } catch (error) {
      const code = error instanceof KafkaError ? error.code : undefined
      if (item.expectError !== undefined && code === item.expectError) return null
      return `failed: ${(error as Error).message}`
    }
  }
}

/** An answer as the scenario timeline names a step ("crash 2"), with its delay. */
function describeAnswer(item: AnswerStep): string {
  return `${describeStep(item as Step)}${item.after ? ` (after ${item.after})` : ''}`
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
