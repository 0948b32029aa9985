// The engine behind the visualizer: one session, its live run, and the checkpoints that
// make time travel quick. It runs in a Web Worker (worker.ts) so that a busy simulation
// never stalls the page; tests also run it inline.
//
// Time travel is replay. The simulation cannot be saved and restored, so a checkpoint is a
// whole run stopped at an earlier point. To go back to position P the engine takes the
// latest checkpoint at or before P (or a fresh run from the seed) and runs it forward to
// P; the run that was live is kept as a checkpoint, so going forward again is quick. When
// the page has been quiet for a moment (not while it plays: on a small machine that would
// slow the page), the engine builds checkpoints in the background, each a run from the
// seed stopped at a multiple of a spacing chosen so that one interval replays in about
// 150 ms; at most MAX_CHECKPOINTS are kept (each is a whole cluster in memory).
// Acting in the past starts a new timeline: the actions recorded after that point, and the
// checkpoints past it, are dropped.

import { parseTopicConfigOverrides } from '../../core/config.ts'
import { toJSONLine } from '../../sim/trace.ts'
import { partitionRecords, metadataLog } from '../../sim/views.ts'
import type { Action, RecordedAction } from './actions.ts'
import { checkProducerSettings } from './clients.ts'
import { formatLine, type LogLine } from './format.ts'
import { chartData } from './metrics.ts'
import type { Frame, JumpTarget, Request, ResultData } from './protocol.ts'
import { Run, type Goal, type StopReason } from './run.ts'
import { MAX_TIME_MS, TOPIC, type Position, type SessionSpec } from './spec.ts'
import { clusterView } from './view.ts'

export interface Progress {
  label: string
  done: number
  total: number
}

/** A long job, run in slices: yields progress, returns its result. */
export type Task = Generator<Progress, ResultData, void>

const MAX_CHECKPOINTS = 8
const LOG_LINES_ON_RESET = 5000
const FLIGHTS_PER_FRAME = 600
/** Wall ms per slice of a long task, between which the worker reads its messages. */
export const SLICE_MS = 40
const EXPORT_MAX_RECORDS = 2_000_000

export interface Clock {
  now(): number
}

export class Engine {
  private spec!: SessionSpec
  private live!: Run
  private checkpoints: Run[] = []
  private builder: Run | null = null
  private builderTarget = 0
  /** Events between background checkpoints; grows as the run gets longer. */
  private spacing = 20_000
  /** Replay speed measured so far, events per wall ms. */
  private replayRate = 200
  private lastLogSeq = -1
  private logReset = true
  private lastFlightSeq = -1
  private actionsVersion = 0
  private sentActionsVersion = -1

  constructor(
    spec: SessionSpec,
    private readonly clock: Clock,
  ) {
    this.reset(spec)
  }

  reset(spec: SessionSpec): void {
    this.spec = { seed: spec.seed, settings: { ...spec.settings }, actions: spec.actions.map((a) => ({ ...a })) }
    this.checkpoints = []
    this.builder = null
    this.makeLive(Run.fromSpec(this.spec))
    this.actionsVersion++
  }

  get session(): SessionSpec {
    return this.spec
  }

  get liveRun(): Run {
    return this.live
  }

  /** Handles a request that needs no slicing; returns null for tasks (see task()). */
  handle(request: Request): ResultData | null {
    switch (request.type) {
      case 'advance':
        return { kind: 'frame', frame: this.advance(request.toMs, request.budgetMs, request.stopOnAnomaly, request.withFlights) }
      case 'step':
        return { kind: 'frame', frame: this.step() }
      case 'act':
        return { kind: 'frame', frame: this.act(request.action) }
      case 'records':
        return { kind: 'records', view: partitionRecords(this.live.cluster, TOPIC, request.partition, request.fromOffset, Math.min(500, request.limit)) }
      case 'metadata':
        return { kind: 'metadata', page: metadataLog(this.live.cluster, request.fromOffset, Math.min(1000, request.limit)) }
      case 'charts':
        return { kind: 'charts', data: chartData(this.live, request.fromMs, request.toMs, Math.max(1, Math.min(400, Math.floor(request.buckets)))) }
      case 'routine':
        return { kind: 'routine', lines: this.routine(request.limit) }
      case 'cancel':
        return { kind: 'none' }
      default:
        return null
    }
  }

  /** The long requests, as tasks. */
  task(request: Request): Task | null {
    switch (request.type) {
      case 'open':
        return this.openTask(request.spec, request.position)
      case 'jump':
        return this.jumpTask(request.target)
      case 'export-trace':
        return this.exportTask()
      default:
        return null
    }
  }

  // --- playing ------------------------------------------------------------------------

  /** Runs the live run toward `toMs` for at most `budgetMs` of wall time. */
  advance(toMs: number, budgetMs: number, stopOnAnomaly: boolean, withFlights = true): Frame {
    const deadline = this.clock.now() + budgetMs
    const goal: Goal = { timeMs: Math.min(toMs, MAX_TIME_MS) }
    const stop = this.live.advance(goal, () => this.clock.now() > deadline, stopOnAnomaly)
    return this.frame(stop, withFlights)
  }

  /** Processes exactly one event. */
  step(): Frame {
    this.live.advance({ events: this.live.position.events + 1, timeMs: MAX_TIME_MS })
    return this.frame('reached')
  }

  /** Records an action at the live run's position and schedules it there. */
  act(action: Action): Frame {
    checkAction(action)
    const { timeMs, events } = this.live.position
    const actions = this.spec.actions
    // Acting in the past: the old timeline's later actions go, and so do the runs past here.
    let keep = actions.length
    while (keep > 0 && actions[keep - 1]!.afterEvents > events) keep--
    if (keep < actions.length) actions.splice(keep)
    // A run at this very event count may stand at another time: only runs strictly before
    // the action can take it the same way.
    this.checkpoints = this.checkpoints.filter((run) => run.position.events < events)
    if (this.builder && this.builder.position.events >= events) this.builder = null
    actions.push({ atMs: timeMs, afterEvents: events, action })
    this.actionsVersion++
    this.live.scheduleDue()
    // Carry it out now: run what is due at this moment, the action among it (a replay
    // processes the same events in the same order, so this changes nothing but when).
    this.live.advance({ timeMs })
    return this.frame('reached')
  }

  // --- time travel ------------------------------------------------------------------

  private *openTask(spec: SessionSpec, position: Position | null): Task {
    this.reset(spec)
    if (!position) return { kind: 'frame', frame: this.frame('reached') }
    const target: JumpTarget = position.events !== undefined ? { events: position.events, timeMs: position.timeMs } : { timeMs: position.timeMs }
    return yield* this.jumpTask(target)
  }

  /** Goes to a position: the latest run at or before it, run forward. */
  *jumpTask(target: JumpTarget): Task {
    const goal = goalOf(target)
    const atOrBefore = (run: Run) => {
      const p = run.position
      if (goal.events !== undefined) return p.events <= goal.events
      if (goal.seq !== undefined) return p.seq <= goal.seq
      return p.timeMs <= goal.timeMs
    }
    const candidates = [this.live, ...this.checkpoints, ...(this.builder ? [this.builder] : [])].filter(atOrBefore)
    let from = candidates.reduce<Run | null>((best, run) => (best === null || run.position.events > best.position.events ? run : best), null)
    if (!from) from = Run.fromSpec(this.spec)
    if (from === this.builder) this.builder = null
    if (from !== this.live) {
      this.checkpoints = this.checkpoints.filter((run) => run !== from)
      this.keepAsCheckpoint(this.live)
    }
    const run = from
    const startEvents = run.position.events
    const totalEvents = this.estimateEvents(goal)
    const started = this.clock.now()
    let arrived = false
    try {
      for (;;) {
        const deadline = this.clock.now() + SLICE_MS
        const stop: StopReason = run.advance(goal, () => this.clock.now() > deadline)
        if (stop !== 'budget') break
        yield { label: 'Replaying', done: run.position.events - startEvents, total: Math.max(1, totalEvents - startEvents) }
      }
      // An event count and a later time: the clock moves on to it (no event is due before).
      const then = 'events' in target && target.timeMs !== undefined ? Math.min(MAX_TIME_MS, target.timeMs) : null
      if (then !== null && then > run.position.timeMs) {
        for (;;) {
          const deadline = this.clock.now() + SLICE_MS
          if (run.advance({ timeMs: then }, () => this.clock.now() > deadline) !== 'budget') break
          yield { label: 'Replaying', done: run.position.events - startEvents, total: Math.max(1, totalEvents - startEvents) }
        }
      }
      arrived = true
    } finally {
      // Cancelled part-way: the run got somewhere valid, keep it for next time.
      if (!arrived && run !== this.live) this.keepAsCheckpoint(run)
    }
    this.measureReplay(run.position.events - startEvents, this.clock.now() - started)
    if (run !== this.live) this.makeLive(run)
    return { kind: 'frame', frame: this.frame('reached') }
  }

  private estimateEvents(goal: Goal): number {
    if (goal.events !== undefined) return goal.events
    if (goal.seq !== undefined) return goal.seq // roughly one record per event
    const live = this.live.position
    return live.timeMs > 0 ? Math.round((goal.timeMs / live.timeMs) * live.events) : goal.timeMs
  }

  private makeLive(run: Run): void {
    if (this.live && this.live !== run) {
      this.live.detachCheckers()
      this.live.stopCollecting()
    }
    this.live = run
    run.collectFlights = true
    run.takeActivity()
    if (this.spec.settings.checks) run.attachCheckers()
    this.lastFlightSeq = run.position.seq
    this.lastLogSeq = -1
    this.logReset = true
  }

  private keepAsCheckpoint(run: Run): void {
    run.detachCheckers()
    run.stopCollecting()
    // One run per neighbourhood is enough: a newer one replaces a near twin.
    const events = run.position.events
    this.checkpoints = this.checkpoints.filter((other) => Math.abs(other.position.events - events) > this.spacing / 20)
    this.checkpoints.push(run)
    this.checkpoints.sort((a, b) => a.position.events - b.position.events)
    while (this.checkpoints.length > MAX_CHECKPOINTS) {
      // Drop the one closest to its predecessor (the least replay saved), never the newest.
      let worst = 0
      let worstGap = Infinity
      for (let i = 0; i < this.checkpoints.length - 1; i++) {
        const gap = this.checkpoints[i]!.position.events - (i === 0 ? 0 : this.checkpoints[i - 1]!.position.events)
        if (gap < worstGap) {
          worstGap = gap
          worst = i
        }
      }
      this.checkpoints.splice(worst, 1)
    }
  }

  private measureReplay(events: number, wallMs: number): void {
    if (events < 5000 || wallMs < 5) return
    this.replayRate = 0.7 * this.replayRate + 0.3 * (events / wallMs)
    // One interval between checkpoints should replay in about 150 ms.
    const wanted = Math.max(10_000, Math.round(this.replayRate * 150))
    if (wanted > this.spacing * 2 || wanted < this.spacing / 2) this.spacing = wanted
  }

  /**
   * Background work when nothing else is asked: builds the next missing checkpoint, a
   * slice at a time. Returns whether there is more to do.
   */
  idle(budgetMs: number): boolean {
    const head = Math.max(this.live.position.events, ...this.checkpoints.map((r) => r.position.events))
    while (this.spacing * MAX_CHECKPOINTS < head) this.spacing *= 2
    if (!this.builder) {
      const known = [this.live, ...this.checkpoints].map((r) => r.position.events)
      let target = 0
      for (let k = this.spacing; k <= head - this.spacing / 2; k += this.spacing) {
        if (!known.some((e) => Math.abs(e - k) <= this.spacing / 2)) {
          target = k
          break
        }
      }
      if (target === 0) return false
      this.builder = Run.fromSpec(this.spec)
      this.builderTarget = target
    }
    const builder = this.builder
    const started = this.clock.now()
    const startEvents = builder.position.events
    const stop = builder.advance({ events: this.builderTarget, timeMs: MAX_TIME_MS }, () => this.clock.now() > started + budgetMs)
    this.measureReplay(builder.position.events - startEvents, this.clock.now() - started)
    if (stop === 'budget') return true
    this.builder = null
    this.keepAsCheckpoint(builder)
    return true
  }

  // --- frames and queries -------------------------------------------------------------

  frame(stopped: StopReason | null, withFlights = true): Frame {
    const run = this.live
    const position = run.position
    let log: LogLine[]
    const reset = this.logReset
    if (reset) {
      log = run.notable.slice(-LOG_LINES_ON_RESET).map(formatLine)
      this.logReset = false
    } else {
      const fresh = []
      for (let i = run.notable.length - 1; i >= 0 && run.notable[i]!.seq > this.lastLogSeq; i--) fresh.push(run.notable[i]!)
      log = fresh.reverse().map(formatLine)
    }
    const lastNotable = run.notable[run.notable.length - 1]
    if (lastNotable) this.lastLogSeq = lastNotable.seq
    const flights = withFlights ? run.flightsSince(this.lastFlightSeq, FLIGHTS_PER_FRAME) : []
    this.lastFlightSeq = position.seq
    const actionsChanged = this.sentActionsVersion !== this.actionsVersion
    this.sentActionsVersion = this.actionsVersion
    return {
      position,
      traceHash: run.cluster.trace.hash(),
      view: clusterView(run),
      flights,
      activity: run.takeActivity(),
      log,
      logReset: reset,
      logDropped: run.notableDropped + Math.max(0, run.notable.length - LOG_LINES_ON_RESET),
      anomalies: run.anomalies.slice(0, 100),
      history: run.historyFigures,
      actionErrors: run.actionErrors.slice(0, 100),
      actions: actionsChanged ? this.spec.actions.map((a): RecordedAction => ({ ...a })) : null,
      checking: run.checking,
      stopped: stopped === 'reached' || stopped === null ? null : stopped,
      checkpoints: this.checkpoints.map((r) => r.position.timeMs),
    }
  }

  /** The newest trace records still in the ring buffer, routine ones included. */
  private routine(limit: number): LogLine[] {
    const events = this.live.cluster.trace.events
    return events.slice(-Math.max(1, Math.min(2000, limit))).map(formatLine)
  }

  /** The whole trace up to the live position, as JSON Lines, from a replay. */
  private *exportTask(): Task {
    const run = Run.fromSpec(this.spec)
    const target = this.live.position.events
    const chunks: string[] = []
    let lines: string[] = []
    let records = 0
    let truncated = false
    // Records written while the cluster was being set up are not replayed: start from a fresh cluster's own trace.
    for (const record of run.cluster.trace.events) {
      lines.push(toJSONLine(record))
      records++
    }
    const unsubscribe = run.cluster.trace.subscribe((record) => {
      if (records >= EXPORT_MAX_RECORDS) {
        truncated = true
        return
      }
      lines.push(toJSONLine(record))
      records++
      if (lines.length >= 5000) {
        chunks.push(lines.join(''))
        lines = []
      }
    })
    try {
      for (;;) {
        const deadline = this.clock.now() + SLICE_MS
        const stop = run.advance({ events: target, timeMs: MAX_TIME_MS }, () => this.clock.now() > deadline)
        if (stop !== 'budget') break
        yield { label: 'Writing the trace', done: run.position.events, total: target }
      }
    } finally {
      unsubscribe()
    }
    if (lines.length > 0) chunks.push(lines.join(''))
    return { kind: 'export', chunks, records, truncated }
  }
}

/**
 * Refuses, before it is recorded, an action whose config core's parsers refuse (the
 * error names the value): nothing is half applied. What depends on the moment (the
 * controller may be down when min.insync.replicas changes) is found when the run applies
 * it, and shown as an action error.
 */
function checkAction(action: Action): void {
  switch (action.verb) {
    case 'add-producer':
      return checkProducerSettings({ acks: action.acks, lingerMs: action.lingerMs, keys: action.keys, rate: action.rate }, TOPIC, 'the new producer')
    case 'set-producer':
      return checkProducerSettings({ acks: action.acks, lingerMs: action.lingerMs, keys: action.keys, rate: 1 }, TOPIC, action.id)
    case 'set-config':
      parseTopicConfigOverrides({ [action.name]: action.value }, `topic ${TOPIC} config`)
      return
  }
}

function goalOf(target: JumpTarget): Goal {
  if ('events' in target) return { events: Math.max(0, Math.floor(target.events)), timeMs: MAX_TIME_MS }
  if ('seq' in target) return { seq: Math.max(0, Math.floor(target.seq)), timeMs: MAX_TIME_MS }
  return { timeMs: Math.max(0, Math.min(MAX_TIME_MS, target.timeMs)) }
}
