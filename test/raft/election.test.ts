import { describe, expect, it } from 'vitest'
import { DEFAULT_RAFT_CONFIG, resolveRaftConfig } from '../../core/raft/config.ts'
import {
  binaryExponentialElectionBackoffMs,
  canGrantVote,
  isLogUpToDate,
  randomElectionTimeoutMs,
  strictExponentialElectionBackoffMs,
  type VoterState,
} from '../../core/raft/election.ts'

const base: VoterState = { id: 'a', role: 'unattached', votedId: null, leaderId: null, hasFetchedFromLeader: false }

describe('KRaft election rules', () => {
  it('compares logs by last epoch, then by end offset', () => {
    expect(isLogUpToDate({ lastEpoch: 3, endOffset: 1 }, { lastEpoch: 2, endOffset: 9 })).toBe(true)
    expect(isLogUpToDate({ lastEpoch: 2, endOffset: 9 }, { lastEpoch: 2, endOffset: 9 })).toBe(true)
    expect(isLogUpToDate({ lastEpoch: 2, endOffset: 8 }, { lastEpoch: 2, endOffset: 9 })).toBe(false)
    expect(isLogUpToDate({ lastEpoch: 1, endOffset: 99 }, { lastEpoch: 2, endOffset: 9 })).toBe(false)
  })

  it('grants one vote per epoch, only to an up-to-date log, and never while a leader is known', () => {
    expect(canGrantVote(base, 'b', true, false)).toBe(true)
    expect(canGrantVote(base, 'b', false, false)).toBe(false)
    expect(canGrantVote({ ...base, votedId: 'b' }, 'b', true, false)).toBe(true)
    expect(canGrantVote({ ...base, votedId: 'b' }, 'c', true, false)).toBe(false)
    expect(canGrantVote({ ...base, leaderId: 'c' }, 'b', true, false)).toBe(false)
    expect(canGrantVote({ ...base, role: 'candidate', votedId: 'a' }, 'b', true, false)).toBe(false)
    expect(canGrantVote({ ...base, role: 'leader', leaderId: 'a' }, 'b', true, false)).toBe(false)
    expect(canGrantVote({ ...base, role: 'resigned', leaderId: 'a' }, 'b', true, true)).toBe(false)
  })

  it('grants a pre-vote on the log alone, except as a follower still hearing from its leader', () => {
    expect(canGrantVote({ ...base, votedId: 'c' }, 'b', true, true)).toBe(true)
    expect(canGrantVote({ ...base, role: 'prospective', leaderId: 'c' }, 'b', true, true)).toBe(true)
    expect(canGrantVote({ ...base, role: 'candidate', votedId: 'a' }, 'b', true, true)).toBe(true)
    expect(canGrantVote({ ...base, role: 'follower', leaderId: 'c', hasFetchedFromLeader: true }, 'b', true, true)).toBe(false)
    expect(canGrantVote({ ...base, role: 'follower', leaderId: 'c', hasFetchedFromLeader: false }, 'b', true, true)).toBe(true)
    expect(canGrantVote({ ...base, role: 'follower', leaderId: 'c', hasFetchedFromLeader: false }, 'b', false, true)).toBe(false)
  })

  it('draws the election timeout in [timeout, 2 x timeout) and backs off in steps of 100 ms up to the cap', () => {
    expect(randomElectionTimeoutMs(DEFAULT_RAFT_CONFIG, 0)).toBe(1000)
    expect(randomElectionTimeoutMs(DEFAULT_RAFT_CONFIG, 0.9999)).toBe(1999)
    expect(binaryExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, 1, 0.99)).toBe(100)
    expect(binaryExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, 3, 0.99)).toBe(700)
    expect(binaryExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, 10, 0.99)).toBe(1000)
    expect(strictExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, 0, 4)).toBe(0)
    expect(strictExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, 1, 4)).toBe(100)
    expect(strictExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, 3, 4)).toBe(400)
    expect(strictExponentialElectionBackoffMs(DEFAULT_RAFT_CONFIG, -1, 4)).toBe(1000)
  })

  it('refuses bad quorum timings, naming the key and the value', () => {
    expect(resolveRaftConfig({ fetchTimeoutMs: 500 }).fetchTimeoutMs).toBe(500)
    expect(() => resolveRaftConfig({ fetchTimeoutMs: 0 })).toThrow('raft config.fetchTimeoutMs: expected a positive integer number of ms, got 0')
    expect(() => resolveRaftConfig({ electionTimeoutMs: '1000' as unknown as number })).toThrow(/got "1000"/)
    expect(() => resolveRaftConfig({ fetchTimeout: 5 } as never)).toThrow(/unknown key "fetchTimeout"/)
  })
})
