// The partition change builder (core/controller/partition-change.ts) against Kafka's
// PartitionChangeBuilder (metadata/src/main/java/org/apache/kafka/controller/
// PartitionChangeBuilder.java): who is elected, what happens to the ISR and the ELR, and
// which epochs a change bumps once the record is replayed (PartitionRegistration.merge).

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildPartitionChange, type Election, type PartitionChangeRequest } from '../../core/controller/partition-change.ts'
import type { PartitionState } from '../../core/metadata/image.ts'
import { NO_LEADER } from '../../core/metadata/records.ts'
import { partitionState, replayChange } from './support.ts'

const only = (...brokers: number[]) => (r: number) => brokers.includes(r)
const everyone = () => true

/** Builds the change and replays it: the builder's answer and the partition every node ends up with. */
function change(request: Omit<PartitionChangeRequest, 'minIsr' | 'eligibleLeaderReplicasEnabled' | 'election'> & Partial<PartitionChangeRequest>) {
  const full: PartitionChangeRequest = { minIsr: 1, eligibleLeaderReplicasEnabled: false, election: 'ONLINE', ...request }
  const result = buildPartitionChange(full)
  return { ...result, after: replayChange(full.current, result.record) }
}

describe('PartitionChangeBuilder: elections (electAnyLeader)', () => {
  it('keeps a current leader that is still in the target ISR and acceptable, even when it is not the first replica', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 3 })
    const { record, leader, after } = change({ current, isAcceptableLeader: everyone, targetIsr: [3, 1] })
    expect(leader).toBe(3)
    expect(record?.leader).toBeUndefined()
    expect(after.leader).toBe(3)
    expect(after.isr).toEqual([3, 1])
  })

  it('elects the first replica in assignment order that is in the target ISR and acceptable, not the first in ISR order', () => {
    // Leader 3 is being fenced; 1 is in the ISR but not acceptable (fenced too).
    const current = partitionState({ replicas: [3, 1, 2, 4], isr: [4, 2, 1, 3], leader: 3 })
    const targetIsr = current.isr.filter((r) => r !== 3)
    const acceptable = only(2, 4)
    const { record, leader, unclean, after } = change({ current, isAcceptableLeader: acceptable, targetIsr })
    const expected = current.replicas.find((r) => targetIsr.includes(r) && acceptable(r))
    expect(expected).toBe(2) // the scenario is the intended one: 4 comes first in the ISR, 2 in the assignment
    expect(leader).toBe(expected)
    expect(unclean).toBe(false)
    expect(record).toMatchObject({ leader: expected, isr: targetIsr })
    expect(after.leader).toBe(expected)
  })

  it('with ELR off, never writes an empty ISR: the last member stays and the partition is left with leader -1', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1], leader: 1 })
    const { record, leader, after } = change({ current, isAcceptableLeader: only(2, 3), targetIsr: [] })
    expect(leader).toBe(NO_LEADER)
    expect(record?.isr).toBeUndefined()
    expect(after.isr).toEqual([1])
    expect(after.leader).toBe(NO_LEADER)
    expect(after.leaderEpoch).toBe(current.leaderEpoch + 1)
  })

  it('an unclean election picks the first live replica in assignment order, sets ISR = [leader] and LeaderRecoveryState RECOVERING (KIP-704)', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1], leader: 1 })
    const acceptable = only(3, 2)
    const { record, leader, unclean, after } = change({ current, isAcceptableLeader: acceptable, targetIsr: [], election: 'UNCLEAN' })
    const expected = current.replicas.find(acceptable)!
    expect(leader).toBe(expected)
    expect(unclean).toBe(true)
    expect(record).toMatchObject({ leader: expected, isr: [expected], leaderRecoveryState: 'RECOVERING' })
    expect(after).toMatchObject({ leader: expected, isr: [expected], leaderRecoveryState: 'RECOVERING', leaderEpoch: current.leaderEpoch + 1 })
  })

  it('an unclean election with no live replica leaves the partition leaderless and the ISR as it was', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1], leader: 1 })
    const { leader, unclean, after } = change({ current, isAcceptableLeader: () => false, targetIsr: [], election: 'UNCLEAN' })
    expect(leader).toBe(NO_LEADER)
    expect(unclean).toBe(false)
    expect(after.isr).toEqual([1])
    expect(after.leaderRecoveryState).toBe('RECOVERED')
  })

  it('election UNCLEAN still elects cleanly when an ISR member is acceptable: no RECOVERING, the ISR is kept', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 3], leader: 1 })
    const { record, leader, unclean, after } = change({ current, isAcceptableLeader: only(2, 3), targetIsr: [3], election: 'UNCLEAN' })
    expect(leader).toBe(3)
    expect(unclean).toBe(false)
    expect(record?.leaderRecoveryState).toBeUndefined()
    expect(after).toMatchObject({ leader: 3, isr: [3], leaderRecoveryState: 'RECOVERED' })
  })

  it('an already RECOVERING partition elected uncleanly again does not rewrite the recovery state', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [2], leader: 2, leaderRecoveryState: 'RECOVERING' })
    const { record, after } = change({ current, isAcceptableLeader: only(3), targetIsr: [], election: 'UNCLEAN' })
    expect(record?.leader).toBe(3)
    expect(record?.leaderRecoveryState).toBeUndefined()
    expect(after.leaderRecoveryState).toBe('RECOVERING')
  })
})

describe('PartitionChangeBuilder: preferred election (electPreferredLeader)', () => {
  it('moves leadership to replicas[0] when it is in the ISR and acceptable, even though the current leader is valid', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [2, 3, 1], leader: 2 })
    const { record, after } = change({ current, isAcceptableLeader: everyone, election: 'PREFERRED' })
    expect(record).toMatchObject({ leader: current.replicas[0] })
    expect(after.leader).toBe(current.replicas[0])
    expect(after.leaderEpoch).toBe(current.leaderEpoch + 1)
  })

  it('keeps the current leader when replicas[0] is not in the ISR or not acceptable, and writes nothing', () => {
    const outOfIsr = partitionState({ replicas: [1, 2, 3], isr: [2, 3], leader: 2 })
    expect(change({ current: outOfIsr, isAcceptableLeader: everyone, election: 'PREFERRED' }).record).toBeNull()
    const fenced = partitionState({ replicas: [1, 2, 3], isr: [2, 3, 1], leader: 3 })
    expect(change({ current: fenced, isAcceptableLeader: only(2, 3), election: 'PREFERRED' }).record).toBeNull()
  })

  it('with neither replicas[0] nor the current leader valid, elects the next valid replica in assignment order', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })
    const { leader } = change({ current, isAcceptableLeader: only(3), election: 'PREFERRED' })
    expect(leader).toBe(3)
  })
})

describe('PartitionChangeBuilder: Eligible Leader Replicas (KIP-966)', () => {
  const elr = { eligibleLeaderReplicasEnabled: true } as const

  it('members leaving an ISR that falls below min ISR go to the ELR; ISR and ELR stay disjoint', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })
    const { after } = change({ ...elr, current, minIsr: 2, isAcceptableLeader: everyone, targetIsr: [1] })
    expect(after.isr).toEqual([1])
    expect([...after.eligibleLeaderReplicas].sort()).toEqual([2, 3])
    expect(after.isr.filter((r) => after.eligibleLeaderReplicas.includes(r))).toEqual([])
  })

  it('an ISR at or above min ISR clears the ELR', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1], eligibleLeaderReplicas: [2, 3], leader: 1 })
    const { after } = change({ ...elr, current, minIsr: 2, isAcceptableLeader: everyone, targetIsr: [1, 2] })
    expect(after.isr).toEqual([1, 2])
    expect(after.eligibleLeaderReplicas).toEqual([])
  })

  it('with ELR on the ISR may be written empty: the last leader goes to the ELR and is remembered as the last known leader', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1], eligibleLeaderReplicas: [2], leader: 1 })
    const { after } = change({ ...elr, current, minIsr: 2, isAcceptableLeader: only(3), targetIsr: [] })
    expect(after.isr).toEqual([])
    expect(after.leader).toBe(NO_LEADER)
    expect([...after.eligibleLeaderReplicas].sort()).toEqual([1, 2])
    expect(after.lastKnownElr).toEqual([1])
  })

  it('an ELR member is electable when the ISR is empty: the first acceptable one in assignment order leads and becomes the ISR', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [], eligibleLeaderReplicas: [3, 2, 1], leader: NO_LEADER, lastKnownElr: [1] })
    const acceptable = only(2, 3)
    const { leader, unclean, after } = change({ ...elr, current, minIsr: 2, isAcceptableLeader: acceptable })
    const expected = current.replicas.find((r) => current.eligibleLeaderReplicas.includes(r) && acceptable(r))
    expect(leader).toBe(expected)
    expect(unclean).toBe(false)
    expect(after.isr).toEqual([expected])
    expect(after.eligibleLeaderReplicas).not.toContain(expected)
    expect(after.leaderRecoveryState).toBe('RECOVERED')
    expect(after.lastKnownElr).toEqual([])
  })

  it('an ELR member is not electable while the ISR has members (even if none of them is acceptable)', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1], eligibleLeaderReplicas: [2], leader: 1 })
    const { leader } = change({ ...elr, current, minIsr: 2, isAcceptableLeader: only(2) })
    expect(leader).toBe(NO_LEADER)
  })

  it('an unclean-shutdown replica never enters the ELR, and leaves it if it was there', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2], eligibleLeaderReplicas: [3], leader: 1 })
    const { after } = change({ ...elr, current, minIsr: 3, isAcceptableLeader: (r) => r !== 2, targetIsr: [1], uncleanShutdownReplicas: [2] })
    expect(after.eligibleLeaderReplicas).not.toContain(2)
    expect(after.eligibleLeaderReplicas).toContain(3)
    const again = change({ ...elr, current: after, minIsr: 3, isAcceptableLeader: (r) => r !== 3, targetIsr: [1], uncleanShutdownReplicas: [3] })
    expect(again.after.eligibleLeaderReplicas).toEqual([])
  })

  it('with ELR off, a partition never keeps ELR entries', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })
    const { after } = change({ current, minIsr: 3, isAcceptableLeader: everyone, targetIsr: [1] })
    expect(after.eligibleLeaderReplicas).toEqual([])
  })
})

describe('PartitionChangeBuilder: epochs (PartitionRegistration.merge)', () => {
  it('a record that names a leader bumps the leader epoch and the partition epoch', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })
    const { record, after } = change({ current, isAcceptableLeader: only(2, 3), targetIsr: [2, 3] })
    expect(record?.leader).toBe(2)
    expect(after.leaderEpoch).toBe(current.leaderEpoch + 1)
    expect(after.partitionEpoch).toBe(current.partitionEpoch + 1)
  })

  it('an ISR-only change (shrink or expand) bumps only the partition epoch', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2], leader: 1 })
    for (const targetIsr of [[1], [1, 2, 3]]) {
      const { record, after } = change({ current, isAcceptableLeader: everyone, targetIsr })
      expect(record).not.toBeNull()
      expect(record!.leader).toBeUndefined()
      expect(after.isr).toEqual(targetIsr)
      expect(after.leaderEpoch).toBe(current.leaderEpoch)
      expect(after.partitionEpoch).toBe(current.partitionEpoch + 1)
    }
  })

  it('no change gives no record (null), so neither epoch moves', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })
    for (const election of ['ONLINE', 'UNCLEAN', 'PREFERRED'] as const) {
      const { record, after } = change({ current, isAcceptableLeader: everyone, targetIsr: [1, 2, 3], election })
      expect(record).toBeNull()
      expect(after).toEqual(current)
    }
    const leaderless = partitionState({ replicas: [1, 2, 3], isr: [1], leader: NO_LEADER })
    expect(change({ current: leaderless, isAcceptableLeader: only(2, 3) }).record).toBeNull()
  })
})

describe('PartitionChangeBuilder: reassignment (completeReassignmentIfNeeded)', () => {
  // Moving [1, 2, 3] to [2, 3, 4]: replicas = target + removing, adding [4], removing [1] (PartitionReassignmentReplicas).
  const moving = partitionState({ replicas: [2, 3, 4, 1], isr: [1, 2, 3], addingReplicas: [4], removingReplicas: [1], leader: 1 })

  it('does not complete while a target replica is missing from the ISR', () => {
    const { record, after } = change({ current: moving, isAcceptableLeader: everyone, targetIsr: [1, 2, 3] })
    expect(record).toBeNull()
    expect(after.replicas).toEqual(moving.replicas)
  })

  it('completes once the ISR holds every target replica: removing replicas leave the replicas and the ISR, and a removed leader is replaced', () => {
    const targetIsr = [1, 2, 3, 4]
    const { record, leader, after } = change({ current: moving, isAcceptableLeader: everyone, targetIsr })
    const target = moving.replicas.filter((r) => !moving.removingReplicas.includes(r))
    expect(after.replicas).toEqual(target)
    expect(after.isr).toEqual(targetIsr.filter((r) => !moving.removingReplicas.includes(r)))
    expect(after.addingReplicas).toEqual([])
    expect(after.removingReplicas).toEqual([])
    expect(leader).toBe(target.find((r) => after.isr.includes(r)))
    expect(record?.leader).toBe(leader)
    expect(after.leaderEpoch).toBe(moving.leaderEpoch + 1)
  })

  it('a completed reassignment that shrinks the replica set bumps the leader epoch even with the same leader', () => {
    const shrinking = partitionState({ replicas: [1, 2, 3, 4], isr: [1, 2, 3, 4], addingReplicas: [], removingReplicas: [4], leader: 1 })
    const { record, after } = change({ current: shrinking, isAcceptableLeader: everyone })
    expect(after.replicas).toEqual([1, 2, 3])
    expect(after.leader).toBe(1)
    expect(record?.leader).toBe(1)
    expect(after.leaderEpoch).toBe(shrinking.leaderEpoch + 1)
  })

  it('starting a reassignment that only adds replicas bumps only the partition epoch', () => {
    const current = partitionState({ replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1 })
    const { record, after } = change({ current, isAcceptableLeader: everyone, targetReplicas: [2, 3, 4, 1], targetAddingReplicas: [4], targetRemovingReplicas: [1] })
    expect(record?.leader).toBeUndefined()
    expect(after).toMatchObject({ replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1], leader: 1, leaderEpoch: current.leaderEpoch })
    expect(after.partitionEpoch).toBe(current.partitionEpoch + 1)
  })
})

// --- the property ----------------------------------------------------------------------

const BROKERS = [1, 2, 3, 4, 5, 6]

interface Case {
  request: PartitionChangeRequest
  acceptable: number[]
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    replicas: fc.shuffledSubarray(BROKERS, { minLength: 1, maxLength: 5 }),
    elrOn: fc.boolean(),
    election: fc.constantFrom<Election>('ONLINE', 'PREFERRED', 'UNCLEAN'),
    acceptable: fc.subarray(BROKERS),
  })
  .chain(({ replicas, elrOn, election, acceptable: drawn }) =>
    fc
      .record({
        isr: fc.shuffledSubarray(replicas, { minLength: elrOn ? 0 : 1 }),
        minIsr: fc.integer({ min: 1, max: replicas.length }),
        targetIsr: fc.option(fc.shuffledSubarray(replicas), { nil: undefined }),
        unclean: fc.subarray(replicas, { maxLength: 1 }),
        leaderPick: fc.nat(),
        elrPick: fc.subarray(replicas),
        lastKnown: fc.option(fc.constantFrom(...replicas), { nil: undefined }),
      })
      .map(({ isr, minIsr, targetIsr, unclean, leaderPick, elrPick, lastKnown }): Case => {
        let acceptable = drawn
        const leaderChoices = [...isr, NO_LEADER]
        const current: PartitionState = partitionState({
          replicas,
          isr,
          eligibleLeaderReplicas: elrOn ? elrPick.filter((r) => !isr.includes(r)) : [],
          lastKnownElr: elrOn && isr.length === 0 && lastKnown !== undefined ? [lastKnown] : [],
          leader: isr.length === 0 ? NO_LEADER : leaderChoices[leaderPick % leaderChoices.length]!,
        })
        // The callers' contract (ReplicationControlManager): a leader taken out of the ISR is
        // being fenced, shut down or moved away, so it is never an acceptable leader then
        // (LeaderAcceptor excludes brokerToRemove); AlterPartition always keeps the leader.
        if (targetIsr !== undefined && !targetIsr.includes(current.leader)) acceptable = acceptable.filter((r) => r !== current.leader)
        const request: PartitionChangeRequest = {
          current,
          isAcceptableLeader: (r) => acceptable.includes(r),
          minIsr,
          eligibleLeaderReplicasEnabled: elrOn,
          election,
          uncleanShutdownReplicas: unclean,
        }
        if (targetIsr !== undefined) request.targetIsr = targetIsr
        return { request, acceptable }
      }),
  )

describe('PartitionChangeBuilder: property over random partition states', () => {
  it('elects only acceptable leaders, in Kafka order, from the target ISR (or the ELR when the ISR is empty) unless unclean; ISR and ELR stay disjoint', () => {
    fc.assert(
      fc.property(caseArb, ({ request }) => {
        const { current, election, eligibleLeaderReplicasEnabled: elrOn, isAcceptableLeader } = request
        const result = buildPartitionChange(request)
        const after = replayChange(current, result.record)
        const targetIsr = request.targetIsr ?? current.isr
        const unclean = request.uncleanShutdownReplicas ?? []
        // The ELR a leaderless ISR elects from: the old ISR and ELR, less the unclean-shutdown replicas.
        const electableElr = elrOn && targetIsr.length === 0 ? [...current.eligibleLeaderReplicas, ...current.isr].filter((r) => !unclean.includes(r)) : []
        const valid = (r: number) => (targetIsr.includes(r) || electableElr.includes(r)) && isAcceptableLeader(r)

        // Whoever leads is acceptable, and is the leader the replayed state shows.
        expect(after.leader).toBe(result.leader)
        if (result.leader !== NO_LEADER) {
          expect(isAcceptableLeader(result.leader)).toBe(true)
          expect(after.isr).toContain(result.leader)
        }
        // Kafka's order: PREFERRED tries replicas[0] first; then the valid current leader; then assignment order.
        const firstValid = current.replicas.find(valid)
        let expected: number | undefined
        if (election === 'PREFERRED' && valid(current.replicas[0]!)) expected = current.replicas[0]
        else if (current.leader !== NO_LEADER && valid(current.leader)) expected = current.leader
        else expected = firstValid
        if (expected !== undefined) {
          expect(result.leader).toBe(expected)
          expect(result.unclean).toBe(false)
        }
        if (result.leader !== NO_LEADER && !result.unclean) {
          expect(targetIsr.includes(result.leader) || electableElr.includes(result.leader)).toBe(true)
        }
        if (result.unclean) {
          // Only an UNCLEAN election, or the last known leader of KIP-966, elects outside ISR and ELR.
          const lastKnown = elrOn && current.lastKnownElr.length === 1 && current.lastKnownElr[0] === result.leader
          if (!lastKnown) {
            expect(election).toBe('UNCLEAN')
            expect(result.leader).toBe(current.replicas.find(isAcceptableLeader))
          }
          expect(after.isr).toEqual([result.leader])
          expect(after.leaderRecoveryState).toBe('RECOVERING')
        }
        // ISR and ELR disjoint; no ELR without the feature; no empty ISR without it; no unclean replica in the ELR.
        expect(after.isr.filter((r) => after.eligibleLeaderReplicas.includes(r))).toEqual([])
        if (!elrOn) {
          expect(after.eligibleLeaderReplicas).toEqual([])
          expect(after.isr.length).toBeGreaterThan(0)
        }
        expect(after.eligibleLeaderReplicas.filter((r) => unclean.includes(r))).toEqual([])
        // Epochs: a leader field bumps the leader epoch; any record bumps the partition epoch.
        expect(after.leaderEpoch).toBe(current.leaderEpoch + (result.record?.leader !== undefined ? 1 : 0))
        expect(after.partitionEpoch).toBe(current.partitionEpoch + (result.record ? 1 : 0))
        if (after.leader !== current.leader) expect(result.record?.leader).toBe(after.leader)
      }),
      { seed: 0x5eed, numRuns: 2000 },
    )
  })
})
