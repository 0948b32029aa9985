// What the controller changes about a partition, and whom it elects, in one place:
// Kafka's PartitionChangeBuilder (metadata/.../controller/PartitionChangeBuilder.java).
// Every caller (fencing, unfencing, AlterPartition, reassignment, elections) states the
// target it wants; build() completes reassignments, maintains the ELR, runs the election
// in Kafka's order, and returns the PartitionChangeRecord to write, or null for no change.

import type { PartitionState } from '../metadata/image.ts'
import { NO_LEADER, type LeaderRecoveryState, type PartitionChangeRecord } from '../metadata/records.ts'

/** PREFERRED moves leadership to replicas[0]; ONLINE keeps a clean leader; UNCLEAN may pick any live replica. */
export type Election = 'PREFERRED' | 'ONLINE' | 'UNCLEAN'

export interface PartitionChangeRequest {
  current: PartitionState
  /** Unfenced, not shutting down, and not the broker being removed. */
  isAcceptableLeader: (brokerId: number) => boolean
  /** min(min.insync.replicas, replication factor). */
  minIsr: number
  eligibleLeaderReplicasEnabled: boolean
  election: Election
  targetIsr?: readonly number[]
  targetReplicas?: readonly number[]
  targetAddingReplicas?: readonly number[]
  targetRemovingReplicas?: readonly number[]
  targetLeaderRecoveryState?: LeaderRecoveryState
  /** Replicas that crashed uncleanly: never moved into the ELR. */
  uncleanShutdownReplicas?: readonly number[]
}

export interface PartitionChange {
  record: PartitionChangeRecord | null
  /** The leader after the change (NO_LEADER if none). */
  leader: number
  /** True when the leader was elected from outside the ISR and ELR: acknowledged data may be lost. */
  unclean: boolean
}

const sameMembers = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i])
const without = (list: readonly number[], remove: readonly number[]) => list.filter((x) => !remove.includes(x))

export function buildPartitionChange(request: PartitionChangeRequest): PartitionChange {
  const { current, isAcceptableLeader, election } = request
  const elrOn = request.eligibleLeaderReplicasEnabled
  let targetIsr = [...(request.targetIsr ?? current.isr)]
  let targetReplicas = [...(request.targetReplicas ?? current.replicas)]
  let targetAdding = [...(request.targetAddingReplicas ?? current.addingReplicas)]
  let targetRemoving = [...(request.targetRemovingReplicas ?? current.removingReplicas)]
  let targetElr = [...current.eligibleLeaderReplicas]
  let targetLastKnownElr = [...current.lastKnownElr]
  let recoveryState = request.targetLeaderRecoveryState ?? current.leaderRecoveryState
  const record: PartitionChangeRecord = { type: 'PartitionChange', topicId: current.topicId, partitionId: current.partition }

  // 1. A reassignment completes once the ISR, less the replicas leaving, holds every replica staying.
  if (targetAdding.length > 0 || targetRemoving.length > 0) {
    const isrStaying = without(targetIsr, targetRemoving)
    const replicasStaying = without(targetReplicas, targetRemoving)
    if (isrStaying.length > 0 && replicasStaying.every((r) => isrStaying.includes(r))) {
      targetReplicas = replicasStaying
      targetIsr = isrStaying
      targetAdding = []
      targetRemoving = []
    }
  }

  // 2. ELR (KIP-966): replicas leaving the ISR while it is below min ISR stay electable.
  if (elrOn) {
    if (targetIsr.length >= request.minIsr) {
      targetElr = []
      targetLastKnownElr = []
    } else {
      const unclean = request.uncleanShutdownReplicas ?? []
      const candidates = [...new Set([...current.eligibleLeaderReplicas, ...current.isr])]
      targetElr = candidates.filter((r) => !targetIsr.includes(r) && !unclean.includes(r) && targetReplicas.includes(r))
    }
  } else {
    targetElr = []
    targetLastKnownElr = []
  }

  // 3. Election, in Kafka's order.
  const isValidNewLeader = (r: number) => (targetIsr.includes(r) || (targetIsr.length === 0 && targetElr.includes(r))) && isAcceptableLeader(r)
  const canElectLastKnownLeader = () =>
    elrOn && targetIsr.length === 0 && targetElr.length === 0 && targetLastKnownElr.length === 1 && isAcceptableLeader(targetLastKnownElr[0]!)
  let leader = NO_LEADER
  let unclean = false
  const keepCurrent = current.leader !== NO_LEADER && isValidNewLeader(current.leader)
  if (election === 'PREFERRED') {
    const preferred = targetReplicas[0]
    if (preferred !== undefined && isValidNewLeader(preferred)) leader = preferred
    else if (keepCurrent) leader = current.leader
    else leader = targetReplicas.slice(1).find(isValidNewLeader) ?? NO_LEADER
  } else if (keepCurrent) {
    leader = current.leader
  } else {
    leader = targetReplicas.find(isValidNewLeader) ?? NO_LEADER
  }
  if (leader === NO_LEADER && canElectLastKnownLeader()) {
    leader = targetLastKnownElr[0]!
    unclean = true
  }
  if (leader === NO_LEADER && election === 'UNCLEAN') {
    const live = targetReplicas.find(isAcceptableLeader)
    if (live !== undefined) {
      leader = live
      unclean = true
    }
  }
  if (leader !== current.leader) {
    record.leader = leader
    if (leader !== NO_LEADER) {
      if (!unclean && !targetIsr.includes(leader) && targetElr.includes(leader)) {
        // Elected from the ELR: it becomes the ISR.
        targetIsr = [leader]
        targetElr = targetElr.filter((r) => r !== leader)
      }
      if (unclean) {
        // An unclean leader starts a new history: ISR = {leader}, recovering (KIP-704).
        targetIsr = [leader]
        targetElr = []
        targetLastKnownElr = []
        if (current.leaderRecoveryState !== 'RECOVERING') recoveryState = 'RECOVERING'
      }
      if (elrOn) targetLastKnownElr = []
    }
  }

  // 4. A shrinking replica set bumps the leader epoch even with the same leader.
  if (record.leader === undefined && !current.replicas.every((r) => targetReplicas.includes(r))) record.leader = current.leader

  // 5. ELR and the last known leader.
  if (elrOn && targetIsr.length === 0 && leader === NO_LEADER && current.leader !== NO_LEADER && targetLastKnownElr.length === 0) {
    targetLastKnownElr = [current.leader]
  }
  if (!sameMembers(targetElr, current.eligibleLeaderReplicas)) record.eligibleLeaderReplicas = targetElr
  if (!sameMembers(targetLastKnownElr, current.lastKnownElr)) record.lastKnownElr = targetLastKnownElr

  // 6. The ISR is never written empty unless the ELR is on: the last member stays.
  if (!sameMembers(targetIsr, current.isr) && (targetIsr.length > 0 || elrOn)) record.isr = targetIsr

  // 7. Assignment and recovery state.
  if (!sameMembers(targetReplicas, current.replicas)) record.replicas = targetReplicas
  if (!sameMembers(targetAdding, current.addingReplicas)) record.addingReplicas = targetAdding
  if (!sameMembers(targetRemoving, current.removingReplicas)) record.removingReplicas = targetRemoving
  if (recoveryState !== current.leaderRecoveryState) record.leaderRecoveryState = recoveryState

  const changed = Object.keys(record).length > 3
  return { record: changed ? record : null, leader, unclean }
}
