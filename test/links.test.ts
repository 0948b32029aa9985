import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InFlightLinks } from '../sim/links.ts'

describe('in-flight links (FIFO bookkeeping)', () => {
  it('schedules exactly as a dense per-link table would, also when a sender has more links in flight than slots', () => {
    const send = fc.record({
      from: fc.integer({ min: 0, max: 2 }),
      to: fc.integer({ min: 0, max: 40 }),
      latency: fc.double({ min: 0, max: 30, noNaN: true }),
      gap: fc.double({ min: 0, max: 2, noNaN: true }),
    })
    fc.assert(fc.property(fc.array(send, { maxLength: 400 }), (sends) => {
      const links = new InFlightLinks()
      for (let i = 0; i < 3; i++) links.addSender()
      const dense = new Map<string, number>()
      let now = 0
      for (const { from, to, latency, gap } of sends) {
        now += gap
        const key = `${from}->${to}`
        const expected = Math.max(now + latency, dense.get(key) ?? 0)
        dense.set(key, expected)
        expect(links.schedule(from, to, now + latency, now)).toBe(expected)
      }
    }), { numRuns: 300 })
  })
})
