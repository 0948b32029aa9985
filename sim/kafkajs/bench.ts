// The KafkaJS facade benchmark (issue 8): the seed's order-to-inventory example at scale.
// An order service sends `orders` orders one by one (awaiting each send); an inventory
// service's consumer group reads them and, for each, sends an inventory update, as in
// ../shared/seed-kafka-overview.md. Reports wall time, what was sent and consumed, and the
// simulated time it took. Async: the CLI's bench runner must await it (see the report).

import { createCluster } from '../cluster.ts'
import { logLevel } from './logger.ts'
import { virtualTimeOf } from './virtual-time.ts'
import { kafka } from './kafka.ts'

export interface KafkajsBenchResult {
  case: 'kafkajs'
  orders: number
  sent: number
  consumed: number
  inventoryUpdates: number
  wallMs: number
  simTimeMs: number
  events: number
  simToWallRatio: number
}

export async function benchKafkajs(wallNowMs: () => number, orders = 100_000): Promise<KafkajsBenchResult> {
  const startWallMs = wallNowMs()
  const cluster = createCluster({ seed: 1, brokers: 3, config: { 'offsets.topic.num.partitions': 3 }, traceCapacity: 10_000 })
  cluster.createTopic('order.created', { partitions: 6, replicationFactor: 3 })
  cluster.createTopic('inventory.updated', { partitions: 6, replicationFactor: 3 })
  const orderProducer = kafka(cluster, { clientId: 'order-service', logLevel: logLevel.NOTHING }).producer()
  const inventory = kafka(cluster, { clientId: 'inventory-service', logLevel: logLevel.NOTHING })
  const consumer = inventory.consumer({ groupId: 'inventory-service-group' })
  const inventoryProducer = inventory.producer()
  await Promise.all([orderProducer.connect(), inventoryProducer.connect(), consumer.connect()])
  await consumer.subscribe({ topic: 'order.created' })
  let consumed = 0
  let updates = 0
  await consumer.run({
    eachMessage: async ({ message }) => {
      const order = JSON.parse(String(message.value)) as { id: number }
      consumed++
      await inventoryProducer.send({ topic: 'inventory.updated', messages: [{ key: `order:${order.id}`, value: JSON.stringify({ orderId: order.id, status: 'inventory_reserved' }) }] })
      updates++
    },
  })
  const clock = virtualTimeOf(cluster.sim)
  await clock.sleep(10_000, 'bench: the inventory group forms')
  const startSimMs = cluster.now
  let sent = 0
  for (let id = 0; id < orders; id++) {
    await orderProducer.send({ topic: 'order.created', messages: [{ key: `order:${id}`, value: JSON.stringify({ id, items: [{ sku: `sku-${id % 50}`, qty: 1 }] }) }] })
    sent++
  }
  await clock.until(() => updates >= orders, { timeoutMs: 3_600_000, onTimeout: () => new Error(`bench kafkajs: ${updates} of ${orders} orders processed`) })
  const simTimeMs = cluster.now - startSimMs
  await consumer.disconnect()
  const wallMs = wallNowMs() - startWallMs
  return { case: 'kafkajs', orders, sent, consumed, inventoryUpdates: updates, wallMs: Math.round(wallMs), simTimeMs: Math.round(simTimeMs), events: cluster.sim.eventCount, simToWallRatio: Math.round((simTimeMs / wallMs) * 100) / 100 }
}
