// The admin's consumer-group calls through the group coordinator on the brokers:
// listGroups, describeGroups, fetchOffsets, setOffsets, resetOffsets, deleteGroups, with
// KafkaJS's result shapes and errors.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { KafkaJSDeleteGroupsError, KafkaJSNonRetriableError, logLevel, virtualTimeOf } from '../../sim/kafkajs/index.ts'

async function groupWithOffsets(seed: number) {
  const cluster = createCluster({ seed, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
  cluster.createTopic('orders', { partitions: 2, replicationFactor: 3 })
  const kafka = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic: 'orders', messages: [0, 1, 2, 3, 4].map((i) => ({ value: `v${i}`, partition: i % 2 })) })
  const consumer = kafka.consumer({ groupId: 'billing' })
  await consumer.connect()
  await consumer.subscribe({ topic: 'orders', fromBeginning: true })
  let consumed = 0
  await consumer.run({ eachMessage: async () => void consumed++ })
  const clock = virtualTimeOf(cluster.sim)
  await clock.until(() => consumed === 5, { timeoutMs: 60_000, onTimeout: () => new Error(`${consumed} consumed`) })
  await clock.sleep(1_000, 'the commit lands')
  return { cluster, kafka, consumer, producer, admin: kafka.admin(), clock }
}

describe('admin consumer-group calls', () => {
  it('listGroups and describeGroups report a running group and its member; an unknown group is Dead', async () => {
    const { admin, consumer } = await groupWithOffsets(3)
    await admin.connect()
    expect(await admin.listGroups()).toEqual({ groups: [{ groupId: 'billing', protocolType: 'consumer' }] })
    const { groups } = await admin.describeGroups(['billing', 'nobody'])
    expect(groups[0]).toMatchObject({ errorCode: 0, groupId: 'billing', state: 'Stable', protocolType: 'consumer', protocol: 'range' })
    expect(groups[0]!.members).toHaveLength(1)
    // The core consumer sends its node id as JoinGroup's client id (consumer-coordinator.ts), not KafkaJS's clientId.
    expect(groups[0]!.members[0]).toMatchObject({ clientId: 'app-consumer-1', clientHost: '/kafkasim' })
    expect(groups[0]!.members[0]!.memberId).toMatch(/^app-consumer-1-/)
    expect(groups[0]!.members[0]!.memberAssignment).toEqual({ partitions: [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }] })
    expect(groups[1]).toEqual({ errorCode: 0, groupId: 'nobody', state: 'Dead', protocolType: '', protocol: '', members: [] })
    await consumer.disconnect()
  })

  it('fetchOffsets gives the committed offsets as strings, -1 where none; setOffsets refuses a running group', async () => {
    const { admin, consumer, cluster } = await groupWithOffsets(5)
    cluster.createTopic('other', { partitions: 1, replicationFactor: 3 })
    expect(await admin.fetchOffsets({ groupId: 'billing', topics: ['orders', 'other'] })).toEqual([
      { topic: 'orders', partitions: [{ partition: 0, offset: '3', metadata: null }, { partition: 1, offset: '2', metadata: null }] },
      { topic: 'other', partitions: [{ partition: 0, offset: '-1', metadata: null }] },
    ])
    const refused = await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '0' }] }).catch((e: Error) => e)
    expect(refused).toBeInstanceOf(KafkaJSNonRetriableError)
    expect((refused as Error).message).toBe('The consumer group must have no running instances, current state: Stable')
    await consumer.disconnect()
  })

  it('after the group empties: setOffsets and resetOffsets commit, and the next consumer starts there', async () => {
    const { admin, consumer, cluster, kafka, clock } = await groupWithOffsets(7)
    await consumer.disconnect()
    await clock.sleep(1_000, 'the member leaves')
    expect((await admin.describeGroups(['billing'])).groups[0]!.state).toBe('Empty')
    await admin.setOffsets({ groupId: 'billing', topic: 'orders', partitions: [{ partition: 0, offset: '1' }] })
    expect(await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] })).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '1', metadata: null }, { partition: 1, offset: '2', metadata: null }] }])
    await admin.resetOffsets({ groupId: 'billing', topic: 'orders', earliest: true })
    expect((await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] }))[0]!.partitions.map((p) => p.offset)).toEqual(['0', '0'])
    // Without topics: every partition the group has an offset for.
    expect((await admin.fetchOffsets({ groupId: 'billing' })).map((t) => t.topic)).toEqual(['orders'])
    const again = kafka.consumer({ groupId: 'billing' })
    await again.connect()
    await again.subscribe({ topic: 'orders' })
    const values: string[] = []
    await again.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) })
    await clock.until(() => values.length === 5, { timeoutMs: 60_000, onTimeout: () => new Error(`${values.length} re-read`) })
    expect(values.sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4'])
    await admin.resetOffsets({ groupId: 'nobody-yet', topic: 'orders' })
    expect((await admin.fetchOffsets({ groupId: 'nobody-yet', topics: ['orders'] }))[0]!.partitions.map((p) => p.offset)).toEqual(['3', '2'])
    await again.disconnect()
    void cluster
  })

  it('input errors and deleteGroups as KafkaJS reports them', async () => {
    const { admin, consumer, clock } = await groupWithOffsets(9)
    await expect(admin.fetchOffsets({ groupId: '' })).rejects.toThrow('Invalid groupId ')
    await expect(admin.fetchOffsets({ groupId: 'g', topics: 'orders' as never })).rejects.toThrow('Expected topics array to be set')
    await expect(admin.setOffsets({ groupId: 'g', topic: 'orders', partitions: [] })).rejects.toThrow('Invalid partitions')
    await expect(admin.resetOffsets({ groupId: 'g', topic: '' })).rejects.toThrow('Invalid topic ')
    await expect(admin.deleteGroups('billing' as never)).rejects.toThrow('Invalid groupIds array billing')
    const error = (await admin.deleteGroups(['billing', 'nobody']).catch((e: Error) => e)) as KafkaJSDeleteGroupsError
    expect(error).toBeInstanceOf(KafkaJSDeleteGroupsError)
    expect(error.message).toBe('Error in DeleteGroups')
    expect(error.groups.map((g) => [g.groupId, g.errorCode, g.error.type])).toEqual([['billing', 68, 'NON_EMPTY_GROUP'], ['nobody', 69, 'GROUP_ID_NOT_FOUND']])
    await consumer.disconnect()
    await clock.sleep(1_000, 'the member leaves')
    await clock.sleep(10_000, 'the group is Empty once the member has left')
    expect(await admin.deleteGroups(['billing'])).toEqual([{ groupId: 'billing', errorCode: 0 }])
    expect((await admin.describeGroups(['billing'])).groups[0]!.state).toBe('Dead')
    expect(await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] })).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '-1', metadata: null }, { partition: 1, offset: '-1', metadata: null }] }])
    const again = (await admin.deleteGroups(['billing']).catch((e: Error) => e)) as KafkaJSDeleteGroupsError
    expect(again.groups.map((g) => [g.groupId, g.errorCode, g.error.type])).toEqual([['billing', 69, 'GROUP_ID_NOT_FOUND']])
  })

  it('deleteGroups: a group deleted before its coordinator fails stays deleted on the new coordinator', async () => {
    const { admin, consumer, clock, cluster } = await groupWithOffsets(11)
    await consumer.disconnect()
    await clock.sleep(10_000, 'the member leaves')
    // Positive control: another group's offsets, not deleted, come back on the new coordinator.
    await admin.setOffsets({ groupId: 'audit', topic: 'orders', partitions: [{ partition: 0, offset: '1' }] })
    const coordinator = cluster.brokerIds.find((id) => cluster.brokerNode(id)!.groupCoordinator.views().some((g) => g.groupId === 'billing'))!
    expect(await admin.deleteGroups(['billing'])).toEqual([{ groupId: 'billing', errorCode: 0 }])
    cluster.crashBroker(coordinator)
    await clock.sleep(10_000, 'another broker takes over the offsets partition and loads it')
    expect(await admin.fetchOffsets({ groupId: 'audit', topics: ['orders'] })).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '1', metadata: null }, { partition: 1, offset: '-1', metadata: null }] }])
    expect((await admin.describeGroups(['billing'])).groups[0]!.state).toBe('Dead')
    expect(await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] })).toEqual([{ topic: 'orders', partitions: [{ partition: 0, offset: '-1', metadata: null }, { partition: 1, offset: '-1', metadata: null }] }])
  })
})
