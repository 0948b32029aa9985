// One partition as one broker holds it: its log, and, while this broker leads it, the
// leader's rules: the ISR and its changes through the controller, the high watermark,
// follower progress, and the checks on every produce and fetch.
// Source: core/src/main/scala/kafka/cluster/Partition.scala (Kafka 4.x).

import type { TopicConfig } from '../config.ts'
import { KafkaError } from '../errors.ts'
import type { ProducerIdentity } from '../log/batch-builder.ts'
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../log/epoch-cache.ts'
import type { PartitionLog } from '../log/partition-log.ts'
import type { MetadataImage, PartitionState } from '../metadata/image.ts'
import { NO_LEADER, type LeaderRecoveryState } from '../metadata/records.ts'
import type { AlterPartitionItem, AlterPartitionItemResponse, FetchPartition, FetchPartitionResponse } from '../protocol.ts'
import type { CompressionType, ProducerRecord, RecordBatch } from '../records.ts'
import { ReplicaState } from './replica-state.ts'

/**
 * The ISR as the leader sees it: the last one the controller committed, or a change it
 * has asked for and not yet heard back about. Only one change is in flight at a time.
 */
export type IsrState =
  | { readonly kind: 'committed'; readonly isr: readonly number[] }
  | { readonly kind: 'pending-expand'; readonly isr: readonly number[]; readonly adding: number; readonly proposed: readonly number[] }
  | { readonly kind: 'pending-shrink'; readonly isr: readonly number[]; readonly removing: readonly number[]; readonly proposed: readonly number[] }

/** What a partition needs from the broker that holds it. */
export interface PartitionHost {
  readonly brokerId: number
  /** This broker's current registration epoch, -1 before it registered. */
  readonly brokerEpoch: number
  readonly image: MetadataImage
  now(): number
  topicConfig(topic: string): TopicConfig
  replicaLagTimeMaxMs(): number
  /** Queue this partition's proposed ISR change for the broker's next AlterPartition request. */
  submitAlterPartition(partition: Partition): void
  emit(type: string, data: Record<string, unknown>): void
}

/** What a leader did with a produced batch. */
export interface LeaderAppend {
  baseOffset: number
  lastOffset: number
  records: number
  leaderEpoch: number
  /** An idempotent producer's retry of a batch already in the log: nothing was appended. */
  duplicate: boolean
  highWatermarkIncreased: boolean
}

export interface FetchRead {
  response: FetchPartitionResponse
  /** Bytes of the batches returned. */
  bytes: number
}

export class Partition {
  role: 'leader' | 'follower' = 'follower'
  leaderId = NO_LEADER
  leaderEpoch = -1
  partitionEpoch = -1
  replicas: readonly number[] = []
  isrState: IsrState = { kind: 'committed', isr: [] }
  /** The LEO when this broker took its current leader epoch; null unless leading. */
  leaderEpochStartOffset: number | null = null
  leaderRecoveryState: LeaderRecoveryState = 'RECOVERED'
  /** Followers' progress, by broker id, while this broker leads. */
  readonly followers = new Map<number, ReplicaState>()

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly partition: number,
    readonly log: PartitionLog,
    private readonly host: PartitionHost,
  ) {}

  get key(): string {
    return `${this.topic}-${this.partition}`
  }

  get isLeader(): boolean {
    return this.role === 'leader'
  }

  /** The committed ISR (as far as this broker knows). */
  get isr(): readonly number[] {
    return this.isrState.isr
  }

  /** The ISR for the high watermark and acks=all: with a pending expansion, the new member counts already. */
  get maximalIsr(): readonly number[] {
    return this.isrState.kind === 'pending-expand' ? this.isrState.proposed : this.isrState.isr
  }

  /** min(min.insync.replicas, replication factor). */
  effectiveMinIsr(): number {
    return Math.min(this.host.topicConfig(this.topic)['min.insync.replicas'], this.replicas.length)
  }

  isUnderMinIsr(): boolean {
    return this.isLeader && this.isrState.isr.length < this.effectiveMinIsr()
  }

  // --- leadership, from metadata ---------------------------------------------------

  /** Partition.makeLeader; returns whether the leader epoch went up. A stale update is ignored. */
  makeLeader(state: PartitionState): boolean {
    if (state.partitionEpoch < this.partitionEpoch) return false
    const isNewLeader = !this.isLeader
    const isNewLeaderEpoch = state.leaderEpoch > this.leaderEpoch
    this.replicas = state.replicas
    this.isrState = { kind: 'committed', isr: state.isr }
    // A leader elected uncleanly recovers on taking office and tells the controller with its next ISR change.
    this.leaderRecoveryState = 'RECOVERED'
    for (const id of [...this.followers.keys()]) if (!state.replicas.includes(id)) this.followers.delete(id)
    for (const id of state.replicas) if (id !== this.host.brokerId && !this.followers.has(id)) this.followers.set(id, new ReplicaState(id))
    if (isNewLeaderEpoch) {
      const startOffset = this.log.logEndOffset
      // The new epoch goes into the cache before any record of it exists, so that any
      // follower asking about an older epoch learns where that epoch ended.
      this.log.assignEpochStartOffset(state.leaderEpoch, startOffset)
      for (const follower of this.followers.values()) follower.reset(this.host.now(), startOffset, isNewLeader, state.isr.includes(follower.brokerId))
      this.leaderEpoch = state.leaderEpoch
      this.leaderEpochStartOffset = startOffset
    }
    this.partitionEpoch = state.partitionEpoch
    this.leaderId = this.host.brokerId
    this.role = 'leader'
    this.maybeIncrementLeaderHW()
    return isNewLeaderEpoch
  }

  /** Partition.makeFollower: never truncates (the fetcher does); returns whether the leader epoch went up. */
  makeFollower(state: PartitionState): boolean {
    if (state.partitionEpoch < this.partitionEpoch) return false
    const isNewLeaderEpoch = state.leaderEpoch > this.leaderEpoch
    this.role = 'follower'
    this.leaderId = state.leader
    this.leaderEpoch = state.leaderEpoch
    this.leaderEpochStartOffset = null
    this.partitionEpoch = state.partitionEpoch
    this.replicas = state.replicas
    this.isrState = { kind: 'committed', isr: [] }
    this.followers.clear()
    return isNewLeaderEpoch
  }

  // --- produce ---------------------------------------------------------------------

  /**
   * Partition.appendRecordsToLeader. Throws KafkaError with Kafka's error and appends
   * nothing when the request must be refused. An idempotent producer's retry of a batch
   * the log already holds is answered with that batch's offsets, and not appended again.
   */
  appendRecordsToLeader(records: readonly ProducerRecord[], requiredAcks: number, producer: ProducerIdentity, compression: CompressionType = 'none'): LeaderAppend {
    if (!this.isLeader) throw new KafkaError('NOT_LEADER_OR_FOLLOWER', `broker ${this.host.brokerId} is not the leader of ${this.key}`)
    const minIsr = this.effectiveMinIsr()
    if (requiredAcks === -1 && this.isrState.isr.length < minIsr) {
      throw new KafkaError('NOT_ENOUGH_REPLICAS', `The size of the current ISR [${this.isrState.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${this.key}`)
    }
    const duplicate = this.log.duplicateOf(producer, records.length)
    if (duplicate) {
      return { baseOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset, records: records.length, leaderEpoch: this.leaderEpoch, duplicate: true, highWatermarkIncreased: false }
    }
    // The log refuses batches over max.message.bytes or segment.bytes, keyless records on
    // compacted topics, and idempotent batches out of sequence or from an older epoch.
    const batch = this.log.appendAsLeader(records, this.leaderEpoch, producer, this.host.now(), compression)
    return {
      baseOffset: batch.baseOffset,
      lastOffset: batch.baseOffset + batch.lastOffsetDelta,
      records: batch.records.length,
      leaderEpoch: batch.partitionLeaderEpoch,
      duplicate: false,
      highWatermarkIncreased: this.maybeIncrementLeaderHW(),
    }
  }

  /** Partition.checkEnoughReplicasReachOffset, for an acks=all request waiting on `requiredOffset`. */
  checkEnoughReplicasReachOffset(requiredOffset: number): { done: boolean; errorCode: 'NONE' | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' | 'NOT_LEADER_OR_FOLLOWER' } {
    if (!this.isLeader) return { done: true, errorCode: 'NOT_LEADER_OR_FOLLOWER' }
    if (this.log.highWatermark < requiredOffset) return { done: false, errorCode: 'NONE' }
    return { done: true, errorCode: this.effectiveMinIsr() <= this.maximalIsr.length ? 'NONE' : 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' }
  }

  // --- fetch (this broker leads) ------------------------------------------------------

  /**
   * Reads for one partition of a Fetch: epoch checks, the diverging-epoch check, then
   * records up to the LEO (a follower) or the HW (a consumer). A follower's first read
   * also records its progress, which may grow the ISR and raise the HW. The HW in the
   * answer is the one before this fetch moved it, as Kafka answers.
   */
  readForFetch(request: FetchPartition, replicaId: number, replicaEpoch: number, maxBytes: number, updateFetchState: boolean): FetchRead {
    const isFollower = replicaId >= 0
    if (request.currentLeaderEpoch !== -1) {
      if (this.leaderEpoch > request.currentLeaderEpoch) return this.failedRead('FENCED_LEADER_EPOCH')
      if (this.leaderEpoch < request.currentLeaderEpoch) return this.failedRead('UNKNOWN_LEADER_EPOCH')
    }
    if (!this.isLeader) return this.failedRead('NOT_LEADER_OR_FOLLOWER')
    if (isFollower && !this.followers.has(replicaId)) return this.failedRead(request.currentLeaderEpoch !== -1 ? 'UNKNOWN_LEADER_EPOCH' : 'NOT_LEADER_OR_FOLLOWER')
    const log = this.log
    const highWatermark = log.highWatermark
    const logEndOffset = log.logEndOffset
    const logStartOffset = log.logStartOffset
    if (request.lastFetchedEpoch !== -1) {
      const end = log.endOffsetForEpoch(request.lastFetchedEpoch)
      if (end.endOffset === UNDEFINED_EPOCH_OFFSET || end.epoch === UNDEFINED_EPOCH) return this.failedRead('OFFSET_OUT_OF_RANGE', logStartOffset)
      if (request.fetchOffset < logStartOffset) return this.failedRead('OFFSET_OUT_OF_RANGE', logStartOffset)
      // The fetcher's log diverged: tell it where our history of its last epoch ends; no records.
      if (end.epoch < request.lastFetchedEpoch || end.endOffset < request.fetchOffset) {
        return this.read(highWatermark, logStartOffset, [], { epoch: end.epoch, endOffset: end.endOffset })
      }
    }
    if (request.fetchOffset < logStartOffset || request.fetchOffset > logEndOffset) return this.failedRead('OFFSET_OUT_OF_RANGE', logStartOffset)
    const bound = isFollower ? logEndOffset : highWatermark
    const batches = request.fetchOffset >= bound ? [] : log.read(request.fetchOffset, Math.min(maxBytes, request.partitionMaxBytes), bound)
    if (isFollower && updateFetchState) this.updateFollowerFetchState(replicaId, request.fetchOffset, request.logStartOffset, logEndOffset, replicaEpoch)
    return this.read(highWatermark, logStartOffset, batches)
  }

  /** An answer for this partition that carries an error (and, for OFFSET_OUT_OF_RANGE, where the log starts). */
  private failedRead(errorCode: FetchPartitionResponse['errorCode'], logStartOffset = -1): FetchRead {
    return {
      response: { topic: this.topic, topicId: this.topicId, partition: this.partition, errorCode, highWatermark: -1, logStartOffset, batches: [] },
      bytes: 0,
    }
  }

  private read(highWatermark: number, logStartOffset: number, batches: readonly RecordBatch[], divergingEpoch?: { epoch: number; endOffset: number }): FetchRead {
    let bytes = 0
    for (const batch of batches) bytes += batch.sizeBytes
    const response: FetchPartitionResponse = { topic: this.topic, topicId: this.topicId, partition: this.partition, errorCode: 'NONE', highWatermark, logStartOffset, batches }
    if (divergingEpoch) response.divergingEpoch = divergingEpoch
    return { response, bytes }
  }

  /** Bytes a parked fetch could now read from `fetchOffset`: up to the LEO for a follower, the HW for a consumer. */
  readableBytes(fetchOffset: number, isFollower: boolean): number {
    if (!this.isLeader) return 0
    const bound = isFollower ? this.log.logEndOffset : this.log.highWatermark
    if (fetchOffset >= bound || fetchOffset < this.log.logStartOffset) return 0
    let bytes = 0
    for (const batch of this.log.read(fetchOffset, Number.MAX_SAFE_INTEGER, bound)) bytes += batch.sizeBytes
    return bytes
  }

  /** Partition.updateFollowerFetchState: record progress, maybe grow the ISR, maybe raise the HW. */
  private updateFollowerFetchState(replicaId: number, fetchOffset: number, followerStartOffset: number, leaderEndOffset: number, brokerEpoch: number): void {
    const follower = this.followers.get(replicaId)!
    const previousEndOffset = follower.logEndOffset
    follower.updateFetchState(fetchOffset, followerStartOffset, this.host.now(), leaderEndOffset, brokerEpoch)
    this.maybeExpandIsr(follower)
    if (previousEndOffset !== follower.logEndOffset) this.maybeIncrementLeaderHW()
  }

  // --- high watermark and ISR ----------------------------------------------------------

  /**
   * Partition.maybeIncrementLeaderHW: the HW is the smallest LEO among the leader, the
   * maximal ISR, and followers that are caught up and could join the ISR; it does not move
   * at all while the committed ISR is below min ISR. It only ever rises.
   */
  maybeIncrementLeaderHW(): boolean {
    if (!this.isLeader || this.isUnderMinIsr()) return false
    const now = this.host.now()
    const lagMs = this.host.replicaLagTimeMaxMs()
    const leaderEndOffset = this.log.logEndOffset
    const maximalIsr = this.maximalIsr
    let newHighWatermark = leaderEndOffset
    for (const follower of this.followers.values()) {
      if (follower.logEndOffset >= newHighWatermark) continue
      const waitForIt =
        maximalIsr.includes(follower.brokerId) || (follower.isCaughtUp(leaderEndOffset, now, lagMs) && this.isReplicaIsrEligible(follower))
      if (waitForIt) newHighWatermark = follower.logEndOffset
    }
    if (newHighWatermark <= this.log.highWatermark) return false
    this.log.setHighWatermark(newHighWatermark)
    return true
  }

  /** isReplicaIsrEligible: unfenced, and its fetches carry its current broker epoch. */
  private isReplicaIsrEligible(follower: ReplicaState): boolean {
    const registration = this.host.image.brokers.get(follower.brokerId)
    if (!registration || registration.fenced || follower.brokerEpoch === null) return false
    return follower.brokerEpoch === -1 || follower.brokerEpoch === registration.brokerEpoch
  }

  /** maybeExpandIsr: a follower at the HW and past this epoch's start joins the ISR (one change at a time). */
  private maybeExpandIsr(follower: ReplicaState): void {
    const state = this.isrState
    if (state.kind !== 'committed' || state.isr.includes(follower.brokerId) || !this.isReplicaIsrEligible(follower)) return
    const start = this.leaderEpochStartOffset
    if (start === null || follower.logEndOffset < this.log.highWatermark || follower.logEndOffset < start) return
    const proposed = [...state.isr, follower.brokerId]
    this.isrState = { kind: 'pending-expand', isr: state.isr, adding: follower.brokerId, proposed }
    this.host.emit('isr-expand-proposed', { topic: this.topic, partition: this.partition, isr: state.isr, proposed, follower: follower.brokerId })
    this.host.submitAlterPartition(this)
  }

  /** The isr-expiration task: followers not caught up within replica.lag.time.max.ms leave the ISR. */
  maybeShrinkIsr(): void {
    const state = this.isrState
    if (!this.isLeader || state.kind !== 'committed') return
    const leaderEndOffset = this.log.logEndOffset
    const now = this.host.now()
    const lagMs = this.host.replicaLagTimeMaxMs()
    const removing = state.isr.filter((id) => {
      if (id === this.host.brokerId) return false
      const follower = this.followers.get(id)
      return !follower || !follower.isCaughtUp(leaderEndOffset, now, lagMs)
    })
    if (removing.length === 0) return
    const proposed = state.isr.filter((id) => !removing.includes(id))
    this.isrState = { kind: 'pending-shrink', isr: state.isr, removing, proposed }
    this.host.emit('isr-shrink-proposed', { topic: this.topic, partition: this.partition, isr: state.isr, proposed, outOfSync: removing })
    this.host.submitAlterPartition(this)
  }

  /** The AlterPartition item for this partition's pending change, or null if none is pending. */
  pendingAlterPartition(): AlterPartitionItem | null {
    const state = this.isrState
    if (state.kind === 'committed') return null
    return {
      topicId: this.topicId,
      partition: this.partition,
      leaderEpoch: this.leaderEpoch,
      partitionEpoch: this.partitionEpoch,
      newIsr: state.proposed.map((brokerId) => ({
        brokerId,
        brokerEpoch: brokerId === this.host.brokerId ? this.host.brokerEpoch : (this.followers.get(brokerId)?.brokerEpoch ?? -1),
      })),
      leaderRecoveryState: this.leaderRecoveryState,
    }
  }

  /**
   * The controller's answer to the change sent while the ISR state was `sent`. Returns
   * 'retry' when the same change should be sent again. An answer to a superseded state
   * (new metadata replaced it) is ignored.
   */
  handleAlterPartitionResponse(sent: IsrState, response: AlterPartitionItemResponse): 'done' | 'retry' {
    if (this.isrState !== sent || sent.kind === 'committed') return 'done'
    switch (response.errorCode) {
      case 'NONE':
        if (response.leaderEpoch !== this.leaderEpoch || response.partitionEpoch < this.partitionEpoch) {
          this.isrState = { kind: 'committed', isr: sent.isr }
          return 'done'
        }
        this.isrState = { kind: 'committed', isr: response.isr }
        this.partitionEpoch = response.partitionEpoch
        this.leaderRecoveryState = response.leaderRecoveryState
        this.host.emit('isr-committed', { topic: this.topic, partition: this.partition, isr: response.isr, partitionEpoch: response.partitionEpoch })
        this.maybeIncrementLeaderHW()
        return 'done'
      case 'INELIGIBLE_REPLICA':
        this.isrState = { kind: 'committed', isr: sent.isr }
        return 'done'
      case 'UNKNOWN_TOPIC_OR_PARTITION':
      case 'UNKNOWN_TOPIC_ID':
      case 'FENCED_LEADER_EPOCH':
      case 'INVALID_UPDATE_VERSION':
      case 'INVALID_REQUEST':
      case 'NEW_LEADER_ELECTED':
        // Stay pending: new metadata is on its way and will replace this state.
        return 'done'
      default:
        return 'retry'
    }
  }
}
