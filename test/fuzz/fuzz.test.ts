// The fuzzer's profiles, as the issues ask: `safe` finds nothing, and the unsafe profiles
// (the checkers' positive controls) do lose, duplicate or reorder writes. The full
// 500-seed runs are `npm run fuzz -- --profile P --seeds 500`; these keep to a few seeds.

import { describe, expect, it } from 'vitest'
import { isFailure, runFuzz, runFuzzSeed, verdict } from '../../sim/fuzz/fuzz.ts'

describe('kafkasim fuzz', () => {
  it('safe (acks=all, min.insync.replicas=2, RF=3, no unclean elections, idempotence): no violation, nothing lost, duplicated or reordered, every run settles', () => {
    const report = runFuzz({ profile: 'safe', seeds: 12, from: 1000 })
    expect(report.firstFailure?.violations ?? []).toEqual([])
    expect(report).toMatchObject({ runs: 12, violations: 0, lostWrites: 0, duplicates: 0, reorders: 0, unsettled: 0, firstFailingSeed: null, expectationMet: true })
    expect(verdict(report)).toMatch(/^as expected for safe/)
  }, 120_000)

  it('acks1 loses acknowledged writes within 500 seeds (positive control)', () => {
    const report = runFuzz({ profile: 'acks1', seeds: 500, stopWhenExpectationMet: true })
    expect(report.lostWrites).toBeGreaterThan(0)
    expect(report.expectationMet).toBe(true)
  }, 120_000)

  it('unclean loses acknowledged writes within 500 seeds (positive control)', () => {
    const report = runFuzz({ profile: 'unclean', seeds: 500, stopWhenExpectationMet: true })
    expect(report.lostWrites).toBeGreaterThan(0)
    expect(report.expectationMet).toBe(true)
  }, 120_000)

  it('no-idempotence duplicates and reorders writes within 500 seeds; safe, on the very same fault schedules, does neither', () => {
    const unsafe = runFuzz({ profile: 'no-idempotence', seeds: 500, stopWhenExpectationMet: true })
    expect(unsafe.duplicates).toBeGreaterThan(0)
    expect(unsafe.reorders).toBeGreaterThan(0)
    expect(unsafe.expectationMet).toBe(true)
    // The same seeds draw the same schedules: only the producer's enable.idempotence differs.
    const seeds = Math.max(unsafe.runs, 20)
    expect(runFuzzSeed('safe', 0).schedule).toEqual(runFuzzSeed('no-idempotence', 0).schedule)
    const safe = runFuzz({ profile: 'safe', seeds })
    expect(safe).toMatchObject({ runs: seeds, duplicates: 0, reorders: 0, lostWrites: 0, violations: 0, firstFailingSeed: null })
  }, 120_000)

  it('a seed replays exactly: the same schedule, the same outcome', () => {
    const a = runFuzzSeed('acks1', 3)
    const b = runFuzzSeed('acks1', 3)
    expect(b).toEqual(a)
    expect(runFuzzSeed('acks1', 4).schedule).not.toEqual(a.schedule)
  }, 30_000)

  it('a failing seed reports its schedule, the lost records and the violations', () => {
    const report = runFuzz({ profile: 'acks1', seeds: 50, stopAtFirstFailure: true })
    const failure = report.firstFailure!
    expect(isFailure(failure)).toBe(true)
    expect(failure.schedule.length).toBeGreaterThan(0)
    if (failure.lostWrites > 0) expect(failure.lostExamples[0]).toMatchObject({ partition: expect.stringMatching(/^fuzz-\d$/), offset: expect.any(Number) })
  }, 60_000)

  it('rejects an unknown profile and a bad seed count, naming them', () => {
    expect(() => runFuzz({ profile: 'reckless' as never, seeds: 1 })).toThrow('fuzz --profile: expected one of safe, acks1, unclean, no-idempotence, got "reckless"')
    expect(() => runFuzz({ profile: 'safe', seeds: 0 })).toThrow('fuzz --seeds: expected a positive integer, got 0')
  })
})
