// Seeded randomness. One root seed is split into named, independent streams
// ("network:2", "node:producer-1", ...): each stream is an Alea generator seeded by
// seedrandom from (root seed, name), so adding a component, or drawing more from one,
// never shifts the draws of any other.
//
// Alea rather than seedrandom's default ARC4: about 4x faster, and its state is four
// numbers. seedrandom seeds each stream (its Mash of the name) and hands over that state;
// the streams then step Alea's recurrence over one shared Float64Array instead of one
// closure and state object per stream: a simulation draws from a thousand streams in
// turn, and keeping their states side by side keeps those draws in the cache. The draws
// are bit for bit seedrandom's alea (a test holds that).

import seedrandom from 'seedrandom'
import { InputError, requireNonEmptyString, requireSeed } from './input.ts'

const WORDS_PER_STREAM = 4 // s0, s1, s2, c
const TWO_POW_MINUS_32 = 2.3283064365386963e-10

/** The seed string a stream's Alea generator is seeded with. */
export function streamSeed(rootSeed: number, name: string): string {
  return `kafkasim/${rootSeed}/${name}`
}

export class RandomStream {
  private spareNormal = NaN
  private readonly base: number

  constructor(
    readonly name: string,
    private readonly table: StateTable,
    seed: string,
  ) {
    this.base = table.add(seedrandom.alea(seed, { state: true }).state())
  }

  /** Uniform in [0, 1), 32 bits of randomness: Alea's next draw. */
  next(): number {
    const state = this.table.words
    const base = this.base
    const t = 2091639 * state[base]! + state[base + 3]! * TWO_POW_MINUS_32
    state[base] = state[base + 1]!
    state[base + 1] = state[base + 2]!
    const carry = t | 0
    state[base + 3] = carry
    return (state[base + 2] = t - carry)
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    if (!Number.isSafeInteger(bound) || bound < 1) {
      throw new InputError(`random stream "${this.name}" int(bound)`, 'a positive integer', bound)
    }
    return Math.floor(this.next() * bound)
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  /** Standard normal, by the Box-Muller transform (pairs cached, so one draw per two calls). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal
      this.spareNormal = NaN
      return spare
    }
    // 1 - u keeps the logarithm's argument in (0, 1].
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()))
    const angle = 2 * Math.PI * this.next()
    this.spareNormal = radius * Math.sin(angle)
    return radius * Math.cos(angle)
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new InputError(`random stream "${this.name}" pick(items)`, 'a non-empty array', items)
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Fisher-Yates shuffle into a new array. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const held = out[i]!
      out[i] = out[j]!
      out[j] = held
    }
    return out
  }
}

/** The Alea states of a run's streams, side by side. */
class StateTable {
  words = new Float64Array(64 * WORDS_PER_STREAM)
  private used = 0

  add(state: seedrandom.State.Alea): number {
    if (this.used + WORDS_PER_STREAM > this.words.length) {
      const grown = new Float64Array(this.words.length * 2)
      grown.set(this.words)
      this.words = grown
    }
    const base = this.used
    this.words[base] = state.s0
    this.words[base + 1] = state.s1
    this.words[base + 2] = state.s2
    this.words[base + 3] = state.c
    this.used += WORDS_PER_STREAM
    return base
  }
}

export class RandomStreams {
  readonly rootSeed: number
  private readonly streams = new Map<string, RandomStream>()
  private readonly table = new StateTable()

  constructor(rootSeed: number) {
    this.rootSeed = requireSeed(rootSeed, 'RandomStreams(rootSeed)')
  }

  /** The stream with this name; the same name always returns the same stream. */
  stream(name: string): RandomStream {
    let stream = this.streams.get(name)
    if (stream === undefined) {
      requireNonEmptyString(name, 'random stream name')
      stream = new RandomStream(name, this.table, streamSeed(this.rootSeed, name))
      this.streams.set(name, stream)
    }
    return stream
  }
}
