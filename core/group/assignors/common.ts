// Input checks and small helpers shared by the client-side assignors.

import { describeValue } from '../../describe.ts'
import type { AssignorMember, GroupAssignmentInput, TopicPartitionRef } from './types.ts'
import { DEFAULT_GENERATION } from './types.ts'

/** A partition's identity as a map key (Java's TopicPartition.equals). */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

export function refKey(tp: TopicPartitionRef): string {
  return partitionKey(tp.topic, tp.partition)
}

/** java.lang.String.compareTo: UTF-16 code unit order, which is how JS compares strings too. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Comparator.comparing(TopicPartition::topic).thenComparing(TopicPartition::partition). */
export function compareTopicThenPartition(a: TopicPartitionRef, b: TopicPartitionRef): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition
}

/**
 * AbstractPartitionAssignor.MemberInfo.compareTo: static members (group.instance.id) first,
 * ordered by instance id, then dynamic members by member id (KIP-345).
 */
export function compareMemberInfo(a: AssignorMember, b: AssignorMember): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId)
  if (a.groupInstanceId !== null) return -1
  if (b.groupInstanceId !== null) return 1
  return compareStrings(a.memberId, b.memberId)
}

/** Every topic-partition of `topics` (each known topic once), sorted by topic then partition. */
export function sortedPartitionsOf(topics: Iterable<string>, partitionsPerTopic: Map<string, number>): TopicPartitionRef[] {
  const out: TopicPartitionRef[] = []
  for (const topic of [...new Set(topics)].sort(compareStrings)) {
    const count = partitionsPerTopic.get(topic)
    if (count === undefined) continue
    for (let p = 0; p < count; p++) out.push({ topic, partition: p })
  }
  return out
}

/** The result map with every member present, in member id order. */
export function emptyAssignment(members: readonly AssignorMember[]): Map<string, TopicPartitionRef[]> {
  const result = new Map<string, TopicPartitionRef[]>()
  for (const id of members.map((m) => m.memberId).sort(compareStrings)) result.set(id, [])
  return result
}

export function fail(assignor: string, what: string, value: unknown, expected: string): never {
  throw new Error(`assignor ${JSON.stringify(assignor)}: ${what} is ${describeValue(value)}; expected ${expected}`)
}

export function isPartitionNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/**
 * The checks both kinds of assignor make first: partitionsPerTopic is a Map of non-negative
 * counts, members an array of objects with distinct, non-empty member ids.
 */
export function validateGroupShape(assignor: string, input: { members: unknown; partitionsPerTopic: unknown }): asserts input is { members: Array<{ memberId: string }>; partitionsPerTopic: Map<string, number> } {
  if (typeof input !== 'object' || input === null) fail(assignor, 'the input', input, 'an object with members and partitionsPerTopic')
  if (!(input.partitionsPerTopic instanceof Map)) fail(assignor, 'partitionsPerTopic', input.partitionsPerTopic, 'a Map from topic name to partition count')
  for (const [topic, count] of input.partitionsPerTopic as Map<unknown, unknown>) {
    if (typeof topic !== 'string' || topic === '') fail(assignor, 'a topic name in partitionsPerTopic', topic, 'a non-empty string')
    if (!isPartitionNumber(count)) fail(assignor, `partitionsPerTopic[${JSON.stringify(topic)}]`, count, 'a partition count, an integer >= 0')
  }
  if (!Array.isArray(input.members)) fail(assignor, 'members', input.members, 'an array of members')
  const seen = new Set<string>()
  input.members.forEach((m: unknown, i) => {
    const where = `members[${i}]`
    if (typeof m !== 'object' || m === null) fail(assignor, where, m, 'a member object')
    const memberId = (m as { memberId?: unknown }).memberId
    if (typeof memberId !== 'string' || memberId === '') fail(assignor, `${where}.memberId`, memberId, 'a non-empty string')
    if (seen.has(memberId)) fail(assignor, `${where}.memberId`, memberId, 'a member id not used by another member')
    seen.add(memberId)
  })
}

/** A {topic, partition} with a string topic and a partition number >= 0. */
export function validatePartitionRef(assignor: string, where: string, tp: unknown): asserts tp is TopicPartitionRef {
  const ref = tp as { topic?: unknown; partition?: unknown } | null
  if (typeof tp !== 'object' || ref === null || typeof ref.topic !== 'string' || !isPartitionNumber(ref.partition)) {
    fail(assignor, where, tp, 'a {topic, partition} with partition an integer >= 0')
  }
}

/**
 * Checks a group's subscriptions before any assignor runs, so that nothing is assigned from
 * malformed input. Topics a member subscribes to that the cluster does not know are not an
 * error: Kafka's AbstractPartitionAssignor skips them ("Skipping assignment for topic ... since
 * no metadata is available"), and so do these assignors.
 */
export function validateAssignmentInput(assignor: string, input: GroupAssignmentInput): void {
  validateGroupShape(assignor, input)
  input.members.forEach((m, i) => {
    const where = `members[${i}]`
    if (m.groupInstanceId !== null && typeof m.groupInstanceId !== 'string') fail(assignor, `${where}.groupInstanceId`, m.groupInstanceId, 'a string or null')
    if (m.rackId !== null && typeof m.rackId !== 'string') fail(assignor, `${where}.rackId`, m.rackId, 'a string or null')
    if (!Array.isArray(m.topics) || m.topics.some((t) => typeof t !== 'string')) fail(assignor, `${where}.topics`, m.topics, 'an array of topic names')
    if (!Number.isInteger(m.generation) || m.generation < DEFAULT_GENERATION) fail(assignor, `${where}.generation`, m.generation, `an integer >= ${DEFAULT_GENERATION}`)
    if (!Array.isArray(m.ownedPartitions)) fail(assignor, `${where}.ownedPartitions`, m.ownedPartitions, 'an array of {topic, partition}')
    m.ownedPartitions.forEach((tp, j) => validatePartitionRef(assignor, `${where}.ownedPartitions[${j}]`, tp))
  })
}

/**
 * An owned partition the assignors may consider: its topic exists and the partition is within
 * the topic's count. Kafka checks only the topic (partition counts never shrink there); the
 * sandbox also drops numbers past the count so that a stale claim can never be handed out.
 */
export function ownedPartitionExists(tp: TopicPartitionRef, partitionsPerTopic: Map<string, number>): boolean {
  const count = partitionsPerTopic.get(tp.topic)
  return count !== undefined && tp.partition < count
}
