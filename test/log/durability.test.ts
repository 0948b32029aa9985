// A restarted broker's log: after a process crash it is exactly what the process left
// (the page cache survives); after a power loss it is exactly what was flushed.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { EpochEntry } from '../../core/log/epoch-cache.ts'
import type { LogConfig } from '../../core/log/log-config.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import type { SegmentInfo } from '../../core/log/segment.ts'
import type { RecordBatch } from '../../core/records.ts'
import { Disk } from '../../sim/disk.ts'
import { DIR, expectConsistent, logConfig, NOT_IDEMPOTENT, record } from './support.ts'

type Op =
  | { op: 'append'; keys: number[]; tombstone: boolean }
  | { op: 'newEpoch' }
  | { op: 'truncate'; pick: number }
  | { op: 'highWatermark'; pick: number; checkpoint: boolean }
  | { op: 'retention' }
  | { op: 'compact' }
  | { op: 'truncateFully'; gap: number }
  | { op: 'flush' }
  | { op: 'crash' }
  | { op: 'powerLoss' }

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('append' as const), keys: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }), tombstone: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ op: 'newEpoch' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('highWatermark' as const), pick: fc.nat(), checkpoint: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'retention' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'compact' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncateFully' as const), gap: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'flush' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'crash' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'powerLoss' as const }) },
)

const CONFIG: LogConfig = logConfig({
  segmentBytes: 250,
  segmentMs: 40,
  retentionMs: 200,
  retentionBytes: 600,
  cleanupPolicy: ['compact', 'delete'],
  deleteRetentionMs: 30,
})

/** What a reopened log must show, taken from a live log (and the last checkpointed high watermark). */
interface Image {
  batches: RecordBatch[]
  segments: SegmentInfo[]
  logStartOffset: number
  logEndOffset: number
  epochs: EpochEntry[]
  highWatermark: number
}

function imageOf(log: PartitionLog, checkpointedHighWatermark: number | undefined): Image {
  const clamp = (offset: number) => Math.min(Math.max(offset, log.logStartOffset), log.logEndOffset)
  return {
    batches: log.batches(),
    segments: log.segments(),
    logStartOffset: log.logStartOffset,
    logEndOffset: log.logEndOffset,
    // An epoch a leader assigned at its end without appending is forgotten on restart, as in Kafka.
    epochs: log.epochEntries().filter((entry) => entry.startOffset < log.logEndOffset),
    highWatermark: clamp(checkpointedHighWatermark ?? log.logStartOffset),
  }
}

function expectImage(log: PartitionLog, image: Image): void {
  expect(log.batches().length).toBe(image.batches.length)
  log.batches().forEach((batch, i) => expect(batch).toBe(image.batches[i]))
  expect(log.segments()).toEqual(image.segments)
  expect(log.logStartOffset).toBe(image.logStartOffset)
  expect(log.logEndOffset).toBe(image.logEndOffset)
  expect(log.epochEntries()).toEqual(image.epochs)
  expect(log.highWatermark).toBe(image.highWatermark)
}

function pickOf<T>(choices: readonly T[], pick: number): T {
  return choices[pick % choices.length]!
}

describe('durability across crashes and power losses', () => {
  it('a reopened log is the crashed one exactly, or after a power loss exactly what was flushed; LEO, epochs and HW stay consistent', () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 20, maxLength: 80, size: 'max' }), (ops) => {
        const disk = new Disk()
        let log = PartitionLog.open(disk, DIR, CONFIG, 0)
        let nowMs = 0
        let epoch = 0
        let checkpointedHighWatermark: number | undefined
        let atLastFlush = imageOf(log, checkpointedHighWatermark)
        let checkpointedAtLastFlush = checkpointedHighWatermark

        for (const op of ops) {
          nowMs += 7
          switch (op.op) {
            case 'append': {
              const records = op.keys.map((key, i) => record(`k${key}`, op.tombstone && i === 0 ? null : `v${nowMs}`, nowMs))
              log.appendAsLeader(records, epoch, NOT_IDEMPOTENT, nowMs)
              break
            }
            case 'newEpoch':
              epoch++
              log.assignEpochStartOffset(epoch, log.logEndOffset)
              break
            case 'truncate': {
              const boundaries = [...log.batches().map((batch) => batch.baseOffset), log.logEndOffset]
              const offset = pickOf(boundaries, op.pick)
              log.truncateTo(offset)
              expect(log.logEndOffset).toBe(offset)
              break
            }
            case 'highWatermark':
              log.setHighWatermark(log.logStartOffset + (op.pick % (log.logEndOffset - log.logStartOffset + 1)))
              if (op.checkpoint) {
                log.checkpointHighWatermark()
                checkpointedHighWatermark = log.highWatermark
              }
              break
            case 'retention':
              log.deleteRetainedSegments(nowMs)
              break
            case 'compact':
              log.compact(nowMs)
              break
            case 'truncateFully':
              log.truncateFullyAndStartAt(log.logEndOffset + op.gap)
              break
            case 'flush':
              disk.flush()
              atLastFlush = imageOf(log, checkpointedHighWatermark)
              checkpointedAtLastFlush = checkpointedHighWatermark
              break
            case 'crash': {
              const beforeCrash = imageOf(log, checkpointedHighWatermark)
              log = PartitionLog.open(disk, DIR, CONFIG, nowMs)
              expectImage(log, beforeCrash)
              break
            }
            case 'powerLoss':
              disk.loseUnflushed()
              log = PartitionLog.open(disk, DIR, CONFIG, nowMs)
              expectImage(log, atLastFlush)
              checkpointedHighWatermark = checkpointedAtLastFlush
              break
          }
          expectConsistent(log)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('an unflushed append is gone after a power loss but kept after a crash', () => {
    const disk = new Disk()
    const log = PartitionLog.open(disk, DIR, logConfig(), 0)
    const flushed = log.appendAsLeader([record('a', '1')], 0, NOT_IDEMPOTENT, 0)
    disk.flush()
    const unflushed = log.appendAsLeader([record('a', '2')], 1, NOT_IDEMPOTENT, 0)
    const afterCrash = PartitionLog.open(disk, DIR, logConfig(), 0)
    expect(afterCrash.batches()).toEqual([flushed, unflushed])
    expect(afterCrash.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 1 }])
    disk.loseUnflushed()
    const afterPowerLoss = PartitionLog.open(disk, DIR, logConfig(), 0)
    expect(afterPowerLoss.batches()).toEqual([flushed])
    expect(afterPowerLoss.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }])
    expect(afterPowerLoss.logEndOffset).toBe(1)
  })

  it('the high watermark comes back from its checkpoint, clamped to the recovered log end offset', () => {
    const disk = new Disk()
    const log = PartitionLog.open(disk, DIR, logConfig(), 0)
    log.appendAsLeader([record('a', '1')], 0, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('a', '2')], 0, NOT_IDEMPOTENT, 0)
    log.setHighWatermark(2)
    expect(PartitionLog.open(disk, DIR, logConfig(), 0).highWatermark).toBe(0) // never checkpointed
    log.checkpointHighWatermark()
    expect(PartitionLog.open(disk, DIR, logConfig(), 0).highWatermark).toBe(2)
    log.truncateTo(1)
    expect(log.highWatermark).toBe(1)
    expect(PartitionLog.open(disk, DIR, logConfig(), 0).highWatermark).toBe(1) // the checkpoint still says 2
  })

  it('a log start offset checkpoint ahead of every segment drops them: the log restarts empty there', () => {
    const disk = new Disk()
    const log = PartitionLog.open(disk, DIR, logConfig(), 0)
    log.appendAsLeader([record('a', '1')], 3, NOT_IDEMPOTENT, 0)
    disk.write(`${DIR}/log-start-offset`, 50)
    const reopened = PartitionLog.open(disk, DIR, logConfig(), 0)
    expect([reopened.logStartOffset, reopened.logEndOffset, reopened.highWatermark]).toEqual([50, 50, 50])
    expect(reopened.epochEntries()).toEqual([])
    expect(disk.logNames()).toEqual([`${DIR}/00000000000000000050.log`])
  })

  it('a stale epoch checkpoint is cut at the log end offset and completed from the batches', () => {
    const disk = new Disk()
    const log = PartitionLog.open(disk, DIR, logConfig(), 0)
    log.appendAsLeader([record('a', '1')], 1, NOT_IDEMPOTENT, 0)
    log.appendAsLeader([record('a', '2')], 3, NOT_IDEMPOTENT, 0)
    disk.write(`${DIR}/leader-epoch-checkpoint`, [{ epoch: 1, startOffset: 0 }, { epoch: 7, startOffset: 9 }])
    const reopened = PartitionLog.open(disk, DIR, logConfig(), 0)
    expect(reopened.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 1 }])
    expect(disk.read(`${DIR}/leader-epoch-checkpoint`)).toEqual(reopened.epochEntries())
  })

  it('other partitions sharing the storage are left alone', () => {
    const disk = new Disk()
    const orders = PartitionLog.open(disk, 'orders-0', logConfig(), 0)
    const orders1 = PartitionLog.open(disk, 'orders-01', logConfig(), 0)
    orders.appendAsLeader([record('a', '1')], 0, NOT_IDEMPOTENT, 0)
    orders1.appendAsLeader([record('b', '1')], 0, NOT_IDEMPOTENT, 0)
    orders.truncateFullyAndStartAt(5)
    expect(PartitionLog.open(disk, 'orders-01', logConfig(), 0).logEndOffset).toBe(1)
    expect(PartitionLog.open(disk, 'orders-0', logConfig(), 0).logEndOffset).toBe(5)
  })
})
