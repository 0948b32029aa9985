// The broker-side assignor contract of KIP-848 (group.protocol=consumer): the group coordinator
// computes each member's target assignment from the members' subscriptions and their current
// assignments. Mirrors org.apache.kafka.coordinator.group.api.assignor.ConsumerGroupPartitionAssignor
// (group-coordinator/group-coordinator-api, Kafka 4.x) with topic names in place of topic ids.

import type { TopicPartitionRef } from '../types.ts'

/** MemberSubscriptionAndAssignmentSpec: what the coordinator knows of one member. */
export interface ServerAssignorMember {
  memberId: string
  instanceId: string | null
  /** Not used for placement here (Kafka's built-in uniform and range assignors ignore racks too). */
  rackId: string | null
  /** Subscribed topic names that the coordinator resolved; unknown names are skipped. */
  subscribedTopics: string[]
  /** The member's current target assignment. */
  assignedPartitions: TopicPartitionRef[]
}

export interface ServerAssignmentInput {
  members: ServerAssignorMember[]
  /** Partition count of every topic in the cluster's metadata. */
  partitionsPerTopic: Map<string, number>
}

export interface ServerPartitionAssignor {
  /** group.consumer.assignors short name: "uniform" or "range". */
  name: string
  /** memberId -> new target assignment; every member present, possibly []. */
  assign(input: ServerAssignmentInput): Map<string, TopicPartitionRef[]>
}
