// KafkaJS 2.x's Partitioners (kafkajs src/producer/partitioners/index.js):
// DefaultPartitioner (alias JavaCompatiblePartitioner) hashes keys with Java's murmur2, so
// keyed records land where the Java client puts them; LegacyPartitioner is KafkaJS 1.x's
// default, with its own murmur2 variant. Both send keyless records round-robin. The logic
// is core/client/partitioner.ts's; here it is shaped as KafkaJS's API, and wrapped as the
// core producer's partitioner.class.
//
// KafkaJS seeds each topic's round-robin counter from crypto.randomBytes; here a producer
// hands its createPartitioner a seeded random source ({ random }), which KafkaJS's own
// partitioners ignore harmlessly (they take no arguments). Called without one, they draw
// from a fixed stream, so a partitioner made outside a producer is deterministic too.

import {
  createKafkaJsDefaultPartitioner,
  createKafkaJsLegacyPartitioner,
  type KafkaJsPartitioner,
  type Partitioner,
  type PartitionerCluster,
} from '../../core/client/partitioner.ts'
import { RandomStreams } from '../random.ts'

export interface PartitionerArgs {
  topic: string
  partitionMetadata: { partitionId: number; leader: number }[]
  message: { key?: string | Uint8Array | null; value?: unknown; partition?: number | null }
}

/** KafkaJS's ICustomPartitioner: called once per producer; the function it returns once per message. */
export type CreatePartitioner = (options?: { random?: () => number }) => (args: PartitionerArgs) => number

/** A partitioner made outside any producer draws from this stream. */
const fallbackRandom = () => {
  const stream = new RandomStreams(0).stream('kafkajs:partitioner')
  return () => stream.next()
}

const defaultPartitioner: CreatePartitioner = (options) => createKafkaJsDefaultPartitioner(options?.random ?? fallbackRandom()) as (args: PartitionerArgs) => number
const legacyPartitioner: CreatePartitioner = (options) => createKafkaJsLegacyPartitioner(options?.random ?? fallbackRandom()) as (args: PartitionerArgs) => number

export const Partitioners = Object.freeze({
  DefaultPartitioner: defaultPartitioner,
  JavaCompatiblePartitioner: defaultPartitioner,
  LegacyPartitioner: legacyPartitioner,
})

/**
 * A KafkaJS partitioner as the core producer's partitioner.class. The core producer asks it
 * for every record that names no partition, once it has the topic's metadata; KafkaJS's
 * partitionMetadata lists every partition with its leader (-1 when none).
 */
export function asCorePartitioner(partitioner: KafkaJsPartitioner | ((args: PartitionerArgs) => number)): Partitioner {
  return {
    partition(topic: string, key: string | null, _keyBytes: Uint8Array | null, value: string | null, cluster: PartitionerCluster): number {
      // The core tells which partitions have a leader, not who: 0 stands for "some leader".
      const available = new Set(cluster.availablePartitions)
      const partitionMetadata = Array.from({ length: cluster.partitionCount }, (_, partitionId) => ({ partitionId, leader: available.has(partitionId) ? 0 : -1 }))
      // The core producer refuses a result that is not a non-negative integer (choosePartition).
      return (partitioner as (args: PartitionerArgs) => number)({ topic, partitionMetadata, message: { key, value } })
    },
  }
}
