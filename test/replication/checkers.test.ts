// Positive controls for the invariant checkers (sim/checkers/invariants.ts): each one fires
// when its invariant is broken, here by corrupting a replica's state on purpose (the
// anomaly and KIP-101 tests show 'log-matching', 'leader-completeness' and 'stable-reads'
// firing on their own), and all stay silent on a healthy run with faults under acks=all,
// min.insync.replicas=2.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { FetchOutcome } from '../../core/client/raw-client.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../core/records.ts'
import { ALL_CHECKERS, InvariantCheckers, type CheckerName } from '../../sim/checkers/invariants.ts'
import { RandomStreams } from '../../sim/random.ts'
import type { Cluster } from '../../sim/cluster.ts'
import {
  awaitLeader,
  CLIENT,
  consume,
  controllerState,
  type Fault,
  healAll,
  mustPartition,
  partitionOn,
  produce,
  runUntil,
  scheduleFaults,
  setup,
  TOPIC,
  valueAt,
} from './support.ts'

const NOT_IDEMPOTENT = { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE }

function fired(checkers: InvariantCheckers): Set<CheckerName> {
  return new Set(checkers.violations.map((v) => v.checker))
}

/** A three-broker cluster with checkers attached and a, b acknowledged (acks=all, one batch each) and replicated everywhere. */
function healthy(seed: number, config: Record<string, unknown> = {}) {
  const cluster = setup({ seed, config })
  const checkers = new InvariantCheckers(cluster)
  expect(produce(cluster, ['a'], -1).status).toBe('acked')
  expect(produce(cluster, ['b'], -1).status).toBe('acked')
  runUntil(cluster, () => [1, 2, 3].every((id) => mustPartition(cluster, id).log.highWatermark === 2), 5000, 'every replica has HW 2')
  expect(checkers.violations).toEqual([])
  return { cluster, checkers }
}

describe('each checker fires when its invariant breaks', () => {
  it("high-watermark-monotonic: a leader whose HW goes down within its epoch", () => {
    const { cluster, checkers } = healthy(81)
    mustPartition(cluster, 1).log.setHighWatermark(1)
    cluster.advance(1000)
    expect([...fired(checkers)]).toEqual(['high-watermark-monotonic'])
    expect(checkers.violations[0]!.state).toMatchObject({ broker: 1, from: 2, to: 1 })
  })

  it('single-leader-per-epoch: two brokers leading the partition in one leader epoch', () => {
    const { cluster, checkers } = healthy(82)
    mustPartition(cluster, 2).makeLeader(controllerState(cluster))
    cluster.advance(1000)
    expect(fired(checkers)).toContain('single-leader-per-epoch')
    expect(checkers.violations.find((v) => v.checker === 'single-leader-per-epoch')!.state).toMatchObject({ epoch: 0, brokers: [1, 2] })
  })

  it('isr-integrity: a leader raising its HW while its committed ISR is below min.insync.replicas', () => {
    const { cluster, checkers } = healthy(83, { 'min.insync.replicas': 2 })
    cluster.block(1, 2)
    cluster.block(1, 3)
    expect(produce(cluster, ['c'], 1).status).toBe('acked')
    const leader = mustPartition(cluster, 1)
    expect(checkers.violations).toEqual([])
    leader.isrState = { kind: 'committed', isr: [1] }
    leader.log.setHighWatermark(leader.log.logEndOffset)
    cluster.advance(1000)
    expect([...fired(checkers)]).toEqual(['isr-integrity'])
    expect(checkers.violations[0]!.state).toMatchObject({ broker: 1, isr: [1], highWatermark: 3 })
  })

  it('log-matching: two replicas holding different records below both HWs', () => {
    const { cluster, checkers } = healthy(84)
    const follower = mustPartition(cluster, 2)
    // Broker 2 stands still while its log is rewritten at offset 1, one step per event, as a truncation and a later append would be.
    cluster.pause(2)
    follower.log.truncateTo(1)
    cluster.advance(1000)
    follower.log.appendAsLeader([{ key: null, value: 'forged', timestamp: 0 }], 0, NOT_IDEMPOTENT, 0)
    follower.log.setHighWatermark(2)
    cluster.advance(1000)
    expect(fired(checkers)).toContain('log-matching')
    expect(checkers.violations.find((v) => v.checker === 'log-matching')!.state).toMatchObject({ offset: 1 })
  })

  it('leader-completeness: a cleanly elected leader without an acks=all acknowledged record', () => {
    const { cluster, checkers } = healthy(85)
    // Broker 2 quietly loses b; broker 1 dies; 2 is elected from the ISR.
    mustPartition(cluster, 2).log.truncateTo(1)
    cluster.crashBroker(1)
    awaitLeader(cluster, 2, 0)
    expect(controllerState(cluster).leaderRecoveryState).toBe('RECOVERED')
    expect(fired(checkers)).toContain('leader-completeness')
    expect(checkers.violations.find((v) => v.checker === 'leader-completeness')!.state).toMatchObject({ leader: 2, offset: 1, expected: 'b' })
  })

  it('stable-reads: a record read at an offset changes, or a read returns a record at or above the HW', () => {
    const { cluster, checkers } = healthy(86)
    expect(consume(cluster, 1).batches!.flatMap((b) => b.records.map((r) => r.value))).toEqual(['b'])
    const leader = mustPartition(cluster, 1)
    leader.log.truncateTo(1)
    leader.log.appendAsLeader([{ key: null, value: 'rewritten', timestamp: 0 }], 0, NOT_IDEMPOTENT, 0)
    leader.log.setHighWatermark(2)
    expect(consume(cluster, 1).batches!.flatMap((b) => b.records.map((r) => r.value))).toEqual(['rewritten'])
    expect(checkers.violations.filter((v) => v.checker === 'stable-reads').map((v) => v.state)).toContainEqual(expect.objectContaining({ offset: 1, before: 'b', now: 'rewritten' }))

    // A read the broker should never have returned: a record at the HW.
    const fake: FetchOutcome = { requestId: 999, topic: TOPIC, partition: 0, offset: 0, status: 'done', highWatermark: 0, batches: leader.log.read(0, 1 << 20, leader.log.logEndOffset) }
    cluster.rawClient(CLIENT).fetches.push(fake)
    cluster.advance(1000)
    expect(checkers.violations.filter((v) => v.checker === 'stable-reads').map((v) => v.state)).toContainEqual(expect.objectContaining({ offset: 0, highWatermark: 0 }))
  })

  it('every checker has a positive control here', () => {
    expect([...ALL_CHECKERS].sort()).toEqual(['high-watermark-monotonic', 'isr-integrity', 'leader-completeness', 'log-matching', 'single-leader-per-epoch', 'stable-reads'])
  })
})

describe('the checkers stay silent on a healthy run', () => {
  it('acks=all, min.insync.replicas=2, RF=3, unclean elections off, under crashes, power losses (with per-message flush), pauses and network faults: no violation and every acknowledged record on every replica', () => {
    const fault = fc.record({
      atMs: fc.integer({ min: 0, max: 40_000 }),
      kind: fc.constantFrom('crash' as const, 'power-fail' as const, 'pause' as const, 'isolate' as const, 'partition' as const, 'block' as const),
      broker: fc.integer({ min: 1, max: 3 }),
      to: fc.integer({ min: 1, max: 3 }),
      durationMs: fc.integer({ min: 500, max: 35_000 }),
    })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.array(fault, { minLength: 2, maxLength: 6 }), (seed, faults: Fault[]) => {
        // Power losses keep acknowledged data only if it was flushed: log.flush.interval.messages=1 (KAFKA-FACTS 6.3).
        const cluster = setup({ seed, config: { 'min.insync.replicas': 2, 'log.flush.interval.messages': 1 } })
        const checkers = new InvariantCheckers(cluster)
        cluster.addRawClient('producer', { requestTimeoutMs: 3000, workload: { partitions: [{ topic: TOPIC, partition: 0 }], acks: -1, recordsPerSec: 20, stopAtMs: cluster.now + 45_000 } })
        scheduleFaults(cluster, faults, 45_000)
        cluster.advance(45_000)
        healAll(cluster)
        runUntil(cluster, () => settled(cluster), 120_000, 'the partition does not settle')
        checkers.stop()
        expect(checkers.violations).toEqual([])
        const acknowledged = checkers.acknowledged()
        expect(acknowledged.length).toBeGreaterThan(0)
        for (const id of cluster.brokerIds) {
          const p = mustPartition(cluster, id)
          for (const record of acknowledged) expect(valueAt(p, record.offset)).toBe(record.value)
        }
      }),
      { seed: 5, numRuns: 4 },
    )
  })
})

/** Every broker up, a leader, a full ISR, and every replica level with the leader. */
function settled(cluster: Cluster): boolean {
  const state = controllerState(cluster)
  if (state.leader === -1 || state.isr.length !== 3) return false
  const leader = partitionOn(cluster, state.leader)
  if (!leader?.isLeader) return false
  return cluster.brokerIds.every((id) => {
    const p = partitionOn(cluster, id)
    return p !== undefined && p.log.logEndOffset === leader.log.logEndOffset && p.log.highWatermark === leader.log.highWatermark
  })
}

describe('the incremental checks', () => {
  // The checkers look again only at the nodes that acted since the last event (see
  // sim/checkers/invariants.ts). Checked against checking every node after every event, on
  // runs that break invariants: unclean elections with min.insync.replicas=1, power losses
  // of unflushed logs, the pre-KIP-101 truncation, network faults, and replicas corrupted
  // on purpose (each corruption followed by a zero-length pause of its broker, so that the
  // trace names the broker as it names any node whose state the simulation changes).
  it('give the verdicts of full checks, report for report', () => {
    const fired = new Set<CheckerName>()
    for (let seed = 0; seed < 9; seed++) {
      const cluster = setup({
        seed,
        legacyTruncateToHighWatermarkOnRestart: true,
        config: { 'unclean.leader.election.enable': true, 'min.insync.replicas': 1 },
        disk: { writebackDelayMs: null },
      })
      const incremental = new InvariantCheckers(cluster)
      const full = new InvariantCheckers(cluster, ALL_CHECKERS, false)
      cluster.addRawClient('writer', { workload: { partitions: [{ topic: TOPIC, partition: 0 }], acks: -1, recordsPerSec: 100 } })
      const random = new RandomStreams(seed).stream('incremental-checks')
      for (let step = 0; step < 30; step++) {
        cluster.advance(random.uniform(100, 1500))
        const id = random.pick(cluster.brokerIds)
        const state = cluster.sim.stateOf(id)
        const roll = random.next()
        if (state === 'crashed') cluster.restartBroker(id)
        else if (state === 'paused') cluster.resume(id)
        else if (roll < 0.2) cluster.powerFailBroker(id)
        else if (roll < 0.3) cluster.crashBroker(id)
        else if (roll < 0.4) cluster.pause(id)
        else if (roll < 0.55) cluster.isolate(id)
        else if (roll < 0.7) cluster.heal()
        else if (roll < 0.8) cluster.sim.command(CLIENT, { op: 'fetch', topic: TOPIC, partition: 0, offset: 0, maxBytes: 1 << 20 })
        else {
          const p = partitionOn(cluster, id)
          if (!p) continue
          // One kind of corruption per run: a double leader, once made, is reported after every event.
          const kind = seed % 3
          if (kind === 0) p.log.setHighWatermark(Math.max(0, p.log.highWatermark - 1))
          else if (kind === 1 && p.isLeader) p.isrState = { kind: 'committed', isr: [id] }
          else if (kind === 1) p.log.truncateTo(Math.max(p.log.logStartOffset, p.log.logEndOffset - 2))
          else if (!p.isLeader) p.makeLeader(controllerState(cluster))
          cluster.pause(id)
          cluster.resume(id)
        }
      }
      cluster.advance(3000)
      incremental.stop()
      full.stop()
      expect(incremental.violations, `seed ${seed}`).toEqual(full.violations)
      for (const v of full.violations) fired.add(v.checker)
    }
    // The comparison means something only if the runs broke invariants of several kinds.
    expect(fired.size).toBeGreaterThanOrEqual(4)
  })
})
