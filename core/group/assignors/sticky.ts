// StickyAssignor ("sticky") and CooperativeStickyAssignor ("cooperative-sticky").
// Sources (Kafka 4.x): clients/src/main/java/org/apache/kafka/clients/consumer/StickyAssignor.java,
// CooperativeStickyAssignor.java, and internals/AbstractStickyAssignor.java.
//
// Both balance the group (partition counts differ by at most one where subscriptions allow)
// while keeping as many partitions where they were as they can. A member's claim to a partition
// comes from ownedPartitions and its generation: a newer generation's claim beats an older one,
// and two claims in one generation cancel out (sticky-ownership.ts). When all members subscribe
// the same topics the constrained algorithm runs (sticky-constrained.ts), otherwise the general
// one (sticky-general.ts).
//
// "sticky" is for the EAGER protocol: members give up everything before rejoining, and Kafka's
// StickyAssignor reads the previous assignment and generation from its userData; here they come
// from ownedPartitions and generation. "cooperative-sticky" (COOPERATIVE, and EAGER) then takes
// out of the assignment every partition that changes owner: its old owner must revoke it first,
// and the follow-up rebalance that the revocation triggers hands it to its new owner.

import type { ConsumerPartitionAssignor, GroupAssignmentInput, TopicPartitionRef } from './types.ts'
import { emptyAssignment, refKey, validateAssignmentInput } from './common.ts'
import { constrainedAssign } from './sticky-constrained.ts'
import type { StickyResult } from './sticky-constrained.ts'
import { generalAssign } from './sticky-general.ts'
import { resolveOwnedPartitions, stickyGroup } from './sticky-ownership.ts'

export const STICKY_ASSIGNOR_NAME = 'sticky'
export const COOPERATIVE_STICKY_ASSIGNOR_NAME = 'cooperative-sticky'

/** AbstractStickyAssignor.assignPartitions: the balanced, sticky assignment before any cooperative adjustment. */
export function stickyAssign(input: GroupAssignmentInput): StickyResult {
  const group = stickyGroup(input)
  if (group.members.length === 0) return { assignment: new Map(), partitionsTransferringOwnership: new Map() }
  const owned = resolveOwnedPartitions(group)
  const result = owned.allSubscriptionsEqual ? constrainedAssign(group, owned) : generalAssign(group, owned)
  // Kafka's result map holds every subscriber; present it with every member, in member id order.
  const assignment = emptyAssignment(input.members)
  for (const [id, list] of result.assignment) assignment.set(id, list)
  return { assignment, partitionsTransferringOwnership: result.partitionsTransferringOwnership }
}

/**
 * CooperativeStickyAssignor.computePartitionsTransferringOwnership, for the general algorithm,
 * which does not track them: partitions newly given to a member that some member claimed as
 * owned and is not getting back.
 */
function computePartitionsTransferringOwnership(input: GroupAssignmentInput, assignment: Map<string, TopicPartitionRef[]>): Map<string, string> {
  const added = new Map<string, string>()
  const revoked = new Set<string>()
  for (const member of input.members) {
    const assigned = assignment.get(member.memberId) ?? []
    const ownedKeys = new Set(member.ownedPartitions.map(refKey))
    const assignedKeys = new Set(assigned.map(refKey))
    for (const tp of assigned) if (!ownedKeys.has(refKey(tp))) added.set(refKey(tp), member.memberId)
    for (const tp of member.ownedPartitions) if (!assignedKeys.has(refKey(tp))) revoked.add(refKey(tp))
  }
  for (const key of [...added.keys()]) if (!revoked.has(key)) added.delete(key)
  return added
}

export const stickyAssignor: ConsumerPartitionAssignor = {
  name: STICKY_ASSIGNOR_NAME,
  supportedProtocols: ['EAGER'],
  assign(input) {
    validateAssignmentInput(STICKY_ASSIGNOR_NAME, input)
    return stickyAssign(input).assignment
  },
}

export const cooperativeStickyAssignor: ConsumerPartitionAssignor = {
  name: COOPERATIVE_STICKY_ASSIGNOR_NAME,
  supportedProtocols: ['COOPERATIVE', 'EAGER'],
  assign(input) {
    validateAssignmentInput(COOPERATIVE_STICKY_ASSIGNOR_NAME, input)
    const { assignment, partitionsTransferringOwnership } = stickyAssign(input)
    const transferring = partitionsTransferringOwnership ?? computePartitionsTransferringOwnership(input, assignment)
    // adjustAssignment: withhold what moves; its owner revokes it and rejoins.
    for (const [key, newOwner] of transferring) {
      const list = assignment.get(newOwner)!
      const i = list.findIndex((tp) => refKey(tp) === key)
      if (i >= 0) list.splice(i, 1)
    }
    return assignment
  },
}
