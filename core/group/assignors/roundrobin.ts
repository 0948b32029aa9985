// RoundRobinAssignor ("roundrobin").
// Source: clients/src/main/java/org/apache/kafka/clients/consumer/RoundRobinAssignor.java.
//
// All subscribed partitions sorted by topic then partition are dealt out one at a time to the
// members in MemberInfo order (static members by group.instance.id first, then member id),
// cycling; a member not subscribed to a partition's topic is passed over for it (the circular
// iterator moves on until it finds a subscriber). With identical subscriptions the counts
// differ by at most one; with different subscriptions they may not.

import type { ConsumerPartitionAssignor, GroupAssignmentInput, TopicPartitionRef } from './types.ts'
import { compareMemberInfo, emptyAssignment, sortedPartitionsOf, validateAssignmentInput } from './common.ts'

export const ROUND_ROBIN_ASSIGNOR_NAME = 'roundrobin'

function assignRoundRobin(input: GroupAssignmentInput): Map<string, TopicPartitionRef[]> {
  validateAssignmentInput(ROUND_ROBIN_ASSIGNOR_NAME, input)
  const assignment = emptyAssignment(input.members)
  const members = [...input.members].sort(compareMemberInfo)
  const partitions = sortedPartitionsOf(members.flatMap((m) => m.topics), input.partitionsPerTopic)
  let next = 0 // CircularIterator's position
  for (const tp of partitions) {
    // Some member subscribes tp.topic (it came from a subscription), so this loop ends.
    while (!members[next]!.topics.includes(tp.topic)) next = (next + 1) % members.length
    assignment.get(members[next]!.memberId)!.push(tp)
    next = (next + 1) % members.length
  }
  return assignment
}

export const roundRobinAssignor: ConsumerPartitionAssignor = {
  name: ROUND_ROBIN_ASSIGNOR_NAME,
  supportedProtocols: ['EAGER'],
  assign: assignRoundRobin,
}
