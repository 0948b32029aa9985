// KIP-101 (KAFKA-FACTS 6.4): before leader epochs, a restarted replica truncated its log to
// its last checkpointed high watermark, which can be staler than what was committed. If
// that replica then becomes leader, an acknowledged acks=all record is gone, and the offset
// it held is handed to a new record. Leader epochs replace that truncation: a restarted
// replica keeps its log and truncates only where the leader's history says it diverged.
//
// KIP-101's own first scenario (the follower restarts and truncates, then the leader dies
// and the truncated follower is elected) cannot happen in this KRaft model: a broker that
// re-registers after a crash leaves every ISR (the controller's handleBrokerUncleanShutdown,
// active on the metadata versions a 4.x cluster runs), and it can only rejoin once its log
// reaches the leader's HW, i.e. after fetching back what it cut. The same loss happens when the truncating
// replica is the last one in the ISR, which the controller never removes: the old leader
// dies right after acknowledging, the follower takes over before its HW checkpoint catches
// up, and restarts.

import { describe, expect, it } from 'vitest'
import { InvariantCheckers } from '../../sim/checkers/invariants.ts'
import { awaitConverged, awaitLeader, consume, controllerState, mustPartition, produce, setup, valueAt, values, watch } from './support.ts'

function scenario(legacyTruncateToHighWatermarkOnRestart: boolean) {
  // Two replicas: A = 1 (leader), B = 2.
  const cluster = setup({ seed: 61, brokers: 2, legacyTruncateToHighWatermarkOnRestart })
  const checkers = new InvariantCheckers(cluster)
  const truncations = watch(cluster, ['replica-truncated'])
  const acked = [produce(cluster, ['m1'], -1)]
  // Both replicas checkpoint a HW covering m1.
  cluster.advance(6000)
  acked.push(produce(cluster, ['m2'], -1))
  const m2Offset = acked[1]!.baseOffset!
  const readBefore = consume(cluster, m2Offset).batches!.flatMap((b) => b.records.map((r) => r.value))
  // A dies right after acknowledging m2: B's fetch that would bring it the HW is still parked at A.
  expect(mustPartition(cluster, 2).log.highWatermark).toBeLessThanOrEqual(m2Offset)
  cluster.crashBroker(1)
  const b = awaitLeader(cluster, 2, 0)
  expect(b.log.logEndOffset).toBe(m2Offset + 1)
  // B is the last ISR member; it crashes before its periodic HW checkpoint records the HW it now has as leader.
  const checkpointed = cluster.sim.storageOf(2).read<number>('orders-0/high-watermark')!
  expect(checkpointed).toBeLessThanOrEqual(m2Offset)
  cluster.crashBroker(2)
  cluster.restartBroker(2)
  const epochBefore = b.leaderEpoch
  awaitLeader(cluster, 2, epochBefore)
  expect(controllerState(cluster)).toMatchObject({ leader: 2, leaderRecoveryState: 'RECOVERED' })
  acked.push(produce(cluster, ['m3'], -1))
  cluster.restartBroker(1)
  awaitConverged(cluster, [1, 2])
  const readAfter = consume(cluster, m2Offset).batches!.flatMap((r) => r.records.map((x) => x.value))
  checkers.stop()
  return { cluster, checkers, truncations, acked, m2Offset, checkpointed, readBefore, readAfter }
}

describe('KIP-101: truncating to the high watermark on restart', () => {
  it('with leader epochs (the default) a restarted replica keeps its log: the replicas converge and no acks=all acknowledged record is lost', () => {
    const { cluster, checkers, truncations, acked, m2Offset, readBefore, readAfter } = scenario(false)
    expect(acked.map((o) => o.status)).toEqual(['acked', 'acked', 'acked'])
    for (const id of [1, 2]) {
      const p = mustPartition(cluster, id)
      for (const o of acked) expect(valueAt(p, o.baseOffset!)).toBe(o.values[0])
    }
    expect(values(mustPartition(cluster, 1))).toEqual(values(mustPartition(cluster, 2)))
    expect(truncations.filter((t) => String(t.data.reason).includes('KIP-101'))).toEqual([])
    expect(readAfter[0]).toBe(readBefore[0])
    expect(readBefore[0]).toBe('m2')
    expect(checkers.violations).toEqual([])
    expect(m2Offset).toBe(1)
  })

  it('pre-KIP-101 (legacyTruncateToHighWatermarkOnRestart): the restarted replica cuts the acknowledged m2, is elected, and offset 1 now holds another record', () => {
    const { cluster, checkers, truncations, acked, m2Offset, checkpointed, readBefore, readAfter } = scenario(true)
    expect(acked.map((o) => o.status)).toEqual(['acked', 'acked', 'acked'])
    const [, m2, m3] = acked
    // B cut its log back to its stale checkpoint on restart.
    expect(truncations.find((t) => t.node === 2)!.data).toMatchObject({ from: m2Offset + 1, to: checkpointed, reason: expect.stringContaining('KIP-101') })
    // The acknowledged m2 is on no replica; its offset was given to m3.
    for (const id of [1, 2]) {
      expect(values(mustPartition(cluster, id))).not.toContain('m2')
      expect(valueAt(mustPartition(cluster, id), m2Offset)).toBe('m3')
    }
    expect(m3!.baseOffset).toBe(m2!.baseOffset)
    expect(readBefore).toEqual(['m2'])
    expect(readAfter[0]).toBe('m3')
    // The checkers see it: a clean leader without an acknowledged record, and a read that changed.
    const fired = new Set(checkers.violations.map((v) => v.checker))
    expect(fired).toContain('leader-completeness')
    expect(fired).toContain('stable-reads')
    expect(checkers.violations.find((v) => v.checker === 'leader-completeness')!.state).toMatchObject({ leader: 2, offset: m2Offset, expected: 'm2' })
  })
})
