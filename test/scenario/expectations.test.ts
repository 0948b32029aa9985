// Every expectation kind passes in one run and fails in another, and a failure shows the
// figures behind it. Each run carries both a true and a false version of its expectations,
// so a handful of short runs covers every kind.

import { describe, expect, it } from 'vitest'
import { runScenario, type ScenarioResult } from '../../sim/scenario/engine.ts'
import { loadScenarioFile } from '../../sim/scenario/runner.ts'
import type { Expectation, Scenario } from '../../sim/scenario/types.ts'
import { join } from 'node:path'

const library = (name: string) => loadScenarioFile(join(import.meta.dirname, '..', '..', 'scenarios', `${name}.yaml`))

function verdicts(result: ScenarioResult): Record<string, { passed: boolean; figures: string; details?: string[] }> {
  return Object.fromEntries(result.expectations.map((e) => [e.label, e]))
}

/** Runs `scenario` with these expectations, labelled by their keys in `cases`. */
function check(scenario: Scenario, cases: Record<string, Expectation>) {
  const result = runScenario({ ...scenario, expect: Object.entries(cases).map(([label, e]) => ({ ...e, label })) })
  expect(result.problems).toEqual([])
  return verdicts(result)
}

describe('scenario expectations', () => {
  it('an acks=1 loss: lostWrites, inconsistentOffsets, duplicates, perKeyOrder, leader, acknowledged, each passing and failing with figures', () => {
    const v = check(library('acks1-lost-write'), {
      'lost expected': { lostWrites: 'expected' },
      'lost none': { lostWrites: 'none' },
      'lost bounded': { lostWrites: { atLeast: 1, atMost: 10 } },
      'inconsistent expected': { inconsistentOffsets: 'expected' },
      'inconsistent none': { inconsistentOffsets: 'none' },
      'duplicates none': { duplicates: 'none' },
      'duplicates expected': { duplicates: 'expected' },
      'order kept': { perKeyOrder: 'kept' },
      'order broken': { perKeyOrder: 'broken' },
      'leader is not 1': { leader: { partition: 'orders-0', isNot: 1, at: '14s' } },
      'leader is 1': { leader: { partition: 'orders-0', is: 1, at: '14s' } },
      'changes within 15s': { leader: { partition: 'orders-0', changesWithin: '15s', after: '5s' } },
      'changes within 1s': { leader: { partition: 'orders-0', changesWithin: '1s', after: '5s' } },
      'acked at least': { acknowledged: { producer: 'app', atLeast: 1000 } },
      'acked at most': { acknowledged: { producer: 'app', atMost: 5 } },
    })
    expect(v['lost expected']!.passed).toBe(true)
    expect(v['lost none']).toMatchObject({ passed: false, figures: expect.stringMatching(/^199 acknowledged writes lost \(expected none\); 2000 acknowledged of 2000 sent$/) })
    expect(v['lost none']!.details![0]).toMatch(/^lost "app-301:…" from app: acknowledged at orders-0 offset 301 at [\d.]+ ms$/)
    expect(v['lost bounded']).toMatchObject({ passed: false, figures: expect.stringContaining('(expected at least 1 and at most 10)') })
    expect(v['inconsistent expected']!.passed).toBe(true)
    expect(v['inconsistent none']!.passed).toBe(false)
    expect(v['inconsistent none']!.details![0]).toMatch(/^orders-0 offset 301: "app-\d+:…" \(log\) vs "app-301:…" \(ack by app at [\d.]+ ms\)/)
    expect(v['duplicates none']!.passed).toBe(true)
    expect(v['duplicates expected']).toMatchObject({ passed: false, figures: '0 duplicate records in the logs (expected at least one); 2000 sent' })
    expect(v['order kept']!.passed).toBe(true)
    expect(v['order broken']).toMatchObject({ passed: false, figures: "0 records out of their key's send order (expected at least one)" })
    expect(v['leader is not 1']!.passed).toBe(true)
    expect(v['leader is 1']).toMatchObject({ passed: false, figures: 'at 14s the leader of orders-0 is broker 2 (expected broker 1)' })
    expect(v['changes within 15s']!.passed).toBe(true)
    expect(v['changes within 1s']).toMatchObject({ passed: false, figures: expect.stringMatching(/^the leader of orders-0 went from 1 to 2 [\d.]+ ms after 5s \(expected within 1s\)$/) })
    expect(v['acked at least']!.passed).toBe(true)
    expect(v['acked at most']).toMatchObject({ passed: false, figures: '2000 records acknowledged to app (expected at most 5); 2000 sent, 0 failed' })
  }, 30_000)

  it('min.insync.replicas: errorObserved and isr, each passing and failing with figures', () => {
    const v = check(library('min-insync-rejects-writes'), {
      'saw NOT_ENOUGH_REPLICAS': { errorObserved: { client: 'app', error: 'NOT_ENOUGH_REPLICAS' } },
      'never saw it': { errorObserved: { client: 'app', error: 'NOT_ENOUGH_REPLICAS', atMost: 0 } },
      'isr shrank': { isr: { partition: 'orders-0', equals: [1], at: '35s' } },
      'isr full at 35s': { isr: { partition: 'orders-0', equals: [1, 2, 3], at: '35s' } },
    })
    expect(v['saw NOT_ENOUGH_REPLICAS']!.passed).toBe(true)
    expect(v['never saw it']).toMatchObject({ passed: false, figures: expect.stringMatching(/^\d+ times app saw NOT_ENOUGH_REPLICAS \(expected at most 0\); first at [\d.]+ ms$/) })
    expect(v['isr shrank']!.passed).toBe(true)
    expect(v['isr full at 35s']).toMatchObject({ passed: false, figures: 'at 35s the ISR of orders-0 is [1] (expected [1, 2, 3])' })
  }, 30_000)

  it('a consumer sought forward and restarted: pollSkips, nonMonotonicPolls, consumed and a TypeScript check, each passing and failing', () => {
    const base: Scenario = {
      name: 'consumer-history',
      description: 'a consumer that skips ahead, then restarts and reads again from the start',
      duration: '10s',
      topics: [{ name: 'orders', partitions: 1, replicationFactor: 3 }],
      clients: {
        producers: [{ id: 'app', topic: 'orders', rate: 100, stop: '5s' }],
        // Starts 3 s late and reads 10 records per 100 ms poll: it stays ~300 behind.
        consumers: [{ id: 'reader', assign: ['orders'], start: '3s', config: { 'auto.offset.reset': 'earliest', 'max.poll.records': 10 } }],
      },
      timeline: [
        // TypeScript actions: what a YAML file cannot say.
        { at: '4s', run: (ctx) => ctx.cluster.sim.command('reader', { op: 'seek', topic: 'orders', partition: 0, offset: 200 }) },
        { at: '7s', run: (ctx) => ctx.cluster.sim.crash('reader') },
        { at: '7500ms', run: (ctx) => ctx.cluster.sim.restart('reader') },
      ],
    }
    const v = check(base, {
      'skips expected': { pollSkips: 'expected' },
      'skips none': { pollSkips: 'none' },
      'back steps expected': { nonMonotonicPolls: 'expected' },
      'back steps none': { nonMonotonicPolls: 'none' },
      'consumed at least 500': { consumed: { consumer: 'reader', atLeast: 500 } },
      'consumed at most 10': { consumed: { consumer: 'reader', atMost: 10 } },
      'ts check holds': { check: (ctx) => ({ passed: ctx.history().consumed > 0, figures: `${ctx.history().consumed} consumed` }) },
      'ts check fails': { check: (ctx) => ({ passed: ctx.now < 0, figures: `now is ${ctx.now} ms` }) },
    })
    expect(v['skips expected']!.passed).toBe(true)
    expect(v['skips none']!.passed).toBe(false)
    expect(v['skips none']!.details![0]).toMatch(/^reader jumped in orders-0 from offset \d+ to 200 at [\d.]+ ms, skipping committed offsets \d+/)
    expect(v['back steps expected']!.passed).toBe(true)
    expect(v['back steps none']).toMatchObject({ passed: false, figures: expect.stringMatching(/^1 non-monotonic polls \(expected none\)/) })
    expect(v['back steps none']!.details![0]).toMatch(/^reader read orders-0 offset 0 after offset \d+ at [\d.]+ ms$/)
    expect(v['consumed at least 500']!.passed).toBe(true)
    expect(v['consumed at most 10']).toMatchObject({ passed: false, figures: expect.stringMatching(/^\d+ records consumed by reader \(expected at most 10\)$/) })
    expect(v['ts check holds']!.passed).toBe(true)
    expect(v['ts check fails']).toMatchObject({ passed: false, figures: 'now is 10000 ms' })
  }, 30_000)

  it('invariants: none passes on a safe run and fails, naming the checker, where a TypeScript step breaks a leader\'s high watermark', () => {
    const safe = check(library('leader-failover-acks-all'), { none: { invariants: 'none' }, expected: { invariants: 'expected' } })
    expect(safe['none']!.passed).toBe(true)
    expect(safe['expected']).toMatchObject({ passed: false, figures: '0 invariant violations (expected at least one)' })
    const broken: Scenario = {
      name: 'broken-high-watermark',
      description: 'a step lowers a leader high watermark within its epoch, which Kafka never does',
      duration: '5s',
      topics: [{ name: 'orders', partitions: 1, replicas: [[1, 2, 3]] }],
      clients: { producers: [{ id: 'app', topic: 'orders', rate: 100, config: { acks: 'all' } }] },
      timeline: [{ at: '2s', run: (ctx) => ctx.cluster.brokerNode(1)!.partitions.get('orders-0')!.log.setHighWatermark(1) }],
    }
    const v = check(broken, {
      none: { invariants: 'none' },
      'expected hw': { invariants: { expected: ['high-watermark-monotonic'] } },
      'expected log-matching': { invariants: { expected: ['log-matching'] } },
    })
    expect(v['expected hw']!.passed).toBe(true)
    expect(v['none']).toMatchObject({ passed: false, figures: expect.stringMatching(/^\d+ invariant violations \(high-watermark-monotonic.*\) \(expected none\)$/) })
    expect(v['none']!.details![0]).toMatch(/^high-watermark-monotonic at 2000(\.\d+)? ms: leader 1 of orders-0 lowered its HW/)
    expect(v['expected log-matching']).toMatchObject({ passed: false, figures: expect.stringContaining('missing log-matching') })
  }, 30_000)

  it('consumer groups: groupState (within a time, at the end) and lag, each passing and failing with figures', () => {
    const v = check(library('group-scale-out-idle-member'), {
      'stable within 10s': { groupState: { group: 'billing', is: 'Stable', within: '10s' } },
      'stable within 1s': { groupState: { group: 'billing', is: 'Stable', within: '1s' } },
      'empty at the end': { groupState: { group: 'billing', is: 'Empty' } },
      'lag at most 300': { lag: { group: 'billing', atMost: 300 } },
      'lag at most 0 on orders-0': { lag: { group: 'billing', atMost: 0, partition: 'orders-0' } },
    })
    expect(v['stable within 10s']).toMatchObject({ passed: true, figures: expect.stringMatching(/^group billing was Stable at \d+ms \(expected within 10s\)$/) })
    expect(v['stable within 1s']).toMatchObject({ passed: false, figures: expect.stringMatching(/^group billing was never Stable within 1s \(last seen \w+\)$/) })
    expect(v['empty at the end']).toMatchObject({ passed: false, figures: 'at the end group billing is Stable (expected Empty)' })
    expect(v['lag at most 300']!.passed).toBe(true)
    expect(v['lag at most 0 on orders-0']).toMatchObject({ passed: false, figures: expect.stringMatching(/^group billing on orders-0 lags [1-9]\d* records at the end \(expected at most 0\)$/) })
    expect(v['lag at most 0 on orders-0']!.details![0]).toMatch(/^orders-\d: committed \d+, log end \d+, lag \d+$/)
  }, 30_000)
})
