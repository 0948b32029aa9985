// Positive controls: each checker fails on a history or an observation that breaks its rule,
// and passes on its healthy twin.

import { describe, expect, it } from 'vitest'
import {
  checkCommittedAgreement,
  checkMajorityHoldsCommitted,
  checkMonotonicEpochs,
  checkMonotonicHighWatermarks,
  checkRaftInvariants,
  checkSingleLeaderPerEpoch,
  emptyRaftHistory,
  recordRaftHistory,
  type RaftReplicaObservation,
} from '../../core/raft/invariants.ts'
import type { RaftEntry } from '../../core/raft/log.ts'

const e = (offset: number, epoch: number, payload: number): RaftEntry<unknown> => ({ offset, epoch, kind: 'data', payload })

function replica(id: string, patch: Partial<RaftReplicaObservation> = {}): RaftReplicaObservation {
  return { id, isVoter: true, role: 'follower', epoch: 1, highWatermark: 2, logStartOffset: 0, entries: [e(0, 1, 10), e(1, 1, 11)], snapshot: null, ...patch }
}

describe('Raft invariant checkers', () => {
  it('at most one leader per epoch, over time too', () => {
    const healthy = [replica('a', { role: 'leader' }), replica('b'), replica('c')]
    expect(checkSingleLeaderPerEpoch(emptyRaftHistory(), healthy)).toEqual([])
    expect(checkSingleLeaderPerEpoch(emptyRaftHistory(), [replica('a', { role: 'leader' }), replica('b', { role: 'leader' })])).toHaveLength(1)
    const history = recordRaftHistory(emptyRaftHistory(), healthy)
    expect(checkSingleLeaderPerEpoch(history, [replica('a', { role: 'follower' }), replica('b', { role: 'leader' })])).toEqual([
      'two leaders in epoch 1: "a" and "b"',
    ])
  })

  it('epochs and high watermarks never go back', () => {
    const history = recordRaftHistory(emptyRaftHistory(), [replica('a', { epoch: 3, highWatermark: 5, entries: [] })])
    expect(checkMonotonicEpochs(history, [replica('a', { epoch: 3 })])).toEqual([])
    expect(checkMonotonicEpochs(history, [replica('a', { epoch: 2 })])).toHaveLength(1)
    expect(checkMonotonicHighWatermarks(history, [replica('a', { highWatermark: null })])).toEqual([])
    expect(checkMonotonicHighWatermarks(history, [replica('a', { highWatermark: 4 })])).toHaveLength(1)
  })

  it('a majority of voters holds what the leader counts as committed', () => {
    const leader = replica('a', { role: 'leader' })
    const holding = [leader, replica('b'), replica('c', { entries: [e(0, 1, 10)] })]
    expect(checkMajorityHoldsCommitted(holding, 0)).toEqual([])
    const notHolding = [leader, replica('b', { entries: [e(0, 1, 10)] }), replica('c', { entries: [] })]
    expect(checkMajorityHoldsCommitted(notHolding, 'newest')).toHaveLength(1)
    // A different entry at the offset does not count; a snapshot past it does.
    expect(checkMajorityHoldsCommitted([leader, replica('b', { entries: [e(0, 1, 10), e(1, 1, 99)] }), replica('c', { entries: [] })], 0)).toHaveLength(1)
    expect(checkMajorityHoldsCommitted([leader, replica('b', { entries: [], logStartOffset: 2, snapshot: { endOffset: 2, epoch: 1 } }), replica('c', { entries: [] })], 0)).toEqual([])
    // Observers do not make a majority.
    expect(checkMajorityHoldsCommitted([leader, replica('o', { isVoter: false }), replica('b', { entries: [] }), replica('c', { entries: [] })], 0)).toHaveLength(1)
  })

  it('every replica agrees on every committed offset, and a committed entry never changes', () => {
    const agreeing = [replica('a'), replica('b')]
    expect(checkCommittedAgreement(emptyRaftHistory(), agreeing)).toEqual([])
    expect(checkCommittedAgreement(emptyRaftHistory(), [replica('a'), replica('b', { entries: [e(0, 1, 10), e(1, 2, 11)] })])).toHaveLength(1)
    // An entry below a replica's HW that changes later, after the first check compared it.
    const history = recordRaftHistory(emptyRaftHistory(), agreeing)
    const rewritten = [replica('a', { entries: [e(0, 1, 10), e(1, 1, 12)] })]
    expect(checkCommittedAgreement(history, rewritten, true)).toHaveLength(1)
    // An uncommitted difference (above the replica's HW) is allowed.
    expect(checkCommittedAgreement(emptyRaftHistory(), [replica('a'), replica('b', { highWatermark: 1, entries: [e(0, 1, 10), e(1, 2, 77)] })])).toEqual([])
  })

  it('checkRaftInvariants reports every broken rule together', () => {
    const history = recordRaftHistory(emptyRaftHistory(), [replica('a', { epoch: 2 })])
    const broken = [replica('a', { epoch: 1, role: 'leader' }), replica('b', { role: 'leader', entries: [] }), replica('c', { entries: [] })]
    expect(checkRaftInvariants(history, broken).length).toBeGreaterThanOrEqual(3)
  })
})
