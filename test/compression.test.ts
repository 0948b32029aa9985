import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CODEC_PROFILES,
  COMPRESSION_CODECS,
  UnknownCompressionCodecError,
  WARMUP_BYTES,
  compressedSizeBytes,
  compressionCpuMs,
  compressionRatio,
  decompressionCpuMs,
  isCompressionCodec,
} from '../core/compression.ts'

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const
const KiB = 1024
const MiB = 1024 * 1024

describe('compression model: inputs', () => {
  it('refuses an unknown codec with an error naming it and the valid ones', () => {
    for (const call of [compressedSizeBytes, compressionCpuMs, decompressionCpuMs, compressionRatio]) {
      expect(() => call('brotli', 100)).toThrow(UnknownCompressionCodecError)
      expect(() => call('brotli', 100)).toThrow('Invalid value "brotli" for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd')
    }
    // Kafka's names are lower case, and 'producer' is a topic setting, not a codec.
    expect(() => compressedSizeBytes('GZIP', 1)).toThrow('"GZIP"')
    expect(() => compressedSizeBytes('producer', 1)).toThrow(UnknownCompressionCodecError)
    expect(isCompressionCodec('zstd')).toBe(true)
    expect(isCompressionCodec('uncompressed')).toBe(false)
  })

  it('refuses a byte count that is negative, fractional or not a number', () => {
    for (const bytes of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => compressedSizeBytes('lz4', bytes)).toThrow(RangeError)
      expect(() => compressionCpuMs('lz4', bytes)).toThrow(RangeError)
      expect(() => decompressionCpuMs('none', bytes)).toThrow(RangeError)
    }
    expect(() => compressedSizeBytes('zstd', -1)).toThrow('uncompressed bytes: expected an integer >= 0, got -1')
  })
})

describe('compression model: none', () => {
  it('is the identity and costs no CPU', () => {
    fc.assert(fc.property(fc.nat({ max: 64 * MiB }), (bytes) => {
      expect(compressedSizeBytes('none', bytes)).toBe(bytes)
      expect(compressionCpuMs('none', bytes)).toBe(0)
      expect(decompressionCpuMs('none', bytes)).toBe(0)
    }))
    expect(compressionRatio('none', 0)).toBe(1)
    expect(compressionRatio('none', 5000)).toBe(1)
  })
})

describe('compression model: monotonic', () => {
  const codec = fc.constantFrom(...CODECS)

  it('more bytes never give fewer compressed bytes, and a few more give strictly more', () => {
    fc.assert(fc.property(codec, fc.nat({ max: 4 * MiB }), (name, bytes) => {
      const size = compressedSizeBytes(name, bytes)
      expect(compressedSizeBytes(name, bytes + 1)).toBeGreaterThanOrEqual(size)
      expect(compressedSizeBytes(name, bytes + 3)).toBeGreaterThan(size)
    }), { numRuns: 2000 })
  })

  it('is monotonic across block boundaries too', () => {
    for (const name of CODECS) {
      const block = Math.min(CODEC_PROFILES[name].blockSizeBytes, 256 * KiB)
      for (const around of [block, 2 * block]) {
        for (let bytes = around - 8; bytes <= around + 8; bytes++) {
          expect(compressedSizeBytes(name, bytes + 1), `${name} ${bytes}`).toBeGreaterThanOrEqual(compressedSizeBytes(name, bytes))
        }
      }
    }
  })

  it('more bytes cost more CPU, both ways', () => {
    fc.assert(fc.property(codec, fc.nat({ max: 64 * MiB }), (name, bytes) => {
      expect(compressionCpuMs(name, bytes + 1)).toBeGreaterThan(compressionCpuMs(name, bytes))
      expect(decompressionCpuMs(name, bytes + 1)).toBeGreaterThan(decompressionCpuMs(name, bytes))
    }))
  })

  it('never exceeds the input plus the framing (incompressible data is stored, not expanded)', () => {
    fc.assert(fc.property(codec, fc.nat({ max: 4 * MiB }), (name, bytes) => {
      const profile = CODEC_PROFILES[name]
      const blocks = Math.ceil(bytes / profile.blockSizeBytes)
      expect(compressedSizeBytes(name, bytes)).toBeLessThanOrEqual(bytes + profile.frameOverheadBytes + blocks * profile.blockOverheadBytes)
    }))
  })
})

describe('compression model: batching matters', () => {
  it('a bigger batch compresses better: doubling a batch never worsens its ratio', () => {
    fc.assert(fc.property(fc.constantFrom(...CODECS), fc.integer({ min: 1, max: 8 * MiB }), (name, bytes) => {
      expect(compressionRatio(name, 2 * bytes)).toBeGreaterThan(compressionRatio(name, bytes))
    }), { numRuns: 2000 })
  })

  it('one batch of k records is smaller than k batches of one record', () => {
    fc.assert(fc.property(fc.constantFrom(...CODECS), fc.integer({ min: 10, max: 4 * KiB }), fc.integer({ min: 2, max: 200 }), (name, recordBytes, records) => {
      expect(compressedSizeBytes(name, recordBytes * records)).toBeLessThan(records * compressedSizeBytes(name, recordBytes))
    }))
  })

  it('a lone small record barely compresses; a 16 KiB batch (batch.size) gets most of the saving', () => {
    for (const name of CODECS) {
      const { asymptoticRatio } = CODEC_PROFILES[name]
      const single = compressionRatio(name, 100)
      const kib = compressionRatio(name, KiB)
      const batch = compressionRatio(name, 16 * KiB)
      expect(single, name).toBeLessThan(1.1)
      expect(kib, name).toBeGreaterThan(single)
      expect(batch, name).toBeGreaterThan(kib)
      expect(batch - 1, name).toBeGreaterThan(0.85 * (asymptoticRatio - 1))
      expect(batch, name).toBeLessThan(asymptoticRatio)
    }
  })

  it('reaches the benchmark ratio on large inputs, within the framing and, for lz4 and snappy, their independent blocks', () => {
    expect(compressionRatio('zstd', 64 * MiB)).toBeCloseTo(2.896, 2)
    expect(compressionRatio('gzip', 64 * MiB)).toBeCloseTo(2.743, 2)
    // Blocks restart the history: lz4 every 64 KiB, snappy every 32 KiB.
    expect(compressionRatio('lz4', 64 * MiB)).toBeGreaterThan(2.0)
    expect(compressionRatio('lz4', 64 * MiB)).toBeLessThan(2.101)
    expect(compressionRatio('snappy', 64 * MiB)).toBeGreaterThan(1.9)
    expect(compressionRatio('snappy', 64 * MiB)).toBeLessThan(2.089)
  })

  it('orders the codecs as the benchmark does', () => {
    const at = (name: (typeof CODECS)[number]) => compressedSizeBytes(name, 16 * KiB)
    expect(at('zstd')).toBeLessThan(at('gzip'))
    expect(at('gzip')).toBeLessThan(at('lz4'))
    expect(at('lz4')).toBeLessThanOrEqual(at('snappy'))
    expect(compressionCpuMs('gzip', MiB)).toBeGreaterThan(compressionCpuMs('zstd', MiB))
    expect(compressionCpuMs('lz4', MiB)).toBeLessThan(compressionCpuMs('snappy', MiB))
    expect(decompressionCpuMs('lz4', MiB)).toBeLessThan(decompressionCpuMs('zstd', MiB))
  })
})

describe('compression model: figures', () => {
  it('uses the zstd README table and a 2 KiB warm-up', () => {
    expect(WARMUP_BYTES).toBe(2048)
    expect(COMPRESSION_CODECS).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
    expect(CODEC_PROFILES.zstd).toMatchObject({ asymptoticRatio: 2.896, compressMBPerSec: 510, decompressMBPerSec: 1550 })
    expect(CODEC_PROFILES.gzip).toMatchObject({ asymptoticRatio: 2.743, compressMBPerSec: 105, decompressMBPerSec: 390 })
    expect(CODEC_PROFILES.lz4).toMatchObject({ asymptoticRatio: 2.101, compressMBPerSec: 675, decompressMBPerSec: 3850 })
    expect(CODEC_PROFILES.snappy).toMatchObject({ asymptoticRatio: 2.089, compressMBPerSec: 520, decompressMBPerSec: 1500 })
  })

  it('pins a few values, so that a change to the model is a visible change', () => {
    // 16 KiB with zstd: ratio 1 + 1.896 * 16384 / 18432 = 2.6853; 16384 / 2.6853 = 6101.4 -> 6102, + 6 frame + 3 block.
    expect(compressedSizeBytes('zstd', 16 * KiB)).toBe(6111)
    // 100 bytes with lz4: ratio 1 + 1.101 * 100 / 2148 = 1.0513; 95.1 -> 96, + 11 frame + 4 block.
    expect(compressedSizeBytes('lz4', 100)).toBe(111)
    // 1 MB at 105 MB/s is 9.52 ms; at 390 MB/s 2.56 ms.
    expect(compressionCpuMs('gzip', 1_000_000)).toBeCloseTo(9.524, 3)
    expect(decompressionCpuMs('gzip', 1_000_000)).toBeCloseTo(2.564, 3)
    expect(compressedSizeBytes('snappy', 0)).toBe(16)
  })

  it('is deterministic', () => {
    fc.assert(fc.property(fc.constantFrom(...COMPRESSION_CODECS), fc.nat({ max: MiB }), (name, bytes) => {
      expect(compressedSizeBytes(name, bytes)).toBe(compressedSizeBytes(name, bytes))
      expect(compressionCpuMs(name, bytes)).toBe(compressionCpuMs(name, bytes))
    }))
  })
})
