// The broker (cluster-wide) configs the sandbox models, with Kafka 4.0's types, defaults
// and validators. Each default was checked in Apache Kafka's source; the comment beside
// it names the constant. The classes live at (paths in apache/kafka):
//   KRaftConfigs        server/src/main/java/org/apache/kafka/server/config/KRaftConfigs.java
//   ReplicationConfigs  server/src/main/java/org/apache/kafka/server/config/ReplicationConfigs.java
//   ServerConfigs       server/src/main/java/org/apache/kafka/server/config/ServerConfigs.java
//   ServerLogConfigs    server-common/src/main/java/org/apache/kafka/server/config/ServerLogConfigs.java
//   LogConfig           storage/src/main/java/org/apache/kafka/storage/internals/log/LogConfig.java
//                       (SERVER_CONFIG_DEF holds the validators of the log.* broker configs)
//   CleanerConfig       storage/src/main/java/org/apache/kafka/storage/internals/log/CleanerConfig.java
//   KafkaConfig         core/src/main/scala/kafka/server/KafkaConfig.scala (validateValues)
// Replication validators are in ReplicationConfigs.CONFIG_DEF (KafkaConfig's configDef in
// older trees). `feeds` names the topic config a broker config is the default of
// (ServerTopicConfigSynonyms, see topic.ts).

import type { BrokerConfigDef } from './types.ts'
import { LONG_MAX_VALUE } from './types.ts'

const HOURS_168 = 168 // LogConfig.DEFAULT_RETENTION_MS and DEFAULT_SEGMENT_MS are 7 days, in hours

export const BROKER_CONFIG_DEFS = {
  // KRaft broker liveness.
  'broker.heartbeat.interval.ms': {
    type: 'int', default: 2000, // KRaftConfigs.BROKER_HEARTBEAT_INTERVAL_MS_DEFAULT, no validator
    min: 1, bounds: 'sandbox', unit: 'ms',
    doc: 'How often a broker heartbeats to the controller.',
  },
  'broker.session.timeout.ms': {
    type: 'int', default: 9000, // KRaftConfigs.BROKER_SESSION_TIMEOUT_MS_DEFAULT, no validator
    min: 1, bounds: 'sandbox', unit: 'ms',
    doc: 'How long the controller waits without a heartbeat before it fences a broker.',
  },

  // Replication (followers fetching from leaders).
  'replica.lag.time.max.ms': {
    type: 'long', default: 30000, // ReplicationConfigs.REPLICA_LAG_TIME_MAX_MS_DEFAULT, no validator
    min: 1, bounds: 'sandbox', unit: 'ms',
    doc: 'A follower that has not caught up to the leader for this long is removed from the ISR.',
  },
  'replica.fetch.wait.max.ms': {
    // KafkaConfig.validateValues also requires it <= replica.lag.time.max.ms (checked in parse.ts).
    type: 'int', default: 500, // ReplicationConfigs.REPLICA_FETCH_WAIT_MAX_MS_DEFAULT, no validator
    min: 0, bounds: 'sandbox', unit: 'ms',
    doc: 'How long a leader may hold a follower fetch waiting for replica.fetch.min.bytes.',
  },
  'replica.fetch.min.bytes': {
    type: 'int', default: 1, // ReplicationConfigs.REPLICA_FETCH_MIN_BYTES_DEFAULT, no validator
    min: 0, bounds: 'sandbox', unit: 'bytes',
    doc: 'Bytes a follower fetch waits for before the leader answers (up to replica.fetch.wait.max.ms).',
  },
  'replica.fetch.max.bytes': {
    type: 'int', default: 1048576, // ReplicationConfigs.REPLICA_FETCH_MAX_BYTES_DEFAULT (1 MiB), atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Bytes a follower asks for per partition (the first batch is returned even if larger).',
  },
  'replica.fetch.response.max.bytes': {
    type: 'int', default: 10485760, // ReplicationConfigs.REPLICA_FETCH_RESPONSE_MAX_BYTES_DEFAULT (10 MiB), atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Bytes a follower asks for per fetch response, across partitions.',
  },
  'replica.fetch.backoff.ms': {
    type: 'int', default: 1000, // ReplicationConfigs.REPLICA_FETCH_BACKOFF_MS_DEFAULT, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long a follower waits before fetching again after a fetch error.',
  },
  'replica.high.watermark.checkpoint.interval.ms': {
    type: 'long', default: 5000, // ReplicationConfigs.REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS_DEFAULT, no validator
    min: 1, bounds: 'sandbox', unit: 'ms',
    doc: 'How often a broker writes its high watermarks to disk.',
  },
  'num.replica.fetchers': {
    type: 'int', default: 1, // ReplicationConfigs.NUM_REPLICA_FETCHERS_DEFAULT, no validator
    min: 1, bounds: 'sandbox',
    doc: 'Fetcher threads a follower runs per source broker.',
  },

  // Durability and leader election.
  'min.insync.replicas': {
    type: 'int', default: 1, // ServerLogConfigs.MIN_IN_SYNC_REPLICAS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', feeds: 'min.insync.replicas',
    doc: 'With acks=all, the ISR size below which produce fails with NOT_ENOUGH_REPLICAS.',
  },
  'unclean.leader.election.enable': {
    type: 'boolean', default: false, // LogConfig.DEFAULT_UNCLEAN_LEADER_ELECTION_ENABLE
    feeds: 'unclean.leader.election.enable',
    doc: 'Let a replica outside the ISR become leader as a last resort, at the risk of losing data.',
  },
  'eligible.leader.replicas.enable': {
    // Not a Kafka 4.0 config: 4.0 gates ELR behind the feature eligible.leader.replicas.version
    // (server-common/src/main/java/org/apache/kafka/server/common/EligibleLeaderReplicasVersion.java;
    // level 1 bootstraps from metadata version 4.1-IV0, so a new 4.0 cluster has it off).
    // Earlier 3.x controllers had a config of this very name (KRaftConfigs.ELR_ENABLED_CONFIG).
    type: 'boolean', default: false,
    doc: 'Sandbox switch for Eligible Leader Replicas (KIP-966); Kafka 4.0 gates ELR behind the ' +
      'eligible.leader.replicas.version feature (off by default in 4.0, on for new clusters from 4.1).',
  },
  'default.replication.factor': {
    // The controller refuses RF < 1 at topic creation (INVALID_REPLICATION_FACTOR); the sandbox refuses it here.
    type: 'int', default: 1, // ReplicationConfigs.REPLICATION_FACTOR_DEFAULT, no validator
    min: 1, bounds: 'sandbox',
    doc: 'Replication factor of topics created without one (and of auto-created topics).',
  },
  'num.partitions': {
    type: 'int', default: 1, // ServerLogConfigs.NUM_PARTITIONS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka',
    doc: 'Partition count of topics created without one (and of auto-created topics).',
  },
  'auto.leader.rebalance.enable': {
    type: 'boolean', default: true, // ReplicationConfigs.AUTO_LEADER_REBALANCE_ENABLE_DEFAULT
    doc: 'Periodically move leadership back to each partition\'s preferred replica.',
  },
  'leader.imbalance.check.interval.seconds': {
    type: 'long', default: 300, // ReplicationConfigs.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'seconds',
    doc: 'How often the controller checks whether leaders need rebalancing.',
  },
  'leader.imbalance.per.broker.percentage': {
    // Read by the ZooKeeper-era controller (KafkaController.scala); no use of it by the 4.0
    // KRaft controller was found, so it may be inert in 4.0 (not verified either way).
    type: 'int', default: 10, // ReplicationConfigs.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE_DEFAULT, no validator
    min: 0, max: 100, bounds: 'sandbox', unit: 'percent',
    doc: 'Share of a broker\'s partitions led by a non-preferred replica that triggers a rebalance.',
  },
  'auto.create.topics.enable': {
    type: 'boolean', default: true, // ServerLogConfigs.AUTO_CREATE_TOPICS_ENABLE_DEFAULT
    doc: 'Create a topic when a client asks for metadata of one that does not exist.',
  },
  'delete.topic.enable': {
    type: 'boolean', default: true, // ServerConfigs.DELETE_TOPIC_ENABLE_DEFAULT
    doc: 'Allow topics to be deleted through the admin API.',
  },

  // The log: segments, retention, cleaning, flushing.
  'message.max.bytes': {
    type: 'int', default: 1048588, // LogConfig.DEFAULT_MAX_MESSAGE_BYTES = 1 MiB + Records.LOG_OVERHEAD (12), atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes', feeds: 'max.message.bytes',
    doc: 'Largest record batch a broker accepts, after compression.',
  },
  'log.segment.bytes': {
    // Raised from 14 to 1 MiB in 4.0 (KIP-1030, KAFKA-16368).
    type: 'int', default: 1073741824, // LogConfig.DEFAULT_SEGMENT_BYTES (1 GiB), SERVER_CONFIG_DEF atLeast(1024 * 1024)
    min: 1048576, bounds: 'kafka', unit: 'bytes', feeds: 'segment.bytes',
    doc: 'Size at which a partition\'s active segment is rolled.',
  },
  'log.roll.ms': {
    // No ConfigDef validator; KafkaConfig.validateValues requires the resolved roll time >= 1.
    type: 'long', default: null, // ServerLogConfigs.LOG_ROLL_TIME_MILLIS_CONFIG, default null
    min: 1, bounds: 'kafka', unit: 'ms', feeds: 'segment.ms',
    doc: 'Age at which the active segment is rolled; when unset, log.roll.hours applies.',
  },
  'log.roll.hours': {
    type: 'int', default: HOURS_168, // LogConfig SERVER_CONFIG_DEF: toHours(DEFAULT_SEGMENT_MS), atLeast(1)
    min: 1, bounds: 'kafka', unit: 'hours', feeds: 'segment.ms',
    doc: 'Age at which the active segment is rolled, in hours; log.roll.ms takes precedence.',
  },
  'log.retention.ms': {
    // KafkaConfig.logRetentionTimeMillis: a negative resolved retention means unlimited (-1);
    // validateValues refuses 0 (checked in parse.ts).
    type: 'long', default: null, // ServerLogConfigs.LOG_RETENTION_TIME_MILLIS_CONFIG, default null
    unit: 'ms', feeds: 'retention.ms',
    doc: 'How long to keep a segment before deleting it (-1: forever); takes precedence over minutes and hours.',
  },
  'log.retention.minutes': {
    type: 'int', default: null, // ServerLogConfigs.LOG_RETENTION_TIME_MINUTES_CONFIG, default null
    unit: 'minutes', feeds: 'retention.ms',
    doc: 'Retention in minutes, used when log.retention.ms is unset.',
  },
  'log.retention.hours': {
    type: 'int', default: HOURS_168, // LogConfig SERVER_CONFIG_DEF: toHours(DEFAULT_RETENTION_MS), no validator
    unit: 'hours', feeds: 'retention.ms',
    doc: 'Retention in hours, used when log.retention.ms and log.retention.minutes are unset.',
  },
  'log.retention.bytes': {
    type: 'long', default: -1, // ServerLogConfigs.LOG_RETENTION_BYTES_DEFAULT, no validator (negative: no limit)
    unit: 'bytes', feeds: 'retention.bytes',
    doc: 'Size a partition may reach before its oldest segments are deleted (-1: no limit).',
  },
  'log.retention.check.interval.ms': {
    type: 'long', default: 300000, // ServerLogConfigs.LOG_CLEANUP_INTERVAL_MS_DEFAULT (5 min), atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'How often the broker looks for segments that retention lets it delete.',
  },
  'log.cleanup.policy': {
    type: 'list', default: ['delete'], // ServerLogConfigs.LOG_CLEANUP_POLICY_DEFAULT, ValidList.in(compact, delete)
    validValues: ['compact', 'delete'], feeds: 'cleanup.policy',
    doc: 'What happens to old segments: delete them, compact them by key, or both.',
  },
  'log.cleaner.delete.retention.ms': {
    type: 'long', default: 86400000, // LogConfig.DEFAULT_DELETE_RETENTION_MS (1 day), atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms', feeds: 'delete.retention.ms',
    doc: 'How long compaction keeps tombstones, so readers from the start still see deletes.',
  },
  'log.cleaner.min.compaction.lag.ms': {
    type: 'long', default: 0, // LogConfig.DEFAULT_MIN_COMPACTION_LAG_MS, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms', feeds: 'min.compaction.lag.ms',
    doc: 'Minimum age before a record may be compacted away.',
  },
  'log.cleaner.min.cleanable.ratio': {
    type: 'double', default: 0.5, // LogConfig.DEFAULT_MIN_CLEANABLE_DIRTY_RATIO, between(0, 1)
    min: 0, max: 1, bounds: 'kafka', feeds: 'min.cleanable.dirty.ratio',
    doc: 'Dirty share of a log above which the cleaner compacts it.',
  },
  'log.cleaner.backoff.ms': {
    type: 'long', default: 15000, // CleanerConfig.LOG_CLEANER_BACKOFF_MS, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long the cleaner sleeps when no log needs cleaning.',
  },
  'log.flush.interval.messages': {
    type: 'long', default: LONG_MAX_VALUE, // ServerLogConfigs.LOG_FLUSH_INTERVAL_MESSAGES_DEFAULT = Long.MAX_VALUE, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'messages', feeds: 'flush.messages',
    doc: 'Records appended before an fsync; by default never: durability comes from replication, ' +
      'and a power loss drops the page-cache tail.',
  },
  'log.flush.interval.ms': {
    type: 'long', default: null, // ServerLogConfigs.LOG_FLUSH_INTERVAL_MS_CONFIG, default null
    unit: 'ms', feeds: 'flush.ms',
    doc: 'Longest time appended records stay unflushed; when unset, log.flush.scheduler.interval.ms applies.',
  },
  'log.flush.scheduler.interval.ms': {
    // Kafka schedules the flush check with this period, so a period < 1 fails at startup.
    type: 'long', default: LONG_MAX_VALUE, // ServerLogConfigs.LOG_FLUSH_SCHEDULER_INTERVAL_MS_DEFAULT = Long.MAX_VALUE
    min: 1, bounds: 'sandbox', unit: 'ms', feeds: 'flush.ms',
    doc: 'How often the broker checks for logs due a flush; also the default of flush.ms.',
  },

  // The group coordinator and __consumer_offsets (GroupCoordinatorConfig.CONFIG_DEF).
  'offsets.topic.num.partitions': {
    // Kafka's default is 50. A sandbox meant for display may lower it (e.g. 3) so that the
    // topic fits on screen; the coordinator of a group is then partitionFor(group) % 3.
    type: 'int', default: 50, // GroupCoordinatorConfig.OFFSETS_TOPIC_PARTITIONS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka',
    doc: 'Partitions of __consumer_offsets; a group\'s coordinator leads partition abs(hash(group.id)) % this (lower it to show fewer).',
  },
  'offsets.topic.replication.factor': {
    // A SHORT in Kafka. No fewer replicas are used when fewer brokers exist: creation fails
    // (INVALID_REPLICATION_FACTOR) and FindCoordinator answers COORDINATOR_NOT_AVAILABLE.
    type: 'int', default: 3, // GroupCoordinatorConfig.OFFSETS_TOPIC_REPLICATION_FACTOR_DEFAULT, atLeast(1)
    min: 1, max: 32767, bounds: 'kafka',
    doc: 'Replication factor of __consumer_offsets; creating it fails until that many brokers are registered.',
  },
  'offsets.topic.segment.bytes': {
    type: 'int', default: 104857600, // GroupCoordinatorConfig.OFFSETS_TOPIC_SEGMENT_BYTES_DEFAULT (100 MiB), atLeast(1)
    min: 1, bounds: 'kafka', unit: 'bytes',
    doc: 'The segment.bytes of __consumer_offsets (smaller than the 1 GiB default of other topics, so that compaction and loading stay quick).',
  },
  'offsets.commit.timeout.ms': {
    type: 'int', default: 5000, // GroupCoordinatorConfig.OFFSET_COMMIT_TIMEOUT_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'How long a coordinator write (an offset commit, a group assignment) waits for the offsets topic\'s replicas.',
  },
  'offset.metadata.max.bytes': {
    type: 'int', default: 4096, // GroupCoordinatorConfig.OFFSET_METADATA_MAX_SIZE_DEFAULT, no validator
    unit: 'bytes',
    doc: 'Longest metadata string an offset commit may carry (OFFSET_METADATA_TOO_LARGE beyond).',
  },
  'group.initial.rebalance.delay.ms': {
    // No validator in Kafka; a negative delay would fail the timer at run time.
    type: 'int', default: 3000, // GroupCoordinatorConfig.GROUP_INITIAL_REBALANCE_DELAY_MS_DEFAULT, no validator
    min: 0, bounds: 'sandbox', unit: 'ms',
    doc: 'How long the first rebalance of an empty group waits for more members (extended per joiner, up to the rebalance timeout).',
  },
  'group.min.session.timeout.ms': {
    type: 'int', default: 6000, // GroupCoordinatorConfig.GROUP_MIN_SESSION_TIMEOUT_MS_DEFAULT, no validator
    unit: 'ms',
    doc: 'Shortest session.timeout.ms a classic member may ask for (INVALID_SESSION_TIMEOUT below).',
  },
  'group.max.session.timeout.ms': {
    type: 'int', default: 1800000, // GroupCoordinatorConfig.GROUP_MAX_SESSION_TIMEOUT_MS_DEFAULT, no validator
    unit: 'ms',
    doc: 'Longest session.timeout.ms a classic member may ask for (INVALID_SESSION_TIMEOUT above).',
  },
  'group.max.size': {
    type: 'int', default: 2147483647, // GroupCoordinatorConfig.GROUP_MAX_SIZE_DEFAULT = Integer.MAX_VALUE, atLeast(1)
    min: 1, bounds: 'kafka',
    doc: 'Most members a classic group may have (GROUP_MAX_SIZE_REACHED beyond).',
  },

  // The consumer protocol (KIP-848), GroupCoordinatorConfig (Kafka 4.0). The constructor's
  // require(...) checks across these are in core/config.ts (checkBrokerRules).
  'group.coordinator.rebalance.protocols': {
    // "classic" must stay enabled (GroupCoordinatorConfig); "share" and "streams" are not modelled.
    type: 'list', default: ['classic', 'consumer'], // GroupCoordinatorConfig.GROUP_COORDINATOR_REBALANCE_PROTOCOLS_DEFAULT, ConfigDef.ValidList.in(...)
    validValues: ['classic', 'consumer'],
    doc: 'Group protocols the coordinator serves; without consumer, ConsumerGroupHeartbeat gets UNSUPPORTED_VERSION.',
  },
  'group.consumer.session.timeout.ms': {
    type: 'int', default: 45000, // GroupCoordinatorConfig.CONSUMER_GROUP_SESSION_TIMEOUT_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'How long a consumer-protocol member may go without heartbeating before it is fenced (set by the broker, not the client).',
  },
  'group.consumer.min.session.timeout.ms': {
    type: 'int', default: 45000, // GroupCoordinatorConfig.CONSUMER_GROUP_MIN_SESSION_TIMEOUT_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'Lowest group.consumer.session.timeout.ms allowed (also for a group\'s own override).',
  },
  'group.consumer.max.session.timeout.ms': {
    type: 'int', default: 60000, // GroupCoordinatorConfig.CONSUMER_GROUP_MAX_SESSION_TIMEOUT_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'Highest group.consumer.session.timeout.ms allowed.',
  },
  'group.consumer.heartbeat.interval.ms': {
    type: 'int', default: 5000, // GroupCoordinatorConfig.CONSUMER_GROUP_HEARTBEAT_INTERVAL_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'How often consumer-protocol members heartbeat: the broker sends it in every ConsumerGroupHeartbeat response.',
  },
  'group.consumer.min.heartbeat.interval.ms': {
    type: 'int', default: 5000, // GroupCoordinatorConfig.CONSUMER_GROUP_MIN_HEARTBEAT_INTERVAL_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'Lowest group.consumer.heartbeat.interval.ms allowed.',
  },
  'group.consumer.max.heartbeat.interval.ms': {
    type: 'int', default: 15000, // GroupCoordinatorConfig.CONSUMER_GROUP_MAX_HEARTBEAT_INTERVAL_MS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    doc: 'Highest group.consumer.heartbeat.interval.ms allowed.',
  },
  'group.consumer.max.size': {
    type: 'int', default: 2147483647, // GroupCoordinatorConfig.CONSUMER_GROUP_MAX_SIZE_DEFAULT = Integer.MAX_VALUE, atLeast(1)
    min: 1, bounds: 'kafka',
    doc: 'Most members a consumer-protocol group may have (GROUP_MAX_SIZE_REACHED beyond).',
  },
  'group.consumer.assignors': {
    // Kafka lists the classes (o.a.k.coordinator.group.assignor.UniformAssignor, RangeAssignor);
    // the sandbox keeps their names, the first is the default, a member may pick one with group.remote.assignor.
    type: 'list', default: ['uniform', 'range'], // GroupCoordinatorConfig.CONSUMER_GROUP_ASSIGNORS_DEFAULT
    validValues: ['uniform', 'range'],
    doc: 'Broker-side assignors of consumer-protocol groups, the first being the default.',
  },
} as const satisfies Record<string, BrokerConfigDef>

export type BrokerConfigName = keyof typeof BROKER_CONFIG_DEFS
