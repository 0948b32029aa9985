// The end-to-end benchmark at small scale: every record sent is acknowledged and consumed,
// the latency figures come from the records, the run is deterministic, and the report has
// its shape. No test here asserts a speed: `npm run bench -- e2e` measures and reports it.

import { describe, expect, it } from 'vitest'
import type { ConsumedRecord } from '../core/client/consumer/consumer.ts'
import { benchE2e, E2E_BENCH_DEFAULTS, LatencyHistogram, type E2eBenchOptions } from '../sim/bench/e2e.ts'

/** 1 simulated second at 5,000 records/s of 1 KiB. */
const SMALL: E2eBenchOptions = { ...E2E_BENCH_DEFAULTS, recordsPerSec: 5_000, durationMs: 1_000, warmupMs: 0 }

function record(timestamp: number, consumedAtMs: number): ConsumedRecord {
  return { topic: 't', partition: 0, offset: 0, key: null, value: 'v', headers: [], timestamp, leaderEpoch: 0, consumedAtMs }
}

describe('e2e benchmark', () => {
  it('every record sent is acknowledged and consumed; the report has its figures', () => {
    let fakeMs = 0
    const result = benchE2e(() => (fakeMs += 10), () => 42, SMALL)
    expect(result).toMatchObject({ case: 'e2e', partitions: 12, recordBytes: 1024, targetRecordsPerSimSec: 5_000, wallMs: 10, heapUsedMb: 42 })
    expect(result.recordsSent).toBe(5_000)
    expect(result.recordsAcked).toBe(5_000)
    expect(result.recordsConsumed).toBe(5_000)
    expect(result.recordsPerSec).toBe(500_000) // 5,000 records in 10 wall ms
    expect(result.simTimeMs).toBeGreaterThanOrEqual(1_000)
    expect(result.latencyMsP50).toBeGreaterThan(0)
    expect(result.latencyMsP99).toBeGreaterThanOrEqual(result.latencyMsP50)
    expect(result.latencyMsMax).toBeGreaterThanOrEqual(result.latencyMsP99 - 0.1)
    expect(result.produceRequests).toBeGreaterThan(0)
    expect(result.fetchRequests).toBeGreaterThan(0)
  }, 60_000)

  it('is deterministic: the same seed, the same simulated figures and trace hash', () => {
    const a = benchE2e(() => 0, undefined, SMALL)
    const b = benchE2e(() => 0, undefined, SMALL)
    for (const field of ['simTimeMs', 'events', 'latencyMsP50', 'latencyMsP99', 'traceHash'] as const) expect(b[field]).toBe(a[field])
  }, 60_000)

  it('the latency histogram keeps no records and reports percentiles to 0.1 ms', () => {
    const histogram = new LatencyHistogram()
    for (let i = 1; i <= 100; i++) histogram.push(record(0, i))
    expect(histogram.length).toBe(0)
    expect(histogram.count).toBe(100)
    expect(histogram.percentile(0.5)).toBe(50.1)
    expect(histogram.percentile(0.99)).toBe(99.1)
    expect(histogram.maxMs).toBe(100)
  })
})
