// Shared helpers for the partition log's tests.

import { expect } from 'vitest'
import type { LogConfig } from '../../core/log/log-config.ts'
import { DEFAULT_LOG_CONFIG } from '../../core/log/log-config.ts'
import type { PartitionLog } from '../../core/log/partition-log.ts'
import type { ProducerRecord, RecordBatch } from '../../core/records.ts'
import { lastOffsetOf, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, nextOffsetOf } from '../../core/records.ts'

export const DIR = 'orders-0'

export const NOT_IDEMPOTENT = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE }

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides }
}

export function record(key: string | null, value: string | null, timestamp = 0): ProducerRecord {
  return { key, value, timestamp }
}

/** Appends one single-record batch per value, all with `timestamp`, and returns the batches. */
export function appendValues(log: PartitionLog, values: readonly string[], leaderEpoch = 0, timestamp = 0): RecordBatch[] {
  return values.map((value) => log.appendAsLeader([record(value, value, timestamp)], leaderEpoch, NOT_IDEMPOTENT, timestamp))
}

/** Every record as offset -> [key, value], in offset order. */
export function recordsByOffset(batches: readonly RecordBatch[]): [number, string | null, string | null][] {
  return batches.flatMap((batch) => batch.records.map((r): [number, string | null, string | null] => [batch.baseOffset + r.offsetDelta, r.key, r.value]))
}

/** What must hold after every operation, whatever happened before. */
export function expectConsistent(log: PartitionLog): void {
  const segments = log.segments()
  expect(segments.length).toBeGreaterThan(0)
  expect(log.logStartOffset).toBe(segments[0]!.baseOffset)
  expect(log.logEndOffset).toBe(segments.at(-1)!.nextOffset)
  expect(log.highWatermark).toBeGreaterThanOrEqual(log.logStartOffset)
  expect(log.highWatermark).toBeLessThanOrEqual(log.logEndOffset)
  let previousEnd = -1
  for (const [i, segment] of segments.entries()) {
    const nextBase = segments[i + 1]?.baseOffset ?? Infinity
    expect(segment.baseOffset).toBeLessThan(nextBase)
    expect(segment.nextOffset).toBeLessThanOrEqual(nextBase)
    expect(segment.baseOffset).toBeGreaterThan(previousEnd)
    previousEnd = segment.nextOffset - 1
  }
  const batches = log.batches()
  expect(batches.reduce((sum, b) => sum + b.sizeBytes, 0)).toBe(log.sizeBytes)
  for (let i = 1; i < batches.length; i++) expect(batches[i]!.baseOffset).toBeGreaterThan(lastOffsetOf(batches[i - 1]!))
  if (batches.length > 0) expect(nextOffsetOf(batches.at(-1)!)).toBeLessThanOrEqual(log.logEndOffset)
  const entries = log.epochEntries()
  for (let i = 1; i < entries.length; i++) {
    expect(entries[i]!.epoch).toBeGreaterThan(entries[i - 1]!.epoch)
    expect(entries[i]!.startOffset).toBeGreaterThan(entries[i - 1]!.startOffset)
  }
  for (const entry of entries) {
    expect(entry.startOffset).toBeGreaterThanOrEqual(log.logStartOffset)
    expect(entry.startOffset).toBeLessThanOrEqual(log.logEndOffset)
  }
}
