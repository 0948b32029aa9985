// A producer's built-in workload: records at a steady rate to one topic, keyed by a
// chosen distribution, for scenarios, the visualizer and benchmarks. The rate is exact
// over time (integer arithmetic on the record count), whatever the tick size, and every
// draw comes from the producer's own random stream.

import { describeValue } from '../../describe.ts'
import { ClientError } from '../errors.ts'
import type { SendRecord } from './producer.ts'

export type KeyDistribution =
  | { kind: 'none' }
  | { kind: 'uniform'; keys: number }
  /** Zipf-like: key i is chosen with weight 1 / (i + 1)^exponent, so a few keys dominate. */
  | { kind: 'skewed'; keys: number; exponent: number }
  | { kind: 'explicit'; keys: readonly string[] }

export interface ProducerWorkload {
  topic: string
  recordsPerSec: number
  keys?: KeyDistribution
  /** Value size in bytes (ASCII). Default 100. */
  valueBytes?: number
  /**
   * Default true: every value starts with "<producer>-<n>:", so that the history checker
   * can tell records apart. False: every record carries the same value, one string for
   * the whole run (benchmarks: a fresh 1 KiB string per record costs more than the rest).
   */
  uniqueValues?: boolean
  /** Stop at this simulated time (ms since start). */
  stopAtMs?: number
  /** Start at this simulated time (ms since start). */
  startAtMs?: number
}

const WORKLOAD_KEYS = ['topic', 'recordsPerSec', 'keys', 'valueBytes', 'uniqueValues', 'stopAtMs', 'startAtMs']
const MAX_VALUE_BYTES = 1024 * 1024
const MAX_KEYS = 1_000_000

/** Throws a ClientError naming the first bad field of a workload, as users write them in scenarios. */
export function checkProducerWorkload(workload: ProducerWorkload, where = 'workload'): void {
  const fail = (field: string, expected: string, got: unknown) => {
    throw new ClientError('IllegalArgumentException', `${where}.${field}: expected ${expected}, got ${describeValue(got)}`)
  }
  if (typeof workload !== 'object' || workload === null || Array.isArray(workload)) {
    throw new ClientError('IllegalArgumentException', `${where}: expected an object, got ${describeValue(workload)}`)
  }
  for (const key of Object.keys(workload)) if (!WORKLOAD_KEYS.includes(key)) fail(key, `no such field (known: ${WORKLOAD_KEYS.join(', ')})`, key)
  if (typeof workload.topic !== 'string' || workload.topic.length === 0) {
    throw new ClientError('InvalidTopicException', `${where}.topic: expected a non-empty topic name, got ${describeValue(workload.topic)}`)
  }
  if (typeof workload.recordsPerSec !== 'number' || !(workload.recordsPerSec > 0) || !Number.isFinite(workload.recordsPerSec)) fail('recordsPerSec', 'a positive number', workload.recordsPerSec)
  const valueBytes = workload.valueBytes ?? 100
  if (!Number.isSafeInteger(valueBytes) || valueBytes < 0 || valueBytes > MAX_VALUE_BYTES) fail('valueBytes', `an integer from 0 to ${MAX_VALUE_BYTES}`, valueBytes)
  if (workload.uniqueValues !== undefined && typeof workload.uniqueValues !== 'boolean') fail('uniqueValues', 'true or false', workload.uniqueValues)
  for (const field of ['startAtMs', 'stopAtMs'] as const) {
    const value = workload[field]
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) fail(field, 'a non-negative number of ms', value)
  }
  const keys = workload.keys
  if (keys === undefined) return
  if (typeof keys !== 'object' || keys === null) return fail('keys', 'an object with a kind', keys)
  switch (keys.kind) {
    case 'none':
      return
    case 'uniform':
    case 'skewed':
      if (!Number.isSafeInteger(keys.keys) || keys.keys < 1 || keys.keys > MAX_KEYS) fail('keys.keys', `an integer from 1 to ${MAX_KEYS}`, keys.keys)
      if (keys.kind === 'skewed' && (typeof keys.exponent !== 'number' || !(keys.exponent >= 0) || !Number.isFinite(keys.exponent))) fail('keys.exponent', 'a non-negative number', keys.exponent)
      return
    case 'explicit':
      if (!Array.isArray(keys.keys) || keys.keys.length === 0 || !keys.keys.every((k) => typeof k === 'string')) fail('keys.keys', 'a non-empty array of strings', keys.keys)
      return
    default:
      fail('keys.kind', 'one of none, uniform, skewed, explicit', (keys as { kind: unknown }).kind)
  }
}

/** The timer granularity of the workload: records due within a tick go out together. */
const TICK_MS = 1
const SLACK = 1e-9

export class ProducerWorkloadGenerator {
  private sent = 0
  private startedMs: number | null = null
  private stopped = false
  private readonly padding: string
  private readonly cumulativeWeights: number[] = []

  constructor(
    private readonly workload: ProducerWorkload,
    private readonly random: () => number,
    /** Starts every value, so that values are unique across producers (the history checker matches on them). */
    private readonly valuePrefix: string,
  ) {
    checkProducerWorkload(workload)
    const valueBytes = workload.valueBytes ?? 100
    this.padding = 'x'.repeat(Math.max(0, valueBytes))
    const keys = workload.keys ?? { kind: 'none' }
    if (keys.kind === 'skewed') {
      let total = 0
      for (let i = 0; i < keys.keys; i++) this.cumulativeWeights.push((total += 1 / (i + 1) ** keys.exponent))
    }
  }

  stop(): void {
    this.stopped = true
  }

  /** The records due by `nowMs`, and when to ask again (null: the workload is over). */
  due(nowMs: number): { records: SendRecord[]; nextAtMs: number | null } {
    const { workload } = this
    const startAt = workload.startAtMs ?? 0
    if (this.stopped) return { records: [], nextAtMs: null }
    if (nowMs < startAt) return { records: [], nextAtMs: startAt }
    if (this.startedMs === null) this.startedMs = nowMs
    const perMs = workload.recordsPerSec / 1000
    // Record i is due at startedMs + i / perMs; the workload sends those due before stopAtMs.
    // (The small slack keeps a due time that floating point lands a hair late on its tick.)
    const total = workload.stopAtMs === undefined ? Infinity : Math.max(0, Math.ceil((workload.stopAtMs - this.startedMs) * perMs - SLACK))
    const dueCount = Math.min(total, Math.floor((nowMs - this.startedMs) * perMs + SLACK) + 1)
    const records: SendRecord[] = []
    while (this.sent < dueCount) records.push(this.record(this.sent++))
    if (this.sent >= total) return { records, nextAtMs: null }
    const nextDueMs = this.startedMs + this.sent / perMs
    return { records, nextAtMs: Math.max(nextDueMs, nowMs + TICK_MS) }
  }

  private record(index: number): SendRecord {
    if (this.workload.uniqueValues === false) return { topic: this.workload.topic, key: this.key(), value: this.padding }
    // "<producer>-<n>:" then padding up to valueBytes: unique, and the requested size.
    const head = `${this.valuePrefix}-${index}:`
    const value = head.length >= this.padding.length ? head : head + this.padding.slice(head.length)
    return { topic: this.workload.topic, key: this.key(), value }
  }

  private key(): string | null {
    const keys = this.workload.keys ?? { kind: 'none' }
    switch (keys.kind) {
      case 'none':
        return null
      case 'uniform':
        return `key-${Math.floor(this.random() * keys.keys)}`
      case 'skewed': {
        const pick = this.random() * this.cumulativeWeights[this.cumulativeWeights.length - 1]!
        const i = this.cumulativeWeights.findIndex((w) => pick < w)
        return `key-${i < 0 ? keys.keys - 1 : i}`
      }
      case 'explicit':
        return keys.keys[Math.floor(this.random() * keys.keys.length)] ?? null
    }
  }
}
