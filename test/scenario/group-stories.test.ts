// The group stories of the library and the expectations they brought: reprocessed (records
// two members of one group received), revoked (partitions given up in rebalances) and
// deadLetters (the dead-letter topic against the records the members failed on). Each
// passes in one run and fails in another with the figures behind it; members with settings
// of their own, and the dead-letter hand-over, are checked on what the run did.

import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findReprocessed } from '../../sim/checkers/history.ts'
import { runScenario, type ScenarioResult } from '../../sim/scenario/engine.ts'
import { loadScenarioFile } from '../../sim/scenario/runner.ts'
import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { Expectation, Scenario } from '../../sim/scenario/types.ts'
import type { TraceRecord } from '../../sim/trace.ts'

const library = (name: string) => loadScenarioFile(join(import.meta.dirname, '..', '..', 'scenarios', `${name}.yaml`))

type Verdicts = Record<string, { passed: boolean; figures: string; details?: string[] }>

/** Runs `scenario` with these expectations, labelled by their keys in `cases`. */
function check(scenario: Scenario, cases: Record<string, Expectation>, onTrace?: (r: TraceRecord) => void): { v: Verdicts; result: ScenarioResult } {
  const result = runScenario({ ...scenario, expect: Object.entries(cases).map(([label, e]) => ({ ...e, label })) }, onTrace ? { onTrace } : {})
  expect(result.problems).toEqual([])
  return { v: Object.fromEntries(result.expectations.map((e) => [e.label, e])), result }
}

const record = (partition: number, offset: number, atMs: number): ConsumedRecord =>
  ({ topic: 'orders', partition, offset, key: null, value: `app-${partition}-${offset}:`, consumedAtMs: atMs }) as ConsumedRecord

describe('findReprocessed', () => {
  it('counts an offset two members of one group received, not one member reading it twice nor two groups each reading it once', () => {
    const consumers = new Map<string, ConsumedRecord[]>([
      ['g-1', [record(0, 0, 1), record(0, 1, 2), record(0, 1, 3)]],
      ['g-2', [record(0, 1, 9), record(1, 0, 9)]],
      ['h-1', [record(0, 0, 4), record(1, 0, 4)]],
      ['loner', [record(0, 0, 5)]],
    ])
    const found = findReprocessed(consumers, new Map([['g-1', 'g'], ['g-2', 'g'], ['h-1', 'h']]))
    expect(found).toEqual([{ group: 'g', partition: 'orders-0', offset: 1, value: 'app-0-1:', deliveries: [{ consumer: 'g-1', atMs: 2 }, { consumer: 'g-1', atMs: 3 }, { consumer: 'g-2', atMs: 9 }] }])
    // Positive control for the other direction: with h-1 in group g, offset 0 of orders-0 and orders-1 count too.
    expect(findReprocessed(consumers, new Map([['g-1', 'g'], ['g-2', 'g'], ['h-1', 'g']])).map((r) => `${r.partition}@${r.offset}`)).toEqual(['orders-0@0', 'orders-0@1', 'orders-1@0'])
  })
})

describe('group stories', () => {
  it('zombie consumer: the slow member alone is removed, its commit fails, and its batch is processed twice (reprocessed passes and fails)', () => {
    const timedOut = new Set<string>()
    const { v } = check(library('zombie-consumer-reprocessing'), {
      'reprocessed expected': { reprocessed: 'expected' },
      'reprocessed none': { reprocessed: 'none' },
      'reprocessed at most 5': { reprocessed: { atMost: 5 } },
      'slow commit failed': { errorObserved: { client: 'billing-slow', error: 'CommitFailedException' } },
      'fast commit never failed': { errorObserved: { client: 'billing-1', error: 'CommitFailedException', atMost: 0 } },
    }, (r) => {
      if (r.type === 'consumer-poll-timeout') timedOut.add(String(r.node))
    })
    expect(v['reprocessed expected']!.passed).toBe(true)
    expect(v['reprocessed none']).toMatchObject({ passed: false, figures: expect.stringMatching(/^\d+ records received by two or more members of one group \(expected none\)$/) })
    expect(v['reprocessed none']!.details![0]).toMatch(/^billing: orders-\d offset \d+ "app-\d+:…" read by billing-slow at [\d.]+ ms, then billing-1 at [\d.]+ ms$/)
    expect(v['reprocessed at most 5']!.passed).toBe(false)
    expect(v['slow commit failed']!.passed).toBe(true)
    expect(v['fast commit never failed']!.passed).toBe(true)
    // The per-member processing time is the slow member's alone: only it was removed for not polling.
    expect([...timedOut]).toEqual(['billing-slow'])
  }, 60_000)

  it('cooperative vs eager: revoked counts every partition of the eager group and only the moving ones of the cooperative group', () => {
    const { v } = check(library('cooperative-vs-eager-rebalance'), {
      'eager all': { revoked: { group: 'eager', after: '10s', atLeast: 6 } },
      'eager at most 2': { revoked: { group: 'eager', after: '10s', atMost: 2 } },
      'coop at most 2': { revoked: { group: 'coop', after: '10s', atMost: 2 } },
      'coop at least 6': { revoked: { group: 'coop', after: '10s', atLeast: 6 } },
      'nothing revoked before the join': { revoked: { group: 'eager', atMost: 6 } },
    })
    expect(v['eager all']!.passed).toBe(true)
    expect(v['eager at most 2']).toMatchObject({
      passed: false,
      figures: expect.stringMatching(/^6 partitions revoked from members of eager after 10s \(expected at most 2\); 6 distinct \(orders-0, orders-1, orders-2, orders-3, orders-4, orders-5\); the longest without an owner: orders-\d, [\d.]+ ms$/),
    })
    expect(v['eager at most 2']!.details![0]).toMatch(/^eager-\d revoked orders-\d at [\d.]+ ms; owned again at [\d.]+ ms$/)
    expect(v['coop at most 2']!.passed).toBe(true)
    expect(v['coop at least 6']).toMatchObject({ passed: false, figures: expect.stringMatching(/^2 partitions revoked from members of coop after 10s \(expected at least 6\); 2 distinct/) })
    // The first assignment revokes nothing: from the start, the eager group's count is the same six.
    expect(v['nothing revoked before the join']!.passed).toBe(true)
  }, 60_000)

  it('dead-letter topic: deadLetters passes; an extra record in the topic, or a writer that is gone, fails it with the figures', () => {
    const base = library('dead-letter-topic')
    const { v, result } = check(base, {
      'dead letters': { deadLetters: { group: 'billing' } },
      'no reprocessing': { reprocessed: 'none' },
    })
    expect(v['dead letters']).toMatchObject({ passed: true, figures: expect.stringMatching(/^0 records missing, held twice or not failed on \(expected none\); orders-dlt holds (\d+) records; the members of billing failed on \1; missing 0, twice 0, extra 0; \1 handed to dlt-writer$/) })
    expect(v['no reprocessing']!.passed).toBe(true)
    // The hand-overs are in the trace (and its hash) but not in the timeline.
    expect(result.timeline.some((line) => line.includes('dead-letter:'))).toBe(false)

    const extra = check({ ...base, timeline: [{ at: '5s', produce: { producer: 'dlt-writer', topic: 'orders-dlt', count: 3 } }] }, { 'dead letters': { deadLetters: { group: 'billing' } } })
    expect(extra.v['dead letters']).toMatchObject({ passed: false, figures: expect.stringMatching(/^3 records missing, held twice or not failed on \(expected none\); .*extra 3;/) })
    expect(extra.v['dead letters']!.details![0]).toBe('not failed on: "dlt-writer-burst0-0:"')

    const gone = check({ ...base, timeline: [{ at: '10s', crash: 'dlt-writer' }] }, { 'dead letters': { deadLetters: { group: 'billing' } } })
    expect(gone.v['dead letters']).toMatchObject({ passed: false, figures: expect.stringMatching(/^\d+ records missing, held twice or not failed on \(expected none\); .*missing [1-9]\d*, twice 0, extra 0;/) })
    expect(gone.v['dead letters']!.details!.some((d) => /^billing-\d at [\d.]+ ms: .*dlt-writer/.test(d))).toBe(true)
  }, 60_000)
})
