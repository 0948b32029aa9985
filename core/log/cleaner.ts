// Log compaction: keep the latest record per key in the cleanable part of the log, by
// Kafka's cleaner (storage/.../log/Cleaner.java, LogCleanerManager.java and
// clients/.../record/MemoryRecords.filterTo). Offsets never move: a cleaned batch keeps
// its base offset and last offset delta, its records keep their offset deltas, and a
// batch that loses every record is dropped, leaving a gap a reader steps over.
//
// Pure: it takes the segments' batches and returns the segments that replace them.

import type { LogRecord, RecordBatch } from '../records.ts'
import { lastOffsetOf, nextOffsetOf } from '../records.ts'
import { withRetainedRecords } from './batch-builder.ts'

export interface CleanableSegment {
  readonly baseOffset: number
  readonly sizeBytes: number
  readonly largestTimestampMs: number
  readonly batches: readonly RecordBatch[]
}

export interface CleaningRound {
  /** Every segment with offsets below firstUncleanableOffset, oldest first. */
  readonly segments: readonly CleanableSegment[]
  /** Records at or above this offset are copied untouched. */
  readonly firstUncleanableOffset: number
  /** For each producer id in the log, the last offset of its last batch. */
  readonly lastOffsetByProducer: ReadonlyMap<number, number>
  readonly nowMs: number
  readonly deleteRetentionMs: number
  /** Cleaned segments are merged while their sizes before cleaning fit in segment.bytes. */
  readonly segmentBytes: number
}

export interface CleanedSegment {
  /** The first replaced segment's base offset, so the log start offset stays put. */
  readonly baseOffset: number
  /** Base offsets of the segments this one replaces, its own first. */
  readonly replaces: readonly number[]
  readonly batches: readonly RecordBatch[]
}

export interface CleaningResult {
  readonly segments: readonly CleanedSegment[]
  readonly removedRecords: number
}

/**
 * Where cleaning must stop (LogCleanerManager.cleanableOffsets): at the high watermark
 * (the last stable offset, without transactions), at the active segment, and at the
 * first closed segment holding a record younger than min.compaction.lag.ms.
 */
export function firstUncleanableOffset(
  segments: readonly CleanableSegment[],
  highWatermark: number,
  nowMs: number,
  minCompactionLagMs: number,
): number {
  const active = segments.at(-1)
  let offset = Math.min(highWatermark, active === undefined ? highWatermark : active.baseOffset)
  if (minCompactionLagMs > 0) {
    const tooYoung = segments.slice(0, -1).find((segment) => segment.largestTimestampMs > nowMs - minCompactionLagMs)
    if (tooYoung !== undefined) offset = Math.min(offset, tooYoung.baseOffset)
  }
  return offset
}

export function cleanLog(round: CleaningRound): CleaningResult {
  const latestOffsetByKey = buildOffsetMap(round.segments, round.firstUncleanableOffset)
  const cleaned: CleanedSegment[] = []
  let removedRecords = 0
  for (const group of groupBySize(round.segments, round.segmentBytes)) {
    const batches: RecordBatch[] = []
    for (const segment of group) {
      for (const batch of segment.batches) {
        const result = cleanBatch(batch, latestOffsetByKey, round)
        removedRecords += result.removedRecords
        if (result.batch !== undefined) batches.push(result.batch)
      }
    }
    cleaned.push({ baseOffset: group[0]!.baseOffset, replaces: group.map((segment) => segment.baseOffset), batches })
  }
  return { segments: cleaned, removedRecords }
}

/** Key -> offset of its latest record below the uncleanable offset. */
function buildOffsetMap(segments: readonly CleanableSegment[], firstUncleanable: number): Map<string, number> {
  const map = new Map<string, number>()
  for (const segment of segments) {
    for (const batch of segment.batches) {
      for (const record of batch.records) {
        const offset = batch.baseOffset + record.offsetDelta
        if (offset < firstUncleanable && record.key !== null) map.set(record.key, offset)
      }
    }
  }
  return map
}

/**
 * Cleaner.groupSegmentsBySize: consecutive segments go into one while their combined
 * size stays within segment.bytes, so cleaned segments do not shrink forever.
 */
function groupBySize(segments: readonly CleanableSegment[], maxBytes: number): CleanableSegment[][] {
  const groups: CleanableSegment[][] = []
  let i = 0
  while (i < segments.length) {
    const group = [segments[i]!]
    let bytes = segments[i]!.sizeBytes
    i++
    while (i < segments.length && bytes + segments[i]!.sizeBytes <= maxBytes) {
      bytes += segments[i]!.sizeBytes
      group.push(segments[i]!)
      i++
    }
    groups.push(group)
  }
  return groups
}

function cleanBatch(
  batch: RecordBatch,
  latestOffsetByKey: ReadonlyMap<string, number>,
  round: CleaningRound,
): { batch: RecordBatch | undefined; removedRecords: number } {
  const retained: LogRecord[] = []
  let containsTombstones = false
  for (const record of batch.records) {
    if (shouldRetainRecord(batch, record, latestOffsetByKey, round)) {
      retained.push(record)
      if (record.value === null) containsTombstones = true
    }
  }
  const removedRecords = batch.records.length - retained.length
  if (retained.length > 0) {
    // The first cleaning that keeps a tombstone starts its delete.retention.ms clock.
    const needsDeleteHorizon = containsTombstones && batch.deleteHorizonMs === undefined
    if (removedRecords === 0 && !needsDeleteHorizon) return { batch, removedRecords }
    const deleteHorizonMs = needsDeleteHorizon ? round.nowMs + round.deleteRetentionMs : batch.deleteHorizonMs
    return { batch: withRetainedRecords(batch, retained, deleteHorizonMs), removedRecords }
  }
  if (mustKeepEvenEmpty(batch, round)) {
    const alreadyBare = batch.records.length === 0 && batch.deleteHorizonMs === undefined
    return { batch: alreadyBare ? batch : withRetainedRecords(batch, [], undefined), removedRecords }
  }
  return { batch: undefined, removedRecords }
}

function shouldRetainRecord(
  batch: RecordBatch,
  record: LogRecord,
  latestOffsetByKey: ReadonlyMap<string, number>,
  round: CleaningRound,
): boolean {
  const offset = batch.baseOffset + record.offsetDelta
  if (offset >= round.firstUncleanableOffset) return true
  // A keyless record cannot be compacted; Kafka's cleaner drops it as invalid.
  if (record.key === null) return false
  const isLatestForKey = offset >= (latestOffsetByKey.get(record.key) ?? -1)
  const tombstoneStillKept = batch.deleteHorizonMs === undefined || round.nowMs < batch.deleteHorizonMs
  return isLatestForKey && (record.value !== null || tombstoneStillKept)
}

/**
 * Kafka keeps a batch header with no records in two cases: it is a producer's last
 * batch (it carries the last sequence number idempotence checks against), or it ends
 * the cleaned range (so the last cleaned offset stays known).
 */
function mustKeepEvenEmpty(batch: RecordBatch, round: CleaningRound): boolean {
  const isProducersLastBatch = batch.producerId >= 0 && round.lastOffsetByProducer.get(batch.producerId) === lastOffsetOf(batch)
  return isProducersLastBatch || nextOffsetOf(batch) === round.firstUncleanableOffset
}
