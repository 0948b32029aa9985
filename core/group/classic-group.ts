// A classic group as its coordinator holds it: the members, the generation (in the state
// machine), the chosen protocol, the leader, and the group's committed offsets. After
// group-coordinator/.../classic/ClassicGroup.java and ClassicGroupMember.java.

import type { NodeId, TimerId } from '../node.ts'
import type { JoinGroupProtocol } from '../protocol.ts'
import { groupStateOf, initialGroupState, stepGroupState, type GroupEvent, type GroupSnapshot, type GroupStateName } from './group-state-machine.ts'
import type { OffsetCommitValue } from './offsets-topic.ts'

/** Where a parked request's answer goes: the client node and the request's correlation id. */
export interface ResponseTarget {
  from: NodeId
  correlationId: number
}

export interface ClassicGroupMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocolType: string
  /** The assignors the member supports, most preferred first, with its Subscription for each. */
  protocols: JoinGroupProtocol[]
  assignment: unknown
  /** A JoinGroup waiting for the join phase to end. */
  awaitingJoin: ResponseTarget | null
  /** A SyncGroup waiting for the leader's assignment. */
  awaitingSync: ResponseTarget | null
  heartbeatTimer: TimerId | null
}

export class ClassicGroup {
  machine: GroupSnapshot
  protocolType: string | null = null
  protocolName: string | null = null
  leaderId: string | null = null
  readonly members = new Map<string, ClassicGroupMember>()
  /** Members given an id by MEMBER_ID_REQUIRED that have not joined with it yet, with their expiry timers. */
  readonly pendingMembers = new Map<string, TimerId>()
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>()
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>()
  /** Committed offsets by "topic-partition". */
  readonly offsets = new Map<string, OffsetCommitValue & { topic: string; partition: number }>()
  joinTimer: TimerId | null = null
  syncTimer: TimerId | null = null
  /** InitialDelayedJoin: the rebalance time not yet used by delays, and whether a member joined during this delay. */
  initialDelay: { remainingMs: number; newMemberAdded: boolean } | null = null
  currentStateTimestampMs: number

  constructor(
    readonly groupId: string,
    /** The __consumer_offsets partition the group lives in. */
    readonly partition: number,
    nowMs: number,
    state: GroupStateName = 'Empty',
    generationId = 0,
  ) {
    this.machine = initialGroupState(state, generationId)
    this.currentStateTimestampMs = nowMs
  }

  get state(): GroupStateName {
    return groupStateOf(this.machine)
  }

  get generationId(): number {
    return this.machine.context.generationId
  }

  is(state: GroupStateName): boolean {
    return this.state === state
  }

  transition(event: GroupEvent, nowMs: number): void {
    this.machine = stepGroupState(this.groupId, this.machine, event)
    this.currentStateTimestampMs = nowMs
  }

  /** ClassicGroup.canRebalance: PreparingRebalance's valid previous states. */
  canRebalance(): boolean {
    return this.is('Stable') || this.is('CompletingRebalance') || this.is('Empty')
  }

  /** Every member has a JoinGroup waiting, and no member id handed out is still unused (ClassicGroup.hasAllMembersJoined). */
  hasAllMembersJoined(): boolean {
    for (const member of this.members.values()) if (!member.awaitingJoin) return false
    return this.pendingMembers.size === 0
  }

  /**
   * ClassicGroup.supportsProtocols: an empty group takes any non-empty list of a non-empty
   * type; otherwise the type must match and one protocol must be supported by every member.
   */
  supportsProtocols(protocolType: string, protocols: readonly JoinGroupProtocol[], except?: string): boolean {
    if (this.members.size === 0 || (this.members.size === 1 && except !== undefined && this.members.has(except))) {
      return protocolType !== '' && protocols.length > 0
    }
    if (this.protocolType !== protocolType) return false
    const others = [...this.members.values()].filter((m) => m.memberId !== except)
    return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)))
  }

  /**
   * ClassicGroup.selectProtocol: the candidates are the protocols every member supports;
   * each member votes for its most preferred candidate; the most votes win. Ties go to the
   * candidate that appears first in the leader's list (Kafka's HashMap order is arbitrary
   * there: a documented simplification).
   */
  selectProtocol(): string {
    const members = [...this.members.values()]
    const candidates = new Set(members[0]!.protocols.map((p) => p.name).filter((name) => members.every((m) => m.protocols.some((p) => p.name === name))))
    const votes = new Map<string, number>()
    for (const member of members) {
      const vote = member.protocols.find((p) => candidates.has(p.name))!.name
      votes.set(vote, (votes.get(vote) ?? 0) + 1)
    }
    const leader = this.leaderId !== null ? this.members.get(this.leaderId) : undefined
    const order = (leader ?? members[0]!).protocols.map((p) => p.name)
    let best: string | null = null
    for (const name of order) {
      if (!votes.has(name)) continue
      if (best === null || votes.get(name)! > votes.get(best)!) best = name
    }
    return best!
  }

  /** The member's Subscription for the chosen protocol. */
  metadataOf(member: ClassicGroupMember): unknown {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? null
  }

  /** The longest rebalance timeout of the members: how long the join phase may wait (ClassicGroup.rebalanceTimeoutMs). */
  rebalanceTimeoutMs(): number {
    let max = 0
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs)
    return max
  }
}
