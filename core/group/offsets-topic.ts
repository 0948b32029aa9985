// __consumer_offsets: where a group's coordinator lives, and the records it writes there.
//
// A group's coordinator is the leader of partition abs(groupId.hashCode()) % partitions
// (GroupCoordinatorService.partitionFor, with Utils.abs mapping Integer.MIN_VALUE to 0).
// The topic is compacted: each key keeps its latest value, so replaying the partition
// rebuilds every group it holds (the coordinator is event-sourced: its state is a fold of
// these records, GroupMetadataManager/OffsetMetadataManager.replay).
//
// Kafka serializes keys and values with versioned schemas (OffsetCommitKey/Value,
// GroupMetadataKey/Value in group-coordinator/src/main/resources/common/message). The
// sandbox writes the same fields as JSON text, so that the records are readable in views.

import { javaStringHashCode } from './assignors/java-order.ts'
import type { ConsumerGroupRecordValue } from './consumer-group.ts'

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets'

/** Utils.abs: Math.abs, except that Integer.MIN_VALUE (whose absolute value overflows) maps to 0. */
function utilsAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n)
}

/** The __consumer_offsets partition whose leader coordinates `groupId`. */
export function offsetsPartitionFor(groupId: string, partitionCount: number): number {
  return utilsAbs(javaStringHashCode(groupId)) % partitionCount
}

export interface OffsetCommitValue {
  offset: number
  leaderEpoch: number
  metadata: string
  commitTimestampMs: number
}

export interface GroupMemberRecord {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  /** The member's Subscription for the chosen protocol. */
  subscription: unknown
  assignment: unknown
}

export interface GroupMetadataValue {
  protocolType: string
  generation: number
  protocol: string | null
  leader: string | null
  currentStateTimestampMs: number
  members: GroupMemberRecord[]
}

export type CoordinatorRecord =
  | { kind: 'offset'; groupId: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { kind: 'group'; groupId: string; value: GroupMetadataValue | null }
  /** A consumer-protocol group (KIP-848): the whole group in one record, where Kafka writes seven record types. */
  | { kind: 'consumer-group'; groupId: string; value: ConsumerGroupRecordValue | null }

/** The record's key and value as stored: a null value is a tombstone. */
export function encodeCoordinatorRecord(record: CoordinatorRecord): { key: string; value: string | null } {
  if (record.kind === 'offset') {
    return {
      key: JSON.stringify({ type: 'offset', group: record.groupId, topic: record.topic, partition: record.partition }),
      value: record.value === null ? null : JSON.stringify(record.value),
    }
  }
  return { key: JSON.stringify({ type: record.kind, group: record.groupId }), value: record.value === null ? null : JSON.stringify(record.value) }
}

/** Reads back a stored record; null for a key the coordinator did not write (skipped on load, as unknown record types are). */
export function decodeCoordinatorRecord(key: string | null, value: string | null): CoordinatorRecord | null {
  if (key === null) return null
  let parsedKey: { type?: unknown; group?: unknown; topic?: unknown; partition?: unknown }
  try {
    parsedKey = JSON.parse(key) as typeof parsedKey
  } catch {
    return null
  }
  if (typeof parsedKey !== 'object' || parsedKey === null || typeof parsedKey.group !== 'string') return null
  if (parsedKey.type === 'offset' && typeof parsedKey.topic === 'string' && typeof parsedKey.partition === 'number') {
    return { kind: 'offset', groupId: parsedKey.group, topic: parsedKey.topic, partition: parsedKey.partition, value: value === null ? null : (JSON.parse(value) as OffsetCommitValue) }
  }
  if (parsedKey.type === 'group') {
    return { kind: 'group', groupId: parsedKey.group, value: value === null ? null : (JSON.parse(value) as GroupMetadataValue) }
  }
  if (parsedKey.type === 'consumer-group') {
    return { kind: 'consumer-group', groupId: parsedKey.group, value: value === null ? null : (JSON.parse(value) as ConsumerGroupRecordValue) }
  }
  return null
}
