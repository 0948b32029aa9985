// Records and record batches, as Kafka's record format v2 holds them
// (clients/.../common/record/DefaultRecordBatch.java, DefaultRecord.java).
//
// Batches are immutable once a leader has assigned their offsets: followers append the
// very same objects, so replicating a batch to three brokers does not copy it three
// times. A compacted replica makes new batches with fewer records; offsets never change.

export interface RecordHeader {
  readonly key: string
  readonly value: string | null
}

export interface LogRecord {
  /** Offset within the batch: the record's offset is batch.baseOffset + offsetDelta. */
  readonly offsetDelta: number
  readonly key: string | null
  /** null is a tombstone: under cleanup.policy=compact it deletes the key. */
  readonly value: string | null
  readonly headers: readonly RecordHeader[]
  /** CreateTime, simulated ms. */
  readonly timestamp: number
  /** Bytes on the wire and on disk, by record format v2's layout (see recordSizeBytes). */
  readonly sizeBytes: number
}

/** compression.type: how a producer compresses batches (the sizes follow core/compression.ts's model). */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'

export interface RecordBatch {
  readonly baseOffset: number
  /** lastOffset - baseOffset; kept when compaction removes records, so offsets stay put. */
  readonly lastOffsetDelta: number
  /** The leader epoch of the leader that appended the batch. */
  readonly partitionLeaderEpoch: number
  /** -1 when the producer is not idempotent. */
  readonly producerId: number
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly records: readonly LogRecord[]
  /** The codec its records are compressed with (the producer's compression.type). */
  readonly compression: CompressionType
  /** Batch header plus the records as compressed: the bytes on the wire and on disk. */
  readonly sizeBytes: number
  readonly maxTimestamp: number
  /**
   * Set by the log cleaner on the first cleaning that keeps a tombstone (KIP-534): once
   * the clock passes it, a later cleaning may remove the batch's tombstones.
   */
  readonly deleteHorizonMs?: number
}

/** A record as a producer hands it over, before the leader assigns an offset. */
export interface ProducerRecord {
  readonly key: string | null
  readonly value: string | null
  readonly headers?: readonly RecordHeader[]
  readonly timestamp: number
  /**
   * Its size in record format v2 (recordSizeBytes), as the producer serialized it: the
   * bytes a broker receives. Computed from the record when absent.
   */
  readonly sizeBytes?: number
}

/** Record format v2's fixed batch header: 61 bytes (DefaultRecordBatch.RECORD_BATCH_OVERHEAD). */
export const BATCH_OVERHEAD_BYTES = 61

export const NO_PRODUCER_ID = -1
export const NO_PRODUCER_EPOCH = -1
export const NO_SEQUENCE = -1

/** UTF-8 length of a string without encoding it. */
export function utf8Length(text: string): number {
  // Workloads send the same value string again and again: remember the last answer.
  if (text === lastMeasured) return lastMeasuredBytes
  lastMeasured = text
  lastMeasuredBytes = utf8LengthOf(text)
  return lastMeasuredBytes
}

let lastMeasured = ''
let lastMeasuredBytes = 0

function utf8LengthOf(text: string): number {
  // Most keys and values are ASCII: one native scan answers for them.
  if (!NON_ASCII.test(text)) return text.length
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0x80) bytes += 1
    else if (code < 0x800) bytes += 2
    else if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1)
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4 // a surrogate pair: one 4-byte code point
        i++
      } else {
        bytes += 1 // a lone surrogate: Java's String.getBytes(UTF_8) writes '?'
      }
    } else bytes += 3
  }
  return bytes
}

const NON_ASCII = /[^\x00-\x7f]/

function varintBytes(value: number): number {
  // Zig-zag varint length, as DefaultRecord writes lengths and deltas.
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1
  let bytes = 1
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 0x80)
    bytes++
  }
  return bytes
}

/**
 * A record's size in record format v2: a length varint, attributes (1 byte), the
 * timestamp and offset deltas, the key and value with their lengths, and the headers.
 * Deltas are taken as one byte each (small within a batch).
 */
export function recordSizeBytes(key: string | null, value: string | null, headers: readonly RecordHeader[] = []): number {
  const keyBytes = key === null ? 0 : utf8Length(key)
  const valueBytes = value === null ? 0 : utf8Length(value)
  let body = 1 + 1 + 1 // attributes, timestampDelta, offsetDelta
  body += varintBytes(key === null ? -1 : keyBytes) + keyBytes
  body += varintBytes(value === null ? -1 : valueBytes) + valueBytes
  body += varintBytes(headers.length)
  for (const header of headers) {
    const headerKey = utf8Length(header.key)
    const headerValue = header.value === null ? 0 : utf8Length(header.value)
    body += varintBytes(headerKey) + headerKey + varintBytes(header.value === null ? -1 : headerValue) + headerValue
  }
  return varintBytes(body) + body
}

export function lastOffsetOf(batch: RecordBatch): number {
  return batch.baseOffset + batch.lastOffsetDelta
}

/** The offset just past the batch. */
export function nextOffsetOf(batch: RecordBatch): number {
  return batch.baseOffset + batch.lastOffsetDelta + 1
}

/** The size of the batch a leader builds from these records: the header plus each record. */
export function batchSizeBytes(records: readonly ProducerRecord[]): number {
  let bytes = BATCH_OVERHEAD_BYTES
  for (const record of records) bytes += record.sizeBytes ?? recordSizeBytes(record.key, record.value, record.headers ?? [])
  return bytes
}
