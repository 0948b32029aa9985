// A Kafka broker in KRaft mode. It registers with the controller and heartbeats to stay
// unfenced; it reads the metadata log as an observer and, from what it replays, leads or
// follows the partitions it holds; it serves Produce, Fetch and Metadata requests; it
// fetches from leaders as a follower; and it runs the periodic duties of a broker: ISR
// expiration, high-watermark checkpoints, retention and compaction.
// Sources: core/src/main/scala/kafka/server/{ReplicaManager,KafkaApis,BrokerServer}.scala,
// server/.../BrokerLifecycleManager.java.

import type { BrokerConfig, TopicConfig } from '../config.ts'
import { KafkaError, type ErrorName } from '../errors.ts'
import { GroupCoordinator, type GroupView } from '../group/coordinator.ts'
import { GROUP_METADATA_TOPIC_NAME, offsetsPartitionFor } from '../group/offsets-topic.ts'
import type { LogConfig } from '../log/log-config.ts'
import { PartitionLog } from '../log/partition-log.ts'
import { MetadataImage, type PartitionState } from '../metadata/image.ts'
import { NO_LEADER } from '../metadata/records.ts'
import { invalidTopicName } from '../controller/admin.ts'
import { TopicConfigResolver } from '../metadata/topic-config.ts'
import type { Message, NodeContext, NodeId, SimNode } from '../node.ts'
import {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  firstCorrelationId,
  type AllocateProducerIdsRequest,
  type AllocateProducerIdsResponse,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  type ListOffsetsPartitionResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type AlterPartitionItem,
  type AlterPartitionRequest,
  type AlterPartitionResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type FindCoordinatorRequest,
  type FindCoordinatorResponse,
  type GroupRequest,
  type GroupResponse,
  type BrokerHeartbeatRequest,
  type BrokerHeartbeatResponse,
  type BrokerRegistrationRequest,
  type BrokerRegistrationResponse,
  type FetchPartitionResponse,
  type FetchRequest,
  type FetchResponse,
  type MetadataFetchRequest,
  type MetadataFetchResponse,
  type MetadataPartition,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataTopic,
  type ProducePartitionResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '../protocol.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../records.ts'
import { ConnectionGate } from './connections.ts'
import { ReplicaFetcher } from './fetcher.ts'
import { Partition, type IsrState, type PartitionHost } from './partition.ts'

/** controller.quorum.request.timeout.ms: an unanswered request to the controller is sent again. */
const CONTROLLER_REQUEST_TIMEOUT_MS = 2000
/**
 * Topic.INTERNAL_TOPICS (clients/.../common/internals/Topic.java). AutoTopicCreationManager
 * creates these with their own settings, never num.partitions/default.replication.factor; the
 * sandbox models only __consumer_offsets, so a Metadata request never creates the others.
 */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set([GROUP_METADATA_TOPIC_NAME, '__transaction_state', '__share_group_state'])
/** How long a broker waits on the metadata log for news before asking again. */
const METADATA_FETCH_MAX_WAIT_MS = 500
/** AlterPartitionManager retries a failed request after 50 ms. */
const ALTER_PARTITION_RETRY_MS = 50
/** Ask the controller for the next block once fewer than this many ids are left (10% of a 1000 block). */
const PRODUCER_ID_PREFETCH_REMAINING = 100
/** log.initial.task.delay.ms: retention starts 30 s after startup. */
const LOG_INITIAL_TASK_DELAY_MS = 30_000
const PARTITION_METADATA_FILE = 'partition.metadata'

export type BrokerLifecycle = 'starting' | 'recovery' | 'running'

export interface BrokerOptions {
  brokerId: number
  controller: NodeId
  /** The cluster config as the user wrote it (Kafka names). */
  config: Record<string, unknown>
  /**
   * Test-only, to show what KIP-101 fixed: on restart, truncate every log to its
   * checkpointed high watermark, as brokers did before leader epochs.
   */
  truncateToHighWatermarkOnRestart?: boolean
}

interface DelayedProduce {
  id: number
  from: NodeId
  request: ProduceRequest
  results: ProducePartitionResponse[]
  /** Result index -> the offset the HW must reach. */
  waiting: Map<number, number>
  timer: number
}

interface DelayedFetch {
  id: number
  from: NodeId
  request: FetchRequest
  timer: number
}

interface PendingRequest {
  correlationId: number
  timer: number
}

export interface BrokerPartitionView {
  topic: string
  partition: number
  role: 'leader' | 'follower'
  leaderId: number
  leaderEpoch: number
  partitionEpoch: number
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  /** The leader's committed ISR; absent on followers. */
  isr?: readonly number[]
  pendingIsrChange?: IsrState['kind']
}

export interface BrokerView {
  brokerId: number
  lifecycle: BrokerLifecycle
  brokerEpoch: number
  metadataOffset: number
  partitions: BrokerPartitionView[]
  /** The groups this broker coordinates now. */
  groups: GroupView[]
}

/** The requests the group coordinator serves, on the client's dedicated coordinator connection. */
const GROUP_REQUEST_TYPES = new Set(['JoinGroup', 'SyncGroup', 'Heartbeat', 'LeaveGroup', 'OffsetCommit', 'OffsetFetch', 'DescribeGroups', 'ListGroups', 'DeleteGroups', 'ConsumerGroupHeartbeat'])

export class Broker implements SimNode, PartitionHost {
  readonly brokerId: number
  brokerEpoch = -1
  lifecycle: BrokerLifecycle = 'starting'
  readonly image = new MetadataImage()
  /** Partitions this broker holds a replica of, by "topic-partition". */
  readonly partitions = new Map<string, Partition>()
  private readonly configs: TopicConfigResolver
  private readonly fetcher: ReplicaFetcher
  private readonly incarnationId: string
  private correlationIds: number
  private delayedIds = 0
  private registration: PendingRequest | null = null
  private registrationBackoffMs = 100
  private heartbeat: PendingRequest | null = null
  private metadataFetch: PendingRequest | null = null
  /** The controller's committed end of the metadata log, as last heard. */
  private metadataHighWatermark = 0
  private strayLogsChecked = false
  /** Whether this broker has acted on metadata yet (see caughtUpToRegistration). */
  private published = false
  private readonly alterQueue = new Set<Partition>()
  private alterInFlight: (PendingRequest & { sent: Map<string, { partition: Partition; state: IsrState }> }) | null = null
  private readonly delayedProduces = new Map<number, DelayedProduce>()
  private readonly delayedFetches = new Map<number, DelayedFetch>()
  private readonly connections = new ConnectionGate()
  /**
   * A consumer talks to its group coordinator over a connection of its own (the Java client
   * addresses the coordinator as node Integer.MAX_VALUE - brokerId), so that a JoinGroup
   * waiting for a rebalance does not hold up its fetches: group requests queue here.
   */
  private readonly coordinatorConnections = new ConnectionGate()
  readonly groupCoordinator: GroupCoordinator
  /** The CreateTopics for __consumer_offsets this broker sent (AutoTopicCreationManager), if unanswered. */
  private offsetsTopicCreation: PendingRequest | null = null
  /** CreateTopics this broker sent for Metadata requests (AutoTopicCreationManager), by correlation id, with the topics each names. */
  private readonly autoTopicCreations = new Map<number, PendingRequest & { topics: readonly string[] }>()
  /** The block of producer ids this broker hands out (from the controller), and the next one. */
  private producerIds: { next: number; end: number } | null = null
  private nextProducerIdBlock: { start: number; length: number } | null = null
  private producerIdRequest: PendingRequest | null = null
  /** Appends since the last flush, per partition, for flush.messages. */
  private readonly unflushed = new Map<string, { messages: number; sinceMs: number }>()

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: BrokerOptions,
  ) {
    this.brokerId = options.brokerId
    this.configs = new TopicConfigResolver(options.config, this.image)
    // A new process gets a new incarnation id (a Uuid in Kafka), from its own random stream.
    this.incarnationId = Math.floor(ctx.random() * 2 ** 52).toString(36)
    this.correlationIds = firstCorrelationId(ctx)
    const broker = this
    this.fetcher = new ReplicaFetcher({
      brokerId: this.brokerId,
      get brokerEpoch() {
        return broker.brokerEpoch
      },
      now: () => ctx.now,
      nextCorrelationId: () => ++this.correlationIds,
      send: (to, request) => ctx.send(to, request),
      setTimer: (delayMs, name, data) => ctx.setTimer(delayMs, name, data),
      cancelTimer: (timer) => ctx.cancelTimer(timer),
      fetchSettings: () => {
        const c = this.config
        return {
          maxWaitMs: c['replica.fetch.wait.max.ms'],
          minBytes: c['replica.fetch.min.bytes'],
          maxBytes: c['replica.fetch.response.max.bytes'],
          partitionMaxBytes: c['replica.fetch.max.bytes'],
          backoffMs: c['replica.fetch.backoff.ms'],
        }
      },
      appended: (partition, records) => this.afterAppend(partition, records),
      emit: (type, data) => ctx.emit(type, data),
    })
    this.groupCoordinator = new GroupCoordinator({
      brokerId: this.brokerId,
      now: () => ctx.now,
      config: () => this.config,
      random: () => ctx.random(),
      emit: (type, data) => ctx.emit(type, data),
      setTimer: (delayMs, name, data) => ctx.setTimer(delayMs, name, data),
      cancelTimer: (timer) => ctx.cancelTimer(timer),
      respond: (to, response) => this.respondGroup(to, response),
      append: (partition, records) => this.appendToOffsetsTopic(partition, records),
      partitionCount: (topic) => this.image.topic(topic)?.partitions.size,
      writeStatus: (partition, requiredOffset) => {
        const p = this.partitions.get(`${GROUP_METADATA_TOPIC_NAME}-${partition}`)
        return p ? p.checkEnoughReplicasReachOffset(requiredOffset) : { done: true, errorCode: 'NOT_LEADER_OR_FOLLOWER' }
      },
    })
  }

  get config(): BrokerConfig {
    return this.configs.clusterConfig
  }

  // --- PartitionHost ------------------------------------------------------------------

  now(): number {
    return this.ctx.now
  }

  topicConfig(topic: string): TopicConfig {
    return this.configs.topic(topic)
  }

  replicaLagTimeMaxMs(): number {
    return this.config['replica.lag.time.max.ms']
  }

  emit(type: string, data: Record<string, unknown>): void {
    this.ctx.emit(type, data)
  }

  submitAlterPartition(partition: Partition): void {
    this.alterQueue.add(partition)
    this.maybeSendAlterPartition()
  }

  // --- lifecycle ----------------------------------------------------------------------

  start(): void {
    this.ctx.emit('broker-starting', { brokerId: this.brokerId, incarnationId: this.incarnationId })
    this.sendRegistration()
    this.sendMetadataFetch()
    const c = this.config
    this.ctx.setTimer(c['replica.lag.time.max.ms'] / 2, 'isr-expiration')
    this.ctx.setTimer(c['replica.high.watermark.checkpoint.interval.ms'], 'hw-checkpoint')
    this.ctx.setTimer(LOG_INITIAL_TASK_DELAY_MS, 'log-retention')
    this.ctx.setTimer(c['log.cleaner.backoff.ms'], 'log-cleaner')
  }

  onMessage(from: NodeId, message: Message): void {
    switch (message.type) {
      case 'Produce':
      case 'Fetch':
      case 'Metadata':
      case 'ListOffsets':
      case 'InitProducerId':
      case 'FindCoordinator':
        // One request at a time per connection: later ones wait for this one's response.
        if (this.connections.admit(from, message)) this.handleRequest(from, message)
        return
      case 'CreateTopicsResponse':
        return this.onCreateTopicsResponse(message as CreateTopicsResponse)
      case 'AllocateProducerIdsResponse':
        return this.onAllocateProducerIds(message as AllocateProducerIdsResponse)
      case 'FetchResponse':
        return this.fetcher.onResponse(from as number, message as FetchResponse)
      case 'MetadataFetchResponse':
        return this.onMetadataFetchResponse(message as MetadataFetchResponse)
      case 'BrokerRegistrationResponse':
        return this.onRegistrationResponse(message as BrokerRegistrationResponse)
      case 'BrokerHeartbeatResponse':
        return this.onHeartbeatResponse(message as BrokerHeartbeatResponse)
      case 'AlterPartitionResponse':
        return this.onAlterPartitionResponse(message as AlterPartitionResponse)
      default:
        if (GROUP_REQUEST_TYPES.has(message.type) && this.coordinatorConnections.admit(from, message)) this.handleGroupRequest(from, message as GroupRequest)
    }
  }

  private handleGroupRequest(from: NodeId, request: GroupRequest): void {
    const coordinator = this.groupCoordinator
    switch (request.type) {
      case 'JoinGroup':
        return coordinator.handleJoinGroup(from, request)
      case 'SyncGroup':
        return coordinator.handleSyncGroup(from, request)
      case 'Heartbeat':
        return coordinator.handleHeartbeat(from, request)
      case 'LeaveGroup':
        return coordinator.handleLeaveGroup(from, request)
      case 'OffsetCommit':
        return coordinator.handleOffsetCommit(from, request)
      case 'OffsetFetch':
        return coordinator.handleOffsetFetch(from, request)
      case 'DescribeGroups':
        return coordinator.handleDescribeGroups(from, request)
      case 'ListGroups':
        return coordinator.handleListGroups(from, request)
      case 'DeleteGroups':
        return coordinator.handleDeleteGroups(from, request)
      case 'ConsumerGroupHeartbeat':
        return coordinator.handleConsumerGroupHeartbeat(from, request)
    }
  }

  /** Answers a group request and lets the coordinator connection carry the client's next one. */
  private respondGroup(to: NodeId, response: GroupResponse): void {
    this.ctx.send(to, response)
    const next = this.coordinatorConnections.release(to)
    if (next) this.ctx.setTimer(0, 'next-group-request', { from: to, request: next })
  }

  private handleRequest(from: NodeId, message: Message): void {
    switch (message.type) {
      case 'Produce':
        return this.handleProduce(from, message as ProduceRequest)
      case 'Fetch':
        return this.handleFetch(from, message as FetchRequest)
      case 'Metadata':
        return this.handleMetadata(from, message as MetadataRequest)
      case 'ListOffsets':
        return this.handleListOffsets(from, message as ListOffsetsRequest)
      case 'InitProducerId':
        return this.handleInitProducerId(from, message as InitProducerIdRequest)
      case 'FindCoordinator':
        return this.handleFindCoordinator(from, message as FindCoordinatorRequest)
    }
  }

  /** Sends the response to `to`'s current request, then handles its next one, if any waits. */
  private respond<Response extends Message>(to: NodeId, response: Response): void {
    this.ctx.send(to, response)
    this.requestDone(to)
  }

  /**
   * `from`'s current request is finished (answered, or acks=0 which has no answer). Its next
   * one is handled as an event of its own, as a request handler thread would pick it up:
   * handling it inside the current handler would interleave two requests' work.
   */
  private requestDone(from: NodeId): void {
    const next = this.connections.release(from)
    if (next) this.ctx.setTimer(0, 'next-request', { from, request: next })
  }

  onTimer(name: string, data: unknown): void {
    const c = this.config
    switch (name) {
      case 'next-request': {
        const { from, request } = data as { from: NodeId; request: Message }
        return this.handleRequest(from, request)
      }
      case 'next-group-request': {
        const { from, request } = data as { from: NodeId; request: GroupRequest }
        return this.handleGroupRequest(from, request)
      }
      case 'create-topics-timeout':
        if (this.offsetsTopicCreation?.correlationId === data) this.offsetsTopicCreation = null
        this.autoTopicCreations.delete(data as number)
        return
      case 'register':
        return this.sendRegistration()
      case 'registration-timeout':
        if (this.registration?.correlationId === data) {
          this.registration = null
          this.retryRegistration()
        }
        return
      case 'heartbeat':
        return this.sendHeartbeat()
      case 'heartbeat-timeout':
        if (this.heartbeat?.correlationId === data) {
          this.heartbeat = null
          this.ctx.setTimer(c['broker.heartbeat.interval.ms'], 'heartbeat')
        }
        return
      case 'metadata-fetch-timeout':
        if (this.metadataFetch?.correlationId === data) {
          this.metadataFetch = null
          this.sendMetadataFetch()
        }
        return
      case 'allocate-producer-ids-timeout':
        if (this.producerIdRequest?.correlationId === data) {
          this.producerIdRequest = null
          this.maybeRequestProducerIds()
        }
        return
      case 'alter-partition-retry':
        return this.maybeSendAlterPartition()
      case 'alter-partition-timeout':
        if (this.alterInFlight && this.alterInFlight.correlationId === data) {
          for (const { partition } of this.alterInFlight.sent.values()) this.alterQueue.add(partition)
          this.alterInFlight = null
          this.maybeSendAlterPartition()
        }
        return
      case 'isr-expiration':
        for (const partition of this.partitions.values()) partition.maybeShrinkIsr()
        this.ctx.setTimer(c['replica.lag.time.max.ms'] / 2, 'isr-expiration')
        return
      case 'hw-checkpoint':
        for (const partition of this.partitions.values()) partition.log.checkpointHighWatermark()
        this.ctx.setTimer(c['replica.high.watermark.checkpoint.interval.ms'], 'hw-checkpoint')
        return
      case 'log-retention':
        for (const partition of this.partitions.values()) {
          const deleted = partition.log.deleteRetainedSegments(this.ctx.now)
          if (deleted > 0) this.ctx.emit('log-segments-deleted', { topic: partition.topic, partition: partition.partition, segments: deleted, logStartOffset: partition.log.logStartOffset })
        }
        this.ctx.setTimer(c['log.retention.check.interval.ms'], 'log-retention')
        return
      case 'log-cleaner':
        for (const partition of this.partitions.values()) {
          const result = partition.log.compact(this.ctx.now)
          if (result.removedRecords > 0) this.ctx.emit('log-compacted', { topic: partition.topic, partition: partition.partition, ...result })
        }
        this.ctx.setTimer(c['log.cleaner.backoff.ms'], 'log-cleaner')
        return
      case 'produce-timeout':
        return this.expireProduce(data as number)
      case 'fetch-wait':
        return this.completeDelayedFetch(data as number)
      case 'fetch-backoff':
      case 'fetch-timeout':
        return this.fetcher.onTimer(name, data)
      default:
        if (name.startsWith('group-')) {
          this.groupCoordinator.onTimer(name, data, (partition) => this.partitions.get(`${GROUP_METADATA_TOPIC_NAME}-${partition}`)?.log.batches() ?? [])
        }
    }
  }

  snapshot(): BrokerView {
    return {
      brokerId: this.brokerId,
      lifecycle: this.lifecycle,
      brokerEpoch: this.brokerEpoch,
      metadataOffset: this.image.offset,
      partitions: [...this.partitions.values()].map((p) => {
        const view: BrokerPartitionView = {
          topic: p.topic,
          partition: p.partition,
          role: p.role,
          leaderId: p.leaderId,
          leaderEpoch: p.leaderEpoch,
          partitionEpoch: p.partitionEpoch,
          logStartOffset: p.log.logStartOffset,
          logEndOffset: p.log.logEndOffset,
          highWatermark: p.log.highWatermark,
        }
        if (p.isLeader) {
          view.isr = p.isr
          if (p.isrState.kind !== 'committed') view.pendingIsrChange = p.isrState.kind
        }
        return view
      }),
      groups: this.groupCoordinator.views(),
    }
  }

  // --- registration, heartbeats ------------------------------------------------------

  private sendRegistration(): void {
    const correlationId = ++this.correlationIds
    this.registration = { correlationId, timer: this.ctx.setTimer(CONTROLLER_REQUEST_TIMEOUT_MS, 'registration-timeout', correlationId) }
    this.ctx.send(this.options.controller, {
      type: 'BrokerRegistration',
      correlationId,
      brokerId: this.brokerId,
      incarnationId: this.incarnationId,
    } satisfies BrokerRegistrationRequest)
  }

  /** BrokerLifecycleManager backs off exponentially, up to half the session timeout. */
  private retryRegistration(): void {
    this.ctx.setTimer(this.registrationBackoffMs, 'register')
    this.registrationBackoffMs = Math.min(this.registrationBackoffMs * 2, this.config['broker.session.timeout.ms'] / 2)
  }

  private onRegistrationResponse(response: BrokerRegistrationResponse): void {
    if (this.registration?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.registration.timer)
    this.registration = null
    if (response.errorCode !== 'NONE') {
      this.ctx.emit('broker-registration-failed', { errorCode: response.errorCode })
      return this.retryRegistration()
    }
    this.brokerEpoch = response.brokerEpoch
    this.lifecycle = 'recovery'
    this.ctx.emit('broker-registered', { brokerEpoch: this.brokerEpoch })
    if (!this.published && this.caughtUpToRegistration()) this.publish(0)
    this.sendHeartbeat()
    this.maybeSendAlterPartition()
  }

  private sendHeartbeat(): void {
    if (this.heartbeat) return
    const correlationId = ++this.correlationIds
    this.heartbeat = { correlationId, timer: this.ctx.setTimer(CONTROLLER_REQUEST_TIMEOUT_MS, 'heartbeat-timeout', correlationId) }
    this.ctx.send(this.options.controller, {
      type: 'BrokerHeartbeat',
      correlationId,
      brokerId: this.brokerId,
      brokerEpoch: this.brokerEpoch,
      currentMetadataOffset: this.image.offset,
      wantFence: false,
    } satisfies BrokerHeartbeatRequest)
  }

  private onHeartbeatResponse(response: BrokerHeartbeatResponse): void {
    if (this.heartbeat?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.heartbeat.timer)
    this.heartbeat = null
    // Errors (STALE_BROKER_EPOCH included) are only retried: a broker never re-registers by itself.
    if (response.errorCode === 'NONE') {
      const lifecycle: BrokerLifecycle = response.isFenced ? (response.isCaughtUp ? 'recovery' : this.lifecycle) : 'running'
      if (lifecycle !== this.lifecycle) {
        this.lifecycle = lifecycle
        this.ctx.emit('broker-lifecycle', { lifecycle })
      }
    }
    this.ctx.setTimer(this.config['broker.heartbeat.interval.ms'], 'heartbeat')
  }

  // --- metadata ------------------------------------------------------------------------

  private sendMetadataFetch(): void {
    const correlationId = ++this.correlationIds
    this.metadataFetch = { correlationId, timer: this.ctx.setTimer(METADATA_FETCH_MAX_WAIT_MS + CONTROLLER_REQUEST_TIMEOUT_MS, 'metadata-fetch-timeout', correlationId) }
    this.ctx.send(this.options.controller, {
      type: 'MetadataFetch',
      correlationId,
      brokerId: this.brokerId,
      fetchOffset: this.image.offset + 1,
      maxWaitMs: METADATA_FETCH_MAX_WAIT_MS,
    } satisfies MetadataFetchRequest)
  }

  private onMetadataFetchResponse(response: MetadataFetchResponse): void {
    if (this.metadataFetch?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.metadataFetch.timer)
    this.metadataFetch = null
    this.metadataHighWatermark = response.highWatermark
    const fresh = response.entries.filter((entry) => entry.offset > this.image.offset)
    if (fresh.length > 0) {
      let configChanged = false
      for (const entry of fresh) {
        this.image.replay(entry)
        if (entry.record.type === 'Config' || entry.record.type === 'RemoveTopic') configChanged = true
      }
      if (configChanged) this.applyConfigChanges()
    }
    if ((fresh.length > 0 || !this.published) && this.caughtUpToRegistration()) this.publish(fresh.length)
    if (!this.strayLogsChecked && this.image.offset + 1 >= this.metadataHighWatermark) {
      this.strayLogsChecked = true
      this.deleteStrayLogs()
    }
    this.sendMetadataFetch()
  }

  /**
   * A starting broker acts on metadata only once it has replayed its own registration
   * (BrokerServer waits for the initial catch-up). By then the controller has moved any
   * leadership its previous life held: otherwise a restarted broker could lead, in an
   * old epoch, from a log that lost its tail.
   */
  private caughtUpToRegistration(): boolean {
    if (this.brokerEpoch < 0) return false
    return this.image.brokers.get(this.brokerId)?.incarnationId === this.incarnationId
  }

  /**
   * ReplicaManager.applyDelta: for every partition this broker holds a replica of, lead
   * or follow as the new image says; drop replicas it no longer holds. Updates older than
   * what the partition already knows (its partition epoch) are ignored.
   */
  private publish(newRecords: number): void {
    this.published = true
    this.ctx.emit('metadata-applied', { offset: this.image.offset, records: newRecords })
    for (const [key, partition] of [...this.partitions]) {
      const state = this.image.partition(partition.topicId, partition.partition)
      if (!state || !state.replicas.includes(this.brokerId)) this.dropPartition(key, partition, state ? 'no longer a replica' : 'topic deleted')
    }
    for (const topic of this.image.topicsById.values()) {
      for (const state of topic.partitions.values()) {
        if (!state.replicas.includes(this.brokerId)) continue
        const key = `${state.topic}-${state.partition}`
        let partition = this.partitions.get(key)
        const isNew = !partition
        if (!partition) partition = this.openPartition(state)
        if (!isNew && state.partitionEpoch <= partition.partitionEpoch && state.leaderEpoch <= partition.leaderEpoch) continue
        this.applyPartitionState(partition, state, isNew)
      }
    }
  }

  private applyPartitionState(partition: Partition, state: PartitionState, isNew: boolean): void {
    if (state.leader === this.brokerId) {
      const wasLeader = partition.isLeader
      const newEpoch = partition.makeLeader(state)
      if (!wasLeader) {
        this.fetcher.remove(partition)
        this.ctx.emit('become-leader', { topic: partition.topic, partition: partition.partition, leaderEpoch: partition.leaderEpoch, logEndOffset: partition.log.logEndOffset, isr: state.isr })
      } else if (newEpoch) {
        this.ctx.emit('leader-epoch-bumped', { topic: partition.topic, partition: partition.partition, leaderEpoch: partition.leaderEpoch })
      }
      this.tryCompleteDelayed(partition)
      if (partition.topic === GROUP_METADATA_TOPIC_NAME) this.groupCoordinator.onBecomeLeader(partition.partition, partition.leaderEpoch)
      return
    }
    const wasLeader = partition.isLeader
    if (partition.topic === GROUP_METADATA_TOPIC_NAME) this.groupCoordinator.onResign(partition.partition)
    const newEpoch = partition.makeFollower(state)
    if (wasLeader) this.tryCompleteDelayed(partition) // waiting produces now fail with NOT_LEADER_OR_FOLLOWER
    if (!newEpoch && !isNew) return
    if (state.leader === NO_LEADER) this.fetcher.remove(partition)
    else this.fetcher.add(partition, state.leader, state.leaderEpoch)
    this.ctx.emit('become-follower', { topic: partition.topic, partition: partition.partition, leader: state.leader, leaderEpoch: state.leaderEpoch, logEndOffset: partition.log.logEndOffset })
  }

  private openPartition(state: PartitionState): Partition {
    const storage = this.ctx.storage
    const dir = `${state.topic}-${state.partition}`
    const storedTopicId = storage.read<string>(`${dir}/${PARTITION_METADATA_FILE}`)
    if (storedTopicId !== undefined && storedTopicId !== state.topicId) this.deleteLogDir(dir) // a stray log of an older topic of that name
    storage.write(`${dir}/${PARTITION_METADATA_FILE}`, state.topicId)
    const log = PartitionLog.open(storage, dir, logConfigOf(this.topicConfig(state.topic)), this.ctx.now)
    if (this.options.truncateToHighWatermarkOnRestart && log.highWatermark < log.logEndOffset) {
      // Before KIP-101 a restarted follower cut its log back to its last checkpointed HW.
      this.ctx.emit('replica-truncated', { topic: state.topic, partition: state.partition, from: log.logEndOffset, to: log.highWatermark, reason: 'pre-KIP-101 truncation to the high watermark on restart' })
      log.truncateTo(log.highWatermark)
    }
    const partition = new Partition(state.topic, state.topicId, state.partition, log, this)
    this.partitions.set(partition.key, partition)
    return partition
  }

  private dropPartition(key: string, partition: Partition, reason: string): void {
    this.fetcher.remove(partition)
    partition.role = 'follower'
    this.partitions.delete(key)
    this.alterQueue.delete(partition)
    this.tryCompleteDelayed(partition)
    if (partition.topic === GROUP_METADATA_TOPIC_NAME) this.groupCoordinator.onResign(partition.partition)
    this.deleteLogDir(key)
    this.ctx.emit('replica-deleted', { topic: partition.topic, partition: partition.partition, reason })
  }

  /** Logs on disk for partitions the metadata no longer gives this broker (deleted while it was down). */
  private deleteStrayLogs(): void {
    const dirs = new Set(this.ctx.storage.logNames().map((name) => name.split('/')[0]!))
    for (const dir of dirs) {
      if (this.partitions.has(dir)) continue
      const topicId = this.ctx.storage.read<string>(`${dir}/${PARTITION_METADATA_FILE}`)
      const index = dir.lastIndexOf('-')
      const state = topicId === undefined ? undefined : this.image.partition(topicId, Number(dir.slice(index + 1)))
      if (!state || !state.replicas.includes(this.brokerId)) {
        this.deleteLogDir(dir)
        this.ctx.emit('replica-deleted', { dir, reason: 'stray log' })
      }
    }
  }

  private deleteLogDir(dir: string): void {
    const storage = this.ctx.storage
    for (const name of storage.logNames()) if (name.startsWith(`${dir}/`)) storage.deleteLog(name)
    for (const file of ['log-start-offset', 'leader-epoch-checkpoint', 'high-watermark', PARTITION_METADATA_FILE]) storage.remove(`${dir}/${file}`)
  }

  private applyConfigChanges(): void {
    this.configs.invalidate()
    for (const partition of this.partitions.values()) partition.log.updateConfig(logConfigOf(this.topicConfig(partition.topic)))
  }

  // --- AlterPartition ---------------------------------------------------------------

  /** One AlterPartition in flight per broker, carrying every partition's pending change. */
  private maybeSendAlterPartition(): void {
    if (this.alterInFlight || this.brokerEpoch < 0 || this.alterQueue.size === 0) return
    const sent = new Map<string, { partition: Partition; state: IsrState }>()
    const items: AlterPartitionItem[] = []
    for (const partition of this.alterQueue) {
      const item = partition.pendingAlterPartition()
      if (!item || !partition.isLeader) continue
      sent.set(partition.key, { partition, state: partition.isrState })
      items.push(item)
    }
    this.alterQueue.clear()
    if (items.length === 0) return
    const correlationId = ++this.correlationIds
    this.alterInFlight = { correlationId, timer: this.ctx.setTimer(CONTROLLER_REQUEST_TIMEOUT_MS, 'alter-partition-timeout', correlationId), sent }
    this.ctx.send(this.options.controller, {
      type: 'AlterPartition',
      correlationId,
      brokerId: this.brokerId,
      brokerEpoch: this.brokerEpoch,
      partitions: items,
    } satisfies AlterPartitionRequest)
  }

  private onAlterPartitionResponse(response: AlterPartitionResponse): void {
    const inFlight = this.alterInFlight
    if (!inFlight || inFlight.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(inFlight.timer)
    this.alterInFlight = null
    if (response.errorCode !== 'NONE') {
      for (const { partition } of inFlight.sent.values()) this.alterQueue.add(partition)
      this.ctx.setTimer(ALTER_PARTITION_RETRY_MS, 'alter-partition-retry')
      return
    }
    for (const item of response.partitions) {
      const entry = [...inFlight.sent.values()].find((e) => e.partition.topicId === item.topicId && e.partition.partition === item.partition)
      if (!entry) continue
      if (entry.partition.handleAlterPartitionResponse(entry.state, item) === 'retry') this.alterQueue.add(entry.partition)
      this.tryCompleteDelayed(entry.partition)
    }
    this.maybeSendAlterPartition()
  }

  // --- Produce ---------------------------------------------------------------------------

  private handleProduce(from: NodeId, request: ProduceRequest): void {
    const acks = request.acks
    if (acks !== -1 && acks !== 0 && acks !== 1) {
      // Every partition gets INVALID_REQUIRED_ACKS; nothing is appended.
      this.ctx.emit('produce-rejected', { errorCode: 'INVALID_REQUIRED_ACKS', acks })
      return this.respondProduce(from, request, request.partitions.map((p) => failedProduce(p.topic, p.partition, 'INVALID_REQUIRED_ACKS', `Invalid required acks ${String(acks)}: expected -1, 0 or 1`)))
    }
    const results: ProducePartitionResponse[] = []
    const waiting = new Map<number, number>()
    request.partitions.forEach((data, index) => {
      const partition = this.partitions.get(`${data.topic}-${data.partition}`)
      if (!partition || !partition.isLeader) {
        const errorCode = this.image.topic(data.topic)?.partitions.has(data.partition) ? 'NOT_LEADER_OR_FOLLOWER' : 'UNKNOWN_TOPIC_OR_PARTITION'
        results.push(failedProduce(data.topic, data.partition, errorCode, `broker ${this.brokerId} does not lead ${data.topic}-${data.partition}`))
        return
      }
      try {
        const append = partition.appendRecordsToLeader(data.records, acks, {
          producerId: data.producerId ?? NO_PRODUCER_ID,
          producerEpoch: data.producerEpoch ?? NO_PRODUCER_EPOCH,
          baseSequence: data.baseSequence ?? NO_SEQUENCE,
        }, data.compression ?? 'none')
        this.ctx.emit(append.duplicate ? 'append-duplicate' : 'append', {
          topic: data.topic,
          partition: data.partition,
          baseOffset: append.baseOffset,
          records: append.records,
          leaderEpoch: append.leaderEpoch,
          acks,
          producerId: data.producerId,
          baseSequence: data.baseSequence,
        })
        results.push({ topic: data.topic, partition: data.partition, errorCode: 'NONE', baseOffset: append.baseOffset, logStartOffset: partition.log.logStartOffset })
        if (acks === -1) waiting.set(index, append.lastOffset + 1)
        if (!append.duplicate) this.afterAppend(partition, append.records)
        if (append.highWatermarkIncreased) this.tryCompleteDelayed(partition)
      } catch (error) {
        if (!(error instanceof KafkaError)) throw error
        this.ctx.emit('produce-rejected', { topic: data.topic, partition: data.partition, errorCode: error.code })
        results.push(failedProduce(data.topic, data.partition, error.code, error.message))
      }
    })
    if (acks === 0) return this.requestDone(from) // no response at all; Kafka closes the connection on an error
    if (acks === 1 || waiting.size === 0) return this.respondProduce(from, request, results)
    // acks=all: answer once the HW passes each batch, or with REQUEST_TIMED_OUT at the timeout.
    const id = ++this.delayedIds
    const delayed: DelayedProduce = { id, from, request, results, waiting, timer: this.ctx.setTimer(request.timeoutMs, 'produce-timeout', id) }
    this.delayedProduces.set(id, delayed)
    this.tryCompleteProduce(delayed)
  }

  private tryCompleteProduce(delayed: DelayedProduce): void {
    for (const [index, requiredOffset] of delayed.waiting) {
      const result = delayed.results[index]!
      const partition = this.partitions.get(`${result.topic}-${result.partition}`)
      const check = partition ? partition.checkEnoughReplicasReachOffset(requiredOffset) : { done: true, errorCode: 'NOT_LEADER_OR_FOLLOWER' as const }
      if (!check.done) continue
      delayed.waiting.delete(index)
      if (check.errorCode !== 'NONE') delayed.results[index] = failedProduce(result.topic, result.partition, check.errorCode, `while waiting for replication of ${result.topic}-${result.partition}`)
    }
    if (delayed.waiting.size > 0) return
    this.ctx.cancelTimer(delayed.timer)
    this.delayedProduces.delete(delayed.id)
    this.respondProduce(delayed.from, delayed.request, delayed.results)
  }

  private expireProduce(id: number): void {
    const delayed = this.delayedProduces.get(id)
    if (!delayed) return
    this.delayedProduces.delete(id)
    for (const index of delayed.waiting.keys()) {
      const result = delayed.results[index]!
      // The records stay in the log: a timeout is ambiguous to the producer.
      delayed.results[index] = failedProduce(result.topic, result.partition, 'REQUEST_TIMED_OUT', `${result.topic}-${result.partition} was not replicated to the ISR within ${delayed.request.timeoutMs} ms`)
    }
    this.respondProduce(delayed.from, delayed.request, delayed.results)
  }

  private respondProduce(to: NodeId, request: ProduceRequest, partitions: ProducePartitionResponse[]): void {
    this.respond(to, { type: 'ProduceResponse', correlationId: request.correlationId, partitions } satisfies ProduceResponse)
  }

  /** After `records` records were appended (as leader or follower): the flush policy, and parked fetches may now have data. */
  private afterAppend(partition: Partition, records: number): void {
    const config = this.topicConfig(partition.topic)
    const flushMessages = config['flush.messages']
    const flushMs = config['flush.ms']
    const state = this.unflushed.get(partition.key) ?? { messages: 0, sinceMs: this.ctx.now }
    state.messages += records
    if (state.messages >= flushMessages || this.ctx.now - state.sinceMs >= flushMs) {
      // log.flush.interval.*: fsync. The sandbox's disk flushes as a whole, a little more than Kafka's per-log flush.
      this.ctx.storage.flush()
      this.unflushed.clear()
    } else {
      this.unflushed.set(partition.key, state)
    }
    if (partition.isLeader) this.tryCompleteDelayed(partition)
  }

  // --- Fetch -------------------------------------------------------------------------------

  private handleFetch(from: NodeId, request: FetchRequest): void {
    let bytes = 0
    let answerNow = request.maxWaitMs <= 0 || request.partitions.length === 0
    const touched: Partition[] = []
    const results = request.partitions.map((fp): FetchPartitionResponse => {
      const partition = this.partitions.get(`${fp.topic}-${fp.partition}`)
      if (!partition || partition.topicId !== fp.topicId) {
        answerNow = true
        const known = this.image.topic(fp.topic)?.partitions.has(fp.partition)
        return { topic: fp.topic, topicId: fp.topicId, partition: fp.partition, errorCode: known ? 'NOT_LEADER_OR_FOLLOWER' : 'UNKNOWN_TOPIC_OR_PARTITION', highWatermark: -1, logStartOffset: -1, batches: [] }
      }
      const highWatermarkBefore = partition.log.highWatermark
      const read = partition.readForFetch(fp, request.replicaId, request.replicaEpoch, Math.max(0, request.maxBytes - bytes), true)
      bytes += read.bytes
      if (read.response.errorCode !== 'NONE' || read.response.divergingEpoch) answerNow = true
      if (partition.log.highWatermark > highWatermarkBefore) touched.push(partition)
      return read.response
    })
    for (const partition of touched) this.tryCompleteDelayed(partition)
    if (answerNow || bytes >= request.minBytes) {
      this.respond(from, { type: 'FetchResponse', correlationId: request.correlationId, partitions: results } satisfies FetchResponse)
      return
    }
    // Nothing to send yet: park until data arrives or maxWaitMs passes (DelayedFetch).
    const id = ++this.delayedIds
    this.delayedFetches.set(id, { id, from, request, timer: this.ctx.setTimer(request.maxWaitMs, 'fetch-wait', id) })
  }

  /** DelayedFetch.tryComplete: enough bytes readable, or something changed that the fetcher must hear about. */
  private fetchIsReady(delayed: DelayedFetch): boolean {
    const isFollower = delayed.request.replicaId >= 0
    let bytes = 0
    for (const fp of delayed.request.partitions) {
      const partition = this.partitions.get(`${fp.topic}-${fp.partition}`)
      if (!partition || !partition.isLeader || partition.topicId !== fp.topicId) return true
      if (fp.currentLeaderEpoch !== -1 && fp.currentLeaderEpoch !== partition.leaderEpoch) return true
      if (fp.fetchOffset > partition.log.logEndOffset) return true
      bytes += partition.readableBytes(fp.fetchOffset, isFollower)
      if (bytes >= delayed.request.minBytes) return true
    }
    return false
  }

  private completeDelayedFetch(id: number): void {
    const delayed = this.delayedFetches.get(id)
    if (!delayed) return
    this.delayedFetches.delete(id)
    this.ctx.cancelTimer(delayed.timer)
    const { request } = delayed
    let bytes = 0
    const results = request.partitions.map((fp): FetchPartitionResponse => {
      const partition = this.partitions.get(`${fp.topic}-${fp.partition}`)
      if (!partition || partition.topicId !== fp.topicId) {
        return { topic: fp.topic, topicId: fp.topicId, partition: fp.partition, errorCode: 'NOT_LEADER_OR_FOLLOWER', highWatermark: -1, logStartOffset: -1, batches: [] }
      }
      // A re-read from purgatory does not count as the follower's progress again.
      const read = partition.readForFetch(fp, request.replicaId, request.replicaEpoch, Math.max(0, request.maxBytes - bytes), false)
      bytes += read.bytes
      return read.response
    })
    this.respond(delayed.from, { type: 'FetchResponse', correlationId: request.correlationId, partitions: results } satisfies FetchResponse)
  }

  /** Re-checks the requests waiting on a partition: acks=all produces and parked fetches. */
  private tryCompleteDelayed(partition: Partition): void {
    if (partition.topic === GROUP_METADATA_TOPIC_NAME) this.groupCoordinator.onPartitionProgress(partition.partition)
    for (const delayed of [...this.delayedProduces.values()]) {
      if (delayed.request.partitions.some((p) => p.topic === partition.topic && p.partition === partition.partition)) this.tryCompleteProduce(delayed)
    }
    for (const delayed of [...this.delayedFetches.values()]) {
      if (!delayed.request.partitions.some((p) => p.topic === partition.topic && p.partition === partition.partition)) continue
      if (this.fetchIsReady(delayed)) this.completeDelayedFetch(delayed.id)
    }
  }

  // --- Producer ids -----------------------------------------------------------------------

  /**
   * InitProducerId without a transactional id: a fresh producer id (epoch 0) from this
   * broker's block (RPCProducerIdManager). With no id left, COORDINATOR_LOAD_IN_PROGRESS,
   * which the producer retries, while a new block is fetched from the controller.
   */
  private handleInitProducerId(from: NodeId, request: InitProducerIdRequest): void {
    const respond = (errorCode: InitProducerIdResponse['errorCode'], producerId: number, producerEpoch: number) =>
      this.respond(from, { type: 'InitProducerIdResponse', correlationId: request.correlationId, errorCode, producerId, producerEpoch } satisfies InitProducerIdResponse)
    if (!this.producerIds || this.producerIds.next >= this.producerIds.end) {
      if (this.nextProducerIdBlock) {
        this.producerIds = { next: this.nextProducerIdBlock.start, end: this.nextProducerIdBlock.start + this.nextProducerIdBlock.length }
        this.nextProducerIdBlock = null
      } else {
        this.maybeRequestProducerIds()
        return respond('COORDINATOR_LOAD_IN_PROGRESS', -1, -1)
      }
    }
    const producerId = this.producerIds.next++
    // Fetch the next block once 90% of this one is used, as Kafka does.
    if (this.producerIds.end - this.producerIds.next < PRODUCER_ID_PREFETCH_REMAINING) this.maybeRequestProducerIds()
    this.ctx.emit('producer-id-assigned', { producerId, client: from })
    respond('NONE', producerId, 0)
  }

  private maybeRequestProducerIds(): void {
    if (this.producerIdRequest || this.nextProducerIdBlock || this.brokerEpoch < 0) return
    const correlationId = ++this.correlationIds
    this.producerIdRequest = { correlationId, timer: this.ctx.setTimer(CONTROLLER_REQUEST_TIMEOUT_MS, 'allocate-producer-ids-timeout', correlationId) }
    this.ctx.send(this.options.controller, { type: 'AllocateProducerIds', correlationId, brokerId: this.brokerId, brokerEpoch: this.brokerEpoch } satisfies AllocateProducerIdsRequest)
  }

  private onAllocateProducerIds(response: AllocateProducerIdsResponse): void {
    if (this.producerIdRequest?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.producerIdRequest.timer)
    this.producerIdRequest = null
    if (response.errorCode !== 'NONE') return // the next InitProducerId asks again
    this.nextProducerIdBlock = { start: response.producerIdStart, length: response.producerIdLen }
  }

  // --- Group coordinator lookup, and __consumer_offsets ----------------------------------

  /**
   * FindCoordinator (KafkaApis.getCoordinator): any broker answers with the leader of the
   * group's __consumer_offsets partition. Without the topic, the broker asks the controller
   * to create it (AutoTopicCreationManager) and answers COORDINATOR_NOT_AVAILABLE, which the
   * client retries; so the topic appears when the first group client looks for its
   * coordinator, as in Kafka.
   */
  private handleFindCoordinator(from: NodeId, request: FindCoordinatorRequest): void {
    const respond = (errorCode: ErrorName, nodeId: number, errorMessage?: string) =>
      this.respond(from, { type: 'FindCoordinatorResponse', correlationId: request.correlationId, errorCode, nodeId, ...(errorMessage ? { errorMessage } : {}) } satisfies FindCoordinatorResponse)
    if (typeof request.key !== 'string' || request.key === '') return respond('INVALID_REQUEST', -1, 'the group id is empty')
    const topic = this.image.topic(GROUP_METADATA_TOPIC_NAME)
    if (!topic) {
      this.maybeCreateOffsetsTopic()
      return respond('COORDINATOR_NOT_AVAILABLE', -1, `${GROUP_METADATA_TOPIC_NAME} does not exist yet: asked the controller to create it`)
    }
    const partition = offsetsPartitionFor(request.key, topic.partitions.size)
    const leader = topic.partitions.get(partition)?.leader ?? NO_LEADER
    if (leader === NO_LEADER || !this.image.isUnfenced(leader)) return respond('COORDINATOR_NOT_AVAILABLE', -1, `${GROUP_METADATA_TOPIC_NAME}-${partition} has no leader`)
    respond('NONE', leader)
  }

  private maybeCreateOffsetsTopic(): void {
    if (this.offsetsTopicCreation) return
    const c = this.config
    const correlationId = ++this.correlationIds
    this.offsetsTopicCreation = { correlationId, timer: this.ctx.setTimer(CONTROLLER_REQUEST_TIMEOUT_MS, 'create-topics-timeout', correlationId) }
    this.ctx.emit('offsets-topic-create-requested', { partitions: c['offsets.topic.num.partitions'], replicationFactor: c['offsets.topic.replication.factor'] })
    this.ctx.send(this.options.controller, {
      type: 'CreateTopics',
      correlationId,
      topics: [{
        name: GROUP_METADATA_TOPIC_NAME,
        numPartitions: c['offsets.topic.num.partitions'],
        replicationFactor: c['offsets.topic.replication.factor'],
        // GroupCoordinatorService.groupMetadataTopicConfigs: compacted, its own segment size
        // (Kafka also sets compression.type=producer, the default, which the sandbox does not model).
        configs: { 'cleanup.policy': 'compact', 'segment.bytes': String(c['offsets.topic.segment.bytes']) },
      }],
    } satisfies CreateTopicsRequest)
  }

  private onCreateTopicsResponse(response: CreateTopicsResponse): void {
    const autoCreation = this.autoTopicCreations.get(response.correlationId)
    if (autoCreation) {
      this.ctx.cancelTimer(autoCreation.timer)
      this.autoTopicCreations.delete(response.correlationId)
      for (const topic of response.topics) {
        if (topic.errorCode !== 'NONE' && topic.errorCode !== 'TOPIC_ALREADY_EXISTS') this.ctx.emit('auto-topic-create-failed', { topic: topic.name, errorCode: topic.errorCode, errorMessage: topic.errorMessage ?? '' })
      }
      return
    }
    if (this.offsetsTopicCreation?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.offsetsTopicCreation.timer)
    this.offsetsTopicCreation = null
    for (const topic of response.topics) {
      if (topic.errorCode !== 'NONE' && topic.errorCode !== 'TOPIC_ALREADY_EXISTS') this.ctx.emit('offsets-topic-create-failed', { errorCode: topic.errorCode, errorMessage: topic.errorMessage ?? '' })
    }
  }

  /** A coordinator write: appended as leader with acks=all semantics (the coordinator waits for the HW). */
  private appendToOffsetsTopic(partitionIndex: number, records: readonly { key: string | null; value: string | null; timestamp: number }[]): { requiredOffset: number } | { errorCode: ErrorName } {
    const partition = this.partitions.get(`${GROUP_METADATA_TOPIC_NAME}-${partitionIndex}`)
    if (!partition || !partition.isLeader) return { errorCode: 'NOT_LEADER_OR_FOLLOWER' }
    try {
      const append = partition.appendRecordsToLeader(records, -1, { producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH, baseSequence: NO_SEQUENCE })
      this.ctx.emit('coordinator-append', { topic: partition.topic, partition: partition.partition, baseOffset: append.baseOffset, records: append.records, leaderEpoch: append.leaderEpoch })
      this.afterAppend(partition, append.records)
      return { requiredOffset: append.lastOffset + 1 }
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error
      return { errorCode: error.code }
    }
  }

  // --- ListOffsets -------------------------------------------------------------------------

  /**
   * Where a partition starts (EARLIEST), where its committed part ends (LATEST: the HW),
   * or the first offset with a timestamp at or after the one given. A new leader whose HW
   * has not yet caught up to its epoch's start answers OFFSET_NOT_AVAILABLE
   * (Partition.fetchOffsetForTimestamp).
   */
  private handleListOffsets(from: NodeId, request: ListOffsetsRequest): void {
    const partitions = request.partitions.map((lp): ListOffsetsPartitionResponse => {
      const base = { topic: lp.topic, partition: lp.partition }
      const fail = (errorCode: ListOffsetsPartitionResponse['errorCode']): ListOffsetsPartitionResponse => ({ ...base, errorCode, offset: -1, timestamp: -1, leaderEpoch: -1 })
      const partition = this.partitions.get(`${lp.topic}-${lp.partition}`)
      if (!partition) return fail(this.image.topic(lp.topic)?.partitions.has(lp.partition) ? 'NOT_LEADER_OR_FOLLOWER' : 'UNKNOWN_TOPIC_OR_PARTITION')
      if (lp.currentLeaderEpoch !== -1) {
        if (partition.leaderEpoch > lp.currentLeaderEpoch) return fail('FENCED_LEADER_EPOCH')
        if (partition.leaderEpoch < lp.currentLeaderEpoch) return fail('UNKNOWN_LEADER_EPOCH')
      }
      if (!partition.isLeader) return fail('NOT_LEADER_OR_FOLLOWER')
      const log = partition.log
      const answer = (offset: number, timestamp: number): ListOffsetsPartitionResponse => ({ ...base, errorCode: 'NONE', offset, timestamp, leaderEpoch: partition.leaderEpoch })
      if (lp.timestamp === EARLIEST_TIMESTAMP) return answer(log.logStartOffset, -1)
      if (partition.leaderEpochStartOffset !== null && partition.leaderEpochStartOffset > log.highWatermark) return fail('OFFSET_NOT_AVAILABLE')
      if (lp.timestamp === LATEST_TIMESTAMP) return answer(log.highWatermark, -1)
      if (lp.timestamp < 0) return fail('INVALID_REQUEST')
      for (const batch of log.batches()) {
        if (batch.baseOffset >= log.highWatermark) break
        if (batch.maxTimestamp < lp.timestamp) continue
        for (const record of batch.records) {
          const offset = batch.baseOffset + record.offsetDelta
          if (record.timestamp >= lp.timestamp && offset < log.highWatermark) return answer(offset, record.timestamp)
        }
      }
      return answer(-1, -1)
    })
    this.respond(from, { type: 'ListOffsetsResponse', correlationId: request.correlationId, partitions } satisfies ListOffsetsResponse)
  }

  // --- Metadata (clients) ----------------------------------------------------------------

  /**
   * Metadata (KafkaApis.handleTopicMetadataRequest / getTopicMetadata). A named topic that does
   * not exist is created when the request allows it and auto.create.topics.enable is on:
   * AutoTopicCreationManager asks the controller with num.partitions and
   * default.replication.factor (__consumer_offsets with its own settings) and the answer is
   * LEADER_NOT_AVAILABLE, or UNKNOWN_TOPIC_OR_PARTITION while an earlier ask is still in flight;
   * the client asks again until the topic has leaders. Otherwise UNKNOWN_TOPIC_OR_PARTITION,
   * or INVALID_TOPIC_EXCEPTION for an illegal name (Topic.validate).
   */
  private handleMetadata(from: NodeId, request: MetadataRequest): void {
    const names = request.topics ?? [...this.image.topicIdsByName.keys()].sort()
    const autoCreate = request.topics !== null && request.allowAutoTopicCreation === true && this.config['auto.create.topics.enable']
    const toCreate: string[] = []
    const missingTopicError = (name: string): ErrorName => {
      if (invalidTopicName(name) !== null) return 'INVALID_TOPIC_EXCEPTION'
      if (!autoCreate) return 'UNKNOWN_TOPIC_OR_PARTITION'
      if (name === GROUP_METADATA_TOPIC_NAME) {
        this.maybeCreateOffsetsTopic()
        return 'LEADER_NOT_AVAILABLE'
      }
      if (INTERNAL_TOPICS.has(name)) return 'UNKNOWN_TOPIC_OR_PARTITION' // not modelled by the sandbox
      // AutoTopicCreationManager.filterCreatableTopics: one CreateTopics per topic at a time (inflightTopics).
      if ([...this.autoTopicCreations.values()].some((c) => c.topics.includes(name))) return 'UNKNOWN_TOPIC_OR_PARTITION'
      if (!toCreate.includes(name)) toCreate.push(name)
      return 'LEADER_NOT_AVAILABLE'
    }
    const topics = names.map((name): MetadataTopic => {
      const topic = this.image.topic(name)
      if (!topic) return { name, topicId: '', errorCode: missingTopicError(name), partitions: [] }
      const partitions = [...topic.partitions.values()]
        .sort((a, b) => a.partition - b.partition)
        .map((p): MetadataPartition => ({
          partition: p.partition,
          errorCode: p.leader === NO_LEADER ? 'LEADER_NOT_AVAILABLE' : 'NONE',
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
          offlineReplicas: p.replicas.filter((r) => !this.image.isUnfenced(r)),
        }))
      return { name, topicId: topic.topicId, errorCode: 'NONE', partitions }
    })
    this.respond(from, {
      type: 'MetadataResponse',
      correlationId: request.correlationId,
      brokers: this.image.unfencedBrokerIds(),
      controllerId: String(this.options.controller),
      topics,
    } satisfies MetadataResponse)
    if (toCreate.length > 0) this.autoCreateTopics(toCreate)
  }

  /** AutoTopicCreationManager.createTopics: one CreateTopics to the controller with the broker's defaults for new topics. */
  private autoCreateTopics(names: readonly string[]): void {
    const c = this.config
    const correlationId = ++this.correlationIds
    this.autoTopicCreations.set(correlationId, { correlationId, topics: names, timer: this.ctx.setTimer(CONTROLLER_REQUEST_TIMEOUT_MS, 'create-topics-timeout', correlationId) })
    this.ctx.emit('auto-topic-create-requested', { topics: names, partitions: c['num.partitions'], replicationFactor: c['default.replication.factor'] })
    this.ctx.send(this.options.controller, {
      type: 'CreateTopics',
      correlationId,
      topics: names.map((name) => ({ name, numPartitions: c['num.partitions'], replicationFactor: c['default.replication.factor'], configs: {} })),
    } satisfies CreateTopicsRequest)
  }
}

function failedProduce(topic: string, partition: number, errorCode: ProducePartitionResponse['errorCode'], errorMessage: string): ProducePartitionResponse {
  return { topic, partition, errorCode, baseOffset: -1, logStartOffset: -1, errorMessage }
}

/** The parts of a topic's config its log needs, in the log's units. */
export function logConfigOf(config: TopicConfig): LogConfig {
  return {
    segmentBytes: config['segment.bytes'],
    segmentMs: config['segment.ms'],
    retentionMs: config['retention.ms'],
    retentionBytes: config['retention.bytes'],
    cleanupPolicy: config['cleanup.policy'],
    deleteRetentionMs: config['delete.retention.ms'],
    minCompactionLagMs: config['min.compaction.lag.ms'],
    maxMessageBytes: config['max.message.bytes'],
  }
}
