// @ts-nocheck: the seed's examples are JavaScript, kept unchanged (real KafkaJS types flag them the same way).
// The batch-processing and error-handling (dead-letter queue) examples of
// ../shared/seed-kafka-overview.md, with only the construction of Kafka changed, against a
// simulated cluster; each asserts what was produced and consumed.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { logLevel, virtualTimeOf } from '../../sim/kafkajs/index.ts'

function clusterWith(seed: number, topics: string[]) {
  const cluster = createCluster({ seed, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
  for (const topic of topics) cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 })
  return cluster
}

describe('the seed batch-processing example', () => {
  it('eachBatch resolves every message one by one; the group commits them all', async () => {
    const cluster = clusterWith(31, ['user-events'])
    const producer = cluster.kafka({ clientId: 'seed', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    const sent = Array.from({ length: 30 }, (_, i) => `event-${i}`)
    await producer.send({ topic: 'user-events', messages: sent.map((value, i) => ({ key: `user:${i % 7}`, value })) })
    const processed: string[] = []
    async function processMessage(message) {
      processed.push(message.value.toString())
    }

    const kafka = cluster.kafka({ clientId: 'my-app', brokers: ['localhost:9092'], logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: 'batch-group' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'user-events', fromBeginning: true })
    // ---- from the seed ----
    await consumer.run({
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale
      }) => {
        const messages = batch.messages;

        for (let message of messages) {
          if (!isRunning() || isStale()) break;

          await processMessage(message);

          // Commit offset for this message
          resolveOffset(message.offset);

          // Send heartbeat to keep consumer alive
          await heartbeat();
        }
      }
    });
    // ---- end of the seed's code ----

    const clock = virtualTimeOf(cluster.sim)
    await clock.until(() => processed.length >= 30, { timeoutMs: 60_000, onTimeout: () => new Error(`${processed.length} processed`) })
    await clock.sleep(1_000, 'the last commit lands')
    expect([...processed].sort()).toEqual([...sent].sort())
    // Every partition's committed offset is its end: nothing left to re-read.
    const admin = kafka.admin()
    const [offsets] = await admin.fetchOffsets({ groupId: 'batch-group', topics: ['user-events'] })
    const ends = await admin.fetchTopicOffsets('user-events')
    expect(offsets.partitions.map((p) => p.offset)).toEqual(ends.map((e) => e.high))
    await consumer.disconnect()
  })
})

describe('the seed error-handling example', () => {
  it('messages that fail processing go to dead-letter-queue with their key, value and headers; the rest are processed', async () => {
    const cluster = clusterWith(32, ['payments', 'dead-letter-queue'])
    const seedProducer = cluster.kafka({ clientId: 'seed', logLevel: logLevel.NOTHING }).producer()
    await seedProducer.connect()
    const values = Array.from({ length: 20 }, (_, i) => (i % 5 === 3 ? `bad-${i}` : `ok-${i}`))
    await seedProducer.send({ topic: 'payments', messages: values.map((value, i) => ({ key: `k${i}`, value })) })
    const processed: string[] = []
    async function processMessage(message) {
      const value = message.value.toString()
      if (value.startsWith('bad')) throw new Error(`cannot process ${value}`)
      processed.push(value)
    }
    const errors: unknown[] = []
    const console = { error: (...args: unknown[]) => void errors.push(args) }

    const kafka = cluster.kafka({ clientId: 'my-app', brokers: ['localhost:9092'], logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    // ---- from the seed ----
    const consumer = kafka.consumer({
      groupId: 'my-group',
      retry: {
        retries: 8,
        initialRetryTime: 100,
        multiplier: 2
      }
    });

    consumer.on('consumer.crash', async (event) => {
      console.error('Consumer crashed:', event);
      // Implement restart logic
    });
    // ---- (the seed leaves connect and subscribe out) ----
    await consumer.connect()
    await consumer.subscribe({ topic: 'payments', fromBeginning: true })
    // ---- from the seed ----
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        try {
          await processMessage(message);
        } catch (error) {
          console.error('Processing error:', error);

          // Dead letter queue
          await producer.send({
            topic: 'dead-letter-queue',
            messages: [{
              key: message.key,
              value: message.value,
              headers: {
                originalTopic: topic,
                error: error.message
              }
            }]
          });
        }
      }
    });
    // ---- end of the seed's code ----

    const bad = values.filter((v) => v.startsWith('bad'))
    const ok = values.filter((v) => v.startsWith('ok'))
    const clock = virtualTimeOf(cluster.sim)
    const dead: { key: string; value: string; headers: Record<string, string> }[] = []
    const dlq = kafka.consumer({ groupId: 'dlq-reader' })
    await dlq.connect()
    await dlq.subscribe({ topic: 'dead-letter-queue', fromBeginning: true })
    await dlq.run({
      eachMessage: async ({ message }) => {
        dead.push({ key: message.key.toString(), value: message.value.toString(), headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, v.toString()])) })
      },
    })
    await clock.until(() => processed.length >= ok.length && dead.length >= bad.length, { timeoutMs: 120_000, onTimeout: () => new Error(`${processed.length} processed, ${dead.length} dead-lettered`) })
    expect([...processed].sort()).toEqual([...ok].sort())
    expect(dead.map((d) => d.value).sort()).toEqual([...bad].sort())
    for (const d of dead) {
      expect(d.key).toBe(`k${d.value.slice('bad-'.length)}`)
      expect(d.headers).toEqual({ originalTopic: 'payments', error: `cannot process ${d.value}` })
    }
    // The handler caught every error itself: no crash, one "Processing error" per bad message.
    expect(errors.map((e) => (e as unknown[])[0])).toEqual(bad.map(() => 'Processing error:'))
    await consumer.disconnect()
    await dlq.disconnect()
  })
})
