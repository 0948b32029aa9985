// The admin facade: KafkaJS's results and errors for topic operations on a simulated cluster.

import * as kafkajs from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { ConfigResourceTypes, KafkaJSAggregateError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel } from '../../sim/kafkajs/index.ts'

function setup(seed = 1) {
  const cluster = createCluster({ seed, brokers: 3 })
  const admin = cluster.kafka({ clientId: 'ops', logLevel: logLevel.NOTHING }).admin()
  return { cluster, admin }
}

describe('admin', () => {
  it('createTopics: true once created with leaders; false when every topic already exists', async () => {
    const { cluster, admin } = setup()
    await admin.connect()
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '60000' }] }] })).toBe(true)
    const orders = cluster.snapshot().topics.orders!
    expect(Object.keys(orders.partitions)).toHaveLength(3)
    for (const p of Object.values(orders.partitions)) expect(p.leader).toBeGreaterThan(0)
    expect(await admin.createTopics({ topics: [{ topic: 'orders' }] })).toBe(false)
    expect(await admin.listTopics()).toEqual(['orders'])
  })

  it('createTopics with a bad replication factor: KafkaJSAggregateError of KafkaJSCreateTopicError', async () => {
    const { admin } = setup()
    const error = await admin.createTopics({ topics: [{ topic: 'x', numPartitions: 1, replicationFactor: 5 }] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSAggregateError)
    const [inner] = (error as KafkaJSAggregateError).errors as (KafkaJSProtocolError & { topic: string })[]
    expect(inner!.name).toBe('KafkaJSCreateTopicError')
    expect(inner!.type).toBe('INVALID_REPLICATION_FACTOR')
    expect(inner!.topic).toBe('x')
  })

  it('input checks match KafkaJS\'s messages', async () => {
    const { admin } = setup()
    const real = new kafkajs.Kafka({ clientId: 'r', brokers: ['127.0.0.1:1'], logLevel: kafkajs.logLevel.NOTHING }).admin()
    const bad: [string, unknown][] = [
      ['createTopics', { topics: 'x' }],
      ['createTopics', { topics: [{ topic: 1 }] }],
      ['createTopics', { topics: [{ topic: 'a' }, { topic: 'a' }] }],
      ['createTopics', { topics: [{ topic: 'a', configEntries: {} }] }],
      ['createTopics', { topics: [{ topic: 'a', configEntries: [{ name: 'x' }] }] }],
      ['deleteTopics', { topics: [1] }],
      ['createPartitions', { topicPartitions: [] }],
      ['fetchTopicOffsets', ''],
    ]
    for (const [method, input] of bad) {
      const mine = await (admin as unknown as Record<string, (i: unknown) => Promise<unknown>>)[method]!(input).catch((e: Error) => `${e.name}: ${e.message}`)
      const theirs = await (real as unknown as Record<string, (i: unknown) => Promise<unknown>>)[method]!(input).catch((e: Error) => `${e.name}: ${e.message}`)
      expect(mine, `${method}(${JSON.stringify(input)})`).toBe(theirs)
    }
  })

  it('fetchTopicMetadata, fetchTopicOffsets, createPartitions, describeConfigs, alterConfigs, deleteTopics', async () => {
    const { cluster, admin } = setup()
    await admin.createTopics({ topics: [{ topic: 't', numPartitions: 2, replicationFactor: 2 }] })
    const producer = cluster.kafka({ clientId: 'p', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 1 }, { value: 'b', partition: 1 }] })
    const { topics } = await admin.fetchTopicMetadata({ topics: ['t'] })
    expect(topics[0]!.name).toBe('t')
    expect(topics[0]!.partitions.map((p) => p.partitionId)).toEqual([0, 1])
    expect(topics[0]!.partitions[0]!.replicas).toHaveLength(2)
    await cluster.runFor(1000)
    expect(await admin.fetchTopicOffsets('t')).toEqual([
      { partition: 0, offset: '0', high: '0', low: '0' },
      { partition: 1, offset: '2', high: '2', low: '0' },
    ])
    await admin.createPartitions({ topicPartitions: [{ topic: 't', count: 4 }] })
    expect(Object.keys(cluster.snapshot().topics.t!.partitions)).toHaveLength(4)
    await admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configEntries: [{ name: 'retention.ms', value: '1000' }] }] })
    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 't', configNames: ['retention.ms', 'cleanup.policy'] }] })
    expect(described.resources[0]!.configEntries).toEqual([
      expect.objectContaining({ configName: 'cleanup.policy', configValue: 'delete', isDefault: true }),
      expect.objectContaining({ configName: 'retention.ms', configValue: '1000', isDefault: false }),
    ])
    await admin.deleteTopics({ topics: ['t'] })
    expect(await admin.listTopics()).toEqual([])
  })

  it('a crashed controller: the retrier retries, then KafkaJSNumberOfRetriesExceeded', async () => {
    const { cluster } = setup()
    const admin = cluster.kafka({ clientId: 'ops', logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } }).admin()
    cluster.sim.crash('controller-1')
    const start = cluster.now
    const error = await admin.listTopics().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
    expect(((error as Error).cause as Error).name).toBe('KafkaJSConnectionError')
    expect(cluster.now - start).toBeGreaterThan(100) // two backoffs of simulated time
  })
})
