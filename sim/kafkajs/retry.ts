// KafkaJS's retry options and its retrier (kafkajs src/retry/index.js, defaults.js), on
// virtual time.
//
// Defaults: retries 5, initialRetryTime 300 ms, maxRetryTime 30000 ms, multiplier 2,
// factor 0.2. The first wait is initialRetryTime randomised by +-factor; each next one is
// min(the last one randomised by +-factor, times multiplier, maxRetryTime), rounded up to a
// whole ms. After `retries` retries a retriable error becomes KafkaJSNumberOfRetriesExceeded;
// an error that is not retriable (retriable === false, or a RangeError, ReferenceError,
// SyntaxError, TypeError) becomes KafkaJSNonRetriableError at once; bail(e) rejects with e.
// The randomness is a named stream of the simulation, never Math.random.

import { InputError, rejectUnknownKeys, requirePlainObject } from '../input.ts'
import type { RandomStream } from '../random.ts'
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from './errors.ts'
import type { VirtualTime } from './virtual-time.ts'

export interface RetryOptions {
  maxRetryTime?: number
  initialRetryTime?: number
  factor?: number
  multiplier?: number
  retries?: number
}

export type ResolvedRetry = Required<RetryOptions>

export const DEFAULT_RETRY: ResolvedRetry = Object.freeze({ maxRetryTime: 30_000, initialRetryTime: 300, factor: 0.2, multiplier: 2, retries: 5 })

/** KafkaJS merges retry options over its defaults (Object.assign); each value is checked here. */
export function resolveRetry(options: unknown, base: ResolvedRetry, where: string): ResolvedRetry {
  if (options === undefined || options === null) return base
  const o = requirePlainObject(options, where)
  rejectUnknownKeys(o, Object.keys(DEFAULT_RETRY), where)
  const resolved = { ...base }
  for (const key of Object.keys(DEFAULT_RETRY) as (keyof ResolvedRetry)[]) {
    const value = o[key]
    if (value === undefined) continue
    const integer = key === 'retries'
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (integer && !Number.isInteger(value)) || (!integer && !Number.isFinite(value))) {
      throw new InputError(`${where}.${key}`, integer ? 'a non-negative integer' : 'a finite, non-negative number', value)
    }
    resolved[key] = value
  }
  return Object.freeze(resolved)
}

const UNRECOVERABLE = new Set(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError'])

function isRetriable(error: unknown): boolean {
  const e = error as { retriable?: unknown; name?: unknown }
  return e?.retriable !== false && !UNRECOVERABLE.has(String(e?.name))
}

/** randomFromRetryTime: retryTime +- factor, rounded up. */
function randomised(retry: ResolvedRetry, retryTimeMs: number, random: RandomStream): number {
  const delta = retry.factor * retryTimeMs
  return Math.ceil(random.uniform(retryTimeMs - delta, retryTimeMs + delta))
}

/** The waits KafkaJS would make before each retry, for a producer's backoff settings. */
export function nextRetryTime(retry: ResolvedRetry, retryTimeMs: number, random: RandomStream): number {
  return Math.min(randomised(retry, retryTimeMs, random) * retry.multiplier, retry.maxRetryTime)
}

export type Attempt<T> = (bail: (error: Error) => void, retryCount: number, retryTimeMs: number) => Promise<T>

/** KafkaJS's retrier: runs `attempt` until it resolves, waiting on simulated time between tries. */
export async function withRetries<T>(retry: ResolvedRetry, clock: VirtualTime, random: RandomStream, label: string, attempt: Attempt<T>): Promise<T> {
  let retryTimeMs = randomised(retry, retry.initialRetryTime, random)
  for (let retryCount = 0; ; retryCount++) {
    let bailed: { error: Error } | null = null
    const bail = (error: Error) => {
      bailed = { error: error ?? new Error('Aborted') }
    }
    try {
      const result = await attempt(bail, retryCount, retryTimeMs)
      if (bailed) throw (bailed as { error: Error }).error
      return result
    } catch (error) {
      if (bailed) throw (bailed as { error: Error }).error
      if (!isRetriable(error)) throw new KafkaJSNonRetriableError(error as Error, { cause: (error as Error).cause ?? error })
      if (retryCount >= retry.retries) throw new KafkaJSNumberOfRetriesExceeded(error as Error, { retryCount, retryTime: retryTimeMs })
    }
    const waitMs = retryTimeMs
    retryTimeMs = nextRetryTime(retry, retryTimeMs, random)
    await clock.sleep(waitMs, `${label}: retry backoff`)
  }
}
