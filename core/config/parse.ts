// Parsing one config value the way Kafka's ConfigDef.parseType does, but strictly: a
// value is its typed form (a number, a boolean, an array) or the string a properties
// file or the kafka-configs CLI would carry ("60000", "true", "compact,delete"). Kafka
// trims strings and compares booleans case-insensitively; it takes only whole numbers for
// INT and LONG (Integer.parseInt, Long.parseLong). The sandbox also refuses what Java's
// Double.parseDouble would let through by accident (NaN, Infinity, "1d").

import { describeValue } from '../describe.ts'
import { KafkaError } from '../errors.ts'
import type { ConfigDef, ConfigValue } from './types.ts'
import { INT_MAX, INT_MIN, LONG_MAX_VALUE, LONG_MAX_VALUE_STRING } from './types.ts'

/** INVALID_CONFIG, naming where the config came from, the key, the bad value and what was expected. */
export class InvalidConfigError extends KafkaError {
  constructor(
    /** Where the config came from, e.g. `cluster config` or `topic orders`. */
    readonly source: string,
    /** The config name, or null when the whole input is wrong. */
    readonly key: string | null,
    readonly value: unknown,
    /** What was wrong: `expected an integer >= 1`, or why the key is refused. */
    readonly problem: string,
  ) {
    super('INVALID_CONFIG', `${source}: ${key === null ? '' : `${key}: `}${problem}, got ${describeValue(value)}`)
  }
}

/** A value as an error message shows it: strings quoted, so "12abc" is seen for what it is. */

/** A resolved value as kafka-configs prints it. */
export function formatValue(value: ConfigValue): string | null {
  if (value === null) return null
  if (value === LONG_MAX_VALUE) return LONG_MAX_VALUE_STRING
  if (Array.isArray(value)) return value.join(',')
  return String(value)
}

export type ParseResult = { readonly ok: true; readonly value: ConfigValue } | { readonly ok: false; readonly expected: string }

const INTEGER = /^[+-]?\d+$/
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const LONG_MAX = 2n ** 63n - 1n
const LONG_MIN = -(2n ** 63n)

/** What a definition accepts, in words, for error messages and the docs. */
export function expectedText(def: ConfigDef): string {
  switch (def.type) {
    case 'int':
    case 'long':
    case 'double': {
      const noun = def.type === 'double' ? 'a number' : 'an integer'
      if (def.min !== undefined && def.max !== undefined) return `${noun} between ${def.min} and ${def.max}`
      if (def.min !== undefined) return `${noun} >= ${def.min}`
      if (def.max !== undefined) return `${noun} <= ${def.max}`
      return noun
    }
    case 'boolean':
      return 'true or false'
    case 'string':
      return def.validValues ? `one of ${def.validValues.join(', ')}` : 'a string'
    case 'list':
      return def.validValues
        ? `a list (comma-separated in a string) of items each one of ${def.validValues.join(', ')}`
        : 'a list of strings (comma-separated in a string)'
  }
}

/** Parses and validates one value against its definition; null stands for "not set" where Kafka's default is null. */
export function parseValue(def: ConfigDef, raw: unknown): ParseResult {
  const unset = def.default === null ? ', or null for unset' : ''
  const fail = (detail = ''): ParseResult => ({ ok: false, expected: expectedText(def) + detail + unset })
  if (raw === null) return def.default === null ? { ok: true, value: null } : fail()
  switch (def.type) {
    case 'int':
    case 'long': {
      const n = parseWhole(raw, def.type)
      if (n === 'not-a-whole-number') return fail()
      if (n === 'beyond-int') return fail(` within Java's int range (${INT_MIN} to ${INT_MAX})`)
      if (n === 'beyond-long') return fail(" within Java's long range")
      if (n === 'inexact') {
        return fail(` the sandbox can hold exactly (at most ${Number.MAX_SAFE_INTEGER} in magnitude, ` +
          `or ${LONG_MAX_VALUE_STRING} for Long.MAX_VALUE)`)
      }
      return inBounds(def, n) ? { ok: true, value: n } : fail()
    }
    case 'double': {
      let n: number
      if (typeof raw === 'number') n = raw
      else if (typeof raw === 'string' && DECIMAL.test(raw.trim())) n = Number(raw.trim())
      else return fail()
      if (!Number.isFinite(n)) return fail()
      n = n === 0 ? 0 : n // -0 prints as "0"; keep one zero so values round-trip through describe
      return inBounds(def, n) ? { ok: true, value: n } : fail()
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw }
      if (typeof raw !== 'string') return fail()
      const word = raw.trim().toLowerCase()
      return word === 'true' ? { ok: true, value: true } : word === 'false' ? { ok: true, value: false } : fail()
    }
    case 'string': {
      if (typeof raw !== 'string') return fail()
      const s = raw.trim()
      return def.validValues && !def.validValues.includes(s) ? fail() : { ok: true, value: s }
    }
    case 'list': {
      let items: readonly unknown[]
      if (typeof raw === 'string') items = raw.trim() === '' ? [] : raw.trim().split(/\s*,\s*/)
      else if (Array.isArray(raw)) items = raw
      else return fail()
      for (const item of items) {
        if (typeof item !== 'string') return fail()
        if (def.validValues && !def.validValues.includes(item)) return fail()
      }
      return { ok: true, value: Object.freeze([...(items as string[])]) }
    }
  }
}

type Whole = number | 'not-a-whole-number' | 'beyond-int' | 'beyond-long' | 'inexact'

function parseWhole(raw: unknown, type: 'int' | 'long'): Whole {
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) return 'not-a-whole-number'
    // 2^63 is also the double nearest 9223372036854775807, the literal a user would write.
    if (type === 'long' && raw === LONG_MAX_VALUE) return LONG_MAX_VALUE
    if (!Number.isSafeInteger(raw)) {
      if (type === 'int') return 'beyond-int'
      return raw > LONG_MAX_VALUE || raw < -LONG_MAX_VALUE ? 'beyond-long' : 'inexact'
    }
    return checkWidth(BigInt(raw), type)
  }
  if (typeof raw === 'bigint') return checkWidth(raw, type)
  if (typeof raw === 'string' && INTEGER.test(raw.trim())) return checkWidth(BigInt(raw.trim()), type)
  return 'not-a-whole-number'
}

function checkWidth(b: bigint, type: 'int' | 'long'): Whole {
  if (type === 'int') return b < BigInt(INT_MIN) || b > BigInt(INT_MAX) ? 'beyond-int' : Number(b)
  if (b === LONG_MAX) return LONG_MAX_VALUE
  if (b < LONG_MIN || b > LONG_MAX) return 'beyond-long'
  if (b < -BigInt(Number.MAX_SAFE_INTEGER) || b > BigInt(Number.MAX_SAFE_INTEGER)) return 'inexact'
  const n = Number(b)
  return n === 0 ? 0 : n
}

function inBounds(def: ConfigDef, n: number): boolean {
  return (def.min === undefined || n >= def.min) && (def.max === undefined || n <= def.max)
}

/** The known name closest to a mistyped one, if any is close (at most 3 edits, or one contains the other). */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    const d = editDistance(name, candidate)
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  if (best === undefined) return undefined
  return bestDistance <= 3 || best.includes(name) || name.includes(best) ? best : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[b.length]!
}
