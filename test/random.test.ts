import fc from 'fast-check'
import seedrandom from 'seedrandom'
import { describe, expect, it } from 'vitest'
import { RandomStreams, streamSeed } from '../sim/random.ts'

describe('random streams', () => {
  it("draw exactly seedrandom's alea sequence for the stream's seed", () => {
    fc.assert(fc.property(fc.nat(), fc.string({ minLength: 1, maxLength: 12 }), (root, name) => {
      const stream = new RandomStreams(root).stream(name)
      const reference = seedrandom.alea(streamSeed(root, name))
      for (let i = 0; i < 200; i++) expect(stream.next()).toBe(reference())
    }), { numRuns: 100 })
  })

  it('are independent: creating or drawing from other streams never shifts a stream', () => {
    const alone = new RandomStreams(7).stream('network:1')
    const expected = Array.from({ length: 50 }, () => alone.next())
    const crowded = new RandomStreams(7)
    const other = crowded.stream('node:2')
    const stream = crowded.stream('network:1')
    const drawn: number[] = []
    for (let i = 0; i < 50; i++) {
      other.next()
      crowded.stream(`extra-${i}`).next()
      drawn.push(stream.next())
    }
    expect(drawn).toEqual(expected)
  })

  it('differ between names and between root seeds', () => {
    const draw = (root: number, name: string) => {
      const s = new RandomStreams(root).stream(name)
      return Array.from({ length: 5 }, () => s.next())
    }
    expect(draw(1, 'a')).not.toEqual(draw(1, 'b'))
    expect(draw(1, 'a')).not.toEqual(draw(2, 'a'))
    expect(draw(1, 'a')).toEqual(draw(1, 'a'))
  })

  it('return the same stream object for the same name', () => {
    const streams = new RandomStreams(3)
    expect(streams.stream('x')).toBe(streams.stream('x'))
  })

  it('give uniform draws in [0, 1) and integers in [0, bound)', () => {
    const s = new RandomStreams(11).stream('u')
    const buckets = new Array(10).fill(0)
    let outOfRange = 0
    for (let i = 0; i < 100_000; i++) {
      const x = s.next()
      if (!(x >= 0 && x < 1)) outOfRange++
      buckets[Math.floor(x * 10)]++
    }
    expect(outOfRange).toBe(0)
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500)
    const ints = new Set(Array.from({ length: 1000 }, () => s.int(7)))
    expect([...ints].sort()).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it('give standard normals with mean 0 and variance 1', () => {
    const s = new RandomStreams(5).stream('n')
    let sum = 0
    let squares = 0
    const n = 50_000
    for (let i = 0; i < n; i++) {
      const x = s.normal()
      sum += x
      squares += x * x
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.03)
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.05)
  })

  it('shuffle and pick deterministically', () => {
    const a = new RandomStreams(9).stream('s')
    const b = new RandomStreams(9).stream('s')
    expect(a.shuffled([1, 2, 3, 4, 5, 6])).toEqual(b.shuffled([1, 2, 3, 4, 5, 6]))
    expect(a.shuffled([1, 2, 3, 4, 5, 6]).sort()).toEqual([1, 2, 3, 4, 5, 6])
    expect(a.pick(['x'])).toBe('x')
  })

  it.each([-1, 1.5, NaN, Infinity, '42', null, 2 ** 53])('reject the root seed %s, naming it', (seed) => {
    expect(() => new RandomStreams(seed as number)).toThrow(/expected a non-negative integer seed, got/)
  })

  it('reject bad bounds and empty picks, naming them', () => {
    const s = new RandomStreams(1).stream('x')
    expect(() => s.int(0)).toThrow('expected a positive integer, got 0')
    expect(() => s.int(2.5)).toThrow('got 2.5')
    expect(() => s.pick([])).toThrow('expected a non-empty array')
    expect(() => new RandomStreams(1).stream('')).toThrow('random stream name: expected a non-empty string, got ""')
  })
})
