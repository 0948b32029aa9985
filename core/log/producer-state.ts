// Idempotent producers, as a partition's log tracks them (ProducerStateManager,
// ProducerAppendInfo, ProducerStateEntry in storage/.../internals/log/). For each producer
// id the log keeps its epoch and the metadata of its last five batches, so that:
// - a retried batch it already holds is recognised and answered with its first offsets,
//   not appended again (no duplicates);
// - a batch whose sequence does not follow the last one is refused with
//   OUT_OF_ORDER_SEQUENCE_NUMBER (no reordering, no gaps);
// - a batch from an older epoch is refused with INVALID_PRODUCER_EPOCH (a zombie producer).
// Leaders validate; followers only record (the leader validated). The state is rebuilt
// from the log's batches after a truncation or a restart.

import { KafkaError } from '../errors.ts'
import { NO_PRODUCER_EPOCH, NO_SEQUENCE, type RecordBatch } from '../records.ts'

/** ProducerStateEntry.NUM_BATCHES_TO_RETAIN: why max.in.flight.requests.per.connection must be <= 5 with idempotence. */
export const BATCHES_RETAINED_PER_PRODUCER = 5

export interface ProducedBatch {
  readonly firstSeq: number
  readonly lastSeq: number
  readonly firstOffset: number
  readonly lastOffset: number
}

interface ProducerEntry {
  epoch: number
  /** Oldest first, at most BATCHES_RETAINED_PER_PRODUCER. */
  batches: ProducedBatch[]
}

/** The producer fields of a batch about to be appended. */
export interface ProducerAppend {
  producerId: number
  producerEpoch: number
  baseSequence: number
  recordCount: number
}

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>()

  /** The batch this one duplicates (same epoch, same sequences, among the last five), if any. */
  findDuplicate(append: ProducerAppend): ProducedBatch | undefined {
    const entry = this.producers.get(append.producerId)
    if (!entry || entry.epoch !== append.producerEpoch) return undefined
    const lastSeq = append.baseSequence + append.recordCount - 1
    return entry.batches.find((b) => b.firstSeq === append.baseSequence && b.lastSeq === lastSeq)
  }

  /**
   * ProducerAppendInfo.checkProducerEpoch and checkSequence, for a client's batch on the
   * leader. Throws KafkaError with Kafka's error when the batch must be refused.
   */
  validate(append: ProducerAppend, offset: number, partition: string): void {
    const entry = this.producers.get(append.producerId)
    const currentEpoch = entry?.epoch ?? NO_PRODUCER_EPOCH
    if (append.producerEpoch < currentEpoch) {
      throw new KafkaError(
        'INVALID_PRODUCER_EPOCH',
        `Epoch of producer ${append.producerId} at offset ${offset} in ${partition} is ${append.producerEpoch}, which is smaller than the last seen epoch ${currentEpoch}`,
      )
    }
    if (append.producerEpoch !== currentEpoch) {
      // A new epoch starts its sequences again at 0 (an unknown producer may start anywhere).
      if (append.baseSequence !== 0 && currentEpoch !== NO_PRODUCER_EPOCH) {
        throw new KafkaError(
          'OUT_OF_ORDER_SEQUENCE_NUMBER',
          `Invalid sequence number for new epoch of producer ${append.producerId} at offset ${offset} in ${partition}: ${append.producerEpoch} (request epoch), ${append.baseSequence} (seq. number), ${currentEpoch} (current producer epoch)`,
        )
      }
      return
    }
    const lastSeq = entry!.batches.at(-1)?.lastSeq ?? NO_SEQUENCE
    if (append.baseSequence !== lastSeq + 1) {
      throw new KafkaError(
        'OUT_OF_ORDER_SEQUENCE_NUMBER',
        `Out of order sequence number for producer ${append.producerId} at offset ${offset} in ${partition}: ${append.baseSequence} (incoming seq. number), ${lastSeq} (current end sequence number)`,
      )
    }
  }

  /** Records an appended batch (leader or follower). */
  update(batch: RecordBatch): void {
    if (batch.producerId < 0) return
    let entry = this.producers.get(batch.producerId)
    if (!entry || entry.epoch !== batch.producerEpoch) {
      // A new epoch forgets the old one's batches (ProducerStateEntry.maybeUpdateProducerEpoch).
      entry = { epoch: batch.producerEpoch, batches: [] }
      this.producers.set(batch.producerId, entry)
    }
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: batch.baseSequence + batch.lastOffsetDelta,
      firstOffset: batch.baseOffset,
      lastOffset: batch.baseOffset + batch.lastOffsetDelta,
    })
    if (entry.batches.length > BATCHES_RETAINED_PER_PRODUCER) entry.batches.shift()
  }

  /** Forgets everything and replays `batches` in log order (after a truncation or on open). */
  rebuild(batches: Iterable<RecordBatch>): void {
    this.producers.clear()
    for (const batch of batches) this.update(batch)
  }

  /** Producers known, for views and tests. */
  describe(): { producerId: number; epoch: number; batches: readonly ProducedBatch[] }[] {
    return [...this.producers].map(([producerId, entry]) => ({ producerId, epoch: entry.epoch, batches: entry.batches }))
  }
}
