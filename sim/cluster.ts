// createCluster: a simulated Kafka cluster (one KRaft controller, N brokers) on one
// Simulation, with the operator verbs (create a topic, crash a broker, cut the network)
// and the views (snapshot, trace) that tests, scenarios, the CLI and the web app share.
// See ../shared/API.md.

import { Broker } from '../core/broker/broker.ts'
import { checkProducerOptions, Producer, type ProducerOptions } from '../core/client/producer/producer.ts'
import { RawClient, type RawClientOptions } from '../core/client/raw-client.ts'
import { checkConsumerOptions, Consumer, type ConsumerOptions } from '../core/client/consumer/consumer.ts'
import { parseBrokerConfig } from '../core/config.ts'
import type { AdminCommand, AdminResult } from '../core/controller/admin.ts'
import { Controller } from '../core/controller/controller.ts'
import type { GroupView } from '../core/group/coordinator.ts'
import { KafkaError } from '../core/errors.ts'
import type { NodeId } from '../core/node.ts'
import { HistoryRecorder } from './history.ts'
import { kafka, type Kafka, type KafkaConfig } from './kafkajs/index.ts'
import { virtualTimeOf } from './kafkajs/virtual-time.ts'
import { InputError, rejectUnknownKeys, requireDurationMs, requirePlainObject, requireSeed } from './input.ts'
import type { LinkSpec } from './network.ts'
import { Simulation, TimeoutError, type SimulationOptions } from './simulation.ts'
import type { Trace } from './trace.ts'

export const CONTROLLER_ID = 'controller-1'
const MAX_BROKERS = 64
/** How long createCluster waits for every broker to register and be unfenced. */
const STARTUP_TIMEOUT_MS = 60_000

export interface ClusterOptions {
  seed: number
  /** Broker ids 1..brokers (default 3). */
  brokers?: number
  /** Cluster (broker) config with Kafka's names, e.g. { 'min.insync.replicas': 2 }. */
  config?: Record<string, unknown>
  network?: LinkSpec
  traceCapacity?: number
  disk?: SimulationOptions['disk']
  /** Test-only: brokers truncate to their HW on restart, as before KIP-101. */
  legacyTruncateToHighWatermarkOnRestart?: boolean
}

export interface TopicOptions {
  partitions?: number
  replicationFactor?: number
  config?: Record<string, unknown>
  /** Explicit replica lists, one per partition (kafka-topics --replica-assignment). */
  assignments?: number[][]
}

export type BrokerStatus = 'alive' | 'crashed' | 'paused' | 'fenced' | 'isolated'

export interface ReplicaLogView {
  leo: number
  hw: number
  logStartOffset: number
}

export interface PartitionView {
  leader: number
  leaderEpoch: number
  partitionEpoch: number
  replicas: readonly number[]
  isr: readonly number[]
  elr: readonly number[]
  /** Per broker holding a replica and running: its log's ends. */
  replicaLogs: Record<string, ReplicaLogView>
}

/** A consumer group as its coordinator holds it (coordinator: the leader of its __consumer_offsets partition), with each committed partition's lag. */
export type GroupSnapshot = Pick<GroupView, 'type' | 'state' | 'protocolType' | 'protocol' | 'generation' | 'leader' | 'coordinator' | 'members' | 'groupEpoch' | 'assignmentEpoch'> & {
  /** By "topic-partition": the committed offset, the partition's log end (its high watermark, what a consumer can read) and the lag between them. */
  offsets: Record<string, { committed: number; logEndOffset: number | null; lag: number | null }>
  /** The sum of the partitions' lags. */
  lag: number
}

export interface ClusterSnapshot {
  timeMs: number
  brokers: { id: number; state: BrokerStatus }[]
  controller: { id: string; state: 'alive' | 'crashed' | 'paused'; metadataOffset: number | null }
  topics: Record<string, { topicId: string; partitions: Record<string, PartitionView> }>
  /** Consumer groups by id, from the brokers coordinating them (a group whose coordinator is down or loading is absent). */
  groups: Record<string, GroupSnapshot>
}

export class Cluster {
  readonly sim: Simulation
  readonly brokerIds: readonly number[]
  /** What every producer and consumer of the run sent and received, for the history checker. */
  readonly history = new HistoryRecorder()

  constructor(options: ClusterOptions) {
    const where = 'createCluster(options)'
    requirePlainObject(options, where)
    rejectUnknownKeys(options as unknown as Record<string, unknown>, ['seed', 'brokers', 'config', 'network', 'traceCapacity', 'disk', 'legacyTruncateToHighWatermarkOnRestart'], where)
    requireSeed(options.seed, `${where}.seed`)
    const brokers = options.brokers ?? 3
    if (!Number.isSafeInteger(brokers) || brokers < 1 || brokers > MAX_BROKERS) {
      throw new InputError(`${where}.brokers`, `an integer from 1 to ${MAX_BROKERS}`, brokers)
    }
    const config = options.config === undefined ? {} : requirePlainObject(options.config, `${where}.config`)
    parseBrokerConfig(config, 'cluster config') // INVALID_CONFIG, naming the key, before anything starts
    const simOptions: SimulationOptions = { seed: options.seed }
    if (options.network !== undefined) simOptions.network = options.network
    if (options.traceCapacity !== undefined) simOptions.traceCapacity = options.traceCapacity
    if (options.disk !== undefined) simOptions.disk = options.disk
    this.sim = new Simulation(simOptions)
    this.brokerIds = Array.from({ length: brokers }, (_, i) => i + 1)
    this.sim.addNode(CONTROLLER_ID, (ctx) => new Controller(ctx, config))
    for (const brokerId of this.brokerIds) {
      this.sim.addNode(brokerId, (ctx) => new Broker(ctx, {
        brokerId,
        controller: CONTROLLER_ID,
        config,
        truncateToHighWatermarkOnRestart: options.legacyTruncateToHighWatermarkOnRestart === true,
      }))
    }
    this.sim.runUntil(() => this.brokerIds.every((id) => this.controller()?.image.isUnfenced(id)), {
      timeoutMs: STARTUP_TIMEOUT_MS,
      describe: () => `brokers not yet unfenced: ${this.brokerIds.filter((id) => !this.controller()?.image.isUnfenced(id)).join(', ')}`,
    })
  }

  get now(): number {
    return this.sim.now
  }

  get trace(): Trace {
    return this.sim.trace
  }

  // --- operator verbs -------------------------------------------------------------

  /** Creates a topic at the controller now; brokers learn of it within milliseconds. Throws Kafka's error on refusal. */
  createTopic(name: string, options: TopicOptions = {}): string {
    requirePlainObject(options, `createTopic(${JSON.stringify(name)}, options)`)
    rejectUnknownKeys(options as unknown as Record<string, unknown>, ['partitions', 'replicationFactor', 'config', 'assignments'], `createTopic(${JSON.stringify(name)}, options)`)
    const command: AdminCommand = { op: 'createTopic', name }
    if (options.partitions !== undefined) command.partitions = options.partitions
    if (options.replicationFactor !== undefined) command.replicationFactor = options.replicationFactor
    if (options.config !== undefined) command.configs = options.config
    if (options.assignments !== undefined) command.assignments = options.assignments
    return this.admin(command).topicId!
  }

  deleteTopic(name: string): void {
    this.admin({ op: 'deleteTopic', name })
  }

  /** Grows a topic to `count` partitions, placed like new ones or as `assignments` (one replica list per new partition). */
  createPartitions(name: string, count: number, assignments?: number[][]): void {
    const command: AdminCommand = { op: 'createPartitions', name, count }
    if (assignments !== undefined) command.assignments = assignments
    this.admin(command)
  }

  /** Preferred (back to replicas[0]) or unclean election; per-partition outcomes. */
  electLeaders(electionType: 'PREFERRED' | 'UNCLEAN', partitions: { topic: string; partition: number }[] | null = null): AdminResult['partitions'] {
    return this.admin({ op: 'electLeaders', electionType, partitions }).partitions
  }

  reassignPartitions(reassignments: { topic: string; partition: number; replicas: number[] | null }[]): AdminResult['partitions'] {
    const result = this.admin({ op: 'alterPartitionReassignments', reassignments })
    const failed = result.partitions?.find((p) => p.errorCode !== 'NONE')
    if (failed) throw new KafkaError(failed.errorCode, failed.errorMessage ?? `reassignment of ${failed.topic}-${failed.partition} refused`)
    return result.partitions
  }

  alterConfigs(resource: { type: 'topic' | 'broker'; name: string }, set: Record<string, unknown>, remove: string[] = []): void {
    this.admin({ op: 'incrementalAlterConfigs', resource, set, delete: remove })
  }

  crashBroker(id: number): void {
    this.sim.crash(this.broker(id, 'crashBroker'))
  }

  powerFailBroker(id: number): void {
    this.sim.powerFail(this.broker(id, 'powerFailBroker'))
  }

  restartBroker(id: number): void {
    this.sim.restart(this.broker(id, 'restartBroker'))
  }

  /** A broker's disk turns slow: each request or timer that writes keeps it busy `writeMs` (0 restores it; see Simulation.slowDisk). */
  slowDisk(id: number, writeMs: number): void {
    this.sim.slowDisk(this.broker(id, 'slowDisk'), writeMs)
  }

  pause(node: NodeId): void {
    this.sim.pause(node)
  }

  resume(node: NodeId): void {
    this.sim.resume(node)
  }

  isolate(node: NodeId): void {
    this.sim.network.isolate(node)
  }

  partition(groups: NodeId[][]): void {
    this.sim.network.partition(groups)
  }

  block(from: NodeId, to: NodeId): void {
    this.sim.network.block(from, to)
  }

  heal(): void {
    this.sim.network.heal()
  }

  /** Adds a raw client node (Produce and Fetch as told, every outcome recorded). */
  addRawClient(id: string, options: Partial<RawClientOptions> = {}): void {
    this.sim.addNode(id, (ctx) => new RawClient(ctx, { bootstrapBrokers: this.brokerIds, ...options }))
  }

  /**
   * Adds a producer client node named `id` (its client.id), bootstrapped from every broker.
   * Its config is checked now: a bad one throws and nothing is added. Every record's
   * outcome goes to cluster.history unless options.outcomes is null.
   */
  addProducer(id: string, options: Omit<ProducerOptions, 'bootstrapBrokers'> = {}): Producer {
    const where = `addProducer(${JSON.stringify(id)}, options)`
    this.requireNewClientId(id, 'addProducer(id)')
    requirePlainObject(options, where)
    rejectUnknownKeys(options as Record<string, unknown>, ['config', 'workload', 'outcomes', 'partitioner', 'allowAutoTopicCreation'], where)
    checkProducerOptions(options, `producer ${id}`) // before the node exists: nothing is half added
    const outcomes = options.outcomes === null ? null : (options.outcomes ?? this.history.producerOutcomes(id))
    this.sim.addNode(id, (ctx) => new Producer(ctx, { ...options, bootstrapBrokers: this.brokerIds, outcomes }))
    return this.producer(id)
  }

  /** A running producer, by client id. */
  producer(id: string): Producer {
    const client = this.sim.instanceOf<Producer>(id)
    if (!(client instanceof Producer)) throw new InputError('producer(id)', 'the id of a running producer', id)
    return client
  }

  /**
   * Adds a consumer client node named `id`, bootstrapped from every broker, with manual
   * assignment (options.assignment) and optionally a built-in poll loop (options.app).
   * Bad options throw and nothing is added. Every record it receives goes to
   * cluster.history unless options.consumed is null.
   */
  addConsumer(id: string, options: Omit<ConsumerOptions, 'bootstrapBrokers'> = {}): Consumer {
    const where = `addConsumer(${JSON.stringify(id)}, options)`
    this.requireNewClientId(id, 'addConsumer(id)')
    requirePlainObject(options, where)
    rejectUnknownKeys(options as Record<string, unknown>, ['config', 'app', 'assignment', 'subscribe', 'listener', 'consumed'], where)
    checkConsumerOptions(options, `consumer ${id}`)
    const consumed = options.consumed === null ? null : (options.consumed ?? this.history.consumerRecords(id))
    this.sim.addNode(id, (ctx) => new Consumer(ctx, { ...options, bootstrapBrokers: this.brokerIds, consumed }))
    return this.consumer(id)
  }

  /** A running consumer, by client id. */
  consumer(id: string): Consumer {
    const client = this.sim.instanceOf<Consumer>(id)
    if (!(client instanceof Consumer)) throw new InputError('consumer(id)', 'the id of a running consumer', id)
    return client
  }

  /** A KafkaJS 2.x-compatible client on this cluster (sim/kafkajs/). */
  kafka(config: KafkaConfig = {}): Kafka {
    return kafka(this, config)
  }

  rawClient(id: string): RawClient {
    const client = this.sim.instanceOf<RawClient>(id)
    if (!(client instanceof RawClient)) throw new InputError('rawClient(id)', 'the id of a running raw client', id)
    return client
  }

  // --- running --------------------------------------------------------------------

  /** Synchronous: runs `durationMs` of simulated time. */
  advance(durationMs: number): void {
    this.sim.runFor(durationMs)
  }

  // The async twins run on the KafkaJS facade's virtual time (sim/kafkajs/virtual-time.ts):
  // between events, whenever a facade wait settles, pending promise callbacks run (a
  // consumer's handler, code awaiting a send) before more simulated time passes.

  /** Runs `durationMs` of simulated time. */
  async runFor(durationMs: number): Promise<void> {
    await virtualTimeOf(this.sim).sleep(requireDurationMs(durationMs, 'runFor(durationMs)'), 'cluster.runFor')
  }

  /** Runs until `condition()` holds; rejects with a TimeoutError naming the time, the events run and `describe()` when it does not within `timeoutMs`. */
  async runUntil(condition: () => boolean, options: { timeoutMs: number; describe?: () => string }): Promise<void> {
    if (typeof condition !== 'function') throw new InputError('runUntil(condition)', 'a function returning a boolean', condition)
    const timeoutMs = requireDurationMs(options?.timeoutMs, 'runUntil(options.timeoutMs)')
    const startMs = this.now
    const startEvents = this.sim.eventCount
    const onTimeout = () => new TimeoutError(`runUntil: condition not met within ${timeoutMs} ms (from ${startMs} ms to ${this.now} ms, ${this.sim.eventCount - startEvents} events)${options.describe ? `: ${options.describe()}` : ''}`)
    await virtualTimeOf(this.sim).until(condition, { timeoutMs, onTimeout })
  }

  /** Runs until no event is left; rejects when more than `maxEvents` run (a run with periodic timers never idles). */
  async runUntilIdle(options: { maxEvents?: number } = {}): Promise<void> {
    const maxEvents = options.maxEvents ?? 10_000_000
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) throw new InputError('runUntilIdle(options.maxEvents)', 'a positive integer', maxEvents)
    const limit = this.sim.eventCount + maxEvents
    await virtualTimeOf(this.sim).until(() => this.sim.pendingCount === 0 || this.sim.eventCount >= limit, { timeoutMs: Infinity, onTimeout: () => new TimeoutError('runUntilIdle: stopped') })
    if (this.sim.pendingCount > 0) throw new TimeoutError(`runUntilIdle: still busy after ${maxEvents} events at ${this.now} ms (${this.sim.pendingCount} pending)`)
  }

  // --- views ------------------------------------------------------------------------

  /** The live controller, or undefined while it is crashed. */
  controller(): Controller | undefined {
    return this.sim.instanceOf<Controller>(CONTROLLER_ID)
  }

  /** A running broker, or undefined while it is crashed. */
  brokerNode(id: number): Broker | undefined {
    return this.sim.instanceOf<Broker>(this.broker(id, 'brokerNode'))
  }

  snapshot(): ClusterSnapshot {
    const controller = this.controller()
    const faults = this.sim.network.faults()
    const brokers = this.brokerIds.map((id) => {
      const state = this.sim.stateOf(id)
      let status: BrokerStatus = state === 'up' ? 'alive' : state
      if (status === 'alive' && faults.isolated.includes(id)) status = 'isolated'
      else if (status === 'alive' && controller && !controller.image.isUnfenced(id)) status = 'fenced'
      return { id, state: status }
    })
    const topics: ClusterSnapshot['topics'] = {}
    const image = controller?.image
    if (image) {
      for (const topic of [...image.topicsById.values()].sort((a, b) => a.name.localeCompare(b.name))) {
        const partitions: Record<string, PartitionView> = {}
        for (const p of [...topic.partitions.values()].sort((a, b) => a.partition - b.partition)) {
          const replicaLogs: Record<string, ReplicaLogView> = {}
          for (const brokerId of p.replicas) {
            const local = this.sim.instanceOf<Broker>(brokerId)?.partitions.get(`${topic.name}-${p.partition}`)
            if (local) replicaLogs[brokerId] = { leo: local.log.logEndOffset, hw: local.log.highWatermark, logStartOffset: local.log.logStartOffset }
          }
          partitions[p.partition] = {
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            partitionEpoch: p.partitionEpoch,
            replicas: p.replicas,
            isr: p.isr,
            elr: p.eligibleLeaderReplicas,
            replicaLogs,
          }
        }
        topics[topic.name] = { topicId: topic.topicId, partitions }
      }
    }
    const controllerState = this.sim.stateOf(CONTROLLER_ID)
    const groups: Record<string, GroupSnapshot> = {}
    for (const view of this.groupViews()) {
      const offsets: GroupSnapshot['offsets'] = {}
      let lag = 0
      for (const o of view.offsets) {
        const leader = topics[o.topic]?.partitions[o.partition]
        const logEndOffset = leader ? (leader.replicaLogs[leader.leader]?.hw ?? null) : null
        const partitionLag = logEndOffset === null ? null : Math.max(0, logEndOffset - o.offset)
        if (partitionLag !== null) lag += partitionLag
        offsets[`${o.topic}-${o.partition}`] = { committed: o.offset, logEndOffset, lag: partitionLag }
      }
      groups[view.groupId] = {
        type: view.type,
        // A consumer-protocol group (KIP-848): its group epoch and the epoch of its target assignment.
        ...(view.type === 'consumer' ? { groupEpoch: view.groupEpoch, assignmentEpoch: view.assignmentEpoch } : {}),
        state: view.state,
        protocolType: view.protocolType,
        protocol: view.protocol,
        generation: view.generation,
        leader: view.leader,
        coordinator: view.coordinator,
        members: view.members,
        offsets,
        lag,
      }
    }
    return {
      timeMs: this.sim.now,
      brokers,
      controller: { id: CONTROLLER_ID, state: controllerState === 'up' ? 'alive' : controllerState, metadataOffset: controller ? controller.image.offset : null },
      topics,
      groups,
    }
  }

  /** Every group a live broker coordinates now, by group id (the brokers' own views, as DescribeGroups reads them). */
  private groupViews(): GroupView[] {
    const views = new Map<string, GroupView>()
    for (const id of this.brokerIds) {
      if (this.sim.stateOf(id) !== 'up') continue
      for (const view of this.sim.instanceOf<Broker>(id)?.snapshot().groups ?? []) views.set(view.groupId, view)
    }
    return [...views.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
  }

  /** Admin.describeConsumerGroups: each group's state and members; an unknown group is Dead with no members, as Kafka answers. */
  describeGroups(groupIds: readonly string[]): { groupId: string; type?: GroupView['type']; state: string; protocolType: string | null; protocol: string | null; generation: number; groupEpoch?: number; assignmentEpoch?: number; coordinator: number | null; members: GroupView['members'] }[] {
    if (!Array.isArray(groupIds) || groupIds.some((g) => typeof g !== 'string')) throw new InputError('describeGroups(groupIds)', 'an array of group ids', groupIds)
    const views = new Map(this.groupViews().map((v) => [v.groupId, v]))
    return groupIds.map((groupId) => {
      const view = views.get(groupId)
      if (!view) return { groupId, state: 'Dead', protocolType: null, protocol: null, generation: -1, coordinator: null, members: [] }
      const epochs = view.type === 'consumer' ? { groupEpoch: view.groupEpoch, assignmentEpoch: view.assignmentEpoch } : {}
      return { groupId, type: view.type, state: view.state, protocolType: view.protocolType, protocol: view.protocol, generation: view.generation, ...epochs, coordinator: view.coordinator, members: view.members }
    })
  }

  /** Admin.listConsumerGroups: every group the live coordinators know, sorted by id. */
  listGroups(): { groupId: string; state: string; protocolType: string | null }[] {
    return this.groupViews().map((v) => ({ groupId: v.groupId, state: v.state, protocolType: v.protocolType }))
  }

  private admin(command: AdminCommand): AdminResult {
    const result = this.sim.command<AdminResult>(CONTROLLER_ID, command)
    if (result.errorCode !== 'NONE') throw new KafkaError(result.errorCode, result.errorMessage ?? command.op)
    return result
  }

  private requireNewClientId(id: unknown, where: string): void {
    if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new InputError(where, 'a client id of 1 to 64 letters, digits, ".", "_" or "-"', id)
    if (this.sim.nodeIds().includes(id)) throw new InputError(where, 'a client id not already in use', id)
  }

  private broker(id: number, verb: string): number {
    if (!this.brokerIds.includes(id)) throw new InputError(`${verb}(id)`, `a broker id (${this.brokerIds.join(', ')})`, id)
    return id
  }
}

export function createCluster(options: ClusterOptions): Cluster {
  return new Cluster(options)
}
