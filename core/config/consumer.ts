// The consumer configs the sandbox models, with Kafka 4.0's types, defaults and
// validators. Each default was checked in Apache Kafka's source; the comment beside it
// names the constant or the ConfigDef entry. The classes live at (paths in apache/kafka):
//   ConsumerConfig       clients/src/main/java/org/apache/kafka/clients/consumer/ConsumerConfig.java
//                        (the static CONFIG block holds each define(name, type, default, validator))
//   CommonClientConfigs  clients/src/main/java/org/apache/kafka/clients/CommonClientConfigs.java
//   GroupRebalanceConfig clients/src/main/java/org/apache/kafka/clients/GroupRebalanceConfig.java
//   Heartbeat            clients/src/main/java/org/apache/kafka/clients/consumer/internals/Heartbeat.java
//   JoinGroupRequest     clients/src/main/java/org/apache/kafka/common/requests/JoinGroupRequest.java
//                        (validateGroupInstanceId)
// The checks across configs (auto commit without a group, the group protocol's own
// configs, heartbeat against session timeout) are in clients.ts.

import { COMMON_CLIENT_CONFIG_DEFS } from './common-client.ts'
import type { ConfigDef } from './types.ts'

/**
 * The built-in assignors: the name each one declares (ConsumerPartitionAssignor.name(),
 * e.g. RangeAssignor.RANGE_ASSIGNOR_NAME = "range") and its class, which is what Kafka's
 * partition.assignment.strategy holds. The sandbox takes either and keeps the short name.
 */
export const ASSIGNOR_CLASSES = {
  'range': 'org.apache.kafka.clients.consumer.RangeAssignor',
  'roundrobin': 'org.apache.kafka.clients.consumer.RoundRobinAssignor',
  'sticky': 'org.apache.kafka.clients.consumer.StickyAssignor',
  'cooperative-sticky': 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
} as const

export type AssignorName = keyof typeof ASSIGNOR_CLASSES

/** Longest group.instance.id (JoinGroupRequest.MAX_GROUP_INSTANCE_ID_LENGTH). */
export const GROUP_INSTANCE_ID_MAX_LENGTH = 249

export const CONSUMER_CONFIG_DEFS = {
  'client.id': {
    // Kafka names an unnamed consumer "consumer-<group.id>-<n>" (ConsumerConfig.maybeOverrideClientId);
    // the sandbox names its clients itself.
    type: 'string', default: '', // ConsumerConfig CONFIG: define(CLIENT_ID_CONFIG, STRING, "")
    doc: 'A name the consumer sends with every request, for the broker\'s logs and quotas.',
  },

  // The group.
  'group.id': {
    // The consumer refuses "" (ClassicKafkaConsumer: InvalidGroupIdException); checked in clients.ts.
    type: 'string', default: null, // ConsumerConfig CONFIG: define(GROUP_ID_CONFIG, STRING, null), no validator
    doc: 'The consumer group to join and commit offsets for; null for a consumer outside any group.',
  },
  'group.instance.id': {
    // NonEmptyString, then JoinGroupRequest.validateGroupInstanceId (checked in clients.ts).
    type: 'string', default: null, // ConsumerConfig CONFIG: define(GROUP_INSTANCE_ID_CONFIG, STRING, null, NonEmptyString)
    doc: 'Makes the consumer a static member (KIP-345): a restart within session.timeout.ms keeps its partitions.',
  },
  'group.protocol': {
    // CaseInsensitiveValidString: "CONSUMER" is taken too; the sandbox keeps the lower-case name.
    type: 'string', default: 'classic', // ConsumerConfig.DEFAULT_GROUP_PROTOCOL = GroupProtocol.CLASSIC, lower-cased
    validValues: ['classic', 'consumer'],
    doc: 'Group protocol: classic (JoinGroup/SyncGroup, client-side assignment) or consumer (KIP-848, broker-side).',
  },
  'group.remote.assignor': {
    // Used only with group.protocol=consumer (unused otherwise, as Kafka 4.0 leaves it); the broker refuses a
    // name not in its group.consumer.assignors (UNSUPPORTED_ASSIGNOR).
    type: 'string', default: null, // ConsumerConfig CONFIG: define(GROUP_REMOTE_ASSIGNOR_CONFIG, STRING, null)
    doc: 'The broker-side assignor (uniform, range) this member asks for with group.protocol=consumer; null takes the broker\'s default.',
  },
  'partition.assignment.strategy': {
    // Kafka's default is the classes [RangeAssignor, CooperativeStickyAssignor]; with group.protocol=consumer
    // the config may not be set at all (checked in clients.ts).
    type: 'list', default: ['range', 'cooperative-sticky'], // ConsumerConfig CONFIG: Arrays.asList(RangeAssignor.class, CooperativeStickyAssignor.class)
    validValues: ['range', 'roundrobin', 'sticky', 'cooperative-sticky'],
    doc: 'Assignors this member supports, by preference; the group uses the first one every member supports.',
  },
  'session.timeout.ms': {
    // No validator in Kafka; the broker bounds it by group.min/max.session.timeout.ms at JoinGroup.
    type: 'int', default: 45000, // ConsumerConfig CONFIG: define(SESSION_TIMEOUT_MS_CONFIG, INT, 45000), no validator
    min: 1, bounds: 'sandbox', unit: 'ms',
    doc: 'How long the group coordinator waits without a heartbeat before it removes the member.',
  },
  'heartbeat.interval.ms': {
    // No validator in Kafka; Heartbeat's constructor requires it < session.timeout.ms (checked in clients.ts).
    type: 'int', default: 3000, // ConsumerConfig CONFIG: define(HEARTBEAT_INTERVAL_MS_CONFIG, INT, 3000), no validator
    min: 1, bounds: 'sandbox', unit: 'ms',
    doc: 'How often the consumer heartbeats to the group coordinator; must be below session.timeout.ms.',
  },
  'max.poll.interval.ms': {
    type: 'int', default: 300000, // ConsumerConfig CONFIG: 300000, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'Longest gap between poll() calls before the member is considered failed and leaves the group.',
  },

  // Where to start, and committing.
  'auto.offset.reset': {
    // Kafka 4.0 also takes "by_duration:<ISO-8601 duration>" (KIP-1106), which the sandbox does not model.
    type: 'string', default: 'latest', // ConsumerConfig CONFIG: OffsetResetStrategy/AutoOffsetResetStrategy LATEST
    validValues: ['earliest', 'latest', 'none'],
    doc: 'Where to start when the group has no committed offset or it is out of range: earliest, latest or none (fail).',
  },
  'enable.auto.commit': {
    // Resolved to false when group.id is null and it is not set (ConsumerConfig.maybeOverrideEnableAutoCommit).
    type: 'boolean', default: true, // ConsumerConfig CONFIG: define(ENABLE_AUTO_COMMIT_CONFIG, BOOLEAN, true)
    doc: 'Commit the consumed offsets in the background every auto.commit.interval.ms (off without a group.id).',
  },
  'auto.commit.interval.ms': {
    type: 'int', default: 5000, // ConsumerConfig CONFIG: 5000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How often offsets are committed when enable.auto.commit is on.',
  },
  'isolation.level': {
    type: 'string', default: 'read_uncommitted', // ConsumerConfig.DEFAULT_ISOLATION_LEVEL, in(read_committed, read_uncommitted)
    validValues: ['read_uncommitted', 'read_committed'],
    doc: 'With read_committed, poll() reads only up to the last stable offset and skips aborted transactions.',
  },
  'allow.auto.create.topics': {
    type: 'boolean', default: true, // ConsumerConfig.DEFAULT_ALLOW_AUTO_CREATE_TOPICS
    doc: 'Let subscribing to a missing topic create it, if the broker allows (auto.create.topics.enable).',
  },

  // Fetching.
  'fetch.min.bytes': {
    type: 'int', default: 1, // ConsumerConfig.DEFAULT_FETCH_MIN_BYTES, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Bytes a fetch waits for before the broker answers (up to fetch.max.wait.ms).',
  },
  'fetch.max.wait.ms': {
    type: 'int', default: 500, // ConsumerConfig.DEFAULT_FETCH_MAX_WAIT_MS, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long the broker may hold a fetch waiting for fetch.min.bytes.',
  },
  'fetch.max.bytes': {
    type: 'int', default: 52428800, // ConsumerConfig.DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Bytes a fetch asks for across partitions (the first batch is returned even if larger).',
  },
  'max.partition.fetch.bytes': {
    type: 'int', default: 1048576, // ConsumerConfig.DEFAULT_MAX_PARTITION_FETCH_BYTES = 1 * 1024 * 1024, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Bytes a fetch asks for per partition (the first batch is returned even if larger).',
  },
  'max.poll.records': {
    type: 'int', default: 500, // ConsumerConfig.DEFAULT_MAX_POLL_RECORDS, atLeast(1)
    min: 1, bounds: 'kafka',
    doc: 'Most records one poll() returns.',
  },

  // Timeouts and retry timing.
  'request.timeout.ms': {
    type: 'int', default: 30000, // ConsumerConfig CONFIG: 30000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long the consumer waits for an answer to a request before retrying or failing it.',
  },
  'default.api.timeout.ms': {
    type: 'int', default: 60000, // ConsumerConfig CONFIG: 60 * 1000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'Timeout of consumer calls that take no timeout of their own (commitSync, position, ...).',
  },
  ...COMMON_CLIENT_CONFIG_DEFS,
  'metadata.max.age.ms': {
    type: 'long', default: 300000, // ConsumerConfig CONFIG: 5 * 60 * 1000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How often the consumer refreshes metadata even when nothing seems to have changed.',
  },
} as const satisfies Record<string, ConfigDef>

export type ConsumerConfigName = keyof typeof CONSUMER_CONFIG_DEFS
