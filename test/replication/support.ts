// Shared helpers for the replication tests: a cluster with one topic-partition, produce
// and consume through the raw client, views of the replicas' logs, trace watchers, a probe
// node that sends hand-made requests, and a harness that drives one Partition (and a
// follower's ReplicaFetcher) directly, without a cluster.

import type { Partition } from '../../core/broker/partition.ts'
import { Partition as PartitionClass, type PartitionHost } from '../../core/broker/partition.ts'
import { ReplicaFetcher } from '../../core/broker/fetcher.ts'
import type { FetchOutcome, ProduceOutcome } from '../../core/client/raw-client.ts'
import { DEFAULT_LOG_CONFIG } from '../../core/log/log-config.ts'
import { PartitionLog } from '../../core/log/partition-log.ts'
import { MetadataImage, type PartitionState } from '../../core/metadata/image.ts'
import type { MetadataRecord } from '../../core/metadata/records.ts'
import { TopicConfigResolver } from '../../core/metadata/topic-config.ts'
import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'
import type { FetchPartition, FetchRequest, FetchResponse, ProduceRequest } from '../../core/protocol.ts'
import type { TopicConfig } from '../../core/config.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../../core/records.ts'
import { createCluster, type Cluster, type ClusterOptions } from '../../sim/cluster.ts'
import { Disk } from '../../sim/disk.ts'
import type { TraceRecord } from '../../sim/trace.ts'

export const TOPIC = 'orders'
export const TP = `${TOPIC}-0`
export const CLIENT = 'client-1'
export const CONTROLLER = 'controller-1'

export interface SetupOptions {
  seed: number
  brokers?: number
  /** Cluster config; auto leader rebalancing is off unless set, so leadership moves only when a test moves it. */
  config?: Record<string, unknown>
  topicConfig?: Record<string, unknown>
  /** The partition's replicas, preferred leader first (default 1..brokers). */
  replicas?: number[]
  clientTimeoutMs?: number
  network?: ClusterOptions['network']
  disk?: ClusterOptions['disk']
  legacyTruncateToHighWatermarkOnRestart?: boolean
}

/** A cluster with one partition of TOPIC on `replicas`, its leader leading, and a raw client that knows the leader. */
export function setup(options: SetupOptions): Cluster {
  const brokers = options.brokers ?? 3
  const clusterOptions: ClusterOptions = {
    seed: options.seed,
    brokers,
    config: { 'auto.leader.rebalance.enable': false, ...options.config },
  }
  if (options.network) clusterOptions.network = options.network
  if (options.disk) clusterOptions.disk = options.disk
  if (options.legacyTruncateToHighWatermarkOnRestart) clusterOptions.legacyTruncateToHighWatermarkOnRestart = true
  const cluster = createCluster(clusterOptions)
  const replicas = options.replicas ?? Array.from({ length: brokers }, (_, i) => i + 1)
  const topicOptions: Parameters<Cluster['createTopic']>[1] = { assignments: [replicas] }
  if (options.topicConfig) topicOptions.config = options.topicConfig
  cluster.createTopic(TOPIC, topicOptions)
  cluster.addRawClient(CLIENT, { requestTimeoutMs: options.clientTimeoutMs ?? 30_000 })
  runUntil(cluster, () => replicas.every((id) => partitionOn(cluster, id) !== undefined) && partitionOn(cluster, replicas[0]!)!.isLeader, 10_000, 'the topic is not open on every replica')
  clientSlots.set(cluster, { id: CLIENT, leader: replicas[0]!, count: 1, timeoutMs: options.clientTimeoutMs ?? 30_000 })
  return cluster
}

export function runUntil(cluster: Cluster, condition: () => boolean, timeoutMs: number, why: string): void {
  cluster.sim.runUntil(condition, { timeoutMs, describe: () => why })
}

/** The partition as broker `id` holds it, or undefined (crashed, or no replica). */
export function partitionOn(cluster: Cluster, id: number): Partition | undefined {
  return cluster.brokerNode(id)?.partitions.get(TP)
}

export function mustPartition(cluster: Cluster, id: number): Partition {
  const p = partitionOn(cluster, id)
  if (!p) throw new Error(`broker ${id} holds no live replica of ${TP}`)
  return p
}

/** The partition as the controller's committed metadata says. */
export function controllerState(cluster: Cluster): PartitionState {
  const image = cluster.controller()!.image
  return image.topic(TOPIC)!.partitions.get(0)!
}

interface ClientSlot {
  id: string
  /** The leader the client was started against (it learns its metadata from that broker). */
  leader: number
  count: number
  timeoutMs: number
}

const clientSlots = new WeakMap<Cluster, ClientSlot>()

/**
 * The raw client to use now. The raw client never refreshes its metadata unless a request
 * fails, so once the controller has moved leadership a new client is started that learns
 * its metadata from the new leader: every produce goes to the current leader.
 */
export function currentClient(cluster: Cluster): string {
  let slot = clientSlots.get(cluster)
  if (!slot) {
    slot = { id: CLIENT, leader: controllerState(cluster).leader, count: 1, timeoutMs: 30_000 }
    clientSlots.set(cluster, slot)
  }
  const leader = controllerState(cluster).leader
  if (leader !== -1 && leader !== slot.leader && cluster.brokerNode(leader) !== undefined) {
    const id = `client-${++slot.count}`
    cluster.addRawClient(id, { requestTimeoutMs: slot.timeoutMs, bootstrapBrokers: [leader] })
    slot.id = id
    slot.leader = leader
  }
  return slot.id
}

/** Sends one produce and returns its request id (answers arrive as the simulation runs). */
export function send(cluster: Cluster, values: readonly (string | null)[], acks: number, options: { timeoutMs?: number; keys?: readonly (string | null)[] } = {}): { client: string; id: number } {
  const command: Record<string, unknown> = { op: 'produce', topic: TOPIC, partition: 0, values, acks }
  if (options.timeoutMs !== undefined) command.timeoutMs = options.timeoutMs
  if (options.keys !== undefined) command.keys = options.keys
  const client = currentClient(cluster)
  return { client, id: cluster.sim.command<number>(client, command) }
}

export function outcome(cluster: Cluster, request: { client: string; id: number }): ProduceOutcome {
  return cluster.rawClient(request.client).produces[request.id]!
}

/** Produces and runs until the client has an outcome. */
export function produce(cluster: Cluster, values: readonly (string | null)[], acks: number, options: { timeoutMs?: number; keys?: readonly (string | null)[]; waitMs?: number } = {}): ProduceOutcome {
  const request = send(cluster, values, acks, options)
  runUntil(cluster, () => outcome(cluster, request).status !== 'pending', options.waitMs ?? 60_000, `produce ${request.client}/${request.id} still pending`)
  return outcome(cluster, request)
}

/** A consumer fetch from `offset` (read_uncommitted: up to the HW), run until answered. */
export function consume(cluster: Cluster, offset: number): FetchOutcome {
  const client = currentClient(cluster)
  const id = cluster.sim.command<number>(client, { op: 'fetch', topic: TOPIC, partition: 0, offset })
  runUntil(cluster, () => cluster.rawClient(client).fetches[id]!.status !== 'pending', 60_000, `fetch ${id} still pending`)
  return cluster.rawClient(client).fetches[id]!
}

export interface LoggedRecord {
  offset: number
  value: string | null
  epoch: number
}

/** Every record in a log, in offset order, with the leader epoch of its batch. */
export function records(p: { log: PartitionLog } | PartitionLog): LoggedRecord[] {
  const log = p instanceof PartitionLog ? p : p.log
  return log.batches().flatMap((batch) => batch.records.map((r) => ({ offset: batch.baseOffset + r.offsetDelta, value: r.value, epoch: batch.partitionLeaderEpoch })))
}

export function values(p: { log: PartitionLog } | PartitionLog): (string | null)[] {
  return records(p).map((r) => r.value)
}

export function valueAt(p: { log: PartitionLog } | PartitionLog, offset: number): string | null | undefined {
  return records(p).find((r) => r.offset === offset)?.value
}

/** Collects every trace record whose type is in `types` (and, if given, about `node`). */
export function watch(cluster: Cluster, types: readonly string[], node?: NodeId): TraceRecord[] {
  const seen: TraceRecord[] = []
  cluster.trace.subscribe((record) => {
    if (types.includes(record.type) && (node === undefined || record.node === node)) seen.push(record)
  })
  return seen
}

/** Runs until broker `id` leads the partition in a leader epoch above `aboveEpoch`. */
export function awaitLeader(cluster: Cluster, id: number, aboveEpoch: number, timeoutMs = 30_000): Partition {
  runUntil(cluster, () => {
    const p = partitionOn(cluster, id)
    return p !== undefined && p.isLeader && p.leaderEpoch > aboveEpoch
  }, timeoutMs, `broker ${id} does not lead ${TP} above epoch ${aboveEpoch}`)
  return mustPartition(cluster, id)
}

/** Runs until every listed broker is up and holds exactly the leader's log (same records, same epochs). */
export function awaitConverged(cluster: Cluster, ids: readonly number[], timeoutMs = 30_000): void {
  runUntil(cluster, () => {
    const logs = ids.map((id) => partitionOn(cluster, id))
    if (logs.some((p) => p === undefined)) return false
    const first = JSON.stringify(records(logs[0]!))
    return logs.every((p) => JSON.stringify(records(p!)) === first)
  }, timeoutMs, `replicas ${ids.join(', ')} have not converged: ${ids.map((id) => `${id}: ${JSON.stringify(partitionOn(cluster, id) ? values(partitionOn(cluster, id)!) : 'down')}`).join('; ')}`)
}

/** A node that sends hand-made Produce and Fetch requests to a chosen broker and keeps every answer. */
export class Probe implements SimNode {
  readonly answers = new Map<number, Message>()
  private correlationIds = 1_000_000

  constructor(private readonly ctx: NodeContext) {}

  onMessage(_from: NodeId, message: Message): void {
    const id = (message as { correlationId?: number }).correlationId
    if (id !== undefined) this.answers.set(id, message)
  }

  onTimer(): void {}

  onCommand(command: unknown): number {
    const { to, request } = command as { to: number; request: Omit<ProduceRequest, 'correlationId'> | Omit<FetchRequest, 'correlationId'> }
    const correlationId = ++this.correlationIds
    this.ctx.send(to, { ...request, correlationId })
    return correlationId
  }
}

export function addProbe(cluster: Cluster, id = 'probe'): void {
  cluster.sim.addNode(id, (ctx) => new Probe(ctx))
}

/** Sends a Produce from the probe to broker `to` and runs until its answer comes (or `waitMs` passes). */
export function probeProduce(
  cluster: Cluster,
  to: number,
  data: { topic?: string; partition?: number; values: readonly (string | null)[]; keys?: readonly (string | null)[]; acks: number; timeoutMs?: number },
  waitMs = 5_000,
): Message | undefined {
  const request: Omit<ProduceRequest, 'correlationId'> = {
    type: 'Produce',
    acks: data.acks,
    timeoutMs: data.timeoutMs ?? 30_000,
    partitions: [
      {
        topic: data.topic ?? TOPIC,
        partition: data.partition ?? 0,
        records: data.values.map((value, i) => ({ key: data.keys?.[i] ?? null, value, timestamp: Math.floor(cluster.now) })),
        producerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        baseSequence: NO_SEQUENCE,
      },
    ],
  }
  const correlationId = cluster.sim.command<number>('probe', { to, request })
  const probe = cluster.sim.instanceOf<Probe>('probe')!
  try {
    runUntil(cluster, () => probe.answers.has(correlationId), waitMs, 'no answer')
  } catch {
    return undefined
  }
  return probe.answers.get(correlationId)
}

// --- driving one Partition directly ------------------------------------------------------

/** A PartitionHost with a clock the test moves, a metadata image the test writes, and records of what the partition asked for. */
export class TestHost implements PartitionHost {
  readonly image = new MetadataImage()
  nowMs = 0
  brokerEpoch = 100
  readonly alterPartitionSubmissions: Partition[] = []
  readonly events: { type: string; data: Record<string, unknown> }[] = []
  private readonly configs: TopicConfigResolver
  private offset = 0

  constructor(
    readonly brokerId: number,
    config: Record<string, unknown> = {},
  ) {
    this.configs = new TopicConfigResolver(config, this.image)
  }

  replay(...records: MetadataRecord[]): void {
    for (const record of records) this.image.replay({ offset: this.offset++, record })
    this.configs.invalidate()
  }

  now(): number {
    return this.nowMs
  }

  topicConfig(topic: string): TopicConfig {
    return this.configs.topic(topic)
  }

  replicaLagTimeMaxMs(): number {
    return this.configs.clusterConfig['replica.lag.time.max.ms']
  }

  submitAlterPartition(partition: Partition): void {
    this.alterPartitionSubmissions.push(partition)
  }

  emit(type: string, data: Record<string, unknown>): void {
    this.events.push({ type, data })
  }
}

export const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Broker epoch of broker `id` in a TestHost image from `registerBrokers`. */
export const brokerEpochOf = (id: number): number => 10 + id

/** Registers brokers (unfenced) and the topic in a host's image. */
export function registerBrokers(host: TestHost, ids: readonly number[]): void {
  host.replay(
    ...ids.map((brokerId): MetadataRecord => ({ type: 'RegisterBroker', brokerId, incarnationId: `i${brokerId}`, brokerEpoch: brokerEpochOf(brokerId), fenced: false })),
    { type: 'Topic', name: TOPIC, topicId: TOPIC_ID },
  )
}

export function partitionState(fields: { leader: number; isr: readonly number[]; replicas?: readonly number[]; leaderEpoch: number; partitionEpoch?: number }): PartitionState {
  return {
    topicId: TOPIC_ID,
    topic: TOPIC,
    partition: 0,
    replicas: fields.replicas ?? [1, 2, 3],
    isr: fields.isr,
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    removingReplicas: [],
    addingReplicas: [],
    leader: fields.leader,
    leaderRecoveryState: 'RECOVERED',
    leaderEpoch: fields.leaderEpoch,
    partitionEpoch: fields.partitionEpoch ?? fields.leaderEpoch,
  }
}

/** A Partition of TOPIC on a fresh disk, hosted by `host`. */
export function standalonePartition(host: TestHost, disk = new Disk()): Partition {
  const log = PartitionLog.open(disk, TP, DEFAULT_LOG_CONFIG, 0)
  return new PartitionClass(TOPIC, TOPIC_ID, 0, log, host)
}

export function fetchRequest(fields: { fetchOffset: number; currentLeaderEpoch: number; lastFetchedEpoch?: number; logStartOffset?: number }): FetchPartition {
  return {
    topic: TOPIC,
    topicId: TOPIC_ID,
    partition: 0,
    fetchOffset: fields.fetchOffset,
    currentLeaderEpoch: fields.currentLeaderEpoch,
    lastFetchedEpoch: fields.lastFetchedEpoch ?? -1,
    logStartOffset: fields.logStartOffset ?? 0,
    partitionMaxBytes: 1 << 20,
  }
}

/** A follower fetch as broker `replicaId` sends it, read by the leader partition (updating the follower's state). */
export function followerFetch(leader: Partition, replicaId: number, fetchOffset: number, options: { currentLeaderEpoch?: number; lastFetchedEpoch?: number } = {}) {
  const request = fetchRequest({ fetchOffset, currentLeaderEpoch: options.currentLeaderEpoch ?? leader.leaderEpoch, lastFetchedEpoch: options.lastFetchedEpoch ?? -1 })
  return leader.readForFetch(request, replicaId, brokerEpochOf(replicaId), 1 << 20, true).response
}

/**
 * A follower's real ReplicaFetcher wired to a leader Partition with no network: each
 * Fetch the fetcher sends is answered by `leader.readForFetch` when the test calls
 * `deliver()`.
 */
export class FetcherHarness {
  readonly sent: FetchRequest[] = []
  readonly events: { type: string; data: Record<string, unknown> }[] = []
  readonly fetcher: ReplicaFetcher
  private correlationIds = 0

  constructor(
    private readonly follower: Partition,
    private readonly leader: Partition,
    private readonly leaderId: number,
    followerId: number,
  ) {
    this.fetcher = new ReplicaFetcher({
      brokerId: followerId,
      brokerEpoch: brokerEpochOf(followerId),
      now: () => 0,
      nextCorrelationId: () => ++this.correlationIds,
      send: (_to, request) => this.sent.push(request),
      setTimer: () => 0,
      cancelTimer: () => {},
      fetchSettings: () => ({ maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, partitionMaxBytes: 1 << 20, backoffMs: 1000 }),
      appended: () => {},
      emit: (type, data) => this.events.push({ type, data }),
    })
  }

  start(): void {
    this.fetcher.add(this.follower, this.leaderId, this.leader.leaderEpoch)
  }

  /** Answers the last Fetch sent; returns the partition's response. */
  deliver(): FetchResponse['partitions'][number] {
    const request = this.sent.at(-1)!
    const partitions = request.partitions.map((fp) => this.leader.readForFetch(fp, request.replicaId, request.replicaEpoch, request.maxBytes, true).response)
    const response: FetchResponse = { type: 'FetchResponse', correlationId: request.correlationId, partitions }
    this.fetcher.onResponse(this.leaderId, response)
    return partitions[0]!
  }
}

// --- random faults -------------------------------------------------------------------------

export type FaultKind = 'crash' | 'pause' | 'isolate' | 'partition' | 'block' | 'power-fail'

export interface Fault {
  atMs: number
  kind: FaultKind
  broker: number
  /** For 'block': the receiver whose messages from `broker` are dropped. */
  to: number
  durationMs: number
}

/** Schedules each fault (and its undoing, within `phaseMs`) from now on. */
export function scheduleFaults(cluster: Cluster, faults: readonly Fault[], phaseMs: number): void {
  const sim = cluster.sim
  const start = cluster.now
  for (const fault of faults) {
    sim.at(start + fault.atMs, `${fault.kind} ${fault.broker}`, () => {
      const node = fault.broker
      const state = sim.stateOf(node)
      const undoAt = Math.min(sim.now + fault.durationMs, start + phaseMs)
      const undo = (label: string, action: () => void) => sim.at(Math.max(undoAt, sim.now), label, action)
      switch (fault.kind) {
        case 'crash':
        case 'power-fail':
          if (state === 'crashed') return
          if (fault.kind === 'crash') sim.crash(node)
          else sim.powerFail(node)
          return undo(`restart ${node}`, () => {
            if (sim.stateOf(node) === 'crashed') sim.restart(node)
          })
        case 'pause':
          if (state !== 'up') return
          sim.pause(node)
          return undo(`resume ${node}`, () => {
            if (sim.stateOf(node) === 'paused') sim.resume(node)
          })
        case 'isolate':
          sim.network.isolate(node)
          return undo(`rejoin ${node}`, () => sim.network.rejoin(node))
        case 'partition':
          sim.network.partition([[node], cluster.brokerIds.filter((b) => b !== node)])
          return undo('clear the partition', () => sim.network.clearPartition())
        case 'block':
          if (fault.to === node) return
          sim.network.block(node, fault.to)
          return undo(`unblock ${node} -> ${fault.to}`, () => sim.network.unblock(node, fault.to))
      }
    })
  }
}

/** Undoes every fault: heals the network, resumes and restarts every node. */
export function healAll(cluster: Cluster): void {
  cluster.heal()
  for (const node of cluster.sim.nodeIds()) {
    const state = cluster.sim.stateOf(node)
    if (state === 'paused') cluster.resume(node)
    if (state === 'crashed') cluster.sim.restart(node)
  }
}
