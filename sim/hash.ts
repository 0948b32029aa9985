// A running 64-bit hash (two independent 32-bit MurmurHash3-style lanes) over numbers,
// strings and JSON-like values. Not cryptographic: it exists so that two runs can be
// compared by one short hex string. Everything here is pure integer arithmetic
// (Math.imul, shifts), so Node and browsers agree bit for bit.

const floatView = new Float64Array(1)
const wordView = new Uint32Array(floatView.buffer)

// Type tags keep e.g. the string "1" and the number 1 from hashing alike.
const TAG_UNDEFINED = 0x75
const TAG_NULL = 0x6e
const TAG_FALSE = 0x66
const TAG_TRUE = 0x74
const TAG_NUMBER = 0x23
const TAG_STRING = 0x22
const TAG_ARRAY = 0x5b
const TAG_OBJECT = 0x7b
const TAG_BIGINT = 0x62

const MAX_DEPTH = 64

// Lane 1 takes one step per 32-bit word: xor, multiply by an odd constant, xorshift.
// Each step is a bijection of the lane for a fixed word, so once two runs differ, equal
// later records cannot bring lane 1 back together by themselves. Lane 2 sums lane 1's
// every state (Fletcher's idea), so the pair remembers the path, not just where it ended;
// together 64 bits, and the finalizer below avalanches both.
function mix(h: number, word: number): number {
  h = Math.imul(h ^ word, 0x9e3779b1)
  return h ^ (h >>> 15)
}

function finalize(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export class RunningHash {
  private lane1 = 0x2545f491
  private lane2 = 0x9e3779b9 | 0

  word(value: number): void {
    this.lane1 = mix(this.lane1, value)
    this.lane2 = (this.lane2 + this.lane1) | 0
  }

  /**
   * The fixed shape of the kernel's commonest records, in one call with the lanes held in
   * locals: the same result as number(time), word(a), word(b), word(c), number(x), word(d).
   */
  fixedRecord(time: number, a: number, b: number, c: number, x: number, d: number): void {
    floatView[0] = time
    const t0 = wordView[0]!
    const t1 = wordView[1]!
    floatView[0] = x
    const x0 = wordView[0]!
    const x1 = wordView[1]!
    let h1 = this.lane1
    let h2 = this.lane2
    h1 = mix(h1, t0)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, t1)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, a)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, b)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, c)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, x0)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, x1)
    h2 = (h2 + h1) | 0
    h1 = mix(h1, d)
    h2 = (h2 + h1) | 0
    this.lane1 = h1
    this.lane2 = h2
  }

  /** Hashes a float64 by its exact bit pattern. */
  number(value: number): void {
    floatView[0] = value
    this.word(wordView[0]!)
    this.word(wordView[1]!)
  }

  string(value: string): void {
    this.word(TAG_STRING)
    this.word(value.length)
    for (let i = 0; i < value.length; i++) this.word(value.charCodeAt(i))
  }

  /** Structural hash of a JSON-like value; object keys in insertion order. */
  value(value: unknown, depth = 0): void {
    if (depth > MAX_DEPTH) throw new Error(`trace data nested deeper than ${MAX_DEPTH} levels (a cycle?)`)
    switch (typeof value) {
      case 'number':
        this.word(TAG_NUMBER)
        this.number(value)
        return
      case 'string':
        this.string(value)
        return
      case 'boolean':
        this.word(value ? TAG_TRUE : TAG_FALSE)
        return
      case 'undefined':
        this.word(TAG_UNDEFINED)
        return
      case 'bigint':
        this.word(TAG_BIGINT)
        this.string(value.toString())
        return
      case 'object': {
        if (value === null) {
          this.word(TAG_NULL)
          return
        }
        if (Array.isArray(value)) {
          this.word(TAG_ARRAY)
          this.word(value.length)
          for (const item of value) this.value(item, depth + 1)
          return
        }
        this.word(TAG_OBJECT)
        const record = value as Record<string, unknown>
        const keys = Object.keys(record)
        this.word(keys.length)
        for (const key of keys) {
          this.string(key)
          this.value(record[key], depth + 1)
        }
        return
      }
      default:
        throw new Error(`cannot hash a ${typeof value} in trace data`)
    }
  }

  /** 16 hex digits. Reading the digest does not disturb the running state. */
  hex(): string {
    return (
      finalize(this.lane1).toString(16).padStart(8, '0') +
      finalize(this.lane2 ^ this.lane1).toString(16).padStart(8, '0')
    )
  }
}

/** A 32-bit hash of one string, for interning names whose hash is reused many times. */
export function hashString(value: string): number {
  let h = 0x811c9dc5 | 0
  h = mix(h, value.length)
  for (let i = 0; i < value.length; i++) h = mix(h, value.charCodeAt(i))
  return finalize(h) | 0
}
