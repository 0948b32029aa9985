// The election rules of KRaft as pure functions: whether a replica may grant a vote or a
// pre-vote in its current state (QuorumState and the *State classes' canGrantVote), the
// log comparison, and the timeouts and backoffs (QuorumState.randomElectionTimeoutMs,
// KafkaRaftClient's election backoffs). Randomness comes in as a draw in [0, 1).

import type { NodeId } from '../node.ts'
import { RETRY_BACKOFF_BASE_MS, type RaftConfig } from './config.ts'

export type RaftRole = 'unattached' | 'prospective' | 'candidate' | 'leader' | 'follower' | 'resigned'

/** What a replica's vote depends on, besides the candidate. */
export interface VoterState {
  readonly id: NodeId
  readonly role: RaftRole
  readonly votedId: NodeId | null
  readonly leaderId: NodeId | null
  /** Follower only: a Fetch to this epoch's leader has been answered (FollowerState.hasFetchedFromLeader). */
  readonly hasFetchedFromLeader: boolean
}

/** A candidate's log is at least as up to date as ours: a later last epoch, or the same one and at least as long (KafkaRaftClient.handleVoteRequest). */
export function isLogUpToDate(candidate: { lastEpoch: number; endOffset: number }, own: { lastEpoch: number; endOffset: number }): boolean {
  return candidate.lastEpoch > own.lastEpoch || (candidate.lastEpoch === own.lastEpoch && candidate.endOffset >= own.endOffset)
}

/** Whether a replica in the request's epoch grants a vote (or, with `preVote`, a pre-vote) to `candidateId`. */
export function canGrantVote(state: VoterState, candidateId: NodeId, logUpToDate: boolean, preVote: boolean): boolean {
  switch (state.role) {
    case 'leader':
    case 'resigned':
      return false
    case 'follower':
      // FollowerState.canGrantVote: a follower still hearing from its leader refuses even a pre-vote.
      return preVote && !state.hasFetchedFromLeader && logUpToDate
    case 'candidate':
      // CandidateState: it voted for itself in this epoch; a pre-vote only asks about the log.
      return preVote ? logUpToDate : candidateId === state.id
    case 'unattached':
    case 'prospective':
      // QuorumState.unattachedOrProspectiveCanGrantVote.
      if (preVote) return logUpToDate
      if (state.votedId !== null) return state.votedId === candidateId
      if (state.leaderId !== null) return false
      return logUpToDate
  }
}

/** QuorumState.randomElectionTimeoutMs: the election timeout plus a random amount up to it. */
export function randomElectionTimeoutMs(config: RaftConfig, draw: number): number {
  return config.electionTimeoutMs + Math.floor(draw * config.electionTimeoutMs)
}

/** KafkaRaftClient.binaryExponentialElectionBackoffMs: 100 ms times a random integer below 2^retries, capped. */
export function binaryExponentialElectionBackoffMs(config: RaftConfig, retries: number, draw: number): number {
  const bound = 2 << Math.min(20, retries - 1)
  return Math.min(RETRY_BACKOFF_BASE_MS * Math.floor(draw * bound), config.electionBackoffMaxMs)
}

/** KafkaRaftClient.strictExponentialElectionBackoffMs: the first preferred successor stands at once, the next after 100 ms, then 200 ms, ... */
export function strictExponentialElectionBackoffMs(config: RaftConfig, position: number, successors: number): number {
  if (position === 0) return 0
  if (position < 0 || position >= successors) return config.electionBackoffMaxMs
  return Math.min(config.electionBackoffMaxMs, RETRY_BACKOFF_BASE_MS * 2 ** (position - 1))
}
