// Which partition a produced record goes to, as Kafka 4.x's Java producer decides it, and
// as KafkaJS's two partitioners do (the KafkaJS facade uses those).
//
// Java (paths in apache/kafka, clients/src/main/java/org/apache/kafka/clients/producer/):
//   ProducerRecord.java           a negative partition is refused when the record is built
//   KafkaProducer.java            waitOnMetadata: a partition beyond the known count waits for
//                                 metadata until max.block.ms; partition(): explicit, then the
//                                 custom partitioner, then the key hash, else UNKNOWN_PARTITION
//   internals/BuiltInPartitioner.java   the uniform sticky partitioner of KIP-794, per topic
//   internals/RecordAccumulator.java    append() drives it; partitionReady() feeds it queue
//                                 sizes (adaptive partitioning); updateNodeLatencyStats() the
//                                 partitioner.availability.timeout.ms bookkeeping
// KafkaJS 2.2.4 (src/producer/partitioners/): legacy/partitioner.js holds the logic both
// partitioners share; default/index.js plugs in the Java-compatible murmur2, legacy/index.js
// the 1.x one. Randomness is always a parameter here, never ambient.

import { describeValue } from '../describe.ts'
import { javaUtf8Bytes, kafkaJsLegacyMurmur2, murmur2, toPositive, utf8Bytes } from './murmur2.ts'

/** RecordMetadata.UNKNOWN_PARTITION: no partition yet; the built-in sticky partitioner picks one at append time. */
export const UNKNOWN_PARTITION = -1

/** max.block.ms's default, quoted when an explicit partition never shows up in metadata. */
const DEFAULT_MAX_BLOCK_MS = 60_000

/** What a partitioner knows of a topic. */
export interface PartitionerCluster {
  /** The topic has partitions 0 .. partitionCount - 1. */
  readonly partitionCount: number
  /** Partitions whose leader is known, in metadata order (Cluster.availablePartitionsForTopic). */
  readonly availablePartitions: readonly number[]
}

/** partitioner.class: a user's partitioner, asked for every record that names no partition. */
export interface Partitioner {
  partition(topic: string, key: string | null, keyBytes: Uint8Array | null, value: string | null, cluster: PartitionerCluster): number
}

export type InvalidPartitionReason = 'negative' | 'not-an-integer' | 'not-in-metadata' | 'partitioner-returned-invalid'

/**
 * A partition the producer refuses, with the Java exception a real producer raises and its
 * message, for the caller to turn into the failure its API reports.
 */
export class InvalidPartitionError extends Error {
  override name = 'InvalidPartitionError'
  constructor(
    readonly exception: 'IllegalArgumentException' | 'TimeoutException',
    readonly reason: InvalidPartitionReason,
    readonly partition: unknown,
    message: string,
  ) {
    super(`${exception}: ${message}`)
  }
}

/** A record as the producer partitions it. */
export interface RecordToPartition {
  readonly topic: string
  /** An explicit partition (ProducerRecord.partition); null or absent: the producer chooses. */
  readonly partition?: number | null
  readonly key: string | null
  readonly value: string | null
}

export interface PartitionOptions {
  /** partitioner.class; absent or null: the built-in partitioning. */
  readonly partitioner?: Partitioner | null
  /** partitioner.ignore.keys: keyed records go to the sticky partition too. */
  readonly ignoreKeys?: boolean
  /** max.block.ms, quoted by the error for an explicit partition the metadata does not have. */
  readonly maxBlockMs?: number
}

/**
 * KafkaProducer.partition, with ProducerRecord's and waitOnMetadata's checks of an explicit
 * partition. Returns the partition, or UNKNOWN_PARTITION for a record the topic's
 * BuiltInPartitioner places when it is appended. Keys are hashed as Kafka's StringSerializer
 * encodes them (javaUtf8Bytes), over all partitions, available or not.
 *
 * Throws InvalidPartitionError: IllegalArgumentException for a negative partition (Java
 * refuses it in ProducerRecord's constructor, so send() throws) or a negative partition from
 * a custom partitioner; TimeoutException for an explicit partition >= the partition count.
 * Kafka does not fail that one at once: waitOnMetadata refreshes metadata (the topic may
 * have grown) until max.block.ms, and only then fails, so a producer should do the same
 * before calling this. A custom partitioner's partition beyond the count is not checked, as
 * in Kafka: its batch waits for a leader that never comes and expires after
 * delivery.timeout.ms.
 */
export function choosePartition(record: RecordToPartition, cluster: PartitionerCluster, options: PartitionOptions = {}): number {
  checkPartitionCount(cluster.partitionCount)
  const explicit = record.partition
  if (explicit !== null && explicit !== undefined) {
    checkRecordPartition(explicit)
    if (explicit >= cluster.partitionCount) {
      throw partitionNotInMetadataError(record.topic, explicit, cluster.partitionCount, options.maxBlockMs ?? DEFAULT_MAX_BLOCK_MS)
    }
    return explicit
  }
  const keyBytes = record.key === null ? null : javaUtf8Bytes(record.key)
  if (options.partitioner) {
    const chosen = options.partitioner.partition(record.topic, record.key, keyBytes, record.value, cluster)
    if (!Number.isInteger(chosen) || chosen < 0) {
      throw new InvalidPartitionError('IllegalArgumentException', 'partitioner-returned-invalid', chosen,
        `The partitioner generated an invalid partition number: ${describeValue(chosen)}. Partition number should always be non-negative.`)
    }
    return chosen
  }
  if (keyBytes !== null && !options.ignoreKeys) return partitionForKey(keyBytes, cluster.partitionCount)
  return UNKNOWN_PARTITION
}

/** ProducerRecord's constructor check: a partition is a non-negative integer (or absent). */
export function checkRecordPartition(partition: number): void {
  if (!Number.isInteger(partition)) {
    throw new InvalidPartitionError('IllegalArgumentException', 'not-an-integer', partition,
      `Invalid partition: ${describeValue(partition)}. Partition number should be an integer.`)
  }
  if (partition < 0) {
    throw new InvalidPartitionError('IllegalArgumentException', 'negative', partition,
      `Invalid partition: ${partition}. Partition number should always be non-negative or null.`)
  }
}

/** waitOnMetadata's failure once max.block.ms has passed without metadata holding the partition. */
export function partitionNotInMetadataError(topic: string, partition: number, partitionCount: number, maxBlockMs: number): InvalidPartitionError {
  return new InvalidPartitionError('TimeoutException', 'not-in-metadata', partition,
    `Partition ${partition} of topic ${topic} with partition count ${partitionCount} is not present in metadata after ${maxBlockMs} ms.`)
}

/** BuiltInPartitioner.partitionForKey: the murmur2 hash of the key's bytes, over every partition. */
export function partitionForKey(keyBytes: Uint8Array, partitionCount: number): number {
  checkPartitionCount(partitionCount)
  return toPositive(murmur2(keyBytes)) % partitionCount
}

function checkPartitionCount(partitionCount: number): void {
  if (!Number.isSafeInteger(partitionCount) || partitionCount < 1) {
    throw new RangeError(`partition count: expected an integer >= 1, got ${describeValue(partitionCount)}`)
  }
}

/** BuiltInPartitioner.PartitionLoadStats: a cumulative frequency table over the partitions in play. */
interface PartitionLoadStats {
  readonly cumulativeFrequencyTable: readonly number[]
  readonly partitionIds: readonly number[]
}

/**
 * The built-in uniform sticky partitioner (KIP-794) for one topic: records without a
 * partition (keyless, or with partitioner.ignore.keys) stick to one partition until about
 * batch.size bytes went to it, then it draws another: uniformly over the partitions with a
 * leader, or, when adaptive partitioning has load stats, weighted away from partitions with
 * long queues. A draw may land on the partition it leaves, as in Kafka. The sticky
 * partition is not dropped when its leader goes away; records keep queueing there until the
 * next switch.
 *
 * The accumulator drives it as RecordAccumulator.append does, for a record with
 * UNKNOWN_PARTITION:
 *   1. p = peekCurrentPartition(cluster)
 *   2. if p's queue is empty or its last batch is full: if updatePartitionInfo(0, cluster, true)
 *      switched, go back to 1 (a switch deferred by step 4 completes now)
 *   3. append the record to p's queue; appendedBytes = how much the queue's estimated size
 *      grew (a new batch counts its header too)
 *   4. updatePartitionInfo(appendedBytes, cluster, enableSwitch = p's last batch is full)
 * and it calls updatePartitionLoadStats on every readiness check (see partitionLoadStatsInputs).
 */
export class BuiltInPartitioner {
  private stickyPartition: number | null = null
  private producedBytesSinceSwitch = 0
  private loadStats: PartitionLoadStats | null = null

  constructor(
    readonly topic: string,
    /** batch.size, at least 1 (KafkaProducer passes Math.max(1, batch.size)). */
    readonly stickyBatchSizeBytes: number,
    /** Uniform in [0, 1); stands for ThreadLocalRandom. */
    private readonly random: () => number,
  ) {
    if (!Number.isSafeInteger(stickyBatchSizeBytes) || stickyBatchSizeBytes < 1) {
      throw new RangeError(`stickyBatchSize must be >= 1 but got ${describeValue(stickyBatchSizeBytes)}`)
    }
  }

  /** peekCurrentPartitionInfo: the sticky partition, drawn now if there is none yet. */
  peekCurrentPartition(cluster: PartitionerCluster): number {
    if (this.stickyPartition === null) this.switchPartition(cluster)
    return this.stickyPartition!
  }

  /** Bytes produced to the sticky partition since it was chosen. */
  get producedBytes(): number {
    return this.producedBytesSinceSwitch
  }

  /**
   * updatePartitionInfo: count bytes appended to the sticky partition and switch once
   * stickyBatchSize bytes went there. With enableSwitch false (the partition's last batch is
   * not full yet) the switch waits, so that the batch can fill, but never past twice the
   * sticky batch size. Returns whether the partition changed.
   */
  updatePartitionInfo(appendedBytes: number, cluster: PartitionerCluster, enableSwitch = true): boolean {
    if (!Number.isSafeInteger(appendedBytes) || appendedBytes < 0) {
      throw new RangeError(`appended bytes: expected an integer >= 0, got ${describeValue(appendedBytes)}`)
    }
    if (this.stickyPartition === null) return false // nothing was peeked, nothing was appended to it
    this.producedBytesSinceSwitch += appendedBytes
    const produced = this.producedBytesSinceSwitch
    if ((produced >= this.stickyBatchSizeBytes && enableSwitch) || produced >= this.stickyBatchSizeBytes * 2) {
      this.switchPartition(cluster)
      return true
    }
    return false
  }

  /**
   * updatePartitionLoadStats. queueSizes[i] is the number of batches queued for
   * partitionIds[i]; only the first `length` entries count (partitions left out for
   * partitioner.availability.timeout.ms fall beyond it). Null turns adaptive choice off.
   * Each partition's weight is (largest queue + 1) - its queue; with fewer than two
   * partitions in the topic, or all queues equal and none left out, the choice stays uniform.
   */
  updatePartitionLoadStats(queueSizes: readonly number[] | null, partitionIds: readonly number[], length: number): void {
    if (queueSizes === null) {
      this.loadStats = null
      return
    }
    if (queueSizes.length !== partitionIds.length || !Number.isSafeInteger(length) || length < 0 || length > queueSizes.length) {
      throw new RangeError(`load stats: expected as many queue sizes as partition ids and 0 <= length <= that many, got ${queueSizes.length} sizes, ${partitionIds.length} ids, length ${describeValue(length)}`)
    }
    if (length < 1 || queueSizes.length < 2) {
      this.loadStats = null
      return
    }
    let maxSizePlus1 = queueSizes[0]!
    let allEqual = true
    for (let i = 1; i < length; i++) {
      if (queueSizes[i] !== maxSizePlus1) allEqual = false
      if (queueSizes[i]! > maxSizePlus1) maxSizePlus1 = queueSizes[i]!
    }
    maxSizePlus1++
    if (allEqual && length === queueSizes.length) {
      this.loadStats = null
      return
    }
    // Invert each queue size into a weight and accumulate: a draw in [0, total) then lands
    // on partition i with probability weight_i / total.
    const cumulativeFrequencyTable: number[] = []
    let total = 0
    for (let i = 0; i < length; i++) {
      total += maxSizePlus1 - queueSizes[i]!
      cumulativeFrequencyTable.push(total)
    }
    this.loadStats = { cumulativeFrequencyTable, partitionIds: partitionIds.slice(0, length) }
  }

  /** loadStatsRangeEnd: the sum of the weights, or null while the choice is uniform. */
  get loadStatsRangeEnd(): number | null {
    const table = this.loadStats?.cumulativeFrequencyTable
    return table ? table[table.length - 1]! : null
  }

  private switchPartition(cluster: PartitionerCluster): void {
    this.stickyPartition = this.nextPartition(cluster)
    this.producedBytesSinceSwitch = 0
  }

  /** nextPartition: one draw, uniform over available partitions or weighted by load. */
  private nextPartition(cluster: PartitionerCluster): number {
    checkPartitionCount(cluster.partitionCount)
    const random = this.randomNonNegativeInt()
    const stats = this.loadStats
    if (stats === null) {
      const available = cluster.availablePartitions
      if (available.length > 0) return available[random % available.length]!
      return random % cluster.partitionCount // no leader anywhere: any partition
    }
    const table = stats.cumulativeFrequencyTable
    const weighted = random % table[table.length - 1]!
    return stats.partitionIds[firstGreater(table, weighted)]!
  }

  /** Utils.toPositive(ThreadLocalRandom.nextInt()): uniform in [0, 2^31). */
  private randomNonNegativeInt(): number {
    const draw = this.random()
    if (!(draw >= 0 && draw < 1)) throw new RangeError(`random(): expected a number in [0, 1), got ${describeValue(draw)}`)
    return Math.floor(draw * 2 ** 31)
  }
}

/** The index of the first entry greater than value, in a strictly increasing table (Java's binarySearch + 1). */
function firstGreater(table: readonly number[], value: number): number {
  let low = 0
  let high = table.length - 1
  while (low < high) {
    const middle = (low + high) >>> 1
    if (table[middle]! > value) high = middle
    else low = middle + 1
  }
  return low
}

/** A partition's queue as RecordAccumulator.partitionReady sees it. */
export interface PartitionQueue {
  readonly partition: number
  /** The partition's leader, or null while metadata knows none. */
  readonly leaderId: number | null
  /** Batches waiting in the partition's queue (the deque's size; 0 when empty). */
  readonly queuedBatches: number
}

/** RecordAccumulator.NodeLatencyStats, kept per broker when partitioner.availability.timeout.ms > 0. */
export interface NodeLatencyStats {
  /** Last time the broker had batches ready to send. */
  readyTimeMs: number
  /** Last time the producer could send to it. */
  drainTimeMs: number
}

export interface LoadStatsOptions {
  /** partitioner.adaptive.partitioning.enable, and no custom partitioner (KafkaProducer turns it off for one). */
  readonly adaptive: boolean
  readonly partitionCount: number
  /** partitioner.availability.timeout.ms; 0 disables it. */
  readonly availabilityTimeoutMs: number
  readonly nodeLatencyStats: ReadonlyMap<number, NodeLatencyStats>
}

export interface LoadStatsInputs {
  readonly queueSizes: number[] | null
  readonly partitionIds: number[]
  readonly length: number
}

/**
 * The arguments RecordAccumulator.partitionReady hands to updatePartitionLoadStats, built
 * the same way. `queues` has one entry per partition that ever had a queue (Kafka never
 * removes a partition's deque), in the accumulator's order (Kafka's map iterates partitions
 * in ascending order). No stats until every partition has had a queue: a partition the map
 * does not know could never be chosen. Leaderless partitions are left out; with the
 * availability timeout on, so is a partition whose leader has had data ready but could not
 * take it for longer than the timeout, unless its queue is empty. Kafka reuses array slots
 * in place when it leaves a partition out; that is copied too, quirks included (a slot
 * freed by a left-out partition keeps its queue size when the next partition's queue is empty).
 */
export function partitionLoadStatsInputs(queues: readonly PartitionQueue[], options: LoadStatsOptions): LoadStatsInputs {
  const adaptive = options.adaptive && queues.length >= options.partitionCount
  const queueSizes = adaptive ? new Array<number>(queues.length).fill(0) : null
  const partitionIds = new Array<number>(queues.length).fill(0)
  let index = -1
  for (const queue of queues) {
    if (queue.leaderId !== null && queueSizes !== null) {
      index++
      partitionIds[index] = queue.partition
    }
    if (queue.queuedBatches === 0) continue
    if (queue.leaderId === null) continue
    if (queueSizes !== null) queueSizes[index] = queue.queuedBatches
    if (options.availabilityTimeoutMs > 0) {
      const stats = options.nodeLatencyStats.get(queue.leaderId)
      if (stats && stats.readyTimeMs - stats.drainTimeMs > options.availabilityTimeoutMs) index--
    }
  }
  return queueSizes === null ? { queueSizes: null, partitionIds: [], length: 0 } : { queueSizes, partitionIds, length: index + 1 }
}

/**
 * RecordAccumulator.updateNodeLatencyStats, which the sender calls for every broker with
 * ready batches on each pass: canDrain when it can send to the broker now (connected, below
 * max.in.flight). A broker that stays unable to take data sees readyTimeMs move on while
 * drainTimeMs stays put. Does nothing while partitioner.availability.timeout.ms is 0.
 */
export function updateNodeLatencyStats(stats: Map<number, NodeLatencyStats>, nodeId: number, nowMs: number, canDrain: boolean, availabilityTimeoutMs: number): void {
  if (availabilityTimeoutMs <= 0) return
  let node = stats.get(nodeId)
  if (!node) {
    node = { readyTimeMs: nowMs, drainTimeMs: nowMs }
    stats.set(nodeId, node)
  }
  if (canDrain) node.drainTimeMs = nowMs
  node.readyTimeMs = nowMs
}

// ---- KafkaJS ----

/** One entry of KafkaJS's partitionMetadata: a leader of -1 or below means none. */
export interface KafkaJsPartitionMetadata {
  readonly partitionId: number
  readonly leader: number
}

export interface KafkaJsPartitionerArgs {
  readonly topic: string
  readonly partitionMetadata: readonly KafkaJsPartitionMetadata[]
  readonly message: { readonly key?: string | Uint8Array | null; readonly partition?: number | null }
}

/** What KafkaJS's createPartitioner() returns: called once per message. */
export type KafkaJsPartitioner = (args: KafkaJsPartitionerArgs) => number

/** KafkaJS 2.x's DefaultPartitioner (alias JavaCompatiblePartitioner): Java's murmur2 for keys. */
export function createKafkaJsDefaultPartitioner(random: () => number): KafkaJsPartitioner {
  return createKafkaJsPartitioner(murmur2, random)
}

/** KafkaJS 2.x's LegacyPartitioner, the 1.x default: its own murmur2, so keys land elsewhere. */
export function createKafkaJsLegacyPartitioner(random: () => number): KafkaJsPartitioner {
  return createKafkaJsPartitioner(kafkaJsLegacyMurmur2, random)
}

/**
 * legacy/partitioner.js: an explicit partition is returned as given, unchecked; a key goes
 * to toPositive(hash) % all partitions; no key goes round-robin over partitions with a
 * leader, in metadata order, from a per-topic counter that starts at a random 32-bit value
 * (crypto randomBytes(32).readUInt32BE(0), drawn at the topic's first message, whatever
 * that message is) and is incremented before use.
 */
function createKafkaJsPartitioner(hash: (bytes: Uint8Array) => number, random: () => number): KafkaJsPartitioner {
  const counters = new Map<string, number>()
  return ({ topic, partitionMetadata, message }) => {
    let counter = counters.get(topic)
    if (counter === undefined) {
      const draw = random()
      if (!(draw >= 0 && draw < 1)) throw new RangeError(`random(): expected a number in [0, 1), got ${describeValue(draw)}`)
      counter = Math.floor(draw * 2 ** 32)
      counters.set(topic, counter)
    }
    const partitionCount = partitionMetadata.length
    if (partitionCount === 0) {
      // KafkaJS never gets here: groupMessagesPerPartition returns early for a topic without partitions.
      throw new RangeError(`topic ${topic}: no partitions in metadata`)
    }
    if (message.partition !== null && message.partition !== undefined) return message.partition
    if (message.key !== null && message.key !== undefined) {
      const keyBytes = typeof message.key === 'string' ? utf8Bytes(message.key) : message.key
      return toPositive(hash(keyBytes)) % partitionCount
    }
    counters.set(topic, ++counter)
    const available = partitionMetadata.filter((p) => p.leader >= 0)
    if (available.length > 0) return available[toPositive(counter) % available.length]!.partitionId
    return toPositive(counter) % partitionCount // no leader anywhere: any partition, as KafkaJS does
  }
}
