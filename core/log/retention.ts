// Which segments retention may delete, by Kafka's UnifiedLog.deletableSegments and its
// three conditions (storage/.../log/UnifiedLog.java: deleteRetentionMsBreachedSegments,
// deleteRetentionSizeBreachedSegments, deleteLogStartOffsetBreachedSegments).

/** The parts of a segment retention looks at. */
export interface RetainedSegment {
  readonly baseOffset: number
  readonly sizeBytes: number
  readonly isEmpty: boolean
  readonly largestTimestampMs: number
}

/** Whether `segment` (followed by `next`, if any) may go. Conditions may keep state across calls. */
export type DeletionCondition = (segment: RetainedSegment, next: RetainedSegment | undefined) => boolean

/**
 * How many segments, oldest first, may be deleted: they go while the condition holds,
 * but never a segment reaching at or past the high watermark (the log start offset
 * must never pass it, consumers may fetch from it) and never an empty last segment.
 * The active segment may be among them; the caller rolls a new one first.
 */
export function deletableSegmentCount(
  segments: readonly RetainedSegment[],
  highWatermark: number,
  logEndOffset: number,
  condition: DeletionCondition,
): number {
  let count = 0
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!
    const next = segments[i + 1]
    const isLastAndEmpty = next === undefined && segment.isEmpty
    const upperBoundOffset = next === undefined ? logEndOffset : next.baseOffset
    // The condition runs only below the high watermark, as in Kafka: the size
    // condition counts down the bytes still to delete as it says yes.
    const deletable = highWatermark >= upperBoundOffset && condition(segment, next)
    if (!deletable || isLastAndEmpty) break
    count++
  }
  return count
}

/** retention.ms: the segment's newest record is older than retention. */
export function retentionMsBreached(nowMs: number, retentionMs: number): DeletionCondition {
  return (segment) => nowMs - segment.largestTimestampMs > retentionMs
}

/** retention.bytes: delete the oldest segments while what remains is still at least the limit. */
export function retentionBytesBreached(logSizeBytes: number, retentionBytes: number): DeletionCondition {
  let bytesToDelete = logSizeBytes - retentionBytes
  return (segment) => {
    if (bytesToDelete - segment.sizeBytes < 0) return false
    bytesToDelete -= segment.sizeBytes
    return true
  }
}

/** Segments wholly below the log start offset. */
export function logStartOffsetBreached(logStartOffset: number): DeletionCondition {
  return (_segment, next) => next !== undefined && next.baseOffset <= logStartOffset
}
