// The quorum under random crashes, power losses, pauses, isolations and partitions of
// voters and observers, with leaders appending and every replica taking snapshots: the
// invariants hold after every event, and once every fault is healed exactly one leader
// emerges, followed and caught up with by everyone, within a bounded simulated time.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { RaftEntry } from '../../core/raft/log.ts'
import { TestQuorum } from './harness.ts'

type FaultKind = 'crash' | 'powerFail' | 'pause' | 'isolate' | 'partition'
interface Fault {
  atMs: number
  kind: FaultKind
  node: number
  durationMs: number
}

const FAULT_WINDOW_MS = 15_000
const HEAL_AT_MS = 16_000
/**
 * After healing: a fetch timeout (2 s) to notice a dead leader, pre-vote and vote rounds
 * of 1-2 s each with backoffs up to 1 s, and catching up. Measured at most ~2.8 s over 200
 * seeds; the bound leaves room for unlucky split votes.
 */
const CONVERGENCE_BOUND_MS = 15_000

function applyFault(q: TestQuorum, fault: Fault): void {
  const { sim } = q
  const ids = q.ids
  const id = ids[fault.node % ids.length]!
  sim.at(fault.atMs, fault.kind, () => {
    switch (fault.kind) {
      case 'crash':
      case 'powerFail':
        if (sim.stateOf(id) === 'crashed') return
        if (fault.kind === 'crash') sim.crash(id)
        else sim.powerFail(id)
        sim.after(fault.durationMs, 'restart', () => {
          if (sim.stateOf(id) === 'crashed') sim.restart(id)
        })
        break
      case 'pause':
        if (sim.stateOf(id) !== 'up') return
        sim.pause(id)
        sim.after(fault.durationMs, 'resume', () => {
          if (sim.stateOf(id) === 'paused') sim.resume(id)
        })
        break
      case 'isolate':
        sim.network.isolate(id)
        sim.after(fault.durationMs, 'rejoin', () => sim.network.rejoin(id))
        break
      case 'partition': {
        const side = fault.node % 2
        sim.network.partition([ids.filter((_, i) => i % 2 === side), ids.filter((_, i) => i % 2 !== side)])
        sim.after(fault.durationMs, 'clear partition', () => sim.network.clearPartition())
        break
      }
    }
  })
}

interface RunResult {
  convergenceMs: number
  violations: string[]
  applied: number[][]
  appended: number[]
}

function runWithFaults(seed: number, voters: 3 | 5, observers: number, faults: readonly Fault[]): RunResult {
  const q = new TestQuorum({ seed, voters, observers })
  const { sim } = q
  for (let t = 200; t < HEAL_AT_MS; t += 150) sim.at(t, 'append', () => void q.appendThroughLeader())
  for (let t = 3_000; t < HEAL_AT_MS; t += 2_500) {
    sim.at(t, 'snapshot', () => {
      for (const id of q.ids) if (sim.stateOf(id) === 'up') q.node(id)!.takeSnapshot()
    })
  }
  for (const fault of faults) applyFault(q, fault)
  sim.runFor(HEAL_AT_MS)
  for (const id of q.ids) {
    if (sim.stateOf(id) === 'crashed') sim.restart(id)
    if (sim.stateOf(id) === 'paused') sim.resume(id)
  }
  sim.network.heal()
  sim.runUntil(() => q.converged(), { timeoutMs: CONVERGENCE_BOUND_MS, describe: () => q.describe() })
  const convergenceMs = sim.now - HEAL_AT_MS
  q.check(true)
  return { convergenceMs, violations: q.violations, applied: q.ids.map((id) => q.node(id)!.applied), appended: q.appended }
}

const faultArbitrary = fc.record({
  atMs: fc.integer({ min: 0, max: FAULT_WINDOW_MS }),
  kind: fc.constantFrom<FaultKind>('crash', 'powerFail', 'pause', 'isolate', 'partition'),
  node: fc.nat({ max: 6 }),
  durationMs: fc.integer({ min: 100, max: 6_000 }),
})

describe('KRaft under faults', () => {
  it('keeps every invariant and elects one leader after healing, over many seeds and fault schedules', () => {
    let slowest = 0
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 31 - 1 }),
        fc.constantFrom<3 | 5>(3, 5),
        fc.integer({ min: 0, max: 2 }),
        fc.array(faultArbitrary, { maxLength: 8 }),
        (seed, voters, observers, faults) => {
          const result = runWithFaults(seed, voters, observers, faults)
          expect(result.violations).toEqual([])
          // Every replica applied the same committed sequence, each payload once, only payloads a leader accepted.
          for (const applied of result.applied) expect(applied).toEqual(result.applied[0])
          expect(new Set(result.applied[0]).size).toBe(result.applied[0]!.length)
          const accepted = new Set(result.appended)
          expect(result.applied[0]!.every((p) => accepted.has(p))).toBe(true)
          slowest = Math.max(slowest, result.convergenceMs)
        },
      ),
      { numRuns: 250, seed: 20_251_125 },
    )
    expect(slowest).toBeLessThanOrEqual(CONVERGENCE_BOUND_MS)
  }, 60_000)

  it('the harness notices a committed entry that changed on a replica\'s disk (positive control)', () => {
    const q = new TestQuorum({ seed: 127, voters: 3, observers: 1 })
    q.settle(10_000)
    for (let i = 0; i < 4; i++) q.appendThroughLeader()
    q.sim.runUntil(() => q.converged() && q.leaders()[0]!.applied.length === 4, { timeoutMs: 10_000 })
    q.check(true)
    expect(q.violations).toEqual([])
    // Rewrite the last committed entry of a follower's log behind the node's back.
    const follower = q.voterIds.find((id) => !q.node(id)!.raft.isLeader())!
    const storage = q.sim.storageOf(follower)
    const segment = storage.log<RaftEntry<number>>(storage.logNames().find((name) => name.startsWith('__cluster_metadata-0@'))!)
    const last = segment.at(segment.length - 1)!
    segment.truncate(segment.length - 1)
    segment.append({ ...last, kind: 'data', payload: 999 } as RaftEntry<number>)
    q.check(true)
    expect(q.violations.join('\n')).toMatch(/committed offset \d+ differs/)
  })
})
