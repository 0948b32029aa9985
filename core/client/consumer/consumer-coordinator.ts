// The consumer's side of the classic group protocol, after Kafka's
//   AbstractCoordinator  clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractCoordinator.java
//                        (find the coordinator, JoinGroup/SyncGroup, the heartbeat thread, LeaveGroup)
//   ConsumerCoordinator  clients/.../consumer/internals/ConsumerCoordinator.java
//                        (the subscription as protocol metadata, the leader's assignment, eager and
//                        cooperative rebalancing, rebalance callbacks, offset commits and fetches)
//   Heartbeat            clients/.../consumer/internals/Heartbeat.java (heartbeat, session and poll timers)
//
// Rebalances start from poll(), as in Kafka (a consumer that does not poll does not rejoin); the
// requests of a join then follow each other as their answers arrive. The heartbeat "thread" is a
// timer: every heartbeat.interval.ms while the member is in a generation, and when poll() has not
// been called for max.poll.interval.ms it sends LeaveGroup, as the heartbeat thread does.

import type { ConsumerConfig } from '../../config/clients.ts'
import type { ErrorName } from '../../errors.ts'
import { clientAssignor, type ConsumerPartitionAssignor, type RebalanceProtocol, type TopicPartitionRef } from '../../group/assignors/index.ts'
import { GROUP_METADATA_TOPIC_NAME } from '../../group/offsets-topic.ts'
import type { NodeContext, TimerId } from '../../node.ts'
import {
  UNKNOWN_GENERATION_ID,
  UNKNOWN_MEMBER_ID,
  type ConsumerGroupHeartbeatResponse,
  type FindCoordinatorResponse,
  type GroupResponse,
  type HeartbeatResponse,
  type JoinGroupResponse,
  type LeaveGroupResponse,
  type OffsetCommitResponse,
  type OffsetFetchResponse,
  type SyncGroupResponse,
} from '../../protocol.ts'
import { ClientError, type ClientExceptionName } from '../errors.ts'
import type { ClientMetadata } from '../metadata.ts'
import { ConsumerMembershipManager } from './consumer-membership-manager.ts'
import { tpKey, type SubscriptionState, type TopicPartition } from './subscription-state.ts'

/** AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE: a JoinGroup may wait the rebalance timeout plus 5 s. */
const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5000

/** The consumer protocol's Subscription (ConsumerProtocolSubscription), carried as JoinGroup metadata. */
export interface ConsumerSubscription {
  topics: string[]
  ownedPartitions: TopicPartitionRef[]
  generation: number
  rackId: string | null
}

/** The consumer protocol's Assignment (ConsumerProtocolAssignment), carried by SyncGroup. */
export interface ConsumerAssignment {
  partitions: TopicPartitionRef[]
}

/** ConsumerRebalanceListener: called with the partitions concerned, in the consumer's poll. */
export interface ConsumerRebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void
  onPartitionsAssigned?(partitions: TopicPartition[]): void
  onPartitionsLost?(partitions: TopicPartition[]): void
}

/** AbstractCoordinator.MemberState. */
export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE'

export interface CommitOutcome {
  id: number
  kind: 'sync' | 'async' | 'auto'
  offsets: Record<string, number>
  status: 'pending' | 'committed' | 'failed'
  /** The exception or Kafka error name when failed. */
  error: string | null
  atMs: number
}

export interface CoordinatorHost {
  ctx: NodeContext
  config: ConsumerConfig
  metadata: ClientMetadata
  subscriptions: SubscriptionState
  bootstrapBrokers: readonly number[]
  nextCorrelationId(): number
  /** The assignment changed: drop what was fetched for partitions no longer assigned, fetch the new ones. */
  assignmentChanged(): void
  listener: ConsumerRebalanceListener | undefined
}

type Pending = { correlationId: number; timer: TimerId }

export class ConsumerCoordinator {
  readonly groupId: string
  readonly groupInstanceId: string | null
  /** The rebalance protocol, from the assignors configured (ConsumerCoordinator's constructor). */
  readonly protocol: RebalanceProtocol
  private readonly assignors: ConsumerPartitionAssignor[]
  state: MemberState = 'UNJOINED'
  memberId = UNKNOWN_MEMBER_ID
  generationId = UNKNOWN_GENERATION_ID
  protocolName: string | null = null
  leaderId: string | null = null
  private coordinator: number | null = null
  /** The last coordinator marked unknown, avoided when looking for the next one. */
  private lostCoordinator: number | null = null
  private findCoordinator: Pending | null = null
  private nextBootstrap = 0
  private coordinatorBackoffUntilMs = 0
  private joinRequest: Pending | null = null
  private syncRequest: Pending | null = null
  private heartbeatRequest: (Pending & { generationId: number }) | null = null
  private heartbeatTimer: TimerId | null = null
  private lastHeartbeatOkMs = 0
  private rejoinNeeded = true
  private rejoinReason = 'the consumer subscribed'
  /** A fatal error the next poll() throws (INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT, ...). */
  private fatal: ClientError | null = null
  /** Partitions lost with the generation (fenced, expired): the next poll() calls onPartitionsLost. */
  private lostPending = false
  private topics: string[] = []
  private pattern: RegExp | null = null
  private lastPollMs: number
  private pollTimer: TimerId | null = null
  private nextAutoCommitMs: number
  private committing = new Map<number, { pending: Pending; to: number | null; outcome: CommitOutcome; retries: boolean; partitions: { topic: string; partition: number; offset: number; leaderEpoch: number | null }[]; deadlineMs: number; then?: () => void }>()
  private commitIds = 0
  /** Partitions whose committed offset is being fetched, and the request. */
  private offsetFetch: (Pending & { keys: Set<string> }) | null = null
  /** A join waiting for the commit before revocation (onJoinPrepare's maybeAutoCommitOffsetsSync). */
  private preparing = false
  readonly commits: CommitOutcome[] = []
  rebalances = 0
  /**
   * group.protocol=consumer (KIP-848): the membership manager replaces JoinGroup, SyncGroup and
   * Heartbeat; this class still finds the coordinator and commits and fetches offsets, with the
   * member epoch in place of the generation.
   */
  readonly membership: ConsumerMembershipManager | null = null

  constructor(private readonly host: CoordinatorHost, groupId: string) {
    const c = host.config
    this.groupId = groupId
    this.groupInstanceId = c['group.instance.id']
    this.assignors = (c['partition.assignment.strategy'] as readonly string[]).map((name) => {
      const assignor = clientAssignor(name)
      if (!assignor) throw new ClientError('IllegalArgumentException', `partition.assignment.strategy: unknown assignor ${JSON.stringify(name)}`)
      return assignor
    })
    // ConsumerCoordinator: the protocol is the highest one every configured assignor supports,
    // so the default [range, cooperative-sticky] rebalances EAGER (range supports only EAGER).
    const common = (['EAGER', 'COOPERATIVE'] as const).filter((p) => this.assignors.every((a) => a.supportedProtocols.includes(p)))
    if (common.length === 0) throw new ClientError('IllegalArgumentException', 'Specified assignors have no common supported protocol')
    this.protocol = common[common.length - 1]!
    this.lastPollMs = host.ctx.now
    this.nextAutoCommitMs = host.ctx.now + c['auto.commit.interval.ms']
    if (c['group.protocol'] === 'consumer') {
      this.membership = new ConsumerMembershipManager({
        ctx: host.ctx,
        config: c,
        subscriptions: host.subscriptions,
        groupId,
        groupInstanceId: this.groupInstanceId,
        coordinator: () => this.coordinator,
        markCoordinatorUnknown: (reason) => this.markCoordinatorUnknown(reason),
        nextCorrelationId: () => host.nextCorrelationId(),
        subscribedTopics: () => this.subscribedTopics(),
        invokeListener: (callback, partitions, reason) => this.invokeListener(callback, partitions, reason),
        commitBeforeRevocation: (then) => {
          if (this.host.subscriptions.allConsumed().length === 0) return then()
          this.commit('auto', null, then)
        },
        membershipChanged: (memberId, memberEpoch, inGroup) => {
          this.memberId = memberId
          this.generationId = inGroup ? memberEpoch : UNKNOWN_GENERATION_ID
          this.state = inGroup ? 'STABLE' : 'UNJOINED'
          this.rejoinNeeded = !inGroup
        },
        assignmentChanged: () => {
          const assigned = new Set(this.host.subscriptions.assignedPartitions().map((p) => tpKey(p.topic, p.partition)))
          for (const key of [...this.noCommittedOffset]) if (!assigned.has(key)) this.noCommittedOffset.delete(key)
          this.fetchCommittedOffsets()
          this.host.assignmentChanged()
        },
        fail: (errorCode, message) => this.fail(errorCode, message),
      })
    }
  }

  // --- subscription ---------------------------------------------------------------------

  subscribe(topics: readonly string[] | null, pattern: RegExp | null): void {
    this.topics = topics ? [...new Set(topics)].sort() : []
    this.pattern = pattern
    for (const topic of this.topics) this.host.metadata.want(topic)
    this.host.metadata.requestUpdate()
    if (this.membership) return this.membership.subscribe()
    this.requestRejoin('the subscription changed')
  }

  /** The topics the member subscribes to now (a pattern: the matching topics in the metadata, internal ones excluded). */
  subscribedTopics(): string[] {
    if (!this.pattern) return this.topics
    const pattern = this.pattern
    return this.host.metadata.topicNames().filter((t) => t !== GROUP_METADATA_TOPIC_NAME && pattern.test(t)).sort()
  }

  requestRejoin(reason: string): void {
    if (!this.rejoinNeeded) this.host.ctx.emit('consumer-rejoin-requested', { groupId: this.groupId, reason })
    this.rejoinNeeded = true
    this.rejoinReason = reason
  }

  get isStable(): boolean {
    return this.state === 'STABLE' && !this.rejoinNeeded
  }

  // --- poll -------------------------------------------------------------------------------

  /**
   * ConsumerCoordinator.poll, without blocking: the poll timer is reset, lost partitions are
   * given up, a rebalance is started when one is needed, auto-commit runs when due. Throws
   * a fatal group error (the member could not join).
   */
  poll(): void {
    if (this.fatal) throw this.fatal
    const now = this.host.ctx.now
    this.lastPollMs = now
    this.schedulePollTimer()
    if (this.membership) return this.pollMembership(now)
    if (this.lostPending) {
      this.lostPending = false
      this.losePartitions('the member lost its generation')
    }
    // ConsumerCoordinator.rejoinNeededOrPending: a pattern's topics changed since the member
    // joined, or (the leader) a subscribed topic's partition count changed since it assigned.
    if (this.state === 'STABLE' && !this.rejoinNeeded) {
      if (this.pattern && this.subscribedTopics().join(',') !== this.joinedTopics) this.requestRejoin('the subscribed topics changed')
      else if (this.leaderId === this.memberId && this.metadataChangedSinceAssignment()) this.requestRejoin('the partitions of the subscribed topics changed')
    }
    if (this.host.config['enable.auto.commit'] && now >= this.nextAutoCommitMs) {
      this.nextAutoCommitMs = now + this.host.config['auto.commit.interval.ms']
      if (this.isStable) this.commit('auto', null)
    }
    this.ensureActiveGroup()
    this.fetchCommittedOffsets()
  }

  /** poll() with the consumer protocol: auto-commit when due, then the membership manager (which heartbeats on its own timer). */
  private pollMembership(now: number): void {
    const membership = this.membership!
    // A pattern's matching topics changed: the next heartbeat carries them.
    if (this.pattern && membership.inGroup && this.subscribedTopics().join(',') !== this.joinedTopics) {
      this.joinedTopics = this.subscribedTopics().join(',')
      membership.subscribe()
    }
    if (this.host.config['enable.auto.commit'] && now >= this.nextAutoCommitMs) {
      this.nextAutoCommitMs = now + this.host.config['auto.commit.interval.ms']
      if (membership.inGroup) this.commit('auto', null)
    }
    if (this.ensureCoordinatorReady()) membership.poll()
    this.fetchCommittedOffsets()
  }

  private assignedTopicsSnapshot = ''
  /** The topics the member's last JoinGroup subscribed to. */
  private joinedTopics = ''

  private metadataChangedSinceAssignment(): boolean {
    return this.snapshotOfTopics() !== this.assignedTopicsSnapshot
  }

  /** The topics of every member's subscription at the last assignment this member (as leader) made. */
  private groupTopics: string[] = []

  private snapshotOfTopics(): string {
    return this.groupTopics.map((t) => `${t}:${this.host.metadata.partitionCount(t) ?? 0}`).join(',')
  }

  /** AbstractCoordinator.ensureActiveGroup: find the coordinator, then (re)join if needed. */
  private ensureActiveGroup(): void {
    if (!this.ensureCoordinatorReady()) return
    if (!this.rejoinNeeded || this.joinRequest || this.syncRequest || this.preparing) return
    if (this.subscribedTopics().length === 0 && this.pattern === null && this.topics.length === 0) return
    this.onJoinPrepare()
  }

  private ensureCoordinatorReady(): boolean {
    if (this.coordinator !== null) return true
    if (this.findCoordinator || this.host.ctx.now < this.coordinatorBackoffUntilMs) return false
    // Any live broker can answer (NetworkClient.leastLoadedNode); the sandbox goes round them.
    // The coordinator that just stopped answering is asked last: its connection would be down (in backoff) in Kafka.
    const live = this.host.metadata.liveBrokers()
    const brokers = live.length > 1 && this.lostCoordinator !== null ? live.filter((b) => b !== this.lostCoordinator) : live
    const broker = brokers[this.nextBootstrap++ % brokers.length]!
    const correlationId = this.host.nextCorrelationId()
    this.findCoordinator = { correlationId, timer: this.host.ctx.setTimer(this.host.config['request.timeout.ms'], 'group-request-timeout', correlationId) }
    this.host.ctx.send(broker, { type: 'FindCoordinator', correlationId, key: this.groupId })
    return false
  }

  private markCoordinatorUnknown(reason: string): void {
    if (this.coordinator === null) return
    this.host.ctx.emit('consumer-coordinator-unknown', { groupId: this.groupId, coordinator: this.coordinator, reason })
    this.lostCoordinator = this.coordinator
    this.coordinator = null
    this.coordinatorBackoffUntilMs = this.host.ctx.now + this.host.config['retry.backoff.ms']
    this.host.metadata.requestUpdate()
    // Requests to the old coordinator are abandoned; a join in progress starts again.
    for (const pending of [this.joinRequest, this.syncRequest, this.heartbeatRequest]) if (pending) this.host.ctx.cancelTimer(pending.timer)
    this.membership?.onCoordinatorUnknown()
    if (this.joinRequest || this.syncRequest) this.requestRejoin('the coordinator moved during a rebalance')
    this.joinRequest = null
    this.syncRequest = null
    this.heartbeatRequest = null
    if (this.offsetFetch) {
      this.host.ctx.cancelTimer(this.offsetFetch.timer)
      this.offsetFetch = null
    }
  }

  // --- joining ------------------------------------------------------------------------------

  /**
   * ConsumerCoordinator.onJoinPrepare: commit what was consumed (auto-commit), then, EAGER,
   * revoke every partition; COOPERATIVE keeps them and revokes only after the assignment.
   * A member that lost its generation gives its partitions up as lost instead.
   */
  private onJoinPrepare(): void {
    this.preparing = true
    const proceed = () => {
      this.preparing = false
      if (this.protocol === 'EAGER') {
        this.revoke(this.host.subscriptions.assignedPartitions(), 'eager rebalance: every partition is revoked before rejoining')
      } else {
        // COOPERATIVE: only the partitions no longer subscribed are revoked now.
        const topics = new Set(this.subscribedTopics())
        this.revoke(this.host.subscriptions.assignedPartitions().filter((p) => !topics.has(p.topic)), 'no longer subscribed')
      }
      this.sendJoinGroup()
    }
    if (this.host.config['enable.auto.commit'] && this.generationId !== UNKNOWN_GENERATION_ID && this.host.subscriptions.allConsumed().length > 0) {
      this.commit('auto', null, proceed)
    } else {
      proceed()
    }
  }

  private sendJoinGroup(): void {
    if (this.coordinator === null) {
      this.rejoinNeeded = true
      return
    }
    const c = this.host.config
    const correlationId = this.host.nextCorrelationId()
    this.state = 'PREPARING_REBALANCE'
    this.rejoinNeeded = false
    const owned = this.host.subscriptions.assignedPartitions()
    const subscription: ConsumerSubscription = { topics: this.subscribedTopics(), ownedPartitions: owned, generation: this.generationId, rackId: null }
    this.joinedTopics = subscription.topics.join(',')
    this.joinRequest = { correlationId, timer: this.host.ctx.setTimer(c['max.poll.interval.ms'] + JOIN_GROUP_TIMEOUT_LAPSE_MS, 'group-request-timeout', correlationId) }
    this.host.ctx.emit('consumer-join-group', { groupId: this.groupId, memberId: this.memberId, reason: this.rejoinReason, owned: owned.map((p) => tpKey(p.topic, p.partition)) })
    this.host.ctx.send(this.coordinator, {
      type: 'JoinGroup',
      correlationId,
      groupId: this.groupId,
      sessionTimeoutMs: c['session.timeout.ms'],
      // The Java consumer's rebalance timeout is max.poll.interval.ms (ConsumerCoordinator).
      rebalanceTimeoutMs: c['max.poll.interval.ms'],
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      protocolType: 'consumer',
      protocols: this.assignors.map((a) => ({ name: a.name, metadata: subscription })),
      clientId: String(this.host.ctx.id),
      reason: this.rejoinReason,
    })
  }

  private onJoinResponse(response: JoinGroupResponse): void {
    this.joinRequest = null
    switch (response.errorCode) {
      case 'NONE':
        break
      case 'MEMBER_ID_REQUIRED':
        this.memberId = response.memberId
        return this.sendJoinGroup()
      case 'UNKNOWN_MEMBER_ID':
      case 'ILLEGAL_GENERATION':
        this.resetGeneration(`JoinGroup: ${response.errorCode}`)
        return this.requestRejoinAfterError(response.errorCode)
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_LOAD_IN_PROGRESS':
      case 'REBALANCE_IN_PROGRESS':
        if (response.errorCode !== 'COORDINATOR_LOAD_IN_PROGRESS' && response.errorCode !== 'REBALANCE_IN_PROGRESS') this.markCoordinatorUnknown(response.errorCode)
        return this.requestRejoinAfterError(response.errorCode)
      default:
        return this.fail(response.errorCode)
    }
    this.memberId = response.memberId
    this.generationId = response.generationId
    this.protocolName = response.protocolName
    this.leaderId = response.leader
    this.state = 'COMPLETING_REBALANCE'
    this.host.ctx.emit('consumer-joined', { groupId: this.groupId, memberId: this.memberId, generationId: this.generationId, leader: this.leaderId === this.memberId, protocol: this.protocolName })
    let assignments: { memberId: string; assignment: ConsumerAssignment }[] = []
    if (response.leader === response.memberId && !response.skipAssignment) assignments = this.performAssignment(response)
    this.sendSyncGroup(assignments)
    this.scheduleHeartbeat()
  }

  /** ConsumerCoordinator.onLeaderElected: run the chosen assignor over every member's subscription. */
  private performAssignment(response: JoinGroupResponse): { memberId: string; assignment: ConsumerAssignment }[] {
    const assignor = this.assignors.find((a) => a.name === response.protocolName)
    if (!assignor) throw new ClientError('IllegalStateException', `Coordinator selected invalid assignment protocol: ${response.protocolName}`)
    const members = response.members.map((m) => {
      const s = m.metadata as ConsumerSubscription
      return { memberId: m.memberId, groupInstanceId: m.groupInstanceId, topics: s.topics, ownedPartitions: s.ownedPartitions, generation: s.generation, rackId: s.rackId }
    })
    const partitionsPerTopic = new Map<string, number>()
    for (const member of members) {
      for (const topic of member.topics) {
        const count = this.host.metadata.partitionCount(topic)
        if (count !== undefined) partitionsPerTopic.set(topic, count)
        else this.host.metadata.want(topic)
      }
    }
    const result = assignor.assign({ members, partitionsPerTopic })
    this.groupTopics = [...partitionsPerTopic.keys()].sort()
    this.assignedTopicsSnapshot = this.snapshotOfTopics()
    this.host.ctx.emit('consumer-assignment-computed', {
      groupId: this.groupId,
      generationId: response.generationId,
      assignor: assignor.name,
      assignment: Object.fromEntries([...result].map(([memberId, tps]) => [memberId, tps.map((tp) => tpKey(tp.topic, tp.partition))])),
    })
    return [...result].map(([memberId, partitions]) => ({ memberId, assignment: { partitions } }))
  }

  private sendSyncGroup(assignments: { memberId: string; assignment: ConsumerAssignment }[]): void {
    if (this.coordinator === null) return this.requestRejoin('the coordinator is unknown')
    const correlationId = this.host.nextCorrelationId()
    this.syncRequest = { correlationId, timer: this.host.ctx.setTimer(this.host.config['request.timeout.ms'], 'group-request-timeout', correlationId) }
    this.host.ctx.send(this.coordinator, {
      type: 'SyncGroup',
      correlationId,
      groupId: this.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      protocolType: 'consumer',
      protocolName: this.protocolName,
      assignments,
    })
  }

  private onSyncResponse(response: SyncGroupResponse): void {
    this.syncRequest = null
    switch (response.errorCode) {
      case 'NONE':
        break
      case 'REBALANCE_IN_PROGRESS':
        return this.requestRejoinAfterError(response.errorCode)
      case 'UNKNOWN_MEMBER_ID':
      case 'ILLEGAL_GENERATION':
        this.resetGeneration(`SyncGroup: ${response.errorCode}`)
        return this.requestRejoinAfterError(response.errorCode)
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
        this.markCoordinatorUnknown(response.errorCode)
        return this.requestRejoinAfterError(response.errorCode)
      default:
        return this.fail(response.errorCode)
    }
    this.state = 'STABLE'
    this.rebalances++
    this.onJoinComplete((response.assignment as ConsumerAssignment | null)?.partitions ?? [])
  }

  /**
   * ConsumerCoordinator.onJoinComplete. EAGER: everything assigned is new. COOPERATIVE: the
   * partitions owned but not assigned are revoked now, and a follow-up rebalance lets
   * the group hand them on; the partitions newly assigned are added.
   */
  private onJoinComplete(assigned: TopicPartitionRef[]): void {
    const owned = this.host.subscriptions.assignedPartitions()
    const assignedKeys = new Set(assigned.map((p) => tpKey(p.topic, p.partition)))
    const ownedKeys = new Set(owned.map((p) => tpKey(p.topic, p.partition)))
    const added = assigned.filter((p) => !ownedKeys.has(tpKey(p.topic, p.partition)))
    const revoked = owned.filter((p) => !assignedKeys.has(tpKey(p.topic, p.partition)))
    this.host.ctx.emit('consumer-assignment-received', {
      groupId: this.groupId,
      generationId: this.generationId,
      protocol: this.protocol,
      assigned: assigned.map((p) => tpKey(p.topic, p.partition)),
    })
    if (revoked.length > 0) {
      this.revoke(revoked, 'cooperative rebalance: moved to another member')
      if (this.protocol === 'COOPERATIVE') this.requestRejoin(`need to revoke partitions [${revoked.map((p) => tpKey(p.topic, p.partition)).join(', ')}] and rejoin`)
    }
    this.host.subscriptions.assignFromSubscribed(assigned)
    // What the group had committed is looked up again for every partition newly (or again) assigned.
    for (const key of [...this.noCommittedOffset]) if (!assignedKeys.has(key) || !ownedKeys.has(key)) this.noCommittedOffset.delete(key)
    this.invokeListener('onPartitionsAssigned', added)
    this.fetchCommittedOffsets()
    this.host.assignmentChanged()
  }

  private revoke(partitions: TopicPartition[], reason: string): void {
    if (partitions.length === 0) return
    this.invokeListener('onPartitionsRevoked', partitions, reason)
    const gone = new Set(partitions.map((p) => tpKey(p.topic, p.partition)))
    this.host.subscriptions.assignFromSubscribed(this.host.subscriptions.assignedPartitions().filter((p) => !gone.has(tpKey(p.topic, p.partition))))
    this.host.assignmentChanged()
  }

  private losePartitions(reason: string): void {
    const owned = this.host.subscriptions.assignedPartitions()
    if (owned.length === 0) return
    this.invokeListener('onPartitionsLost', owned, reason)
    this.host.subscriptions.assignFromSubscribed([])
    this.host.assignmentChanged()
  }

  private invokeListener(callback: keyof ConsumerRebalanceListener, partitions: TopicPartition[], reason?: string): void {
    const type = callback === 'onPartitionsRevoked' ? 'consumer-partitions-revoked' : callback === 'onPartitionsAssigned' ? 'consumer-partitions-assigned' : 'consumer-partitions-lost'
    this.host.ctx.emit(type, { groupId: this.groupId, generationId: this.generationId, partitions: partitions.map((p) => tpKey(p.topic, p.partition)), ...(reason ? { reason } : {}) })
    this.host.listener?.[callback]?.(partitions.map((p) => ({ ...p })))
  }

  private requestRejoinAfterError(errorCode: ErrorName): void {
    this.state = 'UNJOINED'
    this.requestRejoin(`${errorCode} during the rebalance`)
  }

  /** AbstractCoordinator.resetGenerationOnResponseError: the member is fenced; what it owns is lost at the next poll. */
  private resetGeneration(reason: string): void {
    this.host.ctx.emit('consumer-generation-reset', { groupId: this.groupId, memberId: this.memberId, generationId: this.generationId, reason })
    if (this.groupInstanceId === null) this.memberId = UNKNOWN_MEMBER_ID
    this.generationId = UNKNOWN_GENERATION_ID
    this.state = 'UNJOINED'
    if (this.host.subscriptions.size > 0) this.lostPending = true
    this.cancelHeartbeat()
  }

  private fail(errorCode: ErrorName, message: string | null = null): void {
    const exception: Record<string, ClientExceptionName> = {
      INVALID_GROUP_ID: 'InvalidGroupIdException',
      INVALID_SESSION_TIMEOUT: 'InvalidSessionTimeoutException',
      INCONSISTENT_GROUP_PROTOCOL: 'InconsistentGroupProtocolException',
      FENCED_INSTANCE_ID: 'FencedInstanceIdException',
      GROUP_MAX_SIZE_REACHED: 'GroupMaxSizeReachedException',
      UNRELEASED_INSTANCE_ID: 'UnreleasedInstanceIdException',
      UNSUPPORTED_ASSIGNOR: 'UnsupportedAssignorException',
      INVALID_REQUEST: 'InvalidRequestException',
      UNSUPPORTED_VERSION: 'UnsupportedVersionException',
    }
    this.state = 'UNJOINED'
    this.fatal = new ClientError(exception[errorCode] ?? 'IllegalStateException', `group ${this.groupId}: the coordinator answered ${errorCode}${message ? `: ${message}` : ''}`)
    this.host.ctx.emit('consumer-group-error', { groupId: this.groupId, errorCode })
  }

  // --- heartbeats and the poll timer -------------------------------------------------------

  private scheduleHeartbeat(): void {
    this.cancelHeartbeat()
    this.lastHeartbeatOkMs = this.host.ctx.now
    this.heartbeatTimer = this.host.ctx.setTimer(this.host.config['heartbeat.interval.ms'], 'group-heartbeat')
  }

  private cancelHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.host.ctx.cancelTimer(this.heartbeatTimer)
    this.heartbeatTimer = null
  }

  private sendHeartbeat(): void {
    this.heartbeatTimer = this.host.ctx.setTimer(this.host.config['heartbeat.interval.ms'], 'group-heartbeat')
    // The heartbeat thread is disabled until the member has joined (MemberState.hasNotJoinedGroup).
    if (this.generationId === UNKNOWN_GENERATION_ID || this.heartbeatRequest || this.state === 'UNJOINED' || this.state === 'PREPARING_REBALANCE') return
    // Heartbeat.sessionTimeoutExpired: no successful heartbeat for session.timeout.ms: the coordinator is presumed gone.
    if (this.host.ctx.now - this.lastHeartbeatOkMs > this.host.config['session.timeout.ms']) this.markCoordinatorUnknown('no heartbeat response within the session timeout')
    if (this.coordinator === null) return
    const correlationId = this.host.nextCorrelationId()
    this.heartbeatRequest = { correlationId, timer: this.host.ctx.setTimer(this.host.config['request.timeout.ms'], 'group-request-timeout', correlationId), generationId: this.generationId }
    this.host.ctx.send(this.coordinator, { type: 'Heartbeat', correlationId, groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.groupInstanceId })
  }

  private onHeartbeatResponse(response: HeartbeatResponse, sentInGeneration: number): void {
    this.heartbeatRequest = null
    // HeartbeatResponseHandler: an error about a generation the member has since left is ignored.
    if (response.errorCode !== 'NONE' && sentInGeneration !== this.generationId) return
    switch (response.errorCode) {
      case 'NONE':
        this.lastHeartbeatOkMs = this.host.ctx.now
        return
      case 'REBALANCE_IN_PROGRESS':
        this.lastHeartbeatOkMs = this.host.ctx.now
        if (this.state === 'STABLE') this.requestRejoin('the group is rebalancing')
        return
      case 'ILLEGAL_GENERATION':
      case 'UNKNOWN_MEMBER_ID':
      case 'FENCED_INSTANCE_ID':
        this.resetGeneration(`Heartbeat: ${response.errorCode}`)
        if (response.errorCode === 'FENCED_INSTANCE_ID') return this.fail(response.errorCode)
        return this.requestRejoin(`Heartbeat: ${response.errorCode}`)
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_NOT_AVAILABLE':
        return this.markCoordinatorUnknown(`Heartbeat: ${response.errorCode}`)
      default:
        return
    }
  }

  private schedulePollTimer(): void {
    if (this.pollTimer !== null) this.host.ctx.cancelTimer(this.pollTimer)
    this.pollTimer = this.host.ctx.setTimer(this.host.config['max.poll.interval.ms'], 'group-poll-timeout')
  }

  /**
   * The heartbeat thread's poll check: no poll() for max.poll.interval.ms: the member leaves
   * the group ("consumer poll timeout has expired"), so that the group can rebalance without
   * it. What it is still processing will be processed again by the partitions' next owner.
   */
  private onPollTimeout(): void {
    this.pollTimer = null
    if (this.generationId === UNKNOWN_GENERATION_ID && this.state === 'UNJOINED') return
    this.host.ctx.emit('consumer-poll-timeout', { groupId: this.groupId, memberId: this.memberId, maxPollIntervalMs: this.host.config['max.poll.interval.ms'], lastPollMs: this.lastPollMs })
    this.leaveGroup('consumer poll timeout has expired')
  }

  /** AbstractCoordinator.maybeLeaveGroup: a dynamic member sends LeaveGroup; a static one just stops (it is expired by the session timeout). */
  leaveGroup(reason: string): void {
    if (this.membership) return this.membership.leave(reason, reason === 'consumer poll timeout has expired')
    if (this.coordinator !== null && this.generationId !== UNKNOWN_GENERATION_ID && this.groupInstanceId === null) {
      const correlationId = this.host.nextCorrelationId()
      this.host.ctx.send(this.coordinator, { type: 'LeaveGroup', correlationId, groupId: this.groupId, members: [{ memberId: this.memberId, groupInstanceId: null, reason }] })
    }
    this.host.ctx.emit('consumer-left-group', { groupId: this.groupId, memberId: this.memberId, reason })
    this.memberId = this.groupInstanceId === null ? UNKNOWN_MEMBER_ID : this.memberId
    this.generationId = UNKNOWN_GENERATION_ID
    this.state = 'UNJOINED'
    this.cancelHeartbeat()
    if (this.joinRequest) this.host.ctx.cancelTimer(this.joinRequest.timer)
    if (this.syncRequest) this.host.ctx.cancelTimer(this.syncRequest.timer)
    this.joinRequest = null
    this.syncRequest = null
    if (this.host.subscriptions.size > 0) this.lostPending = true
    this.requestRejoin(reason)
  }

  // --- offsets ------------------------------------------------------------------------------

  /**
   * commitSync / commitAsync / auto-commit of `offsets` (default: every position). A member
   * not in a stable generation fails at once with CommitFailedException (or
   * RebalanceInProgressException while it is rejoining), as sendOffsetCommitRequest does.
   */
  commit(kind: CommitOutcome['kind'], offsets: { topic: string; partition: number; offset: number }[] | null, then?: () => void): CommitOutcome {
    const partitions = offsets ? offsets.map((o) => ({ ...o, leaderEpoch: null })) : this.host.subscriptions.allConsumed()
    const outcome: CommitOutcome = { id: ++this.commitIds, kind, offsets: Object.fromEntries(partitions.map((p) => [tpKey(p.topic, p.partition), p.offset])), status: 'pending', error: null, atMs: this.host.ctx.now }
    this.commits.push(outcome)
    const fail = (error: string) => {
      outcome.status = 'failed'
      outcome.error = error
      this.host.ctx.emit('consumer-commit-failed', { groupId: this.groupId, kind, error, offsets: outcome.offsets })
      then?.()
    }
    if (partitions.length === 0) {
      outcome.status = 'committed'
      then?.()
      return outcome
    }
    if (this.generationId === UNKNOWN_GENERATION_ID || this.state !== 'STABLE') {
      fail(this.state === 'UNJOINED' && this.generationId === UNKNOWN_GENERATION_ID ? 'CommitFailedException' : 'RebalanceInProgressException')
      return outcome
    }
    const deadlineMs = this.host.ctx.now + this.host.config['default.api.timeout.ms']
    // commitSync (and the commit before a rebalance, which waits for it) retries; commitAsync and auto-commit do not.
    this.sendCommit(outcome, partitions, kind === 'sync' || then !== undefined, deadlineMs, then)
    return outcome
  }

  private sendCommit(outcome: CommitOutcome, partitions: { topic: string; partition: number; offset: number; leaderEpoch: number | null }[], retries: boolean, deadlineMs: number, then?: () => void): void {
    if (this.coordinator === null) {
      this.ensureCoordinatorReady()
      if (!retries) {
        outcome.status = 'failed'
        outcome.error = 'RetriableCommitFailedException'
        then?.()
        return
      }
      // commitSync waits for the coordinator (up to default.api.timeout.ms).
      const correlationId = -(++this.commitIds)
      const entry = { pending: { correlationId, timer: this.host.ctx.setTimer(this.host.config['retry.backoff.ms'], 'group-commit-retry', correlationId) }, to: null, outcome, retries, partitions, deadlineMs, ...(then ? { then } : {}) }
      this.committing.set(correlationId, entry)
      return
    }
    const correlationId = this.host.nextCorrelationId()
    const entry = { pending: { correlationId, timer: this.host.ctx.setTimer(this.host.config['request.timeout.ms'], 'group-request-timeout', correlationId) }, to: this.coordinator, outcome, retries, partitions, deadlineMs, ...(then ? { then } : {}) }
    this.committing.set(correlationId, entry)
    this.host.ctx.emit('consumer-commit', { groupId: this.groupId, kind: outcome.kind, generationId: this.generationId, offsets: outcome.offsets })
    this.host.ctx.send(this.coordinator, {
      type: 'OffsetCommit',
      correlationId,
      groupId: this.groupId,
      generationIdOrMemberEpoch: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.groupInstanceId,
      partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition, committedOffset: p.offset, committedLeaderEpoch: p.leaderEpoch ?? -1, committedMetadata: '' })),
    })
  }

  private onCommitResponse(response: OffsetCommitResponse): void {
    const entry = this.committing.get(response.correlationId)
    if (!entry) return
    this.committing.delete(response.correlationId)
    this.host.ctx.cancelTimer(entry.pending.timer)
    const error = response.partitions.find((p) => p.errorCode !== 'NONE')?.errorCode
    const { outcome } = entry
    if (!error) {
      outcome.status = 'committed'
      entry.then?.()
      return
    }
    if (error === 'NOT_COORDINATOR' || error === 'COORDINATOR_NOT_AVAILABLE') this.markCoordinatorUnknown(`OffsetCommit: ${error}`)
    const retriable = error === 'NOT_COORDINATOR' || error === 'COORDINATOR_NOT_AVAILABLE' || error === 'COORDINATOR_LOAD_IN_PROGRESS' || error === 'REQUEST_TIMED_OUT'
    if (retriable && entry.retries && this.host.ctx.now < entry.deadlineMs) {
      return this.sendCommit(outcome, entry.partitions, true, entry.deadlineMs, entry.then)
    }
    if (this.membership && (error === 'STALE_MEMBER_EPOCH' || error === 'UNKNOWN_MEMBER_ID' || error === 'FENCED_MEMBER_EPOCH')) {
      // CommitRequestManager: the member's epoch moved on (or it left): the commit fails; the
      // membership manager learns of a fencing from its own heartbeat.
      outcome.error = 'CommitFailedException'
    } else if (error === 'UNKNOWN_MEMBER_ID' || error === 'ILLEGAL_GENERATION' || error === 'FENCED_INSTANCE_ID') {
      // The member was fenced: CommitFailedException, and it rejoins (its partitions are lost).
      this.resetGeneration(`OffsetCommit: ${error}`)
      this.requestRejoin(`OffsetCommit: ${error}`)
      outcome.error = 'CommitFailedException'
    } else if (error === 'REBALANCE_IN_PROGRESS') {
      this.requestRejoin('OffsetCommit: REBALANCE_IN_PROGRESS')
      outcome.error = 'RebalanceInProgressException'
    } else {
      outcome.error = error
    }
    outcome.status = 'failed'
    this.host.ctx.emit('consumer-commit-failed', { groupId: this.groupId, kind: outcome.kind, error: outcome.error, errorCode: error, offsets: outcome.offsets })
    entry.then?.()
  }

  /** Partitions the group has no committed offset for: their position comes from auto.offset.reset. */
  private readonly noCommittedOffset = new Set<string>()

  /** An INITIALIZING partition may take auto.offset.reset only once the group said it has no committed offset for it. */
  mayResetPosition(key: string): boolean {
    return this.noCommittedOffset.has(key)
  }

  /** ConsumerCoordinator.refreshCommittedOffsetsIfNeeded: INITIALIZING partitions start from the group's committed offsets. */
  private fetchCommittedOffsets(): void {
    if (this.coordinator === null || this.offsetFetch || this.state !== 'STABLE') return
    const initializing = [...this.host.subscriptions.states()].filter((s) => s.fetchState === 'INITIALIZING' && !this.noCommittedOffset.has(s.key))
    if (initializing.length === 0) return
    const correlationId = this.host.nextCorrelationId()
    this.offsetFetch = { correlationId, timer: this.host.ctx.setTimer(this.host.config['request.timeout.ms'], 'group-request-timeout', correlationId), keys: new Set(initializing.map((s) => s.key)) }
    // The consumer protocol's member names itself and its epoch (OffsetFetch v9); the classic one does not.
    const member = this.membership ? { memberId: this.memberId, memberEpoch: this.generationId } : {}
    this.host.ctx.send(this.coordinator, { type: 'OffsetFetch', correlationId, groupId: this.groupId, partitions: initializing.map((s) => ({ topic: s.topic, partition: s.partition })), ...member })
  }

  private onOffsetFetchResponse(response: OffsetFetchResponse): void {
    const fetch = this.offsetFetch
    if (!fetch || fetch.correlationId !== response.correlationId) return
    this.host.ctx.cancelTimer(fetch.timer)
    this.offsetFetch = null
    if (response.errorCode !== 'NONE') {
      if (response.errorCode === 'NOT_COORDINATOR' || response.errorCode === 'COORDINATOR_NOT_AVAILABLE') this.markCoordinatorUnknown(`OffsetFetch: ${response.errorCode}`)
      return // fetched again at the next poll
    }
    for (const p of response.partitions) {
      const state = this.host.subscriptions.stateOrNull(p.topic, p.partition)
      if (!state || state.fetchState !== 'INITIALIZING') continue
      if (p.committedOffset < 0) {
        this.noCommittedOffset.add(state.key)
        continue
      }
      state.seekValidated({ offset: p.committedOffset, offsetEpoch: p.committedLeaderEpoch >= 0 ? p.committedLeaderEpoch : null, currentLeader: { leaderId: -1, epoch: -1 } })
      this.host.ctx.emit('consumer-committed-offset-used', { groupId: this.groupId, partition: state.key, offset: p.committedOffset })
    }
  }

  // --- messages and timers -------------------------------------------------------------------

  /** A response for the coordinator; true when it was one of its requests. */
  onResponse(from: number, response: GroupResponse): boolean {
    switch (response.type) {
      case 'FindCoordinatorResponse':
        return this.onFindCoordinatorResponse(response as FindCoordinatorResponse)
      case 'JoinGroupResponse':
        if (this.joinRequest?.correlationId !== response.correlationId) return false
        this.host.ctx.cancelTimer(this.joinRequest.timer)
        this.onJoinResponse(response as JoinGroupResponse)
        return true
      case 'SyncGroupResponse':
        if (this.syncRequest?.correlationId !== response.correlationId) return false
        this.host.ctx.cancelTimer(this.syncRequest.timer)
        this.onSyncResponse(response as SyncGroupResponse)
        return true
      case 'HeartbeatResponse':
        if (this.heartbeatRequest?.correlationId !== response.correlationId) return false
        this.host.ctx.cancelTimer(this.heartbeatRequest.timer)
        this.onHeartbeatResponse(response as HeartbeatResponse, this.heartbeatRequest.generationId)
        return true
      case 'OffsetCommitResponse':
        this.onCommitResponse(response as OffsetCommitResponse)
        return true
      case 'OffsetFetchResponse':
        this.onOffsetFetchResponse(response as OffsetFetchResponse)
        return true
      case 'ConsumerGroupHeartbeatResponse':
        this.membership?.onHeartbeatResponse(response as ConsumerGroupHeartbeatResponse)
        return true
      case 'LeaveGroupResponse':
        void (response as LeaveGroupResponse)
        void from
        return true
      default:
        return false
    }
  }

  private onFindCoordinatorResponse(response: FindCoordinatorResponse): boolean {
    if (this.findCoordinator?.correlationId !== response.correlationId) return false
    this.host.ctx.cancelTimer(this.findCoordinator.timer)
    this.findCoordinator = null
    if (response.errorCode !== 'NONE') {
      this.coordinatorBackoffUntilMs = this.host.ctx.now + this.host.config['retry.backoff.ms']
      return true
    }
    this.coordinator = response.nodeId
    // Heartbeat.resetSessionTimeout: the session is timed afresh against the coordinator just found.
    this.lastHeartbeatOkMs = this.host.ctx.now
    this.host.ctx.emit('consumer-coordinator-found', { groupId: this.groupId, coordinator: response.nodeId })
    this.membership?.onCoordinatorFound()
    // Commits waiting for a coordinator go now.
    for (const [id, entry] of [...this.committing]) {
      if (id >= 0) continue
      this.host.ctx.cancelTimer(entry.pending.timer)
      this.committing.delete(id)
      this.sendCommit(entry.outcome, entry.partitions, entry.retries, entry.deadlineMs, entry.then)
    }
    this.fetchCommittedOffsets()
    return true
  }

  /** Timers named "group-*"; true when handled. */
  onTimer(name: string, data: unknown): boolean {
    switch (name) {
      case 'group-member-heartbeat':
        this.membership?.onHeartbeatTimer()
        return true
      case 'group-heartbeat':
        this.heartbeatTimer = null
        this.sendHeartbeat()
        return true
      case 'group-poll-timeout':
        this.onPollTimeout()
        return true
      case 'group-commit-retry': {
        const entry = this.committing.get(data as number)
        if (!entry) return true
        this.committing.delete(data as number)
        if (this.host.ctx.now >= entry.deadlineMs) {
          entry.outcome.status = 'failed'
          entry.outcome.error = 'TimeoutException'
          entry.then?.()
          return true
        }
        this.sendCommit(entry.outcome, entry.partitions, true, entry.deadlineMs, entry.then)
        return true
      }
      case 'group-request-timeout':
        this.onRequestTimeout(data as number)
        return true
      default:
        return false
    }
  }

  private onRequestTimeout(correlationId: number): void {
    if (this.findCoordinator?.correlationId === correlationId) {
      this.findCoordinator = null
      return
    }
    const commit = this.committing.get(correlationId)
    if (commit) {
      this.committing.delete(correlationId)
      if (commit.to === this.coordinator) this.markCoordinatorUnknown('OffsetCommit timed out')
      if (commit.retries && this.host.ctx.now < commit.deadlineMs) return this.sendCommit(commit.outcome, commit.partitions, true, commit.deadlineMs, commit.then)
      commit.outcome.status = 'failed'
      commit.outcome.error = 'TimeoutException'
      commit.then?.()
      return
    }
    if (this.offsetFetch?.correlationId === correlationId) {
      this.offsetFetch = null
      return this.markCoordinatorUnknown('OffsetFetch timed out')
    }
    if (this.membership?.onRequestTimeout(correlationId)) return
    for (const pending of [this.joinRequest, this.syncRequest, this.heartbeatRequest]) {
      if (pending?.correlationId === correlationId) return this.markCoordinatorUnknown('a group request timed out')
    }
  }

  /** For snapshots. */
  view(): Record<string, unknown> {
    return {
      groupId: this.groupId,
      state: this.state,
      memberId: this.memberId,
      generationId: this.generationId,
      protocol: this.protocol,
      assignor: this.protocolName,
      coordinator: this.coordinator,
      leader: this.leaderId !== null && this.leaderId === this.memberId,
      rejoinNeeded: this.rejoinNeeded,
      rebalances: this.membership ? this.membership.reconciliations : this.rebalances,
      ...(this.membership ? { groupProtocol: 'consumer', ...this.membership.view() } : { groupProtocol: 'classic' }),
    }
  }
}
