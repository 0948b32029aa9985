// The idempotent producer's bookkeeping (the non-transactional part of
// clients/.../producer/internals/TransactionManager.java, Kafka 4.x): the producer id and
// epoch, and per partition the next sequence number, the last acknowledged one and the
// batches sent but not yet completed, in sequence order.
//
// The rules it keeps, each from TransactionManager or RecordAccumulator:
// - A retried batch keeps its sequence, and only the partition's lowest incomplete
//   sequence may be retried, so retries go out one at a time, in order
//   (RecordAccumulator.shouldStopDrainBatchesForPartition).
// - OUT_OF_ORDER_SEQUENCE_NUMBER is always retried (canRetry). When the batch is the very
//   next one after the last acknowledged sequence, the broker really has a gap: the producer
//   bumps its epoch locally (KIP-360) and renumbers the partition's incomplete batches from 0.
// - A batch that expires after a retry leaves its sequence "unresolved": no new batch goes
//   to the partition until every incomplete one is done; then, if the acknowledged
//   sequences do not reach the next sequence, the epoch is bumped (maybeResolveSequences).
// - A batch that fails for good after it was sent bumps the epoch for its partition
//   (handleFailedBatch with adjustSequenceNumbers).
// - After a bump, a partition keeps its old epoch until its incomplete batches are done;
//   new batches wait for that, then start again at sequence 0 (maybeUpdateProducerIdAndEpoch).

import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../records.ts'
import type { ProducerBatch } from './accumulator.ts'

/** Kafka's producer epoch is a short: past this the producer needs a new id. */
const MAX_PRODUCER_EPOCH = 32767

interface PartitionSequences {
  /** The epoch this partition's sequences belong to. */
  epoch: number
  nextSequence: number
  lastAckedSequence: number
  /** Batches with a sequence, not yet completed or failed, by sequence. */
  incomplete: ProducerBatch[]
}

export class IdempotentSequences {
  producerId = NO_PRODUCER_ID
  producerEpoch = NO_PRODUCER_EPOCH
  private readonly partitions = new Map<string, PartitionSequences>()
  /** partition -> the sequence after the latest batch whose fate is unknown. */
  private readonly unresolved = new Map<string, number>()
  private readonly toRewrite = new Set<string>()
  private epochBumpRequired = false

  get hasProducerId(): boolean {
    return this.producerId !== NO_PRODUCER_ID
  }

  setProducerIdAndEpoch(producerId: number, producerEpoch: number): void {
    this.producerId = producerId
    this.producerEpoch = producerEpoch
    this.partitions.clear()
    this.unresolved.clear()
    this.toRewrite.clear()
    this.epochBumpRequired = false
  }

  private state(key: string): PartitionSequences {
    let state = this.partitions.get(key)
    if (!state) {
      state = { epoch: this.producerEpoch, nextSequence: 0, lastAckedSequence: -1, incomplete: [] }
      this.partitions.set(key, state)
    }
    return state
  }

  /**
   * Called at the start of every sender pass: settles unresolved partitions whose batches
   * are all done, then bumps the epoch if that or an error asked for it. Returns the new
   * epoch when it bumped, else null. Past the largest epoch the id is dropped, and the
   * producer must ask for a new one (resetIdempotentProducerId).
   */
  beforeDrain(): number | null {
    for (const [key, nextSequence] of this.unresolved) {
      const state = this.state(key)
      if (state.incomplete.length > 0) continue
      // Every batch is done: if the acknowledged ones reach the next sequence, nothing is missing.
      if (state.lastAckedSequence + 1 !== Math.max(nextSequence, state.nextSequence)) this.requestEpochBump(key)
      this.unresolved.delete(key)
    }
    if (!this.epochBumpRequired) return null
    this.epochBumpRequired = false
    if (this.producerEpoch >= MAX_PRODUCER_EPOCH) {
      this.setProducerIdAndEpoch(NO_PRODUCER_ID, NO_PRODUCER_EPOCH)
      return null
    }
    this.producerEpoch++
    for (const key of this.toRewrite) {
      this.startSequencesAtBeginning(this.state(key))
      this.unresolved.delete(key)
    }
    this.toRewrite.clear()
    return this.producerEpoch
  }

  private requestEpochBump(key: string): void {
    this.epochBumpRequired = true
    this.toRewrite.add(key)
  }

  /** Renumbers the partition's incomplete batches from 0 in the current epoch. */
  private startSequencesAtBeginning(state: PartitionSequences): void {
    let sequence = 0
    for (const batch of state.incomplete) {
      batch.producerEpoch = this.producerEpoch
      batch.baseSequence = sequence
      batch.sequenceHasBeenReset = true
      sequence += batch.records.length
    }
    state.epoch = this.producerEpoch
    state.nextSequence = sequence
    state.lastAckedSequence = -1
  }

  /**
   * shouldStopDrainBatchesForPartition, for the first batch of a partition's queue that is
   * not in flight: may it be sent now?
   */
  maySend(batch: ProducerBatch): boolean {
    if (!this.hasProducerId) return false
    const state = this.state(batch.key)
    if (batch.baseSequence === NO_SEQUENCE) {
      if (state.epoch !== this.producerEpoch) {
        // Not before the old epoch's batches are done; then this partition starts over at 0.
        if (state.incomplete.length > 0) return false
        state.epoch = this.producerEpoch
        state.nextSequence = 0
        state.lastAckedSequence = -1
      }
      return !this.unresolved.has(batch.key)
    }
    // A retry: only the lowest incomplete sequence goes, so retries stay in order.
    return state.incomplete[0] === batch
  }

  /** Gives a batch its producer id, epoch and sequence when it is first sent. */
  assign(batch: ProducerBatch): void {
    if (batch.baseSequence !== NO_SEQUENCE) return
    const state = this.state(batch.key)
    batch.producerId = this.producerId
    batch.producerEpoch = this.producerEpoch
    batch.baseSequence = state.nextSequence
    state.nextSequence += batch.records.length
    state.incomplete.push(batch)
  }

  /** handleCompletedBatch. */
  completed(batch: ProducerBatch): void {
    const state = this.state(batch.key)
    if (batch.producerEpoch === state.epoch) {
      state.lastAckedSequence = Math.max(state.lastAckedSequence, batch.baseSequence + batch.records.length - 1)
    }
    this.forget(state, batch)
  }

  /**
   * handleFailedBatch, for a batch that will not be sent again. One that expired after a
   * retry may or may not be in the log: its sequence is unresolved. One refused for good
   * by a broker leaves a gap: the partition's epoch is bumped.
   */
  failed(batch: ProducerBatch, how: 'expired' | 'refused'): void {
    if (batch.baseSequence === NO_SEQUENCE) return
    const state = this.state(batch.key)
    this.forget(state, batch)
    if (how === 'refused') return this.requestEpochBump(batch.key)
    if (batch.attempts > 0) {
      const next = batch.baseSequence + batch.records.length
      this.unresolved.set(batch.key, Math.max(this.unresolved.get(batch.key) ?? 0, next))
    }
  }

  /** TransactionManager.canRetry for OUT_OF_ORDER_SEQUENCE_NUMBER: always, bumping the epoch when the gap is real. */
  onOutOfOrderSequence(batch: ProducerBatch): void {
    const state = this.state(batch.key)
    const isNext = batch.baseSequence === state.lastAckedSequence + 1
    const unresolvedNext = this.unresolved.get(batch.key)
    if (unresolvedNext === undefined && (batch.sequenceHasBeenReset || !isNext)) return // a predecessor is still on its way
    if (unresolvedNext === undefined || unresolvedNext === batch.baseSequence) this.requestEpochBump(batch.key)
  }

  /** Drops a batch that is done from the partition's incomplete ones. */
  private forget(state: PartitionSequences, batch: ProducerBatch): void {
    const index = state.incomplete.indexOf(batch)
    if (index >= 0) state.incomplete.splice(index, 1)
  }
}
