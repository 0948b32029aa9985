// The producer against a simulated cluster: keys and ordering under faults, acks=0's
// silent loss, what linger.ms trades, and bad input refused with Kafka's names.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ClientError } from '../../core/client/errors.ts'
import { javaUtf8Bytes } from '../../core/client/murmur2.ts'
import { partitionForKey } from '../../core/client/partitioner.ts'
import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import { InvalidConfigError } from '../../core/config.ts'
import { checkHistory, committedLogs } from '../../sim/checkers/history.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import type { TraceRecord } from '../../sim/trace.ts'

const TOPIC = 'orders'

function safeCluster(seed: number, partitions = 4): Cluster {
  const cluster = createCluster({ seed, config: { 'min.insync.replicas': 2 } })
  cluster.createTopic(TOPIC, { partitions, replicationFactor: 3 })
  return cluster
}

function settle(cluster: Cluster, until: () => boolean, timeoutMs = 180_000): void {
  cluster.sim.runUntil(until, { timeoutMs, describe: () => `${cluster.history.pendingCount()} record(s) still pending` })
}

function expectClientError(action: () => unknown, exception: string, message: string | RegExp): void {
  let thrown: unknown
  try {
    action()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(ClientError)
  expect((thrown as ClientError).exception).toBe(exception)
  expect((thrown as ClientError).message).toMatch(message)
}

describe('producer: keys, partitions and order', () => {
  it('a keyed record goes to toPositive(murmur2(key)) % partitions, and each key is consumed in send order, whatever fault hits (idempotence on)', () => {
    const faults = ['crash-leader', 'isolate-leader', 'drop-requests', 'drop-responses', 'pause-leader'] as const
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(...faults), fc.integer({ min: 200, max: 2500 }), (seed, fault, faultAtMs) => {
        const cluster = safeCluster(seed)
        const start = cluster.now
        cluster.addProducer('p', {
          config: { 'request.timeout.ms': 2000 },
          workload: { topic: TOPIC, recordsPerSec: 400, keys: { kind: 'uniform', keys: 16 }, stopAtMs: start + 3000 },
        })
        cluster.addConsumer('c', {
          config: { 'auto.offset.reset': 'earliest', 'request.timeout.ms': 3000 },
          assignment: [0, 1, 2, 3].map((partition) => ({ topic: TOPIC, partition })),
          app: { pollIntervalMs: 20, processingMsPerRecord: 0 },
        })
        cluster.sim.at(start + faultAtMs, fault, () => {
          const leader = cluster.snapshot().topics[TOPIC]!.partitions['0']!.leader
          if (fault === 'crash-leader') cluster.crashBroker(leader)
          else if (fault === 'isolate-leader') cluster.isolate(leader)
          else if (fault === 'drop-requests') cluster.block('p', leader)
          else if (fault === 'drop-responses') cluster.block(leader, 'p')
          else cluster.pause(leader)
        })
        cluster.sim.at(start + faultAtMs + 1500, 'undo the fault', () => {
          cluster.heal()
          for (const id of cluster.brokerIds) {
            const state = cluster.sim.stateOf(id)
            if (state === 'crashed') cluster.restartBroker(id)
            if (state === 'paused') cluster.resume(id)
          }
        })
        const outcomes = cluster.history.producerOutcomes('p')
        const consumed = cluster.history.consumerRecords('c')
        // Online: every record a consumer gets is below the highest high watermark any
        // replica of its partition has reached so far (it was committed when read).
        const highestHw = [0, 0, 0, 0]
        let checked = 0
        let aboveHw = 0
        const stopWatching = cluster.sim.afterEachEvent(() => {
          for (const id of cluster.brokerIds) {
            for (let p = 0; p < 4; p++) {
              const hw = cluster.brokerNode(id)?.partitions.get(`${TOPIC}-${p}`)?.log.highWatermark ?? 0
              if (hw > highestHw[p]!) highestHw[p] = hw
            }
          }
          for (; checked < consumed.length; checked++) if (consumed[checked]!.offset >= highestHw[consumed[checked]!.partition]!) aboveHw++
        })
        settle(cluster, () => cluster.now > start + 3000 && cluster.history.pendingCount() === 0 && consumed.length >= outcomes.filter((o) => o.status === 'acked').length)

        stopWatching()
        expect(aboveHw).toBe(0)
        expect(checked).toBe(consumed.length)
        const byValue = new Map(outcomes.map((o) => [o.value, o]))
        for (const outcome of outcomes) {
          expect(outcome.status).toBe('acked')
          expect(outcome.partition).toBe(partitionForKey(javaUtf8Bytes(outcome.key!), 4))
        }
        // Per key: consumed once each, in the order sent.
        const lastIdByKey = new Map<string, number>()
        for (const record of consumed) {
          const outcome = byValue.get(record.value)!
          expect(record.partition).toBe(outcome.partition)
          expect(record.offset).toBe(outcome.offset)
          const last = lastIdByKey.get(record.key!) ?? -1
          expect(outcome.id).toBeGreaterThan(last)
          lastIdByKey.set(record.key!, outcome.id)
        }
        expect(new Set(consumed.map((r) => r.value)).size).toBe(outcomes.length)
        const report = checkHistory(cluster.history, committedLogs(cluster))
        expect(report).toMatchObject({ lost: [], duplicates: 0, reorders: 0, consumedNotCommitted: 0, consumerGaps: 0, consumerDuplicates: 0 })
      }),
      { numRuns: 10 },
    )
  }, 120_000)

  it('an explicit partition wins over the key; keyless records stick to a partition for about batch.size bytes, then move', () => {
    const cluster = safeCluster(3)
    const producer = cluster.addProducer('p', { config: { 'batch.size': 2000, 'linger.ms': 0 } })
    producer.send([{ topic: TOPIC, key: 'k', value: 'explicit', partition: 3 }])
    producer.send(Array.from({ length: 200 }, (_, i) => ({ topic: TOPIC, value: `keyless-${i}-${'x'.repeat(80)}` })))
    settle(cluster, () => cluster.history.pendingCount() === 0)
    const outcomes = cluster.history.producerOutcomes('p')
    expect(outcomes[0]).toMatchObject({ partition: 3, status: 'acked' })
    // Runs of one partition, each about batch.size bytes (2000 / ~100-byte records: 15 to 40 records).
    const runs: number[] = []
    let previous = -1
    for (const outcome of outcomes.slice(1)) {
      if (outcome.partition === previous) runs[runs.length - 1]!++
      else runs.push(1)
      previous = outcome.partition
    }
    expect(runs.length).toBeGreaterThan(3)
    for (const run of runs.slice(0, -1)) expect(run).toBeGreaterThanOrEqual(15)
    expect(new Set(outcomes.slice(1).map((o) => o.partition)).size).toBeGreaterThan(1)
  })
})

describe('producer: acks', () => {
  it('acks=0 loses records on a leader crash, and the producer reports no error at all', () => {
    const cluster = createCluster({ seed: 11 })
    cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 })
    const start = cluster.now
    cluster.addProducer('p', { config: { acks: '0' }, workload: { topic: TOPIC, recordsPerSec: 500, stopAtMs: start + 3000 } })
    // Not in the first second: a follower that fetched before its leader knew the topic
    // backs off for replica.fetch.backoff.ms (1 s) before it replicates anything.
    cluster.sim.at(start + 2000, 'crash the leader', () => cluster.crashBroker(cluster.snapshot().topics[TOPIC]!.partitions['0']!.leader))
    cluster.advance(10_000)
    const producer = cluster.producer('p')
    expect(producer.idempotent).toBe(false) // acks=0 turns idempotence off, as Kafka does when it is not set
    const outcomes = cluster.history.producerOutcomes('p')
    expect(outcomes.length).toBe(1500)
    // Every record "succeeded", with no offset (Kafka reports -1 for acks=0) ...
    expect(outcomes.every((o) => o.status === 'acked' && o.offset === -1)).toBe(true)
    expect(producer.stats.failed).toBe(0)
    // ... and yet the log lacks some: sent to the dead leader, or written there and never replicated.
    const report = checkHistory(cluster.history, committedLogs(cluster))
    expect(report.lost.length).toBeGreaterThan(0)
    expect(report.lost.length).toBeLessThan(1500)
  })

  it('acks=all with the idempotent producer loses nothing on the same crash', () => {
    const cluster = createCluster({ seed: 11, config: { 'min.insync.replicas': 2 } })
    cluster.createTopic(TOPIC, { partitions: 1, replicationFactor: 3 })
    const start = cluster.now
    cluster.addProducer('p', { config: { 'request.timeout.ms': 3000 }, workload: { topic: TOPIC, recordsPerSec: 500, stopAtMs: start + 3000 } })
    cluster.sim.at(start + 2000, 'crash the leader', () => cluster.crashBroker(cluster.snapshot().topics[TOPIC]!.partitions['0']!.leader))
    settle(cluster, () => cluster.now > start + 3000 && cluster.history.pendingCount() === 0)
    const report = checkHistory(cluster.history, committedLogs(cluster))
    expect(report).toMatchObject({ produced: 1500, acknowledged: 1500, lost: [], duplicates: 0, reorders: 0 })
  })
})

describe('producer: linger.ms', () => {
  /** Records per Produce request and produce latency (batch created to acknowledged), from the trace. */
  function figures(lingerMs: number): { recordsPerRequest: number; latencyMs: number } {
    const cluster = safeCluster(5, 3)
    let requests = 0
    let records = 0
    const latencies: number[] = []
    cluster.trace.subscribe((event: TraceRecord) => {
      if (event.node !== 'p') return
      const data = event.data as { records?: number; latencyMs?: number }
      if (event.type === 'producer-request') {
        requests++
        records += data.records!
      } else if (event.type === 'producer-batch-acked') {
        latencies.push(data.latencyMs!)
      }
    })
    const start = cluster.now
    cluster.addProducer('p', { config: { 'linger.ms': lingerMs }, workload: { topic: TOPIC, recordsPerSec: 300, keys: { kind: 'uniform', keys: 100 }, stopAtMs: start + 5000 } })
    settle(cluster, () => cluster.now > start + 5000 && cluster.history.pendingCount() === 0)
    return { recordsPerRequest: records / requests, latencyMs: latencies.reduce((a, b) => a + b, 0) / latencies.length }
  }

  it('a longer linger.ms puts more records in each request and makes each wait longer', () => {
    const [none, standard, long] = [0, 5, 50].map(figures)
    expect(none!.recordsPerRequest).toBeLessThan(standard!.recordsPerRequest)
    expect(standard!.recordsPerRequest).toBeLessThan(long!.recordsPerRequest)
    expect(none!.latencyMs).toBeLessThan(standard!.latencyMs)
    expect(standard!.latencyMs).toBeLessThan(long!.latencyMs)
    // linger.ms is the wait a batch that does not fill up sees, so latency grows by about as much.
    expect(long!.latencyMs - standard!.latencyMs).toBeGreaterThan(30)
  }, 60_000)
})

describe('producer: bad input', () => {
  function producerOn(cluster: Cluster, config: Record<string, unknown> = {}) {
    const producer = cluster.addProducer('p', { config })
    cluster.advance(100)
    return producer
  }

  function nothingSent(cluster: Cluster, producer: ReturnType<Cluster['producer']>): void {
    cluster.advance(1000)
    expect(producer.stats.sent).toBe(0)
    expect(cluster.trace.events.some((e) => e.type === 'producer-request')).toBe(false)
  }

  it('a record over max.request.size: RecordTooLargeException, and nothing of the call is sent', () => {
    const cluster = safeCluster(1)
    const producer = producerOn(cluster, { 'max.request.size': 1000 })
    expectClientError(
      () => producer.send([{ topic: TOPIC, value: 'small' }, { topic: TOPIC, value: 'x'.repeat(2000) }]),
      'RecordTooLargeException',
      /records\[1\]: The message is \d+ bytes when serialized which is larger than 1000, which is the value of the max.request.size configuration/,
    )
    nothingSent(cluster, producer)
  })

  it('an empty topic name: InvalidTopicException', () => {
    const cluster = safeCluster(1)
    const producer = producerOn(cluster)
    expectClientError(() => producer.send([{ topic: '', value: 'v' }]), 'InvalidTopicException', /records\[0\]: Invalid topics/)
    nothingSent(cluster, producer)
  })

  it('a negative partition: IllegalArgumentException with Kafka 4.x message', () => {
    const cluster = safeCluster(1)
    const producer = producerOn(cluster)
    expectClientError(() => producer.send([{ topic: TOPIC, value: 'v', partition: -1 }]), 'IllegalArgumentException', 'Invalid partition: -1. Partition number should always be non-negative or null.')
    expectClientError(() => producer.send([{ topic: TOPIC, value: 'v', partition: 1.5 }]), 'IllegalArgumentException', /Invalid partition: 1.5/)
    nothingSent(cluster, producer)
  })

  it('a partition the topic does not have: metadata is refreshed until max.block.ms, then TimeoutException', () => {
    const cluster = safeCluster(1)
    const producer = producerOn(cluster, { 'max.block.ms': 2000 })
    const [id] = producer.send([{ topic: TOPIC, value: 'v', partition: 4 }])
    cluster.advance(1000)
    const outcome = (): RecordOutcome => cluster.history.producerOutcomes('p')[id!]!
    expect(outcome().status).toBe('pending')
    cluster.advance(1500)
    expect(outcome()).toMatchObject({ status: 'failed', error: 'TimeoutException', errorMessage: 'Partition 4 of topic orders with partition count 4 is not present in metadata after 2000 ms.' })
  })

  it('the topic grows meanwhile: the record goes to the new partition', () => {
    const cluster = safeCluster(1)
    const producer = producerOn(cluster)
    const [id] = producer.send([{ topic: TOPIC, value: 'v', partition: 4 }])
    cluster.advance(500)
    cluster.createPartitions(TOPIC, 5)
    settle(cluster, () => cluster.history.pendingCount() === 0)
    expect(cluster.history.producerOutcomes('p')[id!]).toMatchObject({ status: 'acked', partition: 4, offset: 0 })
  })

  it('a negative seek offset: IllegalArgumentException, the position unchanged', () => {
    const cluster = safeCluster(1)
    const consumer = cluster.addConsumer('c', { assignment: [{ topic: TOPIC, partition: 0 }] })
    expectClientError(() => consumer.onCommand({ op: 'seek', topic: TOPIC, partition: 0, offset: -5 }), 'IllegalArgumentException', /seek offset must not be a negative number/)
  })

  it('an unknown config key: InvalidConfigError naming it, and no client is added', () => {
    const cluster = safeCluster(1)
    expect(() => cluster.addProducer('p', { config: { 'linger.msec': 5 } })).toThrow(InvalidConfigError)
    expect(() => cluster.addProducer('p', { config: { 'linger.msec': 5 } })).toThrow(/linger\.msec/)
    expect(() => cluster.addConsumer('c', { config: { 'auto.offset.rest': 'earliest' } })).toThrow(/auto\.offset\.rest/)
    expect(cluster.sim.hasNode('p')).toBe(false)
    expect(cluster.sim.hasNode('c')).toBe(false)
  })

  it('a bad workload or client id names the field and adds nothing', () => {
    const cluster = safeCluster(1)
    expect(() => cluster.addProducer('p', { workload: { topic: TOPIC, recordsPerSec: -1 } })).toThrow('producer p workload.recordsPerSec: expected a positive number, got -1')
    expect(() => cluster.addProducer('p', { workload: { topic: TOPIC, recordsPerSec: 5, keys: { kind: 'uniform', keys: 0 } } })).toThrow('workload.keys.keys: expected an integer from 1 to 1000000, got 0')
    expect(() => cluster.addProducer('bad id!')).toThrow('addProducer(id): expected a client id of 1 to 64 letters')
    expect(() => cluster.addProducer('controller-1')).toThrow('a client id not already in use')
    expect(cluster.sim.hasNode('p')).toBe(false)
  })
})

describe('producer: commands', () => {
  it('a command that is not an object, or an unknown op, is refused by name', () => {
    const cluster = safeCluster(1)
    cluster.addProducer('p')
    expect(() => cluster.sim.command('p', 'send')).toThrow(/expected a producer command/)
    expect(() => cluster.sim.command('p', { op: 'sned' })).toThrow(/unknown producer command op "sned" \(known: send, flush, stopWorkload\)/)
    expect(() => cluster.sim.command('p', { op: 'send', records: 'x' })).toThrow(/send\(records\): expected an array of records/)
  })

  it('flush sends what lingers at once', () => {
    const cluster = safeCluster(1)
    const producer = cluster.addProducer('p', { config: { 'linger.ms': 60_000, 'batch.size': 1_000_000 } })
    cluster.advance(500)
    producer.send([{ topic: TOPIC, key: 'k', value: 'v' }])
    cluster.advance(1000)
    expect(cluster.history.producerOutcomes('p')[0]!.status).toBe('pending')
    cluster.sim.command('p', { op: 'flush' })
    cluster.advance(1000)
    expect(cluster.history.producerOutcomes('p')[0]!.status).toBe('acked')
  })
})
