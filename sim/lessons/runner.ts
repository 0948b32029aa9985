// Running a lesson headless: the lesson's stage becomes a scenario that the scenario engine
// runs (one engine), with one more timeline step at the start that attaches a scripted
// LessonSession. The scenario's duration is the sum of every step's bounds, so a lesson that
// keeps to them always ends inside it; a step whose check does not hold in its bound fails
// the lesson, naming the lesson, the step and the figures the check read.

import { CONTROLLER_ID } from '../cluster.ts'
import { runScenario, type ScenarioResult } from '../scenario/engine.ts'
import { RunContext } from '../scenario/context.ts'
import { durationMs, formatDuration } from '../scenario/duration.ts'
import type { Scenario } from '../scenario/types.ts'
import { DEFAULT_WITHIN_MS, LessonSession, type StepProgress } from './session.ts'
import type { Lesson, LessonStep } from './types.ts'

export interface LessonResult {
  name: string
  title: string
  seed: number
  passed: boolean
  steps: StepProgress[]
  /** Why the lesson failed: its first failed step, or a problem of its stage (a timeline step that failed). */
  failure?: string
  traceHash: string
  /** Simulated ms from the lesson's start to the end of its last step (or its failure). */
  lessonTimeMs: number
}

/** The longest a step can take when every bound is used: its task's, then its "until"'s or "runFor"'s. */
function stepBoundMs(step: LessonStep): number {
  const task = step.action ?? step.challenge
  const taskMs = task ? (task.within ? durationMs(task.within) : DEFAULT_WITHIN_MS) : 0
  const runMs = step.runFor ? durationMs(step.runFor) : step.until !== undefined ? (step.within ? durationMs(step.within) : DEFAULT_WITHIN_MS) : 0
  return taskMs + runMs
}

/** The scenario a lesson runs as: its stage, a step attaching the session, long enough for every step's bound. */
export function lessonScenario(lesson: Lesson, session: LessonSession): Scenario {
  // One simulated second past the bounds, so that a check missing its last bound is seen as failed.
  const totalMs = lesson.steps.reduce((sum, step) => sum + stepBoundMs(step), 0) + 1000
  return {
    name: lesson.name,
    description: lesson.description,
    ...(lesson.seed !== undefined ? { seed: lesson.seed } : {}),
    duration: formatDuration(totalMs),
    ...(lesson.cluster ? { cluster: lesson.cluster } : {}),
    ...(lesson.topics ? { topics: lesson.topics } : {}),
    ...(lesson.clients ? { clients: lesson.clients } : {}),
    timeline: [
      ...(lesson.timeline ?? []),
      {
        at: '0s',
        label: `lesson ${lesson.name} starts`,
        run: (ctx) => {
          if (!(ctx instanceof RunContext)) throw new Error('a lesson attaches to the scenario engine\'s own run context')
          session.attach(ctx)
        },
      },
    ],
  }
}

/** Runs a checked lesson headless with its scripted answers. */
export function runLesson(lesson: Lesson, options: { seed?: number; source?: string } = {}): LessonResult {
  const session = new LessonSession(lesson, true)
  // The engine runs a scenario for its whole duration, the sum of every step's bounds. Once
  // the lesson has ended nothing reads the run, so its clients stop, keeping the rest cheap
  // (about 20x fewer events after the end).
  session.onEnd = () => stopClients(session)
  const result: ScenarioResult = runScenario(lessonScenario(lesson, session), {
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    source: options.source ?? lesson.name,
  })
  const unfinished = session.progress.find((p) => p.status !== 'done' && p.status !== 'failed')
  const failure = result.problems[0] !== undefined ? `lesson ${lesson.name}: ${result.problems[0]}`
    : session.failure ?? (unfinished ? `lesson ${lesson.name}, step ${unfinished.index + 1} "${unfinished.title}": never finished (${unfinished.status})` : undefined)
  const ended = session.progress.map((p) => p.endedAtMs ?? 0)
  return {
    name: lesson.name,
    title: lesson.title,
    seed: result.seed,
    passed: failure === undefined,
    steps: session.progress,
    ...(failure !== undefined ? { failure } : {}),
    traceHash: result.traceHash,
    lessonTimeMs: Math.max(0, ...ended),
  }
}

/** Stops every client process (producers, consumers): the brokers and the controller run on, nearly idle. */
function stopClients(session: LessonSession): void {
  const cluster = session.cluster
  if (!cluster) return
  for (const id of cluster.sim.nodeIds()) {
    if (typeof id === 'string' && id !== CONTROLLER_ID && cluster.sim.stateOf(id) !== 'crashed') cluster.sim.crash(id)
  }
}
