// The ways Kafka loses acknowledged records (KAFKA-FACTS 6.1-6.3), each shown concretely:
// which records, at which offsets, and what those offsets hold afterwards.

import { describe, expect, it } from 'vitest'
import { InvariantCheckers } from '../../sim/checkers/invariants.ts'
import {
  awaitConverged,
  awaitLeader,
  consume,
  CONTROLLER,
  controllerState,
  mustPartition,
  produce,
  runUntil,
  setup,
  valueAt,
  values,
  watch,
} from './support.ts'

const read = (batches: readonly { records: readonly { value: string | null }[] }[] | undefined) => (batches ?? []).flatMap((b) => b.records.map((r) => r.value))

describe('anomalies: acknowledged records that are lost', () => {
  it('6.1 acks=1 loss: the leader acknowledges, dies before any follower fetched, a follower is elected cleanly, and the old leader truncates the acknowledged records on return', () => {
    const cluster = setup({ seed: 71 })
    const checkers = new InvariantCheckers(cluster)
    const truncations = watch(cluster, ['replica-truncated'], 1)
    expect(produce(cluster, ['a'], -1).status).toBe('acked')
    cluster.block(1, 2)
    cluster.block(1, 3)
    const lost = [produce(cluster, ['b'], 1), produce(cluster, ['c'], 1)]
    expect(lost.map((o) => o.status)).toEqual(['acked', 'acked'])
    const lostOffsets = lost.map((o) => o.baseOffset!)
    for (const [i, o] of lost.entries()) expect(valueAt(mustPartition(cluster, 1), lostOffsets[i]!)).toBe(o.values[0])

    cluster.crashBroker(1)
    cluster.heal()
    const newLeader = awaitLeader(cluster, 2, 0)
    expect(controllerState(cluster)).toMatchObject({ leader: 2, leaderRecoveryState: 'RECOVERED' })
    expect(newLeader.log.logEndOffset).toBe(lostOffsets[0])
    const after = [produce(cluster, ['d'], -1), produce(cluster, ['e'], -1)]
    cluster.restartBroker(1)
    awaitConverged(cluster, [1, 2, 3])
    checkers.stop()

    // b and c, acknowledged at offsets 1 and 2, are gone; d and e took their offsets.
    expect(after.map((o) => o.baseOffset)).toEqual(lostOffsets)
    for (const id of [1, 2, 3]) {
      const p = mustPartition(cluster, id)
      expect(values(p)).toEqual(['a', 'd', 'e'])
      for (const o of lost) expect(values(p)).not.toContain(o.values[0])
    }
    expect(truncations.map((t) => t.data)).toEqual([expect.objectContaining({ from: lostOffsets[1]! + 1, to: lostOffsets[0], reason: 'diverging epoch' })])
    // Nothing acks=all promised was broken: acks=1 promises only the leader's append.
    expect(checkers.violations).toEqual([])
  })

  it('6.2 unclean election loss: the ISR shrinks to the leader, the leader dies, an out-of-sync replica is elected (unclean.leader.election.enable): the suffix is lost', () => {
    const cluster = setup({ seed: 72, topicConfig: { 'unclean.leader.election.enable': true } })
    const checkers = new InvariantCheckers(cluster)
    expect(produce(cluster, ['m1'], -1).status).toBe('acked')
    cluster.crashBroker(2)
    cluster.crashBroker(3)
    runUntil(cluster, () => controllerState(cluster).isr.length === 1, 20_000, 'the ISR shrinks to the leader')
    // min.insync.replicas=1: acks=all is satisfied by the leader alone.
    const suffix = [produce(cluster, ['m2'], -1), produce(cluster, ['m3'], -1)]
    expect(suffix.map((o) => o.status)).toEqual(['acked', 'acked'])
    const suffixOffsets = suffix.map((o) => o.baseOffset!)
    expect(read(consume(cluster, suffixOffsets[0]!).batches)).toEqual(['m2', 'm3'])
    cluster.advance(6000) // the leader checkpoints a HW covering the suffix

    cluster.crashBroker(1)
    runUntil(cluster, () => controllerState(cluster).leader === -1, 20_000, 'the leader is fenced')
    expect(controllerState(cluster).isr).toEqual([1])
    cluster.restartBroker(2)
    const unclean = awaitLeader(cluster, 2, 0)
    expect(controllerState(cluster)).toMatchObject({ leader: 2, isr: [2], leaderRecoveryState: 'RECOVERING' })
    expect(values(unclean)).toEqual(['m1'])
    const after = produce(cluster, ['m4'], -1)
    expect(after).toMatchObject({ status: 'acked', baseOffset: suffixOffsets[0] })
    cluster.restartBroker(1)
    cluster.restartBroker(3)
    awaitConverged(cluster, [1, 2, 3])
    const reread = read(consume(cluster, suffixOffsets[0]!).batches)
    checkers.stop()

    for (const id of [1, 2, 3]) {
      const p = mustPartition(cluster, id)
      expect(values(p)).toEqual(['m1', 'm4'])
      for (const o of suffix) expect(values(p)).not.toContain(o.values[0])
    }
    expect(reread).toEqual(['m4'])
    // The unclean leader itself is allowed to lack them (RECOVERING), but the returning old
    // leader and the new one disagree below both HWs, and a consumer's read changed.
    const fired = new Set(checkers.violations.map((v) => v.checker))
    expect(fired).toContain('log-matching')
    expect(fired).toContain('stable-reads')
    expect(fired).not.toContain('leader-completeness')
    expect(checkers.violations.find((v) => v.checker === 'log-matching')!.state).toMatchObject({ offset: suffixOffsets[0] })
  })

  it('6.3 last replica standing with a lossy restart: power loss drops the only ISR member\'s page-cache tail, it is re-elected, and the followers truncate to it', () => {
    const cluster = setup({ seed: 73 })
    const checkers = new InvariantCheckers(cluster)
    const writebacks = watch(cluster, ['writeback'], 1)
    const appends = watch(cluster, ['append'], 1)
    const followerTruncations = watch(cluster, ['replica-truncated'])
    expect(produce(cluster, ['m1'], -1).status).toBe('acked')
    // The followers keep fetching from the leader but cannot reach the controller: fenced,
    // they leave the ISR and are not eligible to rejoin it.
    cluster.block(2, CONTROLLER)
    cluster.block(3, CONTROLLER)
    runUntil(cluster, () => controllerState(cluster).isr.length === 1, 20_000, 'the ISR shrinks to the leader')
    // The OS has just written broker 1's page cache back: m1 is durable, what follows is not.
    const writebacksBefore = writebacks.length
    runUntil(cluster, () => writebacks.length > writebacksBefore, 60_000, 'no writeback on broker 1')
    const durableEnd = mustPartition(cluster, 1).log.logEndOffset
    const tail = [produce(cluster, ['m2'], -1), produce(cluster, ['m3'], -1)]
    expect(tail.map((o) => o.status)).toEqual(['acked', 'acked'])
    runUntil(cluster, () => [2, 3].every((id) => mustPartition(cluster, id).log.logEndOffset === durableEnd + 2), 2000, 'the followers fetch the tail')
    expect(controllerState(cluster).isr).toEqual([1])
    const tailAppendedAt = appends.at(-2)!.time
    cluster.powerFailBroker(1)
    expect(writebacks.filter((w) => w.time >= tailAppendedAt)).toEqual([])

    cluster.heal()
    runUntil(cluster, () => controllerState(cluster).leader === -1, 20_000, 'the leader is fenced')
    // No clean candidate: the followers are not in the ISR.
    expect(controllerState(cluster).isr).toEqual([1])
    cluster.restartBroker(1)
    const reElected = awaitLeader(cluster, 1, 0)
    expect(controllerState(cluster)).toMatchObject({ leader: 1, leaderRecoveryState: 'RECOVERED' })
    expect(reElected.log.logEndOffset).toBe(durableEnd)
    awaitConverged(cluster, [1, 2, 3])
    checkers.stop()

    for (const id of [1, 2, 3]) {
      const p = mustPartition(cluster, id)
      expect(values(p)).toEqual(['m1'])
      for (const o of tail) expect(valueAt(p, o.baseOffset!)).toBeUndefined()
    }
    for (const id of [2, 3]) {
      expect(followerTruncations.filter((t) => t.node === id).map((t) => t.data)).toEqual([expect.objectContaining({ from: durableEnd + 2, to: durableEnd, reason: 'diverging epoch' })])
    }
    // A clean leader without acknowledged records: exactly what leader completeness forbids.
    const violation = checkers.violations.find((v) => v.checker === 'leader-completeness')
    expect(violation?.state).toMatchObject({ leader: 1, offset: tail[0]!.baseOffset, expected: 'm2' })
  })
})
