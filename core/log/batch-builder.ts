// Building the immutable batches a log holds: a leader's new batch from a producer's
// records, and the cleaner's copy of a batch with fewer records. Batches are frozen
// because replicas share them: a change through one replica would change them all.

import { compressedSizeBytes } from '../compression.ts'
import type { CompressionType, LogRecord, ProducerRecord, RecordBatch } from '../records.ts'
import { BATCH_OVERHEAD_BYTES, recordSizeBytes } from '../records.ts'
import { requireInteger } from './preconditions.ts'

export interface ProducerIdentity {
  /** NO_PRODUCER_ID (-1) when the producer is not idempotent. */
  readonly producerId: number
  readonly producerEpoch: number
  readonly baseSequence: number
}

const NO_HEADERS: readonly never[] = Object.freeze([])

/**
 * One batch at `baseOffset` holding `records` in order, stamped with the leader's epoch.
 * Its size is the header plus the records as `compression` shrinks them: the broker keeps
 * the producer's compressed batch as it came (topic compression.type=producer, the default).
 */
export function buildBatch(
  records: readonly ProducerRecord[],
  baseOffset: number,
  leaderEpoch: number,
  producer: ProducerIdentity,
  compression: CompressionType = 'none',
): RecordBatch {
  if (records.length === 0) throw new Error('a batch needs at least one record, got an empty records array')
  requireInteger(producer.producerId, 'producer.producerId')
  requireInteger(producer.producerEpoch, 'producer.producerEpoch')
  requireInteger(producer.baseSequence, 'producer.baseSequence')
  const logRecords: LogRecord[] = []
  let recordsBytes = 0
  let maxTimestamp = -Infinity
  records.forEach((record, offsetDelta) => {
    // CreateTime in simulated ms: the sandbox's producers always stamp one, so Kafka's
    // NO_TIMESTAMP (-1) fallbacks never apply and segment.ms compares timestamps only.
    if (!Number.isSafeInteger(record.timestamp) || record.timestamp < 0) {
      throw new Error(`records[${offsetDelta}].timestamp must be a non-negative integer ms, got ${String(record.timestamp)}`)
    }
    const headers =
      record.headers === undefined || record.headers.length === 0
        ? NO_HEADERS
        : Object.freeze(record.headers.map((header) => Object.freeze({ key: header.key, value: header.value })))
    const logRecord: LogRecord = Object.freeze({
      offsetDelta,
      key: record.key,
      value: record.value,
      headers,
      timestamp: record.timestamp,
      // The size the producer serialized it to, when it says (bytes on the wire); else computed.
      sizeBytes: record.sizeBytes ?? recordSizeBytes(record.key, record.value, headers),
    })
    logRecords.push(logRecord)
    recordsBytes += logRecord.sizeBytes
    maxTimestamp = Math.max(maxTimestamp, record.timestamp)
  })
  return Object.freeze({
    baseOffset,
    lastOffsetDelta: records.length - 1,
    partitionLeaderEpoch: leaderEpoch,
    producerId: producer.producerId,
    producerEpoch: producer.producerEpoch,
    baseSequence: producer.baseSequence,
    records: Object.freeze(logRecords),
    compression,
    sizeBytes: BATCH_OVERHEAD_BYTES + compressedSizeBytes(compression, recordsBytes),
    maxTimestamp,
  })
}

/**
 * A copy of `batch` holding only `retained` (a subsequence of its records). Offsets do
 * not move: base offset, lastOffsetDelta and each record's offsetDelta are kept, as
 * Kafka's MemoryRecords.buildRetainedRecordsInto keeps the original last offset so that
 * the producer's last sequence survives. With no record left it is Kafka's empty batch:
 * the header alone, keeping the original maxTimestamp.
 */
export function withRetainedRecords(batch: RecordBatch, retained: readonly LogRecord[], deleteHorizonMs: number | undefined): RecordBatch {
  let recordsBytes = 0
  let maxTimestamp = retained.length === 0 ? batch.maxTimestamp : -Infinity
  for (const record of retained) {
    recordsBytes += record.sizeBytes
    maxTimestamp = Math.max(maxTimestamp, record.timestamp)
  }
  const copy: RecordBatch = {
    baseOffset: batch.baseOffset,
    lastOffsetDelta: batch.lastOffsetDelta,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    records: Object.freeze([...retained]),
    // The cleaner recompresses what it keeps with the batch's own codec.
    compression: batch.compression,
    sizeBytes: BATCH_OVERHEAD_BYTES + compressedSizeBytes(batch.compression, recordsBytes),
    maxTimestamp,
    ...(deleteHorizonMs === undefined ? {} : { deleteHorizonMs }),
  }
  return Object.freeze(copy)
}
