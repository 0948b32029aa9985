// The end-to-end benchmark: the real clients through a replicated cluster. One producer
// (the full client: idempotence, acks=all, linger.ms 5, batch.size 16 KiB, all defaults)
// sends 1 KiB keyless records at 50,000 records per simulated second for 60 simulated
// seconds to a 12-partition topic with RF=3 on 3 brokers, over a datacenter network
// (0.1 to 0.5 ms one way); one consumer, assigned every
// partition, polls them as they commit. It reports how fast that runs against the wall
// clock, the heap it holds at the end, and the end-to-end latency in simulated ms: from a
// record's CreateTime (whole ms, as Kafka stamps it) to the poll() that returned it.
//
// The wall clock and the heap reading are injected: sim/ never reads them itself.

import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import { createCluster, type Cluster } from '../cluster.ts'

export interface E2eBenchOptions {
  seed: number
  partitions: number
  recordsPerSec: number
  /** Simulated ms of producing. */
  durationMs: number
  valueBytes: number
  /** Simulated ms of the same workload run first, unmeasured, so the JIT has compiled it (0: none). */
  warmupMs: number
}

export const E2E_BENCH_DEFAULTS: E2eBenchOptions = {
  seed: 1,
  partitions: 12,
  recordsPerSec: 50_000,
  durationMs: 60_000,
  valueBytes: 1024,
  warmupMs: 2_000,
}

const TOPIC = 'e2e'
/**
 * One-way latency of a datacenter network, where a Kafka cluster and its clients live.
 * (The sandbox's default, 0.5 to 2 ms, is slower: at that latency a broker, which handles
 * one request per connection at a time and answers acks=all only after the followers'
 * next fetch, takes this producer about 32,000 records/s of 1 KiB, not 50,000.)
 */
const LAN_LATENCY_MS = { min: 0.1, max: 0.5 }
/** After the last record is sent, how long the consumer may take to get it. */
const DRAIN_TIMEOUT_MS = 60_000
/** Latency histogram resolution and range, simulated ms. */
const BUCKET_MS = 0.1
const MAX_LATENCY_MS = 10_000

export interface E2eBenchResult {
  case: 'e2e'
  seed: number
  partitions: number
  recordBytes: number
  targetRecordsPerSimSec: number
  /** Wall ms of the measured run: from adding the clients to the last record consumed. */
  wallMs: number
  /** Records consumed per wall second. */
  recordsPerSec: number
  simToWallRatio: number
  heapUsedMb?: number
  simTimeMs: number
  events: number
  recordsSent: number
  recordsAcked: number
  recordsConsumed: number
  produceRequests: number
  fetchRequests: number
  /** CreateTime to poll(), simulated ms. */
  latencyMsP50: number
  latencyMsP99: number
  latencyMsMax: number
  setupWallMs: number
  warmupSimMs: number
  traceHash: string
}

/**
 * Where the consumer puts what it polls: a histogram of end-to-end latencies instead of
 * the records themselves, which at this rate would hold gigabytes. It is an array to the
 * consumer (options.consumed), and stays empty.
 */
export class LatencyHistogram extends Array<ConsumedRecord> {
  readonly buckets = new Uint32Array(Math.ceil(MAX_LATENCY_MS / BUCKET_MS) + 1)
  count = 0
  maxMs = 0

  override push(...records: ConsumedRecord[]): number {
    for (const record of records) {
      const latencyMs = record.consumedAtMs - record.timestamp
      this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.floor(latencyMs / BUCKET_MS)))]!++
      if (latencyMs > this.maxMs) this.maxMs = latencyMs
      this.count++
    }
    return 0
  }

  /** The latency below which `fraction` of the records fall, to the bucket's upper edge. */
  percentile(fraction: number): number {
    const target = Math.ceil(this.count * fraction)
    let seen = 0
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!
      if (seen >= target && target > 0) return Math.round((i + 1) * BUCKET_MS * 10) / 10
    }
    return 0
  }
}

interface E2eRun {
  cluster: Cluster
  histogram: LatencyHistogram
  startSimMs: number
  startEvents: number
}

function setup(options: E2eBenchOptions): Cluster {
  const cluster = createCluster({ seed: options.seed, brokers: 3, network: { latencyMs: LAN_LATENCY_MS } })
  cluster.createTopic(TOPIC, { partitions: options.partitions, replicationFactor: 3 })
  cluster.advance(1000) // leaders elected and every replica open
  return cluster
}

function start(cluster: Cluster, options: E2eBenchOptions): E2eRun {
  const histogram = new LatencyHistogram()
  const startSimMs = cluster.now
  const startEvents = cluster.sim.eventCount
  cluster.addProducer('producer', {
    outcomes: null,
    workload: { topic: TOPIC, recordsPerSec: options.recordsPerSec, valueBytes: options.valueBytes, uniqueValues: false, stopAtMs: startSimMs + options.durationMs },
  })
  cluster.addConsumer('consumer', {
    consumed: histogram,
    config: { 'auto.offset.reset': 'earliest' },
    assignment: Array.from({ length: options.partitions }, (_, partition) => ({ topic: TOPIC, partition })),
    app: { pollIntervalMs: 1, processingMsPerRecord: 0 },
  })
  return { cluster, histogram, startSimMs, startEvents }
}

/** Runs until the workload has ended and the consumer has every record the producer had acknowledged. */
function runToEnd(run: E2eRun, options: E2eBenchOptions): void {
  const { cluster, histogram } = run
  const producer = cluster.producer('producer')
  const stopAtMs = run.startSimMs + options.durationMs
  const done = () => cluster.now >= stopAtMs && producer.stats.acked + producer.stats.failed === producer.stats.sent && histogram.count >= producer.stats.acked
  cluster.sim.runUntil(done, {
    timeoutMs: options.durationMs + DRAIN_TIMEOUT_MS,
    describe: () => `${histogram.count} records consumed; producer ${JSON.stringify(producer.snapshot())}`,
  })
}

export function benchE2e(wallNowMs: () => number, heapUsedMb?: () => number, options: E2eBenchOptions = E2E_BENCH_DEFAULTS): E2eBenchResult {
  if (options.warmupMs > 0) {
    const warmup = { ...options, durationMs: options.warmupMs }
    runToEnd(start(setup(warmup), warmup), warmup)
  }
  const setupStart = wallNowMs()
  const cluster = setup(options)
  const setupWallMs = wallNowMs() - setupStart

  const wallStart = wallNowMs()
  const run = start(cluster, options)
  runToEnd(run, options)
  const wallMs = wallNowMs() - wallStart
  const heap = heapUsedMb?.()

  const producer = cluster.producer('producer')
  const consumer = cluster.consumer('consumer')
  const simTimeMs = cluster.now - run.startSimMs
  const result: E2eBenchResult = {
    case: 'e2e',
    seed: options.seed,
    partitions: options.partitions,
    recordBytes: options.valueBytes,
    targetRecordsPerSimSec: options.recordsPerSec,
    wallMs: Math.round(wallMs),
    recordsPerSec: Math.round((run.histogram.count / wallMs) * 1000),
    simToWallRatio: Math.round((simTimeMs / wallMs) * 100) / 100,
    simTimeMs: Math.round(simTimeMs),
    events: cluster.sim.eventCount - run.startEvents,
    recordsSent: producer.stats.sent,
    recordsAcked: producer.stats.acked,
    recordsConsumed: run.histogram.count,
    produceRequests: producer.stats.requests,
    fetchRequests: consumer.stats.requests,
    latencyMsP50: run.histogram.percentile(0.5),
    latencyMsP99: run.histogram.percentile(0.99),
    latencyMsMax: Math.round(run.histogram.maxMs * 10) / 10,
    setupWallMs: Math.round(setupWallMs),
    warmupSimMs: options.warmupMs,
    traceHash: cluster.trace.hash(),
  }
  if (heap !== undefined) result.heapUsedMb = heap
  return result
}
