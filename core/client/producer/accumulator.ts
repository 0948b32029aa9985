// The producer's record accumulator (clients/.../producer/internals/RecordAccumulator.java,
// ProducerBatch.java): records wait per partition in batches of up to batch.size bytes;
// a batch is sent when it is full or linger.ms old, or when it is due for a retry; the
// bytes waiting count against buffer.memory.

import { BATCH_OVERHEAD_BYTES, type ProducerRecord } from '../../records.ts'

/** One record a user sent, with what became of it. */
export interface RecordOutcome {
  id: number
  topic: string
  partition: number
  key: string | null
  value: string | null
  sentAtMs: number
  status: 'pending' | 'acked' | 'failed'
  offset?: number
  /** Kafka's error code or client exception name when failed. */
  error?: string
  errorMessage?: string
  completedAtMs?: number
}

export class ProducerBatch {
  readonly records: ProducerRecord[] = []
  readonly outcomes: RecordOutcome[] = []
  sizeBytes = BATCH_OVERHEAD_BYTES
  attempts = 0
  /** Not to be sent again before this (retry backoff). */
  retryAtMs = 0
  inFlight = false
  /** Idempotence: set when the batch is first sent, kept on every retry unless the epoch is bumped. */
  producerId = -1
  producerEpoch = -1
  baseSequence = -1
  /** The epoch and sequence of the attempt in flight: the batch may be renumbered meanwhile. */
  sentProducerEpoch = -1
  sentBaseSequence = -1
  /** Renumbered by an epoch bump after it was first sent (ProducerBatch.sequenceHasBeenReset). */
  sequenceHasBeenReset = false
  /** Completed or failed: a late answer for it is ignored. */
  done = false
  /** When the batch was last sent (for latency figures). */
  lastSentAtMs = -1

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdMs: number,
    /** batch.size: the batch takes no more records once it would pass this. */
    private readonly capacityBytes: number,
  ) {}

  get key(): string {
    return `${this.topic}-${this.partition}`
  }

  /** Adds the record if it fits (the first record always fits: a big record gets a batch of its own). */
  tryAppend(record: ProducerRecord, outcome: RecordOutcome, recordBytes: number): boolean {
    if (this.records.length > 0 && this.sizeBytes + recordBytes > this.capacityBytes) return false
    this.records.push(record)
    this.outcomes.push(outcome)
    this.sizeBytes += recordBytes
    return true
  }

  get isFull(): boolean {
    return this.sizeBytes >= this.capacityBytes
  }
}

/** What an append did: the batch the record went to and how much the queue's estimated size grew. */
export interface AppendResult {
  batch: ProducerBatch
  /** The record's bytes, plus a batch header when it opened a new batch (what the sticky partitioner counts). */
  appendedBytes: number
}

/**
 * Per-partition queues of batches, oldest first; a retried batch goes back to the front.
 * A partition's queue, once made, is kept even when empty, as Kafka keeps its deques:
 * adaptive partitioning only weighs a topic's partitions once every one has had a queue.
 */
export class RecordAccumulator {
  /** topic -> partition -> queue. */
  private readonly topics = new Map<string, Map<number, ProducerBatch[]>>()
  /** Bytes held by batches not yet acknowledged or failed, against buffer.memory. */
  bufferedBytes = 0
  /** Batches queued or in flight. */
  batchCount = 0

  constructor(private readonly batchSizeBytes: number) {}

  private queue(topic: string, partition: number): ProducerBatch[] {
    let partitions = this.topics.get(topic)
    if (!partitions) this.topics.set(topic, (partitions = new Map()))
    let queue = partitions.get(partition)
    if (!queue) partitions.set(partition, (queue = []))
    return queue
  }

  /** Whether a record for this partition would open a new batch (no queue, or its last batch is full or already sent). */
  needsNewBatch(topic: string, partition: number): boolean {
    const queue = this.topics.get(topic)?.get(partition)
    const last = queue?.[queue.length - 1]
    return !last || last.inFlight || last.attempts > 0 || last.isFull
  }

  append(topic: string, partition: number, record: ProducerRecord, outcome: RecordOutcome, recordBytes: number, nowMs: number): AppendResult {
    const queue = this.queue(topic, partition)
    const last = queue[queue.length - 1]
    this.bufferedBytes += recordBytes
    if (last && !last.inFlight && last.attempts === 0 && last.tryAppend(record, outcome, recordBytes)) return { batch: last, appendedBytes: recordBytes }
    const batch = new ProducerBatch(topic, partition, nowMs, this.batchSizeBytes)
    batch.tryAppend(record, outcome, recordBytes)
    this.bufferedBytes += BATCH_OVERHEAD_BYTES
    this.batchCount++
    queue.push(batch)
    return { batch, appendedBytes: recordBytes + BATCH_OVERHEAD_BYTES }
  }

  /** Every partition's queue (empty ones included), for draining. */
  *queues(): IterableIterator<ProducerBatch[]> {
    for (const partitions of this.topics.values()) yield* partitions.values()
  }

  /** One topic's queues by partition, in ascending partition order (for adaptive partitioning). */
  topicQueues(topic: string): Array<[number, ProducerBatch[]]> {
    return [...(this.topics.get(topic) ?? new Map<number, ProducerBatch[]>())].sort((a, b) => a[0] - b[0])
  }

  topicNames(): IterableIterator<string> {
    return this.topics.keys()
  }

  /** Removes a batch that was acknowledged or failed, and frees its bytes. */
  remove(batch: ProducerBatch): void {
    const queue = this.topics.get(batch.topic)?.get(batch.partition)
    const index = queue ? queue.indexOf(batch) : -1
    if (index < 0) return
    queue!.splice(index, 1)
    this.batchCount--
    this.bufferedBytes -= batch.sizeBytes
  }

  /**
   * RecordAccumulator.reenqueue: a batch to retry goes back to the front of its partition's
   * queue, ahead of newer ones; with idempotence, among the batches that have a sequence,
   * in sequence order (insertInSequenceOrder), so that retries go out in order.
   */
  reenqueue(batch: ProducerBatch, bySequence: boolean): void {
    const queue = this.queue(batch.topic, batch.partition)
    const index = queue.indexOf(batch)
    if (index >= 0) queue.splice(index, 1)
    else this.batchCount++
    let at = 0
    if (bySequence) while (at < queue.length && queue[at]!.baseSequence >= 0 && queue[at]!.baseSequence < batch.baseSequence) at++
    queue.splice(at, 0, batch)
  }

  get isEmpty(): boolean {
    return this.batchCount === 0
  }
}
