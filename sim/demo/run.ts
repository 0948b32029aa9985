// `kafkasim demo`: a short run of a real simulated cluster. Three brokers and a KRaft
// controller; a topic `orders` (3 partitions, RF 3, min.insync.replicas 2); a producer
// (the idempotent default, acks=all) writing keyed records; a consumer reading every
// partition from the start as records commit. The leader of orders-0 crashes 5 s in: the
// controller fences it and elects a new leader, the producer retries on the new leader,
// the consumer follows; the broker comes back 15 s later and rejoins the ISR. At the end
// the history checker compares what the clients were told with the logs.
import { checkHistory, committedLogs } from '../checkers/history.ts'
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
  /** Records whose delivery failed for good (the producer retries until delivery.timeout.ms). */
  failed: number
  /** Producer retries. */
  retries: number
  /** Acknowledged records not in the committed log at their offset. */
  lostAcknowledged: number
  /** Extra copies of records in the logs. */
  duplicates: number
  consumed: number
  /** Committed records the consumer skipped, or received twice. */
  consumerGaps: number
  consumerDuplicates: number
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

export function isNotable(record: TraceRecord): boolean {
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
  cluster.addProducer('producer', {
    config: { 'request.timeout.ms': 5000 },
    workload: { topic: TOPIC, recordsPerSec: 50, keys: { kind: 'uniform', keys: 6 }, stopAtMs: start + 30_000 },
  })
  cluster.addConsumer('consumer', {
    config: { 'auto.offset.reset': 'earliest', 'request.timeout.ms': 5000 },
    assignment: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })),
    app: { pollIntervalMs: 100, processingMsPerRecord: 0 },
  })
  const before = cluster.snapshot().topics[TOPIC]!.partitions['0']!
  const crashedLeader = before.leader
  cluster.sim.at(start + 5000, `crash broker ${crashedLeader}, the leader of ${TOPIC}-0`, () => cluster.crashBroker(crashedLeader))
  cluster.sim.at(start + 20_000, `restart broker ${crashedLeader}`, () => cluster.restartBroker(crashedLeader))
  cluster.advance(DEMO_DURATION_MS)
  const after = cluster.snapshot().topics[TOPIC]!.partitions['0']!
  const history = checkHistory(cluster.history, committedLogs(cluster))
  const producer = cluster.producer('producer')
  return {
    seed,
    events: cluster.sim.eventCount,
    simTimeMs: Math.round(cluster.now * 1000) / 1000,
    traceHash: cluster.trace.hash(),
    notable,
    produced: history.produced,
    acknowledged: history.acknowledged,
    failed: history.failed,
    retries: producer.stats.retries,
    lostAcknowledged: history.lost.length,
    duplicates: history.duplicates,
    consumed: history.consumed,
    consumerGaps: history.consumerGaps,
    consumerDuplicates: history.consumerDuplicates,
    crashedLeader,
    newLeader: after.leader,
    leaderEpochs: { before: before.leaderEpoch, after: after.leaderEpoch },
  }
}
