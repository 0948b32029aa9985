// The cluster as the metadata log describes it: brokers, topics, partitions and config
// overrides, built by replaying records in order. The controller and every broker keep
// one; two replays of the same records give the same image, which is what lets a broker,
// or a new controller, catch up by reading the log.

import type { LeaderRecoveryState, MetadataLogEntry, MetadataRecord, PartitionChangeRecord, PartitionRecord } from './records.ts'

export interface BrokerRegistration {
  readonly brokerId: number
  readonly brokerEpoch: number
  readonly incarnationId: string
  readonly fenced: boolean
  /** Offset of the RegisterBrokerRecord: the broker is unfenced once its metadata reaches it. */
  readonly registrationOffset: number
}

/** One partition's registration; replaced, never mutated, when a record changes it. */
export interface PartitionState {
  readonly topicId: string
  readonly topic: string
  readonly partition: number
  readonly replicas: readonly number[]
  readonly isr: readonly number[]
  readonly eligibleLeaderReplicas: readonly number[]
  readonly lastKnownElr: readonly number[]
  readonly removingReplicas: readonly number[]
  readonly addingReplicas: readonly number[]
  readonly leader: number
  readonly leaderRecoveryState: LeaderRecoveryState
  readonly leaderEpoch: number
  readonly partitionEpoch: number
}

export interface TopicImage {
  readonly topicId: string
  readonly name: string
  readonly partitions: Map<number, PartitionState>
}

export class MetadataImage {
  /** Offset of the last record replayed, -1 before any. */
  offset = -1
  readonly brokers = new Map<number, BrokerRegistration>()
  readonly topicsById = new Map<string, TopicImage>()
  readonly topicIdsByName = new Map<string, string>()
  /** Topic name -> config name -> value, as written by ConfigRecords. */
  readonly topicConfigs = new Map<string, Map<string, string>>()
  /** Cluster-wide dynamic broker config overrides. */
  readonly clusterConfigs = new Map<string, string>()
  /** The first producer id not yet handed out (ProducerIdsRecord). */
  nextProducerId = 0

  replay(entry: MetadataLogEntry): void {
    if (entry.offset <= this.offset) throw new Error(`metadata replay: offset ${entry.offset} is not after ${this.offset}`)
    this.apply(entry.record, entry.offset)
    this.offset = entry.offset
  }

  topic(name: string): TopicImage | undefined {
    const id = this.topicIdsByName.get(name)
    return id === undefined ? undefined : this.topicsById.get(id)
  }

  partition(topicId: string, partition: number): PartitionState | undefined {
    return this.topicsById.get(topicId)?.partitions.get(partition)
  }

  isUnfenced(brokerId: number): boolean {
    const broker = this.brokers.get(brokerId)
    return broker !== undefined && !broker.fenced
  }

  unfencedBrokerIds(): number[] {
    return [...this.brokers.values()].filter((b) => !b.fenced).map((b) => b.brokerId).sort((a, b) => a - b)
  }

  private apply(record: MetadataRecord, offset: number): void {
    switch (record.type) {
      case 'RegisterBroker':
        this.brokers.set(record.brokerId, {
          brokerId: record.brokerId,
          brokerEpoch: record.brokerEpoch,
          incarnationId: record.incarnationId,
          fenced: record.fenced,
          registrationOffset: offset,
        })
        return
      case 'BrokerRegistrationChange': {
        const broker = this.brokers.get(record.brokerId)
        // A change for an older registration is stale: the broker has registered again since.
        if (!broker || broker.brokerEpoch !== record.brokerEpoch) return
        this.brokers.set(record.brokerId, { ...broker, fenced: record.fenced })
        return
      }
      case 'Topic':
        this.topicsById.set(record.topicId, { topicId: record.topicId, name: record.name, partitions: new Map() })
        this.topicIdsByName.set(record.name, record.topicId)
        return
      case 'Partition':
        return this.applyPartition(record)
      case 'PartitionChange':
        return this.applyPartitionChange(record)
      case 'RemoveTopic': {
        const topic = this.topicsById.get(record.topicId)
        if (!topic) return
        this.topicsById.delete(record.topicId)
        this.topicIdsByName.delete(topic.name)
        this.topicConfigs.delete(topic.name)
        return
      }
      case 'ProducerIds':
        this.nextProducerId = Math.max(this.nextProducerId, record.nextProducerId)
        return
      case 'Config': {
        const configs =
          record.resourceType === 'broker'
            ? this.clusterConfigs
            : (this.topicConfigs.get(record.resourceName) ?? this.topicConfigs.set(record.resourceName, new Map()).get(record.resourceName)!)
        if (record.value === null) configs.delete(record.name)
        else configs.set(record.name, record.value)
        return
      }
    }
  }

  private applyPartition(record: PartitionRecord): void {
    const topic = this.topicsById.get(record.topicId)
    if (!topic) throw new Error(`metadata replay: partition ${record.partitionId} of unknown topic id ${record.topicId}`)
    topic.partitions.set(record.partitionId, {
      topicId: record.topicId,
      topic: topic.name,
      partition: record.partitionId,
      replicas: record.replicas,
      isr: record.isr,
      eligibleLeaderReplicas: record.eligibleLeaderReplicas,
      lastKnownElr: record.lastKnownElr,
      removingReplicas: record.removingReplicas,
      addingReplicas: record.addingReplicas,
      leader: record.leader,
      leaderRecoveryState: record.leaderRecoveryState,
      leaderEpoch: record.leaderEpoch,
      partitionEpoch: record.partitionEpoch,
    })
  }

  private applyPartitionChange(record: PartitionChangeRecord): void {
    const topic = this.topicsById.get(record.topicId)
    const current = topic?.partitions.get(record.partitionId)
    if (!topic || !current) return
    // As PartitionRegistration.merge: a record that names a leader bumps the leader epoch,
    // even when it names the same leader; every change bumps the partition epoch.
    const leaderChanged = record.leader !== undefined
    topic.partitions.set(record.partitionId, {
      ...current,
      leader: record.leader ?? current.leader,
      isr: record.isr ?? current.isr,
      eligibleLeaderReplicas: record.eligibleLeaderReplicas ?? current.eligibleLeaderReplicas,
      lastKnownElr: record.lastKnownElr ?? current.lastKnownElr,
      replicas: record.replicas ?? current.replicas,
      removingReplicas: record.removingReplicas ?? current.removingReplicas,
      addingReplicas: record.addingReplicas ?? current.addingReplicas,
      leaderRecoveryState: record.leaderRecoveryState ?? current.leaderRecoveryState,
      leaderEpoch: leaderChanged ? current.leaderEpoch + 1 : current.leaderEpoch,
      partitionEpoch: current.partitionEpoch + 1,
    })
  }
}
