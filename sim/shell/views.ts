// What the Kafka tools read from a cluster, taken from the simulated one: the controller's
// metadata image (topics, partitions, configs) and the partition leaders' logs.

import { describeTopicConfigs, parseTopicConfigOverrides, type ConfigEntry } from '../../core/config.ts'
import type { MetadataImage, PartitionState, TopicImage } from '../../core/metadata/image.ts'
import type { Cluster } from '../cluster.ts'

/** Thrown when the controller is down: the tools' admin client would time out. */
export class ClusterUnavailableError extends Error {
  override name = 'ClusterUnavailableError'
}

export function metadataImage(cluster: Cluster): MetadataImage {
  const controller = cluster.controller()
  if (!controller) throw new ClusterUnavailableError('Timed out waiting for a node assignment. Call: listTopics (the controller is not running)')
  return controller.image
}

export function topicNames(cluster: Cluster): string[] {
  return [...metadataImage(cluster).topicsById.values()].map((t) => t.name).sort()
}

export function sortedPartitions(topic: TopicImage): PartitionState[] {
  return [...topic.partitions.values()].sort((a, b) => a.partition - b.partition)
}

/** Every topic config with its source, as DescribeConfigs answers (core/config.ts describeTopicConfigs). */
export function topicConfigEntries(cluster: Cluster, topic: string): readonly ConfigEntry[] {
  const controller = cluster.controller()
  if (!controller) throw new ClusterUnavailableError('Timed out waiting for a node assignment. Call: describeConfigs (the controller is not running)')
  const overrides = Object.fromEntries(controller.image.topicConfigs.get(topic) ?? new Map<string, string>())
  return describeTopicConfigs(controller.config, parseTopicConfigOverrides(overrides, `topic ${topic} configs`))
}

/** One committed record of a partition's log (below the leader's high watermark). */
export interface LogRecord {
  offset: number
  key: string | null
  value: string | null
  timestamp: number
}

/** The partition's leader log: its committed records from `fromOffset`, and its ends; null without a live leader. */
export function readCommitted(cluster: Cluster, topic: string, partition: number, fromOffset: number): { records: LogRecord[]; logStartOffset: number; highWatermark: number } | null {
  const state = metadataImage(cluster).topic(topic)?.partitions.get(partition)
  if (!state || state.leader < 0) return null
  const log = cluster.brokerNode(state.leader)?.partitions.get(`${topic}-${partition}`)?.log
  if (!log) return null
  const records: LogRecord[] = []
  for (const batch of log.batches()) {
    for (const r of batch.records) {
      const offset = batch.baseOffset + r.offsetDelta
      if (offset >= fromOffset && offset < log.highWatermark) records.push({ offset, key: r.key, value: r.value, timestamp: r.timestamp })
    }
  }
  return { records, logStartOffset: log.logStartOffset, highWatermark: log.highWatermark }
}

/** Kafka's message of a sandbox KafkaError ("CODE: message" -> "message"). */
export function kafkaErrorMessage(error: Error): string {
  return error.message.replace(/^[A-Z_]+: /, '')
}

/** The Java exception class Kafka's Errors enum gives an error code, e.g. NOT_ENOUGH_REPLICAS -> NotEnoughReplicasException. */
export function exceptionClass(code: string): string {
  const special: Record<string, string> = { TOPIC_ALREADY_EXISTS: 'TopicExistsException', UNKNOWN_TOPIC_OR_PARTITION: 'UnknownTopicOrPartitionException', NOT_LEADER_OR_FOLLOWER: 'NotLeaderOrFollowerException', INVALID_TOPIC_EXCEPTION: 'InvalidTopicException', NON_EMPTY_GROUP: 'GroupNotEmptyException' }
  if (special[code]) return `org.apache.kafka.common.errors.${special[code]}`
  const camel = code.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())
  return `org.apache.kafka.common.errors.${camel}Exception`
}
