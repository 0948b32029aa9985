// Replica placement for new partitions (core/controller/placement.ts) against Kafka's
// StripedReplicaPlacer without racks (metadata/src/main/java/org/apache/kafka/metadata/
// placement/StripedReplicaPlacer.java): BrokerList walks the sorted brokers from a random
// offset, one broker further per partition; leaders come from the unfenced list only.

import fc from 'fast-check'
import seedrandom from 'seedrandom'
import { describe, expect, it } from 'vitest'
import { placeReplicas } from '../../core/controller/placement.ts'
import { KafkaError } from '../../core/errors.ts'

const random = (seed: string) => seedrandom.alea(seed) as () => number

/** A cluster's brokers split into unfenced and fenced (distinct ids), and a placement request that fits. */
const clusterArb = fc
  .record({
    ids: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 9 }),
    fencedShare: fc.double({ min: 0, max: 0.8, noNaN: true }),
    partitions: fc.integer({ min: 1, max: 40 }),
    seed: fc.string(),
  })
  .chain(({ ids, fencedShare, partitions, seed }) => {
    const fencedCount = Math.min(ids.length - 1, Math.floor(ids.length * fencedShare))
    const fenced = ids.slice(0, fencedCount)
    const unfenced = ids.slice(fencedCount)
    return fc.integer({ min: 1, max: ids.length }).map((rf) => ({ unfenced, fenced, partitions, rf, seed }))
  })

function refusal(call: () => unknown): KafkaError {
  try {
    call()
  } catch (error) {
    if (error instanceof KafkaError) return error
    throw error
  }
  throw new Error('expected a KafkaError, but the call succeeded')
}

describe('placeReplicas (StripedReplicaPlacer)', () => {
  it('places RF distinct registered replicas per partition, and every leader (replicas[0]) is unfenced', () => {
    fc.assert(
      fc.property(clusterArb, ({ unfenced, fenced, partitions, rf, seed }) => {
        const placements = placeReplicas(unfenced, fenced, partitions, rf, random(seed))
        expect(placements).toHaveLength(partitions)
        const registered = [...unfenced, ...fenced]
        const wrong = placements.filter(
          (replicas) => replicas.length !== rf || new Set(replicas).size !== rf || !replicas.every((r) => registered.includes(r)) || !unfenced.includes(replicas[0]!),
        )
        expect(wrong).toEqual([])
      }),
      { seed: 1, numRuns: 500 },
    )
  })

  it('fenced brokers only fill follower slots, and only once every unfenced broker is in the list', () => {
    fc.assert(
      fc.property(clusterArb, ({ unfenced, fenced, partitions, rf, seed }) => {
        const wrong = placeReplicas(unfenced, fenced, partitions, rf, random(seed)).filter((replicas) => {
          const firstFenced = replicas.findIndex((r) => fenced.includes(r))
          const unfencedCount = replicas.filter((r) => unfenced.includes(r)).length
          if (unfencedCount !== Math.min(rf, unfenced.length)) return true
          return firstFenced >= 0 && (firstFenced !== unfenced.length || !replicas.slice(firstFenced).every((r) => fenced.includes(r)))
        })
        expect(wrong).toEqual([])
      }),
      { seed: 2, numRuns: 500 },
    )
  })

  it('stripes: within the first N partitions (N unfenced brokers), partition p starts one broker after partition p-1, in id order', () => {
    fc.assert(
      fc.property(clusterArb, ({ unfenced, partitions, rf, seed }) => {
        const rfUnfenced = Math.min(rf, unfenced.length)
        const placements = placeReplicas(unfenced, [], partitions, rfUnfenced, random(seed))
        const sorted = [...unfenced].sort((a, b) => a - b)
        const n = sorted.length
        const start = sorted.indexOf(placements[0]![0]!)
        for (let p = 0; p < Math.min(n, partitions); p++) {
          const expected = Array.from({ length: rfUnfenced }, (_, i) => sorted[(start + p + i) % n]!)
          expect(placements[p]).toEqual(expected)
        }
      }),
      { seed: 3, numRuns: 500 },
    )
  })

  it('spreads leadership evenly: over N*k partitions each of the N unfenced brokers leads exactly k', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.string(),
        (unfenced, k, rf, seed) => {
          const placements = placeReplicas(unfenced, [], unfenced.length * k, Math.min(rf, unfenced.length), random(seed))
          const led = new Map<number, number>()
          for (const replicas of placements) led.set(replicas[0]!, (led.get(replicas[0]!) ?? 0) + 1)
          for (const broker of unfenced) expect(led.get(broker)).toBe(k)
        },
      ),
      { seed: 4, numRuns: 300 },
    )
  })

  it('is deterministic for a given random source, and does not depend on the order the brokers are listed in', () => {
    fc.assert(
      fc.property(clusterArb, ({ unfenced, fenced, partitions, rf, seed }) => {
        const first = placeReplicas(unfenced, fenced, partitions, rf, random(seed))
        expect(placeReplicas(unfenced, fenced, partitions, rf, random(seed))).toEqual(first)
        expect(placeReplicas([...unfenced].reverse(), [...fenced].reverse(), partitions, rf, random(seed))).toEqual(first)
      }),
      { seed: 5, numRuns: 300 },
    )
  })

  it('draws where the stripe starts from the random source (BrokerList: random.nextInt(size)): any broker may lead partition 0', () => {
    const unfenced = [1, 2, 3, 4, 5]
    const starts = new Set<number>()
    for (let s = 0; s < 60; s++) starts.add(placeReplicas(unfenced, [], 1, 1, random(`start-${s}`))[0]![0]!)
    expect([...starts].sort()).toEqual(unfenced)
  })

  it('refuses RF <= 0 with INVALID_REPLICATION_FACTOR: "the replication factor must be positive"', () => {
    for (const rf of [0, -1, -2]) {
      const error = refusal(() => placeReplicas([1, 2, 3], [], 1, rf, random('x')))
      expect(error.code).toBe('INVALID_REPLICATION_FACTOR')
      expect(error.message).toContain(`Invalid replication factor ${rf}: the replication factor must be positive.`)
    }
  })

  it('refuses RF > registered brokers (fenced ones count) with INVALID_REPLICATION_FACTOR naming both numbers', () => {
    const error = refusal(() => placeReplicas([1, 2], [3], 1, 4, random('x')))
    expect(error.code).toBe('INVALID_REPLICATION_FACTOR')
    expect(error.message).toContain('The target replication factor of 4 cannot be reached because only 3 broker(s) are registered.')
    // Fenced brokers are registered: RF 3 on two unfenced and one fenced broker is placed.
    expect(placeReplicas([1, 2], [3], 1, 3, random('x'))[0]!.slice().sort()).toEqual([1, 2, 3])
  })

  it('refuses when every broker is fenced with INVALID_REPLICATION_FACTOR "All brokers are currently fenced."', () => {
    const error = refusal(() => placeReplicas([], [1, 2, 3], 1, 1, random('x')))
    expect(error.code).toBe('INVALID_REPLICATION_FACTOR')
    expect(error.message).toContain('All brokers are currently fenced.')
  })
})
