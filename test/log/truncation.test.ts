import { describe, expect, it } from 'vitest'
import { PartitionLog } from '../../core/log/partition-log.ts'
import { BATCH_OVERHEAD_BYTES, recordSizeBytes } from '../../core/records.ts'
import { Disk } from '../../sim/disk.ts'
import { appendValues, DIR, expectConsistent, logConfig, NOT_IDEMPOTENT, record, recordsByOffset } from './support.ts'

const SMALL_BATCH_BYTES = BATCH_OVERHEAD_BYTES + recordSizeBytes('a', 'a')

/** Ten one-record batches, three per segment, epochs 0 (offsets 0-3), 2 (4-6) and 5 (7-9). */
function tenRecords() {
  const disk = new Disk()
  const log = PartitionLog.open(disk, DIR, logConfig({ segmentBytes: 3 * SMALL_BATCH_BYTES }), 0)
  appendValues(log, ['a', 'b', 'c', 'd'], 0)
  appendValues(log, ['e', 'f', 'g'], 2)
  appendValues(log, ['h', 'i', 'j'], 5)
  return { disk, log }
}

const segmentFiles = (disk: Disk): string[] => disk.logNames().filter((name) => name.startsWith(`${DIR}/`)).sort()

describe('truncateTo', () => {
  it('drops every batch at or above the offset; LEO, HW, epoch cache and segments follow', () => {
    const { disk, log } = tenRecords()
    log.setHighWatermark(8)
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 3, 6, 9])
    log.truncateTo(5)
    expect(log.logEndOffset).toBe(5)
    expect(log.highWatermark).toBe(5)
    expect(log.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 4 }])
    expect(log.segments().map((s) => [s.baseOffset, s.nextOffset])).toEqual([[0, 3], [3, 5]])
    expect(segmentFiles(disk)).toEqual([`${DIR}/00000000000000000000.log`, `${DIR}/00000000000000000003.log`])
    expect(recordsByOffset(log.batches()).map(([, , value]) => value)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expectConsistent(log)
    appendValues(log, ['x'], 6)
    expect(recordsByOffset(log.read(5, 1 << 20, log.logEndOffset))).toEqual([[5, 'x', 'x']])
  })

  it('truncating to a segment base keeps that segment, empty', () => {
    const { log } = tenRecords()
    log.truncateTo(6)
    expect(log.segments().map((s) => [s.baseOffset, s.batchCount])).toEqual([[0, 3], [3, 3], [6, 0]])
    expect(log.logEndOffset).toBe(6)
    expectConsistent(log)
  })

  it('the high watermark stays when the truncation is above it', () => {
    const { log } = tenRecords()
    log.setHighWatermark(3)
    log.truncateTo(7)
    expect(log.highWatermark).toBe(3)
  })

  it('at or past the log end offset only drops an epoch a leader assigned without appending', () => {
    const { log } = tenRecords()
    log.assignEpochStartOffset(7, log.logEndOffset)
    expect(log.latestEpoch()).toBe(7)
    log.truncateTo(12)
    expect(log.logEndOffset).toBe(10)
    expect(log.latestEpoch()).toBe(5)
    expectConsistent(log)
  })

  it('an offset inside a batch is an error and changes nothing', () => {
    const disk = new Disk()
    const log = PartitionLog.open(disk, DIR, logConfig(), 0)
    log.appendAsLeader([record('a', '0'), record('a', '1'), record('a', '2')], 0, NOT_IDEMPOTENT, 0)
    expect(() => log.truncateTo(1)).toThrow(/inside the batch \[0, 2\]/)
    expect(log.logEndOffset).toBe(3)
    log.truncateTo(0)
    expect(log.logEndOffset).toBe(0)
  })

  it('below the first segment it empties the log and starts it at the offset', () => {
    const { log } = tenRecords()
    log.setHighWatermark(10)
    log.updateConfig(logConfig({ segmentBytes: 3 * SMALL_BATCH_BYTES, retentionBytes: 4 * SMALL_BATCH_BYTES }))
    log.deleteRetainedSegments(0)
    expect(log.logStartOffset).toBe(6)
    log.truncateTo(4)
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([4, 4, 4])
    expect(log.epochEntries()).toEqual([])
    expectConsistent(log)
  })
})

describe('truncateFullyAndStartAt', () => {
  it('empties the log: log start = LEO = HW = the offset, one empty segment there, no epochs', () => {
    const { disk, log } = tenRecords()
    log.setHighWatermark(9)
    log.truncateFullyAndStartAt(100)
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([100, 100, 100])
    expect(log.segments().map((s) => [s.baseOffset, s.batchCount])).toEqual([[100, 0]])
    expect(segmentFiles(disk)).toEqual([`${DIR}/00000000000000000100.log`])
    expect(log.epochEntries()).toEqual([])
    expect(() => log.read(99, 1 << 20, 100)).toThrow(/OFFSET_OUT_OF_RANGE/)
    appendValues(log, ['z'], 9)
    expect(log.epochEntries()).toEqual([{ epoch: 9, startOffset: 100 }])
    expect(recordsByOffset(log.batches())).toEqual([[100, 'z', 'z']])
    expectConsistent(log)
  })

  it('survives a restart: the restarted log starts at the offset', () => {
    const { disk, log } = tenRecords()
    log.truncateFullyAndStartAt(0)
    log.truncateFullyAndStartAt(42)
    const reopened = PartitionLog.open(disk, DIR, logConfig(), 0)
    expect([reopened.logStartOffset, reopened.logEndOffset, reopened.highWatermark]).toEqual([42, 42, 42])
    expect(reopened.batches()).toEqual([])
  })
})

describe('truncation and cleaned gaps', () => {
  it('an offset in a gap the cleaner left becomes the log end offset, and a restart finds the same one', () => {
    const disk = new Disk()
    const config = logConfig({ cleanupPolicy: ['compact'], segmentMs: 10 })
    const log = PartitionLog.open(disk, DIR, config, 0)
    for (const [key, value] of [['a', '1'], ['b', '1'], ['b', '2'], ['c', '1']]) {
      log.appendAsLeader([record(key!, value!, 0)], 0, NOT_IDEMPOTENT, 0)
    }
    log.appendAsLeader([record('x', 'x', 50)], 0, NOT_IDEMPOTENT, 50)
    log.setHighWatermark(log.logEndOffset)
    log.compact(100)
    expect(recordsByOffset(log.batches()).map(([offset]) => offset)).toEqual([0, 2, 3, 4]) // b1 at 1 is gone
    log.truncateTo(2)
    expect(log.logEndOffset).toBe(2)
    expectConsistent(log)
    const reopened = PartitionLog.open(disk, DIR, config, 100)
    expect(reopened.logEndOffset).toBe(2)
    expect(reopened.segments()).toEqual(log.segments())
    reopened.appendAsLeader([record('d', '1', 60)], 0, NOT_IDEMPOTENT, 60)
    expect(recordsByOffset(reopened.batches()).map(([offset]) => offset)).toEqual([0, 2])
  })
})
