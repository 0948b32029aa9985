// The in-sync replica set (KAFKA-FACTS section 2; notes sections 2-4): the controller fences
// a crashed follower out of every ISR; the leader shrinks the ISR of followers that stop
// fetching and grows it again, through AlterPartition, one change at a time; the leader
// never leaves its own ISR.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IsrState, Partition } from '../../core/broker/partition.ts'
import { parseBrokerConfig } from '../../core/config.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../core/records.ts'
import type { Cluster } from '../../sim/cluster.ts'
import type { TraceRecord } from '../../sim/trace.ts'
import {
  awaitLeader,
  CONTROLLER,
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
  watch,
} from './support.ts'

const NOT_IDEMPOTENT = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE }
const DEFAULTS = parseBrokerConfig({}, 'defaults')
const SESSION_MS = DEFAULTS['broker.session.timeout.ms']
const LAG_MS = DEFAULTS['replica.lag.time.max.ms']
/** The controller looks for expired sessions every session/8 ms. */
const FENCE_CHECK_MS = SESSION_MS / 8

/** Time of the last message of `type` from `from` that reached `to` at or before now. */
function lastDelivery(records: readonly TraceRecord[], from: number, type: string): number {
  const hits = records.filter((r) => (r.data as { from: unknown }).from === from && (r.data as { message: { type: string } }).message.type === type)
  return hits.at(-1)!.time
}

/** Runs until the controller's ISR no longer holds `id`; returns when that happened. */
function awaitIsrWithout(cluster: Cluster, id: number, timeoutMs: number): number {
  runUntil(cluster, () => !controllerState(cluster).isr.includes(id), timeoutMs, `broker ${id} still in the ISR`)
  return cluster.now
}

describe('ISR shrink', () => {
  it('a crashed follower is removed by the controller (fencing) about broker.session.timeout.ms after its last heartbeat', () => {
    const cluster = setup({ seed: 51 })
    const atController = watch(cluster, ['deliver'], CONTROLLER)
    const fencing = watch(cluster, ['metadata-records'], CONTROLLER)
    cluster.advance(3000)
    cluster.crashBroker(3)
    const lastHeartbeat = lastDelivery(atController, 3, 'BrokerHeartbeat')
    const removedAt = awaitIsrWithout(cluster, 3, 20_000)
    expect(removedAt - lastHeartbeat).toBeGreaterThan(SESSION_MS)
    expect(removedAt - lastHeartbeat).toBeLessThanOrEqual(SESSION_MS + FENCE_CHECK_MS + 1)
    expect(fencing.at(-1)!.data.cause).toMatch(/^fence broker 3/)
    // The leader hears of it from the metadata log, not by deciding itself.
    runUntil(cluster, () => !mustPartition(cluster, 1).isr.includes(3), 1000, 'the leader learns the new ISR')
    expect(mustPartition(cluster, 1).isr).toEqual([1, 2])
  })

  it('a live follower that stops fetching (blocked from the leader) is removed by the leader through AlterPartition, replica.lag.time.max.ms to 1.5x that after it last caught up', () => {
    const cluster = setup({ seed: 52 })
    const leader = mustPartition(cluster, 1)
    const proposals = watch(cluster, ['isr-shrink-proposed'], 1)
    const records = watch(cluster, ['metadata-records'], CONTROLLER)
    cluster.advance(1000)
    cluster.block(3, 1)
    // New data: a follower level with the leader's LEO counts as caught up however long it is silent.
    expect(produce(cluster, ['new'], 1).status).toBe('acked')
    runUntil(cluster, () => proposals.length > 0, 60_000, 'no shrink proposed')
    const proposedAt = cluster.now
    expect(leader.isrState).toMatchObject({ kind: 'pending-shrink', removing: [3], proposed: [1, 2] })
    const lastCaughtUp = leader.followers.get(3)!.lastCaughtUpTimeMs
    expect(proposedAt - lastCaughtUp).toBeGreaterThan(LAG_MS)
    expect(proposedAt - lastCaughtUp).toBeLessThanOrEqual(LAG_MS * 1.5)
    expect(proposals[0]!.data).toMatchObject({ isr: [1, 2, 3], proposed: [1, 2], outOfSync: [3] })
    awaitIsrWithout(cluster, 3, 5000)
    expect(records.at(-1)!.data.cause).toBe('AlterPartition from broker 1')
    // Broker 3 was never fenced: it kept heartbeating.
    expect(cluster.controller()!.image.isUnfenced(3)).toBe(true)
  })

  it('a paused follower is removed by the leader after 30 s..45 s when its session outlasts that; with the default 9 s session the controller fences it first', () => {
    const long = setup({ seed: 53, config: { 'broker.session.timeout.ms': 60_000 } })
    const leader = mustPartition(long, 1)
    const proposals = watch(long, ['isr-shrink-proposed'], 1)
    long.advance(1000)
    long.pause(3)
    const pausedAt = long.now
    expect(produce(long, ['new'], 1).status).toBe('acked')
    const removedAt = awaitIsrWithout(long, 3, 60_000)
    expect(proposals.map((p) => p.data.outOfSync)).toEqual([[3]])
    const lastCaughtUp = leader.followers.get(3)!.lastCaughtUpTimeMs
    expect(proposals[0]!.time - lastCaughtUp).toBeGreaterThan(LAG_MS)
    expect(proposals[0]!.time - lastCaughtUp).toBeLessThanOrEqual(LAG_MS * 1.5)
    expect(removedAt - pausedAt).toBeLessThan(LAG_MS * 1.5 + 1000)

    const short = setup({ seed: 53 })
    const shortProposals = watch(short, ['isr-shrink-proposed'], 1)
    const records = watch(short, ['metadata-records'], CONTROLLER)
    short.advance(1000)
    short.pause(3)
    const shortPausedAt = short.now
    expect(produce(short, ['new'], 1).status).toBe('acked')
    const fencedAt = awaitIsrWithout(short, 3, 20_000)
    expect(fencedAt - shortPausedAt).toBeLessThan(SESSION_MS + FENCE_CHECK_MS + DEFAULTS['broker.heartbeat.interval.ms'])
    expect(records.at(-1)!.data.cause).toMatch(/^fence broker 3/)
    expect(shortProposals).toEqual([])
  })

  it('the ISR never loses the leader: with both followers cut off, the leader shrinks it to itself', () => {
    const cluster = setup({ seed: 54 })
    cluster.advance(1000)
    cluster.block(2, 1)
    cluster.block(3, 1)
    expect(produce(cluster, ['new'], 1).status).toBe('acked')
    runUntil(cluster, () => controllerState(cluster).isr.length === 1, 60_000, 'no shrink')
    expect(controllerState(cluster)).toMatchObject({ leader: 1, isr: [1] })
    cluster.advance(LAG_MS * 2)
    expect(controllerState(cluster).isr).toEqual([1])
    expect(mustPartition(cluster, 1).isr).toEqual([1])
  })
})

describe('ISR expansion', () => {
  it('a follower that catches up (LEO >= HW and >= the leader-epoch start offset) is added back, and not before', () => {
    // One batch per fetch: the returning follower spends many fetches below the HW.
    const cluster = setup({ seed: 55, config: { 'replica.fetch.max.bytes': 1 } })
    const leader = mustPartition(cluster, 1)
    cluster.block(3, 1)
    awaitIsrWithout(cluster, 3, 60_000)
    for (let i = 0; i < 8; i++) produce(cluster, [`r${i}`], -1)
    const proposals = watch(cluster, ['isr-expand-proposed'], 1)
    let belowHwFetches = 0
    let conditionAtProposal: { leo: number; hw: number; start: number } | null = null
    const stop = cluster.sim.afterEachEvent(() => {
      const state = leader.followers.get(3)!
      if (proposals.length > 0 && conditionAtProposal === null) {
        conditionAtProposal = { leo: state.logEndOffset, hw: leader.log.highWatermark, start: leader.leaderEpochStartOffset! }
      }
      if (proposals.length === 0 && state.logEndOffset >= 0 && state.logEndOffset < leader.log.highWatermark) belowHwFetches++
    })
    cluster.heal()
    runUntil(cluster, () => controllerState(cluster).isr.includes(3), 30_000, 'broker 3 not added back')
    stop()
    expect(belowHwFetches).toBeGreaterThan(0)
    expect(proposals).toHaveLength(1)
    expect(proposals[0]!.data).toMatchObject({ follower: 3, proposed: [1, 2, 3] })
    const at = conditionAtProposal!
    expect(at.leo).toBeGreaterThanOrEqual(at.hw)
    expect(at.leo).toBeGreaterThanOrEqual(at.start)
  })

  it('a follower at the HW but below the leader-epoch start offset is not added; at the start offset it is (one Partition)', () => {
    const host = new TestHost(1)
    registerBrokers(host, [1, 2, 3])
    const leader = standalonePartition(host)
    // Five records from an earlier epoch; this broker knows the HW only up to 3 when it takes epoch 2.
    for (let i = 0; i < 5; i++) leader.log.appendAsLeader([{ key: null, value: `v${i}`, timestamp: 0 }], 1, NOT_IDEMPOTENT, 0)
    leader.log.setHighWatermark(3)
    leader.makeLeader(partitionState({ leader: 1, isr: [1, 2], leaderEpoch: 2 }))
    expect(leader.leaderEpochStartOffset).toBe(5)
    expect(leader.log.highWatermark).toBe(3)
    followerFetch(leader, 3, 2, { lastFetchedEpoch: 1 })
    expect(leader.isrState.kind).toBe('committed')
    followerFetch(leader, 3, 4, { lastFetchedEpoch: 1 })
    expect(leader.isrState.kind).toBe('committed')
    expect(host.alterPartitionSubmissions).toEqual([])
    followerFetch(leader, 3, 5, { lastFetchedEpoch: 1 })
    expect(leader.isrState).toMatchObject({ kind: 'pending-expand', adding: 3, proposed: [1, 2, 3] })
    expect(host.alterPartitionSubmissions).toEqual([leader])
  })

  it('only one ISR change is in flight per partition: no expansion while a shrink is pending, then it goes ahead (one Partition)', () => {
    const host = new TestHost(1)
    registerBrokers(host, [1, 2, 3])
    const leader = standalonePartition(host)
    leader.makeLeader(partitionState({ leader: 1, isr: [1, 2], leaderEpoch: 1 }))
    leader.appendRecordsToLeader([{ key: null, value: 'a', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    followerFetch(leader, 2, 1)
    // Follower 2 falls behind: the leader appends, and 2 does not fetch for longer than the lag.
    leader.appendRecordsToLeader([{ key: null, value: 'b', timestamp: 0 }], 1, NOT_IDEMPOTENT)
    host.nowMs += host.replicaLagTimeMaxMs() + 1
    leader.maybeShrinkIsr()
    const shrink = leader.isrState
    expect(shrink).toMatchObject({ kind: 'pending-shrink', removing: [2] })
    // Follower 3 is caught up and eligible, but a change is in flight.
    followerFetch(leader, 3, 2)
    leader.maybeShrinkIsr()
    expect(leader.isrState).toBe(shrink)
    expect(host.alterPartitionSubmissions).toHaveLength(1)
    leader.handleAlterPartitionResponse(shrink, { topicId: leader.topicId, partition: 0, errorCode: 'NONE', leaderId: 1, leaderEpoch: 1, isr: [1], partitionEpoch: 2, leaderRecoveryState: 'RECOVERED' })
    expect(leader.isrState).toEqual({ kind: 'committed', isr: [1] })
    followerFetch(leader, 3, 2)
    expect(leader.isrState).toMatchObject({ kind: 'pending-expand', adding: 3 })
    expect(host.alterPartitionSubmissions).toHaveLength(2)
  })
})

describe('ISR rules under random faults', () => {
  it('the ISR never loses the leader, and a leader proposes an ISR change only when none is in flight', () => {
    const fault = fc.record({
      atMs: fc.integer({ min: 0, max: 60_000 }),
      kind: fc.constantFrom('crash' as const, 'pause' as const, 'isolate' as const, 'block' as const, 'partition' as const),
      broker: fc.integer({ min: 1, max: 3 }),
      to: fc.integer({ min: 1, max: 3 }),
      durationMs: fc.integer({ min: 1000, max: 45_000 }),
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.array(fault, { minLength: 2, maxLength: 6 }), (seed, faults: Fault[]) => {
        const cluster = setup({ seed })
        const proposals = watch(cluster, ['isr-shrink-proposed', 'isr-expand-proposed'])
        const stateBefore = new Map<number, { partition: Partition; kind: IsrState['kind'] }>()
        let seen = 0
        const stop = cluster.sim.afterEachEvent(() => {
          const state = controllerState(cluster)
          if (state.leader !== -1) expect(state.isr).toContain(state.leader)
          expect(state.isr.length).toBeGreaterThan(0)
          for (; seen < proposals.length; seen++) {
            const before = stateBefore.get(proposals[seen]!.node as number)
            if (before && before.partition === partitionOn(cluster, proposals[seen]!.node as number)) expect(before.kind).toBe('committed')
          }
          for (const id of cluster.brokerIds) {
            const p = partitionOn(cluster, id)
            if (!p) continue
            if (p.isLeader) {
              expect(p.isr).toContain(id)
              expect(p.maximalIsr).toContain(id)
            }
            stateBefore.set(id, { partition: p, kind: p.isrState.kind })
          }
        })
        cluster.addRawClient('producer', { requestTimeoutMs: 2000, workload: { partitions: [{ topic: TOPIC, partition: 0 }], acks: 1, recordsPerSec: 10, stopAtMs: cluster.now + 60_000 } })
        scheduleFaults(cluster, faults, 60_000)
        cluster.advance(60_000)
        healAll(cluster)
        cluster.advance(10_000)
        stop()
      }),
      { seed: 3, numRuns: 5 },
    )
  })
})

describe('following a leader', () => {
  // Kafka shuts a fetcher thread down once it has no partitions left
  // (ReplicaManager.applyDelta -> replicaFetcherManager.shutdownIdleFetcherThreads), so a
  // broker that follows the same leader again later gets a new thread that fetches at
  // once. Here the session to that leader is kept (fetcher.ts remove() leaves it in
  // `sessions`), with the fetch its old leader never answered still marked in flight, and
  // the next add() waits for that fetch to time out (REPLICA_FETCH_REQUEST_TIMEOUT_MS, 30 s).
  it('a follower that follows a broker again fetches from it at once, not after a fetch its previous incarnation never answered times out', () => {
    const cluster = setup({ seed: 7, replicas: [1, 3, 2] })
    expect(produce(cluster, ['a'], -1).status).toBe('acked')
    // Broker 3 has a fetch parked at broker 1 when 1 crashes: it is never answered.
    cluster.crashBroker(1)
    awaitLeader(cluster, 3, 0)
    cluster.restartBroker(1)
    runUntil(cluster, () => controllerState(cluster).isr.includes(1), 30_000, 'broker 1 back in the ISR')
    const fetchesAtOne = watch(cluster, ['deliver'], 1)
    cluster.electLeaders('PREFERRED')
    awaitLeader(cluster, 1, 1)
    runUntil(cluster, () => mustPartition(cluster, 3).leaderId === 1, 1000, 'broker 3 follows broker 1')
    const followingAt = cluster.now
    runUntil(cluster, () => fetchesAtOne.some((r) => (r.data as { from: unknown }).from === 3 && (r.data as { message: { type: string } }).message.type === 'Fetch'), 60_000, 'no fetch from 3')
    const firstFetch = fetchesAtOne.find((r) => (r.data as { from: unknown }).from === 3 && (r.data as { message: { type: string } }).message.type === 'Fetch')!
    expect(firstFetch.time - followingAt).toBeLessThanOrEqual(DEFAULTS['replica.fetch.backoff.ms'])
  })
})
