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

export type Request =
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
