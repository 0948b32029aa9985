// One run of a session: a cluster built from the seed and settings, its clients, and the
// session's actions applied where they were taken. Any number of runs of one session go
// through the same states event for event, which is what time travel is made of.
//
// How actions are placed. The user acts between two events: the run had processed N
// events and its clock read T. The action is recorded as (T, N). A run schedules it with
// Simulation.at(T) the moment its event count reaches N (before processing event N+1), so
// every run puts it into the event queue at the same point and it runs in the same order
// among the events due at T. This is why actions carry an event count as well as a time.

import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import { checkHistory, committedLogs, type HistoryReport } from '../../sim/checkers/history.ts'
import { ALL_CHECKERS, InvariantCheckers, type CheckerName, type Violation } from '../../sim/checkers/invariants.ts'
import { CONTROLLER_ID, createCluster, type Cluster } from '../../sim/cluster.ts'
import type { TraceRecord } from '../../sim/trace.ts'
import { leaderHolds } from '../../sim/views.ts'
import { acksName, describeAction, GROUP_ID, type Acks, type Action, type NodeRef, type RecordedAction } from './actions.ts'
import { checkProducerSettings, ConsumerClient, ProducerClient, type ProducerSettings } from './clients.ts'
import { TOPIC, type SessionSettings, type SessionSpec } from './spec.ts'

/** Where a run is: simulated time, events processed, trace records written. */
export interface RunPosition {
  timeMs: number
  events: number
  seq: number
}

/** What to run to. Exactly one of events/seq, or only a time. */
export interface Goal {
  /** Stop once this many events have been processed. */
  events?: number
  /** Stop once the trace record with this seq has been written. */
  seq?: number
  /** Process everything due by this time, then set the clock to it (unless events/seq stop it first). */
  timeMs: number
}

export type StopReason = 'reached' | 'budget' | 'anomaly'

/** A lost acknowledged write, what the history checker found, or an invariant violation. */
export interface Anomaly {
  kind: 'lost-write' | 'history' | 'invariant'
  /** The invariant checker's name, "lost-acknowledged-write", or the history finding ("duplicate", "reorder", "consumer-gap"). */
  name: string
  timeMs: number
  /** The trace position right after the event that revealed it. */
  seq: number
  message: string
  /** The partition concerned, as "orders-3", when there is one. */
  partition: string | null
  brokers: number[]
}

export interface ActionError {
  index: number
  atMs: number
  message: string
}

/** The history checker's last figures (sim/checkers/history.ts), as counts, and when. */
export type HistoryFigures = Pick<
  HistoryReport,
  'produced' | 'acknowledged' | 'failed' | 'pending' | 'duplicates' | 'reorders' | 'consumed' | 'consumedNotCommitted' | 'consumerGaps' | 'consumerDuplicates'
> & { atMs: number; lost: number }

/** Record types routine enough to leave out of the event log's notable list. */
const ROUTINE = new Set([
  'deliver', 'timer', 'append', 'command', 'metadata-applied', 'writeback', 'disk-busy', 'producer-id-assigned',
  // The clients' steady work: one record per batch, request, poll or fetch.
  'producer-send', 'producer-batch-created', 'producer-request', 'producer-batch-acked',
  'consumer-poll', 'consumer-fetch', 'consumer-fetch-response', 'consumer-list-offsets', 'consumer-commit',
])

export const NOTABLE_CAP = 50_000

/**
 * The checkers the web app runs: all but stable-reads, which checks the reads of raw
 * clients (core/client/raw-client.ts); the web app runs the real consumer, whose reads the
 * history checker covers (repeats, gaps).
 */
export const WEB_CHECKERS: readonly CheckerName[] = ALL_CHECKERS.filter((c) => c !== 'stable-reads')

export function isNotable(record: TraceRecord): boolean {
  return !ROUTINE.has(record.type)
}

/** The history checker runs at most once per this many simulated ms... */
const HISTORY_CHECK_MIN_MS = 5000
/** ...and less often as records pile up (it reads every record): this many ms per record produced. */
const HISTORY_CHECK_MS_PER_RECORD = 0.2
/** Consumer lag is sampled for the charts once a simulated second. */
const LAG_SAMPLE_MS = 1000

/** The history checker's findings that stay found (see checkHistoryNow), with what they mean. */
const HISTORY_FINDINGS = [
  { field: 'duplicates', name: 'duplicate', what: 'record(s) held more than once in a committed log (a retry without idempotence)' },
  { field: 'reorders', name: 'reorder', what: 'record(s) held after a record their producer sent later (retries with more than one request in flight, without idempotence)' },
  // The session's consumers are one group; the checker reads what the group as a whole
  // received (checkHistory's groupOf). A record the group receives again is not an anomaly: after
  // a rebalance the new owner resumes from the last committed offset, so the classic
  // protocol with auto-commit delivers at least once; that count stays a figure only. A
  // committed record the group skipped between two it received breaks at-least-once.
  { field: 'consumerGaps', name: 'consumer-gap', what: 'committed record(s) the consumer group skipped between two it received' },
] as const satisfies readonly { field: keyof HistoryReport; name: string; what: string }[]

/** One message's flight, from a delivery or drop record. */
export interface Flight {
  seq: number
  from: string
  to: string
  type: string
  sentAt: number
  at: number
  /** Why it was dropped; absent when delivered. */
  dropped?: string
}

const FLIGHT_RING = 4096

/** Traffic on one directed link since the last frame. */
export interface LinkActivity {
  from: string
  to: string
  /** Messages delivered. */
  count: number
  /** Messages dropped. */
  drops: number
  /** The latest message's type and arrival (or drop) time. */
  type: string
  at: number
}

interface AckedPartition {
  offsets: number[]
  values: (string | null)[]
  acks: number[]
  /** Entries before this index have been checked at least once. */
  checked: number
}

export class Run {
  readonly cluster: Cluster
  readonly producers: ProducerClient[] = []
  readonly consumers: ConsumerClient[] = []
  /** Attached while the run is the live one and the session checks invariants (see attachCheckers). */
  private checkers: InvariantCheckers | null = null
  /** Notable trace records (see isNotable), oldest first; capped at NOTABLE_CAP. */
  readonly notable: TraceRecord[] = []
  notableDropped = 0
  readonly anomalies: Anomaly[] = []
  readonly actionErrors: ActionError[] = []
  /** The newest flights, when collecting (the live run only). */
  private flights: Flight[] = []
  private flightNext = 0
  /** Per directed link ("from|to"), traffic since takeActivity() was last called. */
  private activity = new Map<string, LinkActivity>()
  collectFlights = false
  /** Index of the next session action to schedule. */
  private nextAction = 0
  private nextProducer = 1
  private nextConsumer = 1
  private readonly acked = new Map<number, AckedPartition>()
  private readonly reportedLost = new Set<string>()
  /** Partitions to check after this event: only the newly acknowledged records, or all of them. */
  private readonly dirtyPartitions = new Map<number, 'new' | 'all'>()
  private violationsSeen = 0
  /** Producers with answers since the last event (their outcomes are read after it). */
  private readonly answeredProducers = new Set<string>()
  /** The history checker: when next, and the figures it has reported so far. */
  private historyCheckAtMs = HISTORY_CHECK_MIN_MS
  private readonly historyReported = new Map<string, number>()
  /** The last history report, and its figures for the panels. */
  history: HistoryReport | null = null
  historyFigures: HistoryFigures | null = null
  private nextLagSampleMs = 0

  constructor(
    readonly seed: number,
    readonly settings: SessionSettings,
    /** The session's action log: shared with the session, which may append to it or cut it. */
    private readonly actions: RecordedAction[],
  ) {
    const cluster = createCluster({ seed, brokers: settings.brokers })
    this.cluster = cluster
    cluster.trace.subscribe((record) => this.onRecord(record))
    cluster.createTopic(TOPIC, {
      partitions: settings.partitions,
      replicationFactor: settings.replicationFactor,
      config: { 'min.insync.replicas': settings.minInsyncReplicas, 'unclean.leader.election.enable': settings.uncleanElection },
    })
    cluster.sim.afterEachEvent(() => this.afterEvent())
    const producer: ProducerSettings = { acks: settings.acks, lingerMs: settings.lingerMs, keys: settings.keys, rate: settings.recordsPerSec }
    for (let i = 0; i < settings.producers; i++) this.addProducer(producer)
    for (let i = 0; i < settings.consumers; i++) this.addConsumer()
    this.scheduleDue()
  }

  static fromSpec(spec: SessionSpec): Run {
    return new Run(spec.seed, spec.settings, spec.actions)
  }

  get position(): RunPosition {
    const sim = this.cluster.sim
    return { timeMs: sim.now, events: sim.eventCount, seq: sim.trace.count }
  }

  /** Index of the next action this run will schedule. */
  get scheduledActions(): number {
    return this.nextAction
  }

  /**
   * Runs toward `goal`. Stops early when `expired()` says the wall-clock budget is spent
   * (checked every 128 events) or, with `stopOnAnomaly`, right after the event that
   * revealed an anomaly.
   */
  advance(goal: Goal, expired: () => boolean = () => false, stopOnAnomaly = false): StopReason {
    const sim = this.cluster.sim
    const anomaliesBefore = this.anomalies.length
    this.scheduleDue()
    let n = 0
    for (;;) {
      if (goal.events !== undefined && sim.eventCount >= goal.events) return 'reached'
      if (goal.seq !== undefined && sim.trace.count > goal.seq) return 'reached'
      if (!sim.step(goal.timeMs)) {
        if (goal.events === undefined && goal.seq === undefined && sim.now < goal.timeMs) sim.runFor(goal.timeMs - sim.now)
        return 'reached'
      }
      this.scheduleDue()
      if (stopOnAnomaly && this.anomalies.length > anomaliesBefore) return 'anomaly'
      if ((++n & 127) === 0 && expired()) return 'budget'
    }
  }

  /** Schedules every session action whose place (event count) this run has reached. */
  scheduleDue(): void {
    const sim = this.cluster.sim
    while (this.nextAction < this.actions.length && this.actions[this.nextAction]!.afterEvents <= sim.eventCount) {
      const index = this.nextAction++
      const recorded = this.actions[index]!
      const label = `user: ${describeAction(recorded.action)}`
      try {
        sim.at(recorded.atMs, label, () => this.apply(index, recorded))
      } catch (error) {
        this.actionErrors.push({ index, atMs: recorded.atMs, message: `${label}: ${error instanceof Error ? error.message : String(error)}` })
      }
    }
  }

  /** Stops collecting flights (the run is no longer the one shown) and lets go of those kept. */
  stopCollecting(): void {
    this.collectFlights = false
    this.flights = []
    this.flightNext = 0
    this.activity = new Map()
  }

  /** The traffic per link since the last call. */
  takeActivity(): LinkActivity[] {
    const out = [...this.activity.values()]
    this.activity = new Map()
    return out
  }

  /** The newest flights with seq > `afterSeq`, at most `max` of them, oldest first. */
  flightsSince(afterSeq: number, max: number): Flight[] {
    const out: Flight[] = []
    const size = Math.min(this.flightNext, FLIGHT_RING)
    for (let i = 1; i <= size && out.length < max; i++) {
      const flight = this.flights[(this.flightNext - i) % FLIGHT_RING]!
      if (flight.seq <= afterSeq) break
      out.push(flight)
    }
    return out.reverse()
  }

  // --- actions ---------------------------------------------------------------------

  private apply(index: number, recorded: RecordedAction): void {
    try {
      this.perform(recorded.action)
    } catch (error) {
      this.actionErrors.push({ index, atMs: recorded.atMs, message: `${describeAction(recorded.action)}: ${error instanceof Error ? error.message : String(error)}` })
    }
  }

  private perform(action: Action): void {
    const cluster = this.cluster
    const sim = cluster.sim
    switch (action.verb) {
      case 'crash':
        return sim.crash(nodeId(action.node))
      case 'power-fail':
        return sim.powerFail(nodeId(action.node))
      case 'restart':
        return sim.restart(nodeId(action.node))
      case 'pause':
        return sim.pause(nodeId(action.node))
      case 'resume':
        return sim.resume(nodeId(action.node))
      case 'isolate':
        return sim.network.isolate(nodeId(action.node))
      case 'rejoin':
        return sim.network.rejoin(nodeId(action.node))
      case 'partition':
        return sim.network.partition(action.groups.map((g) => g.map(nodeId)))
      case 'heal':
        return sim.network.heal()
      case 'add-producer':
        this.addProducer({ acks: action.acks, lingerMs: action.lingerMs, keys: action.keys, rate: action.rate })
        return
      case 'remove-producer':
        return this.activeProducer(action.id).stop(cluster)
      case 'set-producer': {
        const old = this.activeProducer(action.id)
        const settings: ProducerSettings = { acks: action.acks, lingerMs: action.lingerMs, keys: action.keys, rate: old.settings.rate }
        // Checked before the old one stops: a refused config changes nothing.
        checkProducerSettings(settings, TOPIC, `${action.id} (restarted)`)
        old.stop(cluster)
        this.addProducer(settings)
        return
      }
      case 'add-consumer':
        this.addConsumer()
        return
      case 'remove-consumer': {
        const consumer = this.consumers.find((c) => c.id === action.id && c.active)
        if (!consumer) throw new Error(`${action.id} is not a running consumer`)
        return consumer.stop(cluster)
      }
      case 'set-config':
        return cluster.alterConfigs({ type: 'topic', name: TOPIC }, { [action.name]: action.value })
    }
  }

  private activeProducer(id: string): ProducerClient {
    const producer = this.producers.find((p) => p.id === id && p.active)
    if (!producer) throw new Error(`${id} is not a running producer`)
    return producer
  }

  private addProducer(settings: ProducerSettings): void {
    // The number is taken only once the producer exists: a refused config uses none up.
    const id = `producer-${this.nextProducer}`
    this.producers.push(new ProducerClient(this.cluster, id, settings, TOPIC, (outcome, acks) => this.onAcked(outcome, acks)))
    this.nextProducer++
  }

  private addConsumer(): void {
    const id = `consumer-${this.nextConsumer}`
    this.consumers.push(new ConsumerClient(this.cluster, id, TOPIC, this.settings.partitions))
    this.nextConsumer++
  }

  // --- observing ---------------------------------------------------------------------

  private onRecord(record: TraceRecord): void {
    const type = record.type
    if (type === 'deliver' || type === 'drop') {
      if (this.collectFlights) this.addFlight(record)
      if (type === 'deliver') return
    }
    if (type === 'producer-batch-acked' || type === 'producer-batch-failed') this.answeredProducers.add(String(record.node))
    if (type === 'become-leader' || type === 'replica-truncated') {
      const data = record.data as { topic?: string; partition?: number }
      if (data.topic === TOPIC && typeof data.partition === 'number') this.dirtyPartitions.set(data.partition, 'all')
    }
    if (isNotable(record)) {
      if (this.notable.length >= NOTABLE_CAP) {
        this.notable.shift()
        this.notableDropped++
      }
      this.notable.push(record)
    }
  }

  private addFlight(record: TraceRecord): void {
    const data = record.data as { from: string | number; to?: string | number; message: { type: string }; sentAt: number; reason?: string }
    const flight: Flight = { seq: record.seq, from: String(data.from), to: String(record.node), type: data.message.type, sentAt: data.sentAt, at: record.time }
    if (record.type === 'drop') flight.dropped = data.reason ?? 'dropped'
    this.flights[this.flightNext++ % FLIGHT_RING] = flight
    const key = `${flight.from}|${flight.to}`
    let link = this.activity.get(key)
    if (!link) this.activity.set(key, (link = { from: flight.from, to: flight.to, count: 0, drops: 0, type: flight.type, at: flight.at }))
    if (flight.dropped) link.drops++
    else link.count++
    link.type = flight.type
    link.at = flight.at
  }

  /**
   * Remembers an acknowledged record, to check after this event that the partition's
   * leader holds it (the leader may be acknowledging what a newer leader lacks). acks=0
   * gives no offset (Kafka reports -1): nothing to check by offset.
   */
  private onAcked(outcome: RecordOutcome, acks: Acks): void {
    if (outcome.topic !== TOPIC || outcome.offset === undefined || outcome.offset < 0) return
    let list = this.acked.get(outcome.partition)
    if (!list) this.acked.set(outcome.partition, (list = { offsets: [], values: [], acks: [], checked: 0 }))
    list.offsets.push(outcome.offset)
    list.values.push(outcome.value)
    list.acks.push(acks)
    if (!this.dirtyPartitions.has(outcome.partition)) this.dirtyPartitions.set(outcome.partition, 'new')
  }

  /**
   * Starts the invariant checkers (sim/checkers/invariants.ts) on this run from now on.
   * They are observers: they change nothing, so a run with them and one without go
   * through the same events. They cost a lot per event (each walks every replica), so
   * only the live run has them; attached part-way, they check from there on.
   */
  attachCheckers(checkers: readonly CheckerName[] = WEB_CHECKERS): void {
    if (this.checkers) return
    this.checkers = new InvariantCheckers(this.cluster, checkers)
    this.violationsSeen = 0
  }

  detachCheckers(): void {
    this.checkers?.stop()
    this.checkers = null
  }

  get checking(): boolean {
    return this.checkers !== null
  }

  private afterEvent(): void {
    if (this.answeredProducers.size > 0) {
      for (const producer of this.producers) if (this.answeredProducers.has(producer.id)) producer.refresh()
      this.answeredProducers.clear()
    }
    if (this.dirtyPartitions.size > 0) this.checkLostWrites()
    const now = this.cluster.now
    if (now >= this.nextLagSampleMs) {
      for (const consumer of this.consumers) if (consumer.active) consumer.sampleLag(now)
      this.nextLagSampleMs = (Math.floor(now / LAG_SAMPLE_MS) + 1) * LAG_SAMPLE_MS
    }
    if (now >= this.historyCheckAtMs) this.checkHistoryNow()
    const checkers = this.checkers
    if (checkers && checkers.violations.length > this.violationsSeen) {
      for (const v of checkers.violations.slice(this.violationsSeen)) this.anomalies.push(anomalyOf(v))
      this.violationsSeen = checkers.violations.length
    }
  }

  /**
   * The history check, as the fuzzer makes it at the end of a run but as it happens: an
   * acknowledged record the partition's leader does not hold at its offset is lost. Every
   * acknowledgement is checked when it arrives, and every acknowledged record of a
   * partition again when it gets a new leader or a replica truncates.
   */
  private checkLostWrites(): void {
    const cluster = this.cluster
    for (const [partition, scope] of this.dirtyPartitions) {
      const list = this.acked.get(partition)
      if (!list) continue
      for (let i = scope === 'all' ? 0 : list.checked; i < list.offsets.length; i++) {
        const offset = list.offsets[i]!
        const value = list.values[i]!
        const id = `${partition}@${offset}=${String(value)}`
        if (this.reportedLost.has(id)) continue
        if (leaderHolds(cluster, TOPIC, partition, offset, value) !== false) continue
        this.reportedLost.add(id)
        const acks = list.acks[i]!
        const leader = cluster.controller()?.image.topic(TOPIC)?.partitions.get(partition)?.leader ?? -1
        this.anomalies.push({
          kind: 'lost-write',
          name: 'lost-acknowledged-write',
          timeMs: cluster.now,
          seq: cluster.trace.count,
          message: `${TOPIC}-${partition}: the record ${shownValue(value)} acknowledged at offset ${offset} (acks=${acksName(acks as Acks)}) is not in the log of the leader, broker ${leader}`,
          partition: `${TOPIC}-${partition}`,
          brokers: leader >= 0 ? [leader] : [],
        })
      }
      list.checked = list.offsets.length
    }
    this.dirtyPartitions.clear()
  }

  /**
   * The history checker (sim/checkers/history.ts) over what the clients saw so far against
   * the committed logs now. It is made for the end of a run: mid-run, its "lost" and
   * "consumed but not committed" figures can be momentary (a new leader's high watermark
   * catches up a little after it is elected), so those two are only shown as figures; lost
   * acknowledged writes are caught by checkLostWrites, as they happen. Duplicates,
   * reorders, and a consumer's repeats and gaps stay found once committed: a rise in any
   * of them raises an anomaly, on the partitions where it rose. It reads every record,
   * so it runs every few simulated seconds, less often as the run grows; an observer, at
   * simulated times, so a replay raises the same anomalies at the same events.
   */
  private checkHistoryNow(): void {
    const cluster = this.cluster
    const logs = committedLogs(cluster)
    const groupOf = new Map(this.consumers.map((m) => [m.id, GROUP_ID]))
    const history = cluster.history
    const report = checkHistory(history, logs, { groupOf })
    this.history = report
    const { produced, acknowledged, failed, pending, duplicates, reorders, consumed, consumedNotCommitted, consumerGaps, consumerDuplicates } = report
    this.historyFigures = { atMs: cluster.now, produced, acknowledged, failed, pending, lost: report.lost.length, duplicates, reorders, consumed, consumedNotCommitted, consumerGaps, consumerDuplicates }
    this.historyCheckAtMs = cluster.now + Math.max(HISTORY_CHECK_MIN_MS, report.produced * HISTORY_CHECK_MS_PER_RECORD)
    if (logs.size === 0) return // no controller: no committed logs to compare with
    for (const finding of HISTORY_FINDINGS) {
      const count = report[finding.field]
      const before = this.historyReported.get(finding.name) ?? 0
      if (count <= before) continue
      this.historyReported.set(finding.name, count)
      // Which partitions: the checker again, one partition's log at a time (a rare event).
      const partitions: string[] = []
      for (const [key, records] of logs) if (checkHistory(history, new Map([[key, records]]), { groupOf })[finding.field] > 0) partitions.push(key)
      const brokers = new Set<number>()
      for (const key of partitions) {
        const leader = cluster.snapshot().topics[TOPIC]?.partitions[key.slice(TOPIC.length + 1)]?.leader
        if (leader !== undefined && leader >= 0) brokers.add(leader)
      }
      this.anomalies.push({
        kind: 'history',
        name: finding.name,
        timeMs: cluster.now,
        seq: cluster.trace.count,
        message:
          `the history checker counts ${count} ${finding.what} (${count - before} new since its last check)` +
          `${partitions.length > 0 ? ` in ${partitions.join(', ')}` : ''}; so far ${report.produced} records sent, ${report.acknowledged} acknowledged, ${report.consumed} consumed`,
        partition: partitions[0] ?? null,
        brokers: [...brokers],
      })
    }
  }
}

/** A record's value in a message: the workload's values are "<producer>-<n>:" and padding, so the head says which. */
function shownValue(value: string | null): string {
  return JSON.stringify(value !== null && value.length > 28 ? `${value.slice(0, 27)}…` : value)
}

function nodeId(node: NodeRef): number | string {
  return node === 'controller' ? CONTROLLER_ID : node
}

function anomalyOf(v: Violation): Anomaly {
  const state = v.state as Record<string, unknown>
  const partition = typeof state.partition === 'string' ? state.partition : null
  const brokers = new Set<number>()
  for (const key of ['broker', 'leader']) if (typeof state[key] === 'number') brokers.add(state[key] as number)
  if (Array.isArray(state.brokers)) for (const b of state.brokers) if (typeof b === 'number') brokers.add(b)
  return { kind: 'invariant', name: v.checker, timeMs: v.timeMs, seq: v.traceSeq, message: v.message, partition, brokers: [...brokers] }
}

/** Runs a session headless to a position: what the Node test compares with Chromium. */
export function runTo(spec: SessionSpec, goal: Goal): Run {
  const run = Run.fromSpec(spec)
  run.advance(goal)
  return run
}
