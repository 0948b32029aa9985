// A model of what compression.type costs and saves: the size a batch's records compress
// to, and the CPU time to compress and decompress them. It is a model, not a codec: real
// ratios depend on the data. Deterministic: the same codec and size always give the same
// answer.
//
// Where the figures come from. Ratios and speeds are the zstd README's benchmark table
// (github.com/facebook/zstd, README.md, "Benchmarks", zstd 1.5.7 era): lzbench, in memory,
// one core of a Core i7-9700K at 4.9 GHz, gcc 14.2, on the Silesia corpus, a mix of text,
// executables, databases and images of several MB each. Records of JSON or logs often
// compress better than that mix; payloads already compressed or encrypted do not compress.
//
//   codec (row of the table)   ratio   compress MB/s   decompress MB/s
//   zstd 1.5.7 -1              2.896   510             1550
//   zlib 1.3.1 -1  (gzip)      2.743   105              390
//   lz4 1.10.0                 2.101   675             3850
//   snappy 1.2.1               2.089   520             1500
//
// Kafka's defaults differ somewhat: gzip runs at zlib's level 6 and zstd at level 3
// (better ratios, slower compression than the level -1 rows), lz4 at level 9, which Kafka
// maps to lz4's fast compressor, the row above. MB is taken as 10^6 bytes.
//
// Why batch size matters. Kafka compresses each batch's records on their own (the 61-byte
// batch header stays uncompressed), so a codec starts every batch with no history. The
// README says it plainly: "The smaller the amount of data to compress, the more difficult it
// is to compress ... compression algorithms learn from past data how to compress future
// data. But at the beginning of a new data set, there is no 'past' to build upon"; the
// dictionaries it offers to stand in for that missing past are "mostly effective in the
// first few KB". The model makes that a curve: of the saving a codec reaches on large
// inputs, a batch of n bytes gets the share n / (n + WARMUP_BYTES), so its ratio is
// 1 + (asymptotic ratio - 1) * n / (n + WARMUP_BYTES). WARMUP_BYTES = 2 KiB is an
// assumption at the scale the README names, not a measurement: a lone 100-byte record
// barely compresses, a 16 KiB batch (batch.size's default) gets 89% of the saving. Codecs
// that Kafka runs in independent blocks (lz4's 64 KiB frame blocks, snappy-java's 32 KiB
// chunks) start over at every block. Each codec's framing adds fixed bytes per batch and per
// block, from the formats Kafka writes. CPU time is linear in the uncompressed bytes
// (lzbench's speeds are uncompressed bytes per second both ways); per-call setup costs are
// not modelled, so small batches cost somewhat more CPU in reality than here.

import { describeValue } from './describe.ts'

/** compression.type's values, as the producer and the record batch attributes name them. */
export const COMPRESSION_CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number]

/** How much of its large-input saving a codec reaches after this many bytes: half of it (see the header). */
export const WARMUP_BYTES = 2048

export interface CodecProfile {
  /** Uncompressed over compressed size on large inputs (the benchmark's ratio). */
  readonly asymptoticRatio: number
  readonly compressMBPerSec: number
  readonly decompressMBPerSec: number
  /** Bytes the codec's framing adds once per batch. */
  readonly frameOverheadBytes: number
  /** The codec's block size: each block carries blockOverheadBytes of framing (Infinity: one stream, no blocks). */
  readonly blockSizeBytes: number
  readonly blockOverheadBytes: number
  /** Whether each block is compressed on its own, without the history of the ones before. */
  readonly independentBlocks: boolean
}

export const CODEC_PROFILES: Readonly<Record<Exclude<CompressionCodec, 'none'>, CodecProfile>> = {
  gzip: {
    asymptoticRatio: 2.743,
    compressMBPerSec: 105,
    decompressMBPerSec: 390,
    // RFC 1952: a 10-byte header (java.util.zip.GZIPOutputStream writes no optional fields)
    // and an 8-byte trailer (CRC-32, length). Deflate keeps a 32 KiB sliding window across
    // its blocks, so history is never lost within a batch; block headers are a few bits.
    frameOverheadBytes: 18,
    blockSizeBytes: Number.POSITIVE_INFINITY,
    blockOverheadBytes: 0,
    independentBlocks: false,
  },
  snappy: {
    asymptoticRatio: 2.089,
    compressMBPerSec: 520,
    decompressMBPerSec: 1500,
    // snappy-java's SnappyOutputStream (Kafka's SnappyFactory): a 16-byte header
    // (SnappyCodec.HEADER_SIZE: magic, version, compatible version), then chunks of up to
    // 32 KiB, each compressed on its own behind a 4-byte length.
    frameOverheadBytes: 16,
    blockSizeBytes: 32 * 1024,
    blockOverheadBytes: 4,
    independentBlocks: true,
  },
  lz4: {
    asymptoticRatio: 2.101,
    compressMBPerSec: 675,
    decompressMBPerSec: 3850,
    // Kafka's Lz4BlockOutputStream (clients/.../common/compress/): a 7-byte frame header
    // (magic, FLG, BD, header checksum) and a 4-byte end mark; 64 KiB blocks flagged
    // independent, each behind a 4-byte length, no block checksums.
    frameOverheadBytes: 11,
    blockSizeBytes: 64 * 1024,
    blockOverheadBytes: 4,
    independentBlocks: true,
  },
  zstd: {
    asymptoticRatio: 2.896,
    compressMBPerSec: 510,
    decompressMBPerSec: 1550,
    // RFC 8878 as zstd-jni's streaming output writes it: 4-byte magic, frame header
    // descriptor and window descriptor (no content size, no checksum); a 3-byte header per
    // block of up to 128 KiB. The window spans blocks, so history carries over.
    frameOverheadBytes: 6,
    blockSizeBytes: 128 * 1024,
    blockOverheadBytes: 3,
    independentBlocks: false,
  },
}

/** A codec name that is not one of compression.type's values. */
export class UnknownCompressionCodecError extends Error {
  override name = 'UnknownCompressionCodecError'
  constructor(readonly codec: unknown) {
    super(`Invalid value ${describeValue(codec)} for configuration compression.type: String must be one of: ${COMPRESSION_CODECS.join(', ')}`)
  }
}

export function isCompressionCodec(value: unknown): value is CompressionCodec {
  return typeof value === 'string' && (COMPRESSION_CODECS as readonly string[]).includes(value)
}

/**
 * The compressed size of a batch's records: the bytes after the 61-byte batch header, which
 * Kafka leaves uncompressed (add BATCH_OVERHEAD_BYTES for the batch on the wire).
 * 'none' returns the input. Grows with the input; the ratio improves with it (up to a
 * block, for codecs with independent blocks).
 */
export function compressedSizeBytes(codec: string, uncompressedBytes: number): number {
  const profile = profileOf(codec)
  checkBytes(uncompressedBytes)
  if (profile === null) return uncompressedBytes
  const blocks = Math.ceil(uncompressedBytes / profile.blockSizeBytes)
  let payload: number
  if (profile.independentBlocks) {
    const fullBlocks = Math.floor(uncompressedBytes / profile.blockSizeBytes)
    const lastBlockBytes = uncompressedBytes - fullBlocks * profile.blockSizeBytes
    payload = fullBlocks * compressedPayload(profile, profile.blockSizeBytes) + compressedPayload(profile, lastBlockBytes)
  } else {
    payload = compressedPayload(profile, uncompressedBytes)
  }
  return profile.frameOverheadBytes + blocks * profile.blockOverheadBytes + Math.ceil(payload)
}

/** Uncompressed over compressed size for a batch's records of this size; 1 for 'none'. */
export function compressionRatio(codec: string, uncompressedBytes: number): number {
  const compressed = compressedSizeBytes(codec, uncompressedBytes)
  return compressed === 0 ? 1 : uncompressedBytes / compressed
}

/** CPU time to compress this many bytes of records (one core, the benchmark's machine); 0 for 'none'. */
export function compressionCpuMs(codec: string, uncompressedBytes: number): number {
  const profile = profileOf(codec)
  checkBytes(uncompressedBytes)
  return profile === null ? 0 : uncompressedBytes / (profile.compressMBPerSec * BYTES_PER_MS_PER_MB_PER_SEC)
}

/** CPU time to decompress records that are this many bytes uncompressed; 0 for 'none'. */
export function decompressionCpuMs(codec: string, uncompressedBytes: number): number {
  const profile = profileOf(codec)
  checkBytes(uncompressedBytes)
  return profile === null ? 0 : uncompressedBytes / (profile.decompressMBPerSec * BYTES_PER_MS_PER_MB_PER_SEC)
}

/** 1 MB/s is 10^6 bytes per 1000 ms. */
const BYTES_PER_MS_PER_MB_PER_SEC = 1000

/** The codec's payload for n bytes compressed with no history: n over the warmed-up ratio. */
function compressedPayload(profile: CodecProfile, bytes: number): number {
  const ratio = 1 + (profile.asymptoticRatio - 1) * (bytes / (bytes + WARMUP_BYTES))
  return bytes / ratio
}

function profileOf(codec: string): CodecProfile | null {
  if (!isCompressionCodec(codec)) throw new UnknownCompressionCodecError(codec)
  return codec === 'none' ? null : CODEC_PROFILES[codec]
}

function checkBytes(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new RangeError(`uncompressed bytes: expected an integer >= 0, got ${describeValue(bytes)}`)
  }
}
