// The KRaft controller (one active controller; a Raft quorum of them comes later). Its
// state is the metadata log: every decision (register a broker, fence it, elect a
// leader, shrink an ISR, create a topic) is a record appended to the log, flushed, and
// replayed into the controller's image; brokers fetch the same records and replay them.
// Sources: metadata/.../controller/QuorumController.java, ReplicationControlManager.java,
// ClusterControlManager.java, BrokerHeartbeatManager.java.

import type { BrokerConfig, TopicConfig } from '../config.ts'
import { MetadataImage, type PartitionState } from '../metadata/image.ts'
import { NO_LEADER, type MetadataLogEntry, type MetadataRecord } from '../metadata/records.ts'
import { TopicConfigResolver } from '../metadata/topic-config.ts'
import type { Message, NodeContext, NodeId, SimNode, TimerId } from '../node.ts'
import type {
  CreateTopicsRequest,
  CreateTopicsResponse,
  AllocateProducerIdsRequest,
  AllocateProducerIdsResponse,
  AlterPartitionItemResponse,
  AlterPartitionRequest,
  AlterPartitionResponse,
  BrokerHeartbeatRequest,
  BrokerHeartbeatResponse,
  BrokerRegistrationRequest,
  BrokerRegistrationResponse,
  MetadataFetchRequest,
  MetadataFetchResponse,
} from '../protocol.ts'
import { runAdminCommand, type AdminCommand, type AdminResult } from './admin.ts'
import { ControllerMetadataLog } from './metadata-log.ts'
import { buildPartitionChange, type Election, type PartitionChange, type PartitionChangeRequest } from './partition-change.ts'

/** How many metadata records one MetadataFetch response carries at most. */
const MAX_FETCH_ENTRIES = 2000
/** PeriodicTask.IMMEDIATE_PERIOD_NS: a task that did work runs again 10 ms later. */
const IMMEDIATE_RERUN_MS = 10
/** unclean.leader.election.interval.ms, an internal Kafka config (5 minutes). */
const UNCLEAN_ELECTION_INTERVAL_MS = 300_000
/** MAX_ELECTIONS_PER_IMBALANCE in ReplicationControlManager. */
const MAX_ELECTIONS_PER_RUN = 1000
/** ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
const PRODUCER_ID_BLOCK_SIZE = 1000

interface ParkedFetch {
  id: number
  from: NodeId
  request: MetadataFetchRequest
  timer: TimerId
}

export interface ControllerView {
  nodeId: NodeId
  metadataOffset: number
  brokers: { id: number; epoch: number; fenced: boolean; lastHeartbeatMs: number | null }[]
}

export class Controller implements SimNode {
  readonly image = new MetadataImage()
  private readonly log: ControllerMetadataLog
  /** When each broker's current registration last heartbeated (BrokerHeartbeatTracker): volatile. */
  private readonly lastContact = new Map<number, { brokerEpoch: number; timeMs: number }>()
  private parked: ParkedFetch[] = []
  private nextParkedId = 0
  private readonly configs: TopicConfigResolver

  constructor(
    private readonly ctx: NodeContext,
    /** The cluster config as the user wrote it (Kafka names): the controller's static config. */
    staticConfig: Record<string, unknown>,
  ) {
    this.log = new ControllerMetadataLog(ctx.storage)
    // A (re)started controller is exactly its log, replayed.
    for (const entry of this.log.entriesFrom(0, Number.MAX_SAFE_INTEGER)) this.image.replay(entry)
    this.configs = new TopicConfigResolver(staticConfig, this.image)
  }

  start(): void {
    // Every registered broker gets a full session from now (QuorumController.activate).
    for (const broker of this.image.brokers.values()) {
      if (!broker.fenced) this.lastContact.set(broker.brokerId, { brokerEpoch: broker.brokerEpoch, timeMs: this.ctx.now })
    }
    this.ctx.emit('controller-activated', { metadataOffset: this.image.offset })
    this.ctx.setTimer(this.fenceCheckPeriodMs(), 'fence-stale-brokers')
    if (this.clusterConfig['auto.leader.rebalance.enable']) {
      this.ctx.setTimer(this.clusterConfig['leader.imbalance.check.interval.seconds'] * 1000, 'balance-leaders')
    }
    this.ctx.setTimer(UNCLEAN_ELECTION_INTERVAL_MS, 'elect-unclean')
  }

  onMessage(from: NodeId, message: Message): void {
    switch (message.type) {
      case 'BrokerRegistration':
        return this.handleRegistration(from, message as BrokerRegistrationRequest)
      case 'BrokerHeartbeat':
        return this.handleHeartbeat(from, message as BrokerHeartbeatRequest)
      case 'MetadataFetch':
        return this.handleMetadataFetch(from, message as MetadataFetchRequest)
      case 'AlterPartition':
        return this.handleAlterPartition(from, message as AlterPartitionRequest)
      case 'AllocateProducerIds':
        return this.handleAllocateProducerIds(from, message as AllocateProducerIdsRequest)
      case 'CreateTopics':
        return this.handleCreateTopics(from, message as CreateTopicsRequest)
    }
  }

  /**
   * CreateTopics from a broker creating an internal topic on demand (AutoTopicCreationManager:
   * __consumer_offsets, when the first FindCoordinator asks). Each topic is created as an
   * operator's createTopic would be, or refused with Kafka's error (INVALID_REPLICATION_FACTOR
   * while fewer brokers than offsets.topic.replication.factor are registered).
   */
  private handleCreateTopics(from: NodeId, request: CreateTopicsRequest): void {
    const topics = request.topics.map((topic) => {
      const result = this.onCommand({ op: 'createTopic', name: topic.name, partitions: topic.numPartitions, replicationFactor: topic.replicationFactor, configs: topic.configs })
      return { name: topic.name, errorCode: result.errorCode, ...(result.errorMessage ? { errorMessage: result.errorMessage } : {}) }
    })
    this.ctx.send(from, { type: 'CreateTopicsResponse', correlationId: request.correlationId, topics } satisfies CreateTopicsResponse)
  }

  onTimer(name: string, data: unknown): void {
    switch (name) {
      case 'fence-stale-brokers':
        this.ctx.setTimer(this.maybeFenceOneStaleBroker() ? IMMEDIATE_RERUN_MS : this.fenceCheckPeriodMs(), 'fence-stale-brokers')
        return
      case 'balance-leaders':
        this.ctx.setTimer(this.balanceLeaders() ? IMMEDIATE_RERUN_MS : this.clusterConfig['leader.imbalance.check.interval.seconds'] * 1000, 'balance-leaders')
        return
      case 'elect-unclean':
        this.electUncleanLeaders()
        this.ctx.setTimer(UNCLEAN_ELECTION_INTERVAL_MS, 'elect-unclean')
        return
      case 'metadata-fetch-expired':
        this.answerParked((parked) => parked.id === data)
        return
    }
  }

  /** Operator requests (createTopic, electLeaders, ...): validated in full, then written at once. */
  onCommand(command: unknown): AdminResult {
    const { result, records } = runAdminCommand(
      {
        image: this.image,
        clusterConfigInput: () => this.configs.clusterConfigInput(),
        defaultPartitions: this.clusterConfig['num.partitions'],
        defaultReplicationFactor: this.clusterConfig['default.replication.factor'],
        random: () => this.ctx.random(),
        newTopicId: () => this.newTopicId(),
        change: (partition, options) =>
          this.change(partition, { isAcceptableLeader: (r) => this.isActive(r), ...options }),
        isActive: (r) => this.isActive(r),
        uncleanElectionEnabled: (topic) => this.topicConfig(topic)['unclean.leader.election.enable'],
      },
      command as AdminCommand,
    )
    this.write(records, `admin ${(command as AdminCommand).op}`)
    return result
  }

  snapshot(): ControllerView {
    return {
      nodeId: this.ctx.id,
      metadataOffset: this.image.offset,
      brokers: [...this.image.brokers.values()].map((b) => ({
        id: b.brokerId,
        epoch: b.brokerEpoch,
        fenced: b.fenced,
        lastHeartbeatMs: this.lastContact.get(b.brokerId)?.timeMs ?? null,
      })),
    }
  }

  /** Up to `max` metadata log entries from `fromOffset` on, for views of the metadata log. */
  metadataLogEntries(fromOffset: number, max: number): MetadataLogEntry[] {
    return this.log.entriesFrom(fromOffset, max)
  }

  /** The effective config of a topic, as this controller resolves it. */
  topicConfig(topic: string): TopicConfig {
    return this.configs.topic(topic)
  }

  /** The cluster config in force: the static config with dynamic overrides applied. */
  get config(): BrokerConfig {
    return this.configs.clusterConfig
  }

  private get clusterConfig(): BrokerConfig {
    return this.configs.clusterConfig
  }

  // --- brokers ---------------------------------------------------------------------

  private handleRegistration(from: NodeId, request: BrokerRegistrationRequest): void {
    const existing = this.image.brokers.get(request.brokerId)
    const respond = (errorCode: BrokerRegistrationResponse['errorCode'], brokerEpoch: number) =>
      this.ctx.send(from, { type: 'BrokerRegistrationResponse', correlationId: request.correlationId, errorCode, brokerEpoch } satisfies BrokerRegistrationResponse)
    if (existing && existing.incarnationId === request.incarnationId) return respond('NONE', existing.brokerEpoch)
    if (existing && this.hasValidSession(existing.brokerId)) {
      // The old process may still be alive: a new one must wait until its session expires.
      this.ctx.emit('broker-registration-rejected', { brokerId: request.brokerId, reason: 'DUPLICATE_BROKER_REGISTRATION' })
      return respond('DUPLICATE_BROKER_REGISTRATION', -1)
    }
    // A restarted broker shut down uncleanly: it leaves every ISR and its leaderships move.
    const records: MetadataRecord[] = existing ? this.removeFromIsrs(existing.brokerId, this.elrEnabled()) : []
    const brokerEpoch = this.log.nextOffset
    records.push({ type: 'RegisterBroker', brokerId: request.brokerId, incarnationId: request.incarnationId, brokerEpoch, fenced: true })
    this.write(records, `register broker ${request.brokerId}`)
    this.lastContact.set(request.brokerId, { brokerEpoch, timeMs: this.ctx.now })
    respond('NONE', brokerEpoch)
  }

  private handleHeartbeat(from: NodeId, request: BrokerHeartbeatRequest): void {
    const registration = this.image.brokers.get(request.brokerId)
    const respond = (errorCode: BrokerHeartbeatResponse['errorCode'], isCaughtUp: boolean, isFenced: boolean) =>
      this.ctx.send(from, { type: 'BrokerHeartbeatResponse', correlationId: request.correlationId, errorCode, isCaughtUp, isFenced } satisfies BrokerHeartbeatResponse)
    if (!registration || registration.brokerEpoch !== request.brokerEpoch) return respond('STALE_BROKER_EPOCH', false, true)
    this.lastContact.set(request.brokerId, { brokerEpoch: registration.brokerEpoch, timeMs: this.ctx.now })
    const isCaughtUp = request.currentMetadataOffset >= registration.registrationOffset
    if (registration.fenced && !request.wantFence && isCaughtUp) this.unfence(request.brokerId)
    respond('NONE', isCaughtUp, this.image.brokers.get(request.brokerId)!.fenced)
  }

  /** Fences at most one broker whose session expired, the longest-silent first; true if it did. */
  private maybeFenceOneStaleBroker(): boolean {
    const sessionTimeoutMs = this.clusterConfig['broker.session.timeout.ms']
    let stale: { brokerId: number; timeMs: number } | undefined
    for (const [brokerId, contact] of this.lastContact) {
      const registration = this.image.brokers.get(brokerId)
      if (!registration || registration.brokerEpoch !== contact.brokerEpoch) {
        this.lastContact.delete(brokerId)
        continue
      }
      if (registration.fenced || !(contact.timeMs + sessionTimeoutMs < this.ctx.now)) continue
      if (!stale || contact.timeMs < stale.timeMs || (contact.timeMs === stale.timeMs && brokerId < stale.brokerId)) stale = { brokerId, timeMs: contact.timeMs }
    }
    if (!stale) return false
    const registration = this.image.brokers.get(stale.brokerId)!
    const records = this.removeFromIsrs(stale.brokerId, false)
    records.push({ type: 'BrokerRegistrationChange', brokerId: stale.brokerId, brokerEpoch: registration.brokerEpoch, fenced: true })
    this.write(records, `fence broker ${stale.brokerId}: no heartbeat for ${Math.round(this.ctx.now - stale.timeMs)} ms`)
    return true
  }

  private unfence(brokerId: number): void {
    const registration = this.image.brokers.get(brokerId)!
    const records: MetadataRecord[] = [{ type: 'BrokerRegistrationChange', brokerId, brokerEpoch: registration.brokerEpoch, fenced: false }]
    // Only leaderless partitions are revisited: the broker may now lead them.
    for (const partition of this.partitions()) {
      if (partition.leader !== NO_LEADER || !partition.replicas.includes(brokerId)) continue
      const change = this.change(partition, { isAcceptableLeader: (r) => r === brokerId || this.isActive(r) })
      if (change.record) records.push(change.record)
    }
    this.write(records, `unfence broker ${brokerId}`)
  }

  /** handleBrokerFenced / handleBrokerShutdown: the broker leaves every ISR (and, if it crashed, the ELR). */
  private removeFromIsrs(brokerId: number, uncleanShutdown: boolean): MetadataRecord[] {
    const records: MetadataRecord[] = []
    for (const partition of this.partitions()) {
      const inIsr = partition.isr.includes(brokerId)
      const inElr = uncleanShutdown && partition.eligibleLeaderReplicas.includes(brokerId)
      if (!inIsr && !inElr) continue
      const change = this.change(partition, {
        targetIsr: partition.isr.filter((r) => r !== brokerId),
        isAcceptableLeader: (r) => r !== brokerId && this.isActive(r),
        uncleanShutdownReplicas: uncleanShutdown ? [brokerId] : [],
      })
      if (change.record) records.push(change.record)
    }
    return records
  }

  private hasValidSession(brokerId: number): boolean {
    const contact = this.lastContact.get(brokerId)
    return contact !== undefined && !(contact.timeMs + this.clusterConfig['broker.session.timeout.ms'] < this.ctx.now)
  }

  private fenceCheckPeriodMs(): number {
    return Math.max(1, this.clusterConfig['broker.session.timeout.ms'] / 8)
  }

  /**
   * ProducerIdControlManager: a block of producer ids for one broker to hand out,
   * recorded in the metadata log so that no id is ever handed out twice.
   */
  private handleAllocateProducerIds(from: NodeId, request: AllocateProducerIdsRequest): void {
    const registration = this.image.brokers.get(request.brokerId)
    const respond = (errorCode: AllocateProducerIdsResponse['errorCode'], producerIdStart: number, producerIdLen: number) =>
      this.ctx.send(from, { type: 'AllocateProducerIdsResponse', correlationId: request.correlationId, errorCode, producerIdStart, producerIdLen } satisfies AllocateProducerIdsResponse)
    if (!registration || registration.brokerEpoch !== request.brokerEpoch) return respond('STALE_BROKER_EPOCH', -1, 0)
    const start = this.image.nextProducerId
    this.write([{ type: 'ProducerIds', brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId: start + PRODUCER_ID_BLOCK_SIZE }], `producer ids for broker ${request.brokerId}`)
    respond('NONE', start, PRODUCER_ID_BLOCK_SIZE)
  }

  // --- partitions ------------------------------------------------------------------

  private handleAlterPartition(from: NodeId, request: AlterPartitionRequest): void {
    const registration = this.image.brokers.get(request.brokerId)
    if (!registration || registration.brokerEpoch !== request.brokerEpoch) {
      this.ctx.send(from, { type: 'AlterPartitionResponse', correlationId: request.correlationId, errorCode: 'STALE_BROKER_EPOCH', partitions: [] } satisfies AlterPartitionResponse)
      return
    }
    const records: MetadataRecord[] = []
    const outcomes: { item: AlterPartitionRequest['partitions'][number]; error: AlterPartitionItemResponse['errorCode'] | null }[] = []
    for (const item of request.partitions) {
      const error = this.validateAlterPartition(request.brokerId, item)
      if (error) {
        outcomes.push({ item, error })
        continue
      }
      const partition = this.image.partition(item.topicId, item.partition)!
      const change = this.change(partition, {
        targetIsr: item.newIsr.map((m) => m.brokerId),
        targetLeaderRecoveryState: item.leaderRecoveryState,
        isAcceptableLeader: (r) => this.isActive(r),
      })
      if (change.record) records.push(change.record)
      outcomes.push({ item, error: null })
    }
    this.write(records, `AlterPartition from broker ${request.brokerId}`)
    const partitions = outcomes.map(({ item, error }): AlterPartitionItemResponse => {
      const state = this.image.partition(item.topicId, item.partition)
      const base = { topicId: item.topicId, partition: item.partition }
      if (!state) return { ...base, errorCode: error ?? 'UNKNOWN_TOPIC_OR_PARTITION', leaderId: NO_LEADER, leaderEpoch: -1, isr: [], partitionEpoch: -1, leaderRecoveryState: 'RECOVERED' }
      // A completed reassignment may have moved leadership away from the requester.
      const errorCode = error ?? (state.leader === request.brokerId ? 'NONE' : 'NEW_LEADER_ELECTED')
      return { ...base, errorCode, leaderId: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr, partitionEpoch: state.partitionEpoch, leaderRecoveryState: state.leaderRecoveryState }
    })
    this.ctx.send(from, { type: 'AlterPartitionResponse', correlationId: request.correlationId, errorCode: 'NONE', partitions } satisfies AlterPartitionResponse)
  }

  /** ReplicationControlManager.validateAlterPartitionData, in Kafka's order. */
  private validateAlterPartition(brokerId: number, item: AlterPartitionRequest['partitions'][number]): AlterPartitionItemResponse['errorCode'] | null {
    if (!this.image.topicsById.has(item.topicId)) return 'UNKNOWN_TOPIC_ID'
    const partition = this.image.partition(item.topicId, item.partition)
    if (!partition) return 'UNKNOWN_TOPIC_OR_PARTITION'
    if (item.leaderEpoch > partition.leaderEpoch || item.partitionEpoch > partition.partitionEpoch) return 'NOT_CONTROLLER'
    if (item.leaderEpoch < partition.leaderEpoch) return 'FENCED_LEADER_EPOCH'
    if (brokerId !== partition.leader) return 'INVALID_REQUEST'
    if (item.partitionEpoch < partition.partitionEpoch) return 'INVALID_UPDATE_VERSION'
    const newIsr = item.newIsr.map((m) => m.brokerId)
    if (new Set(newIsr).size !== newIsr.length || newIsr.some((r) => !partition.replicas.includes(r))) return 'INVALID_REQUEST'
    if (!newIsr.includes(partition.leader)) return 'INVALID_REQUEST'
    if (item.leaderRecoveryState === 'RECOVERING' && newIsr.length > 1) return 'INVALID_REQUEST'
    if (partition.leaderRecoveryState === 'RECOVERED' && item.leaderRecoveryState === 'RECOVERING') return 'INVALID_REQUEST'
    for (const member of item.newIsr) {
      const registration = this.image.brokers.get(member.brokerId)
      if (!registration || registration.fenced) return 'INELIGIBLE_REPLICA'
      if (member.brokerEpoch !== -1 && member.brokerEpoch !== registration.brokerEpoch) return 'INELIGIBLE_REPLICA'
    }
    return null
  }

  /** Moves leadership back to each partition's preferred replica where it can; true if it hit the per-run cap. */
  private balanceLeaders(): boolean {
    const records: MetadataRecord[] = []
    for (const partition of this.partitions()) {
      if (partition.leader === partition.replicas[0]) continue
      const change = this.change(partition, { election: 'PREFERRED', isAcceptableLeader: (r) => this.isActive(r) })
      if (change.record) records.push(change.record)
      if (records.length >= MAX_ELECTIONS_PER_RUN) break
    }
    this.write(records, 'preferred leader election (auto.leader.rebalance.enable)')
    return records.length >= MAX_ELECTIONS_PER_RUN
  }

  /** The periodic unclean election for leaderless partitions of topics that allow it. */
  private electUncleanLeaders(): void {
    const records: MetadataRecord[] = []
    for (const partition of this.partitions()) {
      if (partition.leader !== NO_LEADER || !this.topicConfig(partition.topic)['unclean.leader.election.enable']) continue
      const change = this.change(partition, { election: 'UNCLEAN', isAcceptableLeader: (r) => this.isActive(r) })
      if (change.record) records.push(change.record)
    }
    this.write(records, 'unclean leader election (unclean.leader.election.enable)')
  }

  private change(
    partition: PartitionState,
    options: Omit<PartitionChangeRequest, 'current' | 'minIsr' | 'eligibleLeaderReplicasEnabled' | 'election'> & { election?: Election },
  ): PartitionChange {
    const topic = this.topicConfig(partition.topic)
    return buildPartitionChange({
      ...options,
      current: partition,
      minIsr: Math.min(topic['min.insync.replicas'], partition.replicas.length),
      eligibleLeaderReplicasEnabled: this.elrEnabled(),
      election: options.election ?? (topic['unclean.leader.election.enable'] ? 'UNCLEAN' : 'ONLINE'),
    })
  }

  private *partitions(): Generator<PartitionState> {
    for (const topic of this.image.topicsById.values()) yield* topic.partitions.values()
  }

  private isActive(brokerId: number): boolean {
    return this.image.isUnfenced(brokerId)
  }

  private elrEnabled(): boolean {
    return this.clusterConfig['eligible.leader.replicas.enable']
  }

  // --- the metadata log -------------------------------------------------------------

  private handleMetadataFetch(from: NodeId, request: MetadataFetchRequest): void {
    if (request.fetchOffset < this.log.nextOffset || request.maxWaitMs <= 0) return this.answerFetch(from, request)
    // Nothing new: hold the fetch until a record is written or maxWaitMs passes (a long poll).
    const id = this.nextParkedId++
    this.parked.push({ id, from, request, timer: this.ctx.setTimer(request.maxWaitMs, 'metadata-fetch-expired', id) })
  }

  private answerFetch(from: NodeId, request: MetadataFetchRequest): void {
    const entries = this.log.entriesFrom(request.fetchOffset, MAX_FETCH_ENTRIES)
    this.ctx.send(from, { type: 'MetadataFetchResponse', correlationId: request.correlationId, entries, highWatermark: this.log.nextOffset } satisfies MetadataFetchResponse)
  }

  private answerParked(select: (parked: ParkedFetch) => boolean): void {
    const keep: ParkedFetch[] = []
    for (const parked of this.parked) {
      if (select(parked)) {
        this.ctx.cancelTimer(parked.timer) // a no-op when the expiry itself called
        this.answerFetch(parked.from, parked.request)
      } else keep.push(parked)
    }
    this.parked = keep
  }

  /** Appends records (flushed: committed), replays them, and wakes brokers waiting for news. */
  private write(records: readonly MetadataRecord[], cause: string): MetadataLogEntry[] {
    if (records.length === 0) return []
    const entries = this.log.append(records)
    let configChanged = false
    for (const entry of entries) {
      this.image.replay(entry)
      if (entry.record.type === 'Config' || entry.record.type === 'RemoveTopic') configChanged = true
    }
    if (configChanged) this.configs.invalidate()
    this.ctx.emit('metadata-records', { cause, firstOffset: entries[0]!.offset, records: entries.map((e) => e.record) })
    this.answerParked((parked) => parked.request.fetchOffset < this.log.nextOffset)
    return entries
  }

  private newTopicId(): string {
    // A Uuid's 22 base64 characters, drawn from the controller's own random stream.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    let id = ''
    for (let i = 0; i < 22; i++) id += alphabet[Math.floor(this.ctx.random() * 64)]
    return id
  }
}
