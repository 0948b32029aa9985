// The sticky assignors' fast path, used when every member subscribes the same topics.
// Source: AbstractStickyAssignor.ConstrainedAssignmentBuilder (clients/src/main/java/org/apache/
// kafka/clients/consumer/internals/AbstractStickyAssignor.java, Kafka 4.x), without its
// rack-aware round robin (client.rack is not used for placement here).
//
// With P partitions and C members, everyone gets minQuota = floor(P/C) and P % C members get
// maxQuota = ceil(P/C). Step 1: each member, in the leader's HashMap order, keeps its owned
// partitions (sorted by partition number, then topic) up to its quota: all of them when it
// owns fewer than minQuota; maxQuota while fewer than P % C members have taken the extra one;
// otherwise minQuota. What it drops is revoked. Step 2: the unassigned partitions, by topic and
// partition, go round robin first to the members still under minQuota (by member id), then
// one each to members at minQuota until P % C members hold maxQuota.

import type { TopicPartitionRef } from './types.ts'
import { compareStrings, compareTopicThenPartition, refKey, sortedPartitionsOf } from './common.ts'
import type { OwnedPartitions, StickyGroup } from './sticky-ownership.ts'

export interface StickyResult {
  assignment: Map<string, TopicPartitionRef[]>
  /** partition key -> new owner, for partitions that move from one member to another; null when not tracked. */
  partitionsTransferringOwnership: Map<string, string> | null
}

function comparePartitionThenTopic(a: TopicPartitionRef, b: TopicPartitionRef): number {
  return a.partition - b.partition || compareStrings(a.topic, b.topic)
}

export function constrainedAssign(group: StickyGroup, owned: OwnedPartitions): StickyResult {
  const consumerToOwned = owned.consumerToOwnedPartitions
  const doublyClaimed = owned.partitionsWithMultiplePreviousOwners
  const numberOfConsumers = consumerToOwned.size
  let totalPartitions = 0
  for (const count of group.partitionsPerTopic.values()) totalPartitions += count
  const minQuota = Math.floor(totalPartitions / numberOfConsumers)
  const maxQuota = Math.ceil(totalPartitions / numberOfConsumers)
  const expectedNumMembersWithOverMinQuota = totalPartitions % numberOfConsumers
  let currentNumMembersWithOverMinQuota = 0

  const assignment = new Map<string, TopicPartitionRef[]>()
  for (const id of consumerToOwned.keys()) assignment.set(id, [])
  const assigned = new Set<string>()
  const allRevoked = new Set<string>()
  const transferring = new Map<string, string>()
  let underMinQuota: string[] = []
  let exactlyMinQuota: string[] = []

  // assignOwnedPartitions
  for (const [consumer, claimed] of consumerToOwned) {
    const ownedSorted = [...claimed].sort(comparePartitionThenTopic).filter((tp) => !doublyClaimed.has(refKey(tp)))
    const target = assignment.get(consumer)!
    const keep = (n: number): void => {
      for (const tp of ownedSorted.slice(0, n)) {
        target.push(tp)
        assigned.add(refKey(tp))
      }
      for (const tp of ownedSorted.slice(n)) allRevoked.add(refKey(tp))
    }
    if (ownedSorted.length < minQuota) {
      keep(ownedSorted.length)
      underMinQuota.push(consumer)
    } else if (ownedSorted.length >= maxQuota && currentNumMembersWithOverMinQuota < expectedNumMembersWithOverMinQuota) {
      currentNumMembersWithOverMinQuota++
      if (currentNumMembersWithOverMinQuota === expectedNumMembersWithOverMinQuota) exactlyMinQuota = []
      keep(maxQuota)
    } else {
      keep(minQuota)
      if (currentNumMembersWithOverMinQuota < expectedNumMembersWithOverMinQuota) exactlyMinQuota.push(consumer)
    }
  }

  const unassigned = sortedPartitionsOf(group.partitionsPerTopic.keys(), group.partitionsPerTopic).filter((tp) => !assigned.has(refKey(tp)))
  underMinQuota = underMinQuota.sort(compareStrings)
  exactlyMinQuota = exactlyMinQuota.sort(compareStrings)

  const assignNewPartition = (tp: TopicPartitionRef, consumer: string): number => {
    const target = assignment.get(consumer)!
    target.push(tp)
    const key = refKey(tp)
    // Everything a member could keep it kept in step 1, so a revoked or doubly claimed
    // partition handed out now is changing hands.
    if (allRevoked.has(key) || doublyClaimed.has(key)) transferring.set(key, consumer)
    return target.length
  }

  // assignRoundRobin: `cursor` is the Java iterator over underMinQuota (index of the next
  // element), `lastIndex` the element it returned last (what iterator.remove() removes).
  let cursor = 0
  let lastIndex = -1
  for (const tp of unassigned) {
    let consumer: string
    if (cursor < underMinQuota.length) {
      lastIndex = cursor++
      consumer = underMinQuota[lastIndex]!
    } else if (underMinQuota.length === 0 && exactlyMinQuota.length === 0) {
      throw new Error(`sticky assignor: no member left to take ${tp.topic}-${tp.partition} (minQuota ${minQuota}, maxQuota ${maxQuota}); this is a bug`)
    } else if (underMinQuota.length === 0) {
      consumer = exactlyMinQuota.shift()!
      lastIndex = -1
    } else {
      cursor = 0
      lastIndex = cursor++
      consumer = underMinQuota[lastIndex]!
    }
    const count = assignNewPartition(tp, consumer)
    if (count === minQuota) {
      if (lastIndex >= 0 && underMinQuota[lastIndex] === consumer) {
        underMinQuota.splice(lastIndex, 1)
        cursor = lastIndex
        lastIndex = -1
      }
      exactlyMinQuota.push(consumer)
    } else if (count === maxQuota) {
      currentNumMembersWithOverMinQuota++
    }
  }

  // verifyUnfilledMembers
  if (underMinQuota.length > 0) {
    if (currentNumMembersWithOverMinQuota !== expectedNumMembersWithOverMinQuota) {
      throw new Error(`sticky assignor: ${currentNumMembersWithOverMinQuota} members above minQuota, expected ${expectedNumMembersWithOverMinQuota}; this is a bug`)
    }
    for (const id of underMinQuota) {
      if (assignment.get(id)!.length !== minQuota) throw new Error(`sticky assignor: member ${JSON.stringify(id)} is below minQuota ${minQuota}; this is a bug`)
    }
  }
  for (const list of assignment.values()) list.sort(compareTopicThenPartition)
  return { assignment, partitionsTransferringOwnership: transferring }
}
