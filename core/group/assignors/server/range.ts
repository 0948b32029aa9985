// The broker-side RangeAssignor ("range") of KIP-848: range's co-partitioning with stickiness.
// Source: group-coordinator/src/main/java/org/apache/kafka/coordinator/group/assignor/RangeAssignor.java.
//
// Topic by topic, over the members subscribing it: each gets floor(n/m) partitions and n % m
// members one more. A member first keeps its current partitions of the topic, lowest numbers
// first, up to floor(n/m) (and one more while extra slots remain); then the members still
// short take the unassigned partitions in ascending ranges. When all members subscribe
// co-partitioned topics (same partition counts) and start from the same history, each member
// gets the same partition numbers of every topic, which is what joins need.
//
// Where the sandbox differs: Kafka walks each topic's members in its member map's order; here
// they go by member id, so with no history the result equals the client range assignor's.

import type { TopicPartitionRef } from '../types.ts'
import { compareTopicThenPartition } from '../common.ts'
import { serverGroup } from './common.ts'
import type { ServerAssignmentInput, ServerPartitionAssignor } from './types.ts'

export const SERVER_RANGE_ASSIGNOR_NAME = 'range'

function assignServerRange(input: ServerAssignmentInput): Map<string, TopicPartitionRef[]> {
  const group = serverGroup(SERVER_RANGE_ASSIGNOR_NAME, input)
  const result = new Map<string, TopicPartitionRef[]>()
  for (const m of group.members) result.set(m.memberId, [])
  for (const [topic, partitionCount] of group.partitionsPerTopic) {
    const members = group.members.filter((m) => group.topicsOf.get(m.memberId)!.includes(topic))
    const minQuota = Math.floor(partitionCount / members.length)
    let withExtra = partitionCount % members.length
    const sticky = new Set<number>()
    const unfilled: Array<{ memberId: string; remaining: number }> = []
    for (const m of members) {
      const current = group.currentOf.get(m.memberId)!.filter((tp) => tp.topic === topic).map((tp) => tp.partition).sort((a, b) => a - b)
      const keep = (p: number): void => {
        sticky.add(p)
        result.get(m.memberId)!.push({ topic, partition: p })
      }
      for (const p of current.slice(0, minQuota)) keep(p)
      const remaining = minQuota - current.length
      if (remaining < 0 && withExtra > 0) {
        withExtra--
        keep(current[minQuota]!)
      } else {
        unfilled.push({ memberId: m.memberId, remaining })
      }
    }
    const unassigned: number[] = []
    for (let p = 0; p < partitionCount; p++) if (!sticky.has(p)) unassigned.push(p)
    let next = 0
    for (const u of unfilled) {
      let remaining = u.remaining
      if (withExtra > 0) {
        remaining++
        withExtra--
      }
      for (let i = 0; i < remaining; i++) result.get(u.memberId)!.push({ topic, partition: unassigned[next++]! })
    }
  }
  for (const list of result.values()) list.sort(compareTopicThenPartition)
  return result
}

export const serverRangeAssignor: ServerPartitionAssignor = {
  name: SERVER_RANGE_ASSIGNOR_NAME,
  assign: assignServerRange,
}
