// Keyed messages land where the real KafkaJS 2.2.4 DefaultPartitioner (and LegacyPartitioner)
// would put them: the sandbox's partitioners against the kafkajs package, over many random
// keys and partition counts, and end to end through producer.send on a simulated cluster.

import fc from 'fast-check'
import * as kafkajs from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { committedLogs } from '../../sim/checkers/history.ts'
import { logLevel, Partitioners } from '../../sim/kafkajs/index.ts'

const metadata = (count: number) => Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1 + (partitionId % 3) }))

// Keys as users write them: ASCII, any Unicode (valid UTF-16), and raw bytes decoded as UTF-8.
const keys = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }))

describe('Partitioners against the kafkajs package', () => {
  for (const name of ['DefaultPartitioner', 'JavaCompatiblePartitioner', 'LegacyPartitioner'] as const) {
    it(`${name}: the same partition for every key and partition count`, () => {
      const ours = Partitioners[name]()
      const theirs = kafkajs.Partitioners[name]()
      fc.assert(
        fc.property(keys, fc.integer({ min: 1, max: 500 }), (key, count) => {
          const args = { topic: 't', partitionMetadata: metadata(count), message: { key, value: 'v' } }
          expect(ours(args)).toBe(theirs(args as never))
        }),
        { numRuns: 3000, seed: 42 },
      )
    })
  }

  it('DefaultPartitioner and LegacyPartitioner disagree on some keys (the comparison can fail)', () => {
    const legacy = Partitioners.LegacyPartitioner()
    const theirsDefault = kafkajs.Partitioners.DefaultPartitioner()
    const differing = Array.from({ length: 200 }, (_, i) => `key-${i}`).filter((key) => {
      const args = { topic: 't', partitionMetadata: metadata(12), message: { key, value: 'v' } }
      return legacy(args) !== theirsDefault(args as never)
    })
    expect(differing.length).toBeGreaterThan(100)
  })

  it('an explicit partition is returned as given, as KafkaJS does', () => {
    const ours = Partitioners.DefaultPartitioner()
    const theirs = kafkajs.Partitioners.DefaultPartitioner()
    const args = { topic: 't', partitionMetadata: metadata(4), message: { key: 'k', partition: 3, value: 'v' } }
    expect(ours(args)).toBe(theirs(args as never))
    expect(ours(args)).toBe(3)
  })
})

describe('keyed sends land on the DefaultPartitioner partition', () => {
  it('through producer.send on a cluster, for a sample of keys over 7 partitions', async () => {
    const cluster = createCluster({ seed: 3, brokers: 3 })
    cluster.createTopic('orders', { partitions: 7, replicationFactor: 2 })
    const producer = cluster.kafka({ clientId: 'p', logLevel: logLevel.NOTHING }).producer()
    await producer.connect()
    const sample = fc.sample(keys, { numRuns: 150, seed: 9 })
    const messages = sample.map((key, i) => ({ key, value: `v${i}` }))
    await producer.send({ topic: 'orders', messages })
    const theirs = kafkajs.Partitioners.DefaultPartitioner()
    const logs = committedLogs(cluster)
    for (const [i, key] of sample.entries()) {
      const expected = theirs({ topic: 'orders', partitionMetadata: metadata(7), message: { key, value: `v${i}` } } as never)
      expect(logs.get(`orders-${expected}`)?.some((r) => r.value === `v${i}`), `key ${JSON.stringify(key)}`).toBe(true)
    }
  })
})
