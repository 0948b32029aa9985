// The hashes producers use to map a key to a partition, and the key bytes they hash.
//
// - murmur2: Kafka's Java client (clients/src/main/java/org/apache/kafka/common/utils/
//   Utils.java, murmur2 and toPositive), checked against UtilsTest.testMurmur2. KafkaJS 2.x
//   computes the same function (src/producer/partitioners/default/murmur2.js, 64-bit BigInt
//   arithmetic whose low 32 bits match Java's int arithmetic).
// - kafkaJsLegacyMurmur2: KafkaJS 1.x's hash, still shipped as 2.x's LegacyPartitioner
//   (src/producer/partitioners/legacy/murmur2.js). It multiplies in floating point, so
//   products above 2^53 lose their low bits, and it loops over a fractional block count,
//   so it gives different hashes from Java's: that difference is the reason the legacy
//   partitioner exists, and the reason keys move when an application switches.
//
// Key bytes: Kafka's StringSerializer encodes with String.getBytes(UTF_8); KafkaJS with
// Buffer.from(string). The two agree on every well-formed string and differ on an unpaired
// surrogate: Java writes '?', Node writes U+FFFD. Both encoders are written out here, without
// TextEncoder, so that the Java one can be exact and both behave the same on every platform.

const SEED = 0x9747b28c | 0
const M = 0x5bd1e995
const R = 24

/** Kafka's Utils.murmur2: a signed 32-bit hash, exactly as the Java client computes it. */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length
  let h = SEED ^ length
  const blocks = length >>> 2
  for (let i = 0; i < blocks; i++) {
    const at = i * 4
    // Little-endian: the bytes do not overlap, so | builds the same int32 as Java's +.
    let k = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)
    k = Math.imul(k, M)
    k ^= k >>> R
    k = Math.imul(k, M)
    h = Math.imul(h, M) ^ k
  }
  // Java's switch falls through from case 3 to case 1; the ifs below do the same steps.
  const tail = length & ~3
  const rest = length & 3
  if (rest === 3) h ^= bytes[tail + 2]! << 16
  if (rest >= 2) h ^= bytes[tail + 1]! << 8
  if (rest >= 1) {
    h ^= bytes[tail]!
    h = Math.imul(h, M)
  }
  h ^= h >>> 13
  h = Math.imul(h, M)
  h ^= h >>> 15
  return h
}

/** Utils.toPositive: clears the sign bit (not Math.abs: -1 maps to 2147483647, not 1). */
export function toPositive(n: number): number {
  return n & 0x7fffffff
}

/** KafkaJS's legacy murmur2, with its floating-point arithmetic kept as it is. */
export function kafkaJsLegacyMurmur2(bytes: Uint8Array): number {
  const length = bytes.length
  // These stay plain numbers on purpose: each * below is a double multiplication, and each
  // ^ or >>> truncates its rounded result to 32 bits, exactly as the JavaScript original does.
  let h: number = SEED ^ length
  // The original loops while i < length / 4 without flooring, so a partial last block is
  // mixed in as if padded with zeros (a Buffer reads undefined past its end, and
  // undefined & 0xff is 0), and its bytes are mixed again by the tail step below.
  const iterations = Math.ceil(length / 4)
  for (let i = 0; i < iterations; i++) {
    const at = i * 4
    let k: number = byteAt(bytes, at) | (byteAt(bytes, at + 1) << 8) | (byteAt(bytes, at + 2) << 16) | (byteAt(bytes, at + 3) << 24)
    k = k * M
    k = k ^ (k >>> R)
    k = k * M
    h = h * M
    h = h ^ k
  }
  const tail = length & ~3
  const rest = length & 3
  if (rest === 3) h ^= bytes[tail + 2]! << 16
  if (rest >= 2) h ^= bytes[tail + 1]! << 8
  if (rest >= 1) {
    h ^= bytes[tail]!
    h = h * M
  }
  h ^= h >>> 13
  h = h * M
  h ^= h >>> 15
  return h
}

function byteAt(bytes: Uint8Array, index: number): number {
  return index < bytes.length ? bytes[index]! : 0
}

/** UTF-8 as TextEncoder and Node's Buffer.from write it (what KafkaJS hashes): an unpaired surrogate becomes U+FFFD. */
export function utf8Bytes(text: string): Uint8Array {
  return encodeUtf8(text, REPLACEMENT_CHARACTER_UTF8)
}

/** UTF-8 as Java's String.getBytes(UTF_8) writes it (what StringSerializer sends): an unpaired surrogate becomes '?'. */
export function javaUtf8Bytes(text: string): Uint8Array {
  return encodeUtf8(text, QUESTION_MARK_UTF8)
}

const REPLACEMENT_CHARACTER_UTF8 = [0xef, 0xbf, 0xbd] as const
const QUESTION_MARK_UTF8 = [0x3f] as const

function encodeUtf8(text: string, unpairedSurrogate: readonly number[]): Uint8Array {
  // A UTF-16 unit never needs more than 3 bytes (a pair of units needs 4), so this is enough.
  const out = new Uint8Array(text.length * 3)
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) {
      out[n++] = unit
    } else if (unit < 0x800) {
      out[n++] = 0xc0 | (unit >> 6)
      out[n++] = 0x80 | (unit & 0x3f)
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const codePoint = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00)
        out[n++] = 0xf0 | (codePoint >> 18)
        out[n++] = 0x80 | ((codePoint >> 12) & 0x3f)
        out[n++] = 0x80 | ((codePoint >> 6) & 0x3f)
        out[n++] = 0x80 | (codePoint & 0x3f)
        i++
      } else {
        for (const byte of unpairedSurrogate) out[n++] = byte
      }
    } else {
      out[n++] = 0xe0 | (unit >> 12)
      out[n++] = 0x80 | ((unit >> 6) & 0x3f)
      out[n++] = 0x80 | (unit & 0x3f)
    }
  }
  return out.slice(0, n)
}
