// Resetting positions with ListOffsets: where a partition starts (earliest: the log start
// offset) or where its committed part ends (latest: the high watermark). After Kafka's
//   OffsetFetcher       clients/src/main/java/org/apache/kafka/clients/consumer/internals/OffsetFetcher.java
//                       (resetPositionsIfNeeded, resetPositionsAsync: one request per leader)
//   OffsetFetcherUtils  clients/src/main/java/org/apache/kafka/clients/consumer/internals/OffsetFetcherUtils.java
//                       (handleListOffsetResponse: which errors are retried)
//   SubscriptionState   maybeSeekUnvalidated, requestFailed / setNextAllowedRetry
//
// While a request is out its partitions may not be asked for again until request.timeout.ms
// has passed (setNextAllowedRetry); a failed partition waits retry.backoff.ms.

import type { ErrorName } from '../../errors.ts'
import type { TimerId } from '../../node.ts'
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type ListOffsetsPartition, type ListOffsetsResponse } from '../../protocol.ts'
import type { ConsumerConfig } from '../../config/clients.ts'
import type { ClientMetadata } from '../metadata.ts'
import { STALE_METADATA_ERRORS } from '../metadata.ts'
import type { FetcherHost } from './fetcher.ts'
import { tpKey, type OffsetResetStrategy, type SubscriptionState } from './subscription-state.ts'

interface PendingListOffsets {
  broker: number
  timer: TimerId
  partitions: Map<string, { strategy: OffsetResetStrategy; leaderEpoch: number }>
}

export type OffsetFetcherHost = Pick<FetcherHost, 'ctx' | 'nextCorrelationId' | 'requestMetadataUpdate'>

export class OffsetFetcher {
  private readonly pending = new Map<number, PendingListOffsets>()
  requests = 0

  constructor(
    private readonly host: OffsetFetcherHost,
    private readonly subscriptions: SubscriptionState,
    private readonly metadata: ClientMetadata,
    private readonly config: ConsumerConfig,
  ) {}

  get inFlightRequests(): number {
    return this.pending.size
  }

  /**
   * OffsetFetcher.resetPositionsIfNeeded: a ListOffsets to each leader for its partitions
   * awaiting a reset, unless they are backing off or already asked for.
   */
  resetPositionsIfNeeded(): void {
    const now = this.host.ctx.now
    const byBroker = new Map<number, { parts: ListOffsetsPartition[]; strategies: Map<string, { strategy: OffsetResetStrategy; leaderEpoch: number }> }>()
    for (const state of this.subscriptions.states()) {
      if (state.fetchState !== 'AWAIT_RESET' || state.awaitingRetryBackoff(now)) continue
      const strategy = state.resetStrategy!
      const leader = this.metadata.leaderOf(state.topic, state.partition)
      if (!leader) {
        // Asked again when the metadata answers (its requests are the ones that back off).
        this.host.requestMetadataUpdate()
        continue
      }
      let entry = byBroker.get(leader.leaderId)
      if (!entry) byBroker.set(leader.leaderId, (entry = { parts: [], strategies: new Map() }))
      entry.parts.push({
        topic: state.topic,
        partition: state.partition,
        currentLeaderEpoch: leader.leaderEpoch,
        timestamp: strategy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
      })
      entry.strategies.set(state.key, { strategy, leaderEpoch: leader.leaderEpoch })
      // setNextAllowedRetry: not asked again while this request may still be answered.
      state.nextRetryTimeMs = now + this.config['request.timeout.ms']
    }
    for (const [broker, { parts, strategies }] of byBroker) {
      const correlationId = this.host.nextCorrelationId()
      this.pending.set(correlationId, { broker, partitions: strategies, timer: this.host.ctx.setTimer(this.config['request.timeout.ms'], 'list-offsets-timeout', correlationId) })
      this.requests++
      this.host.ctx.emit('consumer-list-offsets', {
        broker,
        correlationId,
        partitions: Object.fromEntries([...strategies].map(([key, s]) => [key, s.strategy])),
      })
      this.host.ctx.send(broker, { type: 'ListOffsets', correlationId, partitions: parts })
    }
  }

  onResponse(from: number, response: ListOffsetsResponse): boolean {
    const request = this.pending.get(response.correlationId)
    if (!request) return false
    this.pending.delete(response.correlationId)
    this.host.ctx.cancelTimer(request.timer)
    const now = this.host.ctx.now
    for (const data of response.partitions) {
      const key = tpKey(data.topic, data.partition)
      const asked = request.partitions.get(key)
      const state = this.subscriptions.stateOrNull(data.topic, data.partition)
      if (!asked || !state) continue
      // maybeSeekUnvalidated: only if the partition still waits for this very reset.
      if (state.fetchState !== 'AWAIT_RESET' || state.resetStrategy !== asked.strategy) continue
      if (data.errorCode === 'NONE' && data.offset >= 0) {
        // The sandbox keeps no epoch for a reset position (Kafka takes the answer's leader
        // epoch and validates it): the first records fetched give it one.
        state.seekValidated({ offset: data.offset, offsetEpoch: null, currentLeader: { leaderId: from, epoch: asked.leaderEpoch } })
        this.host.ctx.emit('consumer-offset-reset', { partition: key, strategy: asked.strategy, offset: data.offset })
        continue
      }
      // OffsetFetcherUtils.handleListOffsetResponse: every error is retried (after a metadata
      // refresh when the leader may have moved); OFFSET_NOT_AVAILABLE is a new leader whose
      // HW has not yet reached its epoch's start.
      if (STALE_METADATA_ERRORS.has(data.errorCode) || data.errorCode === ('REPLICA_NOT_AVAILABLE' satisfies ErrorName)) this.host.requestMetadataUpdate()
      state.nextRetryTimeMs = now + this.config['retry.backoff.ms']
      this.host.ctx.emit('consumer-list-offsets-failed', { partition: key, errorCode: data.errorCode })
    }
    return true
  }

  onTimeout(correlationId: number): boolean {
    const request = this.pending.get(correlationId)
    if (!request) return false
    this.pending.delete(correlationId)
    const now = this.host.ctx.now
    for (const key of request.partitions.keys()) {
      const state = this.subscriptions.stateByKey(key)
      if (state?.fetchState === 'AWAIT_RESET') state.nextRetryTimeMs = now + this.config['retry.backoff.ms']
    }
    this.host.requestMetadataUpdate()
    this.host.ctx.emit('consumer-list-offsets-timeout', { broker: request.broker, correlationId })
    return true
  }
}
