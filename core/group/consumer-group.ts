// A consumer-protocol group (KIP-848, group.protocol=consumer) as its coordinator holds it:
// the group epoch, the target assignment and its epoch, the members with their member epochs
// and current assignments, and the group's committed offsets. After group-coordinator/.../
// modern/consumer/ConsumerGroup.java, ConsumerGroupMember.java and
// modern/consumer/CurrentAssignmentBuilder.java (Kafka 4.0).
//
// Three epochs order everything: the group epoch grows whenever the members or their
// subscriptions change; the target assignment is computed for a group epoch (its assignment
// epoch); each member moves to the target epoch once it owns nothing the target gives to
// someone else, so that no partition is ever owned by two members at once.

import type { TimerId } from '../node.ts'
import type { TopicPartitionRef } from './assignors/types.ts'
import type { OffsetCommitValue } from './offsets-topic.ts'

/** ConsumerGroup.ConsumerGroupState, as DescribeGroups and ListGroups name it. */
export type ConsumerGroupStateName = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' | 'Dead'

/** MemberState (modern/consumer): where a member is in its reconciliation. */
export type MemberReconciliationState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS'

/** ConsumerGroupHeartbeatRequest.LEAVE_GROUP_STATIC_MEMBER_EPOCH: a static member that left and may come back. */
export const STATIC_MEMBER_LEFT_EPOCH = -2

/** The persisted part of a member (ConsumerGroupMemberMetadataValue and ConsumerGroupCurrentMemberAssignmentValue). */
export interface ConsumerGroupMemberRecord {
  memberId: string
  instanceId: string | null
  clientId: string
  rackId: string | null
  rebalanceTimeoutMs: number
  subscribedTopicNames: string[]
  /** group.remote.assignor, or null. */
  serverAssignor: string | null
  memberEpoch: number
  previousMemberEpoch: number
  state: MemberReconciliationState
  assignedPartitions: TopicPartitionRef[]
  partitionsPendingRevocation: TopicPartitionRef[]
}

export interface ConsumerGroupMember extends ConsumerGroupMemberRecord {
  sessionTimer: TimerId | null
  rebalanceTimer: TimerId | null
}

/** What the coordinator writes to __consumer_offsets for a consumer group: the whole group, one record (a simplification of Kafka's seven record types). */
export interface ConsumerGroupRecordValue {
  groupEpoch: number
  assignmentEpoch: number
  /** Partition counts of the subscribed topics when the group epoch was last bumped (ConsumerGroupPartitionMetadataValue). */
  subscriptionMetadata: Record<string, number>
  targetAssignment: Record<string, TopicPartitionRef[]>
  members: ConsumerGroupMemberRecord[]
}

export class ConsumerGroup {
  groupEpoch = 0
  assignmentEpoch = 0
  subscriptionMetadata: Record<string, number> = {}
  readonly members = new Map<string, ConsumerGroupMember>()
  /** member id -> target partitions (TargetAssignmentBuilder's result). */
  readonly targetAssignment = new Map<string, TopicPartitionRef[]>()
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>()
  /** Committed offsets by "topic-partition". */
  readonly offsets = new Map<string, OffsetCommitValue & { topic: string; partition: number }>()
  /** Set by the coordinator when the group is unloaded or deleted. */
  dead = false

  constructor(
    readonly groupId: string,
    /** The __consumer_offsets partition the group lives in. */
    readonly partition: number,
  ) {}

  /** ConsumerGroup.maybeUpdateGroupState. */
  get state(): ConsumerGroupStateName {
    if (this.dead) return 'Dead'
    if (this.members.size === 0) return 'Empty'
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning'
    for (const member of this.members.values()) {
      if (member.state !== 'STABLE' || member.memberEpoch !== this.assignmentEpoch) return 'Reconciling'
    }
    return 'Stable'
  }

  /**
   * ConsumerGroup.currentPartitionEpoch: the member that owns `tp` now (assigned or still
   * being revoked), or null when it is free.
   */
  ownerOf(tp: TopicPartitionRef, except?: string): string | null {
    for (const member of this.members.values()) {
      if (member.memberId === except) continue
      if (owns(member.assignedPartitions, tp) || owns(member.partitionsPendingRevocation, tp)) return member.memberId
    }
    return null
  }

  /** ConsumerGroup.computePreferredServerAssignor: the assignor most members ask for, else the broker's default. */
  preferredAssignor(defaultAssignor: string): string {
    const votes = new Map<string, number>()
    for (const member of this.members.values()) if (member.serverAssignor !== null) votes.set(member.serverAssignor, (votes.get(member.serverAssignor) ?? 0) + 1)
    let best: string | null = null
    for (const [name, count] of [...votes].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) if (best === null || count > votes.get(best)!) best = name
    return best ?? defaultAssignor
  }

  toRecord(): ConsumerGroupRecordValue {
    return {
      groupEpoch: this.groupEpoch,
      assignmentEpoch: this.assignmentEpoch,
      subscriptionMetadata: { ...this.subscriptionMetadata },
      targetAssignment: Object.fromEntries([...this.targetAssignment].map(([id, tps]) => [id, tps.map(copy)])),
      members: [...this.members.values()].map(memberRecord),
    }
  }

  /** ConsumerGroup's replay of its records: the group as the log left it (timers are the coordinator's to restart). */
  static fromRecord(groupId: string, partition: number, value: ConsumerGroupRecordValue): ConsumerGroup {
    const group = new ConsumerGroup(groupId, partition)
    group.groupEpoch = value.groupEpoch
    group.assignmentEpoch = value.assignmentEpoch
    group.subscriptionMetadata = { ...value.subscriptionMetadata }
    for (const [id, tps] of Object.entries(value.targetAssignment)) group.targetAssignment.set(id, tps.map(copy))
    for (const m of value.members) {
      group.members.set(m.memberId, { ...memberRecord(m), sessionTimer: null, rebalanceTimer: null })
      if (m.instanceId !== null) group.staticMembers.set(m.instanceId, m.memberId)
    }
    return group
  }
}

function copy(tp: TopicPartitionRef): TopicPartitionRef {
  return { topic: tp.topic, partition: tp.partition }
}

function memberRecord(m: ConsumerGroupMemberRecord): ConsumerGroupMemberRecord {
  return {
    memberId: m.memberId,
    instanceId: m.instanceId,
    clientId: m.clientId,
    rackId: m.rackId,
    rebalanceTimeoutMs: m.rebalanceTimeoutMs,
    subscribedTopicNames: [...m.subscribedTopicNames],
    serverAssignor: m.serverAssignor,
    memberEpoch: m.memberEpoch,
    previousMemberEpoch: m.previousMemberEpoch,
    state: m.state,
    assignedPartitions: m.assignedPartitions.map(copy),
    partitionsPendingRevocation: m.partitionsPendingRevocation.map(copy),
  }
}

export function owns(list: readonly TopicPartitionRef[], tp: TopicPartitionRef): boolean {
  return list.some((p) => p.topic === tp.topic && p.partition === tp.partition)
}

export function sortedPartitions(list: readonly TopicPartitionRef[]): TopicPartitionRef[] {
  return [...list].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
}

export function partitionKeys(list: readonly TopicPartitionRef[]): string[] {
  return sortedPartitions(list).map((tp) => `${tp.topic}-${tp.partition}`)
}

export interface NextAssignment {
  state: MemberReconciliationState
  memberEpoch: number
  assignedPartitions: TopicPartitionRef[]
  partitionsPendingRevocation: TopicPartitionRef[]
}

/**
 * CurrentAssignmentBuilder.build: the member's next current assignment.
 * - STABLE behind the target epoch, or UNRELEASED_PARTITIONS: compute the next step.
 * - UNREVOKED_PARTITIONS: wait until the member's heartbeat no longer lists the partitions
 *   being revoked, then compute the next step.
 * computeNextAssignment: the member keeps what it has and the target still gives it; what it
 * has and the target does not is to be revoked: while it owns any of it, the member stays at
 * its epoch in UNREVOKED_PARTITIONS. Otherwise it moves to the target epoch and gets the
 * target's partitions that no other member owns any more; any still owned elsewhere leave it
 * in UNRELEASED_PARTITIONS until they are released.
 */
export function nextAssignment(
  group: ConsumerGroup,
  member: ConsumerGroupMemberRecord,
  target: readonly TopicPartitionRef[],
  ownedTopicPartitions: readonly TopicPartitionRef[] | null,
): NextAssignment {
  const current: NextAssignment = {
    state: member.state,
    memberEpoch: member.memberEpoch,
    assignedPartitions: member.assignedPartitions,
    partitionsPendingRevocation: member.partitionsPendingRevocation,
  }
  switch (member.state) {
    case 'STABLE':
      if (member.memberEpoch === group.assignmentEpoch) return current
      break
    case 'UNREVOKED_PARTITIONS':
      // ownsRevokedPartitions: the member still reports one of them (a null list says nothing new).
      if (ownedTopicPartitions === null || member.partitionsPendingRevocation.some((tp) => owns(ownedTopicPartitions, tp))) return current
      break
    case 'UNRELEASED_PARTITIONS':
      break
  }
  const kept = member.assignedPartitions.filter((tp) => owns(target, tp))
  const revoking = member.assignedPartitions.filter((tp) => !owns(target, tp))
  if (revoking.length > 0) {
    // The member keeps its epoch until it has revoked: a newer epoch would let it commit for partitions others now own.
    return { state: 'UNREVOKED_PARTITIONS', memberEpoch: member.memberEpoch, assignedPartitions: kept, partitionsPendingRevocation: revoking }
  }
  const wanted = target.filter((tp) => !owns(kept, tp))
  const free = wanted.filter((tp) => group.ownerOf(tp, member.memberId) === null)
  const unreleased = wanted.length > free.length
  return {
    state: unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE',
    memberEpoch: group.assignmentEpoch,
    assignedPartitions: sortedPartitions([...kept, ...free]),
    partitionsPendingRevocation: [],
  }
}

