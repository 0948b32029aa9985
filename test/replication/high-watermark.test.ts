// The high watermark (KAFKA-FACTS section 2; notes sections 1, 5, 6, 8): the leader's HW is
// the smallest LEO among itself and its maximal ISR, frozen while the committed ISR is below
// min(min.insync.replicas, RF), never lowered; followers take theirs from fetch answers.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Partition } from '../../core/broker/partition.ts'
import type { FetchResponse } from '../../core/protocol.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../core/records.ts'
import type { Cluster } from '../../sim/cluster.ts'
import type { TraceRecord } from '../../sim/trace.ts'
import {
  awaitLeader,
  consume,
  controllerState,
  type Fault,
  followerFetch,
  healAll,
  mustPartition,
  partitionOn,
  partitionState,
  produce,
  registerBrokers,
  runUntil,
  scheduleFaults,
  setup,
  standalonePartition,
  TestHost,
  TOPIC,
  TP,
  watch,
} from './support.ts'

const NOT_IDEMPOTENT = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE }

/** Calls `check` after every event until the returned function is called. */
function everyEvent(cluster: Cluster, check: () => void): () => void {
  return cluster.sim.afterEachEvent(check)
}

/** A steady acks=1 (or other) workload from its own client, `recordsPerSec`, until `forMs` from now. */
function workload(cluster: Cluster, id: string, acks: -1 | 0 | 1, recordsPerSec: number, forMs: number): void {
  cluster.addRawClient(id, { requestTimeoutMs: 2000, workload: { partitions: [{ topic: TOPIC, partition: 0 }], acks, recordsPerSec, stopAtMs: cluster.now + forMs } })
}

describe('the leader high watermark (one Partition, driven directly)', () => {
  it('HW advances only when every ISR member has fetched past it: it is the smallest LEO among the leader and the ISR followers, and it never goes down', () => {
    type Step = { kind: 'append'; records: number } | { kind: 'fetch'; follower: 2 | 3; advance: number }
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), records: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('fetch' as const), follower: fc.constantFrom(2 as const, 3 as const), advance: fc.integer({ min: 0, max: 4 }) }),
    )
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const host = new TestHost(1)
        registerBrokers(host, [1, 2, 3])
        const leader = standalonePartition(host)
        leader.makeLeader(partitionState({ leader: 1, isr: [1, 2, 3], leaderEpoch: 1 }))
        // What the leader has heard from each follower: nothing yet (-1).
        const fetched = new Map<number, number>([[2, -1], [3, -1]])
        let expectedHw = 0
        for (const s of steps) {
          const before = leader.log.highWatermark
          if (s.kind === 'append') {
            leader.appendRecordsToLeader(Array.from({ length: s.records }, (_, i) => ({ key: null, value: `v${i}`, timestamp: 0 })), 1, NOT_IDEMPOTENT)
          } else {
            const offset = Math.min(leader.log.logEndOffset, Math.max(0, fetched.get(s.follower)!) + s.advance)
            const answer = followerFetch(leader, s.follower, offset)
            // The answer carries the HW as it was before this fetch moved it.
            expect(answer.highWatermark).toBe(before)
            fetched.set(s.follower, offset)
          }
          const candidate = Math.min(leader.log.logEndOffset, fetched.get(2)!, fetched.get(3)!)
          expectedHw = Math.max(expectedHw, candidate)
          expect(leader.log.highWatermark).toBe(expectedHw)
          expect(leader.log.highWatermark).toBeGreaterThanOrEqual(before)
        }
      }),
      { seed: 7, numRuns: 300 },
    )
  })

  it('a follower being added to the ISR (pending expansion) already counts in the maximal ISR and holds the HW', () => {
    const host = new TestHost(1)
    registerBrokers(host, [1, 2, 3])
    const leader = standalonePartition(host)
    leader.makeLeader(partitionState({ leader: 1, isr: [1, 2], leaderEpoch: 1 }))
    leader.appendRecordsToLeader([{ key: null, value: 'a', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    followerFetch(leader, 2, 1)
    expect(leader.log.highWatermark).toBe(1)
    leader.appendRecordsToLeader([{ key: null, value: 'b', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    // Follower 3 reaches the HW (1): it is proposed for the ISR and holds the HW from now on.
    followerFetch(leader, 3, 1)
    expect(leader.isrState.kind).toBe('pending-expand')
    expect(leader.maximalIsr).toEqual([1, 2, 3])
    followerFetch(leader, 2, 2)
    expect(leader.log.highWatermark).toBe(1)
    followerFetch(leader, 3, 2)
    expect(leader.log.highWatermark).toBe(2)
  })
  it('a follower being removed from the ISR (pending shrink) holds the HW until the controller confirms the shrink', () => {
    const host = new TestHost(1)
    registerBrokers(host, [1, 2, 3])
    const leader = standalonePartition(host)
    leader.makeLeader(partitionState({ leader: 1, isr: [1, 2, 3], leaderEpoch: 1 }))
    leader.appendRecordsToLeader([{ key: null, value: 'a', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    followerFetch(leader, 2, 1)
    followerFetch(leader, 3, 1)
    expect(leader.log.highWatermark).toBe(1)
    leader.appendRecordsToLeader([{ key: null, value: 'b', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    // Follower 3 stops fetching for longer than replica.lag.time.max.ms; follower 2 keeps up.
    host.nowMs += host.replicaLagTimeMaxMs() + 1
    followerFetch(leader, 2, 2)
    leader.maybeShrinkIsr()
    const shrink = leader.isrState
    expect(shrink).toMatchObject({ kind: 'pending-shrink', removing: [3] })
    expect(leader.maximalIsr).toEqual([1, 2, 3])
    leader.maybeIncrementLeaderHW()
    expect(leader.log.highWatermark).toBe(1)
    leader.handleAlterPartitionResponse(shrink, { topicId: leader.topicId, partition: 0, errorCode: 'NONE', leaderId: 1, leaderEpoch: 1, isr: [1, 2], partitionEpoch: 2, leaderRecoveryState: 'RECOVERED' })
    expect(leader.isr).toEqual([1, 2])
    expect(leader.log.highWatermark).toBe(2)
  })
})

describe('the leader high watermark in a cluster', () => {
  it('a slow follower holds the HW back while it is in the ISR, and stops holding it back once removed', () => {
    // Round trips on the 1 <-> 3 link (5 s) exceed replica.lag.time.max.ms (3 s): broker 3 falls out of sync.
    const cluster = setup({ seed: 11, config: { 'replica.lag.time.max.ms': 3000 } })
    cluster.sim.network.configureLink(1, 3, { latencyMs: 2500 })
    cluster.sim.network.configureLink(3, 1, { latencyMs: 2500 })
    const leader = mustPartition(cluster, 1)
    const shrinks = watch(cluster, ['isr-shrink-proposed'], 1)
    let heldBackByThree = false
    let removedAt: number | null = null
    let passedThreeAfterRemoval = false
    const stop = everyEvent(cluster, () => {
      const hw = leader.log.highWatermark
      const three = partitionOn(cluster, 3)!
      const two = partitionOn(cluster, 2)!
      if (leader.maximalIsr.includes(3)) {
        // Never past what an ISR member holds, nor past what the leader knows it fetched.
        expect(hw).toBeLessThanOrEqual(three.log.logEndOffset)
        expect(hw).toBeLessThanOrEqual(Math.max(0, leader.followers.get(3)!.logEndOffset))
        expect(hw).toBeLessThanOrEqual(two.log.logEndOffset)
        if (hw < two.log.logEndOffset && hw < leader.log.logEndOffset) heldBackByThree = true
      } else {
        removedAt ??= cluster.now
        if (hw > three.log.logEndOffset) passedThreeAfterRemoval = true
      }
    })
    workload(cluster, 'producer', 1, 20, 20_000)
    cluster.advance(20_000)
    stop()
    expect(heldBackByThree).toBe(true)
    expect(shrinks.map((s) => s.data.outOfSync)).toContainEqual([3])
    expect(removedAt).not.toBeNull()
    expect(passedThreeAfterRemoval).toBe(true)
  })

  it('the HW is frozen while the committed ISR is below min.insync.replicas, even for acks=0 and acks=1 data (consumers see nothing new), and moves again once the ISR recovers', () => {
    const cluster = setup({ seed: 12, config: { 'min.insync.replicas': 2 } })
    expect(produce(cluster, ['a'], -1).status).toBe('acked')
    const leader = mustPartition(cluster, 1)
    const frozenAt = leader.log.highWatermark
    cluster.crashBroker(2)
    cluster.crashBroker(3)
    runUntil(cluster, () => leader.isr.length === 1, 20_000, 'the ISR shrinks to the leader')
    expect(leader.isr.length).toBeLessThan(leader.effectiveMinIsr())

    expect(produce(cluster, ['b'], 1)).toMatchObject({ status: 'acked', baseOffset: frozenAt })
    produce(cluster, ['c'], 0)
    runUntil(cluster, () => leader.log.logEndOffset === frozenAt + 2, 1000, 'acks=0 record appended')
    cluster.advance(5000)
    expect(leader.log.highWatermark).toBe(frozenAt)
    const read = consume(cluster, 0)
    expect(read.highWatermark).toBe(frozenAt)
    expect(read.batches!.flatMap((b) => b.records.map((r) => r.value))).toEqual(['a'])
    expect(consume(cluster, frozenAt).batches).toEqual([])

    // The committed ISR changes by the AlterPartition answer or by the metadata update, whichever comes first.
    let firstRiseAt: number | null = null
    let recoveredAt: number | null = null
    const stop = everyEvent(cluster, () => {
      if (recoveredAt === null && leader.isr.length >= leader.effectiveMinIsr()) recoveredAt = cluster.now
      if (firstRiseAt === null && leader.log.highWatermark > frozenAt) firstRiseAt = cluster.now
    })
    cluster.restartBroker(2)
    runUntil(cluster, () => leader.log.highWatermark === leader.log.logEndOffset, 30_000, 'the HW catches up')
    stop()
    expect(recoveredAt).not.toBeNull()
    expect(firstRiseAt!).toBeGreaterThanOrEqual(recoveredAt!)
    expect(consume(cluster, frozenAt).batches!.flatMap((b) => b.records.map((r) => r.value))).toEqual(['b', 'c'])
  })

  it('the min-ISR gate is min(min.insync.replicas, replication factor): an RF=2 topic with min.insync.replicas=3 commits with both replicas in sync', () => {
    const cluster = setup({ seed: 13, brokers: 2, topicConfig: { 'min.insync.replicas': 3 } })
    const leader = mustPartition(cluster, 1)
    expect(leader.effectiveMinIsr()).toBe(2)
    expect(produce(cluster, ['a', 'b'], -1)).toMatchObject({ status: 'acked', baseOffset: 0 })
    expect(leader.log.highWatermark).toBe(2)
  })

  it('followers learn the HW from the next fetch answer, and their HW = min(leader HW in the answer, own LEO)', () => {
    // A small replica.fetch.max.bytes makes a returning follower catch up one batch per fetch.
    const cluster = setup({ seed: 14, config: { 'replica.fetch.max.bytes': 1 } })
    let last: TraceRecord | null = null
    cluster.trace.subscribe((record) => {
      last = record
    })
    let cappedByOwnLeo = 0
    let checked = 0
    const stop = everyEvent(cluster, () => {
      const record = last as TraceRecord | null
      if (!record || record.type !== 'deliver' || typeof record.node !== 'number') return
      const message = (record.data as { message: { type: string } }).message
      if (message.type !== 'FetchResponse') return
      const answer = (message as FetchResponse).partitions.find((p) => p.topic === TOPIC)
      const follower = partitionOn(cluster, record.node)
      if (!answer || answer.errorCode !== 'NONE' || answer.divergingEpoch || !follower || follower.isLeader) return
      const { highWatermark, logEndOffset } = follower.log
      expect(highWatermark).toBe(Math.min(answer.highWatermark, logEndOffset))
      checked++
      if (answer.highWatermark > logEndOffset) cappedByOwnLeo++
    })

    // The answer that brings a record carries the HW from before the fetch that asked for it.
    const bringsX = watch(cluster, ['deliver'], 2)
    expect(produce(cluster, ['x'], -1).status).toBe('acked')
    const leaderHw = mustPartition(cluster, 1).log.highWatermark
    const dataAnswer = bringsX.map((r) => (r.data as { message: FetchResponse }).message).find((m) => m.type === 'FetchResponse' && m.partitions.some((p) => p.batches.length > 0))!
    expect(dataAnswer.partitions[0]!.highWatermark).toBeLessThan(leaderHw)
    expect(mustPartition(cluster, 2).log.highWatermark).toBeLessThan(leaderHw)
    runUntil(cluster, () => mustPartition(cluster, 2).log.highWatermark === leaderHw, 2000, 'follower 2 learns the HW')

    // A follower far behind takes the leader's HW only as far as its own log goes.
    cluster.crashBroker(3)
    runUntil(cluster, () => !controllerState(cluster).isr.includes(3), 20_000, 'broker 3 leaves the ISR')
    for (let i = 0; i < 5; i++) produce(cluster, [`y${i}`], -1)
    cluster.restartBroker(3)
    runUntil(cluster, () => partitionOn(cluster, 3)?.log.highWatermark === mustPartition(cluster, 1).log.highWatermark, 20_000, 'broker 3 catches up')
    stop()
    expect(checked).toBeGreaterThan(0)
    expect(cappedByOwnLeo).toBeGreaterThan(0)
  })

  it("a new leader's HW does not advance until every ISR follower has fetched from it in the new epoch", () => {
    const cluster = setup({ seed: 15 })
    expect(produce(cluster, ['a'], -1).status).toBe('acked')
    expect(produce(cluster, ['b'], 1).status).toBe('acked')
    // Crash the leader once both followers hold b but before they hear that the HW passed it.
    runUntil(cluster, () => [2, 3].every((id) => mustPartition(cluster, id).log.logEndOffset === 2), 2000, 'followers fetch b')
    expect([2, 3].map((id) => mustPartition(cluster, id).log.highWatermark)).toEqual([1, 1])
    cluster.sim.network.configureLink(3, 2, { latencyMs: 2000 })
    cluster.crashBroker(1)
    const fetchesFromThree = watch(cluster, ['deliver'], 2)
    const newLeader = awaitLeader(cluster, 2, 0)
    expect(newLeader.isr).toEqual([2, 3])
    const hwAtElection = newLeader.log.highWatermark
    expect(hwAtElection).toBeLessThan(newLeader.log.logEndOffset)

    let firstFetchInEpochAt: number | null = null
    let hwMovedAt: number | null = null
    const stop = everyEvent(cluster, () => {
      if (firstFetchInEpochAt === null) {
        const fetch = fetchesFromThree.find((r) => {
          const message = (r.data as { message: { type: string; partitions?: { currentLeaderEpoch: number }[] } }).message
          return (r.data as { from: unknown }).from === 3 && message.type === 'Fetch' && message.partitions!.some((p) => p.currentLeaderEpoch === newLeader.leaderEpoch)
        })
        if (fetch) firstFetchInEpochAt = fetch.time
      }
      if (hwMovedAt === null && newLeader.log.highWatermark !== hwAtElection) hwMovedAt = cluster.now
    })
    // Even data the new leader appends meanwhile stays above the HW.
    expect(produce(cluster, ['c'], 1).status).toBe('acked')
    expect(newLeader.log.highWatermark).toBe(hwAtElection)
    runUntil(cluster, () => newLeader.log.highWatermark === newLeader.log.logEndOffset, 10_000, 'the new leader HW catches up')
    stop()
    expect(firstFetchInEpochAt).not.toBeNull()
    expect(hwMovedAt!).toBeGreaterThanOrEqual(firstFetchInEpochAt!)
  })

  it("a leader's HW never decreases while it leads, and every replica's HW stays within its log, whatever the faults", () => {
    const fault = fc.record({
      atMs: fc.integer({ min: 0, max: 30_000 }),
      kind: fc.constantFrom('crash' as const, 'pause' as const, 'isolate' as const, 'partition' as const, 'block' as const),
      broker: fc.integer({ min: 1, max: 3 }),
      to: fc.integer({ min: 1, max: 3 }),
      durationMs: fc.integer({ min: 200, max: 20_000 }),
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.array(fault, { minLength: 1, maxLength: 5 }), (seed, faults: Fault[]) => {
        const cluster = setup({ seed })
        const leading = new Map<number, { partition: Partition; hw: number }>()
        let observations = 0
        const stop = everyEvent(cluster, () => {
          for (const id of cluster.brokerIds) {
            const p = cluster.brokerNode(id)?.partitions.get(TP)
            if (!p) {
              leading.delete(id)
              continue
            }
            expect(p.log.highWatermark).toBeLessThanOrEqual(p.log.logEndOffset)
            if (!p.isLeader) {
              leading.delete(id)
              continue
            }
            const last = leading.get(id)
            if (last && last.partition === p) {
              expect(p.log.highWatermark).toBeGreaterThanOrEqual(last.hw)
              observations++
            }
            leading.set(id, { partition: p, hw: p.log.highWatermark })
          }
        })
        workload(cluster, 'producer', 1, 20, 35_000)
        scheduleFaults(cluster, faults, 35_000)
        cluster.advance(35_000)
        healAll(cluster)
        cluster.advance(5_000)
        stop()
        expect(observations).toBeGreaterThan(0)
      }),
      { seed: 42, numRuns: 6 },
    )
  })
})
