import { describe, expect, it } from 'vitest'
import { LeaderEpochCache, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../../core/log/epoch-cache.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import { Disk } from '../../sim/disk.ts'
import { DIR, logConfig, NOT_IDEMPOTENT, record, recordsByOffset } from './support.ts'

const UNDEFINED = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }

describe('leader epoch cache: assign', () => {
  it('adds an entry only for an epoch above the latest; the same epoch again is ignored', () => {
    const cache = new LeaderEpochCache()
    expect(cache.latestEpoch()).toBeUndefined()
    expect(cache.assign(0, 0)).toBe(true)
    expect(cache.assign(0, 5)).toBe(false)
    expect(cache.assign(3, 7)).toBe(true)
    expect(cache.assign(3, 9)).toBe(false)
    expect(cache.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 7 }])
    expect(cache.latestEpoch()).toBe(3)
  })

  it('a new epoch starting where the latest starts replaces it (that epoch never appended)', () => {
    const cache = new LeaderEpochCache([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 4 }])
    cache.assign(5, 4)
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 5, startOffset: 4 }])
  })

  it('a start offset below the latest entry, or an epoch below the latest, is a bug', () => {
    const cache = new LeaderEpochCache([{ epoch: 2, startOffset: 10 }])
    expect(() => cache.assign(3, 9)).toThrow(/below the latest entry/)
    expect(() => cache.assign(2, 9)).toThrow(/below the latest entry/)
    expect(() => cache.assign(1, 11)).toThrow(/below the latest epoch/)
    expect(() => cache.assign(-1, 11)).toThrow(/epoch/)
    expect(cache.entries()).toEqual([{ epoch: 2, startOffset: 10 }])
  })
})

describe('leader epoch cache: endOffsetFor (Kafka LeaderEpochFileCache.endOffsetFor)', () => {
  const cache = new LeaderEpochCache([
    { epoch: 1, startOffset: 5 },
    { epoch: 3, startOffset: 10 },
    { epoch: 6, startOffset: 20 },
  ])

  it('the latest epoch ends at the log end offset', () => {
    expect(cache.endOffsetFor(6, 27)).toEqual({ epoch: 6, endOffset: 27 })
  })

  it('an older epoch ends where the next epoch starts, answered with the largest epoch not above it', () => {
    expect(cache.endOffsetFor(1, 27)).toEqual({ epoch: 1, endOffset: 10 })
    expect(cache.endOffsetFor(3, 27)).toEqual({ epoch: 3, endOffset: 20 })
    expect(cache.endOffsetFor(2, 27)).toEqual({ epoch: 1, endOffset: 10 })
    expect(cache.endOffsetFor(5, 27)).toEqual({ epoch: 3, endOffset: 20 })
  })

  it('an epoch below every known one ends at the earliest start, answered as requested (its data was deleted)', () => {
    expect(cache.endOffsetFor(0, 27)).toEqual({ epoch: 0, endOffset: 5 })
  })

  it('UNDEFINED_EPOCH, an epoch above the latest, or an empty cache gives (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET)', () => {
    expect(cache.endOffsetFor(UNDEFINED_EPOCH, 27)).toEqual(UNDEFINED)
    expect(cache.endOffsetFor(7, 27)).toEqual(UNDEFINED)
    expect(new LeaderEpochCache().endOffsetFor(0, 0)).toEqual(UNDEFINED)
  })
})

describe('leader epoch cache: truncation', () => {
  it('truncateFromEnd removes entries starting at or after the offset', () => {
    const cache = new LeaderEpochCache([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 5 }, { epoch: 4, startOffset: 9 }])
    expect(cache.truncateFromEnd(10)).toBe(false)
    expect(cache.truncateFromEnd(5)).toBe(true)
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 0 }])
  })

  it('truncateFromStart keeps the entry covering the new start, moved up to it', () => {
    const cache = new LeaderEpochCache([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 5 }, { epoch: 4, startOffset: 9 }])
    expect(cache.truncateFromStart(7)).toBe(true)
    expect(cache.entries()).toEqual([{ epoch: 2, startOffset: 7 }, { epoch: 4, startOffset: 9 }])
    expect(cache.truncateFromStart(9)).toBe(true)
    expect(cache.entries()).toEqual([{ epoch: 4, startOffset: 9 }])
    expect(cache.truncateFromStart(9)).toBe(false)
    expect(cache.truncateFromStart(3)).toBe(false)
  })
})

describe('diverging epochs (AbstractFetcherThreadTest.testDivergingEpochs)', () => {
  it('a follower with [e0 a, e2 b, e4 c] against a leader with [e0 a, e2 b, e5 d] truncates to 2, then fetches d', () => {
    const leader = PartitionLog.open(new Disk(), DIR, logConfig(), 0)
    const follower = PartitionLog.open(new Disk(), DIR, logConfig(), 0)
    // a at epoch 0 and b at epoch 2 reach both replicas.
    leader.appendAsLeader([record('k', 'a')], 0, NOT_IDEMPOTENT, 0)
    leader.assignEpochStartOffset(2, leader.logEndOffset)
    leader.appendAsLeader([record('k', 'b')], 2, NOT_IDEMPOTENT, 0)
    follower.appendAsFollower(leader.read(0, 1 << 20, leader.logEndOffset))
    // The follower led epoch 4 and wrote c that nobody fetched; the leader led epoch 5 and wrote d.
    follower.assignEpochStartOffset(4, follower.logEndOffset)
    follower.appendAsLeader([record('k', 'c')], 4, NOT_IDEMPOTENT, 0)
    leader.assignEpochStartOffset(5, leader.logEndOffset)
    leader.appendAsLeader([record('k', 'd')], 5, NOT_IDEMPOTENT, 0)
    expect(follower.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 1 }, { epoch: 4, startOffset: 2 }])
    expect(leader.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 1 }, { epoch: 5, startOffset: 2 }])

    const diverging = leader.endOffsetForEpoch(follower.latestEpoch()!)
    expect(diverging).toEqual({ epoch: 2, endOffset: 2 })
    follower.truncateTo(Math.min(diverging.endOffset, follower.logEndOffset))
    expect(follower.logEndOffset).toBe(2)
    expect(follower.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 1 }])

    follower.appendAsFollower(leader.read(follower.logEndOffset, 1 << 20, leader.logEndOffset))
    expect(recordsByOffset(follower.batches())).toEqual([[0, 'k', 'a'], [1, 'k', 'b'], [2, 'k', 'd']])
    expect(follower.epochEntries()).toEqual(leader.epochEntries())
    expect(follower.batches().every((batch, i) => batch === leader.batches()[i])).toBe(true)
  })
})
