import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../core/errors.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import type { RecordBatch } from '../../core/records.ts'
import { BATCH_OVERHEAD_BYTES, nextOffsetOf, recordSizeBytes } from '../../core/records.ts'
import { Disk } from '../../sim/disk.ts'
import { appendValues, DIR, expectConsistent, logConfig, NOT_IDEMPOTENT, record, recordsByOffset } from './support.ts'

/** Size of a one-record batch with a one-character key and value. */
const SMALL_BATCH_BYTES = BATCH_OVERHEAD_BYTES + recordSizeBytes('a', 'a')

function openLog(overrides = {}) {
  const disk = new Disk()
  return { disk, log: PartitionLog.open(disk, DIR, logConfig(overrides), 0) }
}

function expectKafkaError(action: () => unknown, code: string): void {
  try {
    action()
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaError)
    expect((error as KafkaError).code).toBe(code)
    return
  }
  expect.unreachable(`expected KafkaError ${code}`)
}

describe('appending', () => {
  it('an empty storage opens as an empty log at offset 0 with one segment', () => {
    const { log } = openLog()
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark, log.sizeBytes]).toEqual([0, 0, 0, 0])
    expect(log.segments()).toEqual([
      { baseOffset: 0, nextOffset: 0, sizeBytes: 0, batchCount: 0, rollingTimestampMs: undefined, largestTimestampMs: undefined },
    ])
    expect(log.latestEpoch()).toBeUndefined()
  })

  it('a leader batch gets baseOffset = LEO, one offsetDelta per record, the epoch, sizes and the max timestamp', () => {
    const { log } = openLog()
    appendValues(log, ['x'])
    const headers = [{ key: 'h', value: 'v' }]
    const batch = log.appendAsLeader(
      [{ key: 'a', value: 'one', timestamp: 30, headers }, { key: null, value: null, timestamp: 20 }],
      3,
      { producerId: 7, producerEpoch: 1, baseSequence: 0 },
      40,
    )
    expect(batch).toMatchObject({ baseOffset: 1, lastOffsetDelta: 1, partitionLeaderEpoch: 3, producerId: 7, producerEpoch: 1, baseSequence: 0, maxTimestamp: 30 })
    expect(batch.records.map((r) => r.offsetDelta)).toEqual([0, 1])
    expect(batch.records[0]!.sizeBytes).toBe(recordSizeBytes('a', 'one', headers))
    expect(batch.sizeBytes).toBe(BATCH_OVERHEAD_BYTES + recordSizeBytes('a', 'one', headers) + recordSizeBytes(null, null))
    expect(Object.isFrozen(batch) && Object.isFrozen(batch.records) && Object.isFrozen(batch.records[0])).toBe(true)
    expect(log.logEndOffset).toBe(3)
    expect(log.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 3, startOffset: 1 }])
  })

  it('offsets are dense and monotonic across appends and segment rolls', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 150, max: 400 }), (counts, segmentBytes) => {
        const { log } = openLog({ segmentBytes })
        for (const [i, count] of counts.entries()) {
          log.appendAsLeader(Array.from({ length: count }, (_, j) => record(`k${j}`, `v${i}`, i)), 0, NOT_IDEMPOTENT, i)
        }
        const total = counts.reduce((a, b) => a + b, 0)
        expect(recordsByOffset(log.batches()).map(([offset]) => offset)).toEqual(Array.from({ length: total }, (_, i) => i))
        const segments = log.segments()
        for (let i = 1; i < segments.length; i++) expect(segments[i]!.baseOffset).toBe(segments[i - 1]!.nextOffset)
        for (const segment of segments) expect(segment.sizeBytes).toBeLessThanOrEqual(segmentBytes)
        expectConsistent(log)
      }),
    )
  })

  it('rolls a new segment before an append would take the active one past segment.bytes', () => {
    const { log } = openLog({ segmentBytes: 2 * SMALL_BATCH_BYTES })
    appendValues(log, ['a', 'b', 'c', 'd', 'e'])
    expect(log.segments().map((s) => [s.baseOffset, s.batchCount])).toEqual([[0, 2], [2, 2], [4, 1]])
  })

  it('rolls once a batch is more than segment.ms newer than the first batch of the active segment', () => {
    const { log } = openLog({ segmentMs: 100 })
    for (const timestamp of [1000, 1050, 1100, 1101, 1150, 1202]) appendValues(log, ['v'], 0, timestamp)
    expect(log.segments().map((s) => [s.baseOffset, s.rollingTimestampMs])).toEqual([[0, 1000], [3, 1101], [5, 1202]])
  })

  it('a batch larger than segment.bytes is RECORD_LIST_TOO_LARGE and nothing is appended', () => {
    const { log } = openLog({ segmentBytes: SMALL_BATCH_BYTES })
    expectKafkaError(() => log.appendAsLeader([record('a', 'a'), record('b', 'b')], 0, NOT_IDEMPOTENT, 0), 'RECORD_LIST_TOO_LARGE')
    expect(log.logEndOffset).toBe(0)
    expect(log.epochEntries()).toEqual([])
  })

  it('a keyless record on a compacted topic is INVALID_RECORD and nothing is appended', () => {
    const { log } = openLog({ cleanupPolicy: ['compact'] })
    expectKafkaError(() => log.appendAsLeader([record('a', '1'), record(null, '2')], 0, NOT_IDEMPOTENT, 0), 'INVALID_RECORD')
    expect(log.logEndOffset).toBe(0)
    const { log: deleting } = openLog({ cleanupPolicy: ['delete'] })
    expect(deleting.appendAsLeader([record(null, '2')], 0, NOT_IDEMPOTENT, 0).baseOffset).toBe(0)
  })

  it('bad appends are errors naming the value: no records, a lower epoch, a bad timestamp', () => {
    const { log } = openLog()
    expect(() => log.appendAsLeader([], 0, NOT_IDEMPOTENT, 0)).toThrow(/at least one record/)
    appendValues(log, ['a'], 4)
    expect(() => appendValues(log, ['b'], 3)).toThrow(/leader epoch 3/)
    expect(() => log.appendAsLeader([record('a', 'a', -1)], 4, NOT_IDEMPOTENT, 0)).toThrow(/timestamp/)
    expect(() => log.appendAsLeader([record('a', 'a')], -1, NOT_IDEMPOTENT, 0)).toThrow(/leaderEpoch/)
    expect(log.logEndOffset).toBe(1)
  })
})

describe('bad input', () => {
  it('open rejects a bad directory prefix or config, naming the value', () => {
    expect(() => PartitionLog.open(new Disk(), '', logConfig(), 0)).toThrow(/dir/)
    expect(() => PartitionLog.open(new Disk(), 'orders-0/', logConfig(), 0)).toThrow(/dir/)
    expect(() => PartitionLog.open(new Disk(), DIR, logConfig({ segmentBytes: 0 }), 0)).toThrow(/segmentBytes/)
    expect(() => PartitionLog.open(new Disk(), DIR, logConfig({ retentionMs: -2 }), 0)).toThrow(/retentionMs/)
    expect(() => PartitionLog.open(new Disk(), DIR, logConfig({ cleanupPolicy: ['forever' as 'delete'] }), 0)).toThrow(/cleanupPolicy/)
    expect(() => PartitionLog.open(new Disk(), DIR, logConfig(), Number.NaN)).toThrow(/nowMs/)
  })

  it('an epoch cannot start past the log end offset', () => {
    const { log } = openLog()
    expect(() => log.assignEpochStartOffset(1, 1)).toThrow(/past the log end offset/)
    log.assignEpochStartOffset(1, 0)
    expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: 0 }])
  })

  it('a config update is validated too', () => {
    const { log } = openLog()
    expect(() => log.updateConfig(logConfig({ deleteRetentionMs: -1 }))).toThrow(/deleteRetentionMs/)
  })
})

describe('replicas share batches', () => {
  it('a batch a leader appended is the very same object in the follower that fetched it', () => {
    const { log: leader } = openLog({ segmentBytes: 3 * SMALL_BATCH_BYTES })
    const { log: follower } = openLog({ segmentBytes: 3 * SMALL_BATCH_BYTES })
    const appended = appendValues(leader, ['a', 'b', 'c', 'd', 'e', 'f', 'g'])
    while (follower.logEndOffset < leader.logEndOffset) {
      follower.appendAsFollower(leader.read(follower.logEndOffset, 1 << 20, leader.logEndOffset))
    }
    expect(follower.batches().length).toBe(appended.length)
    follower.batches().forEach((batch, i) => expect(batch).toBe(appended[i]))
    expect(follower.segments()).toEqual(leader.segments())
    expect(follower.epochEntries()).toEqual(leader.epochEntries())
  })

  it('a follower batch must start at or past its log end offset (past it only across a cleaned gap)', () => {
    const { log: leader } = openLog()
    const batches = appendValues(leader, ['a', 'b', 'c'])
    const { log: follower } = openLog()
    follower.appendAsFollower([batches[0]!])
    expect(() => follower.appendAsFollower([batches[0]!])).toThrow(/below offset 1/)
    expect(() => follower.appendAsFollower([batches[1]!, batches[1]!])).toThrow(/below offset 2/)
    expect(follower.logEndOffset).toBe(1)
    follower.appendAsFollower([batches[2]!])
    expect(follower.logEndOffset).toBe(3)
    expect(recordsByOffset(follower.batches()).map(([offset]) => offset)).toEqual([0, 2])
  })

  it('an empty fetch appends nothing', () => {
    const { log } = openLog()
    log.appendAsFollower([])
    expect(log.logEndOffset).toBe(0)
  })
})

describe('reading', () => {
  function filled() {
    const { log } = openLog({ segmentBytes: 4 * SMALL_BATCH_BYTES })
    const batches: RecordBatch[] = [
      log.appendAsLeader([record('a', '0'), record('a', '1')], 0, NOT_IDEMPOTENT, 0), // 0-1
      ...appendValues(log, ['2', '3']), // 2, 3
      log.appendAsLeader([record('a', '4'), record('a', '5'), record('a', '6')], 0, NOT_IDEMPOTENT, 0), // 4-6, next segment
      ...appendValues(log, ['7']),
    ]
    return { log, batches }
  }

  it('returns whole batches from the one holding the start offset', () => {
    const { log, batches } = filled()
    expect(log.read(1, 1 << 20, log.logEndOffset)[0]).toBe(batches[0])
    expect(log.read(5, 1 << 20, log.logEndOffset)).toEqual([batches[3], batches[4]])
  })

  it('stops once maxBytes is reached, but always returns the first batch (minOneMessage)', () => {
    const { log, batches } = filled()
    expect(log.read(0, batches[0]!.sizeBytes + batches[1]!.sizeBytes, log.logEndOffset)).toEqual([batches[0], batches[1]])
    expect(log.read(0, batches[0]!.sizeBytes + batches[1]!.sizeBytes - 1, log.logEndOffset)).toEqual([batches[0]])
    expect(log.read(0, 0, log.logEndOffset)).toEqual([batches[0]])
  })

  it('never returns a batch ending at or above the bound, even as the first batch', () => {
    const { log, batches } = filled()
    expect(log.read(0, 1 << 20, 3)).toEqual([batches[0], batches[1]])
    expect(log.read(4, 1 << 20, 6)).toEqual([])
    expect(log.read(2, 1 << 20, 2)).toEqual([])
    for (let bound = 0; bound <= log.logEndOffset; bound++) {
      for (const batch of log.read(0, 1 << 20, bound)) expect(nextOffsetOf(batch)).toBeLessThanOrEqual(bound)
    }
  })

  it('one read stays within one segment, as Kafka reads one segment per fetch', () => {
    const { log, batches } = filled()
    expect(log.read(2, 1 << 20, log.logEndOffset)).toEqual([batches[1], batches[2]])
  })

  it('the log end offset reads as empty; below the log start or above the log end is OFFSET_OUT_OF_RANGE', () => {
    const { log } = filled()
    expect(log.read(log.logEndOffset, 1 << 20, log.logEndOffset)).toEqual([])
    expectKafkaError(() => log.read(log.logEndOffset + 1, 1 << 20, log.logEndOffset), 'OFFSET_OUT_OF_RANGE')
    expectKafkaError(() => log.read(-1, 1 << 20, log.logEndOffset), 'OFFSET_OUT_OF_RANGE')
    expect(() => log.read(0, -1, log.logEndOffset)).toThrow(/maxBytes/)
  })

  it('a consumer bounded by the high watermark sees nothing above it', () => {
    const { log, batches } = filled()
    log.setHighWatermark(4)
    expect(log.read(0, 1 << 20, log.highWatermark)).toEqual([batches[0], batches[1], batches[2]])
    expect(log.read(4, 1 << 20, log.highWatermark)).toEqual([])
    expect(log.read(6, 1 << 20, log.highWatermark)).toEqual([])
  })

  it('the high watermark must lie within [log start offset, log end offset]', () => {
    const { log } = filled()
    expect(() => log.setHighWatermark(log.logEndOffset + 1)).toThrow(/outside/)
    expect(() => log.setHighWatermark(-1)).toThrow(/high watermark/)
    log.setHighWatermark(log.logEndOffset)
    expect(log.highWatermark).toBe(8)
  })
})

describe('compressed batches', () => {
  const records = Array.from({ length: 50 }, (_, i) => record(`key-${i}`, `a value that repeats itself, number ${i}`))

  it('a batch keeps its codec and is stored at its compressed size', () => {
    const { log: plain } = openLog()
    const { log: zipped } = openLog()
    const none = plain.appendAsLeader(records, 0, NOT_IDEMPOTENT, 0)
    const gzip = zipped.appendAsLeader(records, 0, NOT_IDEMPOTENT, 0, 'gzip')
    expect([none.compression, gzip.compression]).toEqual(['none', 'gzip'])
    expect(gzip.sizeBytes).toBeLessThan(none.sizeBytes)
    expect(zipped.sizeBytes).toBe(gzip.sizeBytes)
    expect(recordsByOffset([gzip])).toEqual(recordsByOffset([none]))
  })

  it('max.message.bytes applies to the compressed batch, as in Kafka', () => {
    const { log: probe } = openLog()
    const uncompressedBytes = probe.appendAsLeader(records, 0, NOT_IDEMPOTENT, 0).sizeBytes
    const { log } = openLog({ maxMessageBytes: uncompressedBytes - 1 })
    expectKafkaError(() => log.appendAsLeader(records, 0, NOT_IDEMPOTENT, 0), 'MESSAGE_TOO_LARGE')
    expect(log.appendAsLeader(records, 0, NOT_IDEMPOTENT, 0, 'zstd').records).toHaveLength(50)
  })
})
