// A raw client: it sends Produce and Fetch requests to partition leaders, exactly as told,
// and records every request, response, error and timeout. It never retries a produce, so
// every record it sends is sent once: what a broker keeps or loses is the broker's doing.
// It keeps a metadata cache (leaders by partition), refreshed from any broker on start,
// on NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION / LEADER_NOT_AVAILABLE, and
// every metadata.max.age.ms. The full producer and consumer build on the same protocol.

import type { ErrorName } from '../errors.ts'
import type { Message, NodeContext, NodeId, SimNode } from '../node.ts'
import { CONSUMER_REPLICA_ID, firstCorrelationId, type FetchRequest, type FetchResponse, type MetadataRequest, type MetadataResponse, type ProduceRequest, type ProduceResponse } from '../protocol.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, recordSizeBytes, type RecordBatch } from '../records.ts'

/** request.timeout.ms (producer and consumer default, 30 s). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** metadata.max.age.ms (5 minutes). */
const METADATA_MAX_AGE_MS = 300_000
/** How soon a request waiting for a leader asks for metadata again. */
const METADATA_RETRY_MS = 100

export interface RawClientOptions {
  /** Brokers to ask for metadata, tried in turn. */
  bootstrapBrokers: readonly number[]
  requestTimeoutMs?: number
  /** An optional steady workload: one record at a time to these partitions, round robin. */
  workload?: RawProduceWorkload
}

export interface RawProduceWorkload {
  partitions: readonly { topic: string; partition: number }[]
  acks: -1 | 0 | 1
  /** Records per simulated second. */
  recordsPerSec: number
  /** Stop sending at this simulated time (ms since start); unset: never. */
  stopAtMs?: number
}

export type RawCommand =
  | { op: 'produce'; topic: string; partition: number; values: readonly (string | null)[]; keys?: readonly (string | null)[]; acks: number; timeoutMs?: number }
  | { op: 'fetch'; topic: string; partition: number; offset: number; maxBytes?: number }
  | { op: 'stopWorkload' }

/** One produce as the client saw it end to end. */
export interface ProduceOutcome {
  requestId: number
  topic: string
  partition: number
  values: readonly (string | null)[]
  acks: number
  leader: number
  sentAtMs: number
  /** pending until answered; 'timeout' is ambiguous (the records may or may not be in the log). */
  status: 'pending' | 'acked' | 'failed' | 'timeout' | 'unacknowledged'
  errorCode?: ErrorName
  baseOffset?: number
  answeredAtMs?: number
}

export interface FetchOutcome {
  requestId: number
  topic: string
  partition: number
  offset: number
  status: 'pending' | 'done' | 'failed' | 'timeout'
  errorCode?: ErrorName
  highWatermark?: number
  batches?: readonly RecordBatch[]
}

interface InFlight {
  kind: 'produce' | 'fetch' | 'metadata'
  requestId: number
  broker: number
  timer: number
}

export class RawClient implements SimNode {
  readonly produces: ProduceOutcome[] = []
  readonly fetches: FetchOutcome[] = []
  /** "topic-partition" -> leader broker id, from the last metadata. */
  private readonly leaders = new Map<string, number>()
  private readonly inFlight = new Map<number, InFlight>()
  /** Sends waiting for a leader to be known. */
  private waiting: (() => boolean)[] = []
  private correlationIds: number
  private metadataRequested = false
  private bootstrapIndex = 0
  private workloadStopped = false
  private workloadNext = 0
  private sequence = 0

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: RawClientOptions,
  ) {
    this.correlationIds = firstCorrelationId(ctx)
  }

  start(): void {
    this.refreshMetadata()
    this.ctx.setTimer(METADATA_MAX_AGE_MS, 'metadata-max-age')
    const workload = this.options.workload
    if (workload && workload.recordsPerSec > 0) this.ctx.setTimer(1000 / workload.recordsPerSec, 'workload')
  }

  onCommand(command: unknown): unknown {
    const c = command as RawCommand
    switch (c.op) {
      case 'produce':
        return this.produce(c.topic, c.partition, c.values, c.keys, c.acks, c.timeoutMs)
      case 'fetch':
        return this.fetch(c.topic, c.partition, c.offset, c.maxBytes ?? 1024 * 1024)
      case 'stopWorkload':
        this.workloadStopped = true
        return null
      default:
        throw new Error(`raw client: unknown command ${JSON.stringify(command)}`)
    }
  }

  onMessage(_from: NodeId, message: Message): void {
    const correlationId = (message as { correlationId?: number }).correlationId
    if (correlationId === undefined) return
    const pending = this.inFlight.get(correlationId)
    if (!pending) return // answered after we gave up on it
    this.inFlight.delete(correlationId)
    this.ctx.cancelTimer(pending.timer)
    if (message.type === 'MetadataResponse') this.onMetadata(message as MetadataResponse)
    else if (message.type === 'ProduceResponse') this.onProduceResponse(pending.requestId, message as ProduceResponse)
    else if (message.type === 'FetchResponse') this.onFetchResponse(pending.requestId, message as FetchResponse)
  }

  onTimer(name: string, data: unknown): void {
    switch (name) {
      case 'request-timeout':
        return this.onTimeout(data as number)
      case 'metadata-max-age':
        this.refreshMetadata()
        this.ctx.setTimer(METADATA_MAX_AGE_MS, 'metadata-max-age')
        return
      case 'metadata-retry':
        this.metadataRequested = false
        if (this.waiting.length > 0) this.refreshMetadata()
        return
      case 'workload':
        return this.workloadTick()
    }
  }

  snapshot(): unknown {
    const count = (status: ProduceOutcome['status']) => this.produces.filter((p) => p.status === status).length
    return { produced: this.produces.length, acked: count('acked'), failed: count('failed'), timedOut: count('timeout'), pending: count('pending') }
  }

  // --- produce / fetch --------------------------------------------------------------

  /** Sends one batch to the partition's leader (once known). Returns the request id. */
  produce(topic: string, partition: number, values: readonly (string | null)[], keys: readonly (string | null)[] | undefined, acks: number, timeoutMs = this.requestTimeoutMs): number {
    const requestId = this.produces.length
    const outcome: ProduceOutcome = { requestId, topic, partition, values, acks, leader: -1, sentAtMs: this.ctx.now, status: 'pending' }
    this.produces.push(outcome)
    this.whenLeaderKnown(topic, partition, (leader) => {
      outcome.leader = leader
      outcome.sentAtMs = this.ctx.now
      // Record timestamps are whole milliseconds (CreateTime), as Kafka's are.
      const timestamp = Math.floor(this.ctx.now)
      const request: ProduceRequest = {
        type: 'Produce',
        correlationId: ++this.correlationIds,
        acks,
        timeoutMs,
        partitions: [
          {
            topic,
            partition,
            records: values.map((value, i) => {
              const key = keys?.[i] ?? null
              return { key, value, timestamp, sizeBytes: recordSizeBytes(key, value) }
            }),
            producerId: NO_PRODUCER_ID,
            producerEpoch: NO_PRODUCER_EPOCH,
            baseSequence: NO_SEQUENCE,
          },
        ],
      }
      this.ctx.emit('client-produce-sent', { requestId, topic, partition, leader, acks, records: values.length })
      if (acks === 0) {
        // acks=0: no answer will come; the client counts it as sent and never hears more.
        outcome.status = 'unacknowledged'
        this.ctx.send(leader, request)
        return
      }
      this.sendRequest('produce', requestId, leader, request)
    })
    return requestId
  }

  fetch(topic: string, partition: number, offset: number, maxBytes: number): number {
    const requestId = this.fetches.length
    const outcome: FetchOutcome = { requestId, topic, partition, offset, status: 'pending' }
    this.fetches.push(outcome)
    this.whenLeaderKnown(topic, partition, (leader) => {
      const request: FetchRequest = {
        type: 'Fetch',
        correlationId: ++this.correlationIds,
        replicaId: CONSUMER_REPLICA_ID,
        replicaEpoch: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes,
        partitions: [{ topic, topicId: this.topicIds.get(topic) ?? '', partition, fetchOffset: offset, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: maxBytes }],
      }
      this.sendRequest('fetch', requestId, leader, request)
    })
    return requestId
  }

  private readonly topicIds = new Map<string, string>()

  private get requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  }

  private sendRequest(kind: InFlight['kind'], requestId: number, broker: number, request: ProduceRequest | FetchRequest | MetadataRequest): void {
    this.inFlight.set(request.correlationId, { kind, requestId, broker, timer: this.ctx.setTimer(this.requestTimeoutMs, 'request-timeout', request.correlationId) })
    this.ctx.send(broker, request)
  }

  private onProduceResponse(requestId: number, response: ProduceResponse): void {
    const outcome = this.produces[requestId]!
    const result = response.partitions[0]!
    outcome.answeredAtMs = this.ctx.now
    if (result.errorCode === 'NONE') {
      outcome.status = 'acked'
      outcome.baseOffset = result.baseOffset
      this.ctx.emit('client-produce-acked', { requestId, topic: outcome.topic, partition: outcome.partition, baseOffset: result.baseOffset, acks: outcome.acks, values: outcome.values })
      return
    }
    outcome.status = 'failed'
    outcome.errorCode = result.errorCode
    this.ctx.emit('client-produce-failed', { requestId, topic: outcome.topic, partition: outcome.partition, errorCode: result.errorCode })
    if (result.errorCode === 'NOT_LEADER_OR_FOLLOWER' || result.errorCode === 'UNKNOWN_TOPIC_OR_PARTITION') this.forgetLeader(outcome.topic, outcome.partition)
  }

  private onFetchResponse(requestId: number, response: FetchResponse): void {
    const outcome = this.fetches[requestId]!
    const result = response.partitions[0]!
    outcome.errorCode = result.errorCode
    outcome.highWatermark = result.highWatermark
    if (result.errorCode === 'NONE') {
      outcome.status = 'done'
      outcome.batches = result.batches
    } else {
      outcome.status = 'failed'
      if (result.errorCode === 'NOT_LEADER_OR_FOLLOWER' || result.errorCode === 'UNKNOWN_TOPIC_OR_PARTITION') this.forgetLeader(outcome.topic, outcome.partition)
    }
    this.ctx.emit('client-fetch-answered', { requestId, topic: outcome.topic, partition: outcome.partition, errorCode: result.errorCode, records: result.batches.reduce((n, b) => n + b.records.length, 0) })
  }

  private onTimeout(correlationId: number): void {
    const pending = this.inFlight.get(correlationId)
    if (!pending) return
    this.inFlight.delete(correlationId)
    if (pending.kind === 'metadata') {
      this.metadataRequested = false
      this.bootstrapIndex++
      this.refreshMetadata()
      return
    }
    if (pending.kind === 'produce') {
      const outcome = this.produces[pending.requestId]!
      outcome.status = 'timeout'
      outcome.answeredAtMs = this.ctx.now
      this.ctx.emit('client-produce-timed-out', { requestId: pending.requestId, topic: outcome.topic, partition: outcome.partition })
      this.forgetLeader(outcome.topic, outcome.partition)
    } else {
      const outcome = this.fetches[pending.requestId]!
      outcome.status = 'timeout'
      this.forgetLeader(outcome.topic, outcome.partition)
    }
  }

  private workloadTick(): void {
    const workload = this.options.workload!
    if (this.workloadStopped || (workload.stopAtMs !== undefined && this.ctx.now >= workload.stopAtMs)) return
    const target = workload.partitions[this.workloadNext++ % workload.partitions.length]!
    this.produce(target.topic, target.partition, [`${String(this.ctx.id)}-${this.sequence++}`], undefined, workload.acks)
    this.ctx.setTimer(1000 / workload.recordsPerSec, 'workload')
  }

  // --- metadata -------------------------------------------------------------------

  private whenLeaderKnown(topic: string, partition: number, send: (leader: number) => void): void {
    const attempt = () => {
      const leader = this.leaders.get(`${topic}-${partition}`)
      if (leader === undefined) return false
      send(leader)
      return true
    }
    if (attempt()) return
    this.waiting.push(attempt)
    this.refreshMetadata()
  }

  private forgetLeader(topic: string, partition: number): void {
    this.leaders.delete(`${topic}-${partition}`)
    this.refreshMetadata()
  }

  private refreshMetadata(): void {
    if (this.metadataRequested) return
    this.metadataRequested = true
    const brokers = this.options.bootstrapBrokers
    const broker = brokers[this.bootstrapIndex % brokers.length]!
    const request: MetadataRequest = { type: 'Metadata', correlationId: ++this.correlationIds, topics: null }
    this.sendRequest('metadata', -1, broker, request)
  }

  private onMetadata(response: MetadataResponse): void {
    this.metadataRequested = false
    this.leaders.clear()
    for (const topic of response.topics) {
      this.topicIds.set(topic.name, topic.topicId)
      for (const p of topic.partitions) if (p.leaderId >= 0) this.leaders.set(`${topic.name}-${p.partition}`, p.leaderId)
    }
    this.waiting = this.waiting.filter((attempt) => !attempt())
    // Still waiting (no leader yet, an unknown topic): ask another broker shortly.
    if (this.waiting.length > 0) {
      this.metadataRequested = true
      this.bootstrapIndex++
      this.ctx.setTimer(METADATA_RETRY_MS, 'metadata-retry')
    }
  }
}
