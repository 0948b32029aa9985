// What a restarted broker finds of a partition's log, recovered as Kafka's LogLoader and
// LogSegment.recover do (storage/src/main/java/org/apache/kafka/storage/internals/log/).
// A process crash keeps the page cache and a power loss rolls every file back to the
// last flush together, so the checkpoints always match the segments they were written
// with; the rules below still hold when they do not.

import type { Storage } from '../node.ts'
import type { EpochEntry } from './epoch-cache.ts'
import { LeaderEpochCache } from './epoch-cache.ts'
import { createSegment, deleteSegment, epochCheckpointFile, highWatermarkFile, loadSegments, logStartOffsetFile } from './log-files.ts'
import type { LogSegment } from './segment.ts'

export interface RecoveredLog {
  /** Never empty. */
  readonly segments: LogSegment[]
  readonly epochCache: LeaderEpochCache
  readonly logStartOffset: number
  readonly highWatermark: number
  /** Whether the log start offset checkpoint must be rewritten to match. */
  readonly logStartOffsetChanged: boolean
  /** Whether the epoch checkpoint must be rewritten to match. */
  readonly epochCacheChanged: boolean
}

/**
 * - The log end offset is where the last batch ends (the last segment's base when empty).
 * - The log start offset is its checkpoint, never below the first segment; when the
 *   whole log lies below the checkpoint, it is stale and goes
 *   (LogLoader.deleteSegmentsIfLogStartGreaterThanLogEnd). No segment at all: an empty
 *   log at the checkpoint, or at 0.
 * - The epoch cache is its checkpoint without entries at or past the log end offset (a
 *   leader's epoch that never appended a record is forgotten, as in Kafka), completed
 *   from the batches' partitionLeaderEpoch where one is newer than the latest entry,
 *   and cut at the log start offset.
 * - The high watermark is its checkpoint clamped into [log start offset, log end offset].
 */
export function recoverLog(storage: Storage, dir: string): RecoveredLog {
  let segments = loadSegments(storage, dir)
  const checkpointedStart = storage.read<number>(logStartOffsetFile(dir))
  const checkpointedEpochs = storage.read<readonly EpochEntry[]>(epochCheckpointFile(dir)) ?? []
  const epochCache = new LeaderEpochCache(checkpointedEpochs)

  const lastSegment = segments.at(-1)
  if (lastSegment !== undefined && checkpointedStart !== undefined && lastSegment.nextOffset < checkpointedStart) {
    for (const segment of segments) deleteSegment(storage, dir, segment)
    segments = []
    epochCache.clear()
  }
  if (segments.length === 0) segments = [createSegment(storage, dir, checkpointedStart ?? 0)]

  const logStartOffset = Math.max(checkpointedStart ?? 0, segments[0]!.baseOffset)
  const logEndOffset = segments.at(-1)!.nextOffset
  // Kafka completes the cache before cutting it at the log end offset; cutting first
  // also recovers the epochs of batches that a stale later entry would have hidden.
  epochCache.truncateFromEnd(logEndOffset)
  for (const segment of segments) {
    for (const batch of segment.batches) {
      const latest = epochCache.latestEpoch()
      if (batch.partitionLeaderEpoch >= 0 && (latest === undefined || batch.partitionLeaderEpoch > latest)) {
        epochCache.assign(batch.partitionLeaderEpoch, batch.baseOffset)
      }
    }
  }
  epochCache.truncateFromStart(logStartOffset)

  const checkpointedHighWatermark = storage.read<number>(highWatermarkFile(dir)) ?? logStartOffset
  return {
    segments,
    epochCache,
    logStartOffset,
    highWatermark: Math.min(Math.max(checkpointedHighWatermark, logStartOffset), logEndOffset),
    logStartOffsetChanged: checkpointedStart !== logStartOffset,
    epochCacheChanged: !sameEntries(checkpointedEpochs, epochCache.entries()),
  }
}

function sameEntries(a: readonly EpochEntry[], b: readonly EpochEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry.epoch === b[i]!.epoch && entry.startOffset === b[i]!.startOffset)
}
