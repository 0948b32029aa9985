// The log's idempotent-producer state: duplicates recognised, gaps and zombies refused,
// and the state rebuilt from the log after a truncation or a restart.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../core/errors.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import { BATCHES_RETAINED_PER_PRODUCER } from '../../core/log/producer-state.ts'
import { Disk } from '../../sim/disk.ts'
import { DIR, logConfig, record } from './support.ts'

const PID = 1000

function openLog(disk = new Disk()) {
  return { disk, log: PartitionLog.open(disk, DIR, logConfig(), 0) }
}

function produce(log: PartitionLog, baseSequence: number, count: number, producerEpoch = 0) {
  const records = Array.from({ length: count }, (_, i) => record(`k${baseSequence + i}`, `v${baseSequence + i}`))
  return log.appendAsLeader(records, 0, { producerId: PID, producerEpoch, baseSequence }, 0)
}

function errorCode(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    if (error instanceof KafkaError) return error.code
    throw error
  }
  return 'NONE'
}

describe('idempotent producer state', () => {
  it('a retry of a batch the log holds is found as a duplicate, with its first offsets', () => {
    const { log } = openLog()
    produce(log, 0, 3)
    const second = produce(log, 3, 2)
    expect(log.duplicateOf({ producerId: PID, producerEpoch: 0, baseSequence: 3 }, 2)).toEqual({ firstSeq: 3, lastSeq: 4, firstOffset: second.baseOffset, lastOffset: second.baseOffset + 1 })
    expect(log.duplicateOf({ producerId: PID, producerEpoch: 0, baseSequence: 5 }, 1)).toBeUndefined()
    // Another epoch's batch with the same sequences is not a duplicate.
    expect(log.duplicateOf({ producerId: PID, producerEpoch: 1, baseSequence: 3 }, 2)).toBeUndefined()
  })

  it('only the last five batches are remembered', () => {
    const { log } = openLog()
    for (let seq = 0; seq <= BATCHES_RETAINED_PER_PRODUCER; seq++) produce(log, seq, 1)
    expect(log.duplicateOf({ producerId: PID, producerEpoch: 0, baseSequence: 0 }, 1)).toBeUndefined()
    expect(log.duplicateOf({ producerId: PID, producerEpoch: 0, baseSequence: 1 }, 1)).toBeDefined()
  })

  it('a gap in the sequence is OUT_OF_ORDER_SEQUENCE_NUMBER and appends nothing', () => {
    const { log } = openLog()
    produce(log, 0, 2)
    expect(errorCode(() => produce(log, 3, 1))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(log.logEndOffset).toBe(2)
    expect(errorCode(() => produce(log, 2, 1))).toBe('NONE')
  })

  it('an older epoch is INVALID_PRODUCER_EPOCH; a newer one must start at sequence 0', () => {
    const { log } = openLog()
    produce(log, 0, 1, 1)
    expect(errorCode(() => produce(log, 1, 1, 0))).toBe('INVALID_PRODUCER_EPOCH')
    expect(errorCode(() => produce(log, 5, 1, 2))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
    expect(errorCode(() => produce(log, 0, 1, 2))).toBe('NONE')
    expect(log.producerState()).toEqual([{ producerId: PID, epoch: 2, batches: [{ firstSeq: 0, lastSeq: 0, firstOffset: 1, lastOffset: 1 }] }])
  })

  it('an unknown producer may start at any sequence (its earlier batches may have been deleted)', () => {
    const { log } = openLog()
    expect(errorCode(() => produce(log, 42, 1))).toBe('NONE')
  })

  it('truncation forgets the truncated batches: the producer may resend them', () => {
    const { log } = openLog()
    produce(log, 0, 2)
    produce(log, 2, 2)
    log.truncateTo(2)
    expect(log.duplicateOf({ producerId: PID, producerEpoch: 0, baseSequence: 2 }, 2)).toBeUndefined()
    expect(errorCode(() => produce(log, 2, 2))).toBe('NONE')
  })

  it('after a restart the state is rebuilt from the log, for any sequence of batch sizes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 12 }), (sizes) => {
        const { disk, log } = openLog()
        let seq = 0
        for (const size of sizes) {
          produce(log, seq, size)
          seq += size
        }
        const reopened = PartitionLog.open(disk, DIR, logConfig(), 0)
        expect(reopened.producerState()).toEqual(log.producerState())
        expect(errorCode(() => produce(reopened, seq + 1, 1))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER')
        expect(errorCode(() => produce(reopened, seq, 1))).toBe('NONE')
      }),
    )
  })
})
