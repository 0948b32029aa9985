// Auto topic creation (auto.create.topics.enable, default true): a Metadata request that names
// a missing topic and allows creation makes the broker ask the controller for it with
// num.partitions and default.replication.factor (KafkaApis.getTopicMetadata,
// AutoTopicCreationManager), answering LEADER_NOT_AVAILABLE until it exists; without either,
// UNKNOWN_TOPIC_OR_PARTITION, and the producer fails after max.block.ms
// (KafkaProducer.waitOnMetadata: "Topic x not present in metadata after N ms.").

import { describe, expect, it } from 'vitest'
import type { MetadataResponse } from '../../core/protocol.ts'
import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'
import { Producer } from '../../core/client/producer/producer.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'

/** A node that sends Metadata requests as told and keeps the answers. */
class MetadataProbe implements SimNode {
  readonly answers = new Map<number, MetadataResponse>()
  private nextId = 1
  constructor(private readonly ctx: NodeContext) {}
  onMessage(_from: NodeId, message: Message): void {
    const m = message as MetadataResponse
    this.answers.set(m.correlationId, m)
  }
  onTimer(): void {}
  onCommand(command: unknown): unknown {
    const { topics, allowAutoTopicCreation } = command as { topics: string[] | null; allowAutoTopicCreation: boolean }
    const correlationId = this.nextId++
    this.ctx.send(1, { type: 'Metadata', correlationId, topics, allowAutoTopicCreation })
    return correlationId
  }
}

function ask(c: Cluster, topics: string[] | null, allowAutoTopicCreation: boolean): MetadataResponse {
  if (!c.sim.hasNode('probe')) c.sim.addNode('probe', (ctx) => new MetadataProbe(ctx))
  const id = c.sim.command<number>('probe', { topics, allowAutoTopicCreation })
  const probe = () => c.sim.instanceOf<MetadataProbe>('probe')!
  c.sim.runUntil(() => probe().answers.has(id), { timeoutMs: 10_000 })
  return probe().answers.get(id)!
}

describe('auto topic creation at the broker', () => {
  it('a named missing topic is LEADER_NOT_AVAILABLE, then exists with num.partitions and default.replication.factor', () => {
    const c = createCluster({ seed: 1, brokers: 3, config: { 'num.partitions': 3, 'default.replication.factor': 2 } })
    expect(ask(c, ['fresh'], true).topics).toEqual([{ name: 'fresh', topicId: '', errorCode: 'LEADER_NOT_AVAILABLE', partitions: [] }])
    c.advance(1_000)
    const topic = ask(c, ['fresh'], true).topics[0]!
    expect(topic.errorCode).toBe('NONE')
    expect(topic.partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2])
    expect(c.trace.events.filter((e) => e.type === 'auto-topic-create-requested').map((e) => e.data)).toEqual([{ topics: ['fresh'], partitions: 3, replicationFactor: 2 }])
  })

  it('nothing is created without the request\'s consent, for a request of every topic, with auto.create.topics.enable=false, or for an illegal name', () => {
    const on = createCluster({ seed: 2, brokers: 3 })
    expect(ask(on, ['a'], false).topics[0]!.errorCode).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(ask(on, null, true).topics).toEqual([])
    expect(ask(on, ['bad name'], true).topics[0]!.errorCode).toBe('INVALID_TOPIC_EXCEPTION')
    const off = createCluster({ seed: 3, brokers: 3, config: { 'auto.create.topics.enable': false } })
    expect(ask(off, ['a'], true).topics[0]!.errorCode).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    for (const c of [on, off]) {
      c.advance(1_000)
      expect(c.snapshot().topics['a']).toBeUndefined()
      expect(c.trace.events.some((e) => e.type === 'auto-topic-create-requested')).toBe(false)
    }
  })

  it('internal topics never get the defaults: __consumer_offsets is created with offsets.topic.*, the unmodelled ones not at all', () => {
    const c = createCluster({ seed: 4, brokers: 3, config: { 'num.partitions': 2, 'offsets.topic.num.partitions': 5 } })
    expect(ask(c, ['__consumer_offsets', '__transaction_state'], true).topics.map((t) => t.errorCode)).toEqual(['LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION'])
    c.advance(1_000)
    const topics = c.snapshot().topics
    expect(Object.keys(topics['__consumer_offsets']!.partitions)).toHaveLength(5)
    expect(topics['__transaction_state']).toBeUndefined()
    expect(c.trace.events.some((e) => e.type === 'auto-topic-create-requested')).toBe(false)
  })
})

describe('a producer sending to a missing topic', () => {
  it('gets it created with the broker defaults, and its records delivered', () => {
    const c = createCluster({ seed: 5, brokers: 3, config: { 'num.partitions': 2, 'default.replication.factor': 3 } })
    const producer = c.addProducer('p', { config: { acks: 'all' } })
    const ids = producer.send([{ topic: 'fresh', key: 'k1', value: 'v1' }, { topic: 'fresh', key: 'k2', value: 'v2' }])
    c.sim.runUntil(() => ids.every((id) => c.history.producerOutcomes('p')[id]!.status !== 'pending'), { timeoutMs: 30_000 })
    expect(ids.map((id) => c.history.producerOutcomes('p')[id]!.status)).toEqual(['acked', 'acked'])
    const partitions = Object.values(c.snapshot().topics['fresh']!.partitions)
    expect(partitions.map((p) => p.replicas.length)).toEqual([3, 3])
  })

  it('with allowAutoTopicCreation=false asks for every topic, creates nothing, and fails after max.block.ms', () => {
    const c = createCluster({ seed: 7, brokers: 3 })
    // Added as a node directly: Cluster.addProducer does not pass this option on yet.
    c.sim.addNode('p', (ctx) => new Producer(ctx, { bootstrapBrokers: c.brokerIds, config: { 'max.block.ms': 2000 }, allowAutoTopicCreation: false, outcomes: c.history.producerOutcomes('p') }))
    const [id] = c.sim.instanceOf<Producer>('p')!.send([{ topic: 'fresh', value: 'v' }])
    c.advance(2_500)
    expect(c.history.producerOutcomes('p')[id!]).toMatchObject({ status: 'failed', error: 'TimeoutException', errorMessage: 'Topic fresh not present in metadata after 2000 ms.' })
    expect(c.snapshot().topics['fresh']).toBeUndefined()
    expect(c.trace.events.some((e) => e.type === 'auto-topic-create-requested')).toBe(false)
  })

  it('fails with TimeoutException after max.block.ms when the broker does not create topics, and creates nothing', () => {
    const c = createCluster({ seed: 6, brokers: 3, config: { 'auto.create.topics.enable': false } })
    const producer = c.addProducer('p', { config: { 'max.block.ms': 3000 } })
    const [id] = producer.send([{ topic: 'fresh', value: 'v' }])
    c.advance(2_500)
    expect(c.history.producerOutcomes('p')[id!]!.status).toBe('pending')
    c.advance(1_000)
    expect(c.history.producerOutcomes('p')[id!]).toMatchObject({ status: 'failed', error: 'TimeoutException', errorMessage: 'Topic fresh not present in metadata after 3000 ms.' })
    expect(c.snapshot().topics['fresh']).toBeUndefined()
  })
})
