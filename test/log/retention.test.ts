import { describe, expect, it } from 'vitest'
import type { LogConfig } from '../../core/log/log-config.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import { BATCH_OVERHEAD_BYTES, recordSizeBytes } from '../../core/records.ts'
import { Disk } from '../../sim/disk.ts'
import { appendValues, DIR, expectConsistent, logConfig } from './support.ts'

const SMALL_BATCH_BYTES = BATCH_OVERHEAD_BYTES + recordSizeBytes('a', 'a')

/**
 * Three closed segments of two one-record batches and an active one of one batch:
 * offsets 0-1 written at t=100, 2-3 at t=200, 4-5 at t=300, 6 at t=400.
 */
function agedLog(overrides: Partial<LogConfig> = {}) {
  const disk = new Disk()
  const log = PartitionLog.open(disk, DIR, logConfig({ segmentBytes: 2 * SMALL_BATCH_BYTES, ...overrides }), 0)
  for (const [i, timestamp] of [100, 100, 200, 200, 300, 300, 400].entries()) {
    appendValues(log, [String(i)], i < 4 ? 0 : 1, timestamp)
  }
  return { disk, log }
}

const bases = (log: PartitionLog): number[] => log.segments().map((s) => s.baseOffset)
const files = (disk: Disk): string[] => disk.logNames().sort()

describe('retention by time (retention.ms)', () => {
  it('deletes the oldest segments whose newest record is older than retention.ms and moves the log start offset', () => {
    const { disk, log } = agedLog({ retentionMs: 150 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(351)).toBe(2)
    expect(bases(log)).toEqual([4, 6])
    expect(log.logStartOffset).toBe(4)
    expect(files(disk)).toEqual([`${DIR}/00000000000000000004.log`, `${DIR}/00000000000000000006.log`])
    expect(disk.read(`${DIR}/log-start-offset`)).toBe(4)
    expect(() => log.read(3, 1 << 20, log.logEndOffset)).toThrow(/OFFSET_OUT_OF_RANGE/)
    expect(log.deleteRetainedSegments(351)).toBe(0)
    expectConsistent(log)
  })

  it('an age exactly retention.ms is not yet breached (Kafka compares with >)', () => {
    const { log } = agedLog({ retentionMs: 150 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(250)).toBe(0)
    expect(log.deleteRetainedSegments(251)).toBe(1)
  })

  it('never deletes a segment reaching at or past the high watermark', () => {
    const { log } = agedLog({ retentionMs: 10 })
    log.setHighWatermark(3)
    expect(log.deleteRetainedSegments(10_000)).toBe(1)
    expect(log.logStartOffset).toBe(2)
    log.setHighWatermark(4)
    expect(log.deleteRetainedSegments(10_000)).toBe(1)
    expect(log.logStartOffset).toBe(4)
    expect(log.highWatermark).toBe(4)
  })

  it('the active segment goes only when the high watermark is at the log end, after rolling a new empty one', () => {
    const { log } = agedLog({ retentionMs: 10 })
    log.setHighWatermark(6)
    expect(log.deleteRetainedSegments(10_000)).toBe(3)
    expect(bases(log)).toEqual([6])
    log.setHighWatermark(7)
    expect(log.deleteRetainedSegments(10_000)).toBe(1)
    expect(log.segments()).toEqual([
      { baseOffset: 7, nextOffset: 7, sizeBytes: 0, batchCount: 0, rollingTimestampMs: undefined, largestTimestampMs: undefined },
    ])
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([7, 7, 7])
    expect(log.deleteRetainedSegments(10_000)).toBe(0) // an empty active segment is never deleted
    expectConsistent(log)
  })

  it('the epoch cache loses what lies below the new log start offset, keeping the epoch that covers it', () => {
    const { log } = agedLog({ retentionMs: 150 })
    expect(log.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 4 }])
    log.setHighWatermark(log.logEndOffset)
    log.deleteRetainedSegments(251)
    expect(log.epochEntries()).toEqual([{ epoch: 0, startOffset: 2 }, { epoch: 1, startOffset: 4 }])
    log.deleteRetainedSegments(351)
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 4 }])
  })

  it('-1 keeps every segment forever', () => {
    const { log } = agedLog({ retentionMs: -1 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(Number.MAX_SAFE_INTEGER)).toBe(0)
  })
})

describe('retention by size (retention.bytes)', () => {
  it('deletes the oldest segments while what remains is still at least retention.bytes', () => {
    // 7 batches = 7 units; a limit of 4.5 units leaves 2.5 to delete: one 2-unit segment goes, the next would overshoot.
    const { log } = agedLog({ retentionBytes: Math.floor(4.5 * SMALL_BATCH_BYTES), retentionMs: -1 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(0)).toBe(1)
    expect(bases(log)).toEqual([2, 4, 6])
    expect(log.sizeBytes).toBeGreaterThanOrEqual(Math.floor(4.5 * SMALL_BATCH_BYTES))
  })

  it('never beyond the high watermark', () => {
    const { log } = agedLog({ retentionBytes: 0, retentionMs: -1 })
    log.setHighWatermark(4)
    expect(log.deleteRetainedSegments(0)).toBe(2)
    expect(log.logStartOffset).toBe(4)
  })

  it('-1 means no size limit', () => {
    const { log } = agedLog({ retentionBytes: -1, retentionMs: -1 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(0)).toBe(0)
  })
})

describe('retention and cleanup.policy', () => {
  it('without "delete" in cleanup.policy, neither retention.ms nor retention.bytes deletes anything', () => {
    const { log } = agedLog({ cleanupPolicy: ['compact'], retentionMs: 1, retentionBytes: 0 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(10_000)).toBe(0)
  })

  it('"compact,delete" applies retention too', () => {
    const { log } = agedLog({ cleanupPolicy: ['compact', 'delete'], retentionMs: 150 })
    log.setHighWatermark(log.logEndOffset)
    expect(log.deleteRetainedSegments(351)).toBe(2)
  })

  it('a restart after retention finds the same log start offset and segments', () => {
    const { disk, log } = agedLog({ retentionMs: 150 })
    log.setHighWatermark(log.logEndOffset)
    log.deleteRetainedSegments(351)
    const reopened = PartitionLog.open(disk, DIR, logConfig({ segmentBytes: 2 * SMALL_BATCH_BYTES }), 351)
    expect(reopened.logStartOffset).toBe(4)
    expect(reopened.segments()).toEqual(log.segments())
    expect(reopened.epochEntries()).toEqual(log.epochEntries())
  })
})
