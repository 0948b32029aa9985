// The coordinator's side of the consumer protocol (KIP-848): ConsumerGroupHeartbeat, the
// member session and rebalance timeouts, and the consumer groups' part of offset commits,
// loading and views. The GroupCoordinator (coordinator.ts) hosts it beside the classic groups
// and routes to it. Sources (Kafka 4.0, group-coordinator/src/main/java/org/apache/kafka/
// coordinator/group/): GroupMetadataManager.java (consumerGroupHeartbeat,
// throwIfConsumerGroupHeartbeatRequestIsInvalid, throwIfMemberEpochIsInvalid,
// consumerGroupLeave, consumerGroupFenceMember, scheduleConsumerGroupSessionTimeout,
// scheduleConsumerGroupRebalanceTimeout, updateTargetAssignment), modern/TargetAssignmentBuilder.java,
// modern/consumer/ConsumerGroup.java (validateOffsetCommit), modern/consumer/CurrentAssignmentBuilder.java.
//
// Every change is written to the group's __consumer_offsets partition, and the member's
// response (and the trace events that announce the change) wait until the write is
// committed, as the coordinator runtime answers only after the records are replicated.

import type { ErrorName } from '../errors.ts'
import type { NodeId } from '../node.ts'
import {
  JOIN_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  UNKNOWN_MEMBER_ID,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type OffsetCommitRequest,
} from '../protocol.ts'
import { serverAssignor } from './assignors/index.ts'
import type { TopicPartitionRef } from './assignors/types.ts'
import {
  ConsumerGroup,
  nextAssignment,
  owns,
  partitionKeys,
  sortedPartitions,
  type ConsumerGroupMember,
  type ConsumerGroupRecordValue,
  type ConsumerGroupStateName,
} from './consumer-group.ts'
import type { CoordinatorHost } from './coordinator.ts'
import type { OffsetCommitValue } from './offsets-topic.ts'

/** What the consumer-group side needs from the GroupCoordinator that hosts it. */
export interface ConsumerGroupHost {
  host: CoordinatorHost
  partitionFor(groupId: string): number
  /** NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS, or NONE. */
  coordinatorError(groupId: string): ErrorName
  /** A classic group of this id with members (the two kinds share one namespace). */
  classicGroupInUse(groupId: string): boolean
  /** Removes an empty classic group of this id and hands over its committed offsets (a group converts to the consumer protocol when empty). */
  takeClassicOffsets(groupId: string): (OffsetCommitValue & { topic: string; partition: number })[]
  /** Appends the group's record with acks=all; `done` runs when it is committed or failed (the error already normalized). */
  writeGroup(partition: number, groupId: string, value: ConsumerGroupRecordValue | null, done: (errorCode: ErrorName) => void): void
}

/** A member as views and describeGroups show it. */
export interface ConsumerGroupMemberView {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  memberEpoch: number
  memberState: string
  subscribedTopics: string[]
  assignment: { partitions: TopicPartitionRef[] }
  partitionsPendingRevocation: TopicPartitionRef[]
  targetAssignment: TopicPartitionRef[]
}

export class ConsumerGroupCoordinator {
  readonly groups = new Map<string, ConsumerGroup>()

  constructor(private readonly deps: ConsumerGroupHost) {}

  private get host(): CoordinatorHost {
    return this.deps.host
  }

  // --- ConsumerGroupHeartbeat ---------------------------------------------------------------

  handleHeartbeat(from: NodeId, request: ConsumerGroupHeartbeatRequest): void {
    const c = this.host.config()
    const respondError = (errorCode: ErrorName, errorMessage: string) => {
      this.host.emit('consumer-group-heartbeat-rejected', { groupId: request.groupId, memberId: request.memberId, memberEpoch: request.memberEpoch, errorCode, errorMessage })
      this.respond(from, request, { errorCode, errorMessage, memberId: request.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null })
    }
    // The API is not offered when the consumer protocol is disabled (the broker does not advertise it).
    if (!c['group.coordinator.rebalance.protocols'].includes('consumer')) return respondError('UNSUPPORTED_VERSION', 'the consumer group protocol is disabled (group.coordinator.rebalance.protocols)')
    const invalid = this.invalidRequest(request)
    if (invalid !== null) return respondError(invalid.errorCode, invalid.message)
    const coordinatorError = this.deps.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return respondError(coordinatorError, `this broker cannot serve group ${request.groupId} now`)
    if (request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) return this.leave(from, request)

    if (this.deps.classicGroupInUse(request.groupId)) {
      // The sandbox does not model the online migration of a classic group to the consumer protocol.
      return respondError('GROUP_ID_NOT_FOUND', `group ${request.groupId} is a classic group with members`)
    }
    let group = this.groups.get(request.groupId)
    const isNewGroup = !group
    if (!group) {
      if (request.memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) return respondError('GROUP_ID_NOT_FOUND', `consumer group ${request.groupId} not found`)
      group = new ConsumerGroup(request.groupId, this.deps.partitionFor(request.groupId))
    }
    const events: [string, Record<string, unknown>][] = []
    const stateBefore = group.state

    // The member: new, rejoining, a static member taking its instance's place, or an existing one.
    let member = group.members.get(request.memberId)
    let bumpReason: string | null = null
    /** A static member's new member id took its instance's place: to be written even though no epoch moves. */
    let replaced = false
    if (request.instanceId !== null) {
      const existingId = group.staticMembers.get(request.instanceId)
      const existing = existingId === undefined ? undefined : group.members.get(existingId)
      if (request.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
        if (existing && existing.memberId !== request.memberId) {
          if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
            return respondError('UNRELEASED_INSTANCE_ID', `static member ${request.instanceId} is still in use by member ${existing.memberId}`)
          }
          // replaceStaticMember: the new member id takes the old one's epoch and assignment, without a rebalance.
          member = { ...existing, memberId: request.memberId, clientId: request.clientId, memberEpoch: existing.previousMemberEpoch, sessionTimer: null, rebalanceTimer: null }
          this.cancelTimers(existing)
          group.members.delete(existing.memberId)
          const target = group.targetAssignment.get(existing.memberId)
          group.targetAssignment.delete(existing.memberId)
          if (target) group.targetAssignment.set(member.memberId, target)
          group.members.set(member.memberId, member)
          group.staticMembers.set(request.instanceId, member.memberId)
          replaced = true
          events.push(['consumer-group-static-member-replaced', { groupId: group.groupId, instanceId: request.instanceId, oldMemberId: existing.memberId, memberId: member.memberId }])
        }
      } else if (!existing || existing.memberId !== request.memberId) {
        return respondError(existing ? 'FENCED_INSTANCE_ID' : 'UNKNOWN_MEMBER_ID', `static member ${request.instanceId} is not member ${request.memberId}`)
      }
    }
    if (!member) {
      if (request.memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) return respondError('UNKNOWN_MEMBER_ID', `member ${request.memberId} is not in group ${group.groupId}`)
      if (group.members.size >= c['group.consumer.max.size']) {
        return respondError('GROUP_MAX_SIZE_REACHED', `group ${group.groupId} already has group.consumer.max.size (${c['group.consumer.max.size']}) members`)
      }
      member = {
        memberId: request.memberId,
        instanceId: request.instanceId,
        clientId: request.clientId,
        rackId: request.rackId,
        rebalanceTimeoutMs: request.rebalanceTimeoutMs,
        subscribedTopicNames: [],
        serverAssignor: null,
        memberEpoch: 0,
        previousMemberEpoch: 0,
        state: 'STABLE',
        assignedPartitions: [],
        partitionsPendingRevocation: [],
        sessionTimer: null,
        rebalanceTimer: null,
      }
      group.members.set(member.memberId, member)
      if (member.instanceId !== null) group.staticMembers.set(member.instanceId, member.memberId)
      bumpReason = `member ${member.memberId} joined`
      events.push(['consumer-group-member-joined', { groupId: group.groupId, memberId: member.memberId, instanceId: member.instanceId, clientId: member.clientId }])
    } else if (request.memberEpoch !== JOIN_GROUP_MEMBER_EPOCH) {
      const fenced = this.memberEpochError(member, request)
      if (fenced !== null) return respondError('FENCED_MEMBER_EPOCH', fenced)
    }
    if (isNewGroup) {
      for (const offset of this.deps.takeClassicOffsets(group.groupId)) group.offsets.set(`${offset.topic}-${offset.partition}`, offset)
      this.groups.set(group.groupId, group)
    }

    // The member's subscription (null fields: unchanged).
    if (request.subscribedTopicNames !== null) {
      const topics = [...new Set(request.subscribedTopicNames)].sort()
      if (topics.join(',') !== member.subscribedTopicNames.join(',')) {
        member.subscribedTopicNames = topics
        bumpReason ??= `member ${member.memberId} subscribed to [${topics.join(', ')}]`
      }
    }
    if (request.serverAssignor !== null && request.serverAssignor !== member.serverAssignor) {
      member.serverAssignor = request.serverAssignor
      bumpReason ??= `member ${member.memberId} asked for the ${request.serverAssignor} assignor`
    }
    if (request.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
    member.clientId = request.clientId
    // The subscribed topics' partition counts (ConsumerGroupPartitionMetadata): a change, e.g. new partitions, bumps the epoch too.
    const metadata = this.subscriptionMetadata(group)
    if (JSON.stringify(metadata) !== JSON.stringify(group.subscriptionMetadata)) {
      group.subscriptionMetadata = metadata
      bumpReason ??= 'the partitions of the subscribed topics changed'
    }
    if (bumpReason !== null) this.bumpGroupEpoch(group, bumpReason, events)
    if (group.groupEpoch > group.assignmentEpoch) this.updateTargetAssignment(group, events)

    // Reconcile this member against the target (CurrentAssignmentBuilder).
    const owned = request.memberEpoch === JOIN_GROUP_MEMBER_EPOCH ? [] : request.topicPartitions
    const before = { epoch: member.memberEpoch, assigned: partitionKeys(member.assignedPartitions).join(','), revoking: partitionKeys(member.partitionsPendingRevocation).join(','), state: member.state }
    this.reconcile(group, member, owned, events)
    this.scheduleSessionTimeout(group, member)
    const stateAfter = group.state
    if (stateAfter !== stateBefore) events.push(['consumer-group-state', { groupId: group.groupId, from: stateBefore, to: stateAfter, groupEpoch: group.groupEpoch }])
    const changed = replaced || bumpReason !== null || before.epoch !== member.memberEpoch || before.state !== member.state ||
      before.assigned !== partitionKeys(member.assignedPartitions).join(',') || before.revoking !== partitionKeys(member.partitionsPendingRevocation).join(',')
    // The assignment is sent when it may differ from what the member has (GroupMetadataManager: on a join, a new epoch, or owned partitions that do not match).
    const ownedKeys = owned === null ? null : partitionKeys(owned).join(',')
    const sendAssignment = request.memberEpoch !== member.memberEpoch || ownedKeys !== partitionKeys(member.assignedPartitions).join(',')
    const response = {
      errorCode: 'NONE' as ErrorName,
      errorMessage: null,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: c['group.consumer.heartbeat.interval.ms'],
      assignment: sendAssignment ? { topicPartitions: member.assignedPartitions.map((tp) => ({ ...tp })) } : null,
    }
    if (!changed) return this.respond(from, request, response)
    this.persist(group, events, (errorCode) => {
      if (errorCode !== 'NONE') return respondError(errorCode, `the group's records could not be written: ${errorCode}`)
      this.respond(from, request, response)
    })
  }

  /** throwIfConsumerGroupHeartbeatRequestIsInvalid (ConsumerGroupHeartbeat v1). */
  private invalidRequest(r: ConsumerGroupHeartbeatRequest): { errorCode: ErrorName; message: string } | null {
    const bad = (message: string) => ({ errorCode: 'INVALID_REQUEST' as ErrorName, message })
    if (r.groupId === '') return { errorCode: 'INVALID_GROUP_ID', message: 'GroupId can\'t be empty.' }
    if (r.memberId === UNKNOWN_MEMBER_ID) return bad('MemberId can\'t be empty.')
    if (r.instanceId !== null && r.instanceId === '') return bad('InstanceId can\'t be empty.')
    if (r.rackId !== null && r.rackId === '') return bad('RackId can\'t be empty.')
    if (r.memberEpoch === JOIN_GROUP_MEMBER_EPOCH) {
      if (r.rebalanceTimeoutMs === -1) return bad('RebalanceTimeoutMs must be provided in first request.')
      if (r.topicPartitions === null || r.topicPartitions.length > 0) return bad('TopicPartitions must be empty when (re-)joining.')
      if (r.subscribedTopicNames === null || r.subscribedTopicNames.length === 0) return bad('SubscribedTopicNames must be set in first request.')
    } else if (r.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (r.instanceId === null) return bad('InstanceId can\'t be null.')
    } else if (r.memberEpoch < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return bad(`MemberEpoch is invalid: ${r.memberEpoch}.`)
    }
    if (r.serverAssignor !== null && !this.host.config()['group.consumer.assignors'].includes(r.serverAssignor as 'uniform' | 'range')) {
      return { errorCode: 'UNSUPPORTED_ASSIGNOR', message: `ServerAssignor ${r.serverAssignor} is not supported. Supported assignors: ${this.host.config()['group.consumer.assignors'].join(', ')}.` }
    }
    return null
  }

  /**
   * throwIfMemberEpochIsInvalid: an epoch ahead of the coordinator's, or behind it, fences the
   * member, except the previous epoch with partitions it still holds (its last response was lost).
   */
  private memberEpochError(member: ConsumerGroupMember, request: ConsumerGroupHeartbeatRequest): string | null {
    if (request.memberEpoch > member.memberEpoch) return `member ${member.memberId} sent epoch ${request.memberEpoch}, newer than its epoch ${member.memberEpoch}`
    if (request.memberEpoch < member.memberEpoch) {
      const owned = request.topicPartitions
      const subset = owned !== null && owned.every((tp) => owns(member.assignedPartitions, tp))
      if (request.memberEpoch !== member.previousMemberEpoch || !subset) return `member ${member.memberId} sent epoch ${request.memberEpoch}, older than its epoch ${member.memberEpoch}`
    }
    return null
  }

  /** The partition count of every subscribed topic that exists. */
  private subscriptionMetadata(group: ConsumerGroup): Record<string, number> {
    const topics = new Set<string>()
    for (const m of group.members.values()) for (const t of m.subscribedTopicNames) topics.add(t)
    const metadata: Record<string, number> = {}
    for (const topic of [...topics].sort()) {
      const count = this.host.partitionCount(topic)
      if (count !== undefined) metadata[topic] = count
    }
    return metadata
  }

  private bumpGroupEpoch(group: ConsumerGroup, reason: string, events: [string, Record<string, unknown>][]): void {
    group.groupEpoch++
    events.push(['consumer-group-epoch', { groupId: group.groupId, groupEpoch: group.groupEpoch, reason }])
  }

  /**
   * updateTargetAssignment / TargetAssignmentBuilder: the preferred assignor computes every
   * member's target from the subscriptions and the previous target (for stickiness); the
   * assignment epoch becomes the group epoch.
   */
  private updateTargetAssignment(group: ConsumerGroup, events: [string, Record<string, unknown>][]): void {
    const assignors = this.host.config()['group.consumer.assignors']
    const name = group.preferredAssignor(assignors[0]!)
    const assignor = serverAssignor(name)!
    const partitionsPerTopic = new Map(Object.entries(group.subscriptionMetadata))
    const members = [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      subscribedTopics: m.subscribedTopicNames,
      assignedPartitions: group.targetAssignment.get(m.memberId) ?? [],
    }))
    const result = members.length === 0 ? new Map<string, TopicPartitionRef[]>() : assignor.assign({ members, partitionsPerTopic })
    group.targetAssignment.clear()
    for (const [memberId, tps] of result) group.targetAssignment.set(memberId, sortedPartitions(tps))
    group.assignmentEpoch = group.groupEpoch
    events.push(['consumer-group-target-assignment', {
      groupId: group.groupId,
      assignmentEpoch: group.assignmentEpoch,
      assignor: name,
      target: Object.fromEntries([...group.targetAssignment].map(([id, tps]) => [id, partitionKeys(tps)])),
    }])
  }

  private reconcile(group: ConsumerGroup, member: ConsumerGroupMember, owned: readonly TopicPartitionRef[] | null, events: [string, Record<string, unknown>][]): void {
    const next = nextAssignment(group, member, group.targetAssignment.get(member.memberId) ?? [], owned)
    const changed = next.memberEpoch !== member.memberEpoch || next.state !== member.state ||
      partitionKeys(next.assignedPartitions).join(',') !== partitionKeys(member.assignedPartitions).join(',') ||
      partitionKeys(next.partitionsPendingRevocation).join(',') !== partitionKeys(member.partitionsPendingRevocation).join(',')
    if (!changed) return
    if (next.memberEpoch !== member.memberEpoch) member.previousMemberEpoch = member.memberEpoch
    member.memberEpoch = next.memberEpoch
    member.state = next.state
    member.assignedPartitions = next.assignedPartitions
    member.partitionsPendingRevocation = next.partitionsPendingRevocation
    events.push(['consumer-group-member-assignment', this.assignmentEvent(group, member)])
    // scheduleConsumerGroupRebalanceTimeout: revocation must finish within the member's rebalance timeout.
    if (member.rebalanceTimer !== null) this.host.cancelTimer(member.rebalanceTimer)
    member.rebalanceTimer = null
    if (member.state === 'UNREVOKED_PARTITIONS') {
      member.rebalanceTimer = this.host.setTimer(member.rebalanceTimeoutMs, 'group-consumer-rebalance-timeout', { groupId: group.groupId, memberId: member.memberId, memberEpoch: member.memberEpoch })
    }
  }

  private assignmentEvent(group: ConsumerGroup, member: ConsumerGroupMember): Record<string, unknown> {
    return {
      groupId: group.groupId,
      memberId: member.memberId,
      memberEpoch: member.memberEpoch,
      state: member.state,
      assigned: partitionKeys(member.assignedPartitions),
      pendingRevocation: partitionKeys(member.partitionsPendingRevocation),
    }
  }

  /** consumerGroupLeave: -1 removes the member (the group rebalances); -2, a static member, keeps its place and partitions until its session expires. */
  private leave(from: NodeId, request: ConsumerGroupHeartbeatRequest): void {
    const group = this.groups.get(request.groupId)
    const respondError = (errorCode: ErrorName, message: string) =>
      this.respond(from, request, { errorCode, errorMessage: message, memberId: request.memberId, memberEpoch: -1, heartbeatIntervalMs: 0, assignment: null })
    let member = group?.members.get(request.memberId)
    if (group && request.instanceId !== null) {
      const existingId = group.staticMembers.get(request.instanceId)
      if (existingId === undefined) return respondError('UNKNOWN_MEMBER_ID', `static member ${request.instanceId} is not in group ${request.groupId}`)
      if (existingId !== request.memberId) return respondError('FENCED_INSTANCE_ID', `static member ${request.instanceId} is member ${existingId}, not ${request.memberId}`)
      member = group.members.get(existingId)
    }
    if (!group || !member) return respondError('UNKNOWN_MEMBER_ID', `member ${request.memberId} is not in group ${request.groupId}`)
    const events: [string, Record<string, unknown>][] = []
    const stateBefore = group.state
    if (request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      member.previousMemberEpoch = member.memberEpoch
      member.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH
      this.scheduleSessionTimeout(group, member)
      events.push(['consumer-group-static-member-left', { groupId: group.groupId, memberId: member.memberId, instanceId: member.instanceId }])
    } else {
      this.removeMember(group, member, `member ${member.memberId} left the group`, events)
    }
    if (group.state !== stateBefore) events.push(['consumer-group-state', { groupId: group.groupId, from: stateBefore, to: group.state, groupEpoch: group.groupEpoch }])
    this.persist(group, events, (errorCode) => {
      if (errorCode !== 'NONE') return respondError(errorCode, `the group's records could not be written: ${errorCode}`)
      this.respond(from, request, { errorCode: 'NONE', errorMessage: null, memberId: request.memberId, memberEpoch: request.memberEpoch, heartbeatIntervalMs: 0, assignment: null })
    })
  }

  /** consumerGroupFenceMember / removeMember: the member and its target go, the group epoch is bumped (the target is recomputed at the next heartbeat). */
  private removeMember(group: ConsumerGroup, member: ConsumerGroupMember, reason: string, events: [string, Record<string, unknown>][]): void {
    this.cancelTimers(member)
    group.members.delete(member.memberId)
    group.targetAssignment.delete(member.memberId)
    if (member.instanceId !== null && group.staticMembers.get(member.instanceId) === member.memberId) group.staticMembers.delete(member.instanceId)
    events.push(['consumer-group-member-removed', { groupId: group.groupId, memberId: member.memberId, memberEpoch: member.memberEpoch, reason, released: partitionKeys([...member.assignedPartitions, ...member.partitionsPendingRevocation]) }])
    group.subscriptionMetadata = this.subscriptionMetadata(group)
    this.bumpGroupEpoch(group, reason, events)
    if (group.members.size === 0) this.updateTargetAssignment(group, events)
  }

  private cancelTimers(member: ConsumerGroupMember): void {
    if (member.sessionTimer !== null) this.host.cancelTimer(member.sessionTimer)
    if (member.rebalanceTimer !== null) this.host.cancelTimer(member.rebalanceTimer)
    member.sessionTimer = null
    member.rebalanceTimer = null
  }

  private scheduleSessionTimeout(group: ConsumerGroup, member: ConsumerGroupMember): void {
    if (member.sessionTimer !== null) this.host.cancelTimer(member.sessionTimer)
    member.sessionTimer = this.host.setTimer(this.host.config()['group.consumer.session.timeout.ms'], 'group-consumer-session-expired', { groupId: group.groupId, memberId: member.memberId })
  }

  /** Timers named "group-consumer-*"; true when handled. */
  onTimer(name: string, data: unknown): boolean {
    if (name !== 'group-consumer-session-expired' && name !== 'group-consumer-rebalance-timeout') return false
    const { groupId, memberId, memberEpoch } = data as { groupId: string; memberId: string; memberEpoch?: number }
    const group = this.groups.get(groupId)
    const member = group?.members.get(memberId)
    if (!group || !member) return true
    let reason: string
    if (name === 'group-consumer-session-expired') {
      member.sessionTimer = null
      reason = `member ${memberId} did not heartbeat within group.consumer.session.timeout.ms (${this.host.config()['group.consumer.session.timeout.ms']} ms)`
    } else {
      member.rebalanceTimer = null
      if (member.state !== 'UNREVOKED_PARTITIONS' || member.memberEpoch !== memberEpoch) return true
      reason = `member ${memberId} did not revoke [${partitionKeys(member.partitionsPendingRevocation).join(', ')}] within its rebalance timeout (${member.rebalanceTimeoutMs} ms)`
    }
    const events: [string, Record<string, unknown>][] = [['consumer-group-member-fenced', { groupId, memberId, memberEpoch: member.memberEpoch, reason }]]
    const stateBefore = group.state
    this.removeMember(group, member, reason, events)
    if (group.state !== stateBefore) events.push(['consumer-group-state', { groupId, from: stateBefore, to: group.state, groupEpoch: group.groupEpoch }])
    this.persist(group, events, () => {})
    return true
  }

  /** Writes the group, then announces the changes (only what the log holds is announced: a lost write is never seen). */
  private persist(group: ConsumerGroup, events: [string, Record<string, unknown>][], done: (errorCode: ErrorName) => void): void {
    this.deps.writeGroup(group.partition, group.groupId, group.toRecord(), (errorCode) => {
      if (errorCode === 'NONE') for (const [type, data] of events) this.host.emit(type, data)
      done(errorCode)
    })
  }

  private respond(from: NodeId, request: ConsumerGroupHeartbeatRequest, response: Omit<ConsumerGroupHeartbeatResponse, 'type' | 'correlationId'>): void {
    this.host.respond(from, { type: 'ConsumerGroupHeartbeatResponse', correlationId: request.correlationId, ...response } satisfies ConsumerGroupHeartbeatResponse)
  }

  // --- loading and unloading --------------------------------------------------------------------

  /** Replays the latest record of a consumer group; members' session (and pending rebalance) timeouts start afresh, as onLoaded schedules them. */
  load(partition: number, groupId: string, value: ConsumerGroupRecordValue): ConsumerGroup {
    const group = ConsumerGroup.fromRecord(groupId, partition, value)
    this.groups.set(groupId, group)
    for (const member of group.members.values()) {
      this.scheduleSessionTimeout(group, member)
      if (member.state === 'UNREVOKED_PARTITIONS') {
        member.rebalanceTimer = this.host.setTimer(member.rebalanceTimeoutMs, 'group-consumer-rebalance-timeout', { groupId, memberId: member.memberId, memberEpoch: member.memberEpoch })
      }
    }
    return group
  }

  unload(partition: number): void {
    for (const group of [...this.groups.values()]) {
      if (group.partition !== partition) continue
      for (const member of group.members.values()) this.cancelTimers(member)
      group.dead = true
      this.groups.delete(group.groupId)
    }
  }

  // --- offset commits -------------------------------------------------------------------------

  /**
   * ConsumerGroup.validateOffsetCommit: a commit outside group management is taken only while
   * the group is empty; a member must exist and commit with its current member epoch
   * (STALE_MEMBER_EPOCH otherwise: it has not caught up with its latest assignment).
   */
  offsetCommitError(group: ConsumerGroup, request: OffsetCommitRequest): ErrorName {
    if (group.dead) return 'COORDINATOR_NOT_AVAILABLE'
    if (request.generationIdOrMemberEpoch < 0 && group.members.size === 0) return 'NONE'
    const member = group.members.get(request.memberId)
    if (!member) return 'UNKNOWN_MEMBER_ID'
    if (request.generationIdOrMemberEpoch !== member.memberEpoch) return 'STALE_MEMBER_EPOCH'
    return 'NONE'
  }

  /** ConsumerGroup.validateOffsetFetch: epoch -1 (admin tools, consumers outside the group) may read; a member must send its current epoch. */
  offsetFetchError(group: ConsumerGroup, memberId: string | undefined, memberEpoch: number | undefined): ErrorName {
    if (memberEpoch === undefined || memberEpoch === -1) return 'NONE'
    const member = memberId === undefined ? undefined : group.members.get(memberId)
    if (!member) return 'UNKNOWN_MEMBER_ID'
    return memberEpoch === member.memberEpoch ? 'NONE' : 'STALE_MEMBER_EPOCH'
  }

  // --- views ------------------------------------------------------------------------------------

  memberViews(group: ConsumerGroup): ConsumerGroupMemberView[] {
    return [...group.members.values()]
      .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0))
      .map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.instanceId,
        clientId: m.clientId,
        memberEpoch: m.memberEpoch,
        memberState: m.state,
        subscribedTopics: [...m.subscribedTopicNames],
        assignment: { partitions: m.assignedPartitions.map((tp) => ({ ...tp })) },
        partitionsPendingRevocation: m.partitionsPendingRevocation.map((tp) => ({ ...tp })),
        targetAssignment: (group.targetAssignment.get(m.memberId) ?? []).map((tp) => ({ ...tp })),
      }))
  }

  stateOf(groupId: string): ConsumerGroupStateName | null {
    return this.groups.get(groupId)?.state ?? null
  }
}
