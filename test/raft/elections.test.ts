import { describe, expect, it } from 'vitest'
import { RaftNode } from '../../core/raft/raft-node.ts'
import { Simulation } from '../../sim/simulation.ts'
import { TestQuorum } from './harness.ts'

describe('KRaft elections', () => {
  it('elects one leader among 3 and among 5 voters; observers follow it without voting', () => {
    for (const voters of [3, 5] as const) {
      const q = new TestQuorum({ seed: 7, voters, observers: 2 })
      q.settle()
      const leader = q.leaders()[0]!.raft.view()
      expect(leader.epoch).toBeGreaterThanOrEqual(1)
      for (const id of q.observerIds) {
        const roles = new Set(q.transitions().filter((t) => t.node === id).map((t) => t.role))
        expect([...roles].sort()).toEqual(['follower', 'unattached'])
      }
      expect(q.violations).toEqual([])
    }
  })

  it('a single voter elects itself at once', () => {
    const q = new TestQuorum({ seed: 1, voters: 1 })
    expect(q.leaders().length).toBe(1)
    expect(q.sim.now).toBe(0)
  })

  it('resolves split votes through the randomized election timeout', () => {
    // With latencies close to the election jitter, voters time out together and split the vote.
    let splitRuns = 0
    for (let seed = 1; seed <= 12; seed++) {
      const q = new TestQuorum({ seed, voters: 5, network: { latencyMs: { min: 20, max: 600 } } })
      q.settle(60_000)
      const candidatesByEpoch = new Map<number, Set<unknown>>()
      const leaderEpochs = new Set<number>()
      for (const t of q.transitions()) {
        if (t.role === 'candidate') candidatesByEpoch.set(t.epoch, (candidatesByEpoch.get(t.epoch) ?? new Set()).add(t.node))
        if (t.role === 'leader') leaderEpochs.add(t.epoch)
      }
      // A split vote: two candidates in one epoch and nobody won it.
      const splitEpochs = [...candidatesByEpoch.entries()].filter(([epoch, nodes]) => nodes.size > 1 && !leaderEpochs.has(epoch))
      if (splitEpochs.length > 0) {
        splitRuns++
        expect(q.leaders()[0]!.raft.currentEpoch).toBeGreaterThan(Math.max(...splitEpochs.map(([epoch]) => epoch)))
      }
      expect(q.violations).toEqual([])
    }
    expect(splitRuns).toBeGreaterThan(0)
  })

  it('pre-vote keeps a partitioned voter from disrupting the leader (KIP-996)', () => {
    const q = new TestQuorum({ seed: 3, voters: 3, observers: 1 })
    q.settle()
    const leader = q.leaders()[0]!
    const epoch = leader.raft.currentEpoch
    const cutOff = q.voterIds.find((id) => id !== leader.ctx.id)!
    q.sim.network.isolate(cutOff)
    q.sim.runFor(20_000)
    const isolated = q.node(cutOff)!.raft
    // It kept trying (Prospective) but never became a candidate, so its epoch did not move.
    expect(q.transitions().some((t) => t.node === cutOff && t.role === 'prospective')).toBe(true)
    expect(q.transitions().some((t) => t.node === cutOff && t.role === 'candidate')).toBe(false)
    expect(isolated.currentEpoch).toBe(epoch)
    q.sim.network.rejoin(cutOff)
    q.settle()
    expect(q.leaders()[0]).toBe(leader)
    expect(leader.raft.currentEpoch).toBe(epoch)
    expect(q.violations).toEqual([])
  })

  it('a leader cut off from the voters resigns by check quorum; the others elect a new one', () => {
    const q = new TestQuorum({ seed: 5, voters: 3 })
    q.settle()
    const old = q.leaders()[0]!
    const epoch = old.raft.currentEpoch
    q.sim.network.isolate(old.ctx.id)
    // fetch timeout x 1.5 without a majority fetching.
    q.sim.runFor(3_100)
    expect(old.raft.currentRole).toBe('resigned')
    q.sim.runUntil(() => q.leaders().length === 1 && q.leaders()[0] !== old, { timeoutMs: 10_000, describe: () => q.describe() })
    const next = q.leaders()[0]!
    expect(next.raft.currentEpoch).toBeGreaterThan(epoch)
    // The deposed leader cannot write.
    expect(old.raft.append(epoch, [1])).toMatchObject({ ok: false, error: 'NOT_LEADER_OR_FOLLOWER' })
    q.sim.network.rejoin(old.ctx.id)
    q.settle()
    expect(old.raft.view()).toMatchObject({ role: 'follower', leaderId: next.ctx.id, epoch: next.raft.currentEpoch })
    expect(q.violations).toEqual([])
  })

  it('a crashed leader is replaced; its restart comes back resigned, then follows', () => {
    const q = new TestQuorum({ seed: 11, voters: 3 })
    q.settle()
    for (let i = 0; i < 5; i++) q.appendThroughLeader()
    q.settle()
    const old = q.leaders()[0]!.ctx.id
    q.sim.crash(old)
    q.sim.runUntil(() => q.leaders().length === 1, { timeoutMs: 10_000, describe: () => q.describe() })
    const next = q.leaders()[0]!
    q.sim.runUntil(() => next.leaderChanges.at(-1)?.leaderId === next.ctx.id, { timeoutMs: 5_000, describe: () => q.describe() })
    // The new leader announced itself to its listener only after replaying the old epoch's entries.
    expect(next.leaderChanges.at(-1)).toEqual({ epoch: next.raft.currentEpoch, leaderId: next.ctx.id })
    expect(next.appliedAtLeaderChange.at(-1)).toBe(5)
    expect(next.applied).toEqual([1, 2, 3, 4, 5])
    q.sim.restart(old)
    expect(q.node(old)!.raft.currentRole).toBe('resigned')
    q.settle()
    expect(q.node(old)!.applied).toEqual([1, 2, 3, 4, 5])
    expect(q.violations).toEqual([])
  })

  it('a graceful resignation hands over to the most caught-up voter first', () => {
    const q = new TestQuorum({ seed: 2, voters: 5 })
    q.settle()
    const old = q.leaders()[0]!
    const resignedAt = q.sim.now
    old.raft.resign()
    q.sim.runUntil(() => q.leaders().length === 1, { timeoutMs: 10_000, describe: () => q.describe() })
    // The first successor stands without waiting out a fetch timeout.
    expect(q.sim.now - resignedAt).toBeLessThan(old.raft.config.electionTimeoutMs)
    expect(q.leaders()[0]).not.toBe(old)
    expect(q.violations).toEqual([])
  })

  it('replays the same run event for event from the same seed', () => {
    const run = (): string => {
      const q = new TestQuorum({ seed: 42, voters: 5, observers: 1 })
      q.sim.runFor(3_000)
      q.sim.crash(q.leaders()[0]!.ctx.id)
      q.sim.runFor(5_000)
      return q.sim.snapshot().traceHash
    }
    expect(run()).toBe(run())
  })

  it('refuses a bad voter set, and leaves messages and timers that are not its own to the host', () => {
    const sim = new Simulation({ seed: 1 })
    const build = (voters: unknown) => () =>
      sim.addNode(`n${String(voters)}`, (ctx) => {
        new RaftNode(ctx, { voters: voters as string[] })
        return { onMessage() {}, onTimer() {} }
      })
    expect(build([])).toThrow(/options.voters must be a non-empty array of node ids, got \[\]/)
    expect(build(['a', 'a'])).toThrow(/duplicate id: \["a","a"\]/)
    const q = new TestQuorum({ seed: 1, voters: 1 })
    const raft = q.node('c1')!.raft
    expect(raft.handleMessage('x', { type: 'Produce' })).toBe(false)
    expect(raft.handleTimer('heartbeat', undefined, 1)).toBe(false)
  })
})
