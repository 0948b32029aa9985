// The consumer facade's run options and instrumentation: paused(),
// partitionsConsumedConcurrently, autoCommitThreshold / autoCommitInterval, and the
// heartbeat, rebalancing, group_join and network request events with KafkaJS's payloads.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { InputError } from '../../sim/input.ts'
import { logLevel, virtualTimeOf } from '../../sim/kafkajs/index.ts'

async function setup(seed: number, partitions = 3) {
  const cluster = createCluster({ seed, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
  cluster.createTopic('t', { partitions, replicationFactor: 3 })
  const kafka = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING })
  const producer = kafka.producer()
  await producer.connect()
  const consumer = kafka.consumer({ groupId: 'g' })
  await consumer.connect()
  await consumer.subscribe({ topic: 't', fromBeginning: true })
  return { cluster, kafka, producer, consumer, clock: virtualTimeOf(cluster.sim) }
}

/** `perPartition` records on each of `partitions` partitions, values "p<partition>-<i>". */
async function fill(producer: Awaited<ReturnType<typeof setup>>['producer'], partitions: number, perPartition: number) {
  const messages = []
  for (let i = 0; i < perPartition; i++) for (let p = 0; p < partitions; p++) messages.push({ partition: p, value: `p${p}-${i}` })
  await producer.send({ topic: 't', messages })
}

describe('consumer run options', () => {
  it('partitionsConsumedConcurrently: several partitions in the handler at once, each in order; 1 means one at a time', async () => {
    for (const concurrency of [1, 3]) {
      const { producer, consumer, clock } = await setup(41)
      await fill(producer, 3, 4)
      let inHandler = 0
      let mostAtOnce = 0
      const seen = new Map<number, string[]>()
      await consumer.run({
        partitionsConsumedConcurrently: concurrency,
        eachMessage: async ({ partition, message }) => {
          inHandler++
          mostAtOnce = Math.max(mostAtOnce, inHandler)
          await clock.sleep(5, 'processing takes 5 ms')
          seen.set(partition, [...(seen.get(partition) ?? []), String(message.value)])
          inHandler--
        },
      })
      await clock.until(() => [...seen.values()].flat().length === 12, { timeoutMs: 60_000, onTimeout: () => new Error('not all consumed') })
      for (let p = 0; p < 3; p++) expect(seen.get(p)).toEqual([0, 1, 2, 3].map((i) => `p${p}-${i}`))
      if (concurrency === 1) expect(mostAtOnce).toBe(1)
      else expect(mostAtOnce).toBeGreaterThan(1)
      await consumer.disconnect()
    }
  })

  it('autoCommitThreshold: commits only once that many records were resolved since the last commit', async () => {
    const { producer, consumer, clock } = await setup(42, 1)
    const commits: { partitions: { offset: string }[] }[] = []
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => void commits.push(...(e.payload as { topics: { partitions: { offset: string }[] }[] }).topics))
    let consumed = 0
    await consumer.run({ autoCommitThreshold: 5, eachMessage: async () => void consumed++ })
    await clock.sleep(5_000, 'the group forms')
    // Three sends of 2 records: resolved 2, 4 (no commit), 6 (commit).
    for (let i = 0; i < 3; i++) {
      await fill(producer, 1, 2)
      await clock.until(() => consumed === 2 * (i + 1), { timeoutMs: 30_000, onTimeout: () => new Error(`${consumed} consumed`) })
      await clock.sleep(10, 'the commit event is delivered')
      expect(commits.map((c) => c.partitions[0]!.offset)).toEqual(i < 2 ? [] : ['6'])
    }
    await consumer.disconnect()
  })

  it('autoCommitInterval: commits at most once per interval of simulated time', async () => {
    const { producer, consumer, clock, cluster } = await setup(43, 1)
    const commitTimes: number[] = []
    consumer.on(consumer.events.COMMIT_OFFSETS, (e) => void commitTimes.push(e.timestamp))
    let consumed = 0
    await consumer.run({ autoCommitInterval: 10_000, eachMessage: async () => void consumed++ })
    await clock.sleep(5_000, 'the group forms')
    const start = cluster.now
    for (let i = 0; i < 30; i++) {
      await fill(producer, 1, 1)
      await clock.sleep(1_000, 'a record a second')
    }
    expect(consumed).toBe(30)
    expect(commitTimes.length).toBeGreaterThan(0)
    expect(commitTimes.length).toBeLessThanOrEqual(Math.ceil((cluster.now - start) / 10_000) + 1)
    for (let i = 1; i < commitTimes.length; i++) expect(commitTimes[i]! - commitTimes[i - 1]!).toBeGreaterThanOrEqual(10_000)
    await consumer.disconnect()
  })

  it('paused() lists what pause() paused, by topic; resume() takes it back; [] before run()', async () => {
    const { producer, consumer, clock } = await setup(44)
    expect(consumer.paused()).toEqual([])
    const seen: number[] = []
    await consumer.run({ eachMessage: async ({ partition }) => void seen.push(partition) })
    consumer.pause([{ topic: 't', partitions: [2, 0] }])
    expect(consumer.paused()).toEqual([{ topic: 't', partitions: [0, 2] }])
    await fill(producer, 3, 2)
    await clock.sleep(5_000, 'only partition 1 is read')
    expect([...new Set(seen)]).toEqual([1])
    consumer.resume([{ topic: 't' }])
    expect(consumer.paused()).toEqual([])
    await clock.until(() => seen.length === 6, { timeoutMs: 30_000, onTimeout: () => new Error(`${seen.length} seen`) })
    await consumer.disconnect()
  })

  it('fromBeginning per topic: an old topic read from its start, another from its end', async () => {
    const cluster = createCluster({ seed: 47, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    for (const topic of ['history', 'live']) cluster.createTopic(topic, { partitions: 2, replicationFactor: 3 })
    const kafka = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING })
    const producer = kafka.producer()
    await producer.connect()
    for (const topic of ['history', 'live']) await producer.send({ topic, messages: [0, 1, 2, 3].map((i) => ({ value: `${topic}-old-${i}`, partition: i % 2 })) })
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'history', fromBeginning: true })
    await consumer.subscribe({ topic: 'live' })
    const seen: string[] = []
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(String(message.value)) })
    const clock = virtualTimeOf(cluster.sim)
    await clock.sleep(8_000, 'the group forms and reads the history')
    for (const topic of ['history', 'live']) await producer.send({ topic, messages: [{ value: `${topic}-new`, partition: 1 }] })
    await clock.until(() => seen.length >= 6, { timeoutMs: 30_000, onTimeout: () => new Error(`seen ${seen.join(', ')}`) })
    await clock.sleep(1_000, 'nothing more comes')
    expect([...seen].sort()).toEqual(['history-new', 'history-old-0', 'history-old-1', 'history-old-2', 'history-old-3', 'live-new'])
    await consumer.disconnect()
  })

  it('bad run options are refused naming the option', async () => {
    const { consumer } = await setup(45)
    await expect(consumer.run({ partitionsConsumedConcurrently: 0, eachMessage: async () => {} })).rejects.toThrow(InputError)
    await expect(consumer.run({ autoCommitInterval: -1 as never, eachMessage: async () => {} })).rejects.toThrow(/autoCommitInterval/)
  })
})

describe('consumer instrumentation from the trace', () => {
  it('rebalancing, then group_join with leaderId and duration, heartbeats and network requests with their payloads', async () => {
    const { consumer, clock } = await setup(46)
    const events: { type: string; payload: Record<string, unknown> }[] = []
    for (const type of [consumer.events.REBALANCING, consumer.events.GROUP_JOIN, consumer.events.HEARTBEAT, consumer.events.REQUEST]) consumer.on(type, (e) => void events.push(e as never))
    await consumer.run({ eachMessage: async () => {} })
    await clock.sleep(12_000, 'join, then a few heartbeats (heartbeatInterval 3 s)')
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.payload)
    const [rebalancing] = of('consumer.rebalancing')
    expect(rebalancing).toEqual({ groupId: 'g', memberId: expect.any(String) })
    const [join] = of('consumer.group_join')
    expect(join).toMatchObject({ groupId: 'g', isLeader: true, groupProtocol: 'range', memberAssignment: { t: [0, 1, 2] } })
    expect(join!.leaderId).toBe(join!.memberId)
    expect(join!.duration).toBeGreaterThan(0)
    const heartbeats = of('consumer.heartbeat')
    expect(heartbeats.length).toBeGreaterThanOrEqual(2)
    expect(heartbeats[0]).toEqual({ groupId: 'g', memberId: join!.memberId, groupGenerationId: 1 })
    const apis = new Set(of('consumer.network.request').map((r) => r.apiName))
    for (const api of ['FindCoordinator', 'JoinGroup', 'SyncGroup', 'Heartbeat', 'Fetch']) expect(apis).toContain(api)
    const fetch = of('consumer.network.request').find((r) => r.apiName === 'Fetch')!
    expect(fetch).toMatchObject({ apiKey: 1, clientId: 'app', broker: expect.stringMatching(/^broker-[1-3]:9092$/) })
    expect(fetch.duration).toBeGreaterThanOrEqual(0)
    await consumer.disconnect()
  })
})
