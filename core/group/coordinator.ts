// The group coordinator a broker hosts: for each __consumer_offsets partition the broker
// leads, it serves the groups that hash to it (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups), writes their offsets
// and metadata as records to that partition, and rebuilds them from it when it becomes
// the leader (event-sourced, as Kafka 4's group coordinator is).
// Sources: group-coordinator/src/main/java/org/apache/kafka/coordinator/group/
//   GroupMetadataManager.java (classicGroupJoin, classicGroupSync, classicGroupHeartbeat,
//   classicGroupLeave, prepareRebalance, onCompleteJoin), OffsetMetadataManager.java,
//   GroupCoordinatorService.java (partitionFor, normalizeException), classic/ClassicGroup.java.
//
// The coordinator has no clock of its own: every timeout (session, join, sync, initial
// delay, write) is a timer of the broker's node context, named "group-*".

import type { BrokerConfig } from '../config.ts'
import type { ErrorName } from '../errors.ts'
import type { NodeId, TimerId } from '../node.ts'
import {
  UNKNOWN_MEMBER_ID,
  type ConsumerGroupHeartbeatRequest,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type GroupResponse,
  type DescribeGroupsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetFetchPartitionResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type SyncGroupResponse,
} from '../protocol.ts'
import type { ProducerRecord, RecordBatch } from '../records.ts'
import { ClassicGroup, type ClassicGroupMember, type ResponseTarget } from './classic-group.ts'
import type { ConsumerGroup, ConsumerGroupRecordValue } from './consumer-group.ts'
import { ConsumerGroupCoordinator } from './consumer-group-coordinator.ts'
import { randomUuidText } from './member-id.ts'
import {
  decodeCoordinatorRecord,
  encodeCoordinatorRecord,
  offsetsPartitionFor,
  type CoordinatorRecord,
  type GroupMetadataValue,
} from './offsets-topic.ts'

/** GroupMetadataManager: a member added to a group that never rejoins is removed after 5 minutes (classicGroupNewMemberJoinTimeoutMs). */
const NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60_000

/** What the coordinator needs from the broker that hosts it. */
export interface CoordinatorHost {
  readonly brokerId: number
  now(): number
  config(): BrokerConfig
  random(): number
  emit(type: string, data: Record<string, unknown>): void
  setTimer(delayMs: number, name: string, data: unknown): TimerId
  cancelTimer(timer: TimerId): void
  /** Answers a client's group request (and lets its coordinator connection carry the next one). */
  respond(to: NodeId, response: GroupResponse): void
  /** Appends as leader of __consumer_offsets-`partition` with acks=all: the offset the HW must reach, or Kafka's error. */
  append(partition: number, records: readonly ProducerRecord[]): { requiredOffset: number } | { errorCode: ErrorName }
  /** Whether a write waiting on `requiredOffset` is committed, still waiting, or failed (the leader moved, the ISR shrank below min.insync.replicas). */
  writeStatus(partition: number, requiredOffset: number): { done: boolean; errorCode: ErrorName }
  /** A topic's partition count in the broker's metadata, undefined for an unknown topic (the consumer protocol's subscription metadata). */
  partitionCount(topic: string): number | undefined
}

interface PendingWrite {
  id: number
  partition: number
  requiredOffset: number
  timer: TimerId
  complete: (errorCode: ErrorName) => void
}

/** One __consumer_offsets partition this broker leads: loading, then active. */
interface CoordinatorShard {
  partition: number
  leaderEpoch: number
  state: 'loading' | 'active'
  loadTimer: TimerId | null
}

export interface GroupView {
  groupId: string
  /** classic (JoinGroup/SyncGroup) or consumer (KIP-848, ConsumerGroupHeartbeat). */
  type: 'classic' | 'consumer'
  state: string
  protocolType: string | null
  protocol: string | null
  generation: number
  leader: string | null
  coordinator: number
  offsetsPartition: number
  members: { memberId: string; groupInstanceId: string | null; clientId: string; assignment: unknown; memberEpoch?: number; memberState?: string; partitionsPendingRevocation?: unknown; targetAssignment?: unknown }[]
  offsets: { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }[]
  /** Consumer groups only: the group epoch and the epoch of the target assignment. */
  groupEpoch?: number
  assignmentEpoch?: number
}

export class GroupCoordinator {
  private readonly shards = new Map<number, CoordinatorShard>()
  private readonly groups = new Map<string, ClassicGroup>()
  private readonly pendingWrites = new Map<number, PendingWrite>()
  private writeIds = 0
  /** The consumer-protocol groups (KIP-848), which share the group id namespace and the offsets topic with the classic ones. */
  readonly consumerGroups: ConsumerGroupCoordinator

  constructor(private readonly host: CoordinatorHost) {
    this.consumerGroups = new ConsumerGroupCoordinator({
      host,
      partitionFor: (groupId) => this.partitionFor(groupId),
      coordinatorError: (groupId) => this.coordinatorError(groupId),
      classicGroupInUse: (groupId) => (this.groups.get(groupId)?.members.size ?? 0) > 0 || (this.groups.get(groupId)?.pendingMembers.size ?? 0) > 0,
      takeClassicOffsets: (groupId) => {
        // An empty classic group (offsets only) becomes a consumer group when a member joins with the consumer protocol.
        const classic = this.groups.get(groupId)
        if (!classic) return []
        this.groups.delete(groupId)
        return [...classic.offsets.values()]
      },
      writeGroup: (partition, groupId, value, done) =>
        this.write(partition, [encodeCoordinatorRecord({ kind: 'consumer-group', groupId, value })], (errorCode) => done(errorCode === 'NONE' ? 'NONE' : normalizeWriteError(errorCode))),
    })
  }

  private get config(): BrokerConfig {
    return this.host.config()
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.config['offsets.topic.num.partitions'])
  }

  // --- leadership of __consumer_offsets partitions -------------------------------------

  /**
   * This broker now leads __consumer_offsets-`partition`: its groups are loaded from the log
   * on an event of their own (CoordinatorLoaderImpl runs on a loader thread), and requests
   * meanwhile get COORDINATOR_LOAD_IN_PROGRESS.
   */
  onBecomeLeader(partition: number, leaderEpoch: number): void {
    const existing = this.shards.get(partition)
    if (existing && existing.leaderEpoch === leaderEpoch) return
    if (existing) this.unload(partition)
    const shard: CoordinatorShard = { partition, leaderEpoch, state: 'loading', loadTimer: null }
    shard.loadTimer = this.host.setTimer(0, 'group-load', { partition, leaderEpoch })
    this.shards.set(partition, shard)
    this.host.emit('group-coordinator-loading', { partition, leaderEpoch })
  }

  /** This broker no longer leads the partition: its groups are dropped (their members will find the new coordinator). */
  onResign(partition: number): void {
    if (!this.shards.has(partition)) return
    this.unload(partition)
    this.host.emit('group-coordinator-unloaded', { partition })
  }

  /** The partition's high watermark may have moved, or its leadership changed: writes waiting on it may be done. */
  onPartitionProgress(partition: number): void {
    for (const write of [...this.pendingWrites.values()]) {
      if (write.partition !== partition) continue
      const status = this.host.writeStatus(partition, write.requiredOffset)
      if (!status.done) continue
      this.finishWrite(write, status.errorCode)
    }
  }

  private load(partition: number, leaderEpoch: number, batches: readonly RecordBatch[]): void {
    const shard = this.shards.get(partition)
    if (!shard || shard.leaderEpoch !== leaderEpoch) return
    shard.loadTimer = null
    // The latest group record of each id, of either type: a group converted between the protocols keeps its last form.
    const latest = new Map<string, { kind: 'group'; value: GroupMetadataValue | null } | { kind: 'consumer-group'; value: ConsumerGroupRecordValue | null }>()
    const offsets = new Map<string, Extract<CoordinatorRecord, { kind: 'offset' }>>()
    let records = 0
    for (const batch of batches) {
      for (const record of batch.records) {
        const decoded = decodeCoordinatorRecord(record.key, record.value)
        if (!decoded) continue
        records++
        if (decoded.kind === 'group' || decoded.kind === 'consumer-group') {
          const before = latest.get(decoded.groupId)
          if (decoded.value !== null || before === undefined || before.kind === decoded.kind) latest.set(decoded.groupId, { kind: decoded.kind, value: decoded.value } as typeof before & object)
        } else offsets.set(`${decoded.groupId}\u0000${decoded.topic}-${decoded.partition}`, decoded)
      }
    }
    const now = this.host.now()
    const groupFor = (groupId: string): ClassicGroup => {
      let group = this.groups.get(groupId)
      if (!group) {
        group = new ClassicGroup(groupId, partition, now)
        this.groups.set(groupId, group)
      }
      return group
    }
    for (const [groupId, record] of latest) {
      if (record.value === null) continue
      if (record.kind === 'consumer-group') {
        this.consumerGroups.load(partition, groupId, record.value)
        continue
      }
      const value = record.value
      // GroupMetadataManager.replay: Empty without members, Stable with them.
      const group = new ClassicGroup(groupId, partition, now, value.members.length > 0 ? 'Stable' : 'Empty', value.generation)
      group.protocolType = value.protocolType
      group.protocolName = value.protocol
      group.leaderId = value.leader
      for (const m of value.members) {
        const member: ClassicGroupMember = {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          sessionTimeoutMs: m.sessionTimeoutMs,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          protocolType: value.protocolType,
          protocols: value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }],
          assignment: m.assignment,
          awaitingJoin: null,
          awaitingSync: null,
          heartbeatTimer: null,
        }
        group.members.set(member.memberId, member)
        if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, member.memberId)
        this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs)
      }
      this.groups.set(groupId, group)
    }
    for (const offset of offsets.values()) {
      if (offset.value === null) continue
      const consumerGroup = this.consumerGroups.groups.get(offset.groupId)
      ;(consumerGroup ?? groupFor(offset.groupId)).offsets.set(`${offset.topic}-${offset.partition}`, { topic: offset.topic, partition: offset.partition, ...offset.value })
    }
    shard.state = 'active'
    const groups = [...this.groups.values(), ...this.consumerGroups.groups.values()].filter((g) => g.partition === partition).length
    this.host.emit('group-coordinator-loaded', { partition, leaderEpoch, records, groups })
  }

  private unload(partition: number): void {
    const shard = this.shards.get(partition)
    if (shard?.loadTimer != null) this.host.cancelTimer(shard.loadTimer)
    this.shards.delete(partition)
    for (const write of [...this.pendingWrites.values()]) if (write.partition === partition) this.finishWrite(write, 'NOT_LEADER_OR_FOLLOWER')
    this.consumerGroups.unload(partition)
    for (const group of [...this.groups.values()]) {
      if (group.partition !== partition) continue
      for (const member of group.members.values()) {
        if (member.heartbeatTimer !== null) this.host.cancelTimer(member.heartbeatTimer)
        if (member.awaitingJoin) this.respondJoinError(member.awaitingJoin, 'NOT_COORDINATOR', member.memberId)
        if (member.awaitingSync) this.respondSyncError(member.awaitingSync, 'NOT_COORDINATOR')
      }
      for (const timer of group.pendingMembers.values()) this.host.cancelTimer(timer)
      if (group.joinTimer !== null) this.host.cancelTimer(group.joinTimer)
      if (group.syncTimer !== null) this.host.cancelTimer(group.syncTimer)
      group.transition({ type: 'GROUP_DEAD' }, this.host.now())
      this.groups.delete(group.groupId)
    }
  }

  /** Timers named "group-*" of the hosting broker. `batches` reads the partition's log when a load is due. */
  onTimer(name: string, data: unknown, batches: (partition: number) => readonly RecordBatch[]): void {
    if (this.consumerGroups.onTimer(name, data)) return
    switch (name) {
      case 'group-load': {
        const { partition, leaderEpoch } = data as { partition: number; leaderEpoch: number }
        return this.load(partition, leaderEpoch, batches(partition))
      }
      case 'group-write-timeout': {
        const write = this.pendingWrites.get(data as number)
        if (write) this.finishWrite(write, 'REQUEST_TIMED_OUT')
        return
      }
      case 'group-heartbeat-expired': {
        const { groupId, memberId } = data as { groupId: string; memberId: string }
        const group = this.groups.get(groupId)
        const member = group?.members.get(memberId)
        if (!group || !member) return
        member.heartbeatTimer = null
        this.host.emit('group-member-expired', { groupId, memberId, sessionTimeoutMs: member.sessionTimeoutMs })
        return this.removeMemberAndUpdateGroup(group, member, `session timeout of ${memberId} expired`)
      }
      case 'group-pending-member-expired': {
        const { groupId, memberId } = data as { groupId: string; memberId: string }
        const group = this.groups.get(groupId)
        if (!group || !group.pendingMembers.delete(memberId)) return
        if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group)
        return
      }
      case 'group-join-timeout': {
        const group = this.groups.get(data as string)
        if (!group || !group.is('PreparingRebalance')) return
        group.joinTimer = null
        return this.onJoinTimeout(group)
      }
      case 'group-sync-timeout': {
        const { groupId, generationId } = data as { groupId: string; generationId: number }
        const group = this.groups.get(groupId)
        if (!group || group.generationId !== generationId || !group.is('CompletingRebalance')) return
        group.syncTimer = null
        // Members that never sent SyncGroup are removed, and the group rebalances (KIP-? pendingSyncMembers).
        for (const memberId of [...group.pendingSyncMembers]) {
          const member = group.members.get(memberId)
          if (member) this.removeMember(group, member)
        }
        group.pendingSyncMembers.clear()
        return this.prepareRebalance(group, 'members did not send SyncGroup within the rebalance timeout')
      }
    }
  }

  // --- checks shared by the group requests -----------------------------------------------

  /** NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS for a group this broker cannot serve now; NONE otherwise. */
  private coordinatorError(groupId: string): ErrorName {
    const shard = this.shards.get(this.partitionFor(groupId))
    if (!shard) return 'NOT_COORDINATOR'
    if (shard.state === 'loading') return 'COORDINATOR_LOAD_IN_PROGRESS'
    return 'NONE'
  }

  // --- ConsumerGroupHeartbeat (KIP-848) ----------------------------------------------------

  handleConsumerGroupHeartbeat(from: NodeId, request: ConsumerGroupHeartbeatRequest): void {
    this.consumerGroups.handleHeartbeat(from, request)
  }

  // --- JoinGroup -----------------------------------------------------------------------

  handleJoinGroup(from: NodeId, request: JoinGroupRequest): void {
    const target = { from, correlationId: request.correlationId }
    if (request.groupId === '') return this.respondJoinError(target, 'INVALID_GROUP_ID', request.memberId)
    const coordinatorError = this.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return this.respondJoinError(target, coordinatorError, request.memberId)
    const c = this.config
    if (request.sessionTimeoutMs < c['group.min.session.timeout.ms'] || request.sessionTimeoutMs > c['group.max.session.timeout.ms']) {
      this.host.emit('group-join-rejected', { groupId: request.groupId, errorCode: 'INVALID_SESSION_TIMEOUT', sessionTimeoutMs: request.sessionTimeoutMs })
      return this.respondJoinError(target, 'INVALID_SESSION_TIMEOUT', request.memberId)
    }
    const consumerGroup = this.consumerGroups.groups.get(request.groupId)
    if (consumerGroup && consumerGroup.members.size > 0) {
      // A consumer-protocol group with members: the sandbox does not model the online downgrade (group.consumer.migration.policy).
      this.host.emit('group-join-rejected', { groupId: request.groupId, errorCode: 'INCONSISTENT_GROUP_PROTOCOL', reason: 'a consumer-protocol group with members' })
      return this.respondJoinError(target, 'INCONSISTENT_GROUP_PROTOCOL', request.memberId)
    }
    let group = this.groups.get(request.groupId)
    const isNewGroup = !group
    if (!group) group = new ClassicGroup(request.groupId, this.partitionFor(request.groupId), this.host.now())
    if (consumerGroup && isNewGroup) {
      // An empty consumer group becomes a classic group, keeping its committed offsets.
      for (const [key, offset] of consumerGroup.offsets) group.offsets.set(key, offset)
    }
    const unknownMember = request.memberId === UNKNOWN_MEMBER_ID
    if (group.is('Dead')) return this.respondJoinError(target, 'COORDINATOR_NOT_AVAILABLE', request.memberId)
    if (!group.supportsProtocols(request.protocolType, request.protocols, unknownMember ? undefined : request.memberId)) {
      this.host.emit('group-join-rejected', { groupId: request.groupId, errorCode: 'INCONSISTENT_GROUP_PROTOCOL', protocols: request.protocols.map((p) => p.name) })
      return this.respondJoinError(target, 'INCONSISTENT_GROUP_PROTOCOL', request.memberId)
    }
    const isNewMember = unknownMember || group.pendingMembers.has(request.memberId)
    if (isNewMember && request.groupInstanceId === null && group.members.size >= c['group.max.size']) {
      return this.respondJoinError(target, 'GROUP_MAX_SIZE_REACHED', request.memberId)
    }
    if (isNewGroup) this.groups.set(group.groupId, group)
    if (consumerGroup && isNewGroup) this.consumerGroups.groups.delete(group.groupId)
    if (unknownMember) this.unknownMemberJoin(group, request, target)
    else this.knownMemberJoin(group, request, target)
    // A group created by a rejected join is not kept (GroupMetadataManager removes it when still empty).
    if (isNewGroup && group.is('Empty') && group.members.size === 0 && group.pendingMembers.size === 0 && group.offsets.size === 0) this.groups.delete(group.groupId)
  }

  private unknownMemberJoin(group: ClassicGroup, request: JoinGroupRequest, target: ResponseTarget): void {
    const memberId = `${request.clientId}-${this.newUuid()}`
    if (request.groupInstanceId !== null) {
      const existing = group.staticMembers.get(request.groupInstanceId)
      if (existing !== undefined) return this.updateStaticMemberAndRebalance(group, existing, memberId, request, target)
      return this.addMemberAndRebalance(group, memberId, request, target)
    }
    // JoinGroup v4+: a new dynamic member first gets its id, and must join again with it (KIP-394).
    group.pendingMembers.set(memberId, this.host.setTimer(request.sessionTimeoutMs, 'group-pending-member-expired', { groupId: group.groupId, memberId }))
    this.host.emit('group-member-id-required', { groupId: group.groupId, memberId })
    this.respondJoin(target, { errorCode: 'MEMBER_ID_REQUIRED', generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] })
  }

  private knownMemberJoin(group: ClassicGroup, request: JoinGroupRequest, target: ResponseTarget): void {
    const { memberId } = request
    const pendingTimer = group.pendingMembers.get(memberId)
    if (pendingTimer !== undefined) {
      this.host.cancelTimer(pendingTimer)
      group.pendingMembers.delete(memberId)
      return this.addMemberAndRebalance(group, memberId, request, target)
    }
    if (request.groupInstanceId !== null) {
      const existing = group.staticMembers.get(request.groupInstanceId)
      if (existing !== undefined && existing !== memberId) return this.respondJoinError(target, 'FENCED_INSTANCE_ID', memberId)
    }
    const member = group.members.get(memberId)
    if (!member) return this.respondJoinError(target, 'UNKNOWN_MEMBER_ID', memberId)
    const protocolsChanged = !sameProtocols(member.protocols, request.protocols)
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, request, target, 'member joined')
      case 'CompletingRebalance':
        if (!protocolsChanged) {
          // The member missed its JoinGroup response: send it again (leader gets the members).
          return this.respondJoin(target, this.joinResponseFor(group, member))
        }
        return this.updateMemberAndRebalance(group, member, request, target, `member ${memberId} changed its protocols`)
      case 'Stable':
        if (group.leaderId === memberId || protocolsChanged) {
          return this.updateMemberAndRebalance(group, member, request, target, group.leaderId === memberId ? `leader ${memberId} rejoined` : `member ${memberId} changed its protocols`)
        }
        // A follower with nothing new: the current generation, so that it can SyncGroup.
        return this.respondJoin(target, this.joinResponseFor(group, member))
      default:
        return this.respondJoinError(target, 'UNKNOWN_MEMBER_ID', memberId)
    }
  }

  private addMemberAndRebalance(group: ClassicGroup, memberId: string, request: JoinGroupRequest, target: ResponseTarget): void {
    const member: ClassicGroupMember = {
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: request.clientId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      protocolType: request.protocolType,
      protocols: [...request.protocols],
      assignment: null,
      awaitingJoin: target,
      awaitingSync: null,
      heartbeatTimer: null,
    }
    if (group.members.size === 0) group.protocolType = request.protocolType
    group.members.set(memberId, member)
    if (group.leaderId === null) group.leaderId = memberId
    if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, memberId)
    if (group.initialDelay) group.initialDelay.newMemberAdded = true
    this.host.emit('group-member-added', { groupId: group.groupId, memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId })
    // A member that never comes back for its JoinGroup response is dropped after NEW_MEMBER_JOIN_TIMEOUT_MS.
    this.scheduleHeartbeatExpiry(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS)
    this.maybePrepareRebalance(group, `member ${memberId} joined`)
    if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group)
  }

  private updateMemberAndRebalance(group: ClassicGroup, member: ClassicGroupMember, request: JoinGroupRequest, target: ResponseTarget, reason: string): void {
    // A second JoinGroup replaces a first one still waiting: a client sends one request at a
    // time per connection, so the first's connection is gone and nobody waits for its answer.
    member.protocols = [...request.protocols]
    member.sessionTimeoutMs = request.sessionTimeoutMs
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs
    member.awaitingJoin = target
    this.maybePrepareRebalance(group, reason)
    if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group)
  }

  /**
   * A static member (group.instance.id) came back with a new member id: the old id is
   * fenced, the new one takes its place and its assignment. In a Stable group whose chosen
   * protocol stays the same there is no rebalance (KIP-345); otherwise the group rebalances.
   */
  private updateStaticMemberAndRebalance(group: ClassicGroup, oldMemberId: string, newMemberId: string, request: JoinGroupRequest, target: ResponseTarget): void {
    const old = group.members.get(oldMemberId)!
    if (old.heartbeatTimer !== null) this.host.cancelTimer(old.heartbeatTimer)
    if (old.awaitingJoin) this.respondJoinError(old.awaitingJoin, 'FENCED_INSTANCE_ID', oldMemberId)
    if (old.awaitingSync) this.respondSyncError(old.awaitingSync, 'FENCED_INSTANCE_ID')
    group.members.delete(oldMemberId)
    const member: ClassicGroupMember = {
      ...old,
      memberId: newMemberId,
      clientId: request.clientId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      awaitingJoin: null,
      awaitingSync: null,
      heartbeatTimer: null,
    }
    const oldProtocols = old.protocols
    member.protocols = [...request.protocols]
    group.members.set(newMemberId, member)
    group.staticMembers.set(request.groupInstanceId!, newMemberId)
    if (group.leaderId === oldMemberId) group.leaderId = newMemberId
    if (group.pendingSyncMembers.delete(oldMemberId)) group.pendingSyncMembers.add(newMemberId)
    this.host.emit('group-static-member-replaced', { groupId: group.groupId, groupInstanceId: request.groupInstanceId, oldMemberId, memberId: newMemberId })
    if (group.is('Stable') && group.protocolName !== null && sameProtocols(oldProtocols, request.protocols)) {
      // No rebalance: persist the new member id, then give the current generation back.
      this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs)
      const generationId = group.generationId
      this.writeGroupMetadata(group, (errorCode) => {
        if (errorCode !== 'NONE') return this.respondJoinError(target, normalizeWriteError(errorCode), newMemberId)
        if (group.generationId !== generationId) return this.respondJoinError(target, 'REBALANCE_IN_PROGRESS', newMemberId)
        const response = this.joinResponseFor(group, member)
        // KIP-814: a static leader that rejoins must not compute a new assignment.
        this.respondJoin(target, { ...response, skipAssignment: group.leaderId === newMemberId })
      })
      return
    }
    member.awaitingJoin = target
    this.maybePrepareRebalance(group, `static member ${request.groupInstanceId} rejoined with new protocols or during a rebalance`)
    if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group)
  }

  private maybePrepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.canRebalance()) this.prepareRebalance(group, reason)
  }

  /**
   * GroupMetadataManager.prepareRebalance: members waiting on SyncGroup get
   * REBALANCE_IN_PROGRESS; the join phase waits for every member, up to the longest
   * rebalance timeout. An Empty group first waits group.initial.rebalance.delay.ms for more
   * members, extended while members keep joining, up to the rebalance timeout
   * (InitialDelayedJoin).
   */
  private prepareRebalance(group: ClassicGroup, reason: string): void {
    if (group.is('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, 'REBALANCE_IN_PROGRESS')
    if (group.syncTimer !== null) {
      this.host.cancelTimer(group.syncTimer)
      group.syncTimer = null
    }
    group.pendingSyncMembers.clear()
    const wasEmpty = group.is('Empty')
    group.transition({ type: 'PREPARE_REBALANCE', reason }, this.host.now())
    if (group.joinTimer !== null) this.host.cancelTimer(group.joinTimer)
    const rebalanceTimeoutMs = group.rebalanceTimeoutMs()
    let delayMs = rebalanceTimeoutMs
    if (wasEmpty) {
      const initialDelayMs = this.config['group.initial.rebalance.delay.ms']
      delayMs = Math.min(initialDelayMs, rebalanceTimeoutMs)
      group.initialDelay = { remainingMs: Math.max(rebalanceTimeoutMs - initialDelayMs, 0), newMemberAdded: false }
    } else {
      group.initialDelay = null
    }
    group.joinTimer = this.host.setTimer(delayMs, 'group-join-timeout', group.groupId)
    this.host.emit('group-rebalance', { groupId: group.groupId, generationId: group.generationId, reason, joinTimeoutMs: delayMs })
  }

  /** DelayedJoin.tryComplete: the join phase ends early once every member has rejoined (never during the initial delay). */
  private maybeCompleteJoin(group: ClassicGroup): void {
    if (!group.is('PreparingRebalance') || group.initialDelay) return
    if (!group.hasAllMembersJoined()) return
    if (group.joinTimer !== null) this.host.cancelTimer(group.joinTimer)
    group.joinTimer = null
    this.completeJoin(group)
  }

  private onJoinTimeout(group: ClassicGroup): void {
    const delay = group.initialDelay
    if (delay && delay.newMemberAdded && delay.remainingMs > 0) {
      // InitialDelayedJoin.onComplete: members joined during the delay: wait again, up to what is left.
      const initialDelayMs = this.config['group.initial.rebalance.delay.ms']
      const next = Math.min(initialDelayMs, delay.remainingMs)
      group.initialDelay = { remainingMs: Math.max(delay.remainingMs - initialDelayMs, 0), newMemberAdded: false }
      group.joinTimer = this.host.setTimer(next, 'group-join-timeout', group.groupId)
      return
    }
    group.initialDelay = null
    this.completeJoin(group)
  }

  /**
   * GroupMetadataManager.onCompleteJoin: members that did not rejoin are removed; the next
   * generation begins (the machine bumps it), with the protocol the members voted for and
   * a leader; every member gets its JoinGroup response, the leader with all subscriptions.
   */
  private completeJoin(group: ClassicGroup): void {
    for (const member of [...group.members.values()]) {
      if (member.awaitingJoin) continue
      this.host.emit('group-member-removed', { groupId: group.groupId, memberId: member.memberId, reason: 'did not rejoin within the rebalance timeout' })
      this.removeMember(group, member)
    }
    for (const timer of group.pendingMembers.values()) this.host.cancelTimer(timer)
    group.pendingMembers.clear()
    const now = this.host.now()
    group.transition({ type: 'JOIN_COMPLETE', memberCount: group.members.size }, now)
    if (group.members.size === 0) {
      group.protocolName = null
      group.leaderId = null
      this.host.emit('group-generation', { groupId: group.groupId, generationId: group.generationId, state: 'Empty', members: [] })
      this.writeGroupMetadata(group, () => {})
      return
    }
    group.protocolName = group.selectProtocol()
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!
    this.host.emit('group-generation', {
      groupId: group.groupId,
      generationId: group.generationId,
      state: 'CompletingRebalance',
      protocol: group.protocolName,
      leader: group.leaderId,
      members: [...group.members.keys()],
    })
    for (const member of group.members.values()) {
      const target = member.awaitingJoin!
      member.awaitingJoin = null
      group.pendingSyncMembers.add(member.memberId)
      this.respondJoin(target, this.joinResponseFor(group, member))
      this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs)
    }
    group.syncTimer = this.host.setTimer(group.rebalanceTimeoutMs(), 'group-sync-timeout', { groupId: group.groupId, generationId: group.generationId })
  }

  private joinResponseFor(group: ClassicGroup, member: ClassicGroupMember): Omit<JoinGroupResponse, 'type' | 'correlationId'> {
    const isLeader = group.leaderId === member.memberId
    return {
      errorCode: 'NONE',
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataOf(m) })) : [],
    }
  }

  // --- SyncGroup -----------------------------------------------------------------------

  handleSyncGroup(from: NodeId, request: SyncGroupRequest): void {
    const target = { from, correlationId: request.correlationId }
    if (request.groupId === '') return this.respondSyncError(target, 'INVALID_GROUP_ID')
    const coordinatorError = this.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return this.respondSyncError(target, coordinatorError)
    const group = this.groups.get(request.groupId)
    const memberError = group ? this.memberError(group, request.memberId, request.groupInstanceId) : 'UNKNOWN_MEMBER_ID'
    if (memberError !== 'NONE') return this.respondSyncError(target, memberError)
    const g = group!
    if (request.generationId !== g.generationId) return this.respondSyncError(target, 'ILLEGAL_GENERATION')
    if ((request.protocolType !== null && request.protocolType !== g.protocolType) || (request.protocolName !== null && request.protocolName !== g.protocolName)) {
      return this.respondSyncError(target, 'INCONSISTENT_GROUP_PROTOCOL')
    }
    const member = g.members.get(request.memberId)!
    switch (g.state) {
      case 'PreparingRebalance':
        return this.respondSyncError(target, 'REBALANCE_IN_PROGRESS')
      case 'CompletingRebalance': {
        member.awaitingSync = target
        g.pendingSyncMembers.delete(member.memberId)
        this.scheduleHeartbeatExpiry(g, member, member.sessionTimeoutMs)
        if (g.leaderId !== member.memberId) return
        // The leader's assignment: written to the offsets topic, then handed to every member.
        const assignments = new Map(request.assignments.map((a) => [a.memberId, a.assignment]))
        const generationId = g.generationId
        for (const m of g.members.values()) m.assignment = assignments.get(m.memberId) ?? null
        this.writeGroupMetadata(g, (errorCode) => {
          if (!g.is('CompletingRebalance') || g.generationId !== generationId) return
          if (errorCode !== 'NONE') {
            this.resetAndPropagateAssignmentWithError(g, normalizeWriteError(errorCode))
            return this.prepareRebalance(g, `failed to persist the assignment: ${errorCode}`)
          }
          this.propagateAssignment(g)
          if (g.syncTimer !== null) this.host.cancelTimer(g.syncTimer)
          g.syncTimer = null
          g.transition({ type: 'SYNC_COMPLETE' }, this.host.now())
          this.host.emit('group-stable', {
            groupId: g.groupId,
            generationId: g.generationId,
            protocol: g.protocolName,
            assignment: Object.fromEntries([...g.members.values()].map((m) => [m.memberId, m.assignment])),
          })
        })
        return
      }
      case 'Stable':
        this.scheduleHeartbeatExpiry(g, member, member.sessionTimeoutMs)
        g.pendingSyncMembers.delete(member.memberId)
        return this.respondSync(target, { errorCode: 'NONE', protocolType: g.protocolType, protocolName: g.protocolName, assignment: member.assignment })
      default:
        return this.respondSyncError(target, 'UNKNOWN_MEMBER_ID')
    }
  }

  private propagateAssignment(group: ClassicGroup): void {
    for (const member of group.members.values()) {
      if (!member.awaitingSync) continue
      this.respondSync(member.awaitingSync, { errorCode: 'NONE', protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment })
      member.awaitingSync = null
      this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs)
    }
  }

  private resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: ErrorName): void {
    for (const member of group.members.values()) {
      member.assignment = null
      if (!member.awaitingSync) continue
      this.respondSyncError(member.awaitingSync, errorCode)
      member.awaitingSync = null
    }
  }

  // --- Heartbeat, LeaveGroup -----------------------------------------------------------

  handleHeartbeat(from: NodeId, request: HeartbeatRequest): void {
    const respond = (errorCode: ErrorName) => this.host.respond(from, { type: 'HeartbeatResponse', correlationId: request.correlationId, errorCode } satisfies HeartbeatResponse)
    if (request.groupId === '') return respond('INVALID_GROUP_ID')
    const coordinatorError = this.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return respond(coordinatorError)
    const group = this.groups.get(request.groupId)
    if (!group || group.is('Empty') || group.is('Dead')) return respond('UNKNOWN_MEMBER_ID')
    const memberError = this.memberError(group, request.memberId, request.groupInstanceId)
    if (memberError !== 'NONE') return respond(memberError)
    if (request.generationId !== group.generationId) return respond('ILLEGAL_GENERATION')
    const member = group.members.get(request.memberId)!
    this.scheduleHeartbeatExpiry(group, member, member.sessionTimeoutMs)
    // A heartbeat during the join phase tells the member to rejoin; in CompletingRebalance it is an ordinary heartbeat.
    respond(group.is('PreparingRebalance') ? 'REBALANCE_IN_PROGRESS' : 'NONE')
  }

  handleLeaveGroup(from: NodeId, request: LeaveGroupRequest): void {
    const respond = (errorCode: ErrorName, members: LeaveGroupResponse['members']) =>
      this.host.respond(from, { type: 'LeaveGroupResponse', correlationId: request.correlationId, errorCode, members } satisfies LeaveGroupResponse)
    if (request.groupId === '') return respond('INVALID_GROUP_ID', [])
    const coordinatorError = this.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return respond(coordinatorError, [])
    const group = this.groups.get(request.groupId)
    if (!group) return respond('NONE', request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 'UNKNOWN_MEMBER_ID' as ErrorName })))
    const results = request.members.map((identity) => {
      let memberId = identity.memberId
      if (identity.groupInstanceId !== null) {
        const existing = group.staticMembers.get(identity.groupInstanceId)
        if (existing === undefined) return { ...identity, errorCode: 'UNKNOWN_MEMBER_ID' as ErrorName }
        if (memberId !== UNKNOWN_MEMBER_ID && memberId !== existing) return { ...identity, errorCode: 'FENCED_INSTANCE_ID' as ErrorName }
        memberId = existing
      }
      const pending = group.pendingMembers.get(memberId)
      if (pending !== undefined) {
        this.host.cancelTimer(pending)
        group.pendingMembers.delete(memberId)
        if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group)
        return { memberId, groupInstanceId: identity.groupInstanceId, errorCode: 'NONE' as ErrorName }
      }
      const member = group.members.get(memberId)
      if (!member) return { memberId, groupInstanceId: identity.groupInstanceId, errorCode: 'UNKNOWN_MEMBER_ID' as ErrorName }
      this.host.emit('group-member-left', { groupId: group.groupId, memberId, reason: identity.reason ?? 'LeaveGroup' })
      this.removeMemberAndUpdateGroup(group, member, `member ${memberId} left the group${identity.reason ? ` (${identity.reason})` : ''}`)
      return { memberId, groupInstanceId: identity.groupInstanceId, errorCode: 'NONE' as ErrorName }
    })
    respond('NONE', results)
  }

  private removeMember(group: ClassicGroup, member: ClassicGroupMember): void {
    if (member.heartbeatTimer !== null) this.host.cancelTimer(member.heartbeatTimer)
    member.heartbeatTimer = null
    if (member.awaitingJoin) this.respondJoinError(member.awaitingJoin, 'UNKNOWN_MEMBER_ID', member.memberId)
    if (member.awaitingSync) this.respondSyncError(member.awaitingSync, 'UNKNOWN_MEMBER_ID')
    group.members.delete(member.memberId)
    group.pendingSyncMembers.delete(member.memberId)
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) group.staticMembers.delete(member.groupInstanceId)
    if (group.leaderId === member.memberId) group.leaderId = group.members.size > 0 ? group.members.keys().next().value! : null
  }

  /** GroupMetadataManager.removeMemberAndUpdateGroup: Stable and CompletingRebalance groups rebalance; a join phase may now be complete. */
  private removeMemberAndUpdateGroup(group: ClassicGroup, member: ClassicGroupMember, reason: string): void {
    this.removeMember(group, member)
    if (group.is('Stable') || group.is('CompletingRebalance')) this.prepareRebalance(group, reason)
    else if (group.is('PreparingRebalance')) this.maybeCompleteJoin(group)
  }

  private scheduleHeartbeatExpiry(group: ClassicGroup, member: ClassicGroupMember, timeoutMs: number): void {
    if (member.heartbeatTimer !== null) this.host.cancelTimer(member.heartbeatTimer)
    member.heartbeatTimer = this.host.setTimer(timeoutMs, 'group-heartbeat-expired', { groupId: group.groupId, memberId: member.memberId })
  }

  /** ClassicGroup.validateMember: a static member's id must be its instance's current one; the member must exist. */
  private memberError(group: ClassicGroup, memberId: string, groupInstanceId: string | null): ErrorName {
    if (groupInstanceId !== null) {
      const existing = group.staticMembers.get(groupInstanceId)
      if (existing === undefined) return 'UNKNOWN_MEMBER_ID'
      if (existing !== memberId) return 'FENCED_INSTANCE_ID'
    }
    return group.members.has(memberId) ? 'NONE' : 'UNKNOWN_MEMBER_ID'
  }

  // --- OffsetCommit, OffsetFetch -------------------------------------------------------

  handleOffsetCommit(from: NodeId, request: OffsetCommitRequest): void {
    const respondAll = (errorCode: ErrorName) => this.respondCommitError(from, request, errorCode)
    if (request.groupId === '') return respondAll('INVALID_GROUP_ID')
    const coordinatorError = this.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return respondAll(coordinatorError)
    const consumerGroup = this.consumerGroups.groups.get(request.groupId)
    if (consumerGroup) return this.commitOffsets(from, request, consumerGroup, this.consumerGroups.offsetCommitError(consumerGroup, request), null)
    let group = this.groups.get(request.groupId)
    if (!group) {
      // OffsetMetadataManager.validateOffsetCommit: only a commit outside group management creates the group.
      if (request.generationIdOrMemberEpoch >= 0) return respondAll('ILLEGAL_GENERATION')
      group = new ClassicGroup(request.groupId, this.partitionFor(request.groupId), this.host.now())
      this.groups.set(group.groupId, group)
    }
    this.commitOffsets(from, request, group, this.offsetCommitError(group, request), group.members.get(request.memberId) ?? null)
  }

  /** Answers every partition of an OffsetCommit with one error code. */
  private respondCommitError(from: NodeId, request: OffsetCommitRequest, errorCode: ErrorName): void {
    this.host.respond(from, {
      type: 'OffsetCommitResponse',
      correlationId: request.correlationId,
      partitions: request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode })),
    } satisfies OffsetCommitResponse)
  }

  /** Writes a validated commit to the group's offsets (a classic member's commit also counts as its heartbeat). */
  private commitOffsets(from: NodeId, request: OffsetCommitRequest, group: ClassicGroup | ConsumerGroup, error: ErrorName, classicMember: ClassicGroupMember | null): void {
    const respondAll = (errorCode: ErrorName) => this.respondCommitError(from, request, errorCode)
    if (error !== 'NONE') {
      this.host.emit('group-offset-commit-rejected', { groupId: group.groupId, memberId: request.memberId, generationId: request.generationIdOrMemberEpoch, errorCode: error })
      return respondAll(error)
    }
    if (classicMember && group instanceof ClassicGroup) this.scheduleHeartbeatExpiry(group, classicMember, classicMember.sessionTimeoutMs)
    const maxMetadataBytes = this.config['offset.metadata.max.bytes']
    const now = Math.floor(this.host.now())
    const results = request.partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode: (p.committedMetadata.length > maxMetadataBytes ? 'OFFSET_METADATA_TOO_LARGE' : 'NONE') as ErrorName }))
    const accepted = request.partitions.filter((_, i) => results[i]!.errorCode === 'NONE')
    const respond = () => this.host.respond(from, { type: 'OffsetCommitResponse', correlationId: request.correlationId, partitions: results } satisfies OffsetCommitResponse)
    if (accepted.length === 0) return respond()
    const values = accepted.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.committedMetadata, commitTimestampMs: now }))
    const records = values.map((v) => encodeCoordinatorRecord({ kind: 'offset', groupId: group.groupId, topic: v.topic, partition: v.partition, value: { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestampMs: v.commitTimestampMs } }))
    this.write(group.partition, records, (errorCode) => {
      if (errorCode === 'NONE') {
        // The offsets become visible once committed to the offsets topic (the timeline's committed offset).
        if (this.groups.get(group.groupId) === group || this.consumerGroups.groups.get(group.groupId) === group) for (const v of values) group.offsets.set(`${v.topic}-${v.partition}`, v)
        this.host.emit('group-offsets-committed', { groupId: group.groupId, memberId: request.memberId, generationId: request.generationIdOrMemberEpoch, offsets: Object.fromEntries(values.map((v) => [`${v.topic}-${v.partition}`, v.offset])) })
      } else {
        const code = normalizeWriteError(errorCode)
        for (const r of results) if (r.errorCode === 'NONE') r.errorCode = code
        this.host.emit('group-offset-commit-failed', { groupId: group.groupId, errorCode: code, cause: errorCode })
      }
      respond()
    })
  }

  /** ClassicGroup.validateOffsetCommit. */
  private offsetCommitError(group: ClassicGroup, request: OffsetCommitRequest): ErrorName {
    if (group.is('Dead')) return 'COORDINATOR_NOT_AVAILABLE'
    const generationId = request.generationIdOrMemberEpoch
    if (generationId < 0 && group.is('Empty')) return 'NONE'
    if (generationId >= 0 || request.memberId !== UNKNOWN_MEMBER_ID || request.groupInstanceId !== null) {
      const memberError = this.memberError(group, request.memberId, request.groupInstanceId)
      if (memberError !== 'NONE') return memberError
      if (generationId !== group.generationId) return 'ILLEGAL_GENERATION'
    } else if (!group.is('Empty')) {
      return 'UNKNOWN_MEMBER_ID'
    }
    if (group.is('CompletingRebalance')) return 'REBALANCE_IN_PROGRESS'
    return 'NONE'
  }

  handleOffsetFetch(from: NodeId, request: OffsetFetchRequest): void {
    const respond = (errorCode: ErrorName, partitions: OffsetFetchPartitionResponse[]) =>
      this.host.respond(from, { type: 'OffsetFetchResponse', correlationId: request.correlationId, errorCode, partitions } satisfies OffsetFetchResponse)
    if (request.groupId === '') return respond('INVALID_GROUP_ID', [])
    const coordinatorError = this.coordinatorError(request.groupId)
    if (coordinatorError !== 'NONE') return respond(coordinatorError, [])
    const consumerGroup = this.consumerGroups.groups.get(request.groupId)
    if (consumerGroup) {
      const memberError = this.consumerGroups.offsetFetchError(consumerGroup, request.memberId, request.memberEpoch)
      if (memberError !== 'NONE') return respond(memberError, [])
    }
    const group = this.groups.get(request.groupId) ?? consumerGroup
    const wanted = request.partitions ?? (group ? [...group.offsets.values()].map((o) => ({ topic: o.topic, partition: o.partition })) : [])
    respond('NONE', wanted.map((p) => {
      const committed = group?.offsets.get(`${p.topic}-${p.partition}`)
      return {
        topic: p.topic,
        partition: p.partition,
        committedOffset: committed?.offset ?? -1,
        committedLeaderEpoch: committed?.leaderEpoch ?? -1,
        metadata: committed?.metadata ?? '',
        errorCode: 'NONE',
      }
    }))
  }

  // --- DescribeGroups, ListGroups --------------------------------------------------------

  handleDescribeGroups(from: NodeId, request: DescribeGroupsRequest): void {
    const groups = request.groups.map((groupId) => {
      const coordinatorError = groupId === '' ? 'INVALID_GROUP_ID' : this.coordinatorError(groupId)
      const consumerGroup = coordinatorError === 'NONE' ? this.consumerGroups.groups.get(groupId) : undefined
      if (consumerGroup) {
        // Kafka answers a consumer group through ConsumerGroupDescribe; the sandbox's DescribeGroups carries the same facts.
        return {
          groupId,
          errorCode: 'NONE' as ErrorName,
          groupState: consumerGroup.state,
          protocolType: 'consumer',
          protocolData: consumerGroup.preferredAssignor(this.config['group.consumer.assignors'][0]!),
          members: this.consumerGroups.memberViews(consumerGroup).map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            memberMetadata: { subscribedTopics: m.subscribedTopics, memberEpoch: m.memberEpoch, memberState: m.memberState },
            memberAssignment: m.assignment,
          })),
        }
      }
      const group = this.groups.get(groupId)
      if (coordinatorError !== 'NONE' || !group) {
        return { groupId, errorCode: coordinatorError, groupState: coordinatorError === 'NONE' ? 'Dead' : '', protocolType: '', protocolData: '', members: [] }
      }
      const stable = group.is('Stable')
      return {
        groupId,
        errorCode: 'NONE' as ErrorName,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: stable ? (group.protocolName ?? '') : '',
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          memberMetadata: stable ? group.metadataOf(m) : null,
          memberAssignment: stable ? m.assignment : null,
        })),
      }
    })
    this.host.respond(from, { type: 'DescribeGroupsResponse', correlationId: request.correlationId, groups } satisfies DescribeGroupsResponse)
  }

  handleListGroups(from: NodeId, request: ListGroupsRequest): void {
    const loading = [...this.shards.values()].some((s) => s.state === 'loading')
    const groups = this.views().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }))
    this.host.respond(from, { type: 'ListGroupsResponse', correlationId: request.correlationId, errorCode: loading ? 'COORDINATOR_LOAD_IN_PROGRESS' : 'NONE', groups } satisfies ListGroupsResponse)
  }

  // --- DeleteGroups ---------------------------------------------------------------------------

  /**
   * DeleteGroups (GroupCoordinatorService.deleteGroups, GroupCoordinatorShard.deleteGroups):
   * each group is checked on its own (INVALID_GROUP_ID, NOT_COORDINATOR /
   * COORDINATOR_LOAD_IN_PROGRESS, then validateDeleteGroup); the deletable groups of one
   * __consumer_offsets partition get one write of tombstones, for each committed offset
   * (OffsetMetadataManager.deleteAllOffsets) and then for the group itself
   * (GroupMetadataManager.createGroupTombstoneRecords). A group is removed when its write
   * commits, so replaying the log on a new coordinator finds the tombstones last and does not
   * bring it back. One response answers all the groups once every write has finished.
   */
  handleDeleteGroups(from: NodeId, request: DeleteGroupsRequest): void {
    const results = request.groupIds.map((groupId) => ({ groupId, errorCode: 'NONE' as ErrorName }))
    const deletions = new Map<number, { result: (typeof results)[number]; group: ClassicGroup | ConsumerGroup }[]>()
    for (const result of results) {
      const groupId = result.groupId
      // GroupCoordinatorService.deleteGroups: an empty id is refused before any shard is asked.
      result.errorCode = groupId === '' ? 'INVALID_GROUP_ID' : this.coordinatorError(groupId)
      if (result.errorCode !== 'NONE') continue
      const group = this.consumerGroups.groups.get(groupId) ?? this.groups.get(groupId)
      result.errorCode = deleteGroupError(group)
      if (result.errorCode !== 'NONE' || !group) continue
      // The same id twice in one request is deleted once; respond() gives the duplicate the first one's outcome.
      const partition = deletions.get(group.partition) ?? []
      if (!partition.some((d) => d.group === group)) partition.push({ result, group })
      deletions.set(group.partition, partition)
    }
    const respond = () => {
      for (const r of results) {
        const first = results.find((other) => other.groupId === r.groupId)!
        r.errorCode = first.errorCode
      }
      this.host.respond(from, { type: 'DeleteGroupsResponse', correlationId: request.correlationId, results } satisfies DeleteGroupsResponse)
    }
    let pending = deletions.size
    if (pending === 0) return respond()
    for (const [partition, groups] of deletions) {
      const tombstones = groups.flatMap(({ group }) => [
        ...[...group.offsets.values()].map((o) => encodeCoordinatorRecord({ kind: 'offset', groupId: group.groupId, topic: o.topic, partition: o.partition, value: null })),
        encodeCoordinatorRecord(group instanceof ClassicGroup ? { kind: 'group', groupId: group.groupId, value: null } : { kind: 'consumer-group', groupId: group.groupId, value: null }),
      ])
      const offsetsAtDelete = new Map(groups.map(({ group }) => [group, [...group.offsets.entries()]] as const))
      this.write(partition, tombstones, (errorCode) => {
        for (const { result, group } of groups) {
          if (errorCode !== 'NONE') {
            result.errorCode = normalizeWriteError(errorCode)
            continue
          }
          this.removeDeletedGroup(group, offsetsAtDelete.get(group)!)
          this.host.emit('group-deleted', { groupId: group.groupId, offsetsPartition: partition, offsets: offsetsAtDelete.get(group)!.length })
        }
        if (--pending === 0) respond()
      })
    }
  }

  /**
   * The tombstones of `group` committed: it leaves the coordinator. The sandbox removes the group
   * when the write commits, not when it is appended (Kafka's timeline applies the records at
   * once and reverts them if the write fails): a member that joined in between keeps the group,
   * whose next metadata record then follows the tombstone in the log.
   */
  private removeDeletedGroup(group: ClassicGroup | ConsumerGroup, offsetsAtDelete: readonly (readonly [string, unknown])[]): void {
    for (const [key, value] of offsetsAtDelete) if (group.offsets.get(key) === value) group.offsets.delete(key)
    if (group instanceof ClassicGroup) {
      if (this.groups.get(group.groupId) !== group || !group.is('Empty')) return
      for (const timer of group.pendingMembers.values()) this.host.cancelTimer(timer)
      if (group.joinTimer !== null) this.host.cancelTimer(group.joinTimer)
      if (group.syncTimer !== null) this.host.cancelTimer(group.syncTimer)
      group.transition({ type: 'GROUP_DEAD' }, this.host.now())
      this.groups.delete(group.groupId)
      return
    }
    if (this.consumerGroups.groups.get(group.groupId) !== group || group.members.size > 0) return
    group.dead = true
    this.consumerGroups.groups.delete(group.groupId)
  }

  /** Every group this broker coordinates now, for snapshots. */
  views(): GroupView[] {
    return [...this.classicViews(), ...this.consumerViews()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
  }

  /** Consumer groups: the group and assignment epochs, each member's epoch, reconciliation state, current and target assignment. */
  private consumerViews(): GroupView[] {
    return [...this.consumerGroups.groups.values()]
      .filter((g) => this.shards.get(g.partition)?.state === 'active')
      .map((g) => ({
        groupId: g.groupId,
        type: 'consumer' as const,
        state: g.state,
        protocolType: 'consumer',
        protocol: g.preferredAssignor(this.config['group.consumer.assignors'][0]!),
        generation: g.groupEpoch,
        leader: null,
        coordinator: this.host.brokerId,
        offsetsPartition: g.partition,
        members: this.consumerGroups.memberViews(g),
        offsets: sortedOffsets(g.offsets.values()),
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
      }))
  }

  private classicViews(): GroupView[] {
    return [...this.groups.values()]
      .filter((g) => this.shards.get(g.partition)?.state === 'active')
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
      .map((g) => ({
        groupId: g.groupId,
        type: 'classic' as const,
        state: g.state,
        protocolType: g.protocolType,
        protocol: g.protocolName,
        generation: g.generationId,
        leader: g.leaderId,
        coordinator: this.host.brokerId,
        offsetsPartition: g.partition,
        members: [...g.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, assignment: m.assignment })),
        offsets: sortedOffsets(g.offsets.values()),
      }))
  }

  // --- writes to the offsets topic -------------------------------------------------------

  private writeGroupMetadata(group: ClassicGroup, done: (errorCode: ErrorName) => void): void {
    const value: GroupMetadataValue = {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestampMs: group.currentStateTimestampMs,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: group.metadataOf(m),
        assignment: m.assignment,
      })),
    }
    this.write(group.partition, [encodeCoordinatorRecord({ kind: 'group', groupId: group.groupId, value })], done)
  }

  /** Appends with acks=all; `done` runs once the records are committed, or with the error (REQUEST_TIMED_OUT after offsets.commit.timeout.ms). */
  private write(partition: number, records: readonly { key: string; value: string | null }[], done: (errorCode: ErrorName) => void): void {
    const now = Math.floor(this.host.now()) // record timestamps are whole ms
    const appended = this.host.append(partition, records.map((r) => ({ key: r.key, value: r.value, timestamp: now })))
    if ('errorCode' in appended) return done(appended.errorCode)
    const id = ++this.writeIds
    const write: PendingWrite = { id, partition, requiredOffset: appended.requiredOffset, complete: done, timer: this.host.setTimer(this.config['offsets.commit.timeout.ms'], 'group-write-timeout', id) }
    this.pendingWrites.set(id, write)
    const status = this.host.writeStatus(partition, write.requiredOffset)
    if (status.done) this.finishWrite(write, status.errorCode)
  }

  private finishWrite(write: PendingWrite, errorCode: ErrorName): void {
    if (!this.pendingWrites.delete(write.id)) return
    this.host.cancelTimer(write.timer)
    write.complete(errorCode)
  }

  // --- responses ----------------------------------------------------------------------------

  private respondJoin(target: ResponseTarget, response: Omit<JoinGroupResponse, 'type' | 'correlationId'>): void {
    this.host.respond(target.from, { type: 'JoinGroupResponse', correlationId: target.correlationId, ...response } satisfies JoinGroupResponse)
  }

  private respondJoinError(target: ResponseTarget, errorCode: ErrorName, memberId: string): void {
    this.respondJoin(target, { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] })
  }

  private respondSync(target: ResponseTarget, response: Omit<SyncGroupResponse, 'type' | 'correlationId'>): void {
    this.host.respond(target.from, { type: 'SyncGroupResponse', correlationId: target.correlationId, ...response } satisfies SyncGroupResponse)
  }

  private respondSyncError(target: ResponseTarget, errorCode: ErrorName): void {
    this.respondSync(target, { errorCode, protocolType: null, protocolName: null, assignment: null })
  }

  /** A member id's random part (a Uuid in Kafka), from the broker's random stream. */
  private newUuid(): string {
    return randomUuidText(() => this.host.random())
  }
}

/**
 * GroupCoordinatorService / CoordinatorRuntime map the errors of a write to the offsets
 * topic to what a group client understands.
 */
export function normalizeWriteError(errorCode: ErrorName): ErrorName {
  switch (errorCode) {
    case 'NOT_ENOUGH_REPLICAS':
    case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
    case 'REQUEST_TIMED_OUT':
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return 'COORDINATOR_NOT_AVAILABLE'
    case 'NOT_LEADER_OR_FOLLOWER':
    case 'KAFKA_STORAGE_ERROR':
      return 'NOT_COORDINATOR'
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
    case 'INVALID_RECORD':
      return 'INVALID_COMMIT_OFFSET_SIZE'
    default:
      return errorCode
  }
}

/**
 * ClassicGroup.validateDeleteGroup / ConsumerGroup.validateDeleteGroup (and
 * GroupMetadataManager.group, which throws GroupIdNotFoundException for an unknown id): only an
 * Empty group can be deleted.
 */
function deleteGroupError(group: ClassicGroup | ConsumerGroup | undefined): ErrorName {
  if (!group) return 'GROUP_ID_NOT_FOUND'
  if (group instanceof ClassicGroup) {
    if (group.is('Dead')) return 'GROUP_ID_NOT_FOUND'
    return group.is('Empty') ? 'NONE' : 'NON_EMPTY_GROUP'
  }
  if (group.dead) return 'GROUP_ID_NOT_FOUND'
  return group.members.size === 0 ? 'NONE' : 'NON_EMPTY_GROUP'
}

function sameProtocols(a: readonly { name: string; metadata: unknown }[], b: readonly { name: string; metadata: unknown }[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && JSON.stringify(p.metadata) === JSON.stringify(b[i]!.metadata))
}

function sortedOffsets(offsets: Iterable<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string }>): GroupView['offsets'] {
  return [...offsets]
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    .map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata }))
}
