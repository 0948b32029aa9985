// `kafkasim demo`: a short run of a real simulated cluster. Three brokers and a KRaft
// controller; a topic `orders` (3 partitions, RF 3, min.insync.replicas 2); a producer
// writing with acks=all; the leader of orders-0 crashes, the controller fences it and
// elects a new leader, the broker comes back and rejoins the ISR; then a consumer reads
// every partition from the start. Shared by the CLI and the browser page, so both show
// the same run for the same seed.

import { createCluster } from '../cluster.ts'
import type { TraceRecord } from '../trace.ts'

export interface DemoResult {
  seed: number
  events: number
  simTimeMs: number
  traceHash: string
  /** The run's story: faults, fencing, elections, ISR changes, truncations. */
  notable: TraceRecord[]
  produced: number
  acknowledged: number
  /** Produce requests that failed or timed out (the producer here never retries). */
  unacknowledged: number
  /** Acknowledged records the consumer did not find where they were acknowledged. */
  lostAcknowledged: number
  consumed: number
  crashedLeader: number
  newLeader: number
  leaderEpochs: { before: number; after: number }
}

export const DEMO_DURATION_MS = 40_000
const TOPIC = 'orders'
const PARTITIONS = 3

/** Record types that tell the story; routine traffic (deliveries, timers, appends) is left out. */
const NOTABLE = new Set([
  'action', 'crash', 'restart', 'power-fail', 'pause', 'resume', 'network',
  'become-leader', 'isr-shrink-proposed', 'isr-expand-proposed', 'isr-committed', 'replica-truncated',
  'broker-registered', 'broker-registration-failed', 'broker-lifecycle',
])

function isNotable(record: TraceRecord): boolean {
  if (NOTABLE.has(record.type)) return true
  if (record.type !== 'metadata-records') return false
  const cause = (record.data as { cause?: string }).cause ?? ''
  return cause.startsWith('fence') || cause.startsWith('unfence') || cause.startsWith('register') || cause.startsWith('AlterPartition')
}

export function runDemo(seed: number, onRecord?: (record: TraceRecord) => void): DemoResult {
  const notable: TraceRecord[] = []
  const cluster = createCluster({ seed, brokers: 3, config: { 'min.insync.replicas': 2 } })
  cluster.trace.subscribe((record) => {
    if (isNotable(record)) notable.push(record)
    onRecord?.(record)
  })
  cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 })
  const start = cluster.now
  cluster.addRawClient('producer', {
    requestTimeoutMs: 5000,
    workload: {
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })),
      acks: -1,
      recordsPerSec: 50,
      stopAtMs: start + 30_000,
    },
  })
  const before = cluster.snapshot().topics[TOPIC]!.partitions['0']!
  const crashedLeader = before.leader
  cluster.sim.at(start + 5000, `crash broker ${crashedLeader}, the leader of ${TOPIC}-0`, () => cluster.crashBroker(crashedLeader))
  cluster.sim.at(start + 20_000, `restart broker ${crashedLeader}`, () => cluster.restartBroker(crashedLeader))
  cluster.advance(35_000)
  const after = cluster.snapshot().topics[TOPIC]!.partitions['0']!

  // A consumer reads every partition from the start, up to the high watermark.
  cluster.addRawClient('consumer')
  for (let partition = 0; partition < PARTITIONS; partition++) {
    cluster.sim.command('consumer', { op: 'fetch', topic: TOPIC, partition, offset: 0, maxBytes: 64 * 1024 * 1024 })
  }
  cluster.advance(DEMO_DURATION_MS - 35_000)

  const consumer = cluster.rawClient('consumer')
  const read = new Map<string, string | null>()
  for (const fetch of consumer.fetches) {
    for (const batch of fetch.batches ?? []) for (const r of batch.records) read.set(`${fetch.partition}@${batch.baseOffset + r.offsetDelta}`, r.value)
  }
  const producer = cluster.rawClient('producer')
  let acknowledged = 0
  let lostAcknowledged = 0
  for (const produce of producer.produces) {
    if (produce.status !== 'acked') continue
    produce.values.forEach((value, i) => {
      acknowledged++
      if (read.get(`${produce.partition}@${produce.baseOffset! + i}`) !== value) lostAcknowledged++
    })
  }
  return {
    seed,
    events: cluster.sim.eventCount,
    simTimeMs: Math.round(cluster.now * 1000) / 1000,
    traceHash: cluster.trace.hash(),
    notable,
    produced: producer.produces.length,
    acknowledged,
    unacknowledged: producer.produces.filter((p) => p.status === 'failed' || p.status === 'timeout').length,
    lostAcknowledged,
    consumed: read.size,
    crashedLeader,
    newLeader: after.leader,
    leaderEpochs: { before: before.leaderEpoch, after: after.leaderEpoch },
  }
}
