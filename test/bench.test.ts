// The benchmark's workload and report, checked for shape and determinism. No test here
// asserts a speed: speed is measured by `npm run bench` and reported, not tested.

import { describe, expect, it } from 'vitest'
import { benchKernel, runKernelWorkload } from '../sim/bench/kernel.ts'

describe('kernel benchmark', () => {
  it('runs the workload to the requested event count, deterministically', () => {
    const options = { nodes: 50, events: 20_000, seed: 3, timerPeriodMs: 10 }
    const a = runKernelWorkload(options)
    const b = runKernelWorkload(options)
    expect(a.eventCount).toBe(20_000)
    expect(a.trace.hash()).toBe(b.trace.hash())
    expect(runKernelWorkload({ ...options, seed: 4 }).trace.hash()).not.toBe(a.trace.hash())
  })

  it('reports events per second, the ceiling and their ratio from the clock it is given', () => {
    let fakeMs = 0
    const clock = () => (fakeMs += 10) // every reading 10 ms after the last
    const result = benchKernel(clock, { nodes: 20, events: 5_000, seed: 1, timerPeriodMs: 10 }, 2)
    expect(result).toMatchObject({ case: 'kernel', nodes: 20, events: 5_000, rounds: 2, wallMs: 10 })
    expect(result.eventsPerSec).toBe(500_000)
    expect(result.ceilingEventsPerSec).toBe(500_000)
    expect(result.ratio).toBe(1)
    expect(result.traceHash).toMatch(/^[0-9a-f]{16}$/)
  })
})
