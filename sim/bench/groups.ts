// `kafkasim bench groups`: a consumer group of 20 members on a 100-partition topic. The
// members join one by one (each once the group is Stable again), then 5 of them crash.
// For the eager (range) and the cooperative (cooperative-sticky) protocol it reports the
// wall time of the run, the simulated time until the group was Stable with every
// partition assigned (after the joins, and after the crashes), and how many rebalances
// (join phases) the coordinator ran. A third case runs the consumer protocol (KIP-848,
// group.protocol=consumer, the broker's uniform assignor), where a rebalance is a new target
// assignment; its session and heartbeat are the broker's, set to the classic cases' 10 s and 1 s.
//
// The wall clock is injected: sim/ never reads it itself.

import { checkGroupConvergence } from '../checkers/groups.ts'
import { createCluster, type Cluster } from '../cluster.ts'

export interface GroupsBenchOptions {
  seed: number
  partitions: number
  members: number
  crashes: number
}

export const GROUPS_BENCH_DEFAULTS: GroupsBenchOptions = { seed: 1, partitions: 100, members: 20, crashes: 5 }

export interface GroupsBenchCase {
  strategy: string
  protocol: string
  wallMs: number
  /** Simulated ms from the first join until the last joiner's group was Stable and fully assigned. */
  joinsToStableMs: number
  /** Simulated ms from the crashes until the survivors' group was Stable and fully assigned (the session timeout included). */
  crashesToStableMs: number
  rebalances: number
  /** Partitions revoked from members (eager: everything owned, each rebalance; cooperative: only what moved). */
  partitionsRevoked: number
}

const BOUND_MS = 600_000

/** Runs until the group is Stable with exactly `count` members, every one holding the assignment it was given. */
function waitForMembers(cluster: Cluster, count: number): void {
  cluster.sim.runUntil(() => {
    const group = cluster.snapshot().groups.bench
    return group !== undefined && group.state === 'Stable' && group.members.length === count
  }, { timeoutMs: BOUND_MS, describe: () => `group bench not Stable with ${count} members` })
}

/** The consumer protocol's case: the broker sets the members' session and heartbeat. */
const CONSUMER_PROTOCOL = 'consumer/uniform'
const CONSUMER_PROTOCOL_BROKER_CONFIG = {
  'group.consumer.min.session.timeout.ms': 10_000,
  'group.consumer.session.timeout.ms': 10_000,
  'group.consumer.min.heartbeat.interval.ms': 1000,
  'group.consumer.heartbeat.interval.ms': 1000,
}

function runCase(strategy: string, options: GroupsBenchOptions, wallNowMs: () => number): GroupsBenchCase {
  const wallStart = wallNowMs()
  const consumerProtocol = strategy === CONSUMER_PROTOCOL
  const brokerConfig = { 'offsets.topic.num.partitions': 3, ...(consumerProtocol ? CONSUMER_PROTOCOL_BROKER_CONFIG : {}) }
  const cluster = createCluster({ seed: options.seed, brokers: 3, config: brokerConfig, traceCapacity: 0 })
  cluster.createTopic('t', { partitions: options.partitions, replicationFactor: 3 })
  let rebalances = 0
  let partitionsRevoked = 0
  cluster.trace.subscribe((r) => {
    if (r.type === 'group-rebalance' || r.type === 'consumer-group-target-assignment') rebalances++
    if (r.type === 'consumer-partitions-revoked') partitionsRevoked += (r.data as { partitions: string[] }).partitions.length
  })
  const config = consumerProtocol
    ? { 'group.id': 'bench', 'group.protocol': 'consumer', 'group.remote.assignor': 'uniform' }
    : { 'group.id': 'bench', 'partition.assignment.strategy': strategy, 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 1000 }
  const app = { pollIntervalMs: 100, processingMsPerRecord: 0 }
  const joinStart = cluster.now
  let protocol = ''
  for (let i = 0; i < options.members; i++) {
    const consumer = cluster.addConsumer(`m${i}`, { config, subscribe: ['t'], app, consumed: null })
    protocol = consumerProtocol ? 'consumer (KIP-848)' : consumer.coordinator!.protocol
    waitForMembers(cluster, i + 1)
    const reason = checkGroupConvergence(cluster, 'bench', ['t'], BOUND_MS)
    if (reason) throw new Error(`bench groups (${strategy}): member ${i} did not settle: ${reason}`)
  }
  const joinsToStableMs = cluster.now - joinStart
  const crashStart = cluster.now
  for (let i = 0; i < options.crashes; i++) cluster.sim.crash(`m${i}`)
  // Stable again only once the crashed members' sessions have expired and the survivors rejoined.
  waitForMembers(cluster, options.members - options.crashes)
  const reason = checkGroupConvergence(cluster, 'bench', ['t'], BOUND_MS)
  if (reason) throw new Error(`bench groups (${strategy}): after the crashes: ${reason}`)
  return { strategy, protocol, wallMs: Math.round(wallNowMs() - wallStart), joinsToStableMs: Math.round(joinsToStableMs), crashesToStableMs: Math.round(cluster.now - crashStart), rebalances, partitionsRevoked }
}

export function benchGroups(wallNowMs: () => number, options: GroupsBenchOptions = GROUPS_BENCH_DEFAULTS): { case: 'groups'; wallMs: number; partitions: number; members: number; crashes: number; eager: GroupsBenchCase; cooperative: GroupsBenchCase; consumerProtocol: GroupsBenchCase } {
  const eager = runCase('range', options, wallNowMs)
  const cooperative = runCase('cooperative-sticky', options, wallNowMs)
  const consumerProtocol = runCase(CONSUMER_PROTOCOL, options, wallNowMs)
  return {
    case: 'groups',
    // The three runs together; each case has its own wallMs too.
    wallMs: eager.wallMs + cooperative.wallMs + consumerProtocol.wallMs,
    partitions: options.partitions,
    members: options.members,
    crashes: options.crashes,
    eager,
    cooperative,
    consumerProtocol,
  }
}
