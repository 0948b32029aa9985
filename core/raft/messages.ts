// KRaft's Raft RPCs (KIP-595, KIP-996), reduced to the fields the protocol's rules read.
// Kafka's schemas: clients/src/main/resources/common/message/{Vote,BeginQuorumEpoch,
// EndQuorumEpoch,Fetch,FetchSnapshot}{Request,Response}.json. Every response carries the
// responder's epoch and the leader it knows, which is how replicas discover elections
// (KafkaRaftClient.maybeHandleCommonResponse).

import type { NodeId } from '../node.ts'
import type { RaftEntry, SnapshotId, RaftSnapshot } from './log.ts'

/** The errors the Raft RPCs answer with (Kafka's Errors names). */
export type RaftError = 'NONE' | 'FENCED_LEADER_EPOCH' | 'NOT_LEADER_OR_FOLLOWER' | 'UNKNOWN_LEADER_EPOCH' | 'SNAPSHOT_NOT_FOUND'

interface ResponseCommon {
  readonly correlationId: number
  readonly error: RaftError
  /** The responder's epoch. */
  readonly epoch: number
  /** The leader of that epoch as the responder knows it, or null. */
  readonly leaderId: NodeId | null
}

/** VoteRequest: `preVote` asks "would you vote for me?" without anyone changing epoch (KIP-996). */
export interface VoteRequest {
  readonly type: 'raft.vote'
  readonly correlationId: number
  /** The candidate's epoch; for a pre-vote, the prospective's current epoch (not bumped). */
  readonly epoch: number
  readonly candidateId: NodeId
  readonly lastEpoch: number
  readonly endOffset: number
  readonly preVote: boolean
}
export interface VoteResponse extends ResponseCommon {
  readonly type: 'raft.vote-response'
  readonly voteGranted: boolean
  readonly preVote: boolean
}

export interface BeginQuorumEpochRequest {
  readonly type: 'raft.begin-quorum-epoch'
  readonly correlationId: number
  readonly epoch: number
  readonly leaderId: NodeId
}
export interface BeginQuorumEpochResponse extends ResponseCommon {
  readonly type: 'raft.begin-quorum-epoch-response'
}

/** Sent by a leader that resigns; the successors are in the order they should stand. */
export interface EndQuorumEpochRequest {
  readonly type: 'raft.end-quorum-epoch'
  readonly correlationId: number
  readonly epoch: number
  readonly leaderId: NodeId
  readonly preferredSuccessors: readonly NodeId[]
}
export interface EndQuorumEpochResponse extends ResponseCommon {
  readonly type: 'raft.end-quorum-epoch-response'
}

export interface FetchRequest {
  readonly type: 'raft.fetch'
  readonly correlationId: number
  readonly replicaId: NodeId
  /** The fetcher's epoch (FetchPartition.CurrentLeaderEpoch). */
  readonly epoch: number
  /** The fetcher's log end offset: everything before it is on its disk. */
  readonly fetchOffset: number
  /** The epoch of the fetcher's last entry (or of its snapshot, or 0). */
  readonly lastFetchedEpoch: number
  /** The fetcher's high watermark, or -1: the leader answers at once when its own is ahead. */
  readonly highWatermark: number
  readonly maxWaitMs: number
}
export interface FetchResponse<T> extends ResponseCommon {
  readonly type: 'raft.fetch-response'
  readonly highWatermark: number
  readonly logStartOffset: number
  readonly entries: readonly RaftEntry<T>[]
  /** Set when the fetcher's log diverges: the end offset of the largest epoch <= lastFetchedEpoch. */
  readonly divergingEpoch: { readonly epoch: number; readonly endOffset: number } | null
  /** Set when the fetch offset is below the log start: fetch this snapshot. */
  readonly snapshotId: SnapshotId | null
}

export interface FetchSnapshotRequest {
  readonly type: 'raft.fetch-snapshot'
  readonly correlationId: number
  readonly replicaId: NodeId
  readonly epoch: number
  readonly snapshotId: SnapshotId
}
export interface FetchSnapshotResponse<S> extends ResponseCommon {
  readonly type: 'raft.fetch-snapshot-response'
  readonly snapshot: RaftSnapshot<S> | null
}

export type RaftRequest = VoteRequest | BeginQuorumEpochRequest | EndQuorumEpochRequest | FetchRequest | FetchSnapshotRequest
export type RaftResponse<T, S> =
  | VoteResponse
  | BeginQuorumEpochResponse
  | EndQuorumEpochResponse
  | FetchResponse<T>
  | FetchSnapshotResponse<S>
export type RaftMessage<T = unknown, S = unknown> = RaftRequest | RaftResponse<T, S>

const RAFT_MESSAGE_TYPES = new Set<string>([
  'raft.vote',
  'raft.vote-response',
  'raft.begin-quorum-epoch',
  'raft.begin-quorum-epoch-response',
  'raft.end-quorum-epoch',
  'raft.end-quorum-epoch-response',
  'raft.fetch',
  'raft.fetch-response',
  'raft.fetch-snapshot',
  'raft.fetch-snapshot-response',
])

/** Whether a message belongs to the Raft protocol (a host routes those to its RaftNode). */
export function isRaftMessage(message: { readonly type: string }): message is RaftMessage {
  return RAFT_MESSAGE_TYPES.has(message.type)
}
