// Safety invariants of a KRaft quorum, after Kafka's RaftEventSimulationTest
// (raft/src/test/java/org/apache/kafka/raft/RaftEventSimulationTest.java: SingleLeader,
// MonotonicEpoch, MonotonicHighWatermark, MajorityReachedHighWatermark, ConsistentCommittedData)
// and the KRaft TLA+ specification. Each check is a pure function of the history so far
// and one observation of every replica; recordRaftHistory() folds the observation into
// the history. A replica is observed from its disk when it is down.

import type { NodeId } from '../node.ts'
import type { RaftEntry, SnapshotId } from './log.ts'
import type { RaftRole } from './raft-node.ts'

export interface RaftReplicaObservation {
  readonly id: NodeId
  readonly isVoter: boolean
  /** null while the replica is down (crashed): only its disk is observed. */
  readonly role: RaftRole | null
  readonly epoch: number | null
  readonly highWatermark: number | null
  readonly logStartOffset: number
  /** The log's entries from logStartOffset on. */
  readonly entries: readonly RaftEntry<unknown>[]
  readonly snapshot: SnapshotId | null
}

export interface RaftHistory {
  /** The leader seen in each epoch. */
  readonly leaderByEpoch: ReadonlyMap<number, NodeId>
  readonly lastEpoch: ReadonlyMap<NodeId, number>
  readonly lastHighWatermark: ReadonlyMap<NodeId, number>
  /** Offset -> fingerprint of the entry first seen committed there. */
  readonly committed: ReadonlyMap<number, string>
  /** Per replica, the offset below which its committed entries have been compared already. */
  readonly comparedUpTo: ReadonlyMap<NodeId, number>
}

export function emptyRaftHistory(): RaftHistory {
  return { leaderByEpoch: new Map(), lastEpoch: new Map(), lastHighWatermark: new Map(), committed: new Map(), comparedUpTo: new Map() }
}

const fingerprints = new WeakMap<object, string>()

/** What makes two entries the same entry: the epoch and the content. */
export function entryFingerprint(entry: RaftEntry<unknown>): string {
  let print = fingerprints.get(entry)
  if (print === undefined) {
    print = entry.kind === 'data' ? `${entry.epoch}|data|${JSON.stringify(entry.payload)}` : `${entry.epoch}|leader-change|${String(entry.leaderId)}`
    fingerprints.set(entry, print)
  }
  return print
}

function entryAt(replica: RaftReplicaObservation, offset: number): RaftEntry<unknown> | undefined {
  return replica.entries[offset - replica.logStartOffset]
}

function label(id: NodeId): string {
  return typeof id === 'string' ? JSON.stringify(id) : String(id)
}

/** At most one leader per epoch, over the whole run. */
export function checkSingleLeaderPerEpoch(history: RaftHistory, replicas: readonly RaftReplicaObservation[]): string[] {
  const violations: string[] = []
  const seen = new Map(history.leaderByEpoch)
  for (const replica of replicas) {
    if (replica.role !== 'leader' || replica.epoch === null) continue
    const other = seen.get(replica.epoch)
    if (other !== undefined && other !== replica.id) {
      violations.push(`two leaders in epoch ${replica.epoch}: ${label(other)} and ${label(replica.id)}`)
    }
    seen.set(replica.epoch, replica.id)
  }
  return violations
}

function checkNeverBack(
  before: ReadonlyMap<NodeId, number>,
  replicas: readonly RaftReplicaObservation[],
  now: (replica: RaftReplicaObservation) => number | null,
  what: string,
): string[] {
  const violations: string[] = []
  for (const replica of replicas) {
    const previous = before.get(replica.id)
    const current = now(replica)
    if (current !== null && previous !== undefined && current < previous) {
      violations.push(`replica ${label(replica.id)}'s ${what} went back from ${previous} to ${current}`)
    }
  }
  return violations
}

/** A replica's epoch never goes back, restarts included (the epoch is on disk). */
export function checkMonotonicEpochs(history: RaftHistory, replicas: readonly RaftReplicaObservation[]): string[] {
  return checkNeverBack(history.lastEpoch, replicas, (r) => r.epoch, 'epoch')
}

/** A replica's high watermark, once known, never goes back, restarts included. */
export function checkMonotonicHighWatermarks(history: RaftHistory, replicas: readonly RaftReplicaObservation[]): string[] {
  return checkNeverBack(history.lastHighWatermark, replicas, (r) => r.highWatermark, 'high watermark')
}

/** How many voters hold the same entry as `leader` at `offset` (a snapshot past it holds it too). */
function holders(leader: RaftReplicaObservation, offset: number, replicas: readonly RaftReplicaObservation[]): number {
  const reference = entryAt(leader, offset)
  let count = 0
  for (const replica of replicas) {
    if (!replica.isVoter) continue
    if (replica.snapshot !== null && replica.snapshot.endOffset > offset) {
      count++
      continue
    }
    const entry = entryAt(replica, offset)
    if (entry !== undefined && (reference === undefined || entryFingerprint(entry) === entryFingerprint(reference))) count++
  }
  return count
}

/**
 * A majority of voters holds every entry below a leader's high watermark. `fromOffset`
 * limits the offsets checked (a per-event check looks at the newest committed one only;
 * a full check passes 0).
 */
export function checkMajorityHoldsCommitted(replicas: readonly RaftReplicaObservation[], fromOffset: 'newest' | number): string[] {
  const violations: string[] = []
  const voters = replicas.filter((r) => r.isVoter).length
  const majority = Math.floor(voters / 2) + 1
  for (const leader of replicas) {
    if (leader.role !== 'leader' || leader.highWatermark === null || leader.highWatermark === 0) continue
    const first = fromOffset === 'newest' ? leader.highWatermark - 1 : Math.max(fromOffset, leader.logStartOffset)
    for (let offset = first; offset < leader.highWatermark; offset++) {
      const count = holders(leader, offset, replicas)
      if (count < majority) {
        violations.push(`leader ${label(leader.id)} (epoch ${leader.epoch}) has high watermark ${leader.highWatermark} but only ${count} of ${voters} voters hold offset ${offset}`)
        break
      }
    }
  }
  return violations
}

/**
 * Every replica agrees on every committed offset: below its own HW, its entry is the one
 * first seen committed there. `full` compares every offset again; otherwise only those not
 * compared in an earlier observation.
 */
export function checkCommittedAgreement(history: RaftHistory, replicas: readonly RaftReplicaObservation[], full = false): string[] {
  const violations: string[] = []
  const added = new Map<number, string>()
  for (const replica of replicas) {
    if (replica.highWatermark === null) continue
    const end = Math.min(replica.highWatermark, replica.logStartOffset + replica.entries.length)
    const start = full ? replica.logStartOffset : Math.max(replica.logStartOffset, history.comparedUpTo.get(replica.id) ?? 0)
    for (let offset = start; offset < end; offset++) {
      const print = entryFingerprint(entryAt(replica, offset)!)
      const known = history.committed.get(offset) ?? added.get(offset)
      if (known === undefined) added.set(offset, print)
      else if (known !== print) {
        violations.push(`committed offset ${offset} differs: ${known} before, ${print} on replica ${label(replica.id)}`)
        break
      }
    }
  }
  return violations
}

/** Every check for one observation: incremental after each event, or `full` (every committed offset again) at the end of a run. */
export function checkRaftInvariants(history: RaftHistory, replicas: readonly RaftReplicaObservation[], full = false): string[] {
  return [
    ...checkSingleLeaderPerEpoch(history, replicas),
    ...checkMonotonicEpochs(history, replicas),
    ...checkMonotonicHighWatermarks(history, replicas),
    ...checkMajorityHoldsCommitted(replicas, full ? 0 : 'newest'),
    ...checkCommittedAgreement(history, replicas, full),
  ]
}

/** The history after this observation (a new object; the old one is left as it was). */
export function recordRaftHistory(history: RaftHistory, replicas: readonly RaftReplicaObservation[]): RaftHistory {
  const leaderByEpoch = new Map(history.leaderByEpoch)
  const lastEpoch = new Map(history.lastEpoch)
  const lastHighWatermark = new Map(history.lastHighWatermark)
  let committed: Map<number, string> | null = null
  const comparedUpTo = new Map(history.comparedUpTo)
  for (const replica of replicas) {
    if (replica.role === 'leader' && replica.epoch !== null && !leaderByEpoch.has(replica.epoch)) leaderByEpoch.set(replica.epoch, replica.id)
    if (replica.epoch !== null) lastEpoch.set(replica.id, Math.max(replica.epoch, lastEpoch.get(replica.id) ?? 0))
    if (replica.highWatermark !== null) {
      lastHighWatermark.set(replica.id, Math.max(replica.highWatermark, lastHighWatermark.get(replica.id) ?? 0))
      const end = Math.min(replica.highWatermark, replica.logStartOffset + replica.entries.length)
      const start = Math.max(replica.logStartOffset, history.comparedUpTo.get(replica.id) ?? 0)
      for (let offset = start; offset < end; offset++) {
        if ((committed ?? history.committed).has(offset)) continue
        committed ??= new Map(history.committed)
        committed.set(offset, entryFingerprint(entryAt(replica, offset)!))
      }
      comparedUpTo.set(replica.id, Math.max(end, history.comparedUpTo.get(replica.id) ?? 0))
    }
  }
  return { leaderByEpoch, lastEpoch, lastHighWatermark, committed: committed ?? history.committed, comparedUpTo }
}
