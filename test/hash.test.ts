import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RunningHash, hashString } from '../sim/hash.ts'

function hashOf(...values: unknown[]): string {
  const h = new RunningHash()
  for (const v of values) h.value(v)
  return h.hex()
}

describe('running hash', () => {
  it('is 16 hex digits and the same for the same input', () => {
    expect(hashOf({ a: 1, b: [1, 'x', null] })).toMatch(/^[0-9a-f]{16}$/)
    expect(hashOf({ a: 1, b: [1, 'x', null] })).toBe(hashOf({ a: 1, b: [1, 'x', null] }))
  })

  it('tells apart values that print alike or differ by a little', () => {
    const distinct = [1, '1', true, 'true', null, undefined, [1], { 0: 1 }, 1.0000000000000002, -0, 0, [], {}, '', [[]], 2n]
    const hashes = distinct.map((v) => hashOf(v))
    expect(new Set(hashes).size).toBe(distinct.length)
  })

  it('depends on order: sequences with the same items in another order differ', () => {
    expect(hashOf(1, 2)).not.toBe(hashOf(2, 1))
    expect(hashOf({ a: 1, b: 2 })).not.toBe(hashOf({ b: 2, a: 1 }))
  })

  it('never lets later equal input bring two diverged runs back together', () => {
    fc.assert(fc.property(fc.array(fc.integer()), fc.integer(), fc.integer(), fc.array(fc.integer()), (prefix, x, y, suffix) => {
      fc.pre(x !== y)
      const a = new RunningHash()
      const b = new RunningHash()
      for (const w of prefix) (a.word(w), b.word(w))
      a.word(x)
      b.word(y)
      for (const w of suffix) (a.word(w), b.word(w))
      expect(a.hex()).not.toBe(b.hex())
    }), { numRuns: 500 })
  })

  it('fixedRecord equals the same fields hashed one by one', () => {
    fc.assert(fc.property(fc.double(), fc.integer(), fc.integer(), fc.integer(), fc.double(), fc.integer(), (t, a, b, c, x, d) => {
      const one = new RunningHash()
      one.fixedRecord(t, a, b, c, x, d)
      const many = new RunningHash()
      many.number(t)
      many.word(a)
      many.word(b)
      many.word(c)
      many.number(x)
      many.word(d)
      expect(one.hex()).toBe(many.hex())
    }))
  })

  it('refuses cycles and functions instead of hanging or guessing', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(() => hashOf(cyclic)).toThrow(/deeper than 64 levels/)
    expect(() => hashOf({ f: () => 1 })).toThrow(/cannot hash a function/)
  })

  it('hashString spreads similar names', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `node:${i}`)
    expect(new Set(names.map(hashString)).size).toBe(1000)
  })
})
