// Bad input to the facade gets the error KafkaJS 2.2.4 throws: same class name and message.
// The reference is the kafkajs package itself: a producer that never connected runs the
// same input checks (messageProducer.sendBatch checks before it looks at the connection),
// and a value KafkaJS cannot encode fails in its record encoder.

import { createRequire } from 'node:module'
import * as kafkajs from 'kafkajs'
import { beforeAll, describe, expect, it } from 'vitest'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { KafkaJSError, KafkaJSNonRetriableError, logLevel, type Producer } from '../../sim/kafkajs/index.ts'

const require = createRequire(import.meta.url)
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: { key: unknown; value: unknown }) => unknown

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as Error
    return { name: e.name, message: e.message }
  }
  throw new Error('expected a rejection')
}

function realProducer(options: Record<string, unknown> = {}) {
  return new kafkajs.Kafka({ clientId: 'ref', brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING }).producer(options)
}

describe('send/sendBatch refuse bad input as KafkaJS does', () => {
  let cluster: Cluster
  let producer: Producer
  let idempotent: Producer
  beforeAll(async () => {
    cluster = createCluster({ seed: 1, brokers: 1 })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 1 })
    const kafka = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING })
    producer = kafka.producer()
    idempotent = kafka.producer({ idempotent: true })
    await producer.connect()
    await idempotent.connect()
  })

  const cases: [string, Record<string, unknown>, 'send' | 'sendBatch', Record<string, unknown>?][] = [
    ['send without a topic', { messages: [{ value: 'x' }] }, 'send'],
    ['send with an empty topic', { topic: '', messages: [{ value: 'x' }] }, 'send'],
    ['messages missing', { topic: 't' }, 'send'],
    ['messages null', { topic: 't', messages: null }, 'send'],
    ['messages a string', { topic: 't', messages: 'hello' }, 'send'],
    ['messages an object', { topic: 't', messages: { value: 'x' } }, 'send'],
    ['a message without value', { topic: 't', messages: [{ key: 'k' }] }, 'send'],
    ['a null message', { topic: 't', messages: [null] }, 'send'],
    ['topicMessages not an array', { topicMessages: 'x' }, 'sendBatch'],
    ['a topic entry without topic', { topicMessages: [{ messages: [{ value: 'x' }] }] }, 'sendBatch'],
  ]
  for (const [title, input, method] of cases) {
    it(`${title}: ${method} rejects like KafkaJS`, async () => {
      const ours = await rejection((producer[method] as (i: unknown) => Promise<unknown>)(input))
      const theirs = await rejection((realProducer()[method] as (i: unknown) => Promise<unknown>)(input))
      expect(ours).toEqual(theirs)
    })
  }

  it('an idempotent producer refuses acks other than -1, as KafkaJS does', async () => {
    const input = { topic: 't', acks: 1, messages: [{ value: 'x' }] }
    const ours = await rejection(idempotent.send(input as never))
    const theirs = await rejection(realProducer({ idempotent: true }).send(input as never))
    expect(ours).toEqual(theirs)
    expect(ours.name).toBe('KafkaJSNonRetriableError')
  })

  it('a producer that never connected: KafkaJSError "The producer is disconnected"', async () => {
    const fresh = cluster.kafka({ clientId: 'fresh', logLevel: logLevel.NOTHING }).producer()
    const input = { topic: 't', messages: [{ value: 'x' }] }
    const ours = await rejection(fresh.send(input))
    expect(ours).toEqual(await rejection(realProducer().send(input)))
    await expect(fresh.send(input)).rejects.toBeInstanceOf(KafkaJSError)
  })

  const badValues: [string, unknown][] = [['a number', 42], ['a boolean', true], ['a plain object', { a: 1 }], ['a symbol-free array', [1, 2]]]
  for (const [title, value] of badValues) {
    it(`a value that is ${title}: the TypeError KafkaJS's encoder throws`, async () => {
      let theirs: { name: string; message: string } | undefined
      try {
        encodeRecord({ key: null, value })
      } catch (error) {
        theirs = { name: (error as Error).name, message: (error as Error).message }
      }
      expect(theirs).toBeDefined()
      const ours = await rejection(producer.send({ topic: 't', messages: [{ value } as never] }))
      expect(ours).toEqual(theirs)
    })
  }

  it('a number key fails the same way as a number value', async () => {
    const ours = await rejection(producer.send({ topic: 't', messages: [{ key: 7 as never, value: 'x' }] }))
    expect(ours.name).toBe('TypeError')
    expect(ours.message).toContain('Received type number (7)')
  })

  it('nothing was written by any refused send', async () => {
    await cluster.runFor(1000)
    const leader = cluster.snapshot().topics.t!.partitions['0']!
    expect(leader.replicaLogs['1']!.leo).toBe(0)
    expect(cluster.history.producers().size).toBe(0)
  })

  it('values that are strings, Buffers and null are accepted', async () => {
    const result = await producer.send({ topic: 't', messages: [{ value: 'a' }, { value: Buffer.from('b') }, { value: null }] })
    expect(result).toEqual([{ topicName: 't', partition: 0, errorCode: 0, baseOffset: '0', logAppendTime: '-1', logStartOffset: '0' }])
  })

  it('idempotent with retries: 0 is refused at producer() as KafkaJS does', () => {
    const kafka = cluster.kafka({ clientId: 'x', logLevel: logLevel.NOTHING })
    expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow(KafkaJSNonRetriableError)
    expect(() => realProducer({ idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries to protect against transient errors')
    expect(() => kafka.producer({ idempotent: true, retry: { retries: 0 } })).toThrow('Idempotent producer must allow retries to protect against transient errors')
  })

  it('on() with an unknown event name: KafkaJS\'s error', () => {
    let theirs = ''
    try {
      realProducer().on('nope' as never, () => {})
    } catch (error) {
      theirs = (error as Error).message
    }
    expect(() => producer.on('nope', () => {})).toThrow(theirs)
  })
})
