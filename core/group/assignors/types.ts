// The client-side partition assignor contract: the group leader's consumer runs one of these
// over every member's subscription (org.apache.kafka.clients.consumer.ConsumerPartitionAssignor,
// clients/src/main/java/org/apache/kafka/clients/consumer/ConsumerPartitionAssignor.java).

export interface TopicPartitionRef {
  topic: string
  partition: number
}

/** One member's Subscription as the leader sees it (ConsumerProtocolSubscription v3). */
export interface AssignorMember {
  memberId: string
  /** group.instance.id: static members sort by it in range and roundrobin (KIP-345). */
  groupInstanceId: string | null
  /** Subscribed topic names; topics the cluster does not know are skipped, as in Kafka. */
  topics: string[]
  /** The partitions the member says it owns (cooperative: what it kept; sticky: its last assignment). */
  ownedPartitions: TopicPartitionRef[]
  /** The generation those partitions were owned in; -1 (DEFAULT_GENERATION) when it has none. */
  generation: number
  /** client.rack; not used for placement here (see each assignor). */
  rackId: string | null
}

export interface GroupAssignmentInput {
  members: AssignorMember[]
  /** Partition count of every topic the cluster knows (the leader's metadata). */
  partitionsPerTopic: Map<string, number>
}

export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE'

export interface ConsumerPartitionAssignor {
  /** partition.assignment.strategy's short name, as Kafka's name() returns it. */
  name: string
  supportedProtocols: RebalanceProtocol[]
  /** memberId -> partitions; every member is present, possibly with []. */
  assign(input: GroupAssignmentInput): Map<string, TopicPartitionRef[]>
}

/** AbstractStickyAssignor.DEFAULT_GENERATION: a member that reports no generation. */
export const DEFAULT_GENERATION = -1
