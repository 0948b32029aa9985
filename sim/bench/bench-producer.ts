// The replication benchmark's producer: a steady, open-loop load of keyless records,
// shaped like Kafka's producer with its defaults where they matter to the brokers.
//
// - Records arrive at exactly `recordsPerSec` simulated records per second, spread round
//   robin over the topic's partitions (a null key). Record i arrives at
//   startMs + i * 1000 / recordsPerSec; every value is the same `valueBytes`-character
//   string (strings are immutable, so a million records cost no extra memory for values).
// - Every `lingerMs` (5 ms, linger.ms's default in Kafka 4) the records that arrived
//   since the last send go out as ONE Produce request per leader broker, carrying one
//   batch per partition that broker leads. acks=-1, request.timeout.ms 30 s, at most
//   max.in.flight.requests.per.connection (5) requests in flight per broker; a broker
//   at that limit gets its records in the next request it can take.
// - It learns leaders once, from one Metadata request, as the raw client does; it never
//   retries (a benchmark without faults has nothing to retry), it counts failures.
// - It counts acknowledged records and two latencies, in simulated ms: a record's, from
//   its arrival to its acknowledgement (linger wait included, Kafka's record-queue time
//   plus request latency), and a request's, from send to response.
//
// Simplification, stated: Kafka's producer also sends a partition's batch as soon as it
// reaches batch.size (16 KiB, about 15 of these records) rather than waiting for
// linger.ms; here each 5 ms batch holds every record of the interval (about 21 at the
// benchmark's rate). It is deterministic: no randomness but its correlation ids' start.

import type { ErrorName } from '../../core/errors.ts'
import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'
import {
  firstCorrelationId,
  type MetadataRequest,
  type MetadataResponse,
  type ProducePartitionData,
  type ProduceRequest,
  type ProduceResponse,
} from '../../core/protocol.ts'
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, recordSizeBytes, type ProducerRecord } from '../../core/records.ts'

export interface BenchProducerOptions {
  /** Brokers to ask for metadata, tried in turn. */
  bootstrapBrokers: readonly number[]
  topic: string
  /** The topic's partition count: records go round robin over 0..partitions-1. */
  partitions: number
  /** Records per simulated second, a positive integer. */
  recordsPerSec: number
  /** How long records keep arriving, from when the leaders are known; a multiple of lingerMs. */
  durationMs: number
  /** linger.ms: a positive integer. */
  lingerMs: number
  /** Characters in every record's value (ASCII, so also its bytes). */
  valueBytes: number
  requestTimeoutMs: number
  /** max.in.flight.requests.per.connection. */
  maxInFlightPerBroker: number
}

export const BENCH_PRODUCER_DEFAULTS: Omit<BenchProducerOptions, 'bootstrapBrokers' | 'topic' | 'partitions' | 'recordsPerSec' | 'durationMs'> = {
  lingerMs: 5,
  valueBytes: 1024,
  requestTimeoutMs: 30_000,
  maxInFlightPerBroker: 5,
}

/** How soon an incomplete Metadata answer (a partition without a leader) is asked again. */
const METADATA_RETRY_MS = 100
const ACKS_ALL = -1

/** A latency histogram in 0.01 ms buckets up to 1 s, and one bucket beyond. */
class LatencyHistogram {
  private static readonly BUCKET_MS = 0.01
  private static readonly BUCKETS = 100_000
  private readonly counts = new Uint32Array(LatencyHistogram.BUCKETS + 1)
  count = 0
  maxMs = 0

  add(latencyMs: number, times = 1): void {
    const bucket = Math.min(Math.floor(latencyMs / LatencyHistogram.BUCKET_MS), LatencyHistogram.BUCKETS)
    this.counts[bucket]! += times
    this.count += times
    if (latencyMs > this.maxMs) this.maxMs = latencyMs
  }

  /** The upper edge of the bucket holding the q-quantile (0 < q <= 1), in ms; the maximum past 1 s; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket]!
      if (seen >= rank) {
        if (bucket === LatencyHistogram.BUCKETS) return this.maxMs
        return Math.round((bucket + 1) * LatencyHistogram.BUCKET_MS * 100) / 100
      }
    }
    return this.maxMs
  }
}

/** The records of one partition's batch: record indices first, first + P, first + 2P, ... */
interface SentBatch {
  partition: number
  firstIndex: number
  count: number
}

interface InFlightProduce {
  broker: number
  sentAtMs: number
  timer: number
  batches: SentBatch[]
}

export interface BenchProducerStats {
  /** When records started arriving (the leaders were known), simulated ms; -1 before. */
  startMs: number
  recordsGenerated: number
  recordsSent: number
  recordsAcked: number
  recordsFailed: number
  recordsTimedOut: number
  produceRequests: number
  produceResponses: number
  /** The most requests in flight to one broker at once. */
  maxInFlight: number
  /** A record's latency, arrival to acknowledgement, simulated ms. */
  recordLatencyP50Ms: number
  recordLatencyP99Ms: number
  recordLatencyMaxMs: number
  /** A request's latency, send to response, simulated ms. */
  requestLatencyP50Ms: number
  requestLatencyP99Ms: number
  /** Error codes seen, with how many partition results carried each. */
  errors: Partial<Record<ErrorName, number>>
}

export class BenchProducer implements SimNode {
  /** Per partition, the acknowledged batches in order of acknowledgement: [baseOffset, count, baseOffset, count, ...]. */
  readonly ackedRanges: number[][]
  private readonly value: string
  /** The serialized size of every record (one value, no key, no headers): computed once, as a producer serializes once. */
  private readonly valueRecordBytes: number
  private readonly leaderOf: number[]
  /** Leader broker -> the partitions it leads, ascending. */
  private readonly partitionsByLeader = new Map<number, number[]>()
  /** Per partition: the first record index not yet sent, and how many are waiting. */
  private readonly pendingFirst: number[]
  private readonly pendingCount: number[]
  private readonly inFlight = new Map<number, InFlightProduce>()
  private readonly inFlightByBroker = new Map<number, number>()
  /** Brokers whose records could not go at the last linger tick (at the in-flight limit). */
  private readonly held = new Set<number>()
  private readonly recordLatency = new LatencyHistogram()
  private readonly requestLatency = new LatencyHistogram()
  private readonly errors: Partial<Record<ErrorName, number>> = {}
  private readonly totalTicks: number
  private correlationIds: number
  private metadataRequest: { correlationId: number; timer: number } | null = null
  private bootstrapIndex = 0
  private startMs = -1
  private ticks = 0
  private generated = 0
  private sent = 0
  private acked = 0
  private failed = 0
  private timedOut = 0
  private requests = 0
  private responses = 0
  private maxInFlight = 0
  /** Whole-ms timestamps change slowly: consecutive records share one ProducerRecord object. */
  private lastRecord: ProducerRecord | null = null

  constructor(
    private readonly ctx: NodeContext,
    readonly options: BenchProducerOptions,
  ) {
    for (const name of ['partitions', 'recordsPerSec', 'lingerMs', 'maxInFlightPerBroker'] as const) {
      const value = options[name]
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`bench producer: ${name} must be a positive integer, got ${String(value)}`)
    }
    if (!Number.isSafeInteger(options.valueBytes) || options.valueBytes < 0) throw new Error(`bench producer: valueBytes must be a non-negative integer, got ${String(options.valueBytes)}`)
    if (!Number.isSafeInteger(options.durationMs) || options.durationMs < 0 || options.durationMs % options.lingerMs !== 0) {
      throw new Error(`bench producer: durationMs must be a non-negative multiple of lingerMs (${options.lingerMs}), got ${String(options.durationMs)}`)
    }
    if (options.bootstrapBrokers.length === 0) throw new Error('bench producer: bootstrapBrokers must not be empty')
    this.value = 'x'.repeat(options.valueBytes)
    this.valueRecordBytes = recordSizeBytes(null, this.value)
    this.leaderOf = new Array<number>(options.partitions).fill(-1)
    this.pendingFirst = new Array<number>(options.partitions).fill(0)
    this.pendingCount = new Array<number>(options.partitions).fill(0)
    this.ackedRanges = Array.from({ length: options.partitions }, () => [])
    this.totalTicks = options.durationMs / options.lingerMs
    this.correlationIds = firstCorrelationId(ctx)
  }

  start(): void {
    this.requestMetadata()
  }

  /** Every record has arrived, been sent and been answered (or timed out). */
  get finished(): boolean {
    return this.startMs >= 0 && this.ticks === this.totalTicks && this.sent === this.generated && this.inFlight.size === 0
  }

  /** The value every record carries. */
  get recordValue(): string {
    return this.value
  }

  stats(): BenchProducerStats {
    return {
      startMs: this.startMs,
      recordsGenerated: this.generated,
      recordsSent: this.sent,
      recordsAcked: this.acked,
      recordsFailed: this.failed,
      recordsTimedOut: this.timedOut,
      produceRequests: this.requests,
      produceResponses: this.responses,
      maxInFlight: this.maxInFlight,
      recordLatencyP50Ms: this.recordLatency.quantile(0.5),
      recordLatencyP99Ms: this.recordLatency.quantile(0.99),
      recordLatencyMaxMs: Math.round(this.recordLatency.maxMs * 1000) / 1000,
      requestLatencyP50Ms: this.requestLatency.quantile(0.5),
      requestLatencyP99Ms: this.requestLatency.quantile(0.99),
      errors: { ...this.errors },
    }
  }

  snapshot(): unknown {
    const { recordsGenerated, recordsSent, recordsAcked, recordsFailed, recordsTimedOut, produceRequests } = this.stats()
    return { recordsGenerated, recordsSent, recordsAcked, recordsFailed, recordsTimedOut, produceRequests, inFlight: this.inFlight.size }
  }

  onMessage(_from: NodeId, message: Message): void {
    if (message.type === 'ProduceResponse') return this.onProduceResponse(message as ProduceResponse)
    if (message.type === 'MetadataResponse') return this.onMetadata(message as MetadataResponse)
  }

  onTimer(name: string, data: unknown): void {
    switch (name) {
      case 'linger':
        return this.onLinger()
      case 'request-timeout':
        return this.onRequestTimeout(data as number)
      case 'metadata-timeout':
        if (this.metadataRequest?.correlationId === data) {
          this.metadataRequest = null
          this.bootstrapIndex++
          this.requestMetadata()
        }
        return
      case 'metadata-retry':
        return this.requestMetadata()
    }
  }

  // --- metadata -----------------------------------------------------------------------

  private requestMetadata(): void {
    const brokers = this.options.bootstrapBrokers
    const broker = brokers[this.bootstrapIndex % brokers.length]!
    const correlationId = ++this.correlationIds
    this.metadataRequest = { correlationId, timer: this.ctx.setTimer(this.options.requestTimeoutMs, 'metadata-timeout', correlationId) }
    this.ctx.send(broker, { type: 'Metadata', correlationId, topics: [this.options.topic] } satisfies MetadataRequest)
  }

  private onMetadata(response: MetadataResponse): void {
    if (this.metadataRequest?.correlationId !== response.correlationId) return
    this.ctx.cancelTimer(this.metadataRequest.timer)
    this.metadataRequest = null
    const topic = response.topics.find((t) => t.name === this.options.topic)
    const leaders = new Array<number>(this.options.partitions).fill(-1)
    for (const p of topic?.partitions ?? []) if (p.partition < leaders.length && p.errorCode === 'NONE') leaders[p.partition] = p.leaderId
    if (leaders.some((leader) => leader < 0)) {
      // Not every partition has a leader yet: ask another broker shortly.
      this.bootstrapIndex++
      this.ctx.setTimer(METADATA_RETRY_MS, 'metadata-retry')
      return
    }
    leaders.forEach((leader, partition) => {
      this.leaderOf[partition] = leader
      let led = this.partitionsByLeader.get(leader)
      if (!led) this.partitionsByLeader.set(leader, (led = []))
      led.push(partition)
    })
    // Send to brokers in ascending id order, whatever order the metadata listed them in.
    const byLeader = [...this.partitionsByLeader].sort((a, b) => a[0] - b[0])
    this.partitionsByLeader.clear()
    for (const [leader, partitions] of byLeader) this.partitionsByLeader.set(leader, partitions)
    this.startMs = this.ctx.now
    this.ctx.emit('bench-producer-started', { leaders })
    if (this.totalTicks > 0) this.ctx.setTimer(this.options.lingerMs, 'linger')
  }

  // --- producing ----------------------------------------------------------------------

  private onLinger(): void {
    const { lingerMs, recordsPerSec, partitions } = this.options
    this.ticks++
    // Integer arithmetic: exactly recordsPerSec records per simulated second, however the ticks fall.
    const due = Math.floor((this.ticks * lingerMs * recordsPerSec) / 1000)
    // Record i goes to partition i mod P; a partition's waiting records are first, first + P, ...
    for (let i = this.generated; i < due && i < this.generated + partitions; i++) {
      const partition = i % partitions
      const arrived = Math.floor((due - 1 - i) / partitions) + 1
      if (this.pendingCount[partition] === 0) this.pendingFirst[partition] = i
      this.pendingCount[partition]! += arrived
    }
    this.generated = due
    for (const broker of this.partitionsByLeader.keys()) this.sendTo(broker)
    if (this.ticks < this.totalTicks) {
      // Aim each tick at startMs + k * lingerMs, so the clock's float sums never drift.
      this.ctx.setTimer(Math.max(0, this.startMs + (this.ticks + 1) * lingerMs - this.ctx.now), 'linger')
    }
  }

  /** One Produce to `broker` with one batch per partition it leads that has records waiting. */
  private sendTo(broker: number): void {
    const inFlight = this.inFlightByBroker.get(broker) ?? 0
    if (inFlight >= this.options.maxInFlightPerBroker) {
      this.held.add(broker)
      return
    }
    this.held.delete(broker)
    const now = this.ctx.now
    const data: ProducePartitionData[] = []
    const batches: SentBatch[] = []
    for (const partition of this.partitionsByLeader.get(broker)!) {
      const count = this.pendingCount[partition]!
      if (count === 0) continue
      const firstIndex = this.pendingFirst[partition]!
      data.push({
        topic: this.options.topic,
        partition,
        records: this.recordsFor(firstIndex, count),
        producerId: NO_PRODUCER_ID,
        producerEpoch: NO_PRODUCER_EPOCH,
        baseSequence: NO_SEQUENCE,
      })
      batches.push({ partition, firstIndex, count })
      this.pendingCount[partition] = 0
      this.sent += count
    }
    if (data.length === 0) return
    const correlationId = ++this.correlationIds
    const request: ProduceRequest = { type: 'Produce', correlationId, acks: ACKS_ALL, timeoutMs: this.options.requestTimeoutMs, partitions: data }
    this.inFlight.set(correlationId, { broker, sentAtMs: now, timer: this.ctx.setTimer(this.options.requestTimeoutMs, 'request-timeout', correlationId), batches })
    this.inFlightByBroker.set(broker, inFlight + 1)
    if (inFlight + 1 > this.maxInFlight) this.maxInFlight = inFlight + 1
    this.requests++
    this.ctx.send(broker, request)
  }

  /** The records first, first + P, ... (count of them), each stamped with its arrival's whole ms (CreateTime). */
  private recordsFor(firstIndex: number, count: number): ProducerRecord[] {
    const { partitions, recordsPerSec } = this.options
    const records = new Array<ProducerRecord>(count)
    for (let j = 0; j < count; j++) {
      const timestamp = Math.floor(this.arrivalMs(firstIndex + j * partitions, recordsPerSec))
      let record = this.lastRecord
      if (record === null || record.timestamp !== timestamp) this.lastRecord = record = { key: null, value: this.value, timestamp, sizeBytes: this.valueRecordBytes }
      records[j] = record
    }
    return records
  }

  private arrivalMs(index: number, recordsPerSec: number): number {
    return this.startMs + (index * 1000) / recordsPerSec
  }

  private onProduceResponse(response: ProduceResponse): void {
    const pending = this.inFlight.get(response.correlationId)
    if (!pending) return // answered after it timed out
    this.finish(response.correlationId, pending)
    const now = this.ctx.now
    this.responses++
    this.requestLatency.add(now - pending.sentAtMs)
    const { partitions, recordsPerSec } = this.options
    for (const result of response.partitions) {
      const batch = pending.batches.find((b) => b.partition === result.partition)
      if (!batch) continue
      if (result.errorCode !== 'NONE') {
        this.failed += batch.count
        this.errors[result.errorCode] = (this.errors[result.errorCode] ?? 0) + 1
        this.ctx.emit('bench-produce-failed', { partition: result.partition, errorCode: result.errorCode, records: batch.count })
        continue
      }
      this.acked += batch.count
      this.ackedRanges[batch.partition]!.push(result.baseOffset, batch.count)
      for (let j = 0; j < batch.count; j++) this.recordLatency.add(now - this.arrivalMs(batch.firstIndex + j * partitions, recordsPerSec))
    }
    if (this.held.has(pending.broker)) this.sendTo(pending.broker)
  }

  private onRequestTimeout(correlationId: number): void {
    const pending = this.inFlight.get(correlationId)
    if (!pending) return
    this.finish(correlationId, pending)
    for (const batch of pending.batches) this.timedOut += batch.count
    this.ctx.emit('bench-produce-timed-out', { broker: pending.broker, records: pending.batches.reduce((n, b) => n + b.count, 0) })
    if (this.held.has(pending.broker)) this.sendTo(pending.broker)
  }

  private finish(correlationId: number, pending: InFlightProduce): void {
    this.inFlight.delete(correlationId)
    this.ctx.cancelTimer(pending.timer)
    this.inFlightByBroker.set(pending.broker, this.inFlightByBroker.get(pending.broker)! - 1)
  }
}
