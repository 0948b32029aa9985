// Record sizes: the UTF-8 length the producer sizes records by is the number of bytes
// Kafka's StringSerializer (Java's String.getBytes(UTF_8)) writes, for any string.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { javaUtf8Bytes } from '../core/client/murmur2.ts'
import { utf8Length } from '../core/records.ts'

describe('utf8Length', () => {
  it('matches the bytes Java writes, for any string of UTF-16 code units (lone surrogates included)', () => {
    const anyCodeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units))
    fc.assert(fc.property(fc.oneof(anyCodeUnits, fc.string(), fc.string({ unit: 'grapheme' })), (text) => {
      expect(utf8Length(text)).toBe(javaUtf8Bytes(text).length)
    }), { numRuns: 2000 })
  })

  it('counts 1, 2, 3 and 4 bytes per code point, and 1 for a lone surrogate', () => {
    expect(utf8Length('abc')).toBe(3)
    expect(utf8Length('é')).toBe(2)
    expect(utf8Length('€')).toBe(3)
    expect(utf8Length('😀')).toBe(4)
    expect(utf8Length('\ud800x')).toBe(2)
    expect(utf8Length('x\udc00')).toBe(2)
  })
})
