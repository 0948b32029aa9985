// The clients a session runs: core's real producer and consumer (core/client/), added to
// the cluster as nodes, with a small wrapper each that keeps the figures the panels and
// charts show.
//
// - A producer is cluster.addProducer with a workload (core/client/producer/workload.ts):
//   records at a steady rate, keyed as chosen, through the real accumulator, batching
//   (linger.ms), retries, idempotence and partitioner. Kafka fixes a producer's config when
//   it is constructed, so changing acks, linger.ms or the keys closes the producer's
//   workload and starts a new producer with the new config in its place, as an
//   application restarts its KafkaProducer.
// - A consumer is cluster.addConsumer as a member of the session's consumer group
//   (group.id, subscribe to the topic: the group coordinator and the consumer's assignor
//   in core/ share the partitions among the members), auto.offset.reset=earliest, Kafka's
//   default auto-commit, and the built-in poll loop. Removing it is
//   KafkaConsumer.unsubscribe(): a dynamic member sends LeaveGroup and the group
//   rebalances without it (AbstractCoordinator.maybeLeaveGroup).
//
// Every config goes through core's parsers (checkProducerOptions, checkConsumerOptions via
// addProducer/addConsumer): a bad value throws before anything is added.

import type { Consumer, ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import { checkProducerOptions, type Producer, type ProducerOptions } from '../../core/client/producer/producer.ts'
import type { KeyDistribution } from '../../core/client/producer/workload.ts'
import type { Cluster } from '../../sim/cluster.ts'
import { acksName, GROUP_ID, KEY_COUNT, POLL_INTERVAL_MS, SKEW_EXPONENT, type Acks, type KeyChoice } from './actions.ts'

/** What the user chooses for a producer; everything else is Kafka's default. */
export interface ProducerSettings {
  acks: Acks
  lingerMs: number
  keys: KeyChoice
  /** Records per simulated second. */
  rate: number
}

export function keyDistribution(keys: KeyChoice): KeyDistribution {
  switch (keys) {
    case 'none':
      return { kind: 'none' }
    case 'uniform':
      return { kind: 'uniform', keys: KEY_COUNT }
    case 'skewed':
      return { kind: 'skewed', keys: KEY_COUNT, exponent: SKEW_EXPONENT }
  }
}

/** The producer options (Kafka config names) a producer with these settings is created with. */
export function producerOptions(settings: ProducerSettings, topic: string): Omit<ProducerOptions, 'bootstrapBrokers'> {
  return {
    config: { acks: acksName(settings.acks), 'linger.ms': settings.lingerMs },
    workload: { topic, recordsPerSec: settings.rate, keys: keyDistribution(settings.keys) },
  }
}

/** Throws core's error (InvalidConfigError, ClientError) naming the bad value, as addProducer would. */
export function checkProducerSettings(settings: ProducerSettings, topic: string, where: string): void {
  checkProducerOptions(producerOptions(settings, topic), where)
}

export interface ProducerStats {
  id: string
  acks: Acks
  lingerMs: number
  keys: KeyChoice
  rate: number
  active: boolean
  idempotent: boolean
  /** Records sent (send() called). */
  sent: number
  acked: number
  failed: number
  /** Sent, outcome not known yet. */
  pending: number
  /** Produce requests sent, and batches retried. */
  requests: number
  retries: number
}

/** One producer client and the figures kept from its records' outcomes (read incrementally). */
export class ProducerClient {
  active = true
  private readonly producer: Producer
  private readonly outcomes: RecordOutcome[]
  private scanned = 0
  private pendingIndexes: number[] = []
  private acked = 0
  private failed = 0
  /** Acknowledged records in order of answer: (answered at, send-to-answer latency). */
  readonly latencies: { atMs: number; latencyMs: number }[] = []
  /** Failed records: (failed at). */
  readonly failures: number[] = []

  constructor(
    cluster: Cluster,
    readonly id: string,
    readonly settings: ProducerSettings,
    topic: string,
    /** Told of every record newly acknowledged (the run checks it is held). */
    private readonly onAcked: (outcome: RecordOutcome, acks: Acks) => void,
  ) {
    this.producer = cluster.addProducer(id, producerOptions(settings, topic))
    this.outcomes = cluster.history.producerOutcomes(id)
  }

  /** Stops the workload (records already sent still settle: retries go on). */
  stop(cluster: Cluster): void {
    if (!this.active) return
    this.active = false
    cluster.sim.command(this.id, { op: 'stopWorkload' })
  }

  /** Brings the counts up to date with the outcomes (new ones, and those still pending). */
  refresh(): void {
    const outcomes = this.outcomes
    const stillPending: number[] = []
    const visit = (index: number) => {
      const outcome = outcomes[index]!
      if (outcome.status === 'pending') {
        stillPending.push(index)
      } else if (outcome.status === 'acked') {
        this.acked++
        this.latencies.push({ atMs: outcome.completedAtMs!, latencyMs: outcome.completedAtMs! - outcome.sentAtMs })
        this.onAcked(outcome, this.settings.acks)
      } else {
        this.failed++
        this.failures.push(outcome.completedAtMs ?? outcome.sentAtMs)
      }
    }
    for (const index of this.pendingIndexes) visit(index)
    for (; this.scanned < outcomes.length; this.scanned++) visit(this.scanned)
    this.pendingIndexes = stillPending
  }

  stats(): ProducerStats {
    this.refresh()
    const { acks, lingerMs, keys, rate } = this.settings
    return {
      id: this.id,
      acks,
      lingerMs,
      keys,
      rate,
      active: this.active,
      idempotent: this.producer.idempotent,
      sent: this.scanned,
      acked: this.acked,
      failed: this.failed,
      pending: this.pendingIndexes.length,
      requests: this.producer.stats.requests,
      retries: this.producer.stats.retries,
    }
  }
}

export interface ConsumerStats {
  id: string
  active: boolean
  /** The topic's partitions assigned to it now. */
  assigned: number[]
  /** Next offset to read, per partition (null: none yet). */
  positions: (number | null)[]
  /** Per partition: the high watermark from the last fetch answer minus the position (Kafka's records-lag), null before any. */
  lag: (number | null)[]
  consumed: number
  polls: number
  /** Errors poll() raised to the application (OFFSET_OUT_OF_RANGE without a reset policy, ...). */
  appErrors: number
  /** The member's own view of its group membership (AbstractCoordinator.MemberState, member id, generation), null once it left. */
  member: { state: string; memberId: string; generation: number } | null
}

interface AssignmentRow {
  partition: string
  position: number | null
  lag: number | null
}

/** One consumer client, a member of the session's group subscribed to its topic. */
export class ConsumerClient {
  active = true
  private readonly consumer: Consumer
  /** Every record poll() returned, in order (the history recorder's list). */
  readonly records: readonly ConsumedRecord[]
  /** Lag samples, once a simulated second: time and lag per partition (-1: unknown). */
  readonly lagSamples: { atMs: number; lag: Int32Array }[] = []

  constructor(
    cluster: Cluster,
    readonly id: string,
    private readonly topic: string,
    private readonly partitions: number,
  ) {
    this.consumer = cluster.addConsumer(id, {
      config: { 'group.id': GROUP_ID, 'auto.offset.reset': 'earliest' },
      subscribe: [topic],
      app: { pollIntervalMs: POLL_INTERVAL_MS, processingMsPerRecord: 0 },
    })
    this.records = cluster.history.consumerRecords(id)
  }

  /** KafkaConsumer.unsubscribe(): leaves the group (LeaveGroup) and drops its partitions. */
  stop(cluster: Cluster): void {
    if (!this.active) return
    this.active = false
    cluster.sim.command(this.id, { op: 'unsubscribe' })
  }

  /** Position and lag per partition of the session's topic, from the consumer's own state. */
  private perPartition(rows: readonly AssignmentRow[]): { assigned: number[]; positions: (number | null)[]; lag: (number | null)[] } {
    const assigned: number[] = []
    const positions = new Array<number | null>(this.partitions).fill(null)
    const lag = new Array<number | null>(this.partitions).fill(null)
    const prefix = `${this.topic}-`
    for (const row of rows) {
      if (!row.partition.startsWith(prefix)) continue
      const p = Number(row.partition.slice(prefix.length))
      if (!(p >= 0 && p < this.partitions)) continue
      assigned.push(p)
      positions[p] = row.position
      lag[p] = row.lag === null ? null : Math.max(0, row.lag)
    }
    return { assigned: assigned.sort((a, b) => a - b), positions, lag }
  }

  private snapshot(): { assignment: AssignmentRow[]; group?: { state: string; memberId: string; generationId: number } } {
    return this.consumer.snapshot() as { assignment: AssignmentRow[]; group?: { state: string; memberId: string; generationId: number } }
  }

  sampleLag(atMs: number): void {
    const { lag } = this.perPartition(this.snapshot().assignment)
    this.lagSamples.push({ atMs, lag: Int32Array.from(lag, (l) => (l === null ? -1 : l)) })
  }

  stats(): ConsumerStats {
    const snapshot = this.snapshot()
    const { assigned, positions, lag } = this.perPartition(snapshot.assignment)
    const stats = this.consumer.stats
    const group = this.active ? snapshot.group : undefined
    const member = group ? { state: group.state, memberId: group.memberId, generation: group.generationId } : null
    return { id: this.id, active: this.active, assigned, positions, lag, consumed: stats.recordsConsumed, polls: stats.polls, appErrors: this.consumer.appErrors.length, member }
  }
}
