// The KafkaJS error table and classes against the kafkajs package; the retrier's waits.

import { createRequire } from 'node:module'
import * as kafkajs from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { ERROR_CODES, type ErrorName } from '../../core/errors.ts'
import { kafkaJsErrorCode } from '../../sim/kafkajs/error-codes.ts'
import * as ours from '../../sim/kafkajs/errors.ts'
import { DEFAULT_RETRY, resolveRetry, withRetries } from '../../sim/kafkajs/retry.ts'
import { virtualTimeOf } from '../../sim/kafkajs/virtual-time.ts'
import { Simulation } from '../../sim/simulation.ts'

const require = createRequire(import.meta.url)
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode: (code: number) => { type: string; code: number; retriable: boolean; message: string } }

describe('KafkaJS protocol errors', () => {
  it('every sandbox error code maps to what kafkajs makes of the same code', () => {
    for (const name of Object.keys(ERROR_CODES) as ErrorName[]) {
      if (name === 'NONE') continue
      const theirs = createErrorFromCode(ERROR_CODES[name])
      const mine = ours.KafkaJSProtocolError.fromErrorName(name)
      expect({ type: mine.type, code: mine.code, retriable: mine.retriable, message: mine.message, name: mine.name }, name)
        .toEqual({ type: theirs.type, code: theirs.code, retriable: theirs.retriable, message: theirs.message, name: 'KafkaJSProtocolError' })
    }
    expect(kafkaJsErrorCode('NOT_LEADER_OR_FOLLOWER').type).toBe('NOT_LEADER_FOR_PARTITION')
  })

  it('the classes have KafkaJS\'s names, hierarchy and retriable flags', () => {
    const pairs: [new (...args: never[]) => Error, new (...args: never[]) => Error, unknown[]][] = [
      [ours.KafkaJSError, kafkajs.KafkaJSError as never, ['m']],
      [ours.KafkaJSNonRetriableError, kafkajs.KafkaJSNonRetriableError as never, ['m']],
      [ours.KafkaJSConnectionError, kafkajs.KafkaJSConnectionError as never, ['m', { broker: 'b:1' }]],
      [ours.KafkaJSRequestTimeoutError, kafkajs.KafkaJSRequestTimeoutError as never, ['m', { broker: 'b:1' }]],
      [ours.KafkaJSNumberOfRetriesExceeded, kafkajs.KafkaJSNumberOfRetriesExceeded as never, [new Error('inner'), { retryCount: 3, retryTime: 900 }]],
      [ours.KafkaJSTimeout, kafkajs.KafkaJSTimeout as never, ['m']],
      [ours.KafkaJSNotImplemented, kafkajs.KafkaJSNotImplemented as never, ['m']],
      [ours.KafkaJSDeleteGroupsError, kafkajs.KafkaJSDeleteGroupsError as never, ['Error in DeleteGroups', []]],
    ]
    for (const [Mine, Theirs, args] of pairs) {
      const a = new Mine(...(args as never[])) as Error & { retriable?: boolean }
      const b = new Theirs(...(args as never[])) as Error & { retriable?: boolean }
      expect({ name: a.name, message: a.message, retriable: a.retriable }).toEqual({ name: b.name, message: b.message, retriable: b.retriable })
      expect(a).toBeInstanceOf(ours.KafkaJSError)
    }
    expect(new ours.KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 1, retryTime: 2 })).toBeInstanceOf(ours.KafkaJSNonRetriableError)
  })
})

describe('the retrier on virtual time', () => {
  it('waits initialRetryTime +-factor, then multiplies, capped at maxRetryTime, and gives up after `retries`', async () => {
    const sim = new Simulation({ seed: 4 })
    const clock = virtualTimeOf(sim)
    const retry = resolveRetry({ retries: 6, initialRetryTime: 100, maxRetryTime: 1000 }, DEFAULT_RETRY, 'test')
    const attemptsAtMs: number[] = []
    const error = await withRetries(retry, clock, sim.random.stream('test'), 'test', async () => {
      attemptsAtMs.push(sim.now)
      throw new ours.KafkaJSError('try again')
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ours.KafkaJSNumberOfRetriesExceeded)
    expect((error as ours.KafkaJSNumberOfRetriesExceeded).retryCount).toBe(6)
    expect(attemptsAtMs).toHaveLength(7)
    const waits = attemptsAtMs.slice(1).map((t, i) => t - attemptsAtMs[i]!)
    expect(waits[0]).toBeGreaterThanOrEqual(80)
    expect(waits[0]).toBeLessThanOrEqual(120)
    for (let i = 1; i < waits.length; i++) {
      // next = min(previous +-20% times 2, 1000)
      expect(waits[i]).toBeLessThanOrEqual(Math.min(Math.ceil(waits[i - 1]! * 1.2) * 2, 1000))
      expect(waits[i]).toBeGreaterThanOrEqual(Math.min(Math.floor(waits[i - 1]! * 0.8) * 2, 1000))
    }
    expect(waits.at(-1)).toBe(1000)
  })

  it('an error that is not retriable is not retried; bail rejects with its own error', async () => {
    const sim = new Simulation({ seed: 4 })
    const clock = virtualTimeOf(sim)
    let calls = 0
    await expect(withRetries(DEFAULT_RETRY, clock, sim.random.stream('t'), 't', async () => {
      calls++
      throw new TypeError('bad')
    })).rejects.toBeInstanceOf(ours.KafkaJSNonRetriableError)
    expect(calls).toBe(1)
    const own = new ours.KafkaJSError('mine')
    await expect(withRetries(DEFAULT_RETRY, clock, sim.random.stream('t'), 't', async (bail) => {
      bail(own)
      return 1
    })).rejects.toBe(own)
  })

  it('bad retry options are refused, naming the key', () => {
    expect(() => resolveRetry({ retries: -1 }, DEFAULT_RETRY, 'new Kafka(cluster, config).retry')).toThrow('new Kafka(cluster, config).retry.retries')
    expect(() => resolveRetry({ retrys: 3 }, DEFAULT_RETRY, 'r')).toThrow('r.retrys')
  })
})
