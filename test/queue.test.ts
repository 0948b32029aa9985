import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EventQueue } from '../sim/queue.ts'

type Op = { push: number } | 'pop' | 'take' | 'settle'

/** A reference model: items sorted by (time, insertion order). */
function reference(ops: Op[]): number[] {
  const pending: { time: number; seq: number; id: number }[] = []
  const out: number[] = []
  let seq = 0
  let id = 0
  for (const op of ops) {
    if (typeof op === 'object') pending.push({ time: op.push, seq: seq++, id: id++ })
    else if (op === 'pop' || op === 'take') {
      pending.sort((a, b) => a.time - b.time || a.seq - b.seq)
      const next = pending.shift()
      if (next) out.push(next.id)
    }
  }
  return out
}

function actual(ops: Op[]): number[] {
  const queue = new EventQueue<number>()
  const out: number[] = []
  let id = 0
  for (const op of ops) {
    if (typeof op === 'object') queue.push(op.push, id++)
    else if (op === 'pop') {
      const item = queue.pop()
      if (item !== undefined) out.push(item)
    } else if (op === 'take') {
      const item = queue.take()
      if (item !== undefined) out.push(item)
    } else queue.settle()
  }
  return out
}

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }).map((t) => ({ push: t / 2 })) },
  { weight: 2, arbitrary: fc.constant('pop' as const) },
  { weight: 1, arbitrary: fc.constant('take' as const) },
  { weight: 1, arbitrary: fc.constant('settle' as const) },
)

describe('event queue', () => {
  it('pops in (time, insertion order) order, ties resolved by insertion, whatever the interleaving of pushes, pops and takes', () => {
    fc.assert(fc.property(fc.array(opArbitrary, { maxLength: 300 }), (ops) => {
      expect(actual(ops)).toEqual(reference(ops))
    }), { numRuns: 300 })
  })

  it('keeps order across growth beyond its initial capacity', () => {
    const queue = new EventQueue<number>()
    const times = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 1000)
    times.forEach((t, i) => queue.push(t, i))
    const popped: number[] = []
    for (let item = queue.pop(); item !== undefined; item = queue.pop()) popped.push(item)
    const expected = times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.i)
    expect(popped).toEqual(expected)
  })

  it('reports size and the earliest time, Infinity when empty, and the popped time', () => {
    const queue = new EventQueue<string>()
    expect(queue.peekTime()).toBe(Infinity)
    queue.push(5, 'b')
    queue.push(2, 'a')
    expect(queue.size).toBe(2)
    expect(queue.peekTime()).toBe(2)
    expect(queue.take()).toBe('a')
    expect(queue.poppedTime).toBe(2)
    expect(queue.size).toBe(1)
    queue.push(1, 'c') // fills the taken slot
    expect(queue.pop()).toBe('c')
    expect(queue.pop()).toBe('b')
    expect(queue.pop()).toBeUndefined()
  })
})
