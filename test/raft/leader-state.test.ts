import { describe, expect, it } from 'vitest'
import { LeaderState } from '../../core/raft/leader-state.ts'

describe('LeaderState', () => {
  it('sets the HW to the offset a majority of voters reached, and never lowers it', () => {
    const leader = new LeaderState('a', 3, 10, ['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c'])
    expect(leader.updateLocalEndOffset(15)).toBe(false)
    expect(leader.updateReplica('b', 14, 0)).toBe(false)
    expect(leader.updateReplica('c', 12, 0)).toBe(true)
    expect(leader.highWatermark).toBe(12)
    // An observer does not count.
    leader.updateReplica('broker-1', 15, 0)
    expect(leader.highWatermark).toBe(12)
    expect(leader.updateReplica('d', 15, 0)).toBe(true)
    expect(leader.highWatermark).toBe(14)
    // A voter that lost its tail (a power loss) reports less: the HW stays.
    expect(leader.updateReplica('b', 11, 0)).toBe(false)
    expect(leader.highWatermark).toBe(14)
  })

  it('does not move the HW until an entry of its own epoch is on a majority', () => {
    const leader = new LeaderState('a', 2, 10, ['a', 'b', 'c'], ['a', 'b'])
    leader.updateLocalEndOffset(11)
    // b holds all of the old epoch's entries but not the LeaderChange record at 10.
    leader.updateReplica('b', 10, 0)
    expect(leader.highWatermark).toBeNull()
    leader.updateReplica('b', 11, 0)
    expect(leader.highWatermark).toBe(11)
  })

  it('restarts the check-quorum window once a majority has fetched', () => {
    const leader = new LeaderState('a', 1, 0, ['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'c'])
    expect(leader.recordFetchForCheckQuorum('b')).toBe(false)
    expect(leader.recordFetchForCheckQuorum('b')).toBe(false)
    expect(leader.recordFetchForCheckQuorum('c')).toBe(true)
    expect(leader.recordFetchForCheckQuorum('d')).toBe(false)
    expect(leader.recordFetchForCheckQuorum('observer')).toBe(false)
  })

  it('orders successors by how far their logs reach', () => {
    const leader = new LeaderState('a', 1, 0, ['a', 'b', 'c'], ['a', 'b'])
    leader.updateReplica('b', 3, 0)
    leader.updateReplica('c', 7, 0)
    expect(leader.preferredSuccessors()).toEqual(['c', 'b'])
  })
})
