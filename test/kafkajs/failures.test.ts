// Failures through the facade: an idempotent producer's send loop with the partition
// leader crashed in the middle. Every send either succeeds, and its record is in the log
// exactly once at the offset it was given, or rejects with a KafkaJS error; the history
// checker finds nothing lost, duplicated or reordered.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { checkHistory, committedLogs, historyFailed } from '../../sim/checkers/history.ts'
import { KafkaJSError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, logLevel } from '../../sim/kafkajs/index.ts'

async function sendLoopWithLeaderCrash(seed: number, tight = false) {
  const cluster = createCluster({ seed, brokers: 3, config: { 'min.insync.replicas': 2 } })
  cluster.createTopic('payments', { partitions: 2, replicationFactor: 3 })
  const kafka = cluster.kafka({ clientId: 'payments-api', logLevel: logLevel.NOTHING })
  // tight: one retry and 2 s per request, so that some sends run out of retries and reject.
  const producer = kafka.producer(tight ? { idempotent: true, retry: { retries: 1, initialRetryTime: 100 } } : { idempotent: true })
  await producer.connect()
  await cluster.runFor(500)
  const leader = cluster.snapshot().topics.payments!.partitions['0']!.leader
  cluster.sim.after(40 + (seed % 7) * 10, 'crash the leader of payments-0', () => cluster.crashBroker(leader))

  const outcomes: { value: string; result?: { partition: number; offset: number }; error?: unknown }[] = []
  for (let i = 0; i < 60; i++) {
    const value = `payment-${i}`
    try {
      const [meta] = await producer.send({ topic: 'payments', timeout: tight ? 2000 : undefined, messages: [{ key: `account-${i % 5}`, value }] })
      outcomes.push({ value, result: { partition: meta!.partition, offset: Number(meta!.baseOffset) } })
    } catch (error) {
      outcomes.push({ value, error })
    }
  }
  await cluster.runFor(60_000) // let anything in flight settle, and the ISR recover
  return { cluster, outcomes, leader }
}

describe('an idempotent producer through a leader crash', () => {
  const cases: [number, boolean][] = [[1, false], [2, false], [3, false], [4, true], [5, true]]
  for (const [seed, tight] of cases) {
    it(`seed ${seed}${tight ? ', one retry' : ''}: every send succeeds exactly once or rejects with a KafkaJS error`, async () => {
      const { cluster, outcomes, leader } = await sendLoopWithLeaderCrash(seed, tight)
      expect(cluster.snapshot().brokers.find((b) => b.id === leader)!.state).toBe('crashed')
      const logs = committedLogs(cluster)
      for (const o of outcomes) {
        const copies = [...logs.values()].flat().filter((r) => r.value === o.value)
        if (o.result) {
          expect(copies, o.value).toHaveLength(1)
          expect(logs.get(`payments-${o.result.partition}`)!.find((r) => r.value === o.value)!.offset).toBe(o.result.offset)
        } else {
          expect(o.error).toBeInstanceOf(KafkaJSError)
          expect(copies.length).toBeLessThanOrEqual(1)
        }
      }
      const report = checkHistory(cluster.history, logs)
      expect(historyFailed(report), JSON.stringify(report)).toBe(false)
      expect(report.produced).toBe(60)
      expect(outcomes.filter((o) => o.result).length).toBeGreaterThan(30)
      // With one retry of 2 s requests, the sends caught by the crash run out of retries.
      if (tight) expect(outcomes.some((o) => o.error instanceof KafkaJSNumberOfRetriesExceeded)).toBe(true)
    })
  }
})

describe('errors as KafkaJS reports them', () => {
  it('min.insync.replicas not met: KafkaJSNumberOfRetriesExceeded caused by NOT_ENOUGH_REPLICAS', async () => {
    const cluster = createCluster({ seed: 5, brokers: 2 })
    cluster.createTopic('strict', { partitions: 1, replicationFactor: 2, config: { 'min.insync.replicas': 2 } })
    const producer = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING }).producer({ retry: { retries: 2, initialRetryTime: 100 } })
    await producer.connect()
    await cluster.runFor(500)
    const follower = cluster.snapshot().topics.strict!.partitions['0']!.replicas.find((id) => id !== cluster.snapshot().topics.strict!.partitions['0']!.leader)!
    cluster.crashBroker(follower)
    await cluster.runFor(20_000) // the controller fences it and shrinks the ISR
    const error = await producer.send({ topic: 'strict', messages: [{ value: 'x' }] }).then(() => null, (e: unknown) => e)
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded)
    const cause = (error as KafkaJSNumberOfRetriesExceeded).cause
    expect(cause).toBeInstanceOf(KafkaJSProtocolError)
    expect((cause as KafkaJSProtocolError).type).toBe('NOT_ENOUGH_REPLICAS')
    expect((cause as KafkaJSProtocolError).retriable).toBe(true)
    expect((error as KafkaJSNumberOfRetriesExceeded).retryCount).toBe(2)
  })

  it('acks=0 resolves with [] and acks=1 with the offsets', async () => {
    const cluster = createCluster({ seed: 6, brokers: 1 })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 1 })
    const producer = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    expect(await producer.send({ topic: 't', acks: 0, messages: [{ value: 'a' }] })).toEqual([])
    await producer.send({ topic: 't', acks: 1, messages: [{ value: 'b' }, { value: 'c' }] }).then((r) => {
      expect(r).toHaveLength(1)
      expect(r[0]!.topicName).toBe('t')
      expect(Number(r[0]!.baseOffset)).toBeGreaterThanOrEqual(0)
    })
  })
})
