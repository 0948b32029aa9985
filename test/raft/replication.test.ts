import { describe, expect, it } from 'vitest'
import { TestQuorum } from './harness.ts'

describe('KRaft replication', () => {
  it('commits an entry once a majority of voters fetched it; observers replay it but do not count', () => {
    const q = new TestQuorum({ seed: 4, voters: 3, observers: 2 })
    q.settle()
    const leader = q.leaders()[0]!
    const followers = q.voterIds.filter((id) => id !== leader.ctx.id)
    // One follower down: the other still makes a majority.
    q.sim.crash(followers[0]!)
    q.appendThroughLeader()
    q.sim.runUntil(() => leader.applied.length === 1, { timeoutMs: 2_000 })
    // Both followers down: observers keep fetching, but the HW stays.
    q.sim.crash(followers[1]!)
    const hw = leader.raft.committedOffset
    q.appendThroughLeader()
    q.sim.runFor(1_000)
    expect(leader.raft.committedOffset).toBe(hw)
    expect(leader.applied).toEqual([1])
    for (const id of q.observerIds) {
      expect(q.node(id)!.raft.view().logEndOffset).toBe(leader.raft.view().logEndOffset)
      expect(q.node(id)!.applied).toEqual([1])
    }
    q.sim.restart(followers[1]!)
    q.sim.runUntil(() => leader.applied.length === 2, { timeoutMs: 5_000, describe: () => q.describe() })
    expect(leader.raft.committedOffset).toBeGreaterThan(hw!)
    expect(q.violations).toEqual([])
  })

  it('truncates a deposed leader\'s uncommitted entries to where its log meets the new leader\'s', () => {
    const q = new TestQuorum({ seed: 9, voters: 3, observers: 1 })
    q.settle()
    for (let i = 0; i < 3; i++) q.appendThroughLeader()
    q.settle()
    const old = q.leaders()[0]!
    const committedEnd = old.raft.view().logEndOffset
    q.sim.network.isolate(old.ctx.id)
    // Accepted by the isolated leader, never committed.
    const lost = [old.raft.append(old.raft.currentEpoch, [901]), old.raft.append(old.raft.currentEpoch, [902])]
    expect(lost.every((r) => r.ok)).toBe(true)
    q.sim.runUntil(() => q.leaders().some((l) => l !== old), { timeoutMs: 10_000, describe: () => q.describe() })
    q.appendThroughLeader()
    q.appendThroughLeader()
    q.sim.network.rejoin(old.ctx.id)
    q.settle()
    const truncations = q.events.filter((e) => e.type === 'raft.truncate' && e.node === old.ctx.id)
    expect(truncations.map((e) => e.data.offset)).toEqual([committedEnd])
    for (const id of q.ids) expect(q.node(id)!.applied).toEqual([1, 2, 3, 4, 5])
    q.check(true)
    expect(q.violations).toEqual([])
  })

  it('a follower whose fetch offset is below the leader\'s log start loads the snapshot, then the log after it', () => {
    const q = new TestQuorum({ seed: 6, voters: 3, observers: 1 })
    q.settle()
    const leader = q.leaders()[0]!
    const lagging = q.voterIds.find((id) => id !== leader.ctx.id)!
    q.sim.crash(lagging)
    q.sim.crash('o1')
    for (let i = 0; i < 20; i++) q.appendThroughLeader()
    q.sim.runUntil(() => leader.applied.length === 20, { timeoutMs: 2_000 })
    expect(leader.takeSnapshot()).toBe(true)
    const snapshotEnd = leader.raft.view().snapshot!.endOffset
    expect(leader.raft.view().logStartOffset).toBe(snapshotEnd)
    for (let i = 0; i < 3; i++) q.appendThroughLeader()
    q.sim.restart(lagging)
    q.sim.restart('o1')
    q.settle()
    for (const id of [lagging, 'o1']) {
      const node = q.node(id)!
      expect(node.snapshotsLoaded).toBe(1)
      expect(node.raft.view().logStartOffset).toBe(snapshotEnd)
      expect(node.applied).toEqual(Array.from({ length: 23 }, (_, i) => i + 1))
    }
    expect(q.events.filter((e) => e.type === 'raft.snapshot-installed').map((e) => e.node).sort()).toEqual([lagging, 'o1'].sort())
    expect(q.violations).toEqual([])
  })

  it('a restarted replica rebuilds its state from its own snapshot and log', () => {
    const q = new TestQuorum({ seed: 8, voters: 3 })
    q.settle()
    for (let i = 0; i < 6; i++) q.appendThroughLeader()
    q.settle()
    const follower = q.voterIds.find((id) => !q.node(id)!.raft.isLeader())!
    expect(q.node(follower)!.takeSnapshot()).toBe(true)
    q.appendThroughLeader()
    q.settle()
    q.sim.powerFail(follower)
    q.sim.restart(follower)
    const restarted = q.node(follower)!
    expect(restarted.applied).toEqual([])
    q.settle()
    expect(restarted.snapshotsLoaded).toBe(1)
    expect(restarted.applied).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(q.violations).toEqual([])
  })

  it('refuses a snapshot beyond what is committed and applied', () => {
    const q = new TestQuorum({ seed: 8, voters: 3 })
    q.settle()
    const leader = q.leaders()[0]!
    expect(() => leader.raft.createSnapshot(leader.raft.view().logEndOffset + 5, { applied: [] })).toThrow(/at most the high watermark/)
  })
})
