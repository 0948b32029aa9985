// One segment of a partition's log: whole batches in one storage file, named by the
// segment's base offset padded to 20 digits as Kafka names its .log files, so that a
// listing sorts by offset. Every offset in the segment is >= its base offset and below
// the next segment's base offset.

import type { DurableLog } from '../node.ts'
import type { RecordBatch } from '../records.ts'
import { lastOffsetOf, nextOffsetOf } from '../records.ts'

/** What a segment looks like from outside: for views, snapshots and tests. */
export interface SegmentInfo {
  readonly baseOffset: number
  /** The offset after the segment's last batch; the base offset when it holds none. */
  readonly nextOffset: number
  readonly sizeBytes: number
  readonly batchCount: number
  /** The first batch's maxTimestamp: segment.ms counts from it (Kafka's rollingBasedTimestamp). */
  readonly rollingTimestampMs: number | undefined
  /** The largest batch maxTimestamp: retention.ms counts from it. */
  readonly largestTimestampMs: number | undefined
}

const OFFSET_DIGITS = 20

export function segmentFileName(dir: string, baseOffset: number): string {
  return `${dir}/${String(baseOffset).padStart(OFFSET_DIGITS, '0')}.log`
}

/** The base offset a storage file name encodes, or undefined when the file is not one of `dir`'s segments. */
export function parseSegmentFileName(dir: string, name: string): number | undefined {
  const prefix = `${dir}/`
  if (!name.startsWith(prefix) || !name.endsWith('.log')) return undefined
  const digits = name.slice(prefix.length, -'.log'.length)
  if (digits.length !== OFFSET_DIGITS || !/^\d+$/.test(digits)) return undefined
  const offset = Number(digits)
  return Number.isSafeInteger(offset) ? offset : undefined
}

export class LogSegment {
  private cachedSizeBytes = 0
  private cachedLargestTimestampMs = -Infinity

  constructor(
    readonly baseOffset: number,
    private readonly file: DurableLog<RecordBatch>,
  ) {
    this.recomputeCaches()
  }

  get batches(): readonly RecordBatch[] {
    return this.file.entries()
  }

  get batchCount(): number {
    return this.file.length
  }

  get isEmpty(): boolean {
    return this.file.length === 0
  }

  get sizeBytes(): number {
    return this.cachedSizeBytes
  }

  get nextOffset(): number {
    const last = this.file.at(this.file.length - 1)
    return last === undefined ? this.baseOffset : nextOffsetOf(last)
  }

  get rollingTimestampMs(): number | undefined {
    return this.file.at(0)?.maxTimestamp
  }

  /**
   * -Infinity for a segment with no batches. Kafka falls back to the file's modification
   * time there; such a segment (emptied by the cleaner) holds nothing, so retention may
   * take it at once.
   */
  get largestTimestampMs(): number {
    return this.cachedLargestTimestampMs
  }

  append(batch: RecordBatch): void {
    this.file.append(batch)
    this.cachedSizeBytes += batch.sizeBytes
    this.cachedLargestTimestampMs = Math.max(this.cachedLargestTimestampMs, batch.maxTimestamp)
  }

  /** Keeps the first `batchCount` batches. */
  truncateToBatchCount(batchCount: number): void {
    if (batchCount >= this.file.length) return
    this.file.truncate(batchCount)
    this.recomputeCaches()
  }

  /** Replaces the contents, rewriting only from the first batch that differs. */
  rewrite(batches: readonly RecordBatch[]): void {
    const current = this.file.entries()
    let same = 0
    while (same < current.length && same < batches.length && current[same] === batches[same]) same++
    if (same === current.length && same === batches.length) return
    this.file.truncate(same)
    for (let i = same; i < batches.length; i++) this.file.append(batches[i]!)
    this.recomputeCaches()
  }

  /** The index of the first batch whose last offset is >= `offset`, or batchCount when there is none. */
  indexOfBatchEndingAtOrAfter(offset: number): number {
    const batches = this.file.entries()
    let low = 0
    let high = batches.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (lastOffsetOf(batches[mid]!) < offset) low = mid + 1
      else high = mid
    }
    return low
  }

  info(): SegmentInfo {
    return {
      baseOffset: this.baseOffset,
      nextOffset: this.nextOffset,
      sizeBytes: this.sizeBytes,
      batchCount: this.batchCount,
      rollingTimestampMs: this.rollingTimestampMs,
      largestTimestampMs: this.isEmpty ? undefined : this.largestTimestampMs,
    }
  }

  private recomputeCaches(): void {
    let size = 0
    let largest = -Infinity
    for (const batch of this.file.entries()) {
      size += batch.sizeBytes
      if (batch.maxTimestamp > largest) largest = batch.maxTimestamp
    }
    this.cachedSizeBytes = size
    this.cachedLargestTimestampMs = largest
  }
}
