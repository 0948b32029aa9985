// The group checkers: each fires on a trace that breaks its invariant (positive controls),
// and none fires on a real group under churn (a few fuzz seeds; the CLI runs hundreds).

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GroupCheckers, checkGroupConvergence } from '../../sim/checkers/groups.ts'
import { runGroupsFuzzSeed } from '../../sim/fuzz/groups.ts'
import { createCluster } from '../../sim/cluster.ts'
import type { TraceRecord } from '../../sim/trace.ts'

let seq = 0
const rec = (node: string | number, type: string, data: Record<string, unknown>, time = seq): TraceRecord => ({ time, seq: seq++, node, type, data })

describe('group checkers fire when their invariant breaks', () => {
  it('single-owner-per-generation: one partition given to two members of one generation', () => {
    const checkers = new GroupCheckers()
    checkers.observe(rec('c1', 'consumer-assignment-received', { groupId: 'g', generationId: 3, assigned: ['t-0', 't-1'] }))
    checkers.observe(rec('c2', 'consumer-assignment-received', { groupId: 'g', generationId: 4, assigned: ['t-0'] })) // a later generation: fine
    expect(checkers.violations).toEqual([])
    checkers.observe(rec('c3', 'consumer-assignment-received', { groupId: 'g', generationId: 3, assigned: ['t-1'] }))
    expect(checkers.violations.map((v) => v.checker)).toEqual(['single-owner-per-generation'])
    expect(checkers.violations[0]!.message).toContain('t-1')
  })

  it('generations-grow: a Stable generation that is not newer, or a member joining an older generation', () => {
    const checkers = new GroupCheckers()
    checkers.observe(rec(1, 'group-stable', { groupId: 'g', generationId: 2 }))
    checkers.observe(rec(1, 'group-stable', { groupId: 'g', generationId: 3 }))
    checkers.observe(rec('c1', 'consumer-joined', { groupId: 'g', generationId: 3 }))
    expect(checkers.violations).toEqual([])
    checkers.observe(rec(2, 'group-stable', { groupId: 'g', generationId: 3 }))
    checkers.observe(rec('c1', 'consumer-joined', { groupId: 'g', generationId: 2 }))
    expect(checkers.violations.map((v) => v.checker)).toEqual(['generations-grow', 'generations-grow'])
  })

  it('single-owner-at-once (consumer protocol): a partition given to a member while another still owns or revokes it', () => {
    const checkers = new GroupCheckers()
    const assignment = (memberId: string, memberEpoch: number, assigned: string[], pendingRevocation: string[] = []) =>
      rec(1, 'consumer-group-member-assignment', { groupId: 'g', memberId, memberEpoch, state: 'STABLE', assigned, pendingRevocation })
    checkers.observe(assignment('a', 1, ['t-0', 't-1']))
    checkers.observe(assignment('a', 1, ['t-0'], ['t-1'])) // a revokes t-1
    checkers.observe(assignment('b', 2, ['t-2']))
    checkers.observe(assignment('a', 2, ['t-0'])) // revoked: t-1 is free
    checkers.observe(assignment('b', 2, ['t-1', 't-2']))
    checkers.observe(rec(1, 'consumer-group-member-removed', { groupId: 'g', memberId: 'a' }))
    checkers.observe(assignment('b', 3, ['t-0', 't-1', 't-2'])) // a's partitions were released with it
    expect(checkers.violations).toEqual([])
    checkers.observe(assignment('c', 3, ['t-3'], []))
    checkers.observe(assignment('c', 3, ['t-2', 't-3'])) // b still owns t-2
    expect(checkers.violations.map((v) => v.checker)).toEqual(['single-owner-at-once'])
    expect(checkers.violations[0]!.message).toContain('t-2')
  })

  it('a deleted group starts over: its new generations, epochs and offsets are not compared with the old ones', () => {
    const history = (deleted: boolean) => {
      const checkers = new GroupCheckers()
      checkers.observe(rec(1, 'group-stable', { groupId: 'g', generationId: 5 }))
      checkers.observe(rec('c1', 'consumer-joined', { groupId: 'g', generationId: 5 }))
      checkers.observe(rec(1, 'consumer-group-epoch', { groupId: 'g', groupEpoch: 7 }))
      if (deleted) checkers.observe(rec(1, 'group-deleted', { groupId: 'g', offsetsPartition: 0, offsets: 0 }))
      checkers.observe(rec(1, 'group-stable', { groupId: 'g', generationId: 1 }))
      checkers.observe(rec('c1', 'consumer-joined', { groupId: 'g', generationId: 1 }))
      checkers.observe(rec(1, 'consumer-group-epoch', { groupId: 'g', groupEpoch: 1 }))
      return checkers.violations.map((v) => v.checker)
    }
    expect(history(true)).toEqual([])
    // The control: without the deletion the same history breaks generations-grow three times.
    expect(history(false)).toEqual(['generations-grow', 'generations-grow', 'generations-grow'])
  })

  it('generations-grow (consumer protocol): a group epoch that does not grow', () => {
    const checkers = new GroupCheckers()
    checkers.observe(rec(1, 'consumer-group-epoch', { groupId: 'g', groupEpoch: 1 }))
    checkers.observe(rec(1, 'consumer-group-epoch', { groupId: 'g', groupEpoch: 2 }))
    expect(checkers.violations).toEqual([])
    checkers.observe(rec(2, 'consumer-group-epoch', { groupId: 'g', groupEpoch: 2 }))
    expect(checkers.violations.map((v) => v.checker)).toEqual(['generations-grow'])
  })

  it('committed-offsets-monotonic: a commit below an earlier one, unless a member seeked', () => {
    const checkers = new GroupCheckers()
    checkers.observe(rec('c1', 'consumer-joined', { groupId: 'g', generationId: 1 }))
    checkers.observe(rec(1, 'group-offsets-committed', { groupId: 'g', offsets: { 't-0': 10, 't-1': 5 } }))
    checkers.observe(rec('c1', 'consumer-seek', { partition: 't-1', offset: 0 }))
    checkers.observe(rec(1, 'group-offsets-committed', { groupId: 'g', offsets: { 't-1': 0 } })) // after a seek: fine
    expect(checkers.violations).toEqual([])
    checkers.observe(rec(1, 'group-offsets-committed', { groupId: 'g', offsets: { 't-0': 9 } }))
    expect(checkers.violations.map((v) => v.checker)).toEqual(['committed-offsets-monotonic'])
  })

  it('convergence: a group that cannot become Stable is reported with the reason', () => {
    const c = createCluster({ seed: 1, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    c.createTopic('t', { partitions: 2, replicationFactor: 3 })
    expect(checkGroupConvergence(c, 'g', ['t'], 2000)).toMatch(/no live, loaded coordinator.*after 2000 ms/)
    c.addConsumer('c1', { config: { 'group.id': 'g' }, subscribe: ['t'], app: { pollIntervalMs: 100, processingMsPerRecord: 0 } })
    expect(checkGroupConvergence(c, 'g', ['t'], 30_000)).toBeNull()
  })
})

describe('a group under churn (fuzz seeds)', () => {
  it('keeps every invariant and converges after the churn, seed after seed; a seed replays exactly', () => {
    for (let seed = 0; seed < 4; seed++) {
      const result = runGroupsFuzzSeed(seed)
      expect(result.violations, `seed ${seed}`).toEqual([])
      expect(result.unconverged, `seed ${seed}`).toBeNull()
      expect(result.actions.length).toBeGreaterThan(0)
    }
    const again = runGroupsFuzzSeed(2)
    const first = runGroupsFuzzSeed(2)
    expect(again).toEqual(first)
  })
})

describe('a consumer-protocol group (KIP-848) under churn', () => {
  it('keeps every invariant and converges, for any seed fast-check draws (joins, leaves, crashes, pauses, coordinator failover)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
      const result = runGroupsFuzzSeed(seed, 'consumer')
      expect(result.strategy).toMatch(/^consumer\//)
      expect(result.violations, `seed ${seed}`).toEqual([])
      expect(result.unconverged, `seed ${seed}`).toBeNull()
    }), { numRuns: 5, seed: 848 })
  })
})
