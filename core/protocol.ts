// The requests and responses nodes exchange, after Kafka's protocol
// (clients/src/main/resources/common/message/*.json), trimmed to the fields the sandbox
// models. Every request carries a correlation id that its response echoes, as on a real
// connection. Error codes are Kafka's names (core/errors.ts).

import type { ErrorName } from './errors.ts'
import type { LeaderRecoveryState, MetadataLogEntry } from './metadata/records.ts'
import type { NodeContext } from './node.ts'
import type { CompressionType, ProducerRecord, RecordBatch } from './records.ts'

/** replicaId of a consumer's Fetch (FetchRequest.CONSUMER_REPLICA_ID). */
export const CONSUMER_REPLICA_ID = -1

// --- Produce -------------------------------------------------------------------------

export interface ProducePartitionData {
  topic: string
  partition: number
  records: readonly ProducerRecord[]
  producerId: number
  producerEpoch: number
  baseSequence: number
  /** The codec the producer compressed the batch with (compression.type); none when absent. */
  compression?: CompressionType
}

export interface ProduceRequest {
  type: 'Produce'
  correlationId: number
  /** -1 (all), 0 or 1; anything else is INVALID_REQUIRED_ACKS. */
  acks: number
  timeoutMs: number
  partitions: readonly ProducePartitionData[]
}

export interface ProducePartitionResponse {
  topic: string
  partition: number
  errorCode: ErrorName
  /** The first offset of the appended batch, -1 on error. */
  baseOffset: number
  logStartOffset: number
  errorMessage?: string
}

export interface ProduceResponse {
  type: 'ProduceResponse'
  correlationId: number
  partitions: readonly ProducePartitionResponse[]
}

// --- Fetch ---------------------------------------------------------------------------

export interface FetchPartition {
  topic: string
  topicId: string
  partition: number
  fetchOffset: number
  /** The fetcher's view of the leader epoch, -1 if unknown (skips the check). */
  currentLeaderEpoch: number
  /** The epoch of the last batch the fetcher has, -1 if none: drives divergence detection. */
  lastFetchedEpoch: number
  logStartOffset: number
  partitionMaxBytes: number
}

export interface FetchRequest {
  type: 'Fetch'
  correlationId: number
  /** The fetching broker's id, or CONSUMER_REPLICA_ID for a client. */
  replicaId: number
  /** The fetching broker's epoch, -1 for a client. */
  replicaEpoch: number
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  partitions: readonly FetchPartition[]
}

export interface FetchPartitionResponse {
  topic: string
  topicId: string
  partition: number
  errorCode: ErrorName
  highWatermark: number
  logStartOffset: number
  /** Set when the fetcher's log diverged from the leader's: truncate, then fetch again. */
  divergingEpoch?: { epoch: number; endOffset: number }
  batches: readonly RecordBatch[]
}

export interface FetchResponse {
  type: 'FetchResponse'
  correlationId: number
  partitions: readonly FetchPartitionResponse[]
}

// --- Metadata (client view, served by any broker from its metadata image) ----------

export interface MetadataRequest {
  type: 'Metadata'
  correlationId: number
  /** null: every topic. */
  topics: readonly string[] | null
  /**
   * Whether the broker may create the named topics it lacks (auto.create.topics.enable permitting);
   * absent means false. Never applies to a request for every topic.
   */
  allowAutoTopicCreation?: boolean
}

export interface MetadataPartition {
  partition: number
  errorCode: ErrorName
  leaderId: number
  leaderEpoch: number
  replicas: readonly number[]
  isr: readonly number[]
  offlineReplicas: readonly number[]
}

export interface MetadataTopic {
  name: string
  topicId: string
  errorCode: ErrorName
  partitions: readonly MetadataPartition[]
}

export interface MetadataResponse {
  type: 'MetadataResponse'
  correlationId: number
  brokers: readonly number[]
  controllerId: string
  topics: readonly MetadataTopic[]
}

// --- Broker <-> controller -----------------------------------------------------------

export interface BrokerRegistrationRequest {
  type: 'BrokerRegistration'
  correlationId: number
  brokerId: number
  incarnationId: string
}

export interface BrokerRegistrationResponse {
  type: 'BrokerRegistrationResponse'
  correlationId: number
  errorCode: ErrorName
  brokerEpoch: number
}

export interface BrokerHeartbeatRequest {
  type: 'BrokerHeartbeat'
  correlationId: number
  brokerId: number
  brokerEpoch: number
  /** The offset of the last metadata record the broker has replayed. */
  currentMetadataOffset: number
  wantFence: boolean
}

export interface BrokerHeartbeatResponse {
  type: 'BrokerHeartbeatResponse'
  correlationId: number
  errorCode: ErrorName
  isCaughtUp: boolean
  isFenced: boolean
}

/** A broker reading the metadata log as an observer (KRaft's Fetch on __cluster_metadata). */
export interface MetadataFetchRequest {
  type: 'MetadataFetch'
  correlationId: number
  brokerId: number
  /** The next offset the broker wants. */
  fetchOffset: number
  maxWaitMs: number
}

export interface MetadataFetchResponse {
  type: 'MetadataFetchResponse'
  correlationId: number
  entries: readonly MetadataLogEntry[]
  /** The committed end of the metadata log. */
  highWatermark: number
}

export interface AlterPartitionItem {
  topicId: string
  partition: number
  leaderEpoch: number
  partitionEpoch: number
  /** Each member with the broker epoch its last fetch carried (-1 if unknown). */
  newIsr: readonly { brokerId: number; brokerEpoch: number }[]
  leaderRecoveryState: LeaderRecoveryState
}

/** A leader asking the controller to change ISRs; all its pending changes in one request. */
export interface AlterPartitionRequest {
  type: 'AlterPartition'
  correlationId: number
  brokerId: number
  brokerEpoch: number
  partitions: readonly AlterPartitionItem[]
}

export interface AlterPartitionItemResponse {
  topicId: string
  partition: number
  errorCode: ErrorName
  leaderId: number
  leaderEpoch: number
  isr: readonly number[]
  partitionEpoch: number
  leaderRecoveryState: LeaderRecoveryState
}

export interface AlterPartitionResponse {
  type: 'AlterPartitionResponse'
  correlationId: number
  /** A whole-request error (STALE_BROKER_EPOCH), else NONE with per-partition results. */
  errorCode: ErrorName
  partitions: readonly AlterPartitionItemResponse[]
}

// --- ListOffsets (clients find where a partition starts and ends) ----------------------

/** ListOffsets' special timestamps (ListOffsetsRequest.EARLIEST_TIMESTAMP / LATEST_TIMESTAMP). */
export const EARLIEST_TIMESTAMP = -2
export const LATEST_TIMESTAMP = -1

export interface ListOffsetsPartition {
  topic: string
  partition: number
  currentLeaderEpoch: number
  /** EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, or a record timestamp to look up. */
  timestamp: number
}

export interface ListOffsetsRequest {
  type: 'ListOffsets'
  correlationId: number
  partitions: readonly ListOffsetsPartition[]
}

export interface ListOffsetsPartitionResponse {
  topic: string
  partition: number
  errorCode: ErrorName
  /** -1 when there is no such offset (a timestamp later than every record). */
  offset: number
  timestamp: number
  leaderEpoch: number
}

export interface ListOffsetsResponse {
  type: 'ListOffsetsResponse'
  correlationId: number
  partitions: readonly ListOffsetsPartitionResponse[]
}

// --- Producer ids (idempotence) ---------------------------------------------------------

/** A producer asking any broker for a producer id (no transactional id: idempotence only). */
export interface InitProducerIdRequest {
  type: 'InitProducerId'
  correlationId: number
  transactionalId: null
}

export interface InitProducerIdResponse {
  type: 'InitProducerIdResponse'
  correlationId: number
  errorCode: ErrorName
  producerId: number
  producerEpoch: number
}

/** A broker asking the controller for a block of producer ids to hand out. */
export interface AllocateProducerIdsRequest {
  type: 'AllocateProducerIds'
  correlationId: number
  brokerId: number
  brokerEpoch: number
}

export interface AllocateProducerIdsResponse {
  type: 'AllocateProducerIdsResponse'
  correlationId: number
  errorCode: ErrorName
  producerIdStart: number
  producerIdLen: number
}


// --- Topic auto-creation (a broker asking the controller, as AutoTopicCreationManager does) -----

export interface CreatableTopic {
  name: string
  numPartitions: number
  replicationFactor: number
  configs: Record<string, string>
}

export interface CreateTopicsRequest {
  type: 'CreateTopics'
  correlationId: number
  topics: readonly CreatableTopic[]
}

export interface CreateTopicsResponse {
  type: 'CreateTopicsResponse'
  correlationId: number
  topics: readonly { name: string; errorCode: ErrorName; errorMessage?: string }[]
}

// --- Consumer groups, classic protocol (FindCoordinator ... ListGroups) -----------------------

/** FindCoordinatorRequest.CoordinatorType.GROUP: the only key type the sandbox models. */
export interface FindCoordinatorRequest {
  type: 'FindCoordinator'
  correlationId: number
  /** The group id. */
  key: string
}

export interface FindCoordinatorResponse {
  type: 'FindCoordinatorResponse'
  correlationId: number
  errorCode: ErrorName
  /** The coordinator's broker id, -1 on error. */
  nodeId: number
  errorMessage?: string
}

/** JoinGroupRequest.UNKNOWN_MEMBER_ID and UNKNOWN_GENERATION_ID. */
export const UNKNOWN_MEMBER_ID = ''
export const UNKNOWN_GENERATION_ID = -1

/**
 * One assignor a member supports, in its order of preference. Kafka carries the consumer's
 * Subscription serialized in `metadata`; here it is the plain object, opaque to the broker.
 */
export interface JoinGroupProtocol {
  name: string
  metadata: unknown
}

export interface JoinGroupRequest {
  type: 'JoinGroup'
  correlationId: number
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  groupInstanceId: string | null
  /** "consumer" for a KafkaConsumer. */
  protocolType: string
  protocols: readonly JoinGroupProtocol[]
  clientId: string
  /** A human-readable reason, as KIP-800 added to JoinGroup and LeaveGroup. */
  reason?: string
}

export interface JoinGroupResponseMember {
  memberId: string
  groupInstanceId: string | null
  metadata: unknown
}

export interface JoinGroupResponse {
  type: 'JoinGroupResponse'
  correlationId: number
  errorCode: ErrorName
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  /** True when a static member rejoined a Stable group and no rebalance was needed (KIP-814). */
  skipAssignment: boolean
  memberId: string
  /** Every member's metadata, for the leader only; empty for the others. */
  members: readonly JoinGroupResponseMember[]
}

export interface SyncGroupAssignment {
  memberId: string
  assignment: unknown
}

export interface SyncGroupRequest {
  type: 'SyncGroup'
  correlationId: number
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string | null
  protocolName: string | null
  /** Only the leader sends assignments. */
  assignments: readonly SyncGroupAssignment[]
}

export interface SyncGroupResponse {
  type: 'SyncGroupResponse'
  correlationId: number
  errorCode: ErrorName
  protocolType: string | null
  protocolName: string | null
  /** This member's assignment (the consumer's Assignment), null on error. */
  assignment: unknown
}

export interface HeartbeatRequest {
  type: 'Heartbeat'
  correlationId: number
  groupId: string
  generationId: number
  memberId: string
  groupInstanceId: string | null
}

export interface HeartbeatResponse {
  type: 'HeartbeatResponse'
  correlationId: number
  errorCode: ErrorName
}

export interface LeaveGroupRequest {
  type: 'LeaveGroup'
  correlationId: number
  groupId: string
  members: readonly { memberId: string; groupInstanceId: string | null; reason?: string }[]
}

export interface LeaveGroupResponse {
  type: 'LeaveGroupResponse'
  correlationId: number
  errorCode: ErrorName
  members: readonly { memberId: string; groupInstanceId: string | null; errorCode: ErrorName }[]
}

export interface OffsetCommitPartition {
  topic: string
  partition: number
  committedOffset: number
  /** The leader epoch of the last consumed record, -1 if unknown. */
  committedLeaderEpoch: number
  committedMetadata: string
}

export interface OffsetCommitRequest {
  type: 'OffsetCommit'
  correlationId: number
  groupId: string
  /** -1 with memberId "" for a consumer outside group management (manual assignment). */
  generationIdOrMemberEpoch: number
  memberId: string
  groupInstanceId: string | null
  partitions: readonly OffsetCommitPartition[]
}

export interface OffsetCommitResponse {
  type: 'OffsetCommitResponse'
  correlationId: number
  partitions: readonly { topic: string; partition: number; errorCode: ErrorName }[]
}

export interface OffsetFetchRequest {
  type: 'OffsetFetch'
  correlationId: number
  groupId: string
  /** null: every partition the group has an offset for. */
  partitions: readonly { topic: string; partition: number }[] | null
  /**
   * OffsetFetch v9: a consumer-protocol member sends its id and epoch (checked against the
   * group: UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH); absent or -1 for anyone else (admin tools).
   */
  memberId?: string
  memberEpoch?: number
}

export interface OffsetFetchPartitionResponse {
  topic: string
  partition: number
  /** -1 when the group has no offset for the partition. */
  committedOffset: number
  committedLeaderEpoch: number
  metadata: string
  errorCode: ErrorName
}

export interface OffsetFetchResponse {
  type: 'OffsetFetchResponse'
  correlationId: number
  /** A group-level error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...). */
  errorCode: ErrorName
  partitions: readonly OffsetFetchPartitionResponse[]
}

export interface DescribeGroupsRequest {
  type: 'DescribeGroups'
  correlationId: number
  groups: readonly string[]
}

export interface DescribedGroupMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  /** The member's Subscription for the group's protocol. */
  memberMetadata: unknown
  memberAssignment: unknown
}

export interface DescribedGroup {
  groupId: string
  errorCode: ErrorName
  /** Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  groupState: string
  protocolType: string
  protocolData: string
  members: readonly DescribedGroupMember[]
}

export interface DescribeGroupsResponse {
  type: 'DescribeGroupsResponse'
  correlationId: number
  groups: readonly DescribedGroup[]
}

export interface ListGroupsRequest {
  type: 'ListGroups'
  correlationId: number
}

export interface ListGroupsResponse {
  type: 'ListGroupsResponse'
  correlationId: number
  errorCode: ErrorName
  groups: readonly { groupId: string; protocolType: string; groupState: string }[]
}

/**
 * DeleteGroupsRequest: sent to the coordinator of each group (the admin client groups the ids
 * by coordinator). Each group gets its own error in the response (DeleteGroupsResponse.results).
 */
export interface DeleteGroupsRequest {
  type: 'DeleteGroups'
  correlationId: number
  groupIds: readonly string[]
}

export interface DeleteGroupsResponse {
  type: 'DeleteGroupsResponse'
  correlationId: number
  results: readonly { groupId: string; errorCode: ErrorName }[]
}

// --- Consumer groups, the consumer protocol (KIP-848) ----------------------------------

/**
 * ConsumerGroupHeartbeatRequest (v1, Kafka 4.0): the member's only group request. A null field
 * means "unchanged since the last heartbeat"; the sandbox's client sends the owned partitions
 * every time. memberEpoch 0 joins, -1 leaves, -2 leaves as a static member that will come back
 * (ConsumerGroupHeartbeatRequest.JOIN_GROUP_MEMBER_EPOCH, LEAVE_GROUP_MEMBER_EPOCH,
 * LEAVE_GROUP_STATIC_MEMBER_EPOCH).
 */
export interface ConsumerGroupHeartbeatRequest {
  type: 'ConsumerGroupHeartbeat'
  correlationId: number
  groupId: string
  /** Chosen by the client (a Uuid), KIP-1082. */
  memberId: string
  memberEpoch: number
  instanceId: string | null
  rackId: string | null
  /** max.poll.interval.ms, or -1 if unchanged. */
  rebalanceTimeoutMs: number
  subscribedTopicNames: readonly string[] | null
  /** group.remote.assignor, or null (the broker's first group.consumer.assignors). */
  serverAssignor: string | null
  /** The partitions the member owns now, or null if unchanged. */
  topicPartitions: readonly { topic: string; partition: number }[] | null
  clientId: string
}

export const JOIN_GROUP_MEMBER_EPOCH = 0
export const LEAVE_GROUP_MEMBER_EPOCH = -1
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2

export interface ConsumerGroupHeartbeatResponse {
  type: 'ConsumerGroupHeartbeatResponse'
  correlationId: number
  errorCode: ErrorName
  errorMessage: string | null
  memberId: string | null
  memberEpoch: number
  /** group.consumer.heartbeat.interval.ms: the broker sets the member's heartbeat interval. */
  heartbeatIntervalMs: number
  /** The partitions the member may own now, or null if unchanged. */
  assignment: { topicPartitions: readonly { topic: string; partition: number }[] } | null
}

export type GroupRequest =
  | FindCoordinatorRequest
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | OffsetCommitRequest
  | OffsetFetchRequest
  | DescribeGroupsRequest
  | ListGroupsRequest
  | DeleteGroupsRequest
  | ConsumerGroupHeartbeatRequest

export type GroupResponse =
  | FindCoordinatorResponse
  | JoinGroupResponse
  | SyncGroupResponse
  | HeartbeatResponse
  | LeaveGroupResponse
  | OffsetCommitResponse
  | OffsetFetchResponse
  | DescribeGroupsResponse
  | ListGroupsResponse
  | DeleteGroupsResponse
  | ConsumerGroupHeartbeatResponse

export type Request =
  | GroupRequest
  | CreateTopicsRequest
  | ProduceRequest
  | ListOffsetsRequest
  | InitProducerIdRequest
  | AllocateProducerIdsRequest
  | FetchRequest
  | MetadataRequest
  | BrokerRegistrationRequest
  | BrokerHeartbeatRequest
  | MetadataFetchRequest
  | AlterPartitionRequest

export type Response =
  | GroupResponse
  | CreateTopicsResponse
  | ProduceResponse
  | ListOffsetsResponse
  | InitProducerIdResponse
  | AllocateProducerIdsResponse
  | FetchResponse
  | MetadataResponse
  | BrokerRegistrationResponse
  | BrokerHeartbeatResponse
  | MetadataFetchResponse
  | AlterPartitionResponse

export type KafkaMessage = Request | Response

/**
 * Where a process starts numbering its requests' correlation ids: a random point drawn
 * from its own stream. On a real network a late answer to a previous incarnation's
 * request arrives on a connection that is gone; here it reaches the node by id, so a new
 * incarnation must not reuse the ids its previous life had in flight.
 */
export function firstCorrelationId(ctx: NodeContext): number {
  return Math.floor(ctx.random() * 2 ** 52)
}
