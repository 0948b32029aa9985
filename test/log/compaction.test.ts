import { describe, expect, it } from 'vitest'
import type { LogConfig } from '../../core/log/log-config.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import { BATCH_OVERHEAD_BYTES, lastOffsetOf } from '../../core/records.ts'
import { Disk } from '../../sim/disk.ts'
import { DIR, expectConsistent, logConfig, NOT_IDEMPOTENT, record, recordsByOffset } from './support.ts'

/**
 * A compacted log whose segments roll by time: every write at a timestamp more than
 * segmentMs (10) after the active segment's first one starts a new segment.
 */
function compactedLog(overrides: Partial<LogConfig> = {}) {
  const disk = new Disk()
  const config = logConfig({ cleanupPolicy: ['compact'], segmentMs: 10, deleteRetentionMs: 100, ...overrides })
  const log = PartitionLog.open(disk, DIR, config, 0)
  /** One single-record batch per [key, value]; `timestamp` picks the segment. */
  const write = (timestamp: number, ...pairs: [string, string | null][]) =>
    pairs.map(([key, value]) => log.appendAsLeader([record(key, value, timestamp)], 0, NOT_IDEMPOTENT, timestamp))
  return { disk, log, config, write }
}

const values = (log: PartitionLog) => recordsByOffset(log.batches())

describe('compaction keeps the latest record per key', () => {
  it('keeps the latest value per key in the closed segments below the high watermark, at unchanged offsets', () => {
    const { log, write } = compactedLog()
    write(0, ['a', 'a1'], ['b', 'b1'], ['a', 'a2'])
    write(20, ['c', 'c1'], ['b', 'b2'], ['a', 'a3'])
    write(40, ['c', 'c2'])
    log.setHighWatermark(log.logEndOffset)
    expect(log.compact(100)).toEqual({ cleanedSegments: 2, removedRecords: 3 })
    // c1 stays: c2 is in the active segment, which is never cleaned (nor counted).
    expect(values(log)).toEqual([[3, 'c', 'c1'], [4, 'b', 'b2'], [5, 'a', 'a3'], [6, 'c', 'c2']])
    expect(log.logEndOffset).toBe(7)
    expect(log.logStartOffset).toBe(0)
    // Both closed segments fit in segment.bytes: the cleaner wrote them into one, at the first base.
    expect(log.segments().map((s) => [s.baseOffset, s.batchCount])).toEqual([[0, 3], [6, 1]])
    expectConsistent(log)

    write(60, ['d', 'd1']) // c2's segment closes
    log.setHighWatermark(log.logEndOffset)
    log.compact(200)
    expect(values(log)).toEqual([[4, 'b', 'b2'], [5, 'a', 'a3'], [6, 'c', 'c2'], [7, 'd', 'd1']])
  })

  it('a cleaned batch keeps its base offset and last offset delta; its records keep their offset deltas', () => {
    const { log } = compactedLog()
    const big = log.appendAsLeader([record('a', '1'), record('b', '1'), record('a', '2'), record('c', '1')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('b', '2')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('z', '1', 50)], 0, NOT_IDEMPOTENT, 50)
    log.setHighWatermark(log.logEndOffset)
    log.compact(100)
    const cleaned = log.batches()[0]!
    expect(cleaned).not.toBe(big)
    expect([cleaned.baseOffset, cleaned.lastOffsetDelta, lastOffsetOf(cleaned)]).toEqual([0, 3, 3])
    expect(cleaned.records.map((r) => [r.offsetDelta, r.key, r.value])).toEqual([[2, 'a', '2'], [3, 'c', '1']])
    expect(cleaned.sizeBytes).toBe(BATCH_OVERHEAD_BYTES + cleaned.records[0]!.sizeBytes + cleaned.records[1]!.sizeBytes)
    expect(Object.isFrozen(cleaned)).toBe(true)
    expect(log.read(1, 1 << 20, log.logEndOffset)[0]).toBe(cleaned)
  })

  it('nothing at or above the high watermark is cleaned, nor used to supersede older records', () => {
    const { log, write } = compactedLog()
    write(0, ['a', 'a1'], ['a', 'a2'], ['a', 'a3'])
    write(20, ['a', 'a4'], ['a', 'a5'])
    write(40, ['x', 'x'])
    log.setHighWatermark(2)
    expect(log.compact(100).removedRecords).toBe(1)
    expect(values(log).map(([offset]) => offset)).toEqual([1, 2, 3, 4, 5])
  })

  it('a batch left with no record is dropped, and a read from the gap returns the next batch', () => {
    const { log, write } = compactedLog()
    write(0, ['a', '1'], ['b', '1'], ['c', '1'])
    write(20, ['a', '2'], ['b', '2'], ['d', '1'])
    write(40, ['x', 'x'])
    log.setHighWatermark(log.logEndOffset)
    log.compact(100)
    expect(values(log).map(([offset]) => offset)).toEqual([2, 3, 4, 5, 6])
    expect(log.read(0, 0, log.logEndOffset).map((b) => b.baseOffset)).toEqual([2])
    expect(log.read(1, 0, log.logEndOffset).map((b) => b.baseOffset)).toEqual([2])
    expect(log.read(0, 1 << 20, 5).map((b) => b.baseOffset)).toEqual([2, 3, 4])
  })

  it('the last batch below the uncleanable offset is kept even when empty, so the cleaned range still ends there', () => {
    const { log, write } = compactedLog({ deleteRetentionMs: 100 })
    write(0, ['a', '1'], ['a', null])
    write(20, ['x', 'x'])
    log.setHighWatermark(log.logEndOffset)
    log.compact(1000) // a1's batch goes; the tombstone stays until 1100
    expect(log.batches().map((b) => b.baseOffset)).toEqual([1, 2])
    log.compact(1100) // the tombstone goes, but its batch ends the cleaned range: a bare header stays
    const [bare] = log.batches()
    expect(bare).toMatchObject({ baseOffset: 1, lastOffsetDelta: 0, records: [], sizeBytes: BATCH_OVERHEAD_BYTES, maxTimestamp: 0 })
    expect(bare!.deleteHorizonMs).toBeUndefined()
    expect(log.read(0, 1 << 20, log.logEndOffset)).toEqual([bare])
    expect(log.compact(1200).removedRecords).toBe(0)
    expect(log.batches()[0]).toBe(bare)
  })

  it('an idempotent producer\'s last batch stays as an empty batch: it carries the producer\'s last sequence', () => {
    const { log } = compactedLog()
    const idempotent = log.appendAsLeader([record('a', '1')], 0, { producerId: 7, producerEpoch: 0, baseSequence: 0 }, 0)
    log.appendAsLeader([record('a', '2')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('b', '1')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('z', '1', 50)], 0, NOT_IDEMPOTENT, 50)
    log.setHighWatermark(log.logEndOffset)
    expect(log.compact(100).removedRecords).toBe(1)
    const kept = log.batches()[0]!
    expect(kept).toMatchObject({ baseOffset: 0, lastOffsetDelta: 0, producerId: 7, baseSequence: 0, records: [], sizeBytes: BATCH_OVERHEAD_BYTES })
    expect(kept.maxTimestamp).toBe(idempotent.maxTimestamp)
  })

  it('keyless records, written before the topic became compacted, are removed', () => {
    const { log, config } = compactedLog({ cleanupPolicy: ['delete'] })
    log.appendAsLeader([record(null, '1'), record('a', '1')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('b', '1')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('z', '1', 50)], 0, NOT_IDEMPOTENT, 50)
    log.setHighWatermark(log.logEndOffset)
    expect(log.compact(100)).toEqual({ cleanedSegments: 0, removedRecords: 0 }) // not compacted yet
    log.updateConfig({ ...config, cleanupPolicy: ['compact'] })
    expect(log.compact(100).removedRecords).toBe(1)
    expect(values(log)).toEqual([[1, 'a', '1'], [2, 'b', '1'], [3, 'z', '1']])
  })

  it('segments holding a record younger than min.compaction.lag.ms are not cleaned', () => {
    const { log, write } = compactedLog({ minCompactionLagMs: 50 })
    write(0, ['a', '1'], ['a', '2'])
    write(20, ['a', '3'], ['a', '4'])
    write(40, ['x', 'x'])
    log.setHighWatermark(log.logEndOffset)
    expect(log.compact(60).removedRecords).toBe(1) // the segment written at 20 is 40 ms old
    expect(values(log).map(([offset]) => offset)).toEqual([1, 2, 3, 4])
    expect(log.compact(71).removedRecords).toBe(2)
    expect(values(log).map(([offset]) => offset)).toEqual([3, 4])
  })

  it('cleaned segments are merged while their sizes fit in segment.bytes', () => {
    const { disk, log, write } = compactedLog()
    write(0, ['a', '1'], ['a', '2'])
    write(20, ['b', '1'], ['b', '2'])
    write(40, ['c', '1'], ['c', '2'])
    write(60, ['x', 'x'])
    const segmentBytes = 2 * log.batches()[0]!.sizeBytes
    log.updateConfig(logConfig({ cleanupPolicy: ['compact'], segmentMs: 10, segmentBytes }))
    log.setHighWatermark(log.logEndOffset)
    log.compact(100)
    expect(log.segments().map((s) => s.baseOffset)).toEqual([0, 2, 4, 6])
    log.compact(100)
    expect(log.segments().map((s) => [s.baseOffset, s.batchCount])).toEqual([[0, 2], [4, 1], [6, 1]])
    expect(disk.logNames().sort()).toEqual([0, 4, 6].map((base) => `${DIR}/${String(base).padStart(20, '0')}.log`))
    expect(values(log)).toEqual([[1, 'a', '2'], [3, 'b', '2'], [5, 'c', '2'], [6, 'x', 'x']])
    expectConsistent(log)
  })

  it('only compact logs are cleaned: cleanup.policy=delete makes compact() a no-op', () => {
    const { log, write } = compactedLog({ cleanupPolicy: ['delete'] })
    write(0, ['a', '1'], ['a', '2'])
    write(20, ['x', 'x'])
    log.setHighWatermark(log.logEndOffset)
    expect(log.compact(100)).toEqual({ cleanedSegments: 0, removedRecords: 0 })
    expect(log.batches().length).toBe(3)
  })
})

describe('tombstones and the delete horizon (KIP-534)', () => {
  function withTombstone() {
    const setup = compactedLog({ deleteRetentionMs: 100 })
    setup.write(0, ['a', 'a1'], ['b', 'b1'], ['a', null], ['c', 'c1'])
    setup.write(20, ['x', 'x'])
    setup.log.setHighWatermark(setup.log.logEndOffset)
    return setup
  }

  it('the first cleaning that keeps a tombstone stamps its batch with deleteHorizonMs = now + delete.retention.ms', () => {
    const { log } = withTombstone()
    expect(log.compact(1000).removedRecords).toBe(1)
    expect(values(log)).toEqual([[1, 'b', 'b1'], [2, 'a', null], [3, 'c', 'c1'], [4, 'x', 'x']])
    const tombstoneBatch = log.batches().find((batch) => batch.baseOffset === 2)!
    expect(tombstoneBatch.deleteHorizonMs).toBe(1100)
    expect(log.batches().filter((batch) => batch.deleteHorizonMs !== undefined)).toEqual([tombstoneBatch])
  })

  it('the tombstone survives cleanings before its horizon, unchanged', () => {
    const { log } = withTombstone()
    log.compact(1000)
    const stamped = log.batches().find((batch) => batch.baseOffset === 2)!
    expect(log.compact(1099)).toEqual({ cleanedSegments: 1, removedRecords: 0 })
    expect(log.batches().find((batch) => batch.baseOffset === 2)).toBe(stamped)
    expect(stamped.deleteHorizonMs).toBe(1100) // a later cleaning does not push the horizon back
  })

  it('a cleaning at or after the horizon removes the tombstone; offsets and the log end offset stay', () => {
    const { log } = withTombstone()
    log.compact(1000)
    expect(log.compact(1100).removedRecords).toBe(1)
    expect(values(log)).toEqual([[1, 'b', 'b1'], [3, 'c', 'c1'], [4, 'x', 'x']])
    expect(log.logEndOffset).toBe(5)
    expectConsistent(log)
  })

  it('the horizon survives a restart with the batch', () => {
    const { disk, log, config } = withTombstone()
    log.compact(1000)
    log.checkpointHighWatermark() // a restarted broker cleans only below its checkpointed high watermark
    const reopened = PartitionLog.open(disk, DIR, config, 1050)
    expect(reopened.batches()).toEqual(log.batches())
    expect(reopened.compact(1100).removedRecords).toBe(1)
  })
})

describe('compaction and replicas', () => {
  it('cleaning a leader never changes the batches a follower shares with it', () => {
    const { log: leader, write } = compactedLog()
    write(0, ['a', '1'], ['a', '2'], ['b', '1'])
    write(20, ['a', '3'])
    const follower = PartitionLog.open(new Disk(), DIR, logConfig({ cleanupPolicy: ['compact'], segmentMs: 10 }), 0)
    follower.appendAsFollower(leader.read(0, 1 << 20, leader.logEndOffset))
    const shared = follower.batches()
    const sharedRecords = shared.map((batch) => batch.records)
    leader.setHighWatermark(leader.logEndOffset)
    leader.compact(100)
    expect(values(leader)).toEqual([[1, 'a', '2'], [2, 'b', '1'], [3, 'a', '3']])
    expect(follower.batches()).toEqual(shared)
    follower.batches().forEach((batch, i) => expect(batch.records).toBe(sharedRecords[i]))
  })
})
