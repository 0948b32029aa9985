// Virtual time: awaiting the facade runs the simulation just far enough, deterministically.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { Simulation } from '../../sim/simulation.ts'
import { logLevel, virtualTimeOf } from '../../sim/kafkajs/index.ts'

/** A small program with concurrent sends, an admin call and a sequential loop. */
async function program(seed: number): Promise<{ hash: string; nowMs: number; offsets: string[] }> {
  const cluster = createCluster({ seed, brokers: 3 })
  const kafka = cluster.kafka({ clientId: 'svc', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 4, replicationFactor: 3 }] })
  const producer = kafka.producer()
  await producer.connect()
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'a', messages: [{ key: `k${i}`, value: `v${i}` }] })))
  const offsets = results.map(([r]) => `${r!.partition}:${r!.baseOffset}`)
  for (let i = 0; i < 5; i++) {
    const [r] = await producer.send({ topic: 'a', messages: [{ key: 'same', value: `s${i}` }] })
    offsets.push(`${r!.partition}:${r!.baseOffset}`)
  }
  return { hash: cluster.trace.hash(), nowMs: cluster.now, offsets }
}

describe('virtual time', () => {
  it('the same program twice gives the same trace hash, time and offsets', async () => {
    const first = await program(11)
    const second = await program(11)
    expect(second).toEqual(first)
  })

  it('another seed gives another run (the hash can differ)', async () => {
    expect((await program(12)).hash).not.toBe((await program(11)).hash)
  })

  it('time stands still while nobody waits, and stops where the awaited answer came', async () => {
    const cluster = createCluster({ seed: 2, brokers: 1 })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 1 })
    const producer = cluster.kafka({ clientId: 'svc', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    const before = cluster.now
    await Promise.resolve()
    expect(cluster.now).toBe(before)
    await producer.send({ topic: 't', messages: [{ value: 'x' }] })
    const outcome = cluster.history.producers().get('svc-producer-1')![0]!
    expect(outcome.status).toBe('acked')
    expect(cluster.now).toBe(outcome.completedAtMs)
    const after = cluster.now
    for (let i = 0; i < 100; i++) await Promise.resolve()
    expect(cluster.now).toBe(after)
  })

  it('a wait that cannot end when the simulation has nothing left to do rejects, naming why', async () => {
    const sim = new Simulation({ seed: 1 })
    await expect(virtualTimeOf(sim).until(() => false, { timeoutMs: Infinity, onTimeout: () => new Error('never') })).rejects.toThrow('nothing left to do')
  })

  it('a wait past its timeout rejects with its own error at the deadline', async () => {
    const cluster = createCluster({ seed: 3, brokers: 1 })
    const start = cluster.now
    await expect(virtualTimeOf(cluster.sim).until(() => false, { timeoutMs: 5000, onTimeout: () => new Error('gave up') })).rejects.toThrow('gave up')
    expect(cluster.now).toBeGreaterThanOrEqual(start + 5000)
    expect(cluster.now).toBeLessThan(start + 5100)
  })

  it('sleep wakes at the simulated time asked for, even on an idle simulation', async () => {
    const sim = new Simulation({ seed: 1 })
    await virtualTimeOf(sim).sleep(1234, 'test sleep')
    expect(sim.now).toBe(1234)
  })
})

describe('cluster.runFor / runUntil / runUntilIdle on virtual time', () => {
  it('a running consumer handles records while the test awaits cluster.runFor and cluster.runUntil', async () => {
    const cluster = createCluster({ seed: 61, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
    cluster.createTopic('t', { partitions: 2, replicationFactor: 3 })
    const kafka = cluster.kafka({ clientId: 'rt', logLevel: logLevel.NOTHING })
    const consumer = kafka.consumer({ groupId: 'g' })
    await consumer.connect()
    await consumer.subscribe({ topic: 't', fromBeginning: true })
    const handled: string[] = []
    await consumer.run({ eachMessage: async ({ message }) => void handled.push(String(message.value)) })
    // The records go in through a core producer node: nothing on the facade waits for them.
    cluster.addProducer('plain', { config: { 'linger.ms': 0 } })
    cluster.sim.command('plain', { op: 'send', records: ['a', 'b', 'c'].map((value) => ({ topic: 't', key: value, value })) })
    const before = cluster.now
    await cluster.runFor(15_000)
    expect(cluster.now).toBe(before + 15_000)
    expect([...handled].sort()).toEqual(['a', 'b', 'c'])
    cluster.sim.command('plain', { op: 'send', records: [{ topic: 't', key: 'd', value: 'd' }] })
    await cluster.runUntil(() => handled.includes('d'), { timeoutMs: 10_000 })
    await expect(cluster.runUntil(() => false, { timeoutMs: 100, describe: () => 'never' })).rejects.toThrow(/runUntil: condition not met within 100 ms .*: never$/)
    await expect(cluster.runUntilIdle({ maxEvents: 50 })).rejects.toThrow(/runUntilIdle: still busy after 50 events/)
    await expect(cluster.runFor(-1)).rejects.toThrow(/runFor\(durationMs\)/)
    await consumer.disconnect()
  })
})
