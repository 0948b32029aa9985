// Divergence: a follower whose log holds records the leader never had finds, through the
// diverging-epoch answer of a Fetch (KIP-320, Kafka 2.7+), where the two logs agree,
// truncates there and fetches the leader's records (KAFKA-FACTS section 2, notes 6).

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Partition } from '../../core/broker/partition.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../core/records.ts'
import {
  awaitConverged,
  awaitLeader,
  controllerState,
  FetcherHarness,
  mustPartition,
  partitionOn,
  partitionState,
  produce,
  records,
  registerBrokers,
  runUntil,
  setup,
  standalonePartition,
  TestHost,
  values,
  watch,
} from './support.ts'

const NOT_IDEMPOTENT = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE }

/** Appends one single-record batch per [value, epoch], as whichever leader wrote it. */
function write(p: Partition, batches: readonly (readonly [string, number])[]): void {
  for (const [value, epoch] of batches) p.log.appendAsLeader([{ key: null, value, timestamp: 0 }], epoch, NOT_IDEMPOTENT, 0)
}

/** Leader (broker 2) and follower (broker 3) partitions with the given histories; the leader leads `leaderEpoch`. */
function pair(leaderLog: readonly (readonly [string, number])[], followerLog: readonly (readonly [string, number])[], leaderEpoch: number) {
  const leaderHost = new TestHost(2)
  registerBrokers(leaderHost, [1, 2, 3])
  const followerHost = new TestHost(3)
  registerBrokers(followerHost, [1, 2, 3])
  const leader = standalonePartition(leaderHost)
  const follower = standalonePartition(followerHost)
  write(leader, leaderLog)
  write(follower, followerLog)
  const state = partitionState({ leader: 2, isr: [2], leaderEpoch })
  leader.makeLeader(state)
  follower.makeFollower(state)
  const harness = new FetcherHarness(follower, leader, 2, 3)
  return { leader, follower, harness }
}

/** The first offset where two logs hold different records (value or leader epoch), or the shorter length. */
function firstDifference(a: Partition, b: Partition): number {
  const left = records(a)
  const right = records(b)
  let i = 0
  while (i < left.length && i < right.length && left[i]!.value === right[i]!.value && left[i]!.epoch === right[i]!.epoch) i++
  return i
}

describe('the diverging-epoch exchange, driven on one leader Partition and a follower ReplicaFetcher', () => {
  it('golden case (AbstractFetcherThreadTest.testDivergingEpochs): follower [e0:a, e2:b, e4:c] against leader [e0:a, e2:b, e5:d] truncates to offset 2, then holds d', () => {
    const { leader, follower, harness } = pair([['a', 0], ['b', 2]], [['a', 0], ['b', 2], ['c', 4]], 5)
    leader.appendRecordsToLeader([{ key: null, value: 'd', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    expect(records(leader)).toEqual([{ offset: 0, value: 'a', epoch: 0 }, { offset: 1, value: 'b', epoch: 2 }, { offset: 2, value: 'd', epoch: 5 }])
    const agreeUpTo = firstDifference(leader, follower)

    harness.start()
    // The first fetch asks from the follower's end, naming the epoch of its last record.
    expect(harness.sent[0]!.partitions[0]).toMatchObject({ fetchOffset: 3, lastFetchedEpoch: 4, currentLeaderEpoch: 5 })
    const first = harness.deliver()
    // The leader's history of epoch 4 is its largest epoch not above it (2), which ends where epoch 5 starts.
    expect(first.divergingEpoch).toEqual({ epoch: 2, endOffset: 2 })
    expect(first.batches).toEqual([])
    expect(follower.log.logEndOffset).toBe(agreeUpTo)
    expect(values(follower)).toEqual(['a', 'b'])
    expect(follower.log.epochEntries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 1 }])
    expect(harness.events).toContainEqual({ type: 'replica-truncated', data: expect.objectContaining({ from: 3, to: agreeUpTo, reason: 'diverging epoch' }) })

    // The next fetch names epoch 2, which the leader holds up to offset 2: it gets d.
    expect(harness.sent[1]!.partitions[0]).toMatchObject({ fetchOffset: 2, lastFetchedEpoch: 2 })
    const second = harness.deliver()
    expect(second.divergingEpoch).toBeUndefined()
    expect(records(follower)).toEqual(records(leader))
    expect(follower.log.epochEntries()).toEqual(leader.log.epochEntries())
    expect(harness.sent[2]!.partitions[0]).toMatchObject({ fetchOffset: 3, lastFetchedEpoch: 5 })
  })

  it('a diverging answer carries no records, and the follower takes neither data nor the high watermark from it', () => {
    const { leader, follower, harness } = pair([['a', 0], ['b', 2]], [['a', 0], ['b', 2], ['c', 4], ['e', 4]], 5)
    leader.appendRecordsToLeader([{ key: null, value: 'd', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    follower.log.setHighWatermark(1)
    harness.start()
    const answer = harness.deliver()
    expect(answer.divergingEpoch).toBeDefined()
    expect(answer.batches).toEqual([])
    // Truncated to where the logs agree; the HW is the follower's own, capped by its new end.
    expect(follower.log.logEndOffset).toBe(2)
    expect(follower.log.highWatermark).toBe(1)
  })

  it('a follower with no diverging records is never truncated: it only fetches what it lacks', () => {
    const { leader, follower, harness } = pair([['a', 0], ['b', 2], ['c', 2]], [['a', 0], ['b', 2]], 3)
    harness.start()
    const answer = harness.deliver()
    expect(answer.divergingEpoch).toBeUndefined()
    expect(harness.events.filter((e) => e.type === 'replica-truncated')).toEqual([])
    expect(records(follower)).toEqual(records(leader))
  })

  it('any two histories converge to the leader log, and no truncation goes below the offset up to which the logs agree', () => {
    // A shared prefix, then suffixes in disjoint epochs above it (an epoch has one leader,
    // so two replicas never hold different records of one epoch), the follower possibly
    // also holding more of the last shared epoch; the leader leads a newer epoch.
    const history = fc
      .record({
        common: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 4 }),
        extraOfLastCommon: fc.integer({ min: 0, max: 2 }),
        suffix: fc.array(fc.record({ toLeader: fc.boolean(), batches: fc.integer({ min: 1, max: 3 }) }), { maxLength: 5 }),
      })
      .map(({ common, extraOfLastCommon, suffix }) => {
        const shared: [string, number][] = []
        let epoch = 0
        for (const step of common) {
          epoch += step
          shared.push([`s${shared.length}`, epoch])
        }
        const follower: [string, number][] = [...shared]
        const leader: [string, number][] = [...shared]
        for (let i = 0; i < extraOfLastCommon; i++) follower.push([`f${epoch}-${i}`, epoch])
        for (const part of suffix) {
          epoch += 1
          const target = part.toLeader ? leader : follower
          for (let i = 0; i < part.batches; i++) target.push([`${part.toLeader ? 'l' : 'f'}${epoch}-${i}`, epoch])
        }
        return { shared: shared.length, leader, follower, leaderEpoch: epoch + 1 }
      })
    fc.assert(
      fc.property(history, ({ shared, leader: leaderLog, follower: followerLog, leaderEpoch }) => {
        const { leader, follower, harness } = pair(leaderLog, followerLog, leaderEpoch)
        harness.start()
        for (let round = 0; round < 20 && JSON.stringify(records(follower)) !== JSON.stringify(records(leader)); round++) harness.deliver()
        expect(records(follower)).toEqual(records(leader))
        expect(follower.log.epochEntries().filter((e) => e.startOffset < follower.log.logEndOffset)).toEqual(leader.log.epochEntries().filter((e) => e.startOffset < leader.log.logEndOffset))
        for (const event of harness.events) if (event.type === 'replica-truncated') expect(event.data.to).toBeGreaterThanOrEqual(shared)
      }),
      { seed: 101, numRuns: 200 },
    )
  })
})

describe('divergence end to end', () => {
  it('golden case built with faults: follower [e0:a, e2:b, e4:c], leader [e0:a, e2:b, e5:d]; the follower truncates to 2 and then holds d', () => {
    // Replicas [1, 3, 2]: leadership goes 1 (e0) -> 3 (e1) -> 1 (e2, preferred) -> 3 (e3) -> 2 (e4) -> 3 (e5).
    const cluster = setup({ seed: 7, replicas: [1, 3, 2] })
    const { follower, leader } = { follower: 2, leader: 3 }
    const truncations = watch(cluster, ['replica-truncated'], follower)
    produce(cluster, ['a'], -1)
    cluster.crashBroker(1)
    awaitLeader(cluster, 3, 0)
    cluster.restartBroker(1)
    runUntil(cluster, () => controllerState(cluster).isr.includes(1), 30_000, 'broker 1 back in the ISR')
    cluster.electLeaders('PREFERRED')
    awaitLeader(cluster, 1, 1)
    expect(produce(cluster, ['b'], -1).status).toBe('acked')
    cluster.crashBroker(1)
    awaitLeader(cluster, 3, 2)
    cluster.crashBroker(3)
    awaitLeader(cluster, follower, 3)
    cluster.restartBroker(3)
    runUntil(cluster, () => controllerState(cluster).isr.includes(3), 30_000, 'broker 3 back in the ISR')
    // Broker 3 stays in the ISR but stops hearing from 2: c is on 2 alone.
    cluster.block(follower, leader)
    expect(produce(cluster, ['c'], 1).status).toBe('acked')
    cluster.crashBroker(follower)
    awaitLeader(cluster, leader, 4)
    cluster.heal()
    expect(produce(cluster, ['d'], 1).status).toBe('acked')

    const leaderLog = mustPartition(cluster, leader)
    expect(records(leaderLog).map((r) => `e${r.epoch}:${r.value}`)).toEqual(['e0:a', 'e2:b', 'e5:d'])
    cluster.restartBroker(follower)
    runUntil(cluster, () => partitionOn(cluster, follower) !== undefined, 30_000, 'the follower reopens its log')
    const followerLog = mustPartition(cluster, follower)
    expect(records(followerLog).map((r) => `e${r.epoch}:${r.value}`)).toEqual(['e0:a', 'e2:b', 'e4:c'])
    const agreeUpTo = firstDifference(leaderLog, followerLog)

    awaitConverged(cluster, [leader, follower])
    expect(truncations.map((t) => t.data)).toEqual([expect.objectContaining({ from: 3, to: agreeUpTo, reason: 'diverging epoch' })])
    expect(records(mustPartition(cluster, follower)).map((r) => `e${r.epoch}:${r.value}`)).toEqual(['e0:a', 'e2:b', 'e5:d'])
  })

  it('acks=1 records only the old leader had are truncated when it returns (diverging epoch), and every replica ends with the same log', () => {
    const cluster = setup({ seed: 21 })
    const truncations = watch(cluster, ['replica-truncated'])
    expect(produce(cluster, ['a'], -1).status).toBe('acked')
    // The followers keep fetching (and stay in the ISR) but hear nothing back from the leader.
    cluster.block(1, 2)
    cluster.block(1, 3)
    const onlyOnLeader = [produce(cluster, ['b'], 1), produce(cluster, ['c'], 1)]
    expect(onlyOnLeader.map((o) => o.status)).toEqual(['acked', 'acked'])
    const oldLeaderEnd = mustPartition(cluster, 1).log.logEndOffset
    expect([2, 3].map((id) => mustPartition(cluster, id).log.logEndOffset)).toEqual([onlyOnLeader[0]!.baseOffset, onlyOnLeader[0]!.baseOffset])

    cluster.crashBroker(1)
    cluster.heal()
    awaitLeader(cluster, 2, 0)
    expect(produce(cluster, ['d'], -1).status).toBe('acked')
    cluster.restartBroker(1)
    awaitConverged(cluster, [1, 2, 3])

    const oldLeaderTruncation = truncations.filter((t) => t.node === 1)
    expect(oldLeaderTruncation.map((t) => t.data)).toEqual([expect.objectContaining({ from: oldLeaderEnd, to: onlyOnLeader[0]!.baseOffset, reason: 'diverging epoch' })])
    for (const id of [1, 2, 3]) expect(values(mustPartition(cluster, id))).toEqual(['a', 'd'])
  })
})
