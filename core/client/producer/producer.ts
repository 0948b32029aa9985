// A Kafka producer (clients/.../producer/KafkaProducer.java and internals/Sender.java,
// RecordAccumulator.java, TransactionManager.java for idempotence), as a simulated node.
//
// send() partitions each record (explicit partition, murmur2 of the key, or the sticky
// partitioner for null keys), appends it to its partition's batch, and the sender drains
// ready batches (full, linger.ms old, or due for a retry) into one Produce request per
// leader broker, at most max.in.flight.requests.per.connection in flight per broker.
// Retriable errors and request timeouts are retried with exponential backoff until
// delivery.timeout.ms; with idempotence (the default) every batch carries the producer
// id, epoch and sequence numbers, so the broker drops a retry it already has and refuses
// a batch out of order; without it, retries duplicate and, with more than one request in
// flight, reorder.

import { describeValue } from '../../describe.ts'
import type { ErrorName } from '../../errors.ts'
import type { Message, NodeContext, NodeId, SimNode, TimerId } from '../../node.ts'
import {
  firstCorrelationId,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  type MetadataRequest,
  type MetadataResponse,
  type ProducePartitionData,
  type ProduceRequest,
  type ProduceResponse,
} from '../../protocol.ts'
import { BATCH_OVERHEAD_BYTES, recordSizeBytes, type ProducerRecord, type RecordHeader } from '../../records.ts'
import { parseProducerConfig, type ProducerConfig } from '../../config/clients.ts'
import { compressedSizeBytes, compressionCpuMs } from '../../compression.ts'
import { ClientError } from '../errors.ts'
import { ClientMetadata, STALE_METADATA_ERRORS } from '../metadata.ts'
import {
  BuiltInPartitioner,
  checkRecordPartition,
  choosePartition,
  InvalidPartitionError,
  partitionLoadStatsInputs,
  partitionNotInMetadataError,
  UNKNOWN_PARTITION,
  updateNodeLatencyStats,
  type NodeLatencyStats,
  type Partitioner,
  type PartitionerCluster,
} from '../partitioner.ts'
import { ProducerBatch, RecordAccumulator, type AppendResult, type RecordOutcome } from './accumulator.ts'
import { IdempotentSequences } from './idempotence.ts'
import { checkProducerWorkload, ProducerWorkloadGenerator, type ProducerWorkload } from './workload.ts'

export interface ProducerOptions {
  bootstrapBrokers: readonly number[]
  /** Producer config with Kafka's names, e.g. { acks: 'all', 'linger.ms': 20 }. */
  config?: Record<string, unknown>
  /** A steady workload to run from the start (scenarios and the visualizer use one). */
  workload?: ProducerWorkload
  /**
   * Where each record's outcome is kept, updated in place as it settles: the history
   * recorder passes its own array, so outcomes outlive a crashed producer. Default a fresh
   * array; null keeps none (benchmarks).
   */
  outcomes?: RecordOutcome[] | null
  /** Replaces the built-in partitioner. */
  partitioner?: Partitioner
  /**
   * Whether its Metadata requests let the broker create a missing topic (with
   * auto.create.topics.enable). The Java producer always asks so (ProducerMetadata); KafkaJS's
   * producer option allowAutoTopicCreation. Default true.
   */
  allowAutoTopicCreation?: boolean
}

/**
 * The checks the constructor makes of its options, for a host that must refuse bad options
 * before the node exists (so that nothing is half added). Throws InvalidConfigError or
 * ClientError naming the value.
 */
export function checkProducerOptions(options: Omit<ProducerOptions, 'bootstrapBrokers'>, where: string): void {
  parseProducerConfig(options.config ?? {}, `${where} config`)
  if (options.workload !== undefined) checkProducerWorkload(options.workload, `${where} workload`)
  if (options.partitioner !== undefined && (typeof options.partitioner !== 'object' || options.partitioner === null || typeof options.partitioner.partition !== 'function')) {
    throw new ClientError('IllegalArgumentException', `${where} partitioner: expected an object with a partition(topic, key, keyBytes, value, cluster) method`)
  }
  if (options.allowAutoTopicCreation !== undefined && typeof options.allowAutoTopicCreation !== 'boolean') {
    throw new ClientError('IllegalArgumentException', `${where} allowAutoTopicCreation: expected true or false, got ${describeValue(options.allowAutoTopicCreation)}`)
  }
}

export interface SendRecord {
  topic: string
  key?: string | null
  value: string | null
  partition?: number
  headers?: readonly RecordHeader[]
  /** CreateTime; default now. */
  timestamp?: number
}

export type ProducerCommand =
  | { op: 'send'; records: readonly SendRecord[] }
  | { op: 'flush' }
  | { op: 'stopWorkload' }

/** Errors the sender retries (they are RetriableException subclasses in the Java client). */
const RETRIABLE: ReadonlySet<string> = new Set<string>([
  'NOT_LEADER_OR_FOLLOWER',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'KAFKA_STORAGE_ERROR',
  'CORRUPT_MESSAGE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'COORDINATOR_LOAD_IN_PROGRESS',
])

/** Exponential backoff jitter (CommonClientConfigs.RETRY_BACKOFF_JITTER = 0.2). */
const BACKOFF_JITTER = 0.2

interface InFlightRequest {
  broker: number
  batches: ProducerBatch[]
  timer: TimerId
  acks: number
}

interface BlockedSend {
  record: SendRecord
  /** The record's CreateTime: its own, or when it was sent. */
  timestamp: number
  outcome: RecordOutcome
  /** recordSizeBytes, computed once when it was sent. */
  sizeBytes: number
  deadlineMs: number
}

export interface ProducerStats {
  sent: number
  acked: number
  failed: number
  requests: number
  retries: number
  bytesSent: number
}

export class Producer implements SimNode {
  readonly config: ProducerConfig
  readonly stats: ProducerStats = { sent: 0, acked: 0, failed: 0, requests: 0, retries: 0, bytesSent: 0 }
  /** Every record's outcome, in send order (empty when options.outcomes is null). */
  readonly outcomes: RecordOutcome[]
  private readonly metadata: ClientMetadata
  private readonly accumulator: RecordAccumulator
  /** The built-in sticky partitioner of each topic, for records with neither partition nor (used) key. */
  private readonly stickyPartitioners = new Map<string, BuiltInPartitioner>()
  /** partitioner.availability.timeout.ms bookkeeping per broker. */
  private readonly nodeLatencyStats = new Map<number, NodeLatencyStats>()
  private readonly workload: ProducerWorkloadGenerator | null
  private readonly inFlight = new Map<number, InFlightRequest>()
  private readonly inFlightPerBroker = new Map<number, number>()
  /**
   * Per broker, the requests on the wire awaiting an answer, in the order they left: one
   * connection per broker, which, like TCP, answers in order (see onProduceResponse).
   */
  private readonly connectionOrder = new Map<number, number[]>()
  private readonly metadataRequests = new Map<number, TimerId>()
  /** Sends waiting for the topic's metadata or for buffer.memory to free up. */
  private blocked: BlockedSend[] = []
  /** blocked[blockedHead] is the oldest send still waiting. */
  private blockedHead = 0
  private correlationIds: number
  private nextRecordId = 0
  private wakeTimer: { timer: TimerId; atMs: number } | null = null
  private flushing = false
  /** Idempotence: the producer id and epoch, and each partition's sequence numbers. */
  private readonly sequences = new IdempotentSequences()
  private initProducerId: { correlationId: number; timer: TimerId } | null = null
  private initRetryAtMs = 0
  private readonly keepOutcomes: boolean

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: ProducerOptions,
  ) {
    checkProducerOptions(options, `producer ${String(ctx.id)}`)
    this.config = parseProducerConfig(options.config ?? {}, `producer ${String(ctx.id)} config`)
    this.keepOutcomes = options.outcomes !== null
    this.outcomes = options.outcomes ?? []
    this.correlationIds = firstCorrelationId(ctx)
    this.accumulator = new RecordAccumulator(this.config['batch.size'])
    this.metadata = new ClientMetadata(
      {
        now: () => ctx.now,
        nextCorrelationId: () => ++this.correlationIds,
        sendMetadataRequest: (broker, request) => this.sendMetadataRequest(broker, request),
      },
      options.bootstrapBrokers,
      this.config['metadata.max.age.ms'],
      this.config['retry.backoff.ms'],
      options.allowAutoTopicCreation ?? true,
    )
    this.workload = options.workload ? new ProducerWorkloadGenerator(options.workload, () => ctx.random(), String(ctx.id)) : null
  }

  get idempotent(): boolean {
    return this.config['enable.idempotence']
  }

  start(): void {
    this.ctx.emit('producer-started', { idempotent: this.idempotent, acks: this.config.acks, lingerMs: this.config['linger.ms'] })
    if (this.workload) this.ctx.setTimer(0, 'workload')
    this.poll()
  }

  onCommand(command: unknown): unknown {
    if (typeof command !== 'object' || command === null) {
      throw new ClientError('IllegalArgumentException', `expected a producer command { op: 'send' | 'flush' | 'stopWorkload' }, got ${describeValue(command)}`)
    }
    const c = command as ProducerCommand
    switch (c.op) {
      case 'send':
        return this.send(c.records)
      case 'flush':
        this.flushing = true
        this.poll()
        return null
      case 'stopWorkload':
        this.workload?.stop()
        return null
      default:
        throw new ClientError('IllegalArgumentException', `unknown producer command op ${describeValue((command as { op?: unknown }).op)} (known: send, flush, stopWorkload)`)
    }
  }

  onMessage(_from: NodeId, message: Message): void {
    switch (message.type) {
      case 'MetadataResponse':
        return this.onMetadataResponse(message as MetadataResponse)
      case 'ProduceResponse':
        return this.onProduceResponse(message as ProduceResponse)
      case 'InitProducerIdResponse':
        return this.onInitProducerId(message as InitProducerIdResponse)
    }
  }

  onTimer(name: string, data: unknown): void {
    switch (name) {
      case 'wake':
        this.wakeTimer = null
        return this.poll()
      case 'workload': {
        const workload = this.workload!
        const batch = workload.due(this.ctx.now)
        if (batch.records.length > 0) this.send(batch.records)
        if (batch.nextAtMs !== null) this.ctx.setTimer(batch.nextAtMs - this.ctx.now, 'workload')
        return
      }
      case 'request-timeout':
        return this.onRequestTimeout(data as number)
      case 'metadata-timeout':
        this.metadataRequests.delete(data as number)
        this.metadata.onTimeout(data as number)
        return this.poll()
      case 'init-producer-id-timeout':
        if (this.initProducerId?.correlationId === data) {
          this.initProducerId = null
          this.initRetryAtMs = this.ctx.now + this.config['retry.backoff.ms']
          this.poll()
        }
        return
      case 'send-compressed':
        return this.transmit(data as number)
    }
  }

  snapshot(): unknown {
    return {
      ...this.stats,
      idempotent: this.idempotent,
      producerId: this.sequences.producerId,
      producerEpoch: this.sequences.producerEpoch,
      queuedBatches: this.accumulator.batchCount,
      inFlightRequests: this.inFlight.size,
      bufferedBytes: this.accumulator.bufferedBytes,
    }
  }

  // --- send ---------------------------------------------------------------------------

  /**
   * KafkaProducer.send for each record. Bad input throws a ClientError named after the
   * Java client's exception and nothing is sent; otherwise each record gets an id, and
   * its outcome (offset or error) arrives later.
   */
  send(records: readonly SendRecord[]): number[] {
    if (!Array.isArray(records)) throw new ClientError('IllegalArgumentException', `send(records): expected an array of records, got ${typeof records}`)
    // Every record is checked before any is queued: a bad one means nothing is sent.
    const sizes = records.map((record, i) => this.validate(record, i))
    const ids: number[] = []
    for (const [i, record] of records.entries()) {
      const id = this.nextRecordId++
      const outcome: RecordOutcome = { id, topic: record.topic, partition: record.partition ?? -1, key: record.key ?? null, value: record.value, sentAtMs: this.ctx.now, status: 'pending' }
      if (this.keepOutcomes) this.outcomes.push(outcome)
      this.stats.sent++
      ids.push(id)
      this.metadata.want(record.topic)
      this.blocked.push({ record, timestamp: record.timestamp ?? Math.floor(this.ctx.now), outcome, sizeBytes: sizes[i]!, deadlineMs: this.ctx.now + this.config['max.block.ms'] })
    }
    if (ids.length > 0) this.ctx.emit('producer-send', { records: ids.length, firstId: ids[0]! })
    this.poll()
    return ids
  }

  /** KafkaProducer's own checks, before anything is queued. Returns the record's size in bytes. */
  private validate(record: SendRecord, index: number): number {
    const where = `records[${index}]`
    if (typeof record !== 'object' || record === null) throw new ClientError('IllegalArgumentException', `${where}: expected a record object, got ${String(record)}`)
    if (typeof record.topic !== 'string' || record.topic.length === 0) {
      throw new ClientError('InvalidTopicException', `${where}: Invalid topics: [${String(record.topic ?? '')}]: a topic name must be a non-empty string`)
    }
    if (record.partition !== undefined && record.partition !== null) {
      try {
        checkRecordPartition(record.partition)
      } catch (error) {
        if (error instanceof InvalidPartitionError) throw new ClientError(error.exception, `${where}: ${error.message.slice(error.exception.length + 2)}`)
        throw error
      }
    }
    if (record.key !== undefined && record.key !== null && typeof record.key !== 'string') throw new ClientError('IllegalArgumentException', `${where}: the key must be a string or null`)
    if (record.value !== null && typeof record.value !== 'string') throw new ClientError('IllegalArgumentException', `${where}: the value must be a string or null`)
    const sizeBytes = recordSizeBytes(record.key ?? null, record.value, record.headers ?? [])
    // KafkaProducer.ensureValidRecordSize: the record with a batch header must fit in a request.
    const serialized = sizeBytes + BATCH_OVERHEAD_BYTES
    if (serialized > this.config['max.request.size']) {
      throw new ClientError('RecordTooLargeException', `${where}: The message is ${serialized} bytes when serialized which is larger than ${this.config['max.request.size']}, which is the value of the max.request.size configuration.`)
    }
    if (serialized > this.config['buffer.memory']) {
      throw new ClientError('RecordTooLargeException', `${where}: The message is ${serialized} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration.`)
    }
    return sizeBytes
  }

  // --- the sender loop ------------------------------------------------------------------

  /** One turn of the sender: metadata, producer id, queued sends, expiries, drain; then sleep until the next thing is due. */
  private poll(): void {
    const now = this.ctx.now
    this.metadata.maybeUpdate()
    this.admitBlockedSends()
    this.expireBatches()
    if (this.idempotent) {
      const bumpedEpoch = this.sequences.beforeDrain()
      if (bumpedEpoch !== null) this.ctx.emit('producer-epoch-bumped', { producerId: this.sequences.producerId, producerEpoch: bumpedEpoch })
      if (!this.sequences.hasProducerId) this.maybeInitProducerId()
    }
    this.drain()
    this.scheduleWake(now)
  }

  /** Sends waiting for metadata or memory: into the accumulator once possible, failed after max.block.ms. */
  private admitBlockedSends(): void {
    const now = this.ctx.now
    // The partitioner's view of each topic, built once per pass.
    const clusters = new Map<string, PartitionerCluster>()
    // In order, as the application's send() calls would block one after another: the first
    // that must wait holds up those behind it, and each fails alone at its max.block.ms.
    while (this.blockedHead < this.blocked.length) {
      const send = this.blocked[this.blockedHead]!
      const waitReason = this.admit(send, clusters)
      if (waitReason === null) {
        this.blockedHead++
        continue
      }
      if (now < send.deadlineMs) break
      this.blockedHead++
      if (waitReason instanceof InvalidPartitionError) this.failPartitioning(send.outcome, waitReason)
      else this.failRecord(send.outcome, 'TimeoutException', waitReason)
    }
    if (this.blockedHead > 1024 && this.blockedHead * 2 > this.blocked.length) {
      this.blocked = this.blocked.slice(this.blockedHead)
      this.blockedHead = 0
    }
  }

  private get blockedCount(): number {
    return this.blocked.length - this.blockedHead
  }

  /**
   * Partitions and appends one sent record, or says why it must wait (the message its
   * TimeoutException will carry if max.block.ms passes first). Returns null once the record
   * is in the accumulator or has failed for good.
   */
  private admit(send: BlockedSend, clusters: Map<string, PartitionerCluster>): string | InvalidPartitionError | null {
    const { record, outcome, sizeBytes, timestamp } = send
    const count = this.metadata.partitionCount(record.topic)
    if (count === undefined) return `Topic ${record.topic} not present in metadata after ${this.config['max.block.ms']} ms.`
    if (record.partition !== undefined && record.partition !== null && record.partition >= count) {
      // KafkaProducer.waitOnMetadata: the topic may have grown; refresh until max.block.ms.
      this.metadata.requestUpdate()
      return partitionNotInMetadataError(record.topic, record.partition, count, this.config['max.block.ms'])
    }
    if (this.accumulator.bufferedBytes + sizeBytes > this.config['buffer.memory']) {
      return `Failed to allocate memory within the configured max blocking time ${this.config['max.block.ms']} ms.`
    }
    let cluster = clusters.get(record.topic)
    if (!cluster) clusters.set(record.topic, (cluster = this.partitionerCluster(record.topic, count)))
    let partition: number
    try {
      partition = choosePartition({ topic: record.topic, partition: record.partition ?? null, key: record.key ?? null, value: record.value }, cluster, {
        partitioner: this.options.partitioner ?? null,
        ignoreKeys: this.config['partitioner.ignore.keys'],
        maxBlockMs: this.config['max.block.ms'],
      })
    } catch (error) {
      if (!(error instanceof InvalidPartitionError)) throw error
      this.failPartitioning(outcome, error)
      return null
    }
    const producerRecord: ProducerRecord = record.headers
      ? { key: record.key ?? null, value: record.value, timestamp, sizeBytes, headers: record.headers }
      : { key: record.key ?? null, value: record.value, timestamp, sizeBytes }
    if (partition !== UNKNOWN_PARTITION) {
      outcome.partition = partition
      this.appendRecord(record.topic, partition, producerRecord, outcome)
      return null
    }
    // The sticky partitioner, driven as RecordAccumulator.append drives it.
    const sticky = this.stickyPartitioner(record.topic)
    partition = sticky.peekCurrentPartition(cluster)
    if (this.accumulator.needsNewBatch(record.topic, partition) && sticky.updatePartitionInfo(0, cluster, true)) {
      partition = sticky.peekCurrentPartition(cluster)
    }
    outcome.partition = partition
    const { batch, appendedBytes } = this.appendRecord(record.topic, partition, producerRecord, outcome)
    sticky.updatePartitionInfo(appendedBytes, cluster, batch.isFull)
    return null
  }


  private appendRecord(topic: string, partition: number, record: ProducerRecord, outcome: RecordOutcome): AppendResult {
    const result = this.accumulator.append(topic, partition, record, outcome, record.sizeBytes!, this.ctx.now)
    if (result.batch.records.length === 1) this.ctx.emit('producer-batch-created', { partition: result.batch.key, firstId: outcome.id })
    return result
  }

  private stickyPartitioner(topic: string): BuiltInPartitioner {
    let sticky = this.stickyPartitioners.get(topic)
    if (!sticky) {
      sticky = new BuiltInPartitioner(topic, Math.max(1, this.config['batch.size']), () => this.ctx.random())
      this.stickyPartitioners.set(topic, sticky)
    }
    return sticky
  }

  /** What the partitioner knows of a topic: its partition count and the partitions with a leader. */
  private partitionerCluster(topic: string, partitionCount: number): PartitionerCluster {
    const availablePartitions: number[] = []
    for (let p = 0; p < partitionCount; p++) if (this.metadata.leaderOf(topic, p)) availablePartitions.push(p)
    return { partitionCount, availablePartitions }
  }

  private failPartitioning(outcome: RecordOutcome, error: InvalidPartitionError): void {
    this.failRecord(outcome, error.exception, error.message.slice(error.exception.length + 2))
  }

  /**
   * Adaptive partitioning (partitioner.adaptive.partitioning.enable): each topic's sticky
   * partitioner learns how many batches wait per partition, and draws away from long
   * queues, i.e. from slow brokers. Off with a custom partitioner, as in KafkaProducer.
   */
  private updatePartitionLoadStats(): void {
    const adaptive = this.config['partitioner.adaptive.partitioning.enable'] && !this.options.partitioner
    for (const [topic, sticky] of this.stickyPartitioners) {
      const partitionCount = this.metadata.partitionCount(topic)
      if (partitionCount === undefined) continue
      const queues = this.accumulator.topicQueues(topic).map(([partition, queue]) => ({
        partition,
        leaderId: this.metadata.leaderOf(topic, partition)?.leaderId ?? null,
        queuedBatches: queue.length,
      }))
      const inputs = partitionLoadStatsInputs(queues, {
        adaptive,
        partitionCount,
        availabilityTimeoutMs: this.config['partitioner.availability.timeout.ms'],
        nodeLatencyStats: this.nodeLatencyStats,
      })
      sticky.updatePartitionLoadStats(inputs.queueSizes, inputs.partitionIds, inputs.length)
    }
  }

  /** Batches older than delivery.timeout.ms fail, queued or in flight (KIP-91). */
  private expireBatches(): void {
    const now = this.ctx.now
    const deliveryTimeoutMs = this.config['delivery.timeout.ms']
    for (const queue of this.accumulator.queues()) {
      // A queue is in creation order (a retried batch goes back in front of newer ones):
      // past the first batch still in time, none has expired.
      while (queue.length > 0 && now - queue[0]!.createdMs >= deliveryTimeoutMs) {
        const batch = queue[0]!
        this.failBatch(batch, 'TimeoutException', `Expiring ${batch.records.length} record(s) for ${batch.key}: ${Math.round(now - batch.createdMs)} ms has passed since batch creation`, 'expired')
      }
    }
  }

  /** Sender.sendProducerData: one request per leader broker with one ready batch per partition. */
  private drain(): void {
    const now = this.ctx.now
    const maxInFlight = this.config['max.in.flight.requests.per.connection']
    this.updatePartitionLoadStats()
    const byBroker = new Map<number, ProducerBatch[]>()
    const bytesByBroker = new Map<number, number>()
    for (const queue of this.accumulator.queues()) {
      const batch = this.readyBatch(queue, now)
      if (!batch) continue
      const leader = this.metadata.leaderOf(batch.topic, batch.partition)
      if (!leader) {
        this.metadata.requestUpdate()
        continue
      }
      const broker = leader.leaderId
      const canDrain = (this.inFlightPerBroker.get(broker) ?? 0) < maxInFlight
      updateNodeLatencyStats(this.nodeLatencyStats, broker, now, canDrain, this.config['partitioner.availability.timeout.ms'])
      if (!canDrain) continue
      const bytes = bytesByBroker.get(broker) ?? 0
      const list = byBroker.get(broker) ?? []
      // max.request.size bounds the request; the first batch always goes.
      if (list.length > 0 && bytes + batch.sizeBytes > this.config['max.request.size']) continue
      list.push(batch)
      byBroker.set(broker, list)
      bytesByBroker.set(broker, bytes + batch.sizeBytes)
    }
    for (const [broker, batches] of byBroker) this.sendBatches(broker, batches)
    if (this.flushing && this.accumulator.isEmpty && this.blockedCount === 0) this.flushing = false
  }

  /** The partition's first batch not in flight, if it may go now. */
  private readyBatch(queue: readonly ProducerBatch[], now: number): ProducerBatch | undefined {
    const index = queue.findIndex((b) => !b.inFlight)
    if (index < 0) return undefined
    const batch = queue[index]!
    if (batch.retryAtMs > now) return undefined
    if (this.idempotent && !this.sequences.maySend(batch)) return undefined
    const lingered = now - batch.createdMs >= this.config['linger.ms']
    const full = batch.isFull || index < queue.length - 1
    if (!(full || lingered || this.flushing || batch.attempts > 0)) return undefined
    return batch
  }

  private sendBatches(broker: number, batches: ProducerBatch[]): void {
    const now = this.ctx.now
    const acks = this.config.acks
    const codec = this.config['compression.type']
    let cpuMs = 0
    const partitions: ProducePartitionData[] = batches.map((batch) => {
      if (this.idempotent) this.sequences.assign(batch)
      batch.sentProducerEpoch = batch.producerEpoch
      batch.sentBaseSequence = batch.baseSequence
      batch.inFlight = true
      batch.lastSentAtMs = now
      if (batch.attempts > 0) this.stats.retries++
      cpuMs += compressionCpuMs(codec, batch.sizeBytes)
      return {
        topic: batch.topic,
        partition: batch.partition,
        records: batch.records,
        producerId: batch.producerId,
        producerEpoch: batch.sentProducerEpoch,
        baseSequence: batch.sentBaseSequence,
        compression: codec,
      }
    })
    const correlationId = ++this.correlationIds
    const request: ProduceRequest = { type: 'Produce', correlationId, acks, timeoutMs: this.config['request.timeout.ms'], partitions }
    this.inFlight.set(correlationId, { broker, batches, timer: -1, acks })
    this.inFlightPerBroker.set(broker, (this.inFlightPerBroker.get(broker) ?? 0) + 1)
    this.pendingTransmits.set(correlationId, request)
    // Compressing takes CPU time before the request can leave (the compression model).
    if (cpuMs > 0) this.ctx.setTimer(cpuMs, 'send-compressed', correlationId)
    else this.transmit(correlationId)
  }

  private readonly pendingTransmits = new Map<number, ProduceRequest>()

  private transmit(correlationId: number): void {
    const request = this.pendingTransmits.get(correlationId)
    const inFlight = this.inFlight.get(correlationId)
    this.pendingTransmits.delete(correlationId)
    if (!request || !inFlight) return
    const records = inFlight.batches.reduce((n, b) => n + b.records.length, 0)
    const uncompressed = inFlight.batches.reduce((n, b) => n + b.sizeBytes, 0)
    const bytes = compressedSizeBytes(this.config['compression.type'], uncompressed)
    this.stats.requests++
    this.stats.bytesSent += bytes
    this.ctx.emit('producer-request', {
      broker: inFlight.broker,
      correlationId,
      acks: request.acks,
      partitions: inFlight.batches.map((b) => b.key),
      records,
      bytes,
      attempts: Math.max(...inFlight.batches.map((b) => b.attempts)),
    })
    this.ctx.send(inFlight.broker, request)
    if (request.acks === 0) {
      // acks=0: no answer will come. The records count as sent, with no offset (Kafka reports -1).
      this.finishRequest(correlationId)
      for (const batch of inFlight.batches) if (!batch.done) this.completeBatch(batch, -1)
      return
    }
    inFlight.timer = this.ctx.setTimer(this.config['request.timeout.ms'], 'request-timeout', correlationId)
    let order = this.connectionOrder.get(inFlight.broker)
    if (!order) this.connectionOrder.set(inFlight.broker, (order = []))
    order.push(correlationId)
  }

  private onProduceResponse(response: ProduceResponse): void {
    const request = this.inFlight.get(response.correlationId)
    if (!request) return // answered after it timed out
    // A connection delivers in order. An answer overtaking an earlier request's means that
    // one was lost on the way, which a TCP connection does not survive: the sandbox's
    // network drops single messages, so the client treats such a gap as the connection
    // breaking (it would never see this answer either) and fails every request on it.
    if (this.connectionOrder.get(request.broker)?.[0] !== response.correlationId) {
      return this.disconnect(request.broker, null, 'an earlier response on the connection was lost')
    }
    this.finishRequest(response.correlationId)
    for (const result of response.partitions) {
      const batch = request.batches.find((b) => b.topic === result.topic && b.partition === result.partition)
      if (!batch || batch.done) continue // expired meanwhile: its answer comes too late
      if (result.errorCode === 'NONE') this.completeBatch(batch, result.baseOffset)
      else this.handleBatchError(batch, result.errorCode, result.errorMessage ?? result.errorCode)
    }
    this.poll()
  }

  private onRequestTimeout(correlationId: number): void {
    const request = this.inFlight.get(correlationId)
    if (!request) return
    this.disconnect(request.broker, correlationId, `no answer within request.timeout.ms (${this.config['request.timeout.ms']} ms)`)
  }

  /**
   * NetworkClient's disconnect: every request in flight to the broker fails (the one that
   * timed out with REQUEST_TIMED_OUT, the others with NETWORK_EXCEPTION), metadata is
   * refreshed, and the batches are retried per the usual rules on a new connection.
   */
  private disconnect(broker: number, timedOut: number | null, reason: string): void {
    const requests = [...(this.connectionOrder.get(broker) ?? [])]
    this.ctx.emit('producer-disconnected', { broker, requests: requests.length, reason })
    this.metadata.requestUpdate()
    for (const correlationId of requests) {
      const request = this.inFlight.get(correlationId)
      if (!request) continue
      this.finishRequest(correlationId)
      const [errorCode, message] = correlationId === timedOut
        ? ['REQUEST_TIMED_OUT', `Disconnected from node ${broker} due to timeout`]
        : ['NETWORK_EXCEPTION', `Disconnected from node ${broker}: ${reason}`]
      for (const batch of request.batches) if (!batch.done) this.handleBatchError(batch, errorCode, message)
    }
    this.poll()
  }

  private finishRequest(correlationId: number): void {
    const request = this.inFlight.get(correlationId)!
    this.inFlight.delete(correlationId)
    if (request.timer >= 0) this.ctx.cancelTimer(request.timer)
    this.inFlightPerBroker.set(request.broker, (this.inFlightPerBroker.get(request.broker) ?? 1) - 1)
    const order = this.connectionOrder.get(request.broker)
    const index = order ? order.indexOf(correlationId) : -1
    if (index >= 0) order!.splice(index, 1)
  }

  /** Sender.completeBatch / canRetry / failBatch, for one partition's error. */
  private handleBatchError(batch: ProducerBatch, errorCode: string, message: string): void {
    batch.inFlight = false
    if (STALE_METADATA_ERRORS.has(errorCode as ErrorName)) this.metadata.requestUpdate()
    const now = this.ctx.now
    const canRetry = now - batch.createdMs < this.config['delivery.timeout.ms'] && batch.attempts < this.config.retries
    if (this.idempotent && canRetry) {
      // Renumbered by an epoch bump while this attempt was out: what the broker said of the
      // old numbers no longer applies; it goes again with the new ones.
      if (batch.sentProducerEpoch !== batch.producerEpoch || batch.sentBaseSequence !== batch.baseSequence) return this.retry(batch, errorCode)
      if (errorCode === 'OUT_OF_ORDER_SEQUENCE_NUMBER') {
        this.sequences.onOutOfOrderSequence(batch)
        return this.retry(batch, errorCode)
      }
    }
    if (RETRIABLE.has(errorCode) && canRetry) return this.retry(batch, errorCode)
    this.failBatch(batch, errorCode, message, 'refused')
  }

  private retry(batch: ProducerBatch, errorCode: string): void {
    batch.attempts++
    // retry.backoff.ms doubling up to retry.backoff.max.ms, with 20% jitter (ExponentialBackoff).
    const base = this.config['retry.backoff.ms']
    const exponential = Math.min(base * 2 ** (batch.attempts - 1), this.config['retry.backoff.max.ms'])
    const backoffMs = exponential * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * this.ctx.random())
    batch.retryAtMs = this.ctx.now + backoffMs
    this.accumulator.reenqueue(batch, this.idempotent)
    this.ctx.emit('producer-retry', { partition: batch.key, errorCode, attempt: batch.attempts, backoffMs: Math.round(backoffMs * 1000) / 1000, records: batch.records.length })
  }

  private completeBatch(batch: ProducerBatch, baseOffset: number): void {
    const now = this.ctx.now
    batch.done = true
    if (this.idempotent) this.sequences.completed(batch)
    batch.outcomes.forEach((outcome, i) => {
      outcome.status = 'acked'
      outcome.offset = baseOffset < 0 ? -1 : baseOffset + i
      outcome.completedAtMs = now
    })
    this.stats.acked += batch.records.length
    this.accumulator.remove(batch)
    this.ctx.emit('producer-batch-acked', {
      partition: batch.key,
      baseOffset,
      records: batch.records.length,
      firstId: batch.outcomes[0]!.id,
      attempts: batch.attempts + 1,
      latencyMs: Math.round((now - batch.createdMs) * 1000) / 1000,
    })
  }

  /** A batch that will not be sent again: expired (delivery.timeout.ms) or refused for good by a broker. */
  private failBatch(batch: ProducerBatch, error: string, message: string, how: 'expired' | 'refused'): void {
    batch.done = true
    if (this.idempotent) this.sequences.failed(batch, how)
    for (const outcome of batch.outcomes) this.settleFailure(outcome, error, message)
    this.accumulator.remove(batch)
    this.ctx.emit('producer-batch-failed', { partition: batch.key, error, records: batch.records.length, firstId: batch.outcomes[0]!.id, attempts: batch.attempts + 1 })
  }

  private failRecord(outcome: RecordOutcome, error: string, message: string): void {
    this.settleFailure(outcome, error, message)
    this.ctx.emit('producer-batch-failed', { partition: `${outcome.topic}-${outcome.partition}`, error, records: 1, firstId: outcome.id, attempts: 0 })
  }

  private settleFailure(outcome: RecordOutcome, error: string, message: string): void {
    outcome.status = 'failed'
    outcome.error = error
    outcome.errorMessage = message
    outcome.completedAtMs = this.ctx.now
    this.stats.failed++
  }

  /**
   * Sleeps until the earliest future moment something is due: a batch's linger or retry
   * time, a blocked send's deadline, a batch's delivery deadline, a metadata refresh, a
   * producer-id retry. Moments already past were dealt with by this poll; whatever still
   * waits on them (a ready batch with no leader, no free in-flight slot, no producer id
   * yet) waits for a response or a timeout, which polls again. Waking for them now would
   * spin without time passing.
   */
  private scheduleWake(now: number): void {
    let next = Infinity
    const consider = (atMs: number) => {
      if (atMs > now && atMs < next) next = atMs
    }
    consider(this.metadata.nextRefreshDueMs())
    const linger = this.config['linger.ms']
    const deliveryTimeoutMs = this.config['delivery.timeout.ms']
    for (const queue of this.accumulator.queues()) {
      if (queue.length === 0) continue
      // The oldest batch expires first; the first one not in flight decides when the partition may send.
      consider(queue[0]!.createdMs + deliveryTimeoutMs)
      const next = queue.find((batch) => !batch.inFlight)
      if (next) consider(next.attempts > 0 ? next.retryAtMs : next.createdMs + linger)
    }
    // Deadlines follow send order: the oldest waiting send's comes first.
    if (this.blockedCount > 0) consider(this.blocked[this.blockedHead]!.deadlineMs)
    if (this.idempotent && !this.sequences.hasProducerId && !this.initProducerId) consider(this.initRetryAtMs)
    if (next === Infinity) return
    if (this.wakeTimer && this.wakeTimer.atMs <= next && this.wakeTimer.atMs >= now) return
    if (this.wakeTimer) this.ctx.cancelTimer(this.wakeTimer.timer)
    this.wakeTimer = { timer: this.ctx.setTimer(next - now, 'wake'), atMs: next }
  }

  // --- metadata and producer id -----------------------------------------------------------

  private sendMetadataRequest(broker: number, request: MetadataRequest): void {
    this.metadataRequests.set(request.correlationId, this.ctx.setTimer(this.config['request.timeout.ms'], 'metadata-timeout', request.correlationId))
    this.ctx.send(broker, request)
  }

  private onMetadataResponse(response: MetadataResponse): void {
    const timer = this.metadataRequests.get(response.correlationId)
    if (timer !== undefined) {
      this.ctx.cancelTimer(timer)
      this.metadataRequests.delete(response.correlationId)
    }
    if (this.metadata.onResponse(response)) this.poll()
  }

  private maybeInitProducerId(): void {
    if (this.initProducerId || this.ctx.now < this.initRetryAtMs) return
    const brokers = this.options.bootstrapBrokers
    const broker = brokers[Math.floor(this.ctx.random() * brokers.length)]!
    const correlationId = ++this.correlationIds
    this.initProducerId = { correlationId, timer: this.ctx.setTimer(this.config['request.timeout.ms'], 'init-producer-id-timeout', correlationId) }
    this.ctx.send(broker, { type: 'InitProducerId', correlationId, transactionalId: null } satisfies InitProducerIdRequest)
  }

  private onInitProducerId(response: InitProducerIdResponse): void {
    if (this.initProducerId?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.initProducerId.timer)
    this.initProducerId = null
    if (response.errorCode !== 'NONE') {
      this.initRetryAtMs = this.ctx.now + this.config['retry.backoff.ms']
    } else {
      this.sequences.setProducerIdAndEpoch(response.producerId, response.producerEpoch)
      this.ctx.emit('producer-id-received', { producerId: response.producerId, producerEpoch: response.producerEpoch })
    }
    this.poll()
  }
}
