// `kafkasim fuzz`: many seeded runs of a produce workload under a random fault schedule,
// with the invariant checkers on; then a heal-and-settle phase, and a history check that
// every acknowledged record is on the leader exactly once, at its offset.
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

import { InvariantCheckers, type Violation } from '../checkers/invariants.ts'
import { Cluster, CONTROLLER_ID } from '../cluster.ts'
import { InputError } from '../input.ts'
import { RandomStreams } from '../random.ts'
import { describeFault, randomSchedule, type FaultKind, type ScheduledFault } from './schedule.ts'

export type FuzzProfileName = 'safe' | 'acks1' | 'unclean'

interface FuzzProfile {
  acks: -1 | 1
  config: Record<string, unknown>
  weights: Record<FaultKind, number>
  /** What the profile exists to show: nothing lost, or that writes can be lost. */
  expectLoss: boolean
}

const WEIGHTS: Record<FaultKind, number> = { crash: 4, 'power-fail': 2, pause: 2, isolate: 2, partition: 2, block: 1 }

export const FUZZ_PROFILES: Record<FuzzProfileName, FuzzProfile> = {
  safe: {
    acks: -1,
    config: { 'min.insync.replicas': 2, 'unclean.leader.election.enable': false, 'log.flush.interval.messages': 1 },
    weights: WEIGHTS,
    expectLoss: false,
  },
  acks1: { acks: 1, config: {}, weights: WEIGHTS, expectLoss: true },
  unclean: { acks: -1, config: { 'min.insync.replicas': 1, 'unclean.leader.election.enable': true }, weights: WEIGHTS, expectLoss: true },
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
  /** Records present more than once in a leader's log. */
  duplicates: number
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

const TOPIC = 'fuzz'
const PARTITIONS = 3
const RECORDS_PER_SEC = 60
const CLIENT_ID = 'client-1'

export function isFailure(result: SeedResult): boolean {
  return result.violations.length > 0 || result.lostWrites > 0 || result.duplicates > 0 || !result.settled
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
    if (!result.settled) report.unsettled++
    options.onSeed?.(result)
    if (isFailure(result) && report.firstFailingSeed === null) {
      report.firstFailingSeed = seed
      report.firstFailure = result
      if (options.stopAtFirstFailure) break
    }
  }
  report.expectationMet = profile.expectLoss ? report.lostWrites > 0 : report.firstFailingSeed === null
  return report
}

export function runFuzzSeed(profileName: FuzzProfileName, seed: number, options: Pick<FuzzOptions, 'faultPhaseMs' | 'settleTimeoutMs'> = {}): SeedResult {
  const profile = FUZZ_PROFILES[profileName]
  const faultPhaseMs = options.faultPhaseMs ?? 60_000
  const settleTimeoutMs = options.settleTimeoutMs ?? 120_000
  const cluster = new Cluster({ seed, brokers: 3, config: profile.config, traceCapacity: 2000 })
  cluster.createTopic(TOPIC, { partitions: PARTITIONS, replicationFactor: 3 })
  const checkers = new InvariantCheckers(cluster)
  cluster.addRawClient(CLIENT_ID, {
    requestTimeoutMs: 5000,
    workload: {
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })),
      acks: profile.acks,
      recordsPerSec: RECORDS_PER_SEC,
      stopAtMs: cluster.now + faultPhaseMs,
    },
  })
  const schedule = randomSchedule(new RandomStreams(seed).stream('fuzz:schedule'), {
    brokers: cluster.brokerIds,
    controller: CONTROLLER_ID,
    faultPhaseMs,
    faults: { min: 4, max: 14 },
    weights: profile.weights,
    maxDurationMs: 40_000,
    controllerShare: 0.1,
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
  const history = checkHistory(cluster)
  return {
    seed,
    schedule,
    violations: checkers.violations,
    produced: history.produced,
    acknowledged: history.acknowledged,
    lostWrites: history.lost.length,
    duplicates: history.duplicates,
    settled,
    ...(unsettledReason !== undefined ? { unsettledReason } : {}),
    events: cluster.sim.eventCount,
    lostExamples: history.lost.slice(0, 5),
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
      sim.network.block(node, fault.to!)
      undo(`unblock ${String(node)} -> ${String(fault.to)}`, () => sim.network.unblock(node, fault.to!))
      return
  }
}

/** Null once every partition has a leader, a full ISR and replicas level with it; else why not. */
function unsettled(cluster: Cluster): string | null {
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
  const client = cluster.rawClient(CLIENT_ID)
  if (client.produces.some((p) => p.status === 'pending')) return 'the client still waits for answers'
  return null
}

/** Every acknowledged record present exactly once, at its offset, on the partition's leader. */
function checkHistory(cluster: Cluster): { produced: number; acknowledged: number; lost: SeedResult['lostExamples']; duplicates: number } {
  const client = cluster.rawClient(CLIENT_ID)
  const controller = cluster.controller()
  const logs = new Map<string, { byOffset: Map<number, string | null>; counts: Map<string | null, number> }>()
  let duplicates = 0
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const name = `${TOPIC}-${partition}`
    const leaderId = controller?.image.topic(TOPIC)?.partitions.get(partition)?.leader ?? -1
    const leader = leaderId >= 0 ? cluster.brokerNode(leaderId)?.partitions.get(name) : undefined
    const byOffset = new Map<number, string | null>()
    const counts = new Map<string | null, number>()
    for (const batch of leader?.log.batches() ?? []) {
      for (const r of batch.records) {
        byOffset.set(batch.baseOffset + r.offsetDelta, r.value)
        counts.set(r.value, (counts.get(r.value) ?? 0) + 1)
      }
    }
    for (const count of counts.values()) if (count > 1) duplicates += count - 1
    logs.set(name, { byOffset, counts })
  }
  const lost: SeedResult['lostExamples'] = []
  let acknowledged = 0
  for (const produce of client.produces) {
    if (produce.status !== 'acked') continue
    const log = logs.get(`${produce.topic}-${produce.partition}`)!
    produce.values.forEach((value, i) => {
      acknowledged++
      const offset = produce.baseOffset! + i
      if (log.byOffset.get(offset) !== value) lost.push({ partition: `${produce.topic}-${produce.partition}`, offset, value })
    })
  }
  return { produced: client.produces.length, acknowledged, lost, duplicates }
}

export function describeSchedule(schedule: readonly ScheduledFault[]): string[] {
  return schedule.map(describeFault)
}
