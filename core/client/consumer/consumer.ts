// A Kafka consumer with manual partition assignment, as a simulated node. After Kafka's
//   KafkaConsumer         clients/src/main/java/org/apache/kafka/clients/consumer/KafkaConsumer.java
//   ClassicKafkaConsumer  clients/src/main/java/org/apache/kafka/clients/consumer/internals/ClassicKafkaConsumer.java
//                         (assign, seek, seekToBeginning/End, pause/resume, position, poll,
//                         updateFetchPositions)
// with the fetcher (fetcher.ts: AbstractFetch, FetchCollector), the position resets
// (offset-fetcher.ts: OffsetFetcher) and the per-partition state (subscription-state.ts:
// SubscriptionState).
//
// The consumer is given partitions (assign), finds where to start in each (ListOffsets per
// auto.offset.reset, or a seek), and fetches from each partition's leader in the
// background: one Fetch in flight per leader broker, for the partitions with nothing
// buffered. poll() hands out what was fetched, at most max.poll.records, and moves the
// positions past it. A leader that moved or an unanswered request sends it to fresh
// metadata and retries after retry.backoff.ms; a position out of range is reset per
// auto.offset.reset (or fails the partition with none). After a leader change the position
// is checked against the new leader's log (KIP-320) before more records are returned.
//
// With a group.id, subscribe (topics or a pattern) makes the consumer a member of a
// consumer group (consumer-coordinator.ts: the classic protocol, rebalance callbacks,
// committed offsets, auto-commit); commitSync/commitAsync store positions in the group.
//
// An optional application loop (`app`) makes the node a self-driving consumer for
// scenarios and the visualizer: it polls every pollIntervalMs, and spends
// processingMsPerRecord of simulated time on each record it got before polling again.

import type { Message, NodeContext, NodeId, SimNode, TimerId } from '../../node.ts'
import { firstCorrelationId, type FetchResponse, type GroupResponse, type ListOffsetsResponse, type MetadataRequest, type MetadataResponse } from '../../protocol.ts'
import { parseConsumerConfig, type ConsumerConfig } from '../../config/clients.ts'
import { ClientError } from '../errors.ts'
import { ClientMetadata } from '../metadata.ts'
import { ConsumerCoordinator, type CommitOutcome, type ConsumerRebalanceListener } from './consumer-coordinator.ts'
import { Fetcher, InvalidOffsetError, type ConsumerRecordView, type FetcherHost, type FetcherStats } from './fetcher.ts'
import { OffsetFetcher } from './offset-fetcher.ts'
import { NO_LEADER, SubscriptionState, tpKey, type LeaderAndEpoch, type TopicPartition, type TopicPartitionState } from './subscription-state.ts'

export { InvalidOffsetError, type ConsumerRecordView } from './fetcher.ts'
export type { CommitOutcome, ConsumerRebalanceListener } from './consumer-coordinator.ts'
export type { TopicPartition } from './subscription-state.ts'

/** The built-in application loop (scenarios, the visualizer). */
export interface ConsumerApp {
  /** How often the application polls when it is not busy processing (simulated ms, > 0). */
  pollIntervalMs: number
  /** Simulated ms the application spends on each record; it does not poll meanwhile (>= 0). */
  processingMsPerRecord: number
  /** A group member's application that calls commitSync() after processing each batch, before polling again. */
  commitAfterProcessing?: boolean
}

export interface ConsumerOptions {
  bootstrapBrokers: readonly number[]
  /** Consumer config with Kafka's names, e.g. { 'auto.offset.reset': 'earliest', 'max.poll.records': 100 }. */
  config?: Record<string, unknown>
  /**
   * Where every record poll() returned is kept: the history recorder passes its own array,
   * so the records outlive a crashed consumer. Default a fresh array; null keeps none
   * (benchmarks).
   */
  consumed?: ConsumedRecord[] | null
  /** Run the built-in application loop. */
  app?: ConsumerApp
  /** Partitions to assign at start (and again after a restart, which loses everything else). */
  assignment?: readonly TopicPartition[]
  /** Topics (or { pattern }, a regular expression) to subscribe to at start; needs group.id. */
  subscribe?: readonly string[] | { pattern: string }
  /** Rebalance callbacks (ConsumerRebalanceListener); they are also traced. */
  listener?: ConsumerRebalanceListener
}

export type ConsumerCommand =
  | { op: 'assign'; partitions: readonly TopicPartition[] }
  | { op: 'seek'; topic: string; partition: number; offset: number }
  | { op: 'seekToBeginning'; partitions?: readonly TopicPartition[] }
  | { op: 'seekToEnd'; partitions?: readonly TopicPartition[] }
  | { op: 'pause'; partitions: readonly TopicPartition[] }
  | { op: 'resume'; partitions: readonly TopicPartition[] }
  | { op: 'poll' }
  | { op: 'position'; topic: string; partition: number }
  | { op: 'assignment' }
  | { op: 'subscribe'; topics: readonly string[] }
  | { op: 'subscribe'; pattern: string }
  | { op: 'unsubscribe' }
  | { op: 'commitSync'; offsets?: readonly { topic: string; partition: number; offset: number }[] }
  | { op: 'commitAsync'; offsets?: readonly { topic: string; partition: number; offset: number }[] }

/** A record poll() returned, with when (consumedAtMs). */
export type ConsumedRecord = ConsumerRecordView

/** An error the application loop caught from poll(), and the partitions it stopped for it. */
export interface ConsumerAppError {
  atMs: number
  exception: string
  message: string
  partitions: string[]
}

export interface ConsumerStats extends FetcherStats {
  polls: number
  recordsConsumed: number
  listOffsetsRequests: number
  metadataRequests: number
}

/** Kafka's Topic.validate: the names a topic may have. */
const LEGAL_TOPIC = /^[a-zA-Z0-9._-]+$/
const TOPIC_MAX_LENGTH = 249

export class Consumer implements SimNode {
  readonly config: ConsumerConfig
  /** Every record poll() returned, in order (empty when options.consumed is null). */
  readonly consumed: ConsumedRecord[]
  private readonly keepRecords: boolean
  /** Errors the application loop caught (and the partitions it stopped). */
  readonly appErrors: ConsumerAppError[] = []
  private readonly subscriptions: SubscriptionState
  private readonly metadata: ClientMetadata
  private readonly fetcher: Fetcher
  private readonly offsetFetcher: OffsetFetcher
  private readonly metadataRequests = new Map<number, TimerId>()
  private metadataWanted = false
  private metadataBackoffUntilMs = 0
  private correlationIds: number
  private wake: { timer: TimerId; atMs: number } | null = null
  private polls = 0
  private recordsConsumed = 0
  /** The application loop processed records it has not committed yet (commitAfterProcessing). */
  private processedSinceCommit = false
  /** The group membership, when group.id is set. */
  readonly coordinator: ConsumerCoordinator | null = null

  constructor(
    private readonly ctx: NodeContext,
    private readonly options: ConsumerOptions,
  ) {
    this.config = parseConsumerConfig(options.config ?? {}, `consumer ${String(ctx.id)} config`)
    this.keepRecords = options.consumed !== null
    this.consumed = options.consumed ?? []
    if (!Array.isArray(options.bootstrapBrokers) || options.bootstrapBrokers.length === 0) {
      throw new ClientError('IllegalArgumentException', 'bootstrapBrokers: expected at least one broker id')
    }
    if (options.app !== undefined) checkApp(options.app)
    this.correlationIds = firstCorrelationId(ctx)
    this.subscriptions = new SubscriptionState(this.config['auto.offset.reset'])
    this.metadata = new ClientMetadata(
      {
        now: () => ctx.now,
        nextCorrelationId: () => ++this.correlationIds,
        sendMetadataRequest: (broker, request) => this.sendMetadataRequest(broker, request),
      },
      options.bootstrapBrokers,
      this.config['metadata.max.age.ms'],
    )
    const host: FetcherHost = {
      ctx,
      nextCorrelationId: () => ++this.correlationIds,
      requestMetadataUpdate: () => this.requestMetadataUpdate(),
      onDivergingEpoch: (state, diverging) => this.onDivergingEpoch(state, diverging),
    }
    this.fetcher = new Fetcher(host, this.subscriptions, this.metadata, this.config)
    this.offsetFetcher = new OffsetFetcher(host, this.subscriptions, this.metadata, this.config)
    const groupId = this.config['group.id']
    if (groupId !== null) {
      this.coordinator = new ConsumerCoordinator({
        ctx,
        config: this.config,
        metadata: this.metadata,
        subscriptions: this.subscriptions,
        bootstrapBrokers: options.bootstrapBrokers,
        nextCorrelationId: () => ++this.correlationIds,
        assignmentChanged: () => {
          this.fetcher.retainAssigned()
          for (const p of this.subscriptions.assignedPartitions()) this.metadata.want(p.topic)
          this.run()
        },
        listener: options.listener,
      }, groupId)
    }
  }

  get stats(): ConsumerStats {
    return {
      ...this.fetcher.stats,
      polls: this.polls,
      recordsConsumed: this.recordsConsumed,
      listOffsetsRequests: this.offsetFetcher.requests,
      metadataRequests: this.metadataRequestCount,
    }
  }

  start(): void {
    this.ctx.emit('consumer-started', {
      autoOffsetReset: this.config['auto.offset.reset'],
      maxPollRecords: this.config['max.poll.records'],
      fetchMinBytes: this.config['fetch.min.bytes'],
      fetchMaxWaitMs: this.config['fetch.max.wait.ms'],
      ...(this.options.app ? { app: { ...this.options.app } } : {}),
    })
    if (this.options.assignment !== undefined) this.assign(this.options.assignment)
    if (this.options.subscribe !== undefined) {
      const s = this.options.subscribe
      if (Array.isArray(s)) this.subscribe(s as readonly string[], null)
      else this.subscribe(null, (s as { pattern: string }).pattern)
    }
    if (this.options.app) this.ctx.setTimer(this.options.app.pollIntervalMs, 'app-poll')
    this.run()
  }

  onCommand(command: unknown): unknown {
    if (typeof command !== 'object' || command === null || typeof (command as { op?: unknown }).op !== 'string') {
      throw new ClientError('IllegalArgumentException', `expected a consumer command { op: ... }, got ${JSON.stringify(command)}`)
    }
    const c = command as ConsumerCommand
    switch (c.op) {
      case 'assign':
        return this.assign(c.partitions)
      case 'seek':
        return this.seek(c.topic, c.partition, c.offset)
      case 'seekToBeginning':
        return this.seekTo('earliest', c.partitions)
      case 'seekToEnd':
        return this.seekTo('latest', c.partitions)
      case 'pause':
        return this.pause(c.partitions)
      case 'resume':
        return this.resume(c.partitions)
      case 'poll':
        return this.poll()
      case 'position':
        return this.position(c.topic, c.partition)
      case 'assignment':
        return this.assignment()
      case 'subscribe':
        return 'pattern' in c ? this.subscribe(null, c.pattern) : this.subscribe(c.topics, null)
      case 'unsubscribe':
        return this.unsubscribe()
      case 'commitSync':
        return this.commit('sync', c.offsets)
      case 'commitAsync':
        return this.commit('async', c.offsets)
      default:
        throw new ClientError('IllegalArgumentException', `unknown consumer command ${JSON.stringify((command as { op: string }).op)}`)
    }
  }

  onMessage(from: NodeId, message: Message): void {
    switch (message.type) {
      case 'MetadataResponse':
        return this.onMetadataResponse(message as MetadataResponse)
      case 'FetchResponse':
        if (this.fetcher.onResponse(message as FetchResponse)) this.run()
        return
      case 'ListOffsetsResponse':
        if (this.offsetFetcher.onResponse(from as number, message as ListOffsetsResponse)) this.run()
        return
      default:
        if (this.coordinator?.onResponse(from as number, message as GroupResponse)) this.run()
    }
  }

  onTimer(name: string, data: unknown): void {
    switch (name) {
      case 'wake':
        this.wake = null
        return this.run()
      case 'fetch-timeout':
        if (this.fetcher.onTimeout(data as number)) this.run()
        return
      case 'list-offsets-timeout':
        if (this.offsetFetcher.onTimeout(data as number)) this.run()
        return
      case 'metadata-timeout':
        this.metadataRequests.delete(data as number)
        if (this.metadata.onTimeout(data as number)) {
          this.metadataBackoffUntilMs = this.ctx.now + this.config['retry.backoff.ms']
          this.metadataWanted = true
        }
        return this.run()
      case 'app-poll':
        return this.appPoll()
      default:
        if (this.coordinator?.onTimer(name, data)) this.run()
    }
  }

  snapshot(): unknown {
    return {
      assignment: [...this.subscriptions.states()].map((s) => ({
        partition: s.key,
        state: s.fetchState,
        position: s.position?.offset ?? null,
        leader: s.position?.currentLeader.leaderId ?? null,
        paused: s.paused,
        highWatermark: s.highWatermark,
        lag: s.highWatermark !== null && s.position !== null ? s.highWatermark - s.position.offset : null,
        buffered: this.fetcher.bufferedRecords(s.key),
        error: s.error ? s.error.exception : null,
      })),
      ...this.stats,
      inFlightFetches: this.fetcher.inFlightRequests,
      appErrors: this.appErrors.length,
      ...(this.coordinator ? { group: this.coordinator.view() } : {}),
    }
  }

  // --- the consumer API -------------------------------------------------------------------

  /**
   * KafkaConsumer.assign: the partitions replace the current assignment; an empty list
   * unsubscribes. Partitions kept keep their position; new ones start without one.
   */
  assign(partitions: readonly TopicPartition[]): TopicPartition[] {
    if (!Array.isArray(partitions)) throw new ClientError('IllegalArgumentException', 'Topic partitions collection to assign to cannot be null')
    const parsed = partitions.map((p, i) => checkPartition(p, `partitions[${i}]`, true))
    if (parsed.length === 0) {
      this.subscriptions.unsubscribe()
    } else if (!this.subscriptions.assignFromUser(parsed)) {
      return this.assignment()
    }
    this.fetcher.retainAssigned()
    for (const p of parsed) this.metadata.want(p.topic)
    if (parsed.some((p) => !this.metadata.leaderOf(p.topic, p.partition))) this.requestMetadataUpdate()
    this.ctx.emit('consumer-assigned', { partitions: parsed.map((p) => tpKey(p.topic, p.partition)) })
    this.run()
    return this.assignment()
  }

  /**
   * KafkaConsumer.subscribe(topics) / subscribe(pattern): the group will assign partitions
   * at the next poll()s. Needs a group.id (InvalidGroupIdException without one, as Kafka).
   */
  subscribe(topics: readonly string[] | null, pattern: string | null): null {
    if (!this.coordinator) throw new ClientError('InvalidGroupIdException', 'To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.')
    let regex: RegExp | null = null
    if (pattern !== null) {
      if (typeof pattern !== 'string' || pattern === '') throw new ClientError('IllegalArgumentException', `Topic pattern to subscribe to cannot be null or empty, got ${JSON.stringify(pattern)}`)
      try {
        regex = new RegExp(`^(?:${pattern})$`) // Java's Pattern.matcher(topic).matches(): the whole name
      } catch (error) {
        throw new ClientError('IllegalArgumentException', `subscribe pattern ${JSON.stringify(pattern)} is not a valid regular expression: ${(error as Error).message}`)
      }
    } else {
      if (!Array.isArray(topics)) throw new ClientError('IllegalArgumentException', 'Topic collection to subscribe to cannot be null')
      topics.forEach((t, i) => checkPartition({ topic: t, partition: 0 }, `topics[${i}]`, true))
      if (topics.length === 0) return this.unsubscribe()
    }
    this.subscriptions.subscribe()
    this.coordinator.subscribe(topics, regex)
    this.ctx.emit('consumer-subscribed', pattern !== null ? { pattern } : { topics: [...topics!] })
    this.run()
    return null
  }

  /** KafkaConsumer.unsubscribe: leave the group (revoking what it owns) and drop the assignment. */
  unsubscribe(): null {
    if (this.coordinator && !this.subscriptions.hasNoSubscriptionOrUserAssignment) this.coordinator.leaveGroup('the consumer unsubscribed')
    this.subscriptions.unsubscribe()
    this.fetcher.retainAssigned()
    this.run()
    return null
  }

  /**
   * commitSync / commitAsync: the positions (or the offsets given) go to the group
   * coordinator. The sandbox does not block: the outcome is returned pending and settles
   * when the coordinator answers (commitSync retries retriable errors up to
   * default.api.timeout.ms; commitAsync does not).
   */
  commit(kind: 'sync' | 'async', offsets: readonly { topic: string; partition: number; offset: number }[] | undefined): CommitOutcome {
    if (!this.coordinator) throw new ClientError('InvalidGroupIdException', 'To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.')
    const given = offsets?.map((o, i) => {
      const tp = checkPartition(o, `offsets[${i}]`, false)
      if (typeof o.offset !== 'number' || !Number.isSafeInteger(o.offset) || o.offset < 0) throw new ClientError('IllegalArgumentException', `offsets[${i}].offset: expected an integer >= 0, got ${JSON.stringify(o.offset)}`)
      return { ...tp, offset: o.offset }
    })
    return this.coordinator.commit(kind, given ?? null)
  }

  /** KafkaConsumer.seek: the next poll returns records from `offset` (no validation: the offset's epoch is unknown). */
  seek(topic: string, partition: number, offset: number): null {
    const tp = checkPartition({ topic, partition }, 'seek', false)
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) throw new ClientError('IllegalArgumentException', `seek offset must be an integer, got ${JSON.stringify(offset)}`)
    if (offset < 0) throw new ClientError('IllegalArgumentException', 'seek offset must not be a negative number')
    const state = this.subscriptions.assignedState(tp.topic, tp.partition)
    state.seekValidated({ offset, offsetEpoch: null, currentLeader: this.currentLeader(tp.topic, tp.partition) })
    this.fetcher.clearBuffered(state.key)
    this.ctx.emit('consumer-seek', { partition: state.key, offset })
    this.run()
    return null
  }

  /** seekToBeginning / seekToEnd: a reset to the log start offset or the high watermark, for the partitions given or all assigned. */
  seekTo(strategy: 'earliest' | 'latest', partitions: readonly TopicPartition[] | undefined): null {
    const verb = strategy === 'earliest' ? 'seekToBeginning' : 'seekToEnd'
    if (partitions !== undefined && !Array.isArray(partitions)) throw new ClientError('IllegalArgumentException', 'Partitions collection cannot be null')
    const given = (partitions ?? []).map((p, i) => checkPartition(p, `partitions[${i}]`, false))
    const states = given.length === 0 ? [...this.subscriptions.states()] : given.map((p) => this.subscriptions.assignedState(p.topic, p.partition))
    for (const state of states) {
      state.reset(strategy)
      this.fetcher.clearBuffered(state.key)
    }
    this.ctx.emit('consumer-seek', { partitions: states.map((s) => s.key), to: verb === 'seekToBeginning' ? 'beginning' : 'end' })
    this.run()
    return null
  }

  /** KafkaConsumer.pause: no fetching for these partitions; what was fetched stays buffered for after resume. */
  pause(partitions: readonly TopicPartition[]): null {
    const states = this.assignedStates(partitions)
    for (const state of states) state.paused = true
    this.ctx.emit('consumer-paused', { partitions: states.map((s) => s.key) })
    this.run()
    return null
  }

  resume(partitions: readonly TopicPartition[]): null {
    const states = this.assignedStates(partitions)
    for (const state of states) state.paused = false
    this.ctx.emit('consumer-resumed', { partitions: states.map((s) => s.key) })
    this.run()
    return null
  }

  /**
   * KafkaConsumer.position: the offset of the next record poll() returns. Kafka blocks until
   * it is known; the sandbox answers at once, with null while it is still being looked up.
   */
  position(topic: string, partition: number): number | null {
    const tp = checkPartition({ topic, partition }, 'position', false)
    const state = this.subscriptions.stateOrNull(tp.topic, tp.partition)
    if (!state) throw new ClientError('IllegalStateException', 'You can only check the position for partitions assigned to this consumer.')
    if (state.fetchState === 'INITIALIZING' && !this.subscriptions.hasDefaultOffsetResetPolicy) throw noOffsetError([state])
    return state.position?.offset ?? null
  }

  /** KafkaConsumer.assignment, sorted by topic and partition. */
  assignment(): TopicPartition[] {
    return this.subscriptions.assignedPartitions().sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
  }

  /**
   * KafkaConsumer.poll, without the wait: updateFetchPositions (NoOffsetForPartitionException
   * with auto.offset.reset=none), then up to max.poll.records buffered records, each
   * partition's position moving past what it returned. An error a partition hit
   * (OffsetOutOfRangeException with no reset policy) is thrown when no records are returned.
   */
  poll(): ConsumedRecord[] {
    const records = this.collect()
    if (records.length > 0) this.emitPoll(records, null)
    return records
  }

  /** poll() without its trace event (the application loop traces its polls with their processing time). */
  private collect(): ConsumedRecord[] {
    if (this.subscriptions.hasNoSubscriptionOrUserAssignment) {
      throw new ClientError('IllegalStateException', 'Consumer is not subscribed to any topics or assigned any partitions')
    }
    this.coordinator?.poll()
    this.syncLeaders()
    const noOffsets = this.subscriptions.resetInitializingPositions(this.mayResetPosition)
    if (noOffsets.length > 0) throw noOffsetError(noOffsets)
    const records = this.fetcher.collectFetch(this.config['max.poll.records'])
    if (records.length === 0) {
      const failed = [...this.subscriptions.states()].find((s) => s.error !== null && !s.paused)
      if (failed) throw failed.error!
    }
    this.polls++
    const now = this.ctx.now
    for (const record of records) record.consumedAtMs = now
    this.recordsConsumed += records.length
    if (this.keepRecords) for (const record of records) this.consumed.push(record)
    this.run() // the partitions just drained may be fetched again
    return records
  }

  /** A group member's partition waits for the group's committed offset before auto.offset.reset applies. */
  private readonly mayResetPosition = (key: string): boolean => this.coordinator === null || this.coordinator.mayResetPosition(key)

  /** What a commit would store for each partition. */
  allConsumed(): { topic: string; partition: number; offset: number; leaderEpoch: number | null }[] {
    return this.subscriptions.allConsumed()
  }

  // --- the application loop ---------------------------------------------------------------

  private appPoll(): void {
    const app = this.options.app!
    if (app.commitAfterProcessing && this.coordinator && this.processedSinceCommit) {
      this.processedSinceCommit = false
      this.commit('sync', undefined)
    }
    let records: ConsumedRecord[] = []
    if (!this.subscriptions.hasNoSubscriptionOrUserAssignment) {
      try {
        records = this.collect()
      } catch (error) {
        if (error instanceof ClientError && !(error instanceof InvalidOffsetError)) {
          // A group error (the member could not join, a fenced static member): the application records it and keeps polling.
          this.appErrors.push({ atMs: this.ctx.now, exception: error.exception, message: error.message, partitions: [] })
          this.ctx.emit('consumer-error', { exception: error.exception, message: error.message, partitions: [] })
          this.ctx.setTimer(app.pollIntervalMs, 'app-poll')
          return
        }
        if (!(error instanceof InvalidOffsetError)) throw error
        // The application gives up on the failing partitions and carries on with the rest.
        const stopped = new Set(error.partitions.map((p) => tpKey(p.topic, p.partition)))
        this.appErrors.push({ atMs: this.ctx.now, exception: error.exception, message: error.message, partitions: [...stopped] })
        this.ctx.emit('consumer-error', { exception: error.exception, message: error.message, partitions: [...stopped] })
        const rest = this.subscriptions.assignedPartitions().filter((p) => !stopped.has(tpKey(p.topic, p.partition)))
        this.assign(rest)
      }
    }
    const processingMs = records.length * app.processingMsPerRecord
    if (records.length > 0) this.processedSinceCommit = true
    if (records.length > 0) this.emitPoll(records, processingMs)
    // A single-threaded application: the next poll comes after the interval, or once the records are processed.
    this.ctx.setTimer(Math.max(app.pollIntervalMs, processingMs), 'app-poll')
  }

  private emitPoll(records: readonly ConsumedRecord[], processingMs: number | null): void {
    const partitions: Record<string, [number, number, number]> = {}
    // A poll returns each partition's records together: one key per run of them.
    let range: [number, number, number] | undefined
    let previous: ConsumedRecord | undefined
    for (const r of records) {
      if (!previous || r.partition !== previous.partition || r.topic !== previous.topic) {
        const key = tpKey(r.topic, r.partition)
        range = partitions[key] ??= [r.offset, r.offset, 0]
      }
      range![1] = r.offset
      range![2]++
      previous = r
    }
    this.ctx.emit('consumer-poll', {
      records: records.length,
      // per partition: [first offset, last offset, records]
      partitions,
      ...(processingMs !== null ? { processingMs } : {}),
    })
  }

  // --- the background loop ----------------------------------------------------------------

  /**
   * One turn: metadata if due, positions moved to the current leaders, resets sent,
   * fetches sent; then sleep until the next thing is due.
   */
  private run(): void {
    this.maybeUpdateMetadata()
    this.syncLeaders()
    this.subscriptions.resetInitializingPositions(this.mayResetPosition)
    this.offsetFetcher.resetPositionsIfNeeded()
    this.fetcher.sendFetches()
    this.maybeUpdateMetadata() // the steps above may have asked for it
    this.scheduleWake()
  }

  /**
   * maybeValidatePositionForCurrentLeader for every partition: a position follows its
   * partition's leader in the metadata; a leader change puts a position that knows its
   * epoch into validation (KIP-320), and what was fetched from the old leader is dropped.
   */
  private syncLeaders(): void {
    for (const state of this.subscriptions.states()) {
      if (state.position === null) continue
      const leader = this.metadata.leaderOf(state.topic, state.partition)
      if (!leader) continue
      const before = state.position.currentLeader
      if (before.leaderId === leader.leaderId && before.epoch === leader.leaderEpoch) continue
      const validating = state.maybeValidatePosition({ leaderId: leader.leaderId, epoch: leader.leaderEpoch })
      if (validating) this.fetcher.clearBuffered(state.key)
      if (before.leaderId >= 0) {
        this.ctx.emit('consumer-leader-changed', { partition: state.key, leader: leader.leaderId, leaderEpoch: leader.leaderEpoch, validate: validating })
      }
    }
  }

  /**
   * SubscriptionState.maybeCompleteValidation, with the leader's diverging epoch: the log
   * was truncated below the position (an unclean election, a lossy restart). With a reset
   * policy the position goes back to where the logs agree; with none it is an error
   * (LogTruncationException, an OffsetOutOfRangeException).
   */
  private onDivergingEpoch(state: TopicPartitionState, diverging: { epoch: number; endOffset: number }): void {
    const position = state.position!
    const undefinedEpoch = diverging.endOffset < 0 || diverging.epoch < 0
    if (!undefinedEpoch && diverging.endOffset >= position.offset) {
      state.completeValidation()
      return
    }
    const tp = { topic: state.topic, partition: state.partition }
    this.ctx.emit('consumer-truncation-detected', { partition: state.key, offset: position.offset, divergingEpoch: diverging.epoch, endOffset: diverging.endOffset })
    if (this.subscriptions.hasDefaultOffsetResetPolicy) {
      if (undefinedEpoch) state.reset(this.subscriptions.defaultResetStrategy)
      else state.seekValidated({ offset: diverging.endOffset, offsetEpoch: diverging.epoch, currentLeader: position.currentLeader })
      return
    }
    const divergent = undefinedEpoch ? '' : `${state.key}=OffsetAndMetadata{offset=${diverging.endOffset}, leaderEpoch=${diverging.epoch}, metadata=''}`
    state.error = new InvalidOffsetError('OffsetOutOfRangeException', `LogTruncationException: Truncated partitions detected with divergent offsets {${divergent}}`, [tp])
  }

  private currentLeader(topic: string, partition: number): LeaderAndEpoch {
    const leader = this.metadata.leaderOf(topic, partition)
    return leader ? { leaderId: leader.leaderId, epoch: leader.leaderEpoch } : { ...NO_LEADER }
  }

  private assignedStates(partitions: readonly TopicPartition[]): TopicPartitionState[] {
    if (!Array.isArray(partitions)) throw new ClientError('IllegalArgumentException', 'Partitions collection cannot be null')
    const parsed = partitions.map((p, i) => checkPartition(p, `partitions[${i}]`, false))
    // Every partition is checked before any changes.
    return parsed.map((p) => this.subscriptions.assignedState(p.topic, p.partition))
  }

  // --- metadata ---------------------------------------------------------------------------

  private metadataRequestCount = 0

  private requestMetadataUpdate(): void {
    this.metadata.requestUpdate()
    this.metadataWanted = true
  }

  /** Metadata.timeToNextUpdate: never sooner than retry.backoff.ms after the last answer. */
  private maybeUpdateMetadata(): void {
    if (this.metadata.isUpdating || this.ctx.now < this.metadataBackoffUntilMs) return
    this.metadata.maybeUpdate()
    this.metadataWanted = false
  }

  private sendMetadataRequest(broker: number, request: MetadataRequest): void {
    this.metadataRequestCount++
    this.metadataRequests.set(request.correlationId, this.ctx.setTimer(this.config['request.timeout.ms'], 'metadata-timeout', request.correlationId))
    this.ctx.send(broker, request)
  }

  private onMetadataResponse(response: MetadataResponse): void {
    const timer = this.metadataRequests.get(response.correlationId)
    if (timer !== undefined) {
      this.ctx.cancelTimer(timer)
      this.metadataRequests.delete(response.correlationId)
    }
    if (!this.metadata.onResponse(response)) return
    this.metadataBackoffUntilMs = this.ctx.now + this.config['retry.backoff.ms']
    // Keep asking while an assigned partition has no known leader.
    for (const state of this.subscriptions.states()) {
      if (!this.metadata.leaderOf(state.topic, state.partition)) {
        this.requestMetadataUpdate()
        break
      }
    }
    this.run()
  }

  // --- timers -----------------------------------------------------------------------------

  /** Sleeps until the earliest of: metadata due, a reset's or a fetch's backoff ending. */
  private scheduleWake(): void {
    const now = this.ctx.now
    let next = Infinity
    if (!this.metadata.isUpdating) {
      next = Math.max(this.metadataWanted ? now : this.metadata.nextRefreshDueMs(), this.metadataBackoffUntilMs)
    }
    for (const state of this.subscriptions.states()) {
      if (state.fetchState === 'AWAIT_RESET' && state.nextRetryTimeMs !== null && state.nextRetryTimeMs > now) next = Math.min(next, state.nextRetryTimeMs)
      if (state.fetchBackoffUntilMs > now && !state.paused && state.error === null) next = Math.min(next, state.fetchBackoffUntilMs)
    }
    if (next === Infinity) return
    // Whatever was due now has just been done: never a zero-delay loop.
    const at = Math.max(next, now + 1)
    if (this.wake && this.wake.atMs <= at && this.wake.atMs > now) return
    if (this.wake) this.ctx.cancelTimer(this.wake.timer)
    this.wake = { timer: this.ctx.setTimer(at - now, 'wake'), atMs: at }
  }
}

// --- input checks ---------------------------------------------------------------------------

/**
 * The checks the constructor makes of its options, for a host that must refuse bad options
 * before the node exists (so that nothing is half added). Throws InvalidConfigError or
 * ClientError naming the value.
 */
export function checkConsumerOptions(options: Omit<ConsumerOptions, 'bootstrapBrokers'>, where: string): void {
  parseConsumerConfig(options.config ?? {}, `${where} config`)
  if (options.app !== undefined) checkApp(options.app)
  if (options.subscribe !== undefined) {
    const s = options.subscribe
    const ok = Array.isArray(s) ? s.every((t) => typeof t === 'string') : typeof s === 'object' && s !== null && typeof (s as { pattern?: unknown }).pattern === 'string'
    if (!ok) throw new ClientError('IllegalArgumentException', `${where} subscribe: expected an array of topic names or { pattern }, got ${JSON.stringify(s)}`)
    if (parseConsumerConfig(options.config ?? {}, `${where} config`)['group.id'] === null) {
      throw new ClientError('InvalidGroupIdException', `${where} subscribe: To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration.`)
    }
  }
  if (options.assignment !== undefined) {
    if (!Array.isArray(options.assignment)) throw new ClientError('IllegalArgumentException', `${where} assignment: expected an array of { topic, partition }, got ${JSON.stringify(options.assignment)}`)
    options.assignment.forEach((p, i) => checkPartition(p, `${where} assignment[${i}]`, true))
  }
}

function checkApp(app: ConsumerApp): void {
  if (typeof app !== 'object' || app === null) throw new ClientError('IllegalArgumentException', 'app: expected { pollIntervalMs, processingMsPerRecord }')
  if (typeof app.pollIntervalMs !== 'number' || !Number.isFinite(app.pollIntervalMs) || app.pollIntervalMs <= 0) {
    throw new ClientError('IllegalArgumentException', `app.pollIntervalMs: expected a number of ms > 0, got ${JSON.stringify(app.pollIntervalMs)}`)
  }
  if (typeof app.processingMsPerRecord !== 'number' || !Number.isFinite(app.processingMsPerRecord) || app.processingMsPerRecord < 0) {
    throw new ClientError('IllegalArgumentException', `app.processingMsPerRecord: expected a number of ms >= 0, got ${JSON.stringify(app.processingMsPerRecord)}`)
  }
  if (app.commitAfterProcessing !== undefined && typeof app.commitAfterProcessing !== 'boolean') {
    throw new ClientError('IllegalArgumentException', `app.commitAfterProcessing: expected true or false, got ${JSON.stringify(app.commitAfterProcessing)}`)
  }
}

/**
 * A { topic, partition } from the caller. For assign, Kafka refuses a null or blank topic
 * with IllegalArgumentException; the sandbox also refuses there a name no topic can have
 * (Topic.validate's InvalidTopicException, which Kafka would raise from poll() once the
 * metadata said so). Elsewhere a name is only looked up in the assignment, as Kafka does
 * (IllegalStateException when it is not assigned). A partition must be an integer >= 0.
 */
function checkPartition(value: unknown, where: string, assigning: boolean): TopicPartition {
  if (typeof value !== 'object' || value === null) throw new ClientError('IllegalArgumentException', `${where}: expected { topic, partition }, got ${JSON.stringify(value)}`)
  const { topic, partition } = value as { topic?: unknown; partition?: unknown }
  if (typeof topic !== 'string') {
    if (assigning) throw new ClientError('IllegalArgumentException', 'Topic partitions to assign to cannot have null or empty topic')
    throw new ClientError('IllegalArgumentException', `${where}: expected a topic name (a string), got ${JSON.stringify(topic)}`)
  }
  if (assigning) {
    if (topic.trim() === '') throw new ClientError('IllegalArgumentException', 'Topic partitions to assign to cannot have null or empty topic')
    if (topic === '.' || topic === '..') throw new ClientError('InvalidTopicException', 'Topic name cannot be "." or ".."')
    if (topic.length > TOPIC_MAX_LENGTH) throw new ClientError('InvalidTopicException', `Topic name is illegal, it can't be longer than ${TOPIC_MAX_LENGTH} characters, topic name: ${topic}`)
    if (!LEGAL_TOPIC.test(topic)) throw new ClientError('InvalidTopicException', `Topic name "${topic}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`)
  }
  if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) {
    throw new ClientError('IllegalArgumentException', `${where}: partition: expected an integer >= 0, got ${JSON.stringify(partition)}`)
  }
  return { topic, partition }
}

/** NoOffsetForPartitionException, as SubscriptionState.resetInitializingPositions throws it. */
function noOffsetError(states: readonly TopicPartitionState[]): InvalidOffsetError {
  const keys = states.map((s) => s.key).sort()
  return new InvalidOffsetError('NoOffsetForPartitionException', `Undefined offset with no reset policy for partitions: [${keys.join(', ')}]`,
    states.map((s) => ({ topic: s.topic, partition: s.partition })))
}
