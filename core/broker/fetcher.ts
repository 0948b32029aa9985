// A follower's replica fetcher: one fetch session per leader broker (num.replica.fetchers
// = 1), one multi-partition Fetch in flight at a time, the next sent as soon as the last
// is answered. It appends what the leader sends, follows the leader's high watermark,
// and truncates when the leader says the logs diverged.
// Sources: core/src/main/scala/kafka/server/AbstractFetcherThread.scala, ReplicaFetcherThread.scala.

import type { FetchPartition, FetchPartitionResponse, FetchRequest, FetchResponse } from '../protocol.ts'
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../log/epoch-cache.ts'
import type { Partition } from './partition.ts'

/**
 * replica.socket.timeout.ms (30 s): how long a fetch may go unanswered (the leader
 * crashed or is cut off) before the follower gives up on it and backs off.
 */
export const REPLICA_FETCH_REQUEST_TIMEOUT_MS = 30_000

interface FetchTarget {
  partition: Partition
  fetchOffset: number
  currentLeaderEpoch: number
  lastFetchedEpoch: number
  /** Backing off after an error until then. */
  delayedUntilMs: number
}

interface InFlightFetch {
  correlationId: number
  /** What each partition was asked for, to drop answers that no longer match. */
  requested: Map<string, { fetchOffset: number; currentLeaderEpoch: number }>
  timeoutTimer: number
}

class FetchSession {
  readonly targets = new Map<string, FetchTarget>()
  inFlight: InFlightFetch | null = null
  backoffTimer: number | null = null
  constructor(readonly leaderId: number) {}
}

/** What the fetcher needs from its broker. */
export interface FetcherHost {
  readonly brokerId: number
  readonly brokerEpoch: number
  now(): number
  nextCorrelationId(): number
  send(to: number, request: FetchRequest): void
  setTimer(delayMs: number, name: string, data: unknown): number
  cancelTimer(timer: number): void
  fetchSettings(): { maxWaitMs: number; minBytes: number; maxBytes: number; partitionMaxBytes: number; backoffMs: number }
  /** Called after `records` records were appended to a follower's log (flush policy, delayed reads). */
  appended(partition: Partition, records: number): void
  emit(type: string, data: Record<string, unknown>): void
}

export class ReplicaFetcher {
  private readonly sessions = new Map<number, FetchSession>()
  /** Which leader each partition is fetched from. */
  private readonly leaderOf = new Map<string, number>()

  constructor(private readonly host: FetcherHost) {}

  /** Starts (or restarts, after a leader epoch change) fetching a partition from its leader, at its log end. */
  add(partition: Partition, leaderId: number, leaderEpoch: number): void {
    this.remove(partition)
    let session = this.sessions.get(leaderId)
    if (!session) this.sessions.set(leaderId, (session = new FetchSession(leaderId)))
    const log = partition.log
    // A log with no leader epochs (written before any leader stamped one) starts from its HW.
    if (log.latestEpoch() === undefined && log.highWatermark < log.logEndOffset) log.truncateTo(log.highWatermark)
    session.targets.set(partition.key, {
      partition,
      fetchOffset: log.logEndOffset,
      currentLeaderEpoch: leaderEpoch,
      lastFetchedEpoch: log.latestEpoch() ?? UNDEFINED_EPOCH,
      delayedUntilMs: 0,
    })
    this.leaderOf.set(partition.key, leaderId)
    this.maybeFetch(session)
  }

  remove(partition: Partition): void {
    const leaderId = this.leaderOf.get(partition.key)
    if (leaderId === undefined) return
    this.leaderOf.delete(partition.key)
    const session = this.sessions.get(leaderId)
    if (!session) return
    session.targets.delete(partition.key)
    // An idle session goes away with whatever fetch it had in flight, as Kafka shuts idle
    // fetcher threads down: following that leader again starts a fresh one at once.
    if (session.targets.size === 0) this.closeSession(session)
  }

  private closeSession(session: FetchSession): void {
    if (session.inFlight) this.host.cancelTimer(session.inFlight.timeoutTimer)
    if (session.backoffTimer !== null) this.host.cancelTimer(session.backoffTimer)
    this.sessions.delete(session.leaderId)
  }

  /** Where each fetched partition stands, for snapshots. */
  describe(): { partition: string; leader: number; fetchOffset: number; lastFetchedEpoch: number; backingOff: boolean }[] {
    const now = this.host.now()
    return [...this.sessions.values()].flatMap((session) =>
      [...session.targets.values()].map((t) => ({
        partition: t.partition.key,
        leader: session.leaderId,
        fetchOffset: t.fetchOffset,
        lastFetchedEpoch: t.lastFetchedEpoch,
        backingOff: t.delayedUntilMs > now,
      })),
    )
  }

  onResponse(from: number, response: FetchResponse): void {
    const session = this.sessions.get(from)
    const inFlight = session?.inFlight
    if (!session || !inFlight || inFlight.correlationId !== response.correlationId) return // a late answer to an abandoned fetch
    session.inFlight = null
    this.host.cancelTimer(inFlight.timeoutTimer)
    for (const result of response.partitions) {
      const key = `${result.topic}-${result.partition}`
      const target = session.targets.get(key)
      const asked = inFlight.requested.get(key)
      // Drop answers to a question the partition has moved on from (truncated, new leader epoch).
      if (!target || !asked || target.fetchOffset !== asked.fetchOffset || target.currentLeaderEpoch !== asked.currentLeaderEpoch) continue
      this.process(target, result)
    }
    this.maybeFetch(session)
  }

  onTimer(name: string, data: unknown): void {
    if (name === 'fetch-backoff') {
      const session = this.sessions.get(data as number)
      if (!session) return
      session.backoffTimer = null
      this.maybeFetch(session)
    } else if (name === 'fetch-timeout') {
      const { leaderId, correlationId } = data as { leaderId: number; correlationId: number }
      const session = this.sessions.get(leaderId)
      if (!session?.inFlight || session.inFlight.correlationId !== correlationId) return
      const requested = session.inFlight.requested
      session.inFlight = null
      this.host.emit('replica-fetch-timed-out', { leader: leaderId, partitions: [...requested.keys()] })
      const until = this.host.now() + this.host.fetchSettings().backoffMs
      for (const key of requested.keys()) {
        const target = session.targets.get(key)
        if (target) target.delayedUntilMs = until
      }
      this.maybeFetch(session)
    }
  }

  private process(target: FetchTarget, result: FetchPartitionResponse): void {
    const log = target.partition.log
    switch (result.errorCode) {
      case 'NONE': {
        if (result.divergingEpoch) return this.truncateOnDivergence(target, result.divergingEpoch)
        if (result.batches.length > 0) {
          log.appendAsFollower(result.batches)
          target.lastFetchedEpoch = result.batches[result.batches.length - 1]!.partitionLeaderEpoch
          target.fetchOffset = log.logEndOffset
          let records = 0
          for (const batch of result.batches) records += batch.records.length
          this.host.appended(target.partition, records)
        }
        // A follower's HW is the leader's, within its own log: it may go down as well as up.
        log.setHighWatermark(Math.min(Math.max(result.highWatermark, log.logStartOffset), log.logEndOffset))
        return
      }
      case 'OFFSET_OUT_OF_RANGE':
        // The leader's log starts after ours ends (retention deleted what we lack): start over at its start.
        if (result.logStartOffset > log.logEndOffset) {
          this.host.emit('replica-truncated', { topic: target.partition.topic, partition: target.partition.partition, from: log.logEndOffset, to: result.logStartOffset, reason: 'leader log start is past our end' })
          log.truncateFullyAndStartAt(result.logStartOffset)
          target.fetchOffset = log.logEndOffset
          target.lastFetchedEpoch = UNDEFINED_EPOCH
          return
        }
        target.delayedUntilMs = this.host.now() + this.host.fetchSettings().backoffMs
        return
      case 'FENCED_LEADER_EPOCH':
        // Our epoch is stale: stop until metadata brings the new one (it re-adds the partition).
        this.remove(target.partition)
        return
      default:
        target.delayedUntilMs = this.host.now() + this.host.fetchSettings().backoffMs
    }
  }

  /**
   * The leader's history of our last fetched epoch ends at `leader.endOffset`. Truncate to
   * where both logs agree: min(the leader's end, our own end of that epoch, our LEO).
   * When we do not hold the leader's epoch, truncate to the end of our largest epoch below
   * it and ask again with the next fetch (Kafka 4.0 sends an OffsetsForLeaderEpoch request
   * instead; the fetch converges to the same offset).
   */
  private truncateOnDivergence(target: FetchTarget, leader: { epoch: number; endOffset: number }): void {
    const log = target.partition.log
    const logEndOffset = log.logEndOffset
    let offset = logEndOffset
    if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) offset = target.fetchOffset
    else if (leader.epoch === UNDEFINED_EPOCH) offset = Math.min(leader.endOffset, logEndOffset)
    else {
      const local = log.endOffsetForEpoch(leader.epoch)
      if (local.epoch === UNDEFINED_EPOCH || local.endOffset === UNDEFINED_EPOCH_OFFSET) offset = Math.min(leader.endOffset, logEndOffset)
      else if (local.epoch !== leader.epoch) offset = Math.min(local.endOffset, logEndOffset)
      else offset = Math.min(local.endOffset, leader.endOffset, logEndOffset)
    }
    this.host.emit('replica-truncated', {
      topic: target.partition.topic,
      partition: target.partition.partition,
      from: logEndOffset,
      to: offset,
      reason: 'diverging epoch',
      leaderEpoch: leader.epoch,
      leaderEndOffset: leader.endOffset,
    })
    log.truncateTo(offset)
    target.fetchOffset = log.logEndOffset
    target.lastFetchedEpoch = log.latestEpoch() ?? UNDEFINED_EPOCH
  }

  private maybeFetch(session: FetchSession): void {
    if (session.inFlight || session.targets.size === 0) return
    const now = this.host.now()
    const settings = this.host.fetchSettings()
    const partitions: FetchPartition[] = []
    const requested = new Map<string, { fetchOffset: number; currentLeaderEpoch: number }>()
    let nextReadyMs = Infinity
    for (const target of session.targets.values()) {
      if (target.delayedUntilMs > now) {
        nextReadyMs = Math.min(nextReadyMs, target.delayedUntilMs)
        continue
      }
      const p = target.partition
      partitions.push({
        topic: p.topic,
        topicId: p.topicId,
        partition: p.partition,
        fetchOffset: target.fetchOffset,
        currentLeaderEpoch: target.currentLeaderEpoch,
        lastFetchedEpoch: target.lastFetchedEpoch,
        logStartOffset: p.log.logStartOffset,
        partitionMaxBytes: settings.partitionMaxBytes,
      })
      requested.set(p.key, { fetchOffset: target.fetchOffset, currentLeaderEpoch: target.currentLeaderEpoch })
    }
    if (partitions.length === 0) {
      if (session.backoffTimer === null && nextReadyMs < Infinity) {
        session.backoffTimer = this.host.setTimer(nextReadyMs - now, 'fetch-backoff', session.leaderId)
      }
      return
    }
    const correlationId = this.host.nextCorrelationId()
    session.inFlight = {
      correlationId,
      requested,
      timeoutTimer: this.host.setTimer(REPLICA_FETCH_REQUEST_TIMEOUT_MS, 'fetch-timeout', { leaderId: session.leaderId, correlationId }),
    }
    this.host.send(session.leaderId, {
      type: 'Fetch',
      correlationId,
      replicaId: this.host.brokerId,
      replicaEpoch: this.host.brokerEpoch,
      maxWaitMs: settings.maxWaitMs,
      minBytes: settings.minBytes,
      maxBytes: settings.maxBytes,
      partitions,
    })
  }
}
