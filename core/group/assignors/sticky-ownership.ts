// What the sticky assignors start from: each member's claim on its previously owned partitions,
// with conflicting claims settled by generation, and whether all subscriptions are equal.
// Source: AbstractStickyAssignor.allSubscriptionsEqual and GeneralAssignmentBuilder
// .prepopulateCurrentAssignments (clients/src/main/java/org/apache/kafka/clients/consumer/
// internals/AbstractStickyAssignor.java, Kafka 4.x).

import type { AssignorMember, GroupAssignmentInput, TopicPartitionRef } from './types.ts'
import { DEFAULT_GENERATION } from './types.ts'
import { compareStrings, ownedPartitionExists, refKey } from './common.ts'
import { javaHashMapStringOrder } from './java-order.ts'

/** The group as the sticky assignors see it, members in the leader's HashMap iteration order. */
export interface StickyGroup {
  /** Members in the order Kafka's leader iterates its HashMap<String, Subscription>. */
  members: AssignorMember[]
  byId: Map<string, AssignorMember>
  /** The topics some member subscribes to that the cluster knows, with their partition counts. */
  partitionsPerTopic: Map<string, number>
}

/**
 * Kafka's leader fills a HashMap<String, Subscription> in the JoinGroup response's member order
 * (ConsumerCoordinator.onLeaderElected) and the sticky assignors walk it, so that HashMap's
 * order decides some ties. The sandbox reproduces it for member ids sorted by id; Java would
 * use join order, which only matters for two ids in the same hash bucket, and sorting keeps the
 * result independent of the order the members were passed in.
 */
export function stickyGroup(input: GroupAssignmentInput): StickyGroup {
  const byId = new Map<string, AssignorMember>()
  for (const m of input.members) byId.set(m.memberId, { ...m, topics: [...new Set(m.topics)] })
  const order = javaHashMapStringOrder([...byId.keys()].sort(compareStrings))
  const members = order.map((id) => byId.get(id)!)
  // AbstractPartitionAssignor.assign passes only subscribed topics with metadata and at least
  // one partition ("Skipping assignment for topic ... since no metadata is available").
  const partitionsPerTopic = new Map<string, number>()
  for (const m of members) {
    for (const topic of m.topics) {
      const count = input.partitionsPerTopic.get(topic)
      if (count !== undefined && count > 0) partitionsPerTopic.set(topic, count)
    }
  }
  return { members, byId, partitionsPerTopic }
}

export interface OwnedPartitions {
  allSubscriptionsEqual: boolean
  /** memberId -> the owned partitions it keeps a valid claim on, in the group's member order. */
  consumerToOwnedPartitions: Map<string, TopicPartitionRef[]>
  /** Partitions claimed by two members of the same generation: neither keeps its claim. */
  partitionsWithMultiplePreviousOwners: Set<string>
  maxGeneration: number
}

/**
 * allSubscriptionsEqual: walks the members; a partition claimed by two members goes to the one
 * with the higher generation, and to neither when the generations are equal. Only partitions of
 * known subscribed topics count. (Kafka keeps maxGeneration in a field of the assignor
 * instance that is never reset; here it is computed per assignment.)
 */
export function resolveOwnedPartitions(group: StickyGroup): OwnedPartitions {
  const consumerToOwnedPartitions = new Map<string, TopicPartitionRef[]>()
  const partitionsWithMultiplePreviousOwners = new Set<string>()
  const previousOwner = new Map<string, string>()
  let maxGeneration = DEFAULT_GENERATION
  let allSubscriptionsEqual = true
  let subscribedTopics: Set<string> | null = null

  for (const member of group.members) {
    if (subscribedTopics === null || subscribedTopics.size === 0) {
      subscribedTopics = new Set(member.topics)
    } else if (allSubscriptionsEqual && !(member.topics.length === subscribedTopics.size && member.topics.every((t) => subscribedTopics!.has(t)))) {
      allSubscriptionsEqual = false
    }
    maxGeneration = Math.max(maxGeneration, member.generation)
    const owned: TopicPartitionRef[] = []
    consumerToOwnedPartitions.set(member.memberId, owned)
    for (const tp of member.ownedPartitions) {
      if (!group.partitionsPerTopic.has(tp.topic) || !ownedPartitionExists(tp, group.partitionsPerTopic)) continue
      const key = refKey(tp)
      const other = previousOwner.get(key)
      if (other === undefined) {
        owned.push({ topic: tp.topic, partition: tp.partition })
        previousOwner.set(key, member.memberId)
        continue
      }
      const otherGeneration = group.byId.get(other)!.generation
      if (member.generation === otherGeneration) {
        // Two members of one generation claim it: invalid, so neither keeps it.
        partitionsWithMultiplePreviousOwners.add(key)
        removePartition(consumerToOwnedPartitions.get(other)!, key)
        previousOwner.set(key, member.memberId)
      } else if (member.generation > otherGeneration) {
        owned.push({ topic: tp.topic, partition: tp.partition })
        removePartition(consumerToOwnedPartitions.get(other)!, key)
        previousOwner.set(key, member.memberId)
      }
      // else: the other member's newer claim stands.
    }
  }
  return { allSubscriptionsEqual, consumerToOwnedPartitions, partitionsWithMultiplePreviousOwners, maxGeneration }
}

/** List.remove(Object): the first equal element, if any. */
export function removePartition(list: TopicPartitionRef[], key: string): void {
  const i = list.findIndex((tp) => refKey(tp) === key)
  if (i >= 0) list.splice(i, 1)
}

export interface PreviousOwner {
  memberId: string
  generation: number
}

/**
 * prepopulateCurrentAssignments: for each partition, the member that owned it in the newest
 * generation older than maxGeneration (the first such member in the group's order on a tie).
 * The general algorithm gives a partition back to that member when that evens the balance.
 */
export function previousAssignment(group: StickyGroup, maxGeneration: number): Map<string, PreviousOwner> {
  const prev = new Map<string, PreviousOwner>()
  for (const member of group.members) {
    if (member.generation >= maxGeneration) continue
    for (const tp of member.ownedPartitions) {
      const key = refKey(tp)
      const existing = prev.get(key)
      if (existing === undefined || member.generation > existing.generation) prev.set(key, { memberId: member.memberId, generation: member.generation })
    }
  }
  return prev
}
