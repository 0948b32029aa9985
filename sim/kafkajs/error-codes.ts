// What KafkaJS 2.2.4 knows of each Kafka error code the sandbox can produce: its `type`
// (KafkaJS keeps some pre-2.x names, e.g. NOT_LEADER_FOR_PARTITION for code 6,
// GROUP_COORDINATOR_NOT_AVAILABLE for 15), whether it retries it, and its message
// (kafkajs src/protocol/error.js, errorCodes and createErrorFromCode). Keyed by the
// sandbox's error names (core/errors.ts). A test compares every entry with the kafkajs
// package.

import { ERROR_CODES, type ErrorName } from '../../core/errors.ts'

export interface KafkaJsErrorCode {
  readonly type: string
  readonly code: number
  readonly retriable: boolean
  readonly message: string
}

const KAFKAJS_ERROR_CODES: Partial<Record<ErrorName, KafkaJsErrorCode>> = {
  UNKNOWN_SERVER_ERROR: { type: "UNKNOWN", code: -1, retriable: false, message: "The server experienced an unexpected error when processing the request" },
  OFFSET_OUT_OF_RANGE: { type: "OFFSET_OUT_OF_RANGE", code: 1, retriable: false, message: "The requested offset is not within the range of offsets maintained by the server" },
  CORRUPT_MESSAGE: { type: "CORRUPT_MESSAGE", code: 2, retriable: true, message: "This message has failed its CRC checksum, exceeds the valid size, or is otherwise corrupt" },
  UNKNOWN_TOPIC_OR_PARTITION: { type: "UNKNOWN_TOPIC_OR_PARTITION", code: 3, retriable: true, message: "This server does not host this topic-partition" },
  LEADER_NOT_AVAILABLE: { type: "LEADER_NOT_AVAILABLE", code: 5, retriable: true, message: "There is no leader for this topic-partition as we are in the middle of a leadership election" },
  NOT_LEADER_OR_FOLLOWER: { type: "NOT_LEADER_FOR_PARTITION", code: 6, retriable: true, message: "This server is not the leader for that topic-partition" },
  REQUEST_TIMED_OUT: { type: "REQUEST_TIMED_OUT", code: 7, retriable: true, message: "The request timed out" },
  BROKER_NOT_AVAILABLE: { type: "BROKER_NOT_AVAILABLE", code: 8, retriable: false, message: "The broker is not available" },
  REPLICA_NOT_AVAILABLE: { type: "REPLICA_NOT_AVAILABLE", code: 9, retriable: true, message: "The replica is not available for the requested topic-partition" },
  MESSAGE_TOO_LARGE: { type: "MESSAGE_TOO_LARGE", code: 10, retriable: false, message: "The request included a message larger than the max message size the server will accept" },
  OFFSET_METADATA_TOO_LARGE: { type: "OFFSET_METADATA_TOO_LARGE", code: 12, retriable: false, message: "The metadata field of the offset request was too large" },
  NETWORK_EXCEPTION: { type: "NETWORK_EXCEPTION", code: 13, retriable: true, message: "The server disconnected before a response was received" },
  COORDINATOR_LOAD_IN_PROGRESS: { type: "GROUP_LOAD_IN_PROGRESS", code: 14, retriable: true, message: "The coordinator is loading and hence can't process requests for this group" },
  COORDINATOR_NOT_AVAILABLE: { type: "GROUP_COORDINATOR_NOT_AVAILABLE", code: 15, retriable: true, message: "The group coordinator is not available" },
  NOT_COORDINATOR: { type: "NOT_COORDINATOR_FOR_GROUP", code: 16, retriable: true, message: "This is not the correct coordinator for this group" },
  INVALID_TOPIC_EXCEPTION: { type: "INVALID_TOPIC_EXCEPTION", code: 17, retriable: false, message: "The request attempted to perform an operation on an invalid topic" },
  RECORD_LIST_TOO_LARGE: { type: "RECORD_LIST_TOO_LARGE", code: 18, retriable: false, message: "The request included message batch larger than the configured segment size on the server" },
  NOT_ENOUGH_REPLICAS: { type: "NOT_ENOUGH_REPLICAS", code: 19, retriable: true, message: "Messages are rejected since there are fewer in-sync replicas than required" },
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: { type: "NOT_ENOUGH_REPLICAS_AFTER_APPEND", code: 20, retriable: true, message: "Messages are written to the log, but to fewer in-sync replicas than required" },
  INVALID_REQUIRED_ACKS: { type: "INVALID_REQUIRED_ACKS", code: 21, retriable: false, message: "Produce request specified an invalid value for required acks" },
  ILLEGAL_GENERATION: { type: "ILLEGAL_GENERATION", code: 22, retriable: false, message: "Specified group generation id is not valid" },
  INCONSISTENT_GROUP_PROTOCOL: { type: "INCONSISTENT_GROUP_PROTOCOL", code: 23, retriable: false, message: "The group member's supported protocols are incompatible with those of existing members" },
  INVALID_GROUP_ID: { type: "INVALID_GROUP_ID", code: 24, retriable: false, message: "The configured groupId is invalid" },
  UNKNOWN_MEMBER_ID: { type: "UNKNOWN_MEMBER_ID", code: 25, retriable: false, message: "The coordinator is not aware of this member" },
  INVALID_SESSION_TIMEOUT: { type: "INVALID_SESSION_TIMEOUT", code: 26, retriable: false, message: "The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms)" },
  REBALANCE_IN_PROGRESS: { type: "REBALANCE_IN_PROGRESS", code: 27, retriable: false, message: "The group is rebalancing, so a rejoin is needed" },
  INVALID_COMMIT_OFFSET_SIZE: { type: "INVALID_COMMIT_OFFSET_SIZE", code: 28, retriable: false, message: "The committing offset data size is not valid" },
  UNSUPPORTED_VERSION: { type: "UNSUPPORTED_VERSION", code: 35, retriable: false, message: "The version of API is not supported" },
  TOPIC_ALREADY_EXISTS: { type: "TOPIC_ALREADY_EXISTS", code: 36, retriable: false, message: "Topic with this name already exists" },
  INVALID_PARTITIONS: { type: "INVALID_PARTITIONS", code: 37, retriable: false, message: "Number of partitions is invalid" },
  INVALID_REPLICATION_FACTOR: { type: "INVALID_REPLICATION_FACTOR", code: 38, retriable: false, message: "Replication-factor is invalid" },
  INVALID_REPLICA_ASSIGNMENT: { type: "INVALID_REPLICA_ASSIGNMENT", code: 39, retriable: false, message: "Replica assignment is invalid" },
  INVALID_CONFIG: { type: "INVALID_CONFIG", code: 40, retriable: false, message: "Configuration is invalid" },
  NOT_CONTROLLER: { type: "NOT_CONTROLLER", code: 41, retriable: true, message: "This is not the correct controller for this cluster" },
  INVALID_REQUEST: { type: "INVALID_REQUEST", code: 42, retriable: false, message: "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details" },
  POLICY_VIOLATION: { type: "POLICY_VIOLATION", code: 44, retriable: false, message: "Request parameters do not satisfy the configured policy" },
  OUT_OF_ORDER_SEQUENCE_NUMBER: { type: "OUT_OF_ORDER_SEQUENCE_NUMBER", code: 45, retriable: false, message: "The broker received an out of order sequence number" },
  DUPLICATE_SEQUENCE_NUMBER: { type: "DUPLICATE_SEQUENCE_NUMBER", code: 46, retriable: false, message: "The broker received a duplicate sequence number" },
  INVALID_PRODUCER_EPOCH: { type: "INVALID_PRODUCER_EPOCH", code: 47, retriable: false, message: "Producer attempted an operation with an old epoch. Either there is a newer producer with the same transactionalId, or the producer's transaction has been expired by the broker" },
  KAFKA_STORAGE_ERROR: { type: "KAFKA_STORAGE_ERROR", code: 56, retriable: true, message: "Disk error when trying to access log file on the disk" },
  UNKNOWN_PRODUCER_ID: { type: "UNKNOWN_PRODUCER_ID", code: 59, retriable: false, message: "This exception is raised by the broker if it could not locate the producer metadata associated with the producerId in question. This could happen if, for instance, the producer's records were deleted because their retention time had elapsed. Once the last records of the producerId are removed, the producer's metadata is removed from the broker, and future appends by the producer will return this exception" },
  REASSIGNMENT_IN_PROGRESS: { type: "REASSIGNMENT_IN_PROGRESS", code: 60, retriable: false, message: "A partition reassignment is in progress" },
  NON_EMPTY_GROUP: { type: "NON_EMPTY_GROUP", code: 68, retriable: false, message: "The group is not empty" },
  GROUP_ID_NOT_FOUND: { type: "GROUP_ID_NOT_FOUND", code: 69, retriable: false, message: "The group id was not found" },
  FENCED_LEADER_EPOCH: { type: "FENCED_LEADER_EPOCH", code: 74, retriable: true, message: "The leader epoch in the request is older than the epoch on the broker" },
  UNKNOWN_LEADER_EPOCH: { type: "UNKNOWN_LEADER_EPOCH", code: 75, retriable: true, message: "The leader epoch in the request is newer than the epoch on the broker" },
  STALE_BROKER_EPOCH: { type: "STALE_BROKER_EPOCH", code: 77, retriable: false, message: "Broker epoch has changed" },
  OFFSET_NOT_AVAILABLE: { type: "OFFSET_NOT_AVAILABLE", code: 78, retriable: true, message: "The leader high watermark has not caught up from a recent leader election so the offsets cannot be guaranteed to be monotonically increasing" },
  MEMBER_ID_REQUIRED: { type: "MEMBER_ID_REQUIRED", code: 79, retriable: false, message: "The group member needs to have a valid member id before actually entering a consumer group" },
  PREFERRED_LEADER_NOT_AVAILABLE: { type: "PREFERRED_LEADER_NOT_AVAILABLE", code: 80, retriable: true, message: "The preferred leader was not available" },
  GROUP_MAX_SIZE_REACHED: { type: "GROUP_MAX_SIZE_REACHED", code: 81, retriable: false, message: "The consumer group has reached its max size. It already has the configured maximum number of members" },
  FENCED_INSTANCE_ID: { type: "FENCED_INSTANCE_ID", code: 82, retriable: false, message: "The broker rejected this static consumer since another consumer with the same group instance id has registered with a different member id" },
  ELIGIBLE_LEADERS_NOT_AVAILABLE: { type: "ELIGIBLE_LEADERS_NOT_AVAILABLE", code: 83, retriable: true, message: "Eligible topic partition leaders are not available" },
  ELECTION_NOT_NEEDED: { type: "ELECTION_NOT_NEEDED", code: 84, retriable: true, message: "Leader election not needed for topic partition" },
  NO_REASSIGNMENT_IN_PROGRESS: { type: "NO_REASSIGNMENT_IN_PROGRESS", code: 85, retriable: false, message: "No partition reassignment is in progress" },
  INVALID_RECORD: { type: "INVALID_RECORD", code: 87, retriable: false, message: "This record has failed the validation on broker and hence be rejected" },
  UNSTABLE_OFFSET_COMMIT: { type: "UNSTABLE_OFFSET_COMMIT", code: 88, retriable: true, message: "There are unstable offsets that need to be cleared" },
  // INVALID_UPDATE_VERSION (95): KafkaJS 2.2.4 has no entry
  // UNKNOWN_TOPIC_ID (100): KafkaJS 2.2.4 has no entry
  // DUPLICATE_BROKER_REGISTRATION (101): KafkaJS 2.2.4 has no entry
  // BROKER_ID_NOT_REGISTERED (102): KafkaJS 2.2.4 has no entry
  // INELIGIBLE_REPLICA (107): KafkaJS 2.2.4 has no entry
  // NEW_LEADER_ELECTED (108): KafkaJS 2.2.4 has no entry
  // FENCED_MEMBER_EPOCH (110): KafkaJS 2.2.4 has no entry
  // UNRELEASED_INSTANCE_ID (111): KafkaJS 2.2.4 has no entry
  // UNSUPPORTED_ASSIGNOR (112): KafkaJS 2.2.4 has no entry
  // STALE_MEMBER_EPOCH (113): KafkaJS 2.2.4 has no entry
}

/**
 * KafkaJS's view of a sandbox error name: its table entry, or, for a code KafkaJS 2.2.4
 * does not know, what createErrorFromCode makes of it (type KAFKAJS_UNKNOWN_ERROR_CODE).
 */
export function kafkaJsErrorCode(name: ErrorName): KafkaJsErrorCode {
  return KAFKAJS_ERROR_CODES[name] ?? { type: 'KAFKAJS_UNKNOWN_ERROR_CODE', code: -99, retriable: false, message: `Unknown error code ${ERROR_CODES[name]}` }
}
