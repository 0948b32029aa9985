// The KRaft metadata log's records (metadata/src/main/resources/common/metadata/*.json):
// the controller writes them, and every broker (and, with a quorum, every controller)
// replays them in order to build the same picture of the cluster. Field names follow
// Kafka's; only the fields the sandbox models are kept.

export const NO_LEADER = -1

/** LeaderRecoveryState (KIP-704): RECOVERING after an unclean election until the leader's ISR grows. */
export type LeaderRecoveryState = 'RECOVERED' | 'RECOVERING'

export interface RegisterBrokerRecord {
  type: 'RegisterBroker'
  brokerId: number
  /** Unique per process start: a restarted broker registers again with a new one. */
  incarnationId: string
  /** The controller's next write offset when it registered the broker. */
  brokerEpoch: number
  fenced: boolean
}

/** Fences or unfences a registered broker (Kafka 4.0 writes this, not the legacy Fence/UnfenceBrokerRecord). */
export interface BrokerRegistrationChangeRecord {
  type: 'BrokerRegistrationChange'
  brokerId: number
  brokerEpoch: number
  fenced: boolean
}

export interface TopicRecord {
  type: 'Topic'
  name: string
  topicId: string
}

export interface PartitionRecord {
  type: 'Partition'
  topicId: string
  partitionId: number
  replicas: readonly number[]
  isr: readonly number[]
  /** Eligible Leader Replicas (KIP-966), empty unless the switch is on. */
  eligibleLeaderReplicas: readonly number[]
  lastKnownElr: readonly number[]
  removingReplicas: readonly number[]
  addingReplicas: readonly number[]
  leader: number
  leaderRecoveryState: LeaderRecoveryState
  leaderEpoch: number
  partitionEpoch: number
}

/** Only the fields that change are present; the partition epoch always bumps. */
export interface PartitionChangeRecord {
  type: 'PartitionChange'
  topicId: string
  partitionId: number
  leader?: number
  isr?: readonly number[]
  eligibleLeaderReplicas?: readonly number[]
  lastKnownElr?: readonly number[]
  replicas?: readonly number[]
  removingReplicas?: readonly number[]
  addingReplicas?: readonly number[]
  leaderRecoveryState?: LeaderRecoveryState
}

export interface RemoveTopicRecord {
  type: 'RemoveTopic'
  topicId: string
}

export interface ConfigRecord {
  type: 'Config'
  resourceType: 'topic' | 'broker'
  /** The topic name, or '' for the cluster-wide broker default. */
  resourceName: string
  name: string
  /** null removes the override. */
  value: string | null
}

/** The controller handed producer ids below `nextProducerId` to a broker (ProducerIdsRecord). */
export interface ProducerIdsRecord {
  type: 'ProducerIds'
  brokerId: number
  brokerEpoch: number
  nextProducerId: number
}

export type MetadataRecord =
  | RegisterBrokerRecord
  | BrokerRegistrationChangeRecord
  | TopicRecord
  | PartitionRecord
  | PartitionChangeRecord
  | RemoveTopicRecord
  | ConfigRecord
  | ProducerIdsRecord

/** A record at its offset in the metadata log. */
export interface MetadataLogEntry {
  readonly offset: number
  readonly record: MetadataRecord
}
