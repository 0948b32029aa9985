// The topic configs the sandbox models, with Kafka 4.0's types, defaults and validators
// (storage/src/main/java/org/apache/kafka/storage/internals/log/LogConfig.java, the
// static CONFIG block), and the broker configs each one falls back to, in precedence
// order (server-common/src/main/java/org/apache/kafka/server/config/
// ServerTopicConfigSynonyms.java, ALL_TOPIC_CONFIG_SYNONYMS). Kafka resolves a topic's
// config as the topic's overrides over the broker's log defaults
// (LogConfig.fromProps(KafkaConfig.extractLogConfigMap, overrides)).

import type { TopicConfigDef } from './types.ts'
import { LONG_MAX_VALUE } from './types.ts'

const MINUTE_MS = 60_000
const HOUR_MS = 3_600_000

/**
 * The smallest segment.bytes and log.segment.bytes: 1 MiB, raised from 14 bytes by
 * KIP-1030 (KAFKA-16368) for 4.0. Kafka 4.0.0 enforced it on log.segment.bytes only; the
 * topic-level segment.bytes kept atLeast(LegacyRecord.RECORD_OVERHEAD_V0 = 14) until
 * KAFKA-19080 (apache/kafka#19371, 4.1) applied the KIP's minimum there too. The sandbox
 * enforces the KIP's 1 MiB at both levels, as every 4.x release from 4.1 does.
 */
export const SEGMENT_BYTES_MIN = 1048576

export const TOPIC_CONFIG_DEFS = {
  'cleanup.policy': {
    type: 'list', default: ['delete'], // ServerLogConfigs.LOG_CLEANUP_POLICY_DEFAULT, ValidList.in(compact, delete)
    validValues: ['compact', 'delete'],
    brokerSynonyms: [{ name: 'log.cleanup.policy' }],
    doc: 'What happens to old segments: delete them, compact them by key, or both.',
  },
  'retention.ms': {
    type: 'long', default: 604800000, // LogConfig.DEFAULT_RETENTION_MS (7 days), atLeast(-1)
    min: -1, bounds: 'kafka', unit: 'ms',
    brokerSynonyms: [
      { name: 'log.retention.ms' },
      { name: 'log.retention.minutes', toMs: MINUTE_MS },
      { name: 'log.retention.hours', toMs: HOUR_MS },
    ],
    doc: 'How long to keep a segment before deleting it (-1: forever).',
  },
  'retention.bytes': {
    type: 'long', default: -1, // ServerLogConfigs.LOG_RETENTION_BYTES_DEFAULT, no validator (negative: no limit)
    unit: 'bytes',
    brokerSynonyms: [{ name: 'log.retention.bytes' }],
    doc: 'Size a partition may reach before its oldest segments are deleted (-1: no limit).',
  },
  'segment.bytes': {
    type: 'int', default: 1073741824, // LogConfig.DEFAULT_SEGMENT_BYTES (1 GiB); minimum: see SEGMENT_BYTES_MIN
    min: SEGMENT_BYTES_MIN, bounds: 'kafka', unit: 'bytes',
    brokerSynonyms: [{ name: 'log.segment.bytes' }],
    doc: 'Size at which the active segment is rolled.',
  },
  'segment.ms': {
    type: 'long', default: 604800000, // LogConfig.DEFAULT_SEGMENT_MS (7 days), atLeast(1)
    min: 1, bounds: 'kafka', unit: 'ms',
    brokerSynonyms: [{ name: 'log.roll.ms' }, { name: 'log.roll.hours', toMs: HOUR_MS }],
    doc: 'Age at which the active segment is rolled, so retention and compaction can act on it.',
  },
  'delete.retention.ms': {
    type: 'long', default: 86400000, // LogConfig.DEFAULT_DELETE_RETENTION_MS (1 day), atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    brokerSynonyms: [{ name: 'log.cleaner.delete.retention.ms' }],
    doc: 'How long compaction keeps tombstones, so readers from the start still see deletes.',
  },
  'min.compaction.lag.ms': {
    type: 'long', default: 0, // LogConfig.DEFAULT_MIN_COMPACTION_LAG_MS, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    brokerSynonyms: [{ name: 'log.cleaner.min.compaction.lag.ms' }],
    doc: 'Minimum age before a record may be compacted away.',
  },
  'min.cleanable.dirty.ratio': {
    type: 'double', default: 0.5, // LogConfig.DEFAULT_MIN_CLEANABLE_DIRTY_RATIO, between(0, 1)
    min: 0, max: 1, bounds: 'kafka',
    brokerSynonyms: [{ name: 'log.cleaner.min.cleanable.ratio' }],
    doc: 'Dirty share of the log above which the cleaner compacts it.',
  },
  'max.message.bytes': {
    type: 'int', default: 1048588, // LogConfig.DEFAULT_MAX_MESSAGE_BYTES = 1 MiB + Records.LOG_OVERHEAD (12), atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    brokerSynonyms: [{ name: 'message.max.bytes' }],
    doc: 'Largest record batch the topic accepts, after compression.',
  },
  'min.insync.replicas': {
    type: 'int', default: 1, // ServerLogConfigs.MIN_IN_SYNC_REPLICAS_DEFAULT, atLeast(1)
    min: 1, bounds: 'kafka',
    brokerSynonyms: [{ name: 'min.insync.replicas' }],
    doc: 'With acks=all, the ISR size below which produce fails with NOT_ENOUGH_REPLICAS.',
  },
  'unclean.leader.election.enable': {
    type: 'boolean', default: false, // LogConfig.DEFAULT_UNCLEAN_LEADER_ELECTION_ENABLE
    brokerSynonyms: [{ name: 'unclean.leader.election.enable' }],
    doc: 'Let a replica outside the ISR become leader as a last resort, at the risk of losing data.',
  },
  'flush.messages': {
    type: 'long', default: LONG_MAX_VALUE, // ServerLogConfigs.LOG_FLUSH_INTERVAL_MESSAGES_DEFAULT = Long.MAX_VALUE, atLeast(1)
    min: 1, bounds: 'kafka', unit: 'messages',
    brokerSynonyms: [{ name: 'log.flush.interval.messages' }],
    doc: 'Records appended before an fsync (default: never; replication gives durability).',
  },
  'flush.ms': {
    type: 'long', default: LONG_MAX_VALUE, // ServerLogConfigs.LOG_FLUSH_SCHEDULER_INTERVAL_MS_DEFAULT = Long.MAX_VALUE, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    brokerSynonyms: [{ name: 'log.flush.interval.ms' }, { name: 'log.flush.scheduler.interval.ms' }],
    doc: 'Longest time appended records stay unflushed (default: never).',
  },
} as const satisfies Record<string, TopicConfigDef>

export type TopicConfigName = keyof typeof TOPIC_CONFIG_DEFS
