// @ts-nocheck: the seed's examples are JavaScript, kept unchanged (real KafkaJS types flag them the same way).
// The consumer and order-to-inventory examples of ../shared/seed-kafka-overview.md, with
// only the import and the construction of Kafka changed, against a simulated cluster.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { logLevel, virtualTimeOf } from '../../sim/kafkajs/index.ts'

describe('the seed consumer examples on a simulated cluster', () => {
  it('Consumer Example: reads user-events from the beginning', async () => {
    const cluster = createCluster({ seed: 21, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    cluster.createTopic('user-events', { partitions: 3, replicationFactor: 3 })
    const producer = cluster.kafka({ clientId: 'seed', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    await producer.send({ topic: 'user-events', messages: [1, 2, 3, 4, 5].map((i) => ({ key: `user:${i}`, value: JSON.stringify({ userId: i, action: 'login' }) })) })

    const seen: { topic: string; partition: number; offset: string; key?: string; value: string }[] = []
    const processed: unknown[] = []
    const console = { log: (x: unknown, y?: unknown) => (y === undefined ? seen.push(x as never) : processed.push(y)) }
    // ---- from the seed, with `new Kafka({...})` replaced by `cluster.kafka({...})` ----
    const kafka = cluster.kafka({
      clientId: 'my-app',
      brokers: ['localhost:9092']
    });

    const consumer = kafka.consumer({
      groupId: 'my-consumer-group'
    });

    async function consume() {
      await consumer.connect();

      await consumer.subscribe({
        topic: 'user-events',
        fromBeginning: true
      });

      await consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          console.log({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString(),
            value: message.value.toString()
          });

          // Process message
          const event = JSON.parse(message.value.toString());
          await processEvent(event);
        }
      });
    }

    async function processEvent(event) {
      console.log('Processing:', event);
      // Your business logic here
    }

    consume().catch(console.error);
    // ---- end of the seed's code ----

    await virtualTimeOf(cluster.sim).until(() => seen.length >= 5, { timeoutMs: 60_000, onTimeout: () => new Error(`only ${seen.length} consumed`) })
    expect(seen.map((s) => s.key).sort()).toEqual(['user:1', 'user:2', 'user:3', 'user:4', 'user:5'])
    expect(processed).toHaveLength(5)
    await consumer.disconnect()
  })
})

describe('the seed order-to-inventory example', () => {
  it('orders go through the inventory service to inventory.updated, each exactly once', async () => {
    const cluster = createCluster({ seed: 8, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    cluster.createTopic('order.created', { partitions: 3, replicationFactor: 3 })
    cluster.createTopic('inventory.updated', { partitions: 3, replicationFactor: 3 })
    const reserved: unknown[][] = []
    const console = { log: (..._args: unknown[]) => {}, error: (e: unknown) => { throw e } }
    async function updateInventory(items: unknown[]) {
      reserved.push(items)
    }

    // ---- order-service/producer.js, with `new Kafka({...})` replaced by `cluster.kafka({...})` ----
    const orderKafka = cluster.kafka({
      clientId: 'order-service',
      brokers: ['localhost:9092']
    });

    const orderProducer = orderKafka.producer();

    async function createOrder(orderData) {
      await orderProducer.connect();

      // Publish order created event
      await orderProducer.send({
        topic: 'order.created',
        messages: [{
          key: `order:${orderData.id}`,
          value: JSON.stringify(orderData)
        }]
      });

      console.log('Order created event published');
    }
    // ---- inventory-service/consumer.js, likewise ----
    const kafka = cluster.kafka({
      clientId: 'inventory-service',
      brokers: ['localhost:9092']
    });

    const consumer = kafka.consumer({
      groupId: 'inventory-service-group'
    });
    const producer = kafka.producer();
    await producer.connect();

    async function start() {
      await consumer.connect();
      await consumer.subscribe({ topic: 'order.created' });

      await consumer.run({
        eachMessage: async ({ message }) => {
          const order = JSON.parse(message.value.toString());

          console.log('Processing order:', order.id);

          // Update inventory
          await updateInventory(order.items);

          // Publish inventory updated event
          await producer.send({
            topic: 'inventory.updated',
            messages: [{
              key: `order:${order.id}`,
              value: JSON.stringify({
                orderId: order.id,
                status: 'inventory_reserved'
              })
            }]
          });
        }
      });
    }

    start().catch(console.error);
    // ---- end of the seed's code ----

    // The group forms (no offsets yet: it starts at the end, so orders come after it joined).
    const clock = virtualTimeOf(cluster.sim)
    await clock.sleep(10_000, 'let the inventory group form')
    for (let id = 1; id <= 20; id++) await createOrder({ id, items: [{ sku: `sku-${id % 4}`, qty: 1 }] })
    await clock.until(() => reserved.length >= 20, { timeoutMs: 60_000, onTimeout: () => new Error(`${reserved.length} orders processed`) })
    await clock.sleep(2_000, 'let the last sends finish')
    const updates = [...cluster.history.producers().entries()].filter(([id]) => id.startsWith('inventory-service')).flatMap(([, o]) => o)
    const orderIds = updates.filter((o) => o.status === 'acked').map((o) => JSON.parse(o.value!).orderId).sort((a, b) => a - b)
    expect(orderIds).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    await consumer.disconnect()
  })
})

describe('consumer input as KafkaJS checks it', () => {
  it('subscribe after run, subscribe without topics, a groupId missing; run without a handler is accepted', async () => {
    const cluster = createCluster({ seed: 2, brokers: 1, config: { 'offsets.topic.num.partitions': 1, 'offsets.topic.replication.factor': 1 } })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 1 })
    const kafka = cluster.kafka({ clientId: 'c', logLevel: logLevel.NOTHING })
    expect(() => kafka.consumer({} as never)).toThrow('Consumer groupId must be a non-empty string.')
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.connect()
    await expect(consumer.subscribe({} as never)).rejects.toThrow('Missing required argument "topics"')
    await expect(consumer.subscribe({ topics: 't' } as never)).rejects.toThrow('Argument "topics" must be an array')
    await expect(consumer.subscribe({ topics: [7] } as never)).rejects.toThrow('Invalid topic 7 (number), the topic name has to be a String or a RegExp')
    await consumer.subscribe({ topics: [/^t$/] })
    await consumer.run({})
    const error = await consumer.subscribe({ topic: 'x' }).catch((e: Error) => e)
    expect((error as Error).name).toBe('KafkaJSNonRetriableError')
    expect((error as Error).message).toBe('Cannot subscribe to topic while consumer is running')
    await consumer.disconnect()
  })
})

describe('a consumer group of three run()s', () => {
  it('survives a member crash with no record lost', async () => {
    const cluster = createCluster({ seed: 13, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    cluster.createTopic('orders', { partitions: 6, replicationFactor: 3 })
    const clock = virtualTimeOf(cluster.sim)
    const received = new Map<string, string[]>()
    const consumers = []
    for (const name of ['a', 'b', 'c']) {
      const consumer = cluster.kafka({ clientId: `svc-${name}`, logLevel: logLevel.NOTHING }).consumer({ groupId: 'billing' })
      await consumer.connect()
      await consumer.subscribe({ topic: 'orders', fromBeginning: true })
      received.set(name, [])
      await consumer.run({ eachMessage: async ({ message }) => { received.get(name)!.push(message.value.toString()) } })
      consumers.push(consumer)
    }
    await clock.sleep(10_000, 'the group forms')
    const producer = cluster.kafka({ clientId: 'shop', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    const sent: string[] = []
    for (let i = 0; i < 90; i++) {
      if (i === 30) cluster.sim.crash(cluster.sim.nodeIds().map(String).find((id) => id.startsWith('svc-b-consumer'))!)
      const value = `order-${i}`
      await producer.send({ topic: 'orders', messages: [{ key: `customer-${i % 11}`, value }] })
      sent.push(value)
    }
    const all = () => new Set([...received.values()].flat())
    await clock.until(() => sent.every((v) => all().has(v)), { timeoutMs: 120_000, onTimeout: () => new Error(`missing: ${sent.filter((v) => !all().has(v)).join(', ')}`) })
    expect(received.get('a')!.length).toBeGreaterThan(0)
    expect(received.get('c')!.length).toBeGreaterThan(0)
    // After the crash, b's partitions moved to a and c, who read everything sent afterwards.
    const late = sent.slice(40)
    expect(late.every((v) => received.get('a')!.includes(v) || received.get('c')!.includes(v))).toBe(true)
    for (const c of [consumers[0]!, consumers[2]!]) await c.disconnect()
  })
})

describe('consumer instrumentation events', () => {
  it('GROUP_JOIN with the assignment, batch and commit events; on() refuses unknown names as KafkaJS does', async () => {
    const { Kafka: RealKafka, logLevel: realLogLevel } = await import('kafkajs')
    const cluster = createCluster({ seed: 4, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    cluster.createTopic('t', { partitions: 2, replicationFactor: 3 })
    const kafka = cluster.kafka({ clientId: 'ev', logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: 'g' })
    const real = new RealKafka({ clientId: 'r', brokers: ['127.0.0.1:1'], logLevel: realLogLevel.NOTHING }).consumer({ groupId: 'g' })
    let theirs = ''
    try {
      real.on('nope' as never, () => {})
    } catch (error) {
      theirs = (error as Error).message
    }
    expect(theirs).toContain('Event name should be one of consumer.events.HEARTBEAT')
    expect(() => consumer.on('nope', () => {})).toThrow(theirs)
    const seen: { type: string; payload: any }[] = []
    for (const type of [consumer.events.GROUP_JOIN, consumer.events.START_BATCH_PROCESS, consumer.events.END_BATCH_PROCESS, consumer.events.COMMIT_OFFSETS]) consumer.on(type, (e) => void seen.push(e))
    await consumer.connect()
    await consumer.subscribe({ topic: 't', fromBeginning: true })
    let got = 0
    await consumer.run({ eachMessage: async () => void got++ })
    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 't', messages: [{ value: 'a', partition: 0 }, { value: 'b', partition: 1 }] })
    await virtualTimeOf(cluster.sim).until(() => got === 2 && seen.some((e) => e.type === 'consumer.commit_offsets'), { timeoutMs: 60_000, onTimeout: () => new Error('no events') })
    const join = seen.find((e) => e.type === 'consumer.group_join')!
    expect(join.payload.groupId).toBe('g')
    expect(join.payload.memberAssignment).toEqual({ t: [0, 1] })
    expect(seen.filter((e) => e.type === 'consumer.start_batch_process')).toHaveLength(seen.filter((e) => e.type === 'consumer.end_batch_process').length)
    await consumer.disconnect()
  })
})
