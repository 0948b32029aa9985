// A replica's log for one partition, kept in the node's Storage so that a crash or a
// power loss does to it what sim/disk.ts does to files: segments are storage logs of
// whole batches, and the log start offset, the leader epoch checkpoint and the high
// watermark checkpoint are small files beside them. Every write lands in the page
// cache only; the broker decides when to flush, as Kafka leaves fsync to the OS.
//
// Behaviour follows Kafka's UnifiedLog / LocalLog / LogSegment / LogLoader
// (storage/src/main/java/org/apache/kafka/storage/internals/log/). Where the sandbox
// differs, the comment at the spot says how and why.

import { KafkaError } from '../errors.ts'
import type { Storage } from '../node.ts'
import type { CompressionType, ProducerRecord, RecordBatch } from '../records.ts'
import { lastOffsetOf, nextOffsetOf } from '../records.ts'
import type { ProducerIdentity } from './batch-builder.ts'
import { buildBatch } from './batch-builder.ts'
import { cleanLog, firstUncleanableOffset } from './cleaner.ts'
import type { EpochEndOffset, EpochEntry, LeaderEpochCache } from './epoch-cache.ts'
import { createSegment, deleteSegment, epochCheckpointFile, highWatermarkFile, logStartOffsetFile } from './log-files.ts'
import type { LogConfig } from './log-config.ts'
import { isCompacted, isDeleteRetained, validateLogConfig } from './log-config.ts'
import { requireEpoch, requireInteger, requireOffset, requireTimeMs } from './preconditions.ts'
import { ProducerStateManager, type ProducedBatch } from './producer-state.ts'
import type { DeletionCondition } from './retention.ts'
import { deletableSegmentCount, logStartOffsetBreached, retentionBytesBreached, retentionMsBreached } from './retention.ts'
import { recoverLog } from './recovery.ts'
import type { LogSegment, SegmentInfo } from './segment.ts'

export interface CompactionResult {
  /** Closed segments the cleaner went through (they are replaced by fewer or equal ones). */
  readonly cleanedSegments: number
  readonly removedRecords: number
}

export class PartitionLog {
  private config: LogConfig
  /** Idempotent producers' last batches, rebuilt from the log on open and after a truncation. */
  private readonly producers = new ProducerStateManager()

  private constructor(
    private readonly storage: Storage,
    /** The storage name prefix of this partition's files, e.g. "orders-0". */
    readonly dir: string,
    config: LogConfig,
    /** Oldest first; never empty: the last one is the active segment. */
    private readonly segmentList: LogSegment[],
    private readonly epochCache: LeaderEpochCache,
    private startOffset: number,
    private highWatermarkOffset: number,
  ) {
    this.config = config
    this.producers.rebuild(this.allBatches())
  }

  /**
   * The log as a restarted broker finds it in `storage` after a crash or a power loss
   * (nothing: an empty log at offset 0); recovery.ts says how each offset is recovered.
   * `nowMs` is there for symmetry with the other time-dependent calls: recovery reads no
   * clock (Kafka's stamps segment creation times and expires producers, neither of which
   * matters here: records always carry a timestamp, and producer ids never expire).
   * Producer state is rebuilt from the batches the log still holds (Kafka also keeps
   * snapshots of it, which outlive retention; here a producer whose batches were all
   * deleted is forgotten on restart).
   */
  static open(storage: Storage, dir: string, config: LogConfig, nowMs: number): PartitionLog {
    if (typeof dir !== 'string' || dir === '' || dir.endsWith('/')) {
      throw new Error(`dir must be a non-empty storage prefix without a trailing "/", got ${JSON.stringify(dir)}`)
    }
    validateLogConfig(config)
    requireTimeMs(nowMs, 'nowMs')
    const recovered = recoverLog(storage, dir)
    const log = new PartitionLog(
      storage,
      dir,
      config,
      recovered.segments,
      recovered.epochCache,
      recovered.logStartOffset,
      recovered.highWatermark,
    )
    if (recovered.logStartOffsetChanged) log.writeLogStartOffset()
    if (recovered.epochCacheChanged) log.writeEpochCheckpoint()
    return log
  }

  get logStartOffset(): number {
    return this.startOffset
  }

  /** The offset the next appended record gets (LEO). */
  get logEndOffset(): number {
    return this.active.nextOffset
  }

  get highWatermark(): number {
    return this.highWatermarkOffset
  }

  get sizeBytes(): number {
    return this.segmentList.reduce((sum, segment) => sum + segment.sizeBytes, 0)
  }

  /** Sets the high watermark (in memory); callers decide monotonicity, as Kafka's Partition does. */
  setHighWatermark(offset: number): void {
    requireOffset(offset, 'high watermark')
    if (offset < this.startOffset || offset > this.logEndOffset) {
      throw new Error(`high watermark ${offset} is outside [log start offset ${this.startOffset}, log end offset ${this.logEndOffset}]`)
    }
    this.highWatermarkOffset = offset
  }

  /** Writes the high watermark checkpoint (Kafka's replication-offset-checkpoint, written periodically). */
  checkpointHighWatermark(): void {
    this.storage.write(highWatermarkFile(this.dir), this.highWatermarkOffset)
  }

  /**
   * Appends `records` as one new batch at the log end offset, stamped with the leader's
   * epoch, and returns it. A keyless record on a compacted topic is INVALID_RECORD and a
   * batch larger than segment.bytes is RECORD_LIST_TOO_LARGE (LogValidator.validateKey,
   * UnifiedLog.append); either way nothing is appended.
   *
   * `nowMs` is the append's time. Segments roll by the batches' own timestamps, as
   * Kafka's LogSegment.shouldRoll does when records carry one (they always do here).
   */
  appendAsLeader(records: readonly ProducerRecord[], leaderEpoch: number, producer: ProducerIdentity, nowMs: number, compression: CompressionType = 'none'): RecordBatch {
    requireEpoch(leaderEpoch, 'leaderEpoch')
    requireTimeMs(nowMs, 'nowMs')
    if (records.length === 0) throw new Error('appendAsLeader needs at least one record, got an empty records array')
    const batch = buildBatch(records, this.logEndOffset, leaderEpoch, producer, compression)
    // UnifiedLog.analyzeAndValidateRecords, then LogValidator, then the segment-size check.
    if (batch.sizeBytes > this.config.maxMessageBytes) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `The batch of ${batch.sizeBytes} bytes is larger than the max message size of ${this.dir} (max.message.bytes ${this.config.maxMessageBytes}).`)
    }
    if (isCompacted(this.config) && records.some((record) => record.key === null)) {
      throw new KafkaError('INVALID_RECORD', `Compacted topic cannot accept message without key in topic partition ${this.dir}`)
    }
    if (producer.producerId >= 0) {
      this.producers.validate({ ...producer, recordCount: records.length }, batch.baseOffset, this.dir)
    }
    this.checkAppendable([batch])
    this.appendBatch(batch)
    return batch
  }

  /**
   * The batch an idempotent producer's retry duplicates (same producer epoch and sequence
   * numbers, among its last five), or undefined. A leader answers a duplicate with the
   * original offsets and appends nothing (UnifiedLog.analyzeAndValidateProducerState).
   */
  duplicateOf(producer: ProducerIdentity, recordCount: number): ProducedBatch | undefined {
    if (producer.producerId < 0) return undefined
    return this.producers.findDuplicate({ ...producer, recordCount })
  }

  /** The idempotent producers this log knows, for views and tests. */
  producerState(): ReturnType<ProducerStateManager['describe']> {
    return this.producers.describe()
  }

  /**
   * Appends the leader's batches as they are: the very same objects, no copy. Each must
   * start at or past the log end offset: past it only where the leader's cleaner left a
   * gap (Kafka's UnifiedLog.append rejects only offsets below the log end offset).
   * Everything is checked before anything is appended.
   */
  appendAsFollower(batches: readonly RecordBatch[]): void {
    this.checkAppendable(batches)
    for (const batch of batches) this.appendBatch(batch)
  }

  /**
   * Whole batches from the first one holding an offset >= `startOffset`, up to
   * `maxOffsetExclusive` (the log end offset for followers, the high watermark for
   * consumers): a batch ending at or past it is never returned. Batches are added while
   * their total stays within `maxBytes`, but the first is returned whatever its size
   * (Kafka's minOneMessage). Like Kafka's LocalLog.read, one read stays within one
   * segment: the next fetch continues in the next.
   */
  read(startOffset: number, maxBytes: number, maxOffsetExclusive: number): readonly RecordBatch[] {
    requireInteger(startOffset, 'startOffset')
    requireOffset(maxBytes, 'maxBytes')
    requireInteger(maxOffsetExclusive, 'maxOffsetExclusive')
    if (startOffset < this.startOffset || startOffset > this.logEndOffset) {
      throw new KafkaError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${startOffset} of ${this.dir} is outside [log start offset ${this.startOffset}, log end offset ${this.logEndOffset}]`,
      )
    }
    if (startOffset >= maxOffsetExclusive) return []
    let segmentIndex = this.floorSegmentIndex(startOffset)
    if (segmentIndex < 0) {
      throw new KafkaError('OFFSET_OUT_OF_RANGE', `offset ${startOffset} of ${this.dir} is below the first segment ${this.segmentList[0]!.baseOffset}`)
    }
    for (; segmentIndex < this.segmentList.length; segmentIndex++) {
      const segment = this.segmentList[segmentIndex]!
      const first = segment.indexOfBatchEndingAtOrAfter(startOffset)
      if (first === segment.batchCount) continue // the offsets left in this segment were cleaned away
      const batches = segment.batches
      const byteLimit = Math.max(maxBytes, batches[first]!.sizeBytes)
      const result: RecordBatch[] = []
      let bytes = 0
      for (let i = first; i < batches.length; i++) {
        const batch = batches[i]!
        if (nextOffsetOf(batch) > maxOffsetExclusive || bytes + batch.sizeBytes > byteLimit) break
        result.push(batch)
        bytes += batch.sizeBytes
      }
      return result
    }
    return []
  }

  /**
   * Drops every batch at or above `offset`; the log end offset becomes `offset`.
   * Offsets at or past the log end offset change nothing but the epoch cache, which
   * loses an entry a leader assigned at its end without appending (UnifiedLog.truncateTo).
   *
   * Kafka removes a batch holding `offset` in its middle whole and still sets the log end
   * offset to `offset`. A follower never asks for that: it truncates to the end of an
   * epoch both replicas hold (KIP-279), and both hold that epoch's batches as copies of
   * its one leader's, so the offset is a batch boundary in both. Here it is an Error.
   */
  truncateTo(offset: number): void {
    requireOffset(offset, 'truncation offset')
    const logEndOffset = this.logEndOffset
    if (offset >= logEndOffset) {
      if (this.epochCache.truncateFromEnd(logEndOffset)) this.writeEpochCheckpoint()
      return
    }
    if (this.segmentList[0]!.baseOffset > offset) {
      this.truncateFullyAndStartAt(offset)
      return
    }
    const segmentIndex = this.floorSegmentIndex(offset)
    const segment = this.segmentList[segmentIndex]!
    const keptBatches = segment.indexOfBatchEndingAtOrAfter(offset)
    const straddling = segment.batches[keptBatches]
    if (straddling !== undefined && straddling.baseOffset < offset) {
      throw new Error(`cannot truncate ${this.dir} to offset ${offset}, inside the batch [${straddling.baseOffset}, ${lastOffsetOf(straddling)}]`)
    }
    for (const removed of this.segmentList.splice(segmentIndex + 1)) this.deleteSegmentFile(removed)
    segment.truncateToBatchCount(keptBatches)
    // An offset in a gap the cleaner left: an empty segment at `offset` records the new
    // log end offset, so that a restart finds the same one (Kafka's would recompute the
    // end of the last batch).
    if (segment.nextOffset < offset) this.segmentList.push(createSegment(this.storage, this.dir, offset))
    if (this.epochCache.truncateFromEnd(offset)) this.writeEpochCheckpoint()
    if (offset < this.startOffset) {
      this.startOffset = offset
      this.writeLogStartOffset()
    }
    this.highWatermarkOffset = Math.min(this.highWatermarkOffset, offset)
    this.producers.rebuild(this.allBatches())
  }

  /** Empties the log and starts it at `offset`: log start offset = log end offset = high watermark = `offset`. */
  truncateFullyAndStartAt(offset: number): void {
    requireOffset(offset, 'offset')
    for (const removed of this.segmentList.splice(0)) this.deleteSegmentFile(removed)
    this.segmentList.push(createSegment(this.storage, this.dir, offset))
    this.epochCache.clear()
    this.writeEpochCheckpoint()
    this.startOffset = offset
    this.writeLogStartOffset()
    this.highWatermarkOffset = offset
    this.producers.rebuild([])
  }

  latestEpoch(): number | undefined {
    return this.epochCache.latestEpoch()
  }

  /** A new leader records that its epoch starts at its log end offset. */
  assignEpochStartOffset(epoch: number, startOffset: number): void {
    requireOffset(startOffset, 'startOffset')
    if (startOffset > this.logEndOffset) {
      throw new Error(`epoch ${epoch} cannot start at ${startOffset}, past the log end offset ${this.logEndOffset}`)
    }
    if (this.epochCache.assign(epoch, startOffset)) this.writeEpochCheckpoint()
  }

  /** The leader's answer to OffsetsForLeaderEpoch / a fetch's lastFetchedEpoch (see LeaderEpochCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochCache.endOffsetFor(epoch, this.logEndOffset)
  }

  epochEntries(): EpochEntry[] {
    return this.epochCache.entries()
  }

  /**
   * Retention, as UnifiedLog.deleteOldSegments: segments wholly below the log start
   * offset always go; with cleanup.policy 'delete', then the oldest segments while the
   * log exceeds retention.bytes, then those whose newest record is older than
   * retention.ms. Only segments ending at or below the high watermark go; when the
   * active segment must go too, a new empty one is rolled first. The log start offset
   * moves to the first segment kept. Returns how many segments were deleted.
   */
  deleteRetainedSegments(nowMs: number): number {
    requireTimeMs(nowMs, 'nowMs')
    let deleted = this.deleteOldSegments(logStartOffsetBreached(this.startOffset))
    if (isDeleteRetained(this.config)) {
      const { retentionBytes, retentionMs } = this.config
      const sizeBytes = this.sizeBytes
      if (retentionBytes >= 0 && sizeBytes >= retentionBytes) {
        deleted += this.deleteOldSegments(retentionBytesBreached(sizeBytes, retentionBytes))
      }
      if (retentionMs >= 0) deleted += this.deleteOldSegments(retentionMsBreached(nowMs, retentionMs))
    }
    return deleted
  }

  /**
   * One pass of the log cleaner over the cleanable range (closed segments, below the high
   * watermark and min.compaction.lag.ms): see cleaner.ts. A no-op unless cleanup.policy
   * includes 'compact'. Kafka's cleaner thread picks the dirtiest log and maps only the
   * keys written since it last cleaned; here the broker decides when to call it, and
   * each call maps the whole cleanable range, which keeps exactly the same records.
   */
  compact(nowMs: number): CompactionResult {
    requireTimeMs(nowMs, 'nowMs')
    if (!isCompacted(this.config)) return { cleanedSegments: 0, removedRecords: 0 }
    const uncleanableOffset = firstUncleanableOffset(this.segmentList, this.highWatermarkOffset, nowMs, this.config.minCompactionLagMs)
    const cleanable = this.segmentList.filter((segment) => segment.baseOffset < uncleanableOffset)
    if (cleanable.length === 0) return { cleanedSegments: 0, removedRecords: 0 }

    const lastOffsetByProducer = new Map<number, number>()
    for (const segment of this.segmentList) {
      for (const batch of segment.batches) if (batch.producerId >= 0) lastOffsetByProducer.set(batch.producerId, lastOffsetOf(batch))
    }
    const result = cleanLog({
      segments: cleanable,
      firstUncleanableOffset: uncleanableOffset,
      lastOffsetByProducer,
      nowMs,
      deleteRetentionMs: this.config.deleteRetentionMs,
      segmentBytes: this.config.segmentBytes,
    })
    // Each cleaned segment takes its first source's place; the other sources go. The
    // disk flushes all files at once, so a power loss leaves the old segments or the new
    // ones, never a mix (what Kafka's .cleaned / .swap renames achieve).
    for (const cleaned of result.segments) {
      const [first, ...merged] = cleaned.replaces
      this.segmentList.find((segment) => segment.baseOffset === first)!.rewrite(cleaned.batches)
      for (const base of merged) {
        const index = this.segmentList.findIndex((segment) => segment.baseOffset === base)
        this.deleteSegmentFile(this.segmentList.splice(index, 1)[0]!)
      }
    }
    return { cleanedSegments: cleanable.length, removedRecords: result.removedRecords }
  }

  segments(): SegmentInfo[] {
    return this.segmentList.map((segment) => segment.info())
  }

  /** Every batch in the log, oldest first: for views and tests (fetches use read). */
  batches(): RecordBatch[] {
    return this.segmentList.flatMap((segment) => segment.batches)
  }

  updateConfig(config: LogConfig): void {
    this.config = validateLogConfig(config)
  }

  private get active(): LogSegment {
    return this.segmentList[this.segmentList.length - 1]!
  }

  /** Index of the last segment with base offset <= `offset`, or -1. */
  private floorSegmentIndex(offset: number): number {
    let low = 0
    let high = this.segmentList.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.segmentList[mid]!.baseOffset <= offset) low = mid + 1
      else high = mid
    }
    return low - 1
  }

  /** Everything that could stop an append part-way, checked before any batch is appended. */
  private checkAppendable(batches: readonly RecordBatch[]): void {
    let nextOffset = this.logEndOffset
    let latestEpoch = this.epochCache.latestEpoch() ?? 0
    for (const batch of batches) {
      if (!Number.isSafeInteger(batch.baseOffset) || batch.baseOffset < nextOffset) {
        throw new Error(`batch at offset ${batch.baseOffset} cannot be appended to ${this.dir} below offset ${nextOffset}`)
      }
      requireEpoch(batch.partitionLeaderEpoch, `partitionLeaderEpoch of the batch at ${batch.baseOffset}`)
      if (batch.partitionLeaderEpoch < latestEpoch) {
        throw new Error(`batch at offset ${batch.baseOffset} has leader epoch ${batch.partitionLeaderEpoch}, below the log's latest epoch ${latestEpoch}`)
      }
      if (batch.sizeBytes > this.config.segmentBytes) {
        throw new KafkaError(
          'RECORD_LIST_TOO_LARGE',
          `Message batch size is ${batch.sizeBytes} bytes in append to partition ${this.dir}, which exceeds the maximum configured segment size of ${this.config.segmentBytes}.`,
        )
      }
      nextOffset = nextOffsetOf(batch)
      latestEpoch = batch.partitionLeaderEpoch
    }
  }

  private appendBatch(batch: RecordBatch): void {
    if (this.epochCache.assign(batch.partitionLeaderEpoch, batch.baseOffset)) this.writeEpochCheckpoint()
    if (this.shouldRoll(batch)) this.roll(batch.baseOffset)
    this.active.append(batch)
    this.producers.update(batch)
  }

  private *allBatches(): Generator<RecordBatch> {
    for (const segment of this.segmentList) yield* segment.batches
  }

  /** LogSegment.shouldRoll: the batch would take the segment past segment.bytes, or is segment.ms newer than its first batch. */
  private shouldRoll(batch: RecordBatch): boolean {
    const active = this.active
    if (active.sizeBytes > this.config.segmentBytes - batch.sizeBytes) return true
    const rollingTimestampMs = active.rollingTimestampMs
    return rollingTimestampMs !== undefined && batch.maxTimestamp - rollingTimestampMs > this.config.segmentMs
  }

  /** A new empty active segment at `baseOffset` (at least the log end offset), as LocalLog.roll. */
  private roll(baseOffset: number): void {
    const newBase = Math.max(baseOffset, this.logEndOffset)
    const active = this.active
    if (active.baseOffset === newBase && active.isEmpty) return
    this.segmentList.push(createSegment(this.storage, this.dir, newBase))
  }

  private deleteOldSegments(condition: DeletionCondition): number {
    const count = deletableSegmentCount(this.segmentList, this.highWatermarkOffset, this.logEndOffset, condition)
    if (count === 0) return 0
    // The log always keeps an active segment: when every segment goes, roll one first.
    if (count === this.segmentList.length) this.roll(this.logEndOffset)
    const removed = this.segmentList.splice(0, count)
    this.incrementLogStartOffset(this.segmentList[0]!.baseOffset)
    for (const segment of removed) this.deleteSegmentFile(segment)
    return count
  }

  /** UnifiedLog.maybeIncrementLogStartOffset: the high watermark and the epoch cache follow. */
  private incrementLogStartOffset(offset: number): void {
    if (offset <= this.startOffset) return
    this.startOffset = offset
    this.writeLogStartOffset()
    this.highWatermarkOffset = Math.max(this.highWatermarkOffset, offset)
    if (this.epochCache.truncateFromStart(offset)) this.writeEpochCheckpoint()
  }

  private deleteSegmentFile(segment: LogSegment): void {
    deleteSegment(this.storage, this.dir, segment)
  }

  private writeLogStartOffset(): void {
    this.storage.write(logStartOffsetFile(this.dir), this.startOffset)
  }

  private writeEpochCheckpoint(): void {
    this.storage.write(epochCheckpointFile(this.dir), this.epochCache.entries())
  }
}
