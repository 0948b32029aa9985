// UniformAssignor ("uniform"), the default broker-side assignor of KIP-848.
// Sources (Kafka 4.x, group-coordinator/src/main/java/org/apache/kafka/coordinator/group/assignor/):
// UniformAssignor.java, UniformHomogeneousAssignmentBuilder.java, UniformHeterogeneousAssignmentBuilder.java.
//
// Balance first, then stickiness. Homogeneous (all members subscribe the same topics): with P
// partitions and M members each member's quota is floor(P/M), the first P % M members (in the
// order the builder walks them) get one more; each keeps its current partitions up to its quota
// and the rest, with never-assigned partitions, fill the members below quota. Heterogeneous:
// each member keeps the current partitions it still subscribes, the others go to the least
// loaded subscriber, then partitions move from a member to a subscriber with at least two
// fewer until no such move remains.
//
// Where the sandbox differs: Kafka walks members in its member map's order and topics in topic
// id order; here members go by member id and topics by name. The heterogeneous balancing follows
// Kafka's rules (balance over stickiness, no move that does not even the counts) but not its
// exact choice among equally good moves.

import type { TopicPartitionRef } from '../types.ts'
import { compareStrings, compareTopicThenPartition, refKey } from '../common.ts'
import { serverGroup } from './common.ts'
import type { ServerGroup } from './common.ts'
import type { ServerAssignmentInput, ServerPartitionAssignor } from './types.ts'

export const UNIFORM_ASSIGNOR_NAME = 'uniform'

function homogeneousAssign(group: ServerGroup): Map<string, TopicPartitionRef[]> {
  const topics = group.topicsOf.get(group.members[0]!.memberId)!
  const subscribed = new Set(topics)
  const target = new Map<string, TopicPartitionRef[]>()
  const assigned = new Set<string>()
  for (const list of group.currentOf.values()) for (const tp of list) if (subscribed.has(tp.topic)) assigned.add(refKey(tp))
  const unassigned: TopicPartitionRef[] = []
  let total = 0
  for (const topic of topics) {
    const count = group.partitionsPerTopic.get(topic)!
    total += count
    for (let p = 0; p < count; p++) if (!assigned.has(`${topic}\u0000${p}`)) unassigned.push({ topic, partition: p })
  }
  const minQuota = Math.floor(total / group.members.length)
  let extras = total % group.members.length
  const unfilled: Array<{ memberId: string; remaining: number }> = []
  // maybeRevokePartitions: keep up to the quota, in the member's own order, drop the rest.
  for (const m of group.members) {
    let quota = minQuota
    if (extras > 0) {
      quota++
      extras--
    }
    const kept: TopicPartitionRef[] = []
    for (const tp of group.currentOf.get(m.memberId)!) {
      if (!subscribed.has(tp.topic)) continue
      if (quota > 0) {
        kept.push(tp)
        quota--
      } else {
        unassigned.push(tp)
      }
    }
    target.set(m.memberId, kept)
    if (quota > 0) unfilled.push({ memberId: m.memberId, remaining: quota })
  }
  // assignRemainingPartitions
  let next = 0
  for (const { memberId, remaining } of unfilled) {
    const list = target.get(memberId)!
    for (let i = 0; i < remaining && next < unassigned.length; i++) list.push(unassigned[next++]!)
  }
  if (next < unassigned.length) throw new Error(`assignor "uniform": ${unassigned.length - next} partitions were left unassigned; this is a bug`)
  return target
}

function heterogeneousAssign(group: ServerGroup): Map<string, TopicPartitionRef[]> {
  const target = new Map<string, TopicPartitionRef[]>()
  const owner = new Map<string, string>()
  const subscribers = new Map<string, string[]>()
  for (const topic of group.partitionsPerTopic.keys()) subscribers.set(topic, [])
  for (const m of group.members) for (const t of group.topicsOf.get(m.memberId)!) subscribers.get(t)!.push(m.memberId)
  // assignStickyPartitions: keep what is still subscribed.
  for (const m of group.members) {
    const topics = new Set(group.topicsOf.get(m.memberId)!)
    const kept = group.currentOf.get(m.memberId)!.filter((tp) => topics.has(tp.topic))
    target.set(m.memberId, kept)
    for (const tp of kept) owner.set(refKey(tp), m.memberId)
  }
  const size = (id: string): number => target.get(id)!.length
  const leastLoaded = (topic: string): string =>
    [...subscribers.get(topic)!].sort((a, b) => size(a) - size(b) || compareStrings(a, b))[0]!
  // sortTopicIdPartitions: topics with more partitions per subscriber first, then fewer subscribers.
  const perSubscriber = (topic: string): number => group.partitionsPerTopic.get(topic)! / subscribers.get(topic)!.length
  const all: TopicPartitionRef[] = []
  for (const [topic, count] of group.partitionsPerTopic) for (let p = 0; p < count; p++) all.push({ topic, partition: p })
  all.sort(
    (a, b) =>
      perSubscriber(b.topic) - perSubscriber(a.topic) ||
      subscribers.get(a.topic)!.length - subscribers.get(b.topic)!.length ||
      a.partition - b.partition ||
      compareStrings(a.topic, b.topic),
  )
  for (const tp of all) {
    if (owner.has(refKey(tp))) continue
    const to = leastLoaded(tp.topic)
    target.get(to)!.push(tp)
    owner.set(refKey(tp), to)
  }
  // balance: move a partition to a subscriber with at least two fewer, until none can move.
  // Every move lowers the sum of squared counts, so this ends.
  let moved = true
  while (moved) {
    moved = false
    for (const tp of all) {
      const from = owner.get(refKey(tp))!
      const to = leastLoaded(tp.topic)
      if (size(from) > size(to) + 1) {
        const list = target.get(from)!
        list.splice(list.findIndex((x) => refKey(x) === refKey(tp)), 1)
        target.get(to)!.push(tp)
        owner.set(refKey(tp), to)
        moved = true
      }
    }
  }
  return target
}

function assignUniform(input: ServerAssignmentInput): Map<string, TopicPartitionRef[]> {
  const group = serverGroup(UNIFORM_ASSIGNOR_NAME, input)
  const result = new Map<string, TopicPartitionRef[]>()
  for (const m of group.members) result.set(m.memberId, [])
  if (group.members.length === 0 || group.partitionsPerTopic.size === 0) return result
  const target = group.homogeneous ? homogeneousAssign(group) : heterogeneousAssign(group)
  for (const [id, list] of target) result.set(id, [...list].sort(compareTopicThenPartition))
  return result
}

export const uniformAssignor: ServerPartitionAssignor = {
  name: UNIFORM_ASSIGNOR_NAME,
  assign: assignUniform,
}
