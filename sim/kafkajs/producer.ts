// KafkaJS 2.2.4's producer (kafkajs src/producer/index.js, messageProducer.js,
// sendMessages.js) over the sandbox's producer node (core/client/producer/producer.ts).
//
// send/sendBatch check their input as messageProducer.sendBatch does, with the same error
// classes and messages, then hand the records to a core producer node and resolve, on
// virtual time, when every record has an outcome: with KafkaJS's result (one entry per
// partition, { topicName, partition, errorCode, baseOffset, logAppendTime, logStartOffset },
// offsets as strings; [] with acks=0), or with KafkaJS's error.
//
// How the core producer is set up to behave as KafkaJS does: linger.ms 0 (KafkaJS sends at
// once), one batch per partition per send (batch.size = max.request.size), retries and
// backoff from the KafkaJS retry options (retries, initialRetryTime as retry.backoff.ms,
// maxRetryTime as retry.backoff.max.ms), idempotence only with `idempotent: true`
// (KafkaJS's default is off), maxInFlightRequests as max.in.flight.requests.per.connection,
// KafkaJS's partitioner as partitioner.class. acks, timeout and compression are options of
// each send in KafkaJS but configs of a producer in the core, so the facade keeps one core
// node per combination it has seen (most programs use one).
//
// Where it differs (core/README.md, "Where the sandbox simplifies"): the core retries each
// partition's batch on its own, as the Java Sender does, where KafkaJS retries the whole
// send per broker; its backoff doubles with a 20% jitter, which is KafkaJS's default
// multiplier and factor, so other values of those two are refused rather than ignored;
// keys and values are held as strings (Buffers are decoded as UTF-8).

import { ERROR_CODES, type ErrorName } from '../../core/errors.ts'
import type { Producer as CoreProducer, SendRecord } from '../../core/client/producer/producer.ts'
import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import type { RecordHeader } from '../../core/records.ts'
import { ClientError } from '../../core/client/errors.ts'
import { INT_MAX } from '../../core/config/types.ts'
import type { Cluster } from '../cluster.ts'
import { rejectUnknownKeys, requirePlainObject, InputError } from '../input.ts'
import type { RandomStream } from '../random.ts'
import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNotImplemented,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from './errors.ts'
import { InstrumentationEmitter, type Listener } from './events.ts'
import type { Logger } from './logger.ts'
import { asCorePartitioner, Partitioners, type CreatePartitioner } from './partitioners.ts'
import { DEFAULT_RETRY, resolveRetry, type ResolvedRetry, type RetryOptions } from './retry.ts'
import type { VirtualTime, WaitSignal } from './virtual-time.ts'

/** KafkaJS's CompressionTypes (src/protocol/message/compression/index.js). */
export const CompressionTypes = Object.freeze({ None: 0, GZIP: 1, Snappy: 2, LZ4: 3, ZSTD: 4 } as const)
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

/** KafkaJS's default `timeout` of a send: how long the broker may wait for acks (and the request timeout). */
const DEFAULT_SEND_TIMEOUT_MS = 30_000

export interface ProducerOptions {
  createPartitioner?: CreatePartitioner
  retry?: RetryOptions
  metadataMaxAge?: number
  allowAutoTopicCreation?: boolean
  idempotent?: boolean
  transactionalId?: string
  transactionTimeout?: number
  maxInFlightRequests?: number | null
}

const PRODUCER_OPTION_KEYS = ['createPartitioner', 'retry', 'metadataMaxAge', 'allowAutoTopicCreation', 'idempotent', 'transactionalId', 'transactionTimeout', 'maxInFlightRequests']

export interface IHeaders {
  [key: string]: string | Buffer | (string | Buffer)[] | undefined
}

export interface Message {
  key?: string | Buffer | null
  value: string | Buffer | null
  partition?: number
  headers?: IHeaders
  timestamp?: string | number
}

export interface ProducerRecord {
  topic: string
  messages: Message[]
  acks?: number
  timeout?: number
  compression?: number
}

export interface ProducerBatch {
  topicMessages?: { topic: string; messages: Message[] }[]
  acks?: number
  timeout?: number
  compression?: number
}

export interface RecordMetadata {
  topicName: string
  partition: number
  errorCode: number
  baseOffset?: string
  logAppendTime?: string
  logStartOffset?: string
}

/** KafkaJS's producer instrumentation events (src/producer/instrumentationEvents.js). */
export const PRODUCER_EVENTS = Object.freeze({
  CONNECT: 'producer.connect',
  DISCONNECT: 'producer.disconnect',
  REQUEST: 'producer.network.request',
  REQUEST_TIMEOUT: 'producer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'producer.network.request_queue_size',
} as const)

/** What a facade object needs of the cluster it runs on. */
export interface FacadeHost {
  readonly cluster: Cluster
  readonly clock: VirtualTime
  readonly clientId: string
  readonly logger: Logger
  /** The retry options given to new Kafka({ retry }), checked, not yet merged over the defaults. */
  readonly retryOptions: RetryOptions
  /** A named random stream of the run, for this facade object. */
  random(name: string): RandomStream
  /** A node id not yet in use, from the client id and `role`. */
  newNodeId(role: string): string
}

type ConnectionStatus = 'connected' | 'disconnecting' | 'disconnected'

interface SendSettings {
  acks: -1 | 0 | 1
  timeoutMs: number
  compression: number
}

export class Producer {
  readonly events = PRODUCER_EVENTS
  private status: ConnectionStatus = 'disconnected'
  private readonly idempotent: boolean
  private readonly retry: ResolvedRetry
  private readonly maxInFlightRequests: number | null
  private readonly partitioner: ReturnType<CreatePartitioner>
  private readonly nodes = new Map<string, CoreProducer>()
  private readonly nodeBaseId: string
  private readonly emitter: InstrumentationEmitter
  private readonly transactionalId: string | undefined
  /** KafkaJS's allowAutoTopicCreation (default true): whether its metadata requests let the broker create a missing topic. */
  private readonly allowAutoTopicCreation: boolean

  constructor(
    private readonly host: FacadeHost,
    options: ProducerOptions = {},
  ) {
    const where = 'kafka.producer(options)'
    requirePlainObject(options, where)
    rejectUnknownKeys(options as Record<string, unknown>, PRODUCER_OPTION_KEYS, where)
    this.idempotent = options.idempotent === true
    this.transactionalId = options.transactionalId
    if (options.allowAutoTopicCreation !== undefined && typeof options.allowAutoTopicCreation !== 'boolean') throw new InputError(`${where}.allowAutoTopicCreation`, 'true or false', options.allowAutoTopicCreation)
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true
    // Kafka.producer (src/index.js) passes { ...kafka retry, ...producer retry }: always an
    // object, so createProducer's "retries: MAX_SAFE_INTEGER when idempotent" default never
    // applies through it, and an idempotent producer retries 5 times unless told otherwise.
    const merged: RetryOptions = { ...this.host.retryOptions, ...(options.retry === undefined ? {} : requirePlainObject(options.retry, `${where}.retry`)) }
    if (this.idempotent && merged.retries !== undefined && merged.retries < 1) {
      throw new KafkaJSNonRetriableError('Idempotent producer must allow retries to protect against transient errors')
    }
    this.retry = resolveRetry(merged, DEFAULT_RETRY, `${where}.retry`)
    if (this.retry.multiplier !== DEFAULT_RETRY.multiplier || this.retry.factor !== DEFAULT_RETRY.factor) {
      throw new InputError(`${where}.retry`, `multiplier ${DEFAULT_RETRY.multiplier} and factor ${DEFAULT_RETRY.factor}: the sandbox's producer retries with the Java client's backoff, which has KafkaJS's default shape only`, { multiplier: this.retry.multiplier, factor: this.retry.factor })
    }
    if (this.idempotent && merged.retries !== undefined && merged.retries < Number.MAX_SAFE_INTEGER) {
      host.logger.namespace('Producer').warn('Limiting retries for the idempotent producer may invalidate EoS guarantees')
    }
    const maxInFlight = options.maxInFlightRequests ?? null
    if (maxInFlight !== null && (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1)) throw new InputError(`${where}.maxInFlightRequests`, 'a positive integer or null', maxInFlight)
    this.maxInFlightRequests = maxInFlight
    const createPartitioner = options.createPartitioner ?? Partitioners.DefaultPartitioner
    if (typeof createPartitioner !== 'function') throw new InputError(`${where}.createPartitioner`, 'a function returning a partitioner', createPartitioner)
    const stream = host.random('kafkajs:partitioner')
    this.partitioner = createPartitioner({ random: () => stream.next() })
    this.nodeBaseId = host.newNodeId('producer')
    this.emitter = new InstrumentationEmitter('producer', PRODUCER_EVENTS, () => host.cluster.now, host.logger.namespace('Producer'))
  }

  isIdempotent(): boolean {
    return this.idempotent
  }

  logger(): Logger {
    return this.host.logger
  }

  async connect(): Promise<void> {
    this.host.clock.touch()
    this.status = 'connected'
    this.emitter.emit(PRODUCER_EVENTS.CONNECT, null)
  }

  async disconnect(): Promise<void> {
    this.host.clock.touch()
    this.status = 'disconnected'
    this.emitter.emit(PRODUCER_EVENTS.DISCONNECT, null)
  }

  /** src/producer/index.js on(): returns a function that removes the listener. */
  on(eventName: string, listener: Listener): () => void {
    return this.emitter.on(eventName, listener)
  }

  async transaction(): Promise<never> {
    // src/producer/index.js: a producer without a transactionalId cannot start one.
    if (!this.transactionalId) throw new KafkaJSNonRetriableError('Must provide transactional id for transactional producer')
    throw new KafkaJSNotImplemented('Transactions are not modelled by kafkasim yet')
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const { acks, timeout, compression, topic, messages } = record
    return this.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] })
  }

  /** messageProducer.sendBatch: the checks in KafkaJS's order, then one core send. */
  async sendBatch({ acks = -1, timeout, compression, topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> {
    this.host.clock.touch()
    if (typeof (topicMessages as unknown as { some?: unknown }).some !== 'function') throw new TypeError('topicMessages.some is not a function')
    if (topicMessages.some(({ topic }) => !topic)) throw new KafkaJSNonRetriableError('Invalid topic')
    if (this.idempotent && acks !== -1) {
      throw new KafkaJSNonRetriableError(`Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees`)
    }
    for (const { topic, messages } of topicMessages) {
      if (!messages) throw new KafkaJSNonRetriableError(`Invalid messages array [${String(messages)}] for topic "${topic}"`)
      if (typeof (messages as unknown as { find?: unknown }).find !== 'function') throw new TypeError('messages.find is not a function')
      const withoutValue = messages.find((message) => {
        if (message === null || message === undefined) throw new TypeError(`Cannot read properties of ${String(message)} (reading 'value')`)
        return message.value === undefined
      })
      if (withoutValue) throw new KafkaJSNonRetriableError(`Invalid message without value for topic "${topic}": ${JSON.stringify(withoutValue)}`)
    }
    if (this.status === 'disconnecting') throw new KafkaJSNonRetriableError(`The producer is disconnecting; therefore, it can't safely accept messages anymore`)
    if (this.status === 'disconnected') throw new KafkaJSError('The producer is disconnected')

    // Merged per topic, as sendBatch does, then turned into core records.
    const records: SendRecord[] = []
    for (const { topic, messages } of topicMessages) for (const message of messages) records.push(toSendRecord(topic, message))
    if (acks !== -1 && acks !== 0 && acks !== 1) throw KafkaJSProtocolError.fromErrorName('INVALID_REQUIRED_ACKS')
    const codec = compression ?? CompressionTypes.None
    if (!Number.isInteger(codec) || codec < 0 || codec >= CODEC_NAMES.length) throw new KafkaJSNotImplemented(`Compression type ${String(codec)} not supported`)
    const settings: SendSettings = { acks, timeoutMs: timeout ?? DEFAULT_SEND_TIMEOUT_MS, compression: codec }
    if (!Number.isSafeInteger(settings.timeoutMs) || settings.timeoutMs < 1) throw new InputError('send({ timeout })', 'a positive integer of ms', timeout)

    const node = this.node(settings)
    const before = node.outcomes.length
    try {
      this.host.cluster.sim.command(this.nodeOf(settings), { op: 'send', records })
    } catch (error) {
      // The core producer's own refusals (a negative partition, a record over max.request.size).
      if (error instanceof ClientError) throw new KafkaJSNonRetriableError(error.message)
      throw error
    }
    const outcomes = node.outcomes.slice(before)
    // Every record settles within delivery.timeout.ms (+ max.block.ms waiting for metadata).
    const budgetMs = node.config['delivery.timeout.ms'] + node.config['max.block.ms']
    await this.host.clock.until(() => outcomes.every((o) => o.status !== 'pending'), {
      timeoutMs: budgetMs,
      signal: this.settledSignal(node),
      onTimeout: () => new KafkaJSError(`send: ${outcomes.filter((o) => o.status === 'pending').length} record(s) still unanswered after ${budgetMs} ms`),
    })
    const failed = outcomes.find((o) => o.status === 'failed')
    if (failed) throw this.errorFor(failed)
    return settings.acks === 0 ? [] : this.results(topicMessages.map((t) => t.topic), outcomes)
  }

  // --- the core producer nodes ---------------------------------------------------------

  private readonly signals = new Map<CoreProducer, WaitSignal>()

  /** Changes whenever one of the node's records settles: when a send may be done. */
  private settledSignal(node: CoreProducer): WaitSignal {
    let signal = this.signals.get(node)
    if (!signal) this.signals.set(node, (signal = () => node.stats.acked + node.stats.failed))
    return signal
  }

  private settingsKey(settings: SendSettings): string {
    let suffix = ''
    if (settings.acks !== -1) suffix += `-acks${settings.acks}`
    if (settings.compression !== CompressionTypes.None) suffix += `-${CODEC_NAMES[settings.compression]}`
    if (settings.timeoutMs !== DEFAULT_SEND_TIMEOUT_MS) suffix += `-timeout${settings.timeoutMs}`
    return suffix
  }

  private nodeOf(settings: SendSettings): string {
    return `${this.nodeBaseId}${this.settingsKey(settings)}`
  }

  /**
   * The longest a record can take with these settings: every attempt's request timeout plus
   * every backoff. The core producer's delivery.timeout.ms and max.block.ms, so that a
   * record fails only once KafkaJS would have run out of retries.
   */
  private deliveryBudgetMs(settings: SendSettings): number {
    let total = 0
    let backoffMs = this.retry.initialRetryTime
    for (let attempt = 0; attempt <= this.retry.retries && total < INT_MAX; attempt++) {
      total += settings.timeoutMs + Math.ceil(backoffMs * (1 + this.retry.factor))
      backoffMs = Math.min(backoffMs * this.retry.multiplier, this.retry.maxRetryTime)
    }
    return Math.min(total, INT_MAX)
  }

  private node(settings: SendSettings): CoreProducer {
    const id = this.nodeOf(settings)
    let node = this.nodes.get(id)
    if (node) return node
    const budgetMs = this.deliveryBudgetMs(settings)
    const config: Record<string, unknown> = {
      'acks': settings.acks === -1 ? 'all' : settings.acks,
      'enable.idempotence': this.idempotent,
      'retries': Math.min(this.retry.retries, INT_MAX),
      'retry.backoff.ms': this.retry.initialRetryTime,
      'retry.backoff.max.ms': Math.max(this.retry.maxRetryTime, this.retry.initialRetryTime),
      'linger.ms': 0,
      'batch.size': 1_048_576,
      'request.timeout.ms': settings.timeoutMs,
      'delivery.timeout.ms': budgetMs,
      'max.block.ms': budgetMs,
      'compression.type': CODEC_NAMES[settings.compression],
    }
    // KafkaJS: null means no limit; the Java model needs a number, and at most 5 with idempotence.
    if (this.maxInFlightRequests !== null) config['max.in.flight.requests.per.connection'] = this.maxInFlightRequests
    else if (!this.idempotent) config['max.in.flight.requests.per.connection'] = INT_MAX
    // The core producer creates missing topics by default, as KafkaJS does; only a refusal is passed on.
    const autoCreate = this.allowAutoTopicCreation ? {} : { allowAutoTopicCreation: false }
    node = this.host.cluster.addProducer(id, { config, partitioner: asCorePartitioner(this.partitioner), ...autoCreate })
    this.nodes.set(id, node)
    return node
  }

  // --- results and errors -------------------------------------------------------------

  /** One entry per partition written, as responseSerializer flattens Produce responses. */
  private results(topics: string[], outcomes: readonly RecordOutcome[]): RecordMetadata[] {
    const byPartition = new Map<string, { topic: string; partition: number; baseOffset: number }>()
    for (const o of outcomes) {
      const key = `${o.topic}\u0000${o.partition}`
      const entry = byPartition.get(key)
      if (!entry) byPartition.set(key, { topic: o.topic, partition: o.partition, baseOffset: o.offset ?? -1 })
      else entry.baseOffset = Math.min(entry.baseOffset, o.offset ?? -1)
    }
    const order = [...new Set(topics)]
    return [...byPartition.values()]
      .sort((a, b) => order.indexOf(a.topic) - order.indexOf(b.topic) || a.partition - b.partition)
      .map(({ topic, partition, baseOffset }) => ({
        topicName: topic,
        partition,
        errorCode: 0,
        baseOffset: String(baseOffset),
        logAppendTime: '-1',
        logStartOffset: String(this.logStartOffset(topic, partition)),
      }))
  }

  /** The leader's log start offset, which a Produce response carries (v5+). */
  private logStartOffset(topic: string, partition: number): number {
    const cluster = this.host.cluster
    const state = cluster.controller()?.image.topicsById
    if (!state) return -1
    for (const t of state.values()) {
      if (t.name !== topic) continue
      const leader = t.partitions.get(partition)?.leader ?? -1
      return (leader >= 0 ? cluster.brokerNode(leader)?.partitions.get(`${topic}-${partition}`)?.log.logStartOffset : undefined) ?? -1
    }
    return -1
  }

  /**
   * The error KafkaJS's send would reject with for a record the core producer gave up on.
   * A retriable cause means the retries ran out (KafkaJSNumberOfRetriesExceeded, as the
   * retrier wraps it); a cause that is not retriable comes through as itself.
   */
  private errorFor(outcome: RecordOutcome): Error {
    const error = outcome.error ?? 'UNKNOWN_SERVER_ERROR'
    const message = outcome.errorMessage ?? error
    let cause: KafkaJSError
    if (message.startsWith('Disconnected from node') && error === 'REQUEST_TIMED_OUT') {
      cause = new KafkaJSRequestTimeoutError(`Request Produce(key: 0, version: 7) timed out`, { broker: brokerOf(message) })
    } else if (message.startsWith('Disconnected from node')) {
      cause = new KafkaJSConnectionError(`Connection error: ${message}`, { broker: brokerOf(message) })
    } else if (Object.hasOwn(ERROR_CODES, error)) {
      cause = KafkaJSProtocolError.fromErrorName(error as ErrorName)
    } else if (error === 'TimeoutException') {
      cause = new KafkaJSError(message) // ran out of time while retrying: retriable, so the retries ran out
    } else {
      return new KafkaJSNonRetriableError(message)
    }
    if (!cause.retriable) return cause
    let retryTime = this.retry.initialRetryTime
    for (let i = 0; i < Math.min(this.retry.retries, 64); i++) retryTime = Math.min(retryTime * this.retry.multiplier, this.retry.maxRetryTime)
    return new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: this.retry.retries, retryTime })
  }

}

function brokerOf(message: string): string | undefined {
  return /Disconnected from node (\d+)/.exec(message)?.[1]
}

/**
 * A KafkaJS message as a core record. Keys and values are encoded as KafkaJS's Encoder
 * does (writeVarIntBytes): null/undefined stay null, a Buffer is taken as is (held here as
 * UTF-8 text), anything else goes through String(). Before that, Buffer.byteLength sizes
 * them (sizeOfVarIntBytes), which throws Node's TypeError for a number, boolean or plain
 * object: the error KafkaJS's send rejects with for such a value.
 */
function toSendRecord(topic: string, message: Message): SendRecord {
  const key = encodeBytes(message.key)
  const value = encodeBytes(message.value)
  const record: SendRecord = { topic, key, value }
  if (message.partition !== undefined && message.partition !== null) record.partition = message.partition
  if (message.timestamp !== undefined && message.timestamp !== null) record.timestamp = Number(message.timestamp)
  if (message.headers) record.headers = toHeaders(message.headers)
  return record
}

/** Node's Buffer; absent in a browser, where only strings and null can be sent. */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer

function encodeBytes(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (!NodeBuffer) throw new TypeError(`kafkasim in a browser sends strings and null only, got ${typeof value}`)
  NodeBuffer.byteLength(value as string) // throws Node's TypeError for what KafkaJS cannot encode
  return NodeBuffer.isBuffer(value) ? value.toString('utf8') : String(value)
}

/** KafkaJS headers: { key: value | value[] }, one record header per value (record/v0 headersArray). */
function toHeaders(headers: IHeaders): RecordHeader[] {
  const out: RecordHeader[] = []
  for (const key of Object.keys(headers)) {
    const value = headers[key]
    const values = Array.isArray(value) ? value : [value]
    for (const v of values) out.push({ key, value: encodeBytes(v) })
  }
  return out
}
