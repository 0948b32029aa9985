// Benchmark of the Kafka model under a replication load: 3 brokers, one topic of 12
// partitions with RF=3, and one producer writing 1 KiB records with acks=all at 50,000
// records per simulated second for 60 simulated seconds (sim/bench/bench-producer.ts),
// the invariant checkers off, tracing and trace hashing on as in any run. It reports
// how fast that runs against the wall clock and how much heap it holds at the end, and
// then checks, outside the measurement, that every acknowledged record is on all three
// replicas.
//
// The wall clock and the heap reading are injected: sim/ never reads them itself.

import type { Broker } from '../../core/broker/broker.ts'
import type { RecordBatch } from '../../core/records.ts'
import { createCluster, type Cluster } from '../cluster.ts'
import { BENCH_PRODUCER_DEFAULTS, BenchProducer, type BenchProducerOptions } from './bench-producer.ts'

export interface ReplicationBenchOptions {
  seed: number
  brokers: number
  replicationFactor: number
  partitions: number
  recordsPerSec: number
  /** Simulated ms of producing, from when the producer knows the leaders; a multiple of lingerMs. */
  durationMs: number
  lingerMs: number
  valueBytes: number
  /** Simulated ms of the same workload run first, unmeasured, so the JIT has compiled it (0: none). */
  warmupMs: number
}

export const REPLICATION_BENCH_DEFAULTS: ReplicationBenchOptions = {
  seed: 1,
  brokers: 3,
  replicationFactor: 3,
  partitions: 12,
  recordsPerSec: 50_000,
  durationMs: 60_000,
  lingerMs: BENCH_PRODUCER_DEFAULTS.lingerMs,
  valueBytes: BENCH_PRODUCER_DEFAULTS.valueBytes,
  warmupMs: 2_000,
}

export const BENCH_TOPIC = 'bench'
export const BENCH_PRODUCER_ID = 'bench-producer'

/** Leaders and followers settle within this; the drain after the last record within this. */
const SETTLE_TIMEOUT_MS = 10_000
const DRAIN_TIMEOUT_MS = 60_000

export interface ReplicationWorkload {
  cluster: Cluster
  producer: BenchProducer
}

export interface ReplicationRun extends ReplicationWorkload {
  /** Simulated ms and event count when the run started (the producer just added), and when its last answer came. */
  startSimMs: number
  endSimMs: number
  startEvents: number
  endEvents: number
}

export interface ReplicaCheck {
  /** Every acknowledged record is in every replica's log, at its offset, with its value. */
  complete: boolean
  partitions: number
  /** Acknowledged records checked on each replica. */
  recordsChecked: number
  /** (replica, record) pairs missing or different. */
  missing: number
  /** The first few problems, described. */
  problems: string[]
}

export interface ReplicationBenchResult {
  case: 'replication'
  seed: number
  brokers: number
  replicationFactor: number
  partitions: number
  recordBytes: number
  lingerMs: number
  targetRecordsPerSimSec: number
  /** Wall ms of the measured run: from adding the producer to the last acknowledgement. */
  wallMs: number
  /** Acknowledged records per wall second. */
  recordsPerSec: number
  /** Simulated ms per wall ms over the measured run. */
  simToWallRatio: number
  /** Heap in use at the end of the run, the cluster still alive; absent when no reader was given. */
  heapUsedMb?: number
  simTimeMs: number
  events: number
  recordsAcked: number
  recordsFailed: number
  recordsTimedOut: number
  produceRequests: number
  /** Record latency, arrival at the producer to acknowledgement (linger included), simulated ms. */
  produceLatencyP50Ms: number
  produceLatencyP99Ms: number
  /** Request latency, Produce sent to its response, simulated ms. */
  requestLatencyP50Ms: number
  requestLatencyP99Ms: number
  /** Every acknowledged record is on all replicas at the end (checked after the measurement). */
  replicasComplete: boolean
  /** Wall ms to build the cluster and topic before the measured run. */
  setupWallMs: number
  warmupSimMs: number
  traceHash: string
}

/** A cluster with the topic open on every replica and led, and the producer added (it starts at once). */
export function setupReplicationWorkload(options: ReplicationBenchOptions): ReplicationWorkload {
  const cluster = setupCluster(options)
  return { cluster, producer: addProducer(cluster, options) }
}

/** The cluster and the topic, every partition led and open on every replica; no producer yet. */
export function setupCluster(options: ReplicationBenchOptions): Cluster {
  const cluster = createCluster({ seed: options.seed, brokers: options.brokers })
  cluster.createTopic(BENCH_TOPIC, { partitions: options.partitions, replicationFactor: options.replicationFactor })
  cluster.sim.runUntil(() => topicReady(cluster, options.partitions), {
    timeoutMs: SETTLE_TIMEOUT_MS,
    describe: () => `topic ${BENCH_TOPIC} is not yet led and open on every replica`,
  })
  return cluster
}

/** Runs the producer's whole load and waits for its last answer. */
export function runReplicationWorkload(workload: ReplicationWorkload): ReplicationRun {
  const { cluster, producer } = workload
  const sim = cluster.sim
  const startSimMs = sim.now
  const startEvents = sim.eventCount
  // The producer was added at startSimMs; its load ends durationMs after it learns the leaders.
  sim.runUntil(() => producer.finished, {
    timeoutMs: producer.options.durationMs + SETTLE_TIMEOUT_MS + DRAIN_TIMEOUT_MS,
    describe: () => `the bench producer has not finished: ${JSON.stringify(producer.snapshot())}`,
  })
  return { cluster, producer, startSimMs, endSimMs: sim.now, startEvents, endEvents: sim.eventCount }
}

/** Checks that every acknowledged record is in every replica's log with the producer's value. */
export function checkReplicas(cluster: Cluster, producer: BenchProducer): ReplicaCheck {
  const problems: string[] = []
  let missing = 0
  let recordsChecked = 0
  const topic = cluster.snapshot().topics[BENCH_TOPIC]
  if (!topic) return { complete: false, partitions: 0, recordsChecked: 0, missing: 0, problems: [`topic ${BENCH_TOPIC} not found`] }
  const value = producer.recordValue
  const note = (problem: string, records: number) => {
    missing += records
    if (problems.length < 10) problems.push(problem)
  }
  producer.ackedRanges.forEach((ranges, partition) => {
    const view = topic.partitions[partition]
    if (!view) return note(`partition ${partition} not found`, countRecords(ranges))
    for (const replica of view.replicas) {
      const local = cluster.sim.instanceOf<Broker>(replica)?.partitions.get(`${BENCH_TOPIC}-${partition}`)
      if (!local) {
        note(`${BENCH_TOPIC}-${partition} is not on broker ${replica}`, countRecords(ranges))
        continue
      }
      const byBase = new Map<number, RecordBatch>()
      for (const batch of local.log.batches()) byBase.set(batch.baseOffset, batch)
      for (let i = 0; i < ranges.length; i += 2) {
        const baseOffset = ranges[i]!
        const count = ranges[i + 1]!
        recordsChecked += count
        const batch = byBase.get(baseOffset)
        if (!batch || batch.lastOffsetDelta + 1 !== count || batch.records.length !== count) {
          note(`${BENCH_TOPIC}-${partition} on broker ${replica}: no batch of ${count} records at offset ${baseOffset}`, count)
          continue
        }
        let wrong = 0
        for (const record of batch.records) if (record.value !== value || record.key !== null) wrong++
        if (wrong > 0) note(`${BENCH_TOPIC}-${partition} on broker ${replica}: ${wrong} records at offset ${baseOffset} differ from what was produced`, wrong)
      }
    }
  })
  return { complete: missing === 0, partitions: producer.ackedRanges.length, recordsChecked, missing, problems }
}

/**
 * Warms up (a short run of the same workload, unmeasured), then measures one full run.
 * `heapUsedMb`, when given, is read at the end of the run while the cluster is alive.
 */
export function benchReplication(
  wallNowMs: () => number,
  heapUsedMb?: () => number,
  options: ReplicationBenchOptions = REPLICATION_BENCH_DEFAULTS,
): ReplicationBenchResult {
  if (options.warmupMs > 0) runReplicationWorkload(setupReplicationWorkload({ ...options, durationMs: options.warmupMs }))

  const setupStart = wallNowMs()
  const cluster = setupCluster(options)
  const setupWallMs = wallNowMs() - setupStart

  const start = wallNowMs()
  const producer = addProducer(cluster, options)
  const run = runReplicationWorkload({ cluster, producer })
  const wallMs = wallNowMs() - start
  const heap = heapUsedMb?.()

  const check = checkReplicas(cluster, producer)
  const stats = producer.stats()
  const simTimeMs = run.endSimMs - run.startSimMs
  const result: ReplicationBenchResult = {
    case: 'replication',
    seed: options.seed,
    brokers: options.brokers,
    replicationFactor: options.replicationFactor,
    partitions: options.partitions,
    recordBytes: options.valueBytes,
    lingerMs: options.lingerMs,
    targetRecordsPerSimSec: options.recordsPerSec,
    wallMs: Math.round(wallMs),
    recordsPerSec: Math.round((stats.recordsAcked / wallMs) * 1000),
    simToWallRatio: Math.round((simTimeMs / wallMs) * 100) / 100,
    simTimeMs: Math.round(simTimeMs * 1000) / 1000,
    events: run.endEvents - run.startEvents,
    recordsAcked: stats.recordsAcked,
    recordsFailed: stats.recordsFailed,
    recordsTimedOut: stats.recordsTimedOut,
    produceRequests: stats.produceRequests,
    produceLatencyP50Ms: stats.recordLatencyP50Ms,
    produceLatencyP99Ms: stats.recordLatencyP99Ms,
    requestLatencyP50Ms: stats.requestLatencyP50Ms,
    requestLatencyP99Ms: stats.requestLatencyP99Ms,
    replicasComplete: check.complete,
    setupWallMs: Math.round(setupWallMs),
    warmupSimMs: options.warmupMs,
    traceHash: cluster.trace.hash(),
  }
  if (heap !== undefined) result.heapUsedMb = heap
  return result
}

function addProducer(cluster: Cluster, options: ReplicationBenchOptions): BenchProducer {
  const producerOptions: BenchProducerOptions = {
    ...BENCH_PRODUCER_DEFAULTS,
    bootstrapBrokers: cluster.brokerIds,
    topic: BENCH_TOPIC,
    partitions: options.partitions,
    recordsPerSec: options.recordsPerSec,
    durationMs: options.durationMs,
    lingerMs: options.lingerMs,
    valueBytes: options.valueBytes,
  }
  cluster.sim.addNode(BENCH_PRODUCER_ID, (ctx) => new BenchProducer(ctx, producerOptions))
  return cluster.sim.instanceOf<BenchProducer>(BENCH_PRODUCER_ID)!
}

/** Every partition has a leader that leads it, and every replica has it open. */
function topicReady(cluster: Cluster, partitions: number): boolean {
  const image = cluster.controller()?.image
  const topicId = image?.topicIdsByName.get(BENCH_TOPIC)
  if (!image || topicId === undefined) return false
  for (let partition = 0; partition < partitions; partition++) {
    const state = image.partition(topicId, partition)
    if (!state || state.leader < 0) return false
    for (const replica of state.replicas) {
      const local = cluster.sim.instanceOf<Broker>(replica)?.partitions.get(`${BENCH_TOPIC}-${partition}`)
      if (!local || local.leaderEpoch !== state.leaderEpoch || (replica === state.leader) !== local.isLeader) return false
    }
  }
  return true
}

function countRecords(ranges: readonly number[]): number {
  let count = 0
  for (let i = 1; i < ranges.length; i += 2) count += ranges[i]!
  return count
}
