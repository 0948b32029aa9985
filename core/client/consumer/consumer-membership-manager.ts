// The consumer's side of the consumer group protocol (KIP-848, group.protocol=consumer), after
// Kafka 4.0's
//   AbstractMembershipManager / ConsumerMembershipManager
//       clients/src/main/java/org/apache/kafka/clients/consumer/internals/
//       (member states, reconciliation: revoke what the target no longer holds, then take the new
//       partitions, then acknowledge; fencing; leaving with epoch -1 or -2)
//   ConsumerHeartbeatRequestManager / AbstractHeartbeatRequestManager
//       (ConsumerGroupHeartbeat every heartbeat interval the broker sets, at once to acknowledge,
//       and the errors of the response)
//
// There is no JoinGroup, SyncGroup or client-side assignor: the member sends its subscription
// and what it owns, the broker sends its assignment. Finding the coordinator, offset commits
// and fetches stay with ConsumerCoordinator, which owns this manager.

import type { ConsumerConfig } from '../../config/clients.ts'
import type { ErrorName } from '../../errors.ts'
import type { TopicPartitionRef } from '../../group/assignors/index.ts'
import { randomUuidText } from '../../group/member-id.ts'
import type { NodeContext, TimerId } from '../../node.ts'
import {
  JOIN_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_MEMBER_EPOCH,
  LEAVE_GROUP_STATIC_MEMBER_EPOCH,
  type ConsumerGroupHeartbeatResponse,
} from '../../protocol.ts'
import type { ConsumerRebalanceListener } from './consumer-coordinator.ts'
import { tpKey, type SubscriptionState, type TopicPartition } from './subscription-state.ts'

/** MemberState (clients/.../consumer/internals/MemberState.java), the states the sandbox models. */
export type ConsumerMemberState = 'UNSUBSCRIBED' | 'JOINING' | 'RECONCILING' | 'ACKNOWLEDGING' | 'STABLE' | 'FENCED' | 'LEAVING' | 'STALE' | 'FATAL'

export interface MembershipHost {
  ctx: NodeContext
  config: ConsumerConfig
  subscriptions: SubscriptionState
  groupId: string
  groupInstanceId: string | null
  /** The coordinator's broker id, null while unknown (ConsumerCoordinator finds it). */
  coordinator(): number | null
  markCoordinatorUnknown(reason: string): void
  nextCorrelationId(): number
  subscribedTopics(): string[]
  invokeListener(callback: keyof ConsumerRebalanceListener, partitions: TopicPartition[], reason?: string): void
  /** Auto-commit of the consumed positions before partitions are revoked (autoCommitSyncBeforeRevocation); `then` runs whatever the outcome. */
  commitBeforeRevocation(then: () => void): void
  /** The member's id and epoch changed (commits carry the epoch); inGroup: it has a positive epoch. */
  membershipChanged(memberId: string, memberEpoch: number, inGroup: boolean): void
  /** The assignment changed: drop fetched data of removed partitions, look up committed offsets of new ones. */
  assignmentChanged(): void
  fail(errorCode: ErrorName, message: string | null): void
}

export class ConsumerMembershipManager {
  state: ConsumerMemberState = 'UNSUBSCRIBED'
  /** Chosen by the client once for its lifetime (KIP-1082: a Uuid). */
  readonly memberId: string
  memberEpoch = JOIN_GROUP_MEMBER_EPOCH
  private heartbeatIntervalMs: number
  private heartbeatTimer: TimerId | null = null
  private inflight: { correlationId: number; timer: TimerId; sentEpoch: number } | null = null
  /** The subscription last sent; null: send it in the next heartbeat. */
  private sentTopics: string | null = null
  /** The latest assignment from the broker not yet reconciled. */
  private target: TopicPartitionRef[] | null = null
  private reconciling = false
  /** Partitions lost with the membership (fenced, left on poll timeout): onPartitionsLost at the next poll. */
  private lostPending = false
  heartbeats = 0
  reconciliations = 0

  constructor(private readonly host: MembershipHost) {
    this.memberId = randomUuidText(() => host.ctx.random())
    // The interval until the broker says otherwise (it sends group.consumer.heartbeat.interval.ms in every response).
    this.heartbeatIntervalMs = host.config['heartbeat.interval.ms']
  }

  get inGroup(): boolean {
    return this.memberEpoch > 0
  }

  /** subscribe(): the next heartbeat carries the new topics; an unsubscribed member starts joining. */
  subscribe(): void {
    this.sentTopics = null
    if (this.state === 'UNSUBSCRIBED' || this.state === 'STALE' || this.state === 'LEAVING') this.transitionToJoining('the consumer subscribed')
  }

  /** Called from poll(): lost partitions are given up, and a member that must (re)join heartbeats now. */
  poll(): void {
    if (this.lostPending) {
      this.lostPending = false
      const owned = this.host.subscriptions.assignedPartitions()
      if (owned.length > 0) {
        this.host.invokeListener('onPartitionsLost', owned, 'the member lost its membership')
        this.host.subscriptions.assignFromSubscribed([])
        this.host.assignmentChanged()
      }
    }
    // maybeRejoinStaleMember: a member that left on poll timeout rejoins at its next poll.
    if (this.state === 'STALE' || this.state === 'FENCED') this.transitionToJoining(this.state === 'STALE' ? 'poll() was called again after the poll timeout' : 'the member was fenced')
    if (this.state === 'JOINING' && this.inflight === null) this.sendHeartbeat()
  }

  private transitionToJoining(reason: string): void {
    if (this.host.subscribedTopics().length === 0) return
    this.state = 'JOINING'
    this.memberEpoch = JOIN_GROUP_MEMBER_EPOCH
    this.sentTopics = null
    this.target = null
    this.host.membershipChanged(this.memberId, this.memberEpoch, false)
    this.host.ctx.emit('consumer-member-joining', { groupId: this.host.groupId, memberId: this.memberId, reason })
  }

  // --- heartbeats ----------------------------------------------------------------------------

  private scheduleHeartbeat(delayMs: number): void {
    if (this.heartbeatTimer !== null) this.host.ctx.cancelTimer(this.heartbeatTimer)
    this.heartbeatTimer = this.host.ctx.setTimer(delayMs, 'group-member-heartbeat')
  }

  /** ConsumerHeartbeatRequestManager: one heartbeat in flight; the fields that did not change are sent as null. */
  private sendHeartbeat(): void {
    const coordinator = this.host.coordinator()
    if (coordinator === null || this.inflight !== null) return
    if (this.state === 'UNSUBSCRIBED' || this.state === 'FATAL' || this.state === 'STALE' || this.state === 'LEAVING') return
    const joining = this.memberEpoch === JOIN_GROUP_MEMBER_EPOCH
    const topics = this.host.subscribedTopics()
    const topicsKey = topics.join(',')
    const correlationId = this.host.nextCorrelationId()
    this.inflight = { correlationId, timer: this.host.ctx.setTimer(this.host.config['request.timeout.ms'], 'group-request-timeout', correlationId), sentEpoch: this.memberEpoch }
    this.heartbeats++
    this.host.ctx.send(coordinator, {
      type: 'ConsumerGroupHeartbeat',
      correlationId,
      groupId: this.host.groupId,
      memberId: this.memberId,
      memberEpoch: this.memberEpoch,
      instanceId: this.host.groupInstanceId,
      rackId: null,
      // The rebalance timeout is max.poll.interval.ms: how long the member may take to revoke.
      rebalanceTimeoutMs: joining ? this.host.config['max.poll.interval.ms'] : -1,
      subscribedTopicNames: joining || this.sentTopics !== topicsKey ? topics : null,
      serverAssignor: joining ? this.host.config['group.remote.assignor'] : null,
      topicPartitions: joining ? [] : this.host.subscriptions.assignedPartitions().map((p) => ({ topic: p.topic, partition: p.partition })),
      clientId: String(this.host.ctx.id),
    })
    this.sentTopics = topicsKey
  }

  onHeartbeatResponse(response: ConsumerGroupHeartbeatResponse): void {
    const sent = this.inflight
    if (!sent || sent.correlationId !== response.correlationId) return
    this.host.ctx.cancelTimer(sent.timer)
    this.inflight = null
    if (this.state === 'LEAVING' || this.state === 'STALE' || this.state === 'UNSUBSCRIBED') return
    if (response.errorCode !== 'NONE') return this.onHeartbeatError(response)
    this.heartbeatIntervalMs = response.heartbeatIntervalMs
    const epochBefore = this.memberEpoch
    this.memberEpoch = response.memberEpoch
    if (this.memberEpoch !== epochBefore) {
      this.host.membershipChanged(this.memberId, this.memberEpoch, this.inGroup)
      this.host.ctx.emit('consumer-joined', { groupId: this.host.groupId, memberId: this.memberId, generationId: this.memberEpoch, protocol: 'consumer' })
    }
    if (response.assignment !== null) this.target = response.assignment.topicPartitions.map((p) => ({ topic: p.topic, partition: p.partition }))
    if (this.state === 'JOINING' || this.state === 'ACKNOWLEDGING') this.state = 'STABLE'
    this.maybeReconcile()
    // A reconciliation that finished at once has sent its acknowledgement and scheduled the next heartbeat.
    if ((this.state as ConsumerMemberState) !== 'ACKNOWLEDGING') this.scheduleHeartbeat(this.heartbeatIntervalMs)
  }

  /** AbstractHeartbeatRequestManager.onErrorResponse. */
  private onHeartbeatError(response: ConsumerGroupHeartbeatResponse): void {
    const backoffMs = this.host.config['retry.backoff.ms']
    switch (response.errorCode) {
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_NOT_AVAILABLE':
        this.host.markCoordinatorUnknown(`ConsumerGroupHeartbeat: ${response.errorCode}`)
        return this.scheduleHeartbeat(backoffMs)
      case 'COORDINATOR_LOAD_IN_PROGRESS':
        return this.scheduleHeartbeat(backoffMs)
      case 'FENCED_MEMBER_EPOCH':
      case 'UNKNOWN_MEMBER_ID':
      // The sandbox's coordinator answers GROUP_ID_NOT_FOUND to a member of a group it does not
      // have (e.g. its creation was lost with a coordinator); the member rejoins as if fenced.
      case 'GROUP_ID_NOT_FOUND':
        return this.transitionToFenced(`ConsumerGroupHeartbeat: ${response.errorCode}${response.errorMessage ? ` (${response.errorMessage})` : ''}`)
      default:
        // UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID, GROUP_MAX_SIZE_REACHED, UNSUPPORTED_ASSIGNOR,
        // INVALID_REQUEST, UNSUPPORTED_VERSION, INVALID_GROUP_ID...: fatal, the next poll() throws.
        this.state = 'FATAL'
        this.cancelHeartbeat()
        return this.host.fail(response.errorCode, response.errorMessage)
    }
  }

  /** transitionToFenced: the partitions are lost (onPartitionsLost at the next poll), then the member rejoins with epoch 0. */
  private transitionToFenced(reason: string): void {
    this.host.ctx.emit('consumer-member-fenced', { groupId: this.host.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, reason })
    this.state = 'FENCED'
    this.memberEpoch = JOIN_GROUP_MEMBER_EPOCH
    this.target = null
    this.host.membershipChanged(this.memberId, this.memberEpoch, false)
    if (this.host.subscriptions.size > 0) this.lostPending = true
    this.cancelHeartbeat()
  }

  /**
   * AbstractMembershipManager.maybeReconcile: the partitions owned but not in the target are
   * revoked (after the auto-commit of their positions), onPartitionsRevoked; then the new ones
   * are added, onPartitionsAssigned; then the member acknowledges with a heartbeat at once.
   */
  private maybeReconcile(): void {
    if (this.reconciling || this.target === null || !this.inGroup) return
    const target = this.target
    const owned = this.host.subscriptions.assignedPartitions()
    const targetKeys = new Set(target.map((p) => tpKey(p.topic, p.partition)))
    const ownedKeys = new Set(owned.map((p) => tpKey(p.topic, p.partition)))
    const revoked = owned.filter((p) => !targetKeys.has(tpKey(p.topic, p.partition)))
    const added = target.filter((p) => !ownedKeys.has(tpKey(p.topic, p.partition)))
    this.target = null
    if (revoked.length === 0 && added.length === 0) return
    this.reconciling = true
    this.state = 'RECONCILING'
    const epoch = this.memberEpoch
    this.host.ctx.emit('consumer-reconciliation-started', {
      groupId: this.host.groupId, memberId: this.memberId, memberEpoch: epoch,
      revoking: revoked.map((p) => tpKey(p.topic, p.partition)), adding: added.map((p) => tpKey(p.topic, p.partition)),
    })
    const finish = () => {
      this.reconciling = false
      // Fenced or left while committing: the reconciliation is dropped (its partitions are lost).
      if (this.state !== 'RECONCILING') return
      if (revoked.length > 0) {
        this.host.invokeListener('onPartitionsRevoked', revoked, 'the broker\'s target assignment no longer holds them')
        const gone = new Set(revoked.map((p) => tpKey(p.topic, p.partition)))
        this.host.subscriptions.assignFromSubscribed(this.host.subscriptions.assignedPartitions().filter((p) => !gone.has(tpKey(p.topic, p.partition))))
      }
      const now = [...this.host.subscriptions.assignedPartitions(), ...added].map((p) => ({ topic: p.topic, partition: p.partition }))
      this.host.subscriptions.assignFromSubscribed(now)
      this.reconciliations++
      this.host.ctx.emit('consumer-assignment-received', {
        groupId: this.host.groupId,
        generationId: this.memberEpoch,
        protocol: 'consumer',
        assigned: now.map((p) => tpKey(p.topic, p.partition)).sort(),
      })
      if (added.length > 0) this.host.invokeListener('onPartitionsAssigned', added)
      this.host.assignmentChanged()
      // ACKNOWLEDGING: the broker learns at once what the member now owns.
      this.state = 'ACKNOWLEDGING'
      this.cancelHeartbeat()
      this.sendHeartbeat()
      if (this.inflight === null) this.scheduleHeartbeat(this.heartbeatIntervalMs)
    }
    if (revoked.length > 0 && this.host.config['enable.auto.commit']) this.host.commitBeforeRevocation(finish)
    else finish()
  }

  // --- leaving --------------------------------------------------------------------------------

  /**
   * leaveGroup: a member in the group sends a heartbeat with epoch -1 (a static member -2, so
   * that it keeps its place until its session expires). `rejoin`: the member left on poll
   * timeout and rejoins at its next poll (its partitions are lost then).
   */
  leave(reason: string, rejoin: boolean): void {
    const coordinator = this.host.coordinator()
    if (this.inGroup && coordinator !== null) {
      const epoch = this.host.groupInstanceId !== null ? LEAVE_GROUP_STATIC_MEMBER_EPOCH : LEAVE_GROUP_MEMBER_EPOCH
      const correlationId = this.host.nextCorrelationId()
      this.host.ctx.send(coordinator, {
        type: 'ConsumerGroupHeartbeat', correlationId, groupId: this.host.groupId, memberId: this.memberId, memberEpoch: epoch,
        instanceId: this.host.groupInstanceId, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null, serverAssignor: null,
        topicPartitions: null, clientId: String(this.host.ctx.id),
      })
    }
    this.host.ctx.emit('consumer-left-group', { groupId: this.host.groupId, memberId: this.memberId, memberEpoch: this.memberEpoch, reason })
    if (this.inflight) this.host.ctx.cancelTimer(this.inflight.timer)
    this.inflight = null
    this.cancelHeartbeat()
    this.state = rejoin ? 'STALE' : 'UNSUBSCRIBED'
    this.memberEpoch = JOIN_GROUP_MEMBER_EPOCH
    this.target = null
    this.host.membershipChanged(this.memberId, this.memberEpoch, false)
    if (this.host.subscriptions.size > 0) this.lostPending = true
  }

  // --- timers and the coordinator ------------------------------------------------------------

  onHeartbeatTimer(): void {
    this.heartbeatTimer = null
    if (this.inflight === null) this.sendHeartbeat()
    if (this.state !== 'UNSUBSCRIBED' && this.state !== 'FATAL' && this.state !== 'STALE') this.scheduleHeartbeat(this.inflight === null ? this.host.config['retry.backoff.ms'] : this.heartbeatIntervalMs)
  }

  /** The coordinator was just found: a member that is joining or in the group heartbeats now. */
  onCoordinatorFound(): void {
    if (this.state !== 'UNSUBSCRIBED' && this.state !== 'FATAL' && this.state !== 'STALE' && this.state !== 'FENCED') this.sendHeartbeat()
  }

  /** The coordinator was lost: the heartbeat in flight is abandoned (the member keeps its partitions and epoch). */
  onCoordinatorUnknown(): void {
    if (this.inflight) this.host.ctx.cancelTimer(this.inflight.timer)
    this.inflight = null
  }

  /** A request this manager sent timed out: true when it was one. */
  onRequestTimeout(correlationId: number): boolean {
    if (this.inflight?.correlationId !== correlationId) return false
    this.inflight = null
    this.host.markCoordinatorUnknown('ConsumerGroupHeartbeat timed out')
    return true
  }

  private cancelHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.host.ctx.cancelTimer(this.heartbeatTimer)
    this.heartbeatTimer = null
  }

  view(): Record<string, unknown> {
    return { memberState: this.state, memberEpoch: this.memberEpoch, heartbeatIntervalMs: this.heartbeatIntervalMs, heartbeats: this.heartbeats, reconciliations: this.reconciliations }
  }
}
