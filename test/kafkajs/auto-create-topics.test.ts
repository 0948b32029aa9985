// KafkaJS's producer option allowAutoTopicCreation (default true) over the sandbox's auto topic
// creation: a send to a missing topic creates it with the broker's num.partitions and
// default.replication.factor; a broker with auto.create.topics.enable=false refuses it.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { KafkaJSNumberOfRetriesExceeded, logLevel } from '../../sim/kafkajs/index.ts'

describe('allowAutoTopicCreation', () => {
  it('a send to a missing topic creates it with the broker defaults and delivers the messages', async () => {
    const cluster = createCluster({ seed: 21, brokers: 3, config: { 'num.partitions': 2, 'default.replication.factor': 3 } })
    const producer = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    const result = await producer.send({ topic: 'fresh', messages: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'c', value: '3' }] })
    expect(result.every((r) => r.topicName === 'fresh' && r.errorCode === 0)).toBe(true)
    const partitions = Object.values(cluster.snapshot().topics['fresh']!.partitions)
    expect(partitions.map((p) => p.replicas.length)).toEqual([3, 3])
    await producer.disconnect()
  })

  it('with auto.create.topics.enable=false the send fails with a KafkaJS error and nothing is created', async () => {
    const cluster = createCluster({ seed: 22, brokers: 3, config: { 'auto.create.topics.enable': false } })
    const producer = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING, retry: { retries: 1 } }).producer()
    await producer.connect()
    const error = await producer.send({ topic: 'fresh', messages: [{ value: '1' }] }).catch((e: Error) => e)
    // The facade's retries exhaust on the core producer's TimeoutException (KafkaProducer.waitOnMetadata, max.block.ms = the retry budget).
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
    expect((error as Error).message).toMatch(/^Topic fresh not present in metadata after \d+ ms\.$/)
    expect(cluster.snapshot().topics['fresh']).toBeUndefined()
    await producer.disconnect()
  })

  it('allowAutoTopicCreation: false leaves a missing topic missing, even where the broker would create it', async () => {
    const cluster = createCluster({ seed: 24, brokers: 3 })
    const producer = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING, retry: { retries: 1 } }).producer({ allowAutoTopicCreation: false })
    await producer.connect()
    const error = await producer.send({ topic: 'fresh', messages: [{ value: '1' }] }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
    expect(cluster.snapshot().topics['fresh']).toBeUndefined()
    // The positive control: the same cluster creates it for a producer that allows it.
    const allowing = cluster.kafka({ clientId: 'other', logLevel: logLevel.NOTHING }).producer()
    await allowing.connect()
    await allowing.send({ topic: 'fresh', messages: [{ value: '2' }] })
    expect(cluster.snapshot().topics['fresh']).toBeDefined()
    await producer.disconnect()
    await allowing.disconnect()
  })

  it('refuses a value that is not a boolean', () => {
    const cluster = createCluster({ seed: 23, brokers: 1 })
    expect(() => cluster.kafka({ clientId: 'app' }).producer({ allowAutoTopicCreation: 'no' as never })).toThrow(/allowAutoTopicCreation/)
  })
})
