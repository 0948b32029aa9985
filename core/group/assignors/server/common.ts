// Input checks and the view of a group shared by the broker-side assignors.

import type { TopicPartitionRef } from '../types.ts'
import { compareStrings, fail, refKey, validateGroupShape, validatePartitionRef } from '../common.ts'
import type { ServerAssignmentInput, ServerAssignorMember } from './types.ts'

export interface ServerGroup {
  /** Members in member id order (Kafka walks its member map; the sandbox fixes an order). */
  members: ServerAssignorMember[]
  /** Per member, the subscribed topics that exist, each once. */
  topicsOf: Map<string, string[]>
  /** Per member, its current partitions that still exist, in its own list order. */
  currentOf: Map<string, TopicPartitionRef[]>
  /** The existing topics someone subscribes to, with partition counts, in name order. */
  partitionsPerTopic: Map<string, number>
  /** True when every member subscribes the same topics (Kafka's SubscriptionType.HOMOGENEOUS). */
  homogeneous: boolean
}

/**
 * Validates the coordinator's input and resolves it. Subscribed topic names that are not in the
 * metadata are skipped: Kafka's coordinator resolves names to topic ids and only existing
 * topics reach the assignor. A partition in two members' current assignments cannot come from
 * the coordinator (targets are disjoint), so it is an error.
 */
export function serverGroup(assignor: string, input: ServerAssignmentInput): ServerGroup {
  validateGroupShape(assignor, input)
  const owner = new Map<string, string>()
  input.members.forEach((m, i) => {
    const where = `members[${i}]`
    if (m.instanceId !== null && typeof m.instanceId !== 'string') fail(assignor, `${where}.instanceId`, m.instanceId, 'a string or null')
    if (m.rackId !== null && typeof m.rackId !== 'string') fail(assignor, `${where}.rackId`, m.rackId, 'a string or null')
    if (!Array.isArray(m.subscribedTopics) || m.subscribedTopics.some((t) => typeof t !== 'string')) fail(assignor, `${where}.subscribedTopics`, m.subscribedTopics, 'an array of topic names')
    if (!Array.isArray(m.assignedPartitions)) fail(assignor, `${where}.assignedPartitions`, m.assignedPartitions, 'an array of {topic, partition}')
    m.assignedPartitions.forEach((tp, j) => {
      validatePartitionRef(assignor, `${where}.assignedPartitions[${j}]`, tp)
      const other = owner.get(refKey(tp))
      if (other !== undefined) fail(assignor, `${where}.assignedPartitions[${j}]`, tp, `a partition not also assigned to member ${JSON.stringify(other)}`)
      owner.set(refKey(tp), m.memberId)
    })
  })

  const members = [...input.members].sort((a, b) => compareStrings(a.memberId, b.memberId))
  const topicsOf = new Map<string, string[]>()
  const currentOf = new Map<string, TopicPartitionRef[]>()
  const subscribed = new Set<string>()
  for (const m of members) {
    const topics = [...new Set(m.subscribedTopics)].filter((t) => input.partitionsPerTopic.has(t)).sort(compareStrings)
    topicsOf.set(m.memberId, topics)
    for (const t of topics) subscribed.add(t)
    currentOf.set(
      m.memberId,
      m.assignedPartitions.filter((tp) => tp.partition < (input.partitionsPerTopic.get(tp.topic) ?? 0)).map((tp) => ({ topic: tp.topic, partition: tp.partition })),
    )
  }
  const partitionsPerTopic = new Map<string, number>()
  for (const t of [...subscribed].sort(compareStrings)) partitionsPerTopic.set(t, input.partitionsPerTopic.get(t)!)
  const first = topicsOf.get(members[0]?.memberId ?? '') ?? []
  const homogeneous = members.every((m) => {
    const topics = topicsOf.get(m.memberId)!
    return topics.length === first.length && topics.every((t, i) => t === first[i])
  })
  return { members, topicsOf, currentOf, partitionsPerTopic, homogeneous }
}
