import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { javaUtf8Bytes, kafkaJsLegacyMurmur2, murmur2, toPositive, utf8Bytes } from '../../core/client/murmur2.ts'
import {
  BuiltInPartitioner,
  InvalidPartitionError,
  UNKNOWN_PARTITION,
  choosePartition,
  createKafkaJsDefaultPartitioner,
  createKafkaJsLegacyPartitioner,
  partitionForKey,
  partitionLoadStatsInputs,
  updateNodeLatencyStats,
  type KafkaJsPartitionMetadata,
  type NodeLatencyStats,
  type Partitioner,
  type PartitionerCluster,
  type PartitionQueue,
} from '../../core/client/partitioner.ts'
import { RandomStreams } from '../../sim/random.ts'

const ascii = (text: string): Uint8Array => javaUtf8Bytes(text)

/** A cluster view where every partition has a leader. */
function allAvailable(partitionCount: number): PartitionerCluster {
  return { partitionCount, availablePartitions: Array.from({ length: partitionCount }, (_, p) => p) }
}

/** Kafka's tests mock ThreadLocalRandom with 0, 1, 2, ...; as a [0, 1) draw that is i / 2^31. */
function sequentialRandom(): () => number {
  let next = 0
  return () => next++ / 2 ** 31
}

function seeded(seed: number): () => number {
  const stream = new RandomStreams(seed).stream('partitioner-test')
  return () => stream.next()
}

function errorOf(action: () => unknown): InvalidPartitionError {
  try {
    action()
  } catch (error) {
    if (error instanceof InvalidPartitionError) return error
    throw error
  }
  throw new Error('expected an InvalidPartitionError')
}

describe('murmur2 (Utils.murmur2)', () => {
  // clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
  const UTILS_TEST_VECTORS: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ]

  it("matches Kafka's UtilsTest.testMurmur2 vectors", () => {
    for (const [key, hash] of UTILS_TEST_VECTORS) expect(murmur2(ascii(key)), key).toBe(hash)
    expect(murmur2(new Uint8Array([0x61, 0x62, 0x63]))).toBe(479470107) // new byte[] {'a', 'b', 'c'}
  })

  it("matches KafkaJS 2.x's default murmur2 spec (vectors generated with the Java client)", () => {
    // kafkajs src/producer/partitioners/default/murmur2.spec.js (from defaultJava/Test.java).
    const vectors: [string, number][] = [
      ['0', 971027396], ['1', -1993445489], ['128', -326012175], ['2187', -1508407203],
      ['16384', -325739742], ['78125', -1654490814], ['279936', 1462227128], ['823543', -2014198330],
      ['2097152', 607668903], ['4782969', -1182699775], ['10000000', -1830336757], ['19487171', -1603849305],
      ['35831808', -857013643], ['62748517', -1167431028], ['105413504', -381294639], ['170859375', -1658323481],
      ['100:48069', 1009543857],
    ]
    for (const [key, hash] of vectors) expect(murmur2(utf8Bytes(key)), key).toBe(hash)
  })

  it('hashes multi-byte UTF-8 keys as Java does (computed with JDK 17: getBytes(UTF_8), then Utils.murmur2)', () => {
    expect(murmur2(javaUtf8Bytes(''))).toBe(275646681)
    expect(murmur2(javaUtf8Bytes('été'))).toBe(-2101193575)
    expect(murmur2(javaUtf8Bytes('😀'))).toBe(131881617)
    expect(murmur2(javaUtf8Bytes('orders-42'))).toBe(479277457)
    // An unpaired surrogate: Java encodes it as '?', so the key hashes like "x?y".
    expect(murmur2(javaUtf8Bytes('x\ud800y'))).toBe(-1843063744)
    expect(murmur2(javaUtf8Bytes('x\ud800y'))).toBe(murmur2(ascii('x?y')))
  })

  it('toPositive clears the sign bit, as Utils.toPositive does', () => {
    expect(toPositive(-1)).toBe(2147483647)
    expect(toPositive(-2147483648)).toBe(0)
    expect(toPositive(2147483647)).toBe(2147483647)
    expect(toPositive(-790332482)).toBe(1357151166)
  })

  it('gives the partitions of KAFKA-FACTS 3: "foobar" % 12 = 6, "abc" % 6 = 3', () => {
    expect(partitionForKey(ascii('foobar'), 12)).toBe(6)
    expect(partitionForKey(ascii('abc'), 6)).toBe(3)
  })

  it('always returns a signed 32-bit integer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const hash = murmur2(bytes)
      expect(hash | 0).toBe(hash)
    }))
  })
})

describe("KafkaJS's legacy murmur2", () => {
  it("matches KafkaJS's legacy murmur2 spec vectors", () => {
    // kafkajs src/producer/partitioners/legacy/murmur2.spec.js (the 1.x default's spec).
    const vectors: [string, number][] = [
      ['0', 272173970], ['1', 1311020360], ['128', 2053105854], ['2187', -2081355488],
      ['16384', 204404061], ['78125', -677491393], ['279936', -622460209], ['823543', 651276451],
      ['2097152', 944683677], ['4782969', -892695770], ['10000000', -1778616326], ['19487171', -518311627],
      ['35831808', 556972389], ['62748517', -233806557], ['105413504', -109398538], ['170859375', 102939717],
    ]
    for (const [key, hash] of vectors) expect(kafkaJsLegacyMurmur2(utf8Bytes(key)), key).toBe(hash)
  })

  it('differs from Java\'s murmur2: the reason keys move when a KafkaJS 1.x application upgrades', () => {
    expect(kafkaJsLegacyMurmur2(ascii('foobar'))).not.toBe(murmur2(ascii('foobar')))
    let differing = 0
    for (let i = 0; i < 100; i++) if (kafkaJsLegacyMurmur2(ascii(`key-${i}`)) !== murmur2(ascii(`key-${i}`))) differing++
    expect(differing).toBeGreaterThan(95)
  })
})

describe('key bytes', () => {
  it('utf8Bytes writes what TextEncoder writes, for any string (unpaired surrogates as U+FFFD)', () => {
    const encoder = new TextEncoder()
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
      expect(utf8Bytes(text)).toEqual(encoder.encode(text))
    }))
    expect([...utf8Bytes('\udc00')]).toEqual([0xef, 0xbf, 0xbd])
  })

  it('javaUtf8Bytes agrees on well-formed strings and writes "?" for an unpaired surrogate, as JDK 17 does', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
      expect(javaUtf8Bytes(text)).toEqual(utf8Bytes(text))
    }))
    // Printed by JDK 17: "x\ud800y".getBytes(UTF_8) is [120, 63, 121]; "\udc00" is [63].
    expect([...javaUtf8Bytes('x\ud800y')]).toEqual([120, 63, 121])
    expect([...javaUtf8Bytes('\udc00')]).toEqual([63])
    expect([...javaUtf8Bytes('a😀')]).toEqual([97, 0xf0, 0x9f, 0x98, 0x80])
  })
})

describe('choosePartition (KafkaProducer.partition)', () => {
  const cluster = allAvailable(6)

  it('an explicit partition wins over the key and the custom partitioner', () => {
    const partitioner: Partitioner = { partition: () => 5 }
    expect(choosePartition({ topic: 't', partition: 2, key: 'abc', value: 'v' }, cluster, { partitioner })).toBe(2)
    expect(choosePartition({ topic: 't', partition: 0, key: 'abc', value: 'v' }, cluster)).toBe(0)
  })

  it('refuses a negative partition with the IllegalArgumentException ProducerRecord throws', () => {
    const error = errorOf(() => choosePartition({ topic: 't', partition: -1, key: null, value: 'v' }, cluster))
    expect(error.exception).toBe('IllegalArgumentException')
    expect(error.reason).toBe('negative')
    expect(error.message).toBe('IllegalArgumentException: Invalid partition: -1. Partition number should always be non-negative or null.')
    expect(errorOf(() => choosePartition({ topic: 't', partition: 1.5, key: null, value: 'v' }, cluster)).reason).toBe('not-an-integer')
  })

  it("fails a partition beyond the count with waitOnMetadata's TimeoutException, quoting max.block.ms", () => {
    const error = errorOf(() => choosePartition({ topic: 'orders', partition: 6, key: null, value: 'v' }, cluster, { maxBlockMs: 2000 }))
    expect(error.exception).toBe('TimeoutException')
    expect(error.reason).toBe('not-in-metadata')
    expect(error.message).toBe('TimeoutException: Partition 6 of topic orders with partition count 6 is not present in metadata after 2000 ms.')
    const byDefault = errorOf(() => choosePartition({ topic: 'orders', partition: 99, key: null, value: 'v' }, cluster))
    expect(byDefault.message).toContain('after 60000 ms')
  })

  it('keyed records go to toPositive(murmur2(key)) % all partitions, available or not', () => {
    const noneAvailable: PartitionerCluster = { partitionCount: 12, availablePartitions: [] }
    expect(choosePartition({ topic: 't', key: 'foobar', value: null }, noneAvailable)).toBe(6)
    expect(choosePartition({ topic: 't', key: 'abc', value: null }, allAvailable(6))).toBe(3)
    // An empty key is a key: it is hashed, not sent to the sticky partition.
    expect(choosePartition({ topic: 't', key: '', value: null }, allAvailable(6))).toBe(toPositive(275646681) % 6)
  })

  it('null keys, and every key under partitioner.ignore.keys, are left to the sticky partitioner', () => {
    expect(choosePartition({ topic: 't', key: null, value: 'v' }, cluster)).toBe(UNKNOWN_PARTITION)
    expect(choosePartition({ topic: 't', key: 'abc', value: 'v' }, cluster, { ignoreKeys: true })).toBe(UNKNOWN_PARTITION)
  })

  it('a custom partitioner gets the key, its serialized bytes, the value and the cluster view', () => {
    const seen: unknown[] = []
    const partitioner: Partitioner = {
      partition(topic, key, keyBytes, value, view) {
        seen.push({ topic, key, keyBytes: keyBytes && [...keyBytes], value, view })
        return 4
      },
    }
    const view: PartitionerCluster = { partitionCount: 6, availablePartitions: [0, 4] }
    expect(choosePartition({ topic: 'orders', key: 'é', value: 'v' }, view, { partitioner, ignoreKeys: true })).toBe(4)
    expect(choosePartition({ topic: 'orders', key: null, value: 'w' }, view, { partitioner })).toBe(4)
    expect(seen).toEqual([
      { topic: 'orders', key: 'é', keyBytes: [0xc3, 0xa9], value: 'v', view },
      { topic: 'orders', key: null, keyBytes: null, value: 'w', view },
    ])
  })

  it("refuses a custom partitioner's negative partition, and passes one beyond the count through, as Kafka does", () => {
    const error = errorOf(() => choosePartition({ topic: 't', key: null, value: 'v' }, cluster, { partitioner: { partition: () => -3 } }))
    expect(error.exception).toBe('IllegalArgumentException')
    expect(error.message).toBe('IllegalArgumentException: The partitioner generated an invalid partition number: -3. Partition number should always be non-negative.')
    expect(choosePartition({ topic: 't', key: null, value: 'v' }, cluster, { partitioner: { partition: () => 17 } })).toBe(17)
  })

  it('property: the same key always lands on the same partition for a fixed partition count', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.integer({ min: 1, max: 200 }), fc.subarray([0, 1, 2, 3, 4, 5, 6, 7]), (key, count, available) => {
      const first = choosePartition({ topic: 't', key, value: null }, allAvailable(count))
      const again = choosePartition({ topic: 'other', key, value: 'x' }, { partitionCount: count, availablePartitions: available.filter((p) => p < count) })
      expect(again).toBe(first)
      expect(first).toBeGreaterThanOrEqual(0)
      expect(first).toBeLessThan(count)
    }))
  })

  it('spreads distinct keys roughly uniformly over the partitions', () => {
    const partitions = 12
    const keys = 24_000
    const counts = new Array<number>(partitions).fill(0)
    for (let i = 0; i < keys; i++) counts[partitionForKey(ascii(`user-${i}`), partitions)]!++
    const expected = keys / partitions
    // Chi-square with 11 degrees of freedom: 31.3 is the 0.1% tail.
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0)
    expect(chiSquare).toBeLessThan(31.3)
    for (const count of counts) expect(Math.abs(count - expected)).toBeLessThan(expected * 0.1)
  })
})

describe('BuiltInPartitioner (KIP-794 uniform sticky)', () => {
  it("stays on one partition until batch.size bytes, then switches (Kafka's testStickyPartitioning)", () => {
    const cluster = allAvailable(3)
    const partitioner = new BuiltInPartitioner('topicA', 3, sequentialRandom())
    const first = partitioner.peekCurrentPartition(cluster)
    expect(first).toBe(0) // draw 0 over available [0, 1, 2]
    for (let i = 0; i < 3; i++) {
      expect(partitioner.peekCurrentPartition(cluster)).toBe(first)
      expect(partitioner.updatePartitionInfo(1, cluster)).toBe(i === 2)
    }
    expect(partitioner.peekCurrentPartition(cluster)).toBe(1) // draw 1
    expect(partitioner.producedBytes).toBe(0)

    // Switching works with one partition too: it draws again and lands on the same one.
    const single = new BuiltInPartitioner('topicB', 1, sequentialRandom())
    for (let i = 0; i < 10; i++) {
      expect(single.peekCurrentPartition(allAvailable(1))).toBe(0)
      single.updatePartitionInfo(1, allAvailable(1))
    }
  })

  it("avoids partitions without a leader (Kafka's unavailablePartitionsTest)", () => {
    const random = seeded(11)
    const topicA = new BuiltInPartitioner('topicA', 1, random)
    const a: PartitionerCluster = { partitionCount: 3, availablePartitions: [0, 2] }
    const seen = new Set<number>()
    for (let i = 0; i < 100; i++) {
      seen.add(topicA.peekCurrentPartition(a))
      topicA.updatePartitionInfo(1, a)
    }
    expect([...seen].sort()).toEqual([0, 2])

    const topicB = new BuiltInPartitioner('topicB', 1, random)
    const b: PartitionerCluster = { partitionCount: 2, availablePartitions: [1] }
    for (let i = 0; i < 100; i++) {
      expect(topicB.peekCurrentPartition(b)).toBe(1)
      topicB.updatePartitionInfo(1, b)
    }

    // No partition has a leader: it still picks one, among all partitions.
    const topicC = new BuiltInPartitioner('topicC', 1, random)
    const c: PartitionerCluster = { partitionCount: 1, availablePartitions: [] }
    expect(topicC.peekCurrentPartition(c)).toBe(0)
    topicC.updatePartitionInfo(1, c)
    expect(topicC.peekCurrentPartition(c)).toBe(0)
  })

  it('property: never picks a partition without a leader while another has one', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 24 }).chain((count) => fc.tuple(
        fc.constant(count),
        fc.uniqueArray(fc.integer({ min: 0, max: count - 1 }), { minLength: 1, maxLength: count }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
      )),
      ([count, available, draws, batchBytes]) => {
        let i = 0
        const partitioner = new BuiltInPartitioner('t', batchBytes, () => draws[i++ % draws.length]!)
        const cluster = { partitionCount: count, availablePartitions: available }
        for (let n = 0; n < 40; n++) {
          expect(available).toContain(partitioner.peekCurrentPartition(cluster))
          partitioner.updatePartitionInfo(1, cluster)
        }
      },
    ))
  })

  it('waits for the batch to fill before switching, but never past twice batch.size', () => {
    const cluster = allAvailable(4)
    const partitioner = new BuiltInPartitioner('t', 100, sequentialRandom())
    const first = partitioner.peekCurrentPartition(cluster)
    expect(partitioner.updatePartitionInfo(150, cluster, false)).toBe(false) // batch not full: stay
    expect(partitioner.peekCurrentPartition(cluster)).toBe(first)
    // The deferred switch completes as soon as the queue's batches are full (RecordAccumulator.partitionChanged).
    expect(partitioner.updatePartitionInfo(0, cluster, true)).toBe(true)
    const second = partitioner.peekCurrentPartition(cluster)
    expect(second).not.toBe(first)
    expect(partitioner.updatePartitionInfo(199, cluster, false)).toBe(false)
    expect(partitioner.updatePartitionInfo(1, cluster, false)).toBe(true) // 200 bytes: 2 x batch.size
    expect(partitioner.peekCurrentPartition(cluster)).not.toBe(second)
  })

  it("weights partitions by the inverse of their queues (Kafka's adaptivePartitionsTest)", () => {
    const partitioner = new BuiltInPartitioner('topicA', 1, sequentialRandom())
    const queueSizes = [5, 0, 3, 0, 1]
    partitioner.updatePartitionLoadStats(queueSizes, [0, 1, 2, 3, 4], queueSizes.length)
    const rangeEnd = partitioner.loadStatsRangeEnd!
    expect(rangeEnd).toBe(1 + 6 + 3 + 6 + 5)
    const cluster = allAvailable(5)
    const frequencies = new Array<number>(5).fill(0)
    for (let i = 0; i < rangeEnd * 2; i++) {
      frequencies[partitioner.peekCurrentPartition(cluster)]!++
      partitioner.updatePartitionInfo(1, cluster)
    }
    expect(frequencies).toEqual(queueSizes.map((size) => (6 - size) * 2))
  })

  it('prefers partitions on less loaded brokers (statistically, seeded)', () => {
    const partitioner = new BuiltInPartitioner('t', 1, seeded(42))
    // Broker of partition 0 is backed up by 8 batches, partition 3's by 4: weights 1, 9, 9, 5.
    partitioner.updatePartitionLoadStats([8, 0, 0, 4], [0, 1, 2, 3], 4)
    const cluster = allAvailable(4)
    const switches = 24_000
    const counts = [0, 0, 0, 0]
    for (let i = 0; i < switches; i++) {
      counts[partitioner.peekCurrentPartition(cluster)]!++
      partitioner.updatePartitionInfo(1, cluster)
    }
    const shares = counts.map((count) => count / switches)
    const expected = [1 / 24, 9 / 24, 9 / 24, 5 / 24]
    shares.forEach((share, p) => expect(Math.abs(share - expected[p]!)).toBeLessThan(0.01))
    expect(counts[0]).toBeLessThan(counts[3]!)
    expect(counts[3]).toBeLessThan(Math.min(counts[1]!, counts[2]!))
  })

  it('stays uniform when queues are equal or the topic has one partition; partitions left out are never chosen', () => {
    const partitioner = new BuiltInPartitioner('t', 1, seeded(3))
    partitioner.updatePartitionLoadStats([2, 2, 2], [0, 1, 2], 3)
    expect(partitioner.loadStatsRangeEnd).toBeNull()
    partitioner.updatePartitionLoadStats([7], [0], 1)
    expect(partitioner.loadStatsRangeEnd).toBeNull()
    // Equal queues, but partition 2 left out (its broker is unresponsive): adaptive, over 0 and 1.
    partitioner.updatePartitionLoadStats([2, 2, 2], [0, 1, 2], 2)
    expect(partitioner.loadStatsRangeEnd).toBe(2)
    const cluster = allAvailable(3)
    for (let i = 0; i < 200; i++) {
      expect([0, 1]).toContain(partitioner.peekCurrentPartition(cluster))
      partitioner.updatePartitionInfo(1, cluster)
    }
    partitioner.updatePartitionLoadStats(null, [], 0)
    expect(partitioner.loadStatsRangeEnd).toBeNull()
  })

  it('refuses a sticky batch size below 1 and a random source outside [0, 1)', () => {
    expect(() => new BuiltInPartitioner('t', 0, seeded(1))).toThrow('stickyBatchSize must be >= 1 but got 0')
    expect(() => new BuiltInPartitioner('t', 1, () => 1).peekCurrentPartition(allAvailable(2))).toThrow('random(): expected a number in [0, 1), got 1')
    expect(() => new BuiltInPartitioner('t', 1, seeded(1)).updatePartitionInfo(-1, allAvailable(2))).toThrow(RangeError)
  })

  it('is deterministic: the same draws give the same partitions', () => {
    const run = (): number[] => {
      const partitioner = new BuiltInPartitioner('t', 10, seeded(9))
      const cluster = allAvailable(7)
      const chosen: number[] = []
      for (let i = 0; i < 100; i++) {
        chosen.push(partitioner.peekCurrentPartition(cluster))
        partitioner.updatePartitionInfo(3, cluster)
      }
      return chosen
    }
    expect(run()).toEqual(run())
  })
})

describe('partitionLoadStatsInputs (RecordAccumulator.partitionReady)', () => {
  const queues = (sizes: readonly number[], leaders: readonly (number | null)[]): PartitionQueue[] =>
    sizes.map((queuedBatches, partition) => ({ partition, leaderId: leaders[partition] ?? null, queuedBatches }))
  const noStats = new Map<number, NodeLatencyStats>()

  it('gives no stats when adaptive partitioning is off, or before every partition has had a queue', () => {
    const q = queues([1, 2, 3], [1, 2, 3])
    expect(partitionLoadStatsInputs(q, { adaptive: false, partitionCount: 3, availabilityTimeoutMs: 0, nodeLatencyStats: noStats }).queueSizes).toBeNull()
    expect(partitionLoadStatsInputs(q.slice(0, 2), { adaptive: true, partitionCount: 3, availabilityTimeoutMs: 0, nodeLatencyStats: noStats }).queueSizes).toBeNull()
  })

  it('collects queue sizes of partitions with a leader, leaving leaderless ones out', () => {
    const inputs = partitionLoadStatsInputs(queues([4, 2, 0, 1], [1, null, 3, 1]), { adaptive: true, partitionCount: 4, availabilityTimeoutMs: 0, nodeLatencyStats: noStats })
    expect(inputs.length).toBe(3)
    expect(inputs.partitionIds.slice(0, 3)).toEqual([0, 2, 3])
    expect(inputs.queueSizes!.slice(0, 3)).toEqual([4, 0, 1])
  })

  it('with partitioner.availability.timeout.ms, leaves out partitions whose leader could not take data for that long', () => {
    const stats = new Map<number, NodeLatencyStats>()
    const timeoutMs = 1000
    for (const broker of [1, 2]) updateNodeLatencyStats(stats, broker, 0, true, timeoutMs)
    updateNodeLatencyStats(stats, 1, 1500, true, timeoutMs)
    updateNodeLatencyStats(stats, 2, 1500, false, timeoutMs) // broker 2 had data ready but could not take it
    expect(stats.get(2)).toEqual({ readyTimeMs: 1500, drainTimeMs: 0 })
    const q = queues([3, 1, 2, 2], [1, 2, 1, 2])
    const inputs = partitionLoadStatsInputs(q, { adaptive: true, partitionCount: 4, availabilityTimeoutMs: timeoutMs, nodeLatencyStats: stats })
    expect(inputs.length).toBe(2)
    expect(inputs.partitionIds.slice(0, 2)).toEqual([0, 2])

    // The partitioner then never sticks to broker 2's partitions.
    const partitioner = new BuiltInPartitioner('t', 1, seeded(5))
    partitioner.updatePartitionLoadStats(inputs.queueSizes, inputs.partitionIds, inputs.length)
    const cluster = allAvailable(4)
    for (let i = 0; i < 200; i++) {
      expect([0, 2]).toContain(partitioner.peekCurrentPartition(cluster))
      partitioner.updatePartitionInfo(1, cluster)
    }

    // As in Kafka, a partition with an empty queue is never left out, even on a slow broker.
    const emptyOnSlow = partitionLoadStatsInputs(queues([3, 0, 2, 2], [1, 2, 1, 2]), { adaptive: true, partitionCount: 4, availabilityTimeoutMs: timeoutMs, nodeLatencyStats: stats })
    expect(emptyOnSlow.partitionIds.slice(0, emptyOnSlow.length)).toEqual([0, 1, 2])
  })

  it('keeps no latency stats while the timeout is 0', () => {
    const stats = new Map<number, NodeLatencyStats>()
    updateNodeLatencyStats(stats, 1, 100, false, 0)
    expect(stats.size).toBe(0)
  })
})

describe("KafkaJS's partitioners", () => {
  // Ports of kafkajs src/producer/partitioners/{default,legacy}/index.spec.js, which are the same tests.
  const factories = { DefaultPartitioner: createKafkaJsDefaultPartitioner, LegacyPartitioner: createKafkaJsLegacyPartitioner }

  for (const [name, create] of Object.entries(factories)) {
    describe(name, () => {
      const topic = 'test-topic-1'
      // Intentionally not in partition order, as in KafkaJS's spec.
      const metadata = (): KafkaJsPartitionMetadata[] => [
        { partitionId: 1, leader: 1 },
        { partitionId: 2, leader: 2 },
        { partitionId: 0, leader: 0 },
      ]

      it('same key yields same partition', () => {
        const partitioner = create(seeded(1))
        const a = partitioner({ topic, partitionMetadata: metadata(), message: { key: 'test-key' } })
        const b = partitioner({ topic, partitionMetadata: metadata(), message: { key: 'test-key' } })
        expect(a).toBe(b)
      })

      it('round-robin with unavailable partitions', () => {
        const partitioner = create(seeded(2))
        const partitionMetadata = metadata()
        partitionMetadata[0] = { partitionId: 1, leader: -1 }
        const counts = new Map<number, number>()
        for (let i = 1; i <= 100; i++) {
          const partition = partitioner({ topic, partitionMetadata, message: {} })
          expect([0, 2]).toContain(partition)
          counts.set(partition, (counts.get(partition) ?? 0) + 1)
        }
        expect(counts.get(0)).toBe(counts.get(2))
      })

      it('round-robin', () => {
        const partitioner = create(seeded(3))
        const counts = [0, 0, 0]
        for (let i = 0; i < 30; i++) counts[partitioner({ topic, partitionMetadata: metadata(), message: {} })]!++
        expect(counts).toEqual([10, 10, 10])
      })

      it('messages are partitioned in a round-robin fashion for each topic', () => {
        const partitioner = create(seeded(4))
        const partitionMetadata = [{ partitionId: 1, leader: 1 }, { partitionId: 2, leader: 2 }]
        const counts: Record<string, Record<number, number>> = { 'topic-a': {}, 'topic-b': {} }
        for (let i = 0; i < 30; i++) {
          for (const t of ['topic-a', 'topic-b']) {
            const partition = partitioner({ topic: t, partitionMetadata, message: {} })
            counts[t]![partition] = (counts[t]![partition] ?? 0) + 1
          }
        }
        expect(counts).toEqual({ 'topic-a': { 1: 15, 2: 15 }, 'topic-b': { 1: 15, 2: 15 } })
      })

      it('returns the configured partition if it exists, even a falsy one, and does not check it', () => {
        const partitioner = create(seeded(5))
        expect(partitioner({ topic, partitionMetadata: metadata(), message: { key: '1', partition: 99 } })).toBe(99)
        expect(partitioner({ topic, partitionMetadata: metadata(), message: { key: '1', partition: 0 } })).toBe(0)
      })

      it('starts the round-robin counter at a random 32-bit value and increments it before use', () => {
        const partitioner = create(() => 0)
        const sequence = Array.from({ length: 6 }, () => partitioner({ topic, partitionMetadata: metadata(), message: { key: null } }))
        expect(sequence).toEqual([2, 0, 1, 2, 0, 1]) // counter 1, 2, 3, ... over [1, 2, 0]
        // A counter drawn near 2^32 keeps going: toPositive takes it modulo 2^31.
        const high = create(() => 1 - 2 ** -32)
        const start = 2 ** 32 - 1
        expect(high({ topic, partitionMetadata: metadata(), message: {} })).toBe([1, 2, 0][toPositive(start + 1) % 3])
      })
    })
  }

  it('DefaultPartitioner places keys where the Java client does; LegacyPartitioner elsewhere', () => {
    const partitionMetadata = Array.from({ length: 12 }, (_, p) => ({ partitionId: p, leader: p % 3 }))
    const modern = createKafkaJsDefaultPartitioner(seeded(6))
    const legacy = createKafkaJsLegacyPartitioner(seeded(6))
    let moved = 0
    for (let i = 0; i < 200; i++) {
      const key = `key-${i}`
      const java = choosePartition({ topic: 't', key, value: null }, allAvailable(12))
      expect(modern({ topic: 't', partitionMetadata, message: { key } })).toBe(java)
      if (legacy({ topic: 't', partitionMetadata, message: { key } }) !== java) moved++
    }
    expect(modern({ topic: 't', partitionMetadata, message: { key: 'foobar' } })).toBe(6)
    expect(moved).toBeGreaterThan(150) // about 11 in 12 keys move
    // Buffer keys are hashed as bytes.
    expect(modern({ topic: 't', partitionMetadata, message: { key: new Uint8Array([0x61, 0x62, 0x63]) } })).toBe(toPositive(479470107) % 12)
  })
})
