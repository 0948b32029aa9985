// `kafkasim fuzz --profile groups`: a consumer group under churn. Each seed runs a group of
// consumers on a 6-partition topic while a random schedule adds and removes members,
// crashes and restarts them, pauses them past their session and poll timeouts, and
// crashes the group coordinator's broker. The group checkers (checkers/groups.ts) watch
// the whole run; after the churn stops, every fault is healed and the group must reach
// Stable with every partition assigned within CONVERGENCE_BOUND_MS (the reason is reported
// when it does not).
//
// Each seed picks the group protocol too: classic with one of the four client-side assignors,
// or the consumer protocol (KIP-848, group.protocol=consumer) with the broker's uniform or
// range assignor; `protocol` restricts the pick to one of them.

import { GroupCheckers, checkGroupConvergence, type GroupViolation } from '../checkers/groups.ts'
import { Cluster } from '../cluster.ts'
import { InputError } from '../input.ts'
import { RandomStreams } from '../random.ts'

const GROUP = 'fuzz-group'
const TOPIC = 't'
const PARTITIONS = 6
const MAX_MEMBERS = 6
/** Simulated ms of churn. */
const CHURN_MS = 60_000
/** After the churn: session timeout + rebalance timeout + the initial delay, with room to spare. */
export const CONVERGENCE_BOUND_MS = 120_000
/** Both protocols' members. */
const CONSUMER_CONFIG_COMMON = {
  'group.id': GROUP,
  'auto.offset.reset': 'earliest',
  'max.poll.interval.ms': 15_000,
  'request.timeout.ms': 10_000,
  'auto.commit.interval.ms': 1000,
}
/** Classic members; consumer-protocol members take their session and heartbeat from the broker (they may not set them). */
const CONSUMER_CONFIG = { ...CONSUMER_CONFIG_COMMON, 'session.timeout.ms': 10_000, 'heartbeat.interval.ms': 1000 }

/** The classic protocol's client-side assignors, then the consumer protocol's broker-side ones. */
const CLASSIC_STRATEGIES = ['range', 'roundrobin', 'sticky', 'cooperative-sticky'] as const
const CONSUMER_STRATEGIES = ['consumer/uniform', 'consumer/range'] as const
/**
 * The consumer protocol's timeouts are the broker's: lowered (with their minimums) to the
 * classic members' 10 s session and 1 s heartbeat, so that both variants churn alike.
 */
const CONSUMER_PROTOCOL_BROKER_CONFIG = {
  'group.consumer.min.session.timeout.ms': 10_000,
  'group.consumer.session.timeout.ms': 10_000,
  'group.consumer.min.heartbeat.interval.ms': 1000,
  'group.consumer.heartbeat.interval.ms': 1000,
}

export type GroupsFuzzProtocol = 'classic' | 'consumer' | 'any'

export type GroupChurn = 'join' | 'leave' | 'crash-member' | 'restart-member' | 'pause-member' | 'crash-coordinator' | 'restart-broker'

export interface GroupsSeedResult {
  seed: number
  strategy: string
  actions: { atMs: number; action: GroupChurn; target: string }[]
  violations: GroupViolation[]
  /** null when the group converged; else why not. */
  unconverged: string | null
  /** Simulated ms from the end of the churn to a Stable, fully assigned group. */
  convergenceMs: number | null
  rebalances: number
}

export interface GroupsFuzzReport {
  runs: number
  violations: Record<string, number>
  unconverged: number
  firstFailure: GroupsSeedResult | null
  convergenceMs: { max: number; mean: number }
  rebalances: number
}

export function runGroupsFuzzSeed(seed: number, protocol: GroupsFuzzProtocol = 'any'): GroupsSeedResult {
  const random = new RandomStreams(seed).stream('groups-fuzz')
  const strategies: readonly string[] = protocol === 'classic' ? CLASSIC_STRATEGIES : protocol === 'consumer' ? CONSUMER_STRATEGIES : [...CLASSIC_STRATEGIES, ...CONSUMER_STRATEGIES]
  const strategy = random.pick(strategies)
  const consumerProtocol = strategy.startsWith('consumer/')
  const cluster = new Cluster({
    seed,
    brokers: 3,
    config: { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 1000, ...(consumerProtocol ? CONSUMER_PROTOCOL_BROKER_CONFIG : {}) },
    traceCapacity: 1000,
  })
  cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 })
  const checkers = new GroupCheckers().attach(cluster)
  let rebalances = 0
  const stopCounting = cluster.trace.subscribe((r) => {
    // A classic rebalance, or a new target assignment of the consumer protocol.
    if (r.type === 'group-rebalance' || r.type === 'consumer-group-target-assignment') rebalances++
  })
  cluster.addProducer('producer', { workload: { topic: TOPIC, recordsPerSec: 50 }, outcomes: null })
  const members = new Map<string, 'up' | 'crashed' | 'paused' | 'left'>()
  let next = 0
  const join = () => {
    const id = `m${next++}`
    cluster.addConsumer(id, {
      config: consumerProtocol
        ? { ...CONSUMER_CONFIG_COMMON, 'group.protocol': 'consumer', 'group.remote.assignor': strategy.slice('consumer/'.length) }
        : { ...CONSUMER_CONFIG, 'partition.assignment.strategy': strategy },
      subscribe: [TOPIC],
      app: { pollIntervalMs: 100, processingMsPerRecord: random.pick([0, 1, 5]) },
      consumed: null,
    })
    members.set(id, 'up')
    return id
  }
  for (let i = 0; i < 3; i++) join()
  const actions: GroupsSeedResult['actions'] = []
  const crashedBrokers = new Set<number>()
  const end = cluster.now + CHURN_MS
  while (cluster.now < end) {
    cluster.advance(random.uniform(1000, 6000))
    const up = [...members].filter(([, s]) => s === 'up').map(([id]) => id)
    const choices: GroupChurn[] = ['join', 'leave', 'crash-member', 'restart-member', 'pause-member', 'crash-coordinator', 'restart-broker']
    const action = random.pick(choices)
    let target = ''
    switch (action) {
      case 'join':
        if (members.size - [...members.values()].filter((s) => s === 'left').length >= MAX_MEMBERS) continue
        target = join()
        break
      case 'leave':
        if (up.length === 0) continue
        target = random.pick(up)
        cluster.sim.command(target, { op: 'unsubscribe' })
        members.set(target, 'left')
        break
      case 'crash-member':
        if (up.length === 0) continue
        target = random.pick(up)
        cluster.sim.crash(target)
        members.set(target, 'crashed')
        break
      case 'restart-member': {
        const down = [...members].filter(([, s]) => s === 'crashed').map(([id]) => id)
        if (down.length === 0) continue
        target = random.pick(down)
        cluster.sim.restart(target)
        members.set(target, 'up')
        break
      }
      case 'pause-member': {
        // A long GC or a stuck process: past the session timeout (and the poll timeout) or not.
        if (up.length === 0) continue
        target = random.pick(up)
        cluster.pause(target)
        members.set(target, 'paused')
        const id = target
        cluster.advance(random.uniform(2000, 25_000))
        cluster.resume(id)
        members.set(id, 'up')
        break
      }
      case 'crash-coordinator': {
        const coordinator = cluster.snapshot().groups[GROUP]?.coordinator
        if (coordinator === undefined || crashedBrokers.size > 0) continue
        target = String(coordinator)
        cluster.crashBroker(coordinator)
        crashedBrokers.add(coordinator)
        break
      }
      case 'restart-broker': {
        const broker = [...crashedBrokers][0]
        if (broker === undefined) continue
        target = String(broker)
        cluster.restartBroker(broker)
        crashedBrokers.delete(broker)
        break
      }
    }
    actions.push({ atMs: Math.round(cluster.now), action, target })
  }
  // Heal: brokers back, crashed members restarted; at least one member.
  for (const broker of crashedBrokers) cluster.restartBroker(broker)
  for (const [id, state] of members) if (state === 'crashed') cluster.sim.restart(id)
  if (![...members.values()].some((s) => s === 'up' || s === 'crashed')) join()
  const healedAt = cluster.now
  const unconverged = checkGroupConvergence(cluster, GROUP, [TOPIC], CONVERGENCE_BOUND_MS)
  const convergenceMs = unconverged === null ? cluster.now - healedAt : null
  // Once Stable, a little more time: a late generation or commit must still obey the invariants.
  cluster.advance(5000)
  stopCounting()
  checkers.stop()
  return { seed, strategy, actions, violations: checkers.violations, unconverged, convergenceMs, rebalances }
}

export function runGroupsFuzz(options: { seeds: number; from?: number; protocol?: GroupsFuzzProtocol; onSeed?: (result: GroupsSeedResult) => void }): GroupsFuzzReport {
  if (!Number.isSafeInteger(options.seeds) || options.seeds < 1) throw new InputError('fuzz --seeds', 'a positive integer', options.seeds)
  const from = options.from ?? 0
  const report: GroupsFuzzReport = { runs: 0, violations: {}, unconverged: 0, firstFailure: null, convergenceMs: { max: 0, mean: 0 }, rebalances: 0 }
  let convergedRuns = 0
  let convergenceTotal = 0
  for (let seed = from; seed < from + options.seeds; seed++) {
    const result = runGroupsFuzzSeed(seed, options.protocol)
    report.runs++
    report.rebalances += result.rebalances
    for (const v of result.violations) report.violations[v.checker] = (report.violations[v.checker] ?? 0) + 1
    if (result.unconverged !== null) report.unconverged++
    else {
      convergedRuns++
      convergenceTotal += result.convergenceMs!
      report.convergenceMs.max = Math.max(report.convergenceMs.max, result.convergenceMs!)
    }
    if (!report.firstFailure && (result.violations.length > 0 || result.unconverged !== null)) report.firstFailure = result
    options.onSeed?.(result)
  }
  report.convergenceMs.mean = convergedRuns === 0 ? 0 : Math.round(convergenceTotal / convergedRuns)
  return report
}

/** The CLI's output for `kafkasim fuzz --profile groups`. */
export function describeGroupsFuzz(report: GroupsFuzzReport): string[] {
  const lines = [
    `runs: ${report.runs}; rebalances: ${report.rebalances}; invariant violations: ${Object.entries(report.violations).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}; runs that did not converge within ${CONVERGENCE_BOUND_MS} ms: ${report.unconverged}`,
    `time to a Stable, fully assigned group after the churn: mean ${report.convergenceMs.mean} ms, max ${report.convergenceMs.max} ms (simulated)`,
  ]
  const f = report.firstFailure
  if (f) {
    lines.push(`first failing seed: ${f.seed} (${f.strategy}; replay: kafkasim fuzz --profile groups --seeds 1 --from ${f.seed})`)
    for (const v of f.violations.slice(0, 5)) lines.push(`  violation at ${v.timeMs.toFixed(3)} ms [${v.checker}]: ${v.message}`)
    if (f.unconverged) lines.push(`  did not converge: ${f.unconverged}`)
    for (const a of f.actions) lines.push(`  ${a.atMs} ms: ${a.action} ${a.target}`)
  } else {
    lines.push('no failing seed: as expected, the group protocol kept every invariant and converged')
  }
  return lines
}
