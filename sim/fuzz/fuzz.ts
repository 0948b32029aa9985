// `kafkasim fuzz`: many seeded runs of a producer's workload under a random fault
// schedule, with the invariant checkers on; then a heal-and-settle phase, and the history
// checker (checkers/history.ts): every acknowledged record on the leader at its offset,
// none twice, none out of its producer's order.
//
// Profiles (../shared/API.md):
// - safe: acks=all, min.insync.replicas=2, RF=3, unclean elections off. Must find nothing.
//   Its schedules include power losses, so it also sets log.flush.interval.messages=1:
//   without per-message flushes, Kafka itself loses acknowledged writes when the last
//   in-sync replica loses power (KAFKA-FACTS 6.3), which is not a bug to hunt here.
// - acks1: acks=1. A leader acknowledges before followers have the record: a crash at
//   the wrong moment loses it. Must find lost acknowledged writes.
// - unclean: acks=all but min.insync.replicas=1 and unclean.leader.election.enable=true.
//   An out-of-sync replica may be elected and the suffix is lost. Must find lost writes.
// - no-idempotence: safe's cluster, but the producer has enable.idempotence=false (retries
//   on, max.in.flight.requests.per.connection=5). A retry of a write whose answer was lost
//   writes it again; a retry behind a later request that succeeded lands after it. Must
//   find duplicates and reorders. `safe` runs the very same schedules with idempotence on.

import { checkHistory, committedLogs } from '../checkers/history.ts'
import { InvariantCheckers, type Violation } from '../checkers/invariants.ts'
import { Cluster, CONTROLLER_ID } from '../cluster.ts'
import { InputError } from '../input.ts'
import { RandomStreams } from '../random.ts'
import { describeFault, randomSchedule, type FaultKind, type ScheduledFault } from './schedule.ts'

export type FuzzProfileName = 'safe' | 'acks1' | 'unclean' | 'no-idempotence'

/** What a profile exists to show: nothing wrong, or that its settings can lose, duplicate or reorder writes. */
type Expectation = 'nothing' | 'loss' | 'duplicates-and-reorders'

interface FuzzProfile {
  /** Broker (cluster) config. */
  config: Record<string, unknown>
  /** Producer config, beside the ones every profile shares (PRODUCER_CONFIG). */
  producer: Record<string, unknown>
  weights: Record<FaultKind, number>
  expect: Expectation
}

const WEIGHTS: Record<FaultKind, number> = { crash: 4, 'power-fail': 2, pause: 2, isolate: 2, partition: 2, block: 1, 'client-drop': 4 }
const SAFE_CLUSTER = { 'min.insync.replicas': 2, 'unclean.leader.election.enable': false, 'log.flush.interval.messages': 1 }
/** A short request timeout, so that dropped requests are retried within the fault phase. */
export const PRODUCER_CONFIG = { 'request.timeout.ms': 5000 }

export const FUZZ_PROFILES: Record<FuzzProfileName, FuzzProfile> = {
  safe: { config: SAFE_CLUSTER, producer: { acks: 'all' }, weights: WEIGHTS, expect: 'nothing' },
  // acks=1 turns idempotence off (Kafka does so when enable.idempotence is not set).
  acks1: { config: {}, producer: { acks: '1' }, weights: WEIGHTS, expect: 'loss' },
  unclean: { config: { 'min.insync.replicas': 1, 'unclean.leader.election.enable': true }, producer: { acks: 'all' }, weights: WEIGHTS, expect: 'loss' },
  'no-idempotence': {
    config: SAFE_CLUSTER,
    producer: { acks: 'all', 'enable.idempotence': false, 'max.in.flight.requests.per.connection': 5 },
    weights: WEIGHTS,
    expect: 'duplicates-and-reorders',
  },
}

export interface FuzzOptions {
  profile: FuzzProfileName
  seeds: number
  from?: number
  /** Simulated ms of faults and traffic (default 60 s). */
  faultPhaseMs?: number
  /** Bound on the heal-and-settle phase (default 120 s). */
  settleTimeoutMs?: number
  /** Stop at the first failing seed. */
  stopAtFirstFailure?: boolean
  /** Stop as soon as the profile has shown what it exists to show (for the unsafe profiles' positive controls). */
  stopWhenExpectationMet?: boolean
  /** Called after each seed, for progress output. */
  onSeed?: (result: SeedResult) => void
}

export interface SeedResult {
  seed: number
  schedule: ScheduledFault[]
  violations: Violation[]
  produced: number
  acknowledged: number
  /** Acknowledged records missing from the leader's log, or not at their offset. */
  lostWrites: number
  /** Extra copies of records in a leader's log. */
  duplicates: number
  /** Records the log holds after a record their producer sent later. */
  reorders: number
  settled: boolean
  /** Why the cluster did not settle in time, when it did not. */
  unsettledReason?: string
  events: number
  /** A few lost records, for the report. */
  lostExamples: { partition: string; offset: number; value: string | null }[]
}

export interface FuzzReport {
  profile: FuzzProfileName
  runs: number
  violations: number
  lostWrites: number
  duplicates: number
  reorders: number
  unsettled: number
  firstFailingSeed: number | null
  firstFailure: SeedResult | null
  /** Whether the profile showed what it exists to show. */
  expectationMet: boolean
}

export const TOPIC = 'fuzz'
export const PARTITIONS = 3
export const RECORDS_PER_SEC = 60
export const KEYS = 12
export const CLIENT_ID = 'producer-1'

export function isFailure(result: SeedResult): boolean {
  return result.violations.length > 0 || result.lostWrites > 0 || result.duplicates > 0 || result.reorders > 0 || !result.settled
}

export function runFuzz(options: FuzzOptions): FuzzReport {
  const profile = FUZZ_PROFILES[options.profile]
  if (!profile) throw new InputError('fuzz --profile', `one of ${Object.keys(FUZZ_PROFILES).join(', ')}`, options.profile)
  if (!Number.isSafeInteger(options.seeds) || options.seeds < 1) throw new InputError('fuzz --seeds', 'a positive integer', options.seeds)
  const from = options.from ?? 0
  const report: FuzzReport = {
    profile: options.profile,
    runs: 0,
    violations: 0,
    lostWrites: 0,
    duplicates: 0,
    reorders: 0,
    unsettled: 0,
    firstFailingSeed: null,
    firstFailure: null,
    expectationMet: false,
  }
  for (let seed = from; seed < from + options.seeds; seed++) {
    const result = runFuzzSeed(options.profile, seed, options)
    report.runs++
    report.violations += result.violations.length
    report.lostWrites += result.lostWrites
    report.duplicates += result.duplicates
    report.reorders += result.reorders
    if (!result.settled) report.unsettled++
    options.onSeed?.(result)
    if (isFailure(result) && report.firstFailingSeed === null) {
      report.firstFailingSeed = seed
      report.firstFailure = result
      if (options.stopAtFirstFailure) break
    }
    if (options.stopWhenExpectationMet && profile.expect !== 'nothing' && expectationMet(profile.expect, report)) break
  }
  report.expectationMet = expectationMet(profile.expect, report)
  return report
}

function expectationMet(expect: Expectation, report: FuzzReport): boolean {
  switch (expect) {
    case 'nothing':
      return report.firstFailingSeed === null
    case 'loss':
      return report.lostWrites > 0
    case 'duplicates-and-reorders':
      return report.duplicates > 0 && report.reorders > 0
  }
}

/** One line saying whether the run showed what its profile exists to show. */
export function verdict(report: FuzzReport): string {
  const { profile, expectationMet } = report
  switch (FUZZ_PROFILES[profile].expect) {
    case 'nothing':
      return expectationMet
        ? `as expected for ${profile}: nothing lost, duplicated or reordered, no invariant broken`
        : `FAILED: the ${profile} profile must lose, duplicate and reorder nothing and break no invariant`
    case 'loss':
      return expectationMet
        ? `as expected for ${profile}: acknowledged writes can be lost`
        : `unexpected for ${profile}: no acknowledged write was lost in these seeds (try more)`
    case 'duplicates-and-reorders':
      return expectationMet
        ? `as expected for ${profile}: retries without idempotence duplicate and reorder writes`
        : `unexpected for ${profile}: no duplicate and reorder both seen in these seeds (try more)`
  }
}

export function runFuzzSeed(profileName: FuzzProfileName, seed: number, options: Pick<FuzzOptions, 'faultPhaseMs' | 'settleTimeoutMs'> = {}): SeedResult {
  const profile = FUZZ_PROFILES[profileName]
  const faultPhaseMs = options.faultPhaseMs ?? 60_000
  const settleTimeoutMs = options.settleTimeoutMs ?? 120_000
  const cluster = new Cluster({ seed, brokers: 3, config: profile.config, traceCapacity: 2000 })
  cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 })
  const checkers = new InvariantCheckers(cluster)
  // Keyed records: each key's records go to one partition, in send order if all is well.
  cluster.addProducer(CLIENT_ID, {
    config: { ...PRODUCER_CONFIG, ...profile.producer },
    workload: { topic: TOPIC, recordsPerSec: RECORDS_PER_SEC, keys: { kind: 'uniform', keys: KEYS }, stopAtMs: cluster.now + faultPhaseMs },
  })
  const schedule = randomSchedule(new RandomStreams(seed).stream('fuzz:schedule'), {
    brokers: cluster.brokerIds,
    controller: CONTROLLER_ID,
    faultPhaseMs,
    faults: { min: 4, max: 14 },
    weights: profile.weights,
    maxDurationMs: 40_000,
    controllerShare: 0.1,
    client: CLIENT_ID,
    maxClientDropMs: 2000,
  })
  const start = cluster.now
  for (const fault of schedule) {
    cluster.sim.at(start + fault.atMs, describeFault(fault), () => applyFault(cluster, fault, start + faultPhaseMs))
  }
  cluster.advance(faultPhaseMs)

  // Heal and settle: every fault undone, then wait for a leader and a full ISR everywhere.
  cluster.heal()
  for (const node of cluster.sim.nodeIds()) {
    const state = cluster.sim.stateOf(node)
    if (state === 'paused') cluster.resume(node)
    if (state === 'crashed') cluster.sim.restart(node)
  }
  let settled = true
  let unsettledReason: string | undefined
  try {
    cluster.sim.runUntil(() => unsettled(cluster) === null, { timeoutMs: settleTimeoutMs, describe: () => unsettled(cluster) ?? 'settled' })
  } catch (error) {
    settled = false
    unsettledReason = unsettled(cluster) ?? String(error)
  }
  checkers.stop()
  const history = checkHistory(cluster.history, committedLogs(cluster))
  return {
    seed,
    schedule,
    violations: checkers.violations,
    produced: history.produced,
    acknowledged: history.acknowledged,
    lostWrites: history.lost.length,
    duplicates: history.duplicates,
    reorders: history.reorders,
    settled,
    ...(unsettledReason !== undefined ? { unsettledReason } : {}),
    events: cluster.sim.eventCount,
    lostExamples: history.lost.slice(0, 5).map(({ partition, offset, value }) => ({ partition, offset, value })),
  }
}

function applyFault(cluster: Cluster, fault: ScheduledFault, faultPhaseEndMs: number): void {
  const sim = cluster.sim
  const node = fault.node
  const state = sim.stateOf(node)
  // Undo within the fault phase; the settle phase undoes whatever is left.
  const undoAt = Math.min(sim.now + fault.durationMs, faultPhaseEndMs)
  const undo = (label: string, action: () => void) => {
    if (undoAt > sim.now) sim.at(undoAt, label, action)
  }
  switch (fault.kind) {
    case 'crash':
    case 'power-fail':
      if (state === 'crashed') return
      if (fault.kind === 'crash') sim.crash(node)
      else sim.powerFail(node)
      undo(`restart ${String(node)}`, () => {
        if (sim.stateOf(node) === 'crashed') sim.restart(node)
      })
      return
    case 'pause':
      if (state !== 'up') return
      sim.pause(node)
      undo(`resume ${String(node)}`, () => {
        if (sim.stateOf(node) === 'paused') sim.resume(node)
      })
      return
    case 'isolate':
      sim.network.isolate(node)
      undo(`rejoin ${String(node)}`, () => sim.network.rejoin(node))
      return
    case 'partition': {
      const others = cluster.brokerIds.filter((b) => b !== node)
      sim.network.partition([[node], others])
      undo('clear the partition', () => sim.network.clearPartition())
      return
    }
    case 'block':
    case 'client-drop':
      sim.network.block(node, fault.to!)
      undo(`unblock ${String(node)} -> ${String(fault.to)}`, () => sim.network.unblock(node, fault.to!))
      return
  }
}

/** Null once every partition has a leader, a full ISR and replicas level with it; else why not. */
export function unsettled(cluster: Cluster): string | null {
  const controller = cluster.controller()
  if (!controller) return 'the controller is down'
  for (const id of cluster.brokerIds) if (!controller.image.isUnfenced(id)) return `broker ${id} is fenced`
  for (const topic of controller.image.topicsById.values()) {
    for (const state of topic.partitions.values()) {
      const name = `${topic.name}-${state.partition}`
      if (state.leader === -1) return `partition ${name} has no leader`
      if (state.isr.length !== state.replicas.length) return `partition ${name} has ISR [${state.isr.join(', ')}] of replicas [${state.replicas.join(', ')}]`
      const leader = cluster.brokerNode(state.leader)?.partitions.get(name)
      if (!leader?.isLeader) return `broker ${state.leader} has not taken over ${name} yet`
      for (const r of state.replicas) {
        const replica = cluster.brokerNode(r)?.partitions.get(name)
        if (!replica) return `broker ${r} does not hold ${name} yet`
        if (replica.log.logEndOffset !== leader.log.logEndOffset || replica.log.highWatermark !== leader.log.logEndOffset) {
          return `replica ${r} of ${name} is at LEO ${replica.log.logEndOffset}, HW ${replica.log.highWatermark}; the leader's LEO is ${leader.log.logEndOffset}`
        }
      }
    }
  }
  const pending = cluster.history.pendingCount()
  if (pending > 0) return `the producer still waits for the outcome of ${pending} record(s)`
  return null
}

export function describeSchedule(schedule: readonly ScheduledFault[]): string[] {
  return schedule.map(describeFault)
}
