// Regression tests: runFor (cluster.advance) once ran an event due after the end of the
// run when a cancelled timer was the only thing due before it, then set the clock back
// to the end, so trace times went backwards. step(untilTimeMs) now refuses events due
// after the bound.

import { describe, expect, it } from 'vitest'
import { Simulation } from '../sim/simulation.ts'
import { setup } from './replication/support.ts'

describe('simulated time during runFor', () => {
  it('runFor(ms) never runs an event due after now + ms, even when a cancelled timer is due before that', () => {
    const sim = new Simulation({ seed: 1 })
    const fired: { name: string; at: number }[] = []
    sim.addNode('n', (ctx) => ({
      start() {
        const early = ctx.setTimer(10, 'cancelled')
        ctx.setTimer(20, 'later')
        ctx.cancelTimer(early)
      },
      onMessage() {},
      onTimer(name: string) {
        fired.push({ name, at: ctx.now })
      },
    }))
    sim.runFor(15)
    expect(sim.now).toBe(15)
    expect(fired).toEqual([])
  })

  it('in a cluster run, trace times never go backwards across cluster.advance()', () => {
    // Replica fetchers cancel their timeout timers on every answer, so cancelled timers are everywhere.
    const cluster = setup({ seed: 53, config: { 'broker.session.timeout.ms': 60_000 } })
    let last = cluster.now
    const backwards: { before: number; after: number; type: string }[] = []
    cluster.trace.subscribe((record) => {
      if (record.time < last) backwards.push({ before: last, after: record.time, type: record.type })
      last = Math.max(last, record.time)
    })
    cluster.advance(1000)
    cluster.pause(3)
    cluster.advance(1000)
    expect(backwards).toEqual([])
  })
})
