// The history checker on hand-made histories: each thing it looks for is found when it is
// there (the positive controls), and nothing is reported for a clean history.

import { describe, expect, it } from 'vitest'
import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import { checkHistory, historyFailed, type LoggedRecord } from '../../sim/checkers/history.ts'
import { HistoryRecorder } from '../../sim/history.ts'

function sent(history: HistoryRecorder, producer: string, values: string[], partition = 0, acked = true): RecordOutcome[] {
  const outcomes = history.producerOutcomes(producer)
  return values.map((value) => {
    const outcome: RecordOutcome = { id: outcomes.length, topic: 't', partition, key: null, value, sentAtMs: 0, status: acked ? 'acked' : 'failed' }
    outcomes.push(outcome)
    return outcome
  })
}

function log(values: string[]): LoggedRecord[] {
  return values.map((value, offset) => ({ offset, key: null, value }))
}

function consumed(history: HistoryRecorder, consumer: string, records: [number, string][]): void {
  const list = history.consumerRecords(consumer)
  for (const [offset, value] of records) {
    const record: ConsumedRecord = { topic: 't', partition: 0, offset, key: null, value, headers: [], timestamp: 0, leaderEpoch: 0, consumedAtMs: 0 }
    list.push(record)
  }
}

/** A producer that sent a, b, c, acknowledged at offsets 0, 1, 2. */
function cleanRun(): HistoryRecorder {
  const history = new HistoryRecorder()
  sent(history, 'p', ['a', 'b', 'c']).forEach((o, i) => (o.offset = i))
  return history
}

describe('history checker', () => {
  it('a clean history: nothing reported', () => {
    const history = cleanRun()
    consumed(history, 'c', [[0, 'a'], [1, 'b'], [2, 'c']])
    const report = checkHistory(history, new Map([['t-0', log(['a', 'b', 'c'])]]))
    expect(report).toMatchObject({ produced: 3, acknowledged: 3, lost: [], duplicates: 0, reorders: 0, consumed: 3, consumedNotCommitted: 0, consumerGaps: 0, consumerDuplicates: 0 })
    expect(historyFailed(report)).toBe(false)
  })

  it('finds an acknowledged record missing from its offset (lost)', () => {
    const report = checkHistory(cleanRun(), new Map([['t-0', log(['a', 'c'])]]))
    expect(report.lost).toEqual([{ producer: 'p', partition: 't-0', offset: 1, value: 'b' }, { producer: 'p', partition: 't-0', offset: 2, value: 'c' }])
    expect(historyFailed(report)).toBe(true)
  })

  it('acks=0 records (no offset) are lost only when nowhere in their partition', () => {
    const history = new HistoryRecorder()
    sent(history, 'p', ['a', 'b']).forEach((o) => (o.offset = -1))
    expect(checkHistory(history, new Map([['t-0', log(['b', 'a'])]])).lost).toEqual([])
    expect(checkHistory(history, new Map([['t-0', log(['b'])]])).lost.map((l) => l.value)).toEqual(['a'])
  })

  it('a failed record is not lost, whether or not the log has it', () => {
    const history = new HistoryRecorder()
    sent(history, 'p', ['a'], 0, false)
    expect(checkHistory(history, new Map([['t-0', log([])]])).lost).toEqual([])
  })

  it('finds a record written twice (duplicate)', () => {
    const history = cleanRun()
    const report = checkHistory(history, new Map([['t-0', log(['a', 'b', 'b', 'c'])]]))
    expect(report.duplicates).toBe(1)
    expect(historyFailed(report)).toBe(true)
  })

  it('finds a record written after one its producer sent later (reorder), per producer', () => {
    const history = new HistoryRecorder()
    sent(history, 'p', ['a', 'b', 'c'])
    sent(history, 'q', ['x', 'y'])
    // q's records interleave with p's freely; only each producer's own order counts.
    const report = checkHistory(history, new Map([['t-0', log(['y', 'a', 'c', 'x', 'b'])]]))
    expect(report.reorders).toBe(2) // b after c; x after y
  })

  it('finds what consumers got wrong: a record not in the committed log, a gap, a record twice', () => {
    const history = cleanRun()
    consumed(history, 'c1', [[0, 'a'], [2, 'c']]) // skipped offset 1
    consumed(history, 'c2', [[0, 'a'], [1, 'b'], [1, 'b'], [3, 'd']]) // offset 1 twice; offset 3 was never committed
    const report = checkHistory(history, new Map([['t-0', log(['a', 'b', 'c'])]]))
    expect(report).toMatchObject({ consumed: 6, consumerGaps: 2, consumerDuplicates: 1, consumedNotCommitted: 1 })
  })

  it('values sent more than once cannot be told apart: left out and counted', () => {
    const history = new HistoryRecorder()
    sent(history, 'p', ['a', 'a', 'b']).forEach((o, i) => (o.offset = i))
    const report = checkHistory(history, new Map([['t-0', log(['a', 'a', 'b'])]]))
    expect(report).toMatchObject({ ambiguous: 1, duplicates: 0, lost: [] })
  })

  it('inconsistent offsets: one offset seen with two values (log, acknowledgement, reads), each sighting with its source and time', () => {
    const history = new HistoryRecorder()
    sent(history, 'p', ['a', 'b']).forEach((o, i) => {
      o.offset = i
      o.completedAtMs = 10 + i
    })
    // The log lost b and reused offset 1 for c; a consumer had read b there before.
    const read = history.consumerRecords('c')
    read.push({ topic: 't', partition: 0, offset: 1, key: null, value: 'b', headers: [], timestamp: 0, leaderEpoch: 0, consumedAtMs: 20 })
    const report = checkHistory(history, new Map([['t-0', log(['a', 'c'])]]))
    expect(report.inconsistentOffsets).toEqual([
      { partition: 't-0', offset: 1, sightings: [{ value: 'c', source: 'log', atMs: -1 }, { value: 'b', source: 'ack by p', atMs: 11 }, { value: 'b', source: 'read by c', atMs: 20 }] },
    ])
    expect(historyFailed(report)).toBe(true)
    expect(checkHistory(cleanRun(), new Map([['t-0', log(['a', 'b', 'c'])]])).inconsistentOffsets).toEqual([])
  })

  it('poll skips and non-monotonic polls, per consumer and partition, with the offsets and times involved', () => {
    const history = cleanRun()
    const list = history.consumerRecords('c1')
    const at = (offset: number, value: string, consumedAtMs: number) => list.push({ topic: 't', partition: 0, offset, key: null, value, headers: [], timestamp: 0, leaderEpoch: 0, consumedAtMs })
    at(0, 'a', 5)
    at(2, 'c', 6) // skips 1
    at(1, 'b', 7) // goes back
    const report = checkHistory(history, new Map([['t-0', log(['a', 'b', 'c'])]]))
    expect(report.pollSkips).toEqual([{ consumer: 'c1', partition: 't-0', fromOffset: 0, toOffset: 2, skipped: [1], atMs: 6 }])
    expect(report.nonMonotonicPolls).toEqual([{ consumer: 'c1', partition: 't-0', previousOffset: 2, offset: 1, value: 'b', atMs: 7 }])
    // A clean consumer shows neither.
    const clean = cleanRun()
    consumed(clean, 'c2', [[0, 'a'], [1, 'b'], [2, 'c']])
    const cleanReport = checkHistory(clean, new Map([['t-0', log(['a', 'b', 'c'])]]))
    expect([cleanReport.pollSkips, cleanReport.nonMonotonicPolls]).toEqual([[], []])
  })

  it('per-key reorders: two records of one producer and key held in the other order, named with their offsets; other keys do not count', () => {
    const history = new HistoryRecorder()
    const outcomes = history.producerOutcomes('p')
    for (const [value, key] of [['a1', 'a'], ['b1', 'b'], ['a2', 'a'], ['b2', 'b']] as const) {
      outcomes.push({ id: outcomes.length, topic: 't', partition: 0, key, value, sentAtMs: 0, status: 'acked' })
    }
    const keyed = (entries: [string, string][]) => entries.map(([key, value], offset) => ({ offset, key, value }))
    // a2 before a1: a key reordered. b1, b2 in order, though b1 is after a2 (a producer-level reorder only).
    const report = checkHistory(history, new Map([['t-0', keyed([['a', 'a2'], ['b', 'b1'], ['a', 'a1'], ['b', 'b2']])]]))
    expect(report.keyReorders).toEqual([{ producer: 'p', partition: 't-0', key: 'a', value: 'a1', offset: 2, laterValue: 'a2', laterOffset: 0 }])
    expect(report.reorders).toBe(2)
  })
})
