// RangeAssignor ("range"), the first of Kafka's default strategies [range, cooperative-sticky].
// Source: clients/src/main/java/org/apache/kafka/clients/consumer/RangeAssignor.java (Kafka 4.x).
//
// Topic by topic: the members subscribing the topic, in MemberInfo order (static members by
// group.instance.id first, then member id), each take a contiguous range of partitions; with
// n partitions and m members each gets n / m, and the first n % m members one more. Because
// every topic is split the same way, the first members take the extra partition of every
// topic, which is why range can be lopsided with many topics.
//
// Not modelled: the rack-aware variant (KIP-881) that Kafka uses when consumers set client.rack
// and partition replicas have racks; here rackId is ignored and the plain ranges are used.
// Each member's list is in topic-name order; Kafka's follows its HashMap of topics.

import type { ConsumerPartitionAssignor, GroupAssignmentInput, TopicPartitionRef } from './types.ts'
import { compareMemberInfo, compareStrings, emptyAssignment, validateAssignmentInput } from './common.ts'

export const RANGE_ASSIGNOR_NAME = 'range'

function assignRange(input: GroupAssignmentInput): Map<string, TopicPartitionRef[]> {
  validateAssignmentInput(RANGE_ASSIGNOR_NAME, input)
  const assignment = emptyAssignment(input.members)
  const subscribedTopics = new Set(input.members.flatMap((m) => m.topics))
  for (const topic of [...subscribedTopics].sort(compareStrings)) {
    const partitionCount = input.partitionsPerTopic.get(topic)
    if (partitionCount === undefined) continue // AbstractPartitionAssignor: no metadata, skipped
    const consumers = input.members.filter((m) => m.topics.includes(topic)).sort(compareMemberInfo)
    const perConsumer = Math.floor(partitionCount / consumers.length)
    const withExtra = partitionCount % consumers.length
    consumers.forEach((member, i) => {
      const start = perConsumer * i + Math.min(i, withExtra)
      const length = perConsumer + (i < withExtra ? 1 : 0)
      const target = assignment.get(member.memberId)!
      for (let p = start; p < start + length; p++) target.push({ topic, partition: p })
    })
  }
  return assignment
}

export const rangeAssignor: ConsumerPartitionAssignor = {
  name: RANGE_ASSIGNOR_NAME,
  supportedProtocols: ['EAGER'],
  assign: assignRange,
}
