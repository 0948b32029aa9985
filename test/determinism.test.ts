import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createCluster, type Cluster } from '../sim/cluster.ts'
import { runDemo } from '../sim/demo/run.ts'
import type { TraceRecord } from '../sim/trace.ts'
import { buildWorkload, runWorkload, type Fault, type FaultKind, type WorkloadPlan } from './support/workload.ts'

const FAULT_KINDS: FaultKind[] = ['crash', 'power-fail', 'restart', 'pause', 'resume', 'isolate', 'partition', 'block', 'heal']

const fault: fc.Arbitrary<Fault> = fc.record({
  atMs: fc.integer({ min: 0, max: 400 }),
  kind: fc.constantFrom(...FAULT_KINDS),
  node: fc.nat({ max: 9 }),
  other: fc.nat({ max: 9 }),
})

const plan = (faults: fc.Arbitrary<Fault[]>): fc.Arbitrary<WorkloadPlan> =>
  fc.record({ nodes: fc.integer({ min: 2, max: 7 }), durationMs: fc.integer({ min: 50, max: 500 }), faults })

const seed = fc.nat({ max: 2 ** 31 })

describe('determinism', () => {
  it('one seed and one workload give one trace hash, run after run', () => {
    fc.assert(fc.property(seed, plan(fc.constant([])), (s, p) => {
      const first = runWorkload(s, p)
      expect(first.records).toBeGreaterThan(10)
      expect(runWorkload(s, p)).toEqual(first)
    }), { numRuns: 60 })
  })

  it('runs with crashes, restarts, power losses, pauses, partitions, blocks and heals are just as reproducible', () => {
    fc.assert(fc.property(seed, plan(fc.array(fault, { minLength: 1, maxLength: 25 })), (s, p) => {
      expect(runWorkload(s, p)).toEqual(runWorkload(s, p))
    }), { numRuns: 80 })
  })

  it('the fault workload really exercises every fault: the trace shows them', () => {
    const faults: Fault[] = [
      { atMs: 20, kind: 'pause', node: 0, other: 0 },
      { atMs: 40, kind: 'resume', node: 0, other: 0 },
      { atMs: 60, kind: 'crash', node: 1, other: 0 },
      { atMs: 80, kind: 'restart', node: 1, other: 0 },
      { atMs: 100, kind: 'power-fail', node: 2, other: 0 },
      { atMs: 120, kind: 'restart', node: 2, other: 0 },
      { atMs: 140, kind: 'isolate', node: 3, other: 0 },
      { atMs: 160, kind: 'partition', node: 1, other: 0 },
      { atMs: 180, kind: 'block', node: 0, other: 1 },
      { atMs: 200, kind: 'heal', node: 0, other: 0 },
    ]
    const sim = buildWorkload(5, { nodes: 4, durationMs: 300, faults })
    const records: TraceRecord[] = []
    sim.trace.subscribe((r) => records.push(r))
    sim.runFor(300)
    const types = new Set(records.map((r) => r.type))
    for (const type of ['pause', 'resume', 'crash', 'power-fail', 'restart', 'network', 'drop', 'deliver', 'timer', 'writeback', 'recovered']) {
      expect(types, type).toContain(type)
    }
    const changes = records.filter((r) => r.type === 'network').map((r) => r.data.change)
    expect(changes).toEqual(['isolate', 'partition', 'block', 'heal'])
  })

  it('different seeds give different hashes for the same workload', () => {
    // The faults come after 50 ms of chatter: a plan that crashes every node at time 0 runs
    // nothing random, and two seeds rightly give the same (empty) run.
    const lateFault = fault.map((f) => ({ ...f, atMs: 50 + f.atMs }))
    fc.assert(fc.property(seed, seed, plan(fc.array(lateFault, { maxLength: 10 })), (a, b, p) => {
      fc.pre(a !== b)
      expect(runWorkload(a, p).hash).not.toBe(runWorkload(b, p).hash)
    }), { numRuns: 60 })
  })

  it('a different fault schedule gives a different hash for the same seed', () => {
    const base: WorkloadPlan = { nodes: 4, durationMs: 300, faults: [{ atMs: 100, kind: 'crash', node: 1, other: 0 }] }
    const moved: WorkloadPlan = { ...base, faults: [{ atMs: 101, kind: 'crash', node: 1, other: 0 }] }
    expect(runWorkload(3, base).hash).not.toBe(runWorkload(3, moved).hash)
  })

  it('the demo gives the same hash for seed 42 every time and another for seed 43', () => {
    const first = runDemo(42)
    expect(runDemo(42).traceHash).toBe(first.traceHash)
    expect(runDemo(43).traceHash).not.toBe(first.traceHash)
    // It shows what it claims to: a new leader after the crash, nothing acknowledged lost, all of it read back.
    expect(first.newLeader).not.toBe(first.crashedLeader)
    expect(first.leaderEpochs.after).toBeGreaterThan(first.leaderEpochs.before)
    expect(first.acknowledged).toBeGreaterThan(1000)
    expect(first.lostAcknowledged).toBe(0)
    expect(first.consumed).toBeGreaterThanOrEqual(first.acknowledged)
    expect(first.notable.map((r) => r.type)).toEqual(expect.arrayContaining(['crash', 'restart', 'become-leader', 'isr-expand-proposed']))
  })
})

describe('determinism, however a run is sliced', () => {
  /** A cluster run in which, once `reach` has run it to some point, a crash is scheduled at `crashAt(now)`. */
  function slicedRun(seed: number, reach: (cluster: Cluster) => void, crashAt: (nowMs: number) => number): { hash: string; events: number } {
    const cluster = createCluster({ seed })
    cluster.createTopic('t', { partitions: 3, replicationFactor: 3 })
    cluster.addProducer('p', { workload: { topic: 't', recordsPerSec: 300, keys: { kind: 'uniform', keys: 9 } } })
    reach(cluster)
    cluster.sim.at(crashAt(cluster.now), 'crash broker 2', () => cluster.crashBroker(2))
    cluster.sim.runUntil(() => cluster.now >= 5000, { timeoutMs: 10_000 })
    return { hash: cluster.trace.hash(), events: cluster.sim.eventCount }
  }

  it('an action taken after the same event gives the same run, whether the run got there in time slices or event by event', () => {
    fc.assert(fc.property(seed, fc.double({ min: 0.05, max: 3, noNaN: true }), fc.integer({ min: 50, max: 400 }), (s, sliceMs, slices) => {
      let eventCount = 0
      let actionAtMs = 0
      const bySlices = slicedRun(s, (cluster) => {
        for (let i = 0; i < slices; i++) cluster.advance(sliceMs)
        eventCount = cluster.sim.eventCount
      }, (now) => (actionAtMs = now + 7))
      const byEvents = slicedRun(s, (cluster) => {
        while (cluster.sim.eventCount < eventCount) cluster.sim.step()
      }, () => actionAtMs)
      expect(byEvents).toEqual(bySlices)
    }), { numRuns: 30 })
  }, 60_000)
})
