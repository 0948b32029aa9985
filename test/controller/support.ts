// Shared helpers for the controller tests: partition states and records for the pure
// PartitionChangeBuilder tests, replay through a MetadataImage, and, for the scenarios,
// views of the controller's metadata log as the trace shows it.

import { MetadataImage, type PartitionState } from '../../core/metadata/image.ts'
import type { MetadataRecord, PartitionChangeRecord } from '../../core/metadata/records.ts'
import { NO_LEADER } from '../../core/metadata/records.ts'
import { CONTROLLER_ID, type Cluster } from '../../sim/cluster.ts'
import type { TraceRecord } from '../../sim/trace.ts'

export const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** A partition state with Kafka's defaults for everything not given. */
export function partitionState(fields: Partial<PartitionState> & { replicas: readonly number[] }): PartitionState {
  const isr = fields.isr ?? fields.replicas
  return {
    topicId: TOPIC_ID,
    topic: 't',
    partition: 0,
    isr,
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    removingReplicas: [],
    addingReplicas: [],
    leader: isr[0] ?? NO_LEADER,
    leaderRecoveryState: 'RECOVERED',
    leaderEpoch: 5,
    partitionEpoch: 7,
    ...fields,
  }
}

/**
 * The partition after a PartitionChangeRecord, as every node computes it: by replaying
 * the records (Topic, Partition with the current state, the change) into a MetadataImage.
 */
export function replayChange(current: PartitionState, change: PartitionChangeRecord | null): PartitionState {
  const image = new MetadataImage()
  const records: MetadataRecord[] = [
    { type: 'Topic', name: current.topic, topicId: current.topicId },
    {
      type: 'Partition',
      topicId: current.topicId,
      partitionId: current.partition,
      replicas: current.replicas,
      isr: current.isr,
      eligibleLeaderReplicas: current.eligibleLeaderReplicas,
      lastKnownElr: current.lastKnownElr,
      removingReplicas: current.removingReplicas,
      addingReplicas: current.addingReplicas,
      leader: current.leader,
      leaderRecoveryState: current.leaderRecoveryState,
      leaderEpoch: current.leaderEpoch,
      partitionEpoch: current.partitionEpoch,
    },
  ]
  if (change) records.push(change)
  records.forEach((record, offset) => image.replay({ offset, record }))
  return image.partition(current.topicId, current.partition)!
}

/** A 'metadata-records' trace event of the controller. */
export interface MetadataBatch {
  time: number
  cause: string
  firstOffset: number
  records: MetadataRecord[]
}

/** Collects every batch the controller writes from now on (the trace's ring buffer may be too small). */
export function recordMetadata(cluster: Cluster): MetadataBatch[] {
  const batches: MetadataBatch[] = []
  cluster.trace.subscribe((r) => {
    if (r.node === CONTROLLER_ID && r.type === 'metadata-records') {
      const data = r.data as unknown as Omit<MetadataBatch, 'time'>
      batches.push({ time: r.time, cause: data.cause, firstOffset: data.firstOffset, records: data.records })
    }
  })
  return batches
}

/** Collects every trace record of the given types from now on. */
export function recordEvents(cluster: Cluster, types: readonly string[]): TraceRecord[] {
  const events: TraceRecord[] = []
  cluster.trace.subscribe((r) => {
    if (types.includes(r.type)) events.push(r)
  })
  return events
}

/** The controller's committed state of one partition. */
export function controllerPartition(cluster: Cluster, topic: string, partition = 0): PartitionState {
  const image = cluster.controller()!.image
  const state = image.topic(topic)?.partitions.get(partition)
  if (!state) throw new Error(`the controller has no partition ${topic}-${partition}`)
  return state
}

export function runUntil(cluster: Cluster, condition: () => boolean, timeoutMs: number, why: () => string): void {
  cluster.sim.runUntil(condition, { timeoutMs, describe: why })
}

/** The first batch (from `from` on) that fences or unfences `brokerId`. */
export function fencingBatch(batches: readonly MetadataBatch[], brokerId: number, fenced: boolean, from = 0): MetadataBatch | undefined {
  return batches.slice(from).find((b) => b.records.some((r) => r.type === 'BrokerRegistrationChange' && r.brokerId === brokerId && r.fenced === fenced))
}

/** The partition changes of `topicId`/`partition` in a batch. */
export function changesOf(batch: MetadataBatch, topicId: string, partition = 0): PartitionChangeRecord[] {
  return batch.records.filter((r): r is PartitionChangeRecord => r.type === 'PartitionChange' && r.topicId === topicId && r.partitionId === partition)
}

/** The log directories a broker's disk still holds for `topic-partition`. */
export function logsOnDisk(cluster: Cluster, brokerId: number, key: string): string[] {
  return cluster.sim.storageOf(brokerId).logNames().filter((name) => name.startsWith(`${key}/`))
}
