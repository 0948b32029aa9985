// The consumer's fetcher: one Fetch request in flight per leader broker for the assigned,
// fetchable partitions it leads, responses buffered as completed fetches until poll()
// hands their records out. After Kafka's
//   AbstractFetch   clients/src/main/java/org/apache/kafka/clients/consumer/internals/AbstractFetch.java
//                   (prepareFetchRequests, fetchablePartitions, handleFetchSuccess)
//   FetchCollector  clients/src/main/java/org/apache/kafka/clients/consumer/internals/FetchCollector.java
//                   (collectFetch, fetchRecords, initialize, handleInitializeErrors)
//   CompletedFetch  clients/src/main/java/org/apache/kafka/clients/consumer/internals/CompletedFetch.java
//   FetchBuffer     clients/src/main/java/org/apache/kafka/clients/consumer/internals/FetchBuffer.java
//
// Where it differs: Kafka initializes a completed fetch (checks its position, handles its
// error) when poll() reaches it; here that happens when the response arrives, which has the
// same outcome one step sooner. Kafka's fetch sessions (KIP-227) are not modelled: every
// request lists its partitions in full.

import type { ErrorName } from '../../errors.ts'
import type { NodeContext, TimerId } from '../../node.ts'
import { CONSUMER_REPLICA_ID, type FetchPartition, type FetchPartitionResponse, type FetchRequest, type FetchResponse } from '../../protocol.ts'
import { nextOffsetOf, type RecordHeader } from '../../records.ts'
import type { ConsumerConfig } from '../../config/clients.ts'
import { ClientError } from '../errors.ts'
import type { ClientMetadata } from '../metadata.ts'
import { tpKey, type SubscriptionState, type TopicPartition, type TopicPartitionState } from './subscription-state.ts'

/** A record as poll() returns it (ConsumerRecord, without deserializers: keys and values are strings). */
export interface ConsumerRecordView {
  topic: string
  partition: number
  offset: number
  key: string | null
  value: string | null
  headers: readonly RecordHeader[]
  timestamp: number
  /** The epoch of the leader that appended the record (ConsumerRecord.leaderEpoch()). */
  leaderEpoch: number
  /** Simulated ms when poll() returned it; -1 while it waits in the fetch buffer. */
  consumedAtMs: number
}

/**
 * An error poll() raises for particular partitions (Kafka's InvalidOffsetException and its
 * subclasses NoOffsetForPartitionException, OffsetOutOfRangeException, LogTruncationException),
 * carrying the partitions as Kafka's partitions() does.
 */
export class InvalidOffsetError extends ClientError {
  constructor(
    exception: 'NoOffsetForPartitionException' | 'OffsetOutOfRangeException',
    message: string,
    readonly partitions: readonly TopicPartition[],
  ) {
    super(exception, message)
  }
}

/** A response's records for one partition, waiting for poll() (CompletedFetch). */
export interface CompletedFetch {
  readonly key: string
  readonly topic: string
  readonly partition: number
  /** The position the fetch was made at: its records are returned only while the position is still there. */
  nextFetchOffset: number
  readonly records: readonly ConsumerRecordView[]
  nextIndex: number
  /** Where the position goes once every record was returned: past the last batch, never past the HW. */
  readonly endOffset: number
  /** The leader epoch of the last batch. */
  readonly endEpoch: number
}

/** What the fetcher needs from the consumer node. */
export interface FetcherHost {
  readonly ctx: NodeContext
  nextCorrelationId(): number
  requestMetadataUpdate(): void
  /**
   * The leader's answer to a validating fetch (lastFetchedEpoch set): its log diverged from
   * the consumer's position at `endOffset` of `epoch` (SubscriptionState.maybeCompleteValidation).
   */
  onDivergingEpoch(state: TopicPartitionState, divergingEpoch: { epoch: number; endOffset: number }): void
}

interface PendingFetch {
  broker: number
  timer: TimerId
  /** Each partition's fetch offset, and whether the fetch validated the position (KIP-320). */
  partitions: Map<string, { fetchOffset: number; validating: boolean }>
}

/** Errors after which the partition waits for fresh metadata (FetchCollector.handleInitializeErrors). */
const RETRY_AFTER_METADATA: ReadonlySet<ErrorName> = new Set<ErrorName>([
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'LEADER_NOT_AVAILABLE',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'OFFSET_NOT_AVAILABLE',
])

export interface FetcherStats {
  requests: number
  responses: number
  timeouts: number
  recordsFetched: number
  bytesFetched: number
  /** Records a response carried at or above its high watermark (never expected: the broker bounds reads by the HW). */
  aboveHighWatermark: number
  /** Responses for a partition whose position had moved (seek, reset) and were dropped. */
  staleDropped: number
}

export class Fetcher {
  private buffer: CompletedFetch[] = []
  private readonly pending = new Map<number, PendingFetch>()
  private readonly nodesWithPendingFetchRequests = new Set<number>()
  readonly stats: FetcherStats = { requests: 0, responses: 0, timeouts: 0, recordsFetched: 0, bytesFetched: 0, aboveHighWatermark: 0, staleDropped: 0 }

  constructor(
    private readonly host: FetcherHost,
    private readonly subscriptions: SubscriptionState,
    private readonly metadata: ClientMetadata,
    private readonly config: ConsumerConfig,
  ) {}

  get inFlightRequests(): number {
    return this.pending.size
  }

  /** FetchBuffer.bufferedPartitions: partitions with records not yet returned. */
  bufferedPartitions(): Set<string> {
    const keys = new Set<string>()
    for (const fetch of this.buffer) if (fetch.nextIndex < fetch.records.length || fetch.nextFetchOffset < fetch.endOffset) keys.add(fetch.key)
    return keys
  }

  bufferedRecords(key: string): number {
    let n = 0
    for (const fetch of this.buffer) if (fetch.key === key) n += fetch.records.length - fetch.nextIndex
    return n
  }

  /** FetchBuffer.retainAll: drops what was fetched for partitions no longer assigned. */
  retainAssigned(): void {
    this.buffer = this.buffer.filter((f) => this.subscriptions.isAssigned(f.topic, f.partition))
  }

  /** Drops what was fetched for a partition whose position moved (seek, reset, validation). */
  clearBuffered(key: string): void {
    this.buffer = this.buffer.filter((f) => f.key !== key)
  }

  // --- sending ----------------------------------------------------------------------------

  /**
   * AbstractFetch.prepareFetchRequests: for every fetchable partition with nothing buffered
   * (the prefetch rule: records the application has not taken yet are not fetched again),
   * whose leader is known and has no fetch of ours in flight, one request per leader.
   */
  sendFetches(): void {
    const now = this.host.ctx.now
    const buffered = this.bufferedPartitions()
    const byBroker = new Map<number, { parts: FetchPartition[]; validating: Set<string> }>()
    for (const state of this.subscriptions.states()) {
      if (!state.isFetchable(now) || buffered.has(state.key)) continue
      const position = state.position!
      const leader = position.currentLeader
      if (leader.leaderId < 0) {
        this.host.requestMetadataUpdate()
        continue
      }
      if (this.nodesWithPendingFetchRequests.has(leader.leaderId)) continue
      const validating = state.fetchState === 'AWAIT_VALIDATION'
      let entry = byBroker.get(leader.leaderId)
      if (!entry) byBroker.set(leader.leaderId, (entry = { parts: [], validating: new Set() }))
      entry.parts.push({
        topic: state.topic,
        topicId: this.metadata.topic(state.topic)?.topicId ?? '',
        partition: state.partition,
        fetchOffset: position.offset,
        currentLeaderEpoch: leader.epoch,
        // Kafka's consumer sends no lastFetchedEpoch and validates with OffsetsForLeaderEpoch;
        // here the validation rides on the fetch: the leader answers a diverging epoch instead.
        lastFetchedEpoch: validating && position.offsetEpoch !== null ? position.offsetEpoch : -1,
        logStartOffset: -1,
        partitionMaxBytes: this.config['max.partition.fetch.bytes'],
      })
      if (validating) entry.validating.add(state.key)
    }
    for (const [broker, { parts, validating }] of byBroker) this.send(broker, parts, validating)
  }

  private send(broker: number, parts: FetchPartition[], validating: Set<string>): void {
    const ctx = this.host.ctx
    const correlationId = this.host.nextCorrelationId()
    const request: FetchRequest = {
      type: 'Fetch',
      correlationId,
      replicaId: CONSUMER_REPLICA_ID,
      replicaEpoch: -1,
      maxWaitMs: this.config['fetch.max.wait.ms'],
      minBytes: this.config['fetch.min.bytes'],
      maxBytes: this.config['fetch.max.bytes'],
      partitions: parts,
    }
    const partitions = new Map<string, { fetchOffset: number; validating: boolean }>()
    const offsets: Record<string, number> = {}
    for (const p of parts) {
      const key = tpKey(p.topic, p.partition)
      partitions.set(key, { fetchOffset: p.fetchOffset, validating: validating.has(key) })
      offsets[key] = p.fetchOffset
    }
    this.pending.set(correlationId, { broker, partitions, timer: ctx.setTimer(this.config['request.timeout.ms'], 'fetch-timeout', correlationId) })
    this.nodesWithPendingFetchRequests.add(broker)
    this.stats.requests++
    ctx.emit('consumer-fetch', {
      broker,
      correlationId,
      offsets,
      ...(validating.size > 0 ? { validating: [...validating] } : {}),
    })
    ctx.send(broker, request)
  }

  // --- receiving --------------------------------------------------------------------------

  /** Returns false when the response is not one we wait for (late, after its timeout). */
  onResponse(response: FetchResponse): boolean {
    const request = this.pending.get(response.correlationId)
    if (!request) return false
    this.finish(response.correlationId)
    this.stats.responses++
    let records = 0
    let bytes = 0
    const errors: Record<string, string> = {}
    for (const data of response.partitions) {
      const key = tpKey(data.topic, data.partition)
      const sent = request.partitions.get(key)
      if (!sent) continue
      for (const batch of data.batches) bytes += batch.sizeBytes
      if (data.errorCode !== 'NONE') errors[key] = data.errorCode
      records += this.handlePartition(data, sent.fetchOffset, sent.validating)
    }
    this.stats.bytesFetched += bytes
    this.host.ctx.emit('consumer-fetch-response', {
      broker: request.broker,
      correlationId: response.correlationId,
      records,
      bytes,
      ...(Object.keys(errors).length > 0 ? { errors } : {}),
    })
    return true
  }

  /** request.timeout.ms passed with no answer: the partitions back off and metadata is refreshed (NetworkClient disconnects). */
  onTimeout(correlationId: number): boolean {
    const request = this.pending.get(correlationId)
    if (!request) return false
    this.finish(correlationId)
    this.stats.timeouts++
    const until = this.host.ctx.now + this.config['retry.backoff.ms']
    for (const key of request.partitions.keys()) {
      const state = this.subscriptions.stateByKey(key)
      if (state) state.fetchBackoffUntilMs = until
    }
    this.host.requestMetadataUpdate()
    this.host.ctx.emit('consumer-fetch-timeout', { broker: request.broker, correlationId, partitions: [...request.partitions.keys()] })
    return true
  }

  private finish(correlationId: number): void {
    const request = this.pending.get(correlationId)!
    this.pending.delete(correlationId)
    this.host.ctx.cancelTimer(request.timer)
    this.nodesWithPendingFetchRequests.delete(request.broker)
  }

  /**
   * One partition of a response (FetchCollector.initialize, handleInitializeSuccess and
   * handleInitializeErrors). Returns the number of records buffered.
   */
  private handlePartition(data: FetchPartitionResponse, fetchOffset: number, validating: boolean): number {
    const ctx = this.host.ctx
    const state = this.subscriptions.stateOrNull(data.topic, data.partition)
    // Unassigned, reset, or moved by a seek since the request left: the answer is stale.
    if (!state || state.position === null || state.position.offset !== fetchOffset ||
      (state.fetchState !== 'FETCHING' && state.fetchState !== 'AWAIT_VALIDATION')) {
      this.stats.staleDropped++
      return 0
    }
    if (data.errorCode !== 'NONE') {
      this.handleError(state, data, fetchOffset)
      this.subscriptions.movePartitionToEnd(state.key)
      return 0
    }
    if (data.highWatermark >= 0) state.highWatermark = data.highWatermark
    if (data.logStartOffset >= 0) state.logStartOffset = data.logStartOffset
    if (state.fetchState === 'AWAIT_VALIDATION') {
      if (validating && data.divergingEpoch) {
        this.host.onDivergingEpoch(state, data.divergingEpoch)
        return 0
      }
      if (!validating) return 0 // sent before the leader changed: validate first
      state.completeValidation()
      ctx.emit('consumer-position-validated', { partition: state.key, offset: fetchOffset, leader: state.position.currentLeader.leaderId, leaderEpoch: state.position.currentLeader.epoch })
    }
    return this.bufferRecords(state, data, fetchOffset)
  }

  /** Turns the batches into records from the fetch offset up to (never at or past) the high watermark, and buffers them. */
  private bufferRecords(state: TopicPartitionState, data: FetchPartitionResponse, fetchOffset: number): number {
    const highWatermark = data.highWatermark
    const records: ConsumerRecordView[] = []
    let endOffset = fetchOffset
    let endEpoch = state.position?.offsetEpoch ?? -1
    let above = 0
    for (const batch of data.batches) {
      for (const record of batch.records) {
        const offset = batch.baseOffset + record.offsetDelta
        if (offset < fetchOffset) continue // the batch holding the fetch offset starts before it
        if (offset >= highWatermark) {
          above++
          continue
        }
        records.push({
          topic: state.topic,
          partition: state.partition,
          offset,
          key: record.key,
          value: record.value,
          headers: record.headers,
          timestamp: record.timestamp,
          leaderEpoch: batch.partitionLeaderEpoch,
          consumedAtMs: -1,
        })
      }
      const next = Math.min(nextOffsetOf(batch), highWatermark)
      if (next > endOffset) {
        endOffset = next
        endEpoch = batch.partitionLeaderEpoch
      }
    }
    if (above > 0) {
      this.stats.aboveHighWatermark += above
      this.host.ctx.emit('consumer-above-high-watermark', { partition: state.key, records: above, highWatermark })
    }
    if (records.length === 0 && endOffset <= fetchOffset) return 0
    this.stats.recordsFetched += records.length
    this.buffer.push({ key: state.key, topic: state.topic, partition: state.partition, nextFetchOffset: fetchOffset, records, nextIndex: 0, endOffset, endEpoch })
    return records.length
  }

  private handleError(state: TopicPartitionState, data: FetchPartitionResponse, fetchOffset: number): void {
    const ctx = this.host.ctx
    const error = data.errorCode
    if (error === 'OFFSET_OUT_OF_RANGE') {
      const position = state.position!
      if (this.subscriptions.hasDefaultOffsetResetPolicy) {
        // "Fetch position ... is out of range for partition t-0, resetting offset"
        ctx.emit('consumer-offset-out-of-range', { partition: state.key, offset: fetchOffset, logStartOffset: data.logStartOffset, action: `reset to ${this.subscriptions.defaultResetStrategy}` })
        this.clearBuffered(state.key)
        state.reset(this.subscriptions.defaultResetStrategy)
      } else {
        const message = `Fetch position FetchPosition{offset=${position.offset}, offsetEpoch=${position.offsetEpoch === null ? 'Optional.empty' : `Optional[${position.offsetEpoch}]`}, ` +
          `currentLeader=LeaderAndEpoch{leader=broker ${position.currentLeader.leaderId}, epoch=${position.currentLeader.epoch}}} is out of range for partition ${state.key}`
        ctx.emit('consumer-offset-out-of-range', { partition: state.key, offset: fetchOffset, logStartOffset: data.logStartOffset, action: 'error' })
        state.error = new InvalidOffsetError('OffsetOutOfRangeException', message, [{ topic: state.topic, partition: state.partition }])
      }
      return
    }
    // A moved or unknown leader: fresh metadata, then a retry after retry.backoff.ms. Kafka
    // throws on a few other errors (CORRUPT_MESSAGE, authorization) that the sandbox's brokers
    // never answer a consumer with; anything else is retried after the backoff too.
    if (RETRY_AFTER_METADATA.has(error)) this.host.requestMetadataUpdate()
    state.fetchBackoffUntilMs = ctx.now + this.config['retry.backoff.ms']
  }

  // --- handing records out ----------------------------------------------------------------

  /**
   * FetchCollector.collectFetch: up to maxRecords records, oldest completed fetch first,
   * each advancing its partition's position. A paused partition's records stay buffered
   * for after resume(); records whose partition is no longer at their offset are dropped.
   */
  collectFetch(maxRecords: number): ConsumerRecordView[] {
    const out: ConsumerRecordView[] = []
    const paused: CompletedFetch[] = []
    let remaining = maxRecords
    while (remaining > 0 && this.buffer.length > 0) {
      const fetch = this.buffer[0]!
      const state = this.subscriptions.stateOrNull(fetch.topic, fetch.partition)
      if (state?.paused) {
        paused.push(this.buffer.shift()!)
        continue
      }
      if (!state || !state.hasValidPosition || state.position!.offset !== fetch.nextFetchOffset) {
        // "Ignoring fetched records for t-0 at offset n since the current position is m"
        this.buffer.shift()
        continue
      }
      const take = fetch.records.slice(fetch.nextIndex, fetch.nextIndex + remaining)
      fetch.nextIndex += take.length
      remaining -= take.length
      out.push(...take)
      const done = fetch.nextIndex >= fetch.records.length
      const last = take[take.length - 1]
      const position = state.position!
      if (done) {
        state.position = { ...position, offset: fetch.endOffset, offsetEpoch: fetch.endEpoch >= 0 ? fetch.endEpoch : position.offsetEpoch }
        this.buffer.shift()
      } else {
        state.position = { ...position, offset: last!.offset + 1, offsetEpoch: last!.leaderEpoch }
        fetch.nextFetchOffset = last!.offset + 1
      }
    }
    // FetchBuffer.addAll: paused partitions' fetches go back, to be returned after resume.
    this.buffer.push(...paused)
    return out
  }
}
