// KafkaJS 2.2.4's consumer (kafkajs src/consumer/index.js, runner.js) over the sandbox's
// group consumer node (core/client/consumer/consumer.ts with a group.id and a
// subscription).
//
// run() starts a background loop, as KafkaJS's runner does: poll the core consumer, hand
// each partition's records to eachBatch or, one by one, to eachMessage, commit what was
// processed (autoCommit), and, when nothing came, wait up to maxWaitTimeInMs for records.
// The loop's waits are passive on virtual time (virtual-time.ts): they do not run the
// simulation by themselves, so a running consumer does not keep time moving; it makes
// progress while user code awaits the facade (a send, a backoff, VirtualTime.until).
//
// Committing follows KafkaJS's commitOffsetsIfNecessary (src/consumer/offsetManager): with
// neither autoCommitInterval nor autoCommitThreshold, after every batch; otherwise once
// autoCommitInterval ms passed since the last commit or autoCommitThreshold records were
// resolved since. partitionsConsumedConcurrently batches of different partitions run at
// once (runner.js), each partition's records in order.
//
// Where it differs (core/README.md): the group protocol is the core's classic Java
// consumer protocol (KafkaJS's JoinGroup/SyncGroup/Heartbeat are the same requests, its
// default assigner is round-robin where the core consumer votes range); a handler's
// error does not crash and restart the consumer as KafkaJS's does: the partition
// is sought back to the failed record and retried after initialRetryTime; commits are
// asynchronous (commitAsync); the heartbeats are the core consumer's own, so the payload's
// heartbeat() does nothing; network events report requests' round trips without sizes or
// API versions (consumer-observer.ts).

import { InvalidOffsetError, type Consumer as CoreConsumer, type ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import { InputError, rejectUnknownKeys, requirePlainObject } from '../input.ts'
import { KafkaJSNonRetriableError } from './errors.ts'
import { observeConsumer } from './consumer-observer.ts'
import { InstrumentationEmitter, type Listener } from './events.ts'
import type { FacadeHost, IHeaders } from './producer.ts'
import { DEFAULT_RETRY, resolveRetry, type ResolvedRetry, type RetryOptions } from './retry.ts'

export interface ConsumerOptions {
  groupId: string
  sessionTimeout?: number
  rebalanceTimeout?: number
  heartbeatInterval?: number
  maxBytesPerPartition?: number
  minBytes?: number
  maxBytes?: number
  maxWaitTimeInMs?: number
  retry?: RetryOptions
  allowAutoTopicCreation?: boolean
  maxInFlightRequests?: number | null
  readUncommitted?: boolean
  rackId?: string
  metadataMaxAge?: number
  partitionAssigners?: unknown[]
}

const CONSUMER_OPTION_KEYS = ['groupId', 'sessionTimeout', 'rebalanceTimeout', 'heartbeatInterval', 'maxBytesPerPartition', 'minBytes', 'maxBytes', 'maxWaitTimeInMs', 'retry', 'allowAutoTopicCreation', 'maxInFlightRequests', 'readUncommitted', 'rackId', 'metadataMaxAge', 'partitionAssigners']

/** A record as KafkaJS hands it over: key and value Buffers, offset and timestamp strings. */
export interface KafkaMessage {
  key: Buffer | null
  value: Buffer | null
  timestamp: string
  attributes: number
  offset: string
  headers: IHeaders
}

export interface EachMessagePayload {
  topic: string
  partition: number
  message: KafkaMessage
  heartbeat(): Promise<void>
  pause(): () => void
}

export interface Batch {
  topic: string
  partition: number
  highWatermark: string
  messages: KafkaMessage[]
  isEmpty(): boolean
  firstOffset(): string | null
  lastOffset(): string
}

export interface EachBatchPayload {
  batch: Batch
  resolveOffset(offset: string): void
  heartbeat(): Promise<void>
  pause(): () => void
  commitOffsetsIfNecessary(): Promise<void>
  uncommittedOffsets(): { topics: { topic: string; partitions: { partition: string; offset: string }[] }[] }
  isRunning(): boolean
  isStale(): boolean
}

export interface ConsumerRunConfig {
  autoCommit?: boolean
  autoCommitInterval?: number | null
  autoCommitThreshold?: number | null
  eachBatchAutoResolve?: boolean
  partitionsConsumedConcurrently?: number
  eachBatch?: ((payload: EachBatchPayload) => Promise<void>) | null
  eachMessage?: ((payload: EachMessagePayload) => Promise<void>) | null
}

/** KafkaJS's consumer instrumentation events (src/consumer/instrumentationEvents.js). */
export const CONSUMER_EVENTS = Object.freeze({
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH: 'consumer.fetch',
  FETCH_START: 'consumer.fetch_start',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
} as const)

/** Events only the trace tells of: while one has a listener, the consumer's node is observed (consumer-observer.ts). */
const OBSERVED_EVENTS: readonly string[] = [CONSUMER_EVENTS.HEARTBEAT, CONSUMER_EVENTS.REBALANCING, CONSUMER_EVENTS.GROUP_JOIN, CONSUMER_EVENTS.REQUEST]

/** What the core consumer's coordinator tells of its membership (Consumer.snapshot().group). */
interface GroupView {
  memberId: string
  generationId: number
  state: string
  assignor: string | null
  leader: boolean
}

/** KafkaJS's consumer defaults (src/index.js consumer()). */
const DEFAULTS = { sessionTimeout: 30_000, rebalanceTimeout: 60_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 5_000 }

export class Consumer {
  private readonly groupId: string
  private readonly retry: ResolvedRetry
  private readonly options: ConsumerOptions
  private readonly topics: string[] = []
  /** Per subscribed topic, its subscribe() call's fromBeginning. */
  private readonly fromBeginningByTopic = new Map<string, boolean>()
  private node: CoreConsumer | null = null
  private nodeId: string | null = null
  private running = false
  private loop: Promise<void> | null = null
  private connected = false
  /** Per "topic-partition", the next offset to commit (last processed + 1). */
  private readonly resolved = new Map<string, { topic: string; partition: number; offset: number }>()
  readonly events = CONSUMER_EVENTS
  private readonly emitter: InstrumentationEmitter
  /** The generation last reported by GROUP_JOIN. */
  private joinedGeneration = -1
  /** Paused partitions, by "topic-partition" (pause(), resume(), a payload's pause()). */
  private readonly pausedPartitions = new Map<string, { topic: string; partition: number }>()
  /** Simulated ms of the last auto-commit, and the records resolved since (commitOffsetsIfNecessary). */
  private lastCommitAtMs = 0
  private resolvedSinceCommit = 0
  /** Whether a listener wants an event only the trace tells of (OBSERVED_EVENTS). */
  private observing = false
  /** While someone listens to an event only the trace tells of (consumer-observer.ts): the function that stops observing. */
  private stopObserving: (() => void) | null = null
  /** From the observer: when the member's current rebalance started, and the leader its JoinGroup named. */
  private rebalanceStartedAtMs: number | null = null
  private leaderId: string | null = null

  constructor(
    private readonly host: FacadeHost,
    options: ConsumerOptions,
  ) {
    const where = 'kafka.consumer(options)'
    requirePlainObject(options, where)
    rejectUnknownKeys(options as unknown as Record<string, unknown>, CONSUMER_OPTION_KEYS, where)
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) throw new KafkaJSNonRetriableError('Consumer groupId must be a non-empty string.')
    this.groupId = options.groupId
    this.options = options
    this.retry = resolveRetry({ ...host.retryOptions, ...(options.retry ?? {}) }, DEFAULT_RETRY, `${where}.retry`)
    this.emitter = new InstrumentationEmitter('consumer', CONSUMER_EVENTS, () => host.cluster.now, host.logger.namespace('Consumer'))
  }

  /**
   * src/consumer/index.js on(). Emitted: CONNECT, DISCONNECT, STOP, GROUP_JOIN (when the
   * member enters a new generation), START_BATCH_PROCESS, END_BATCH_PROCESS,
   * COMMIT_OFFSETS, CRASH (a handler threw), and, observed from the trace while someone
   * listens, HEARTBEAT, REBALANCING and NETWORK_REQUEST (REQUEST). FETCH, FETCH_START,
   * RECEIVED_UNSUBSCRIBED_TOPICS, REQUEST_TIMEOUT and REQUEST_QUEUE_SIZE are accepted and not emitted.
   */
  on(eventName: string, listener: Listener): () => void {
    const remove = this.emitter.on(eventName, listener)
    if (OBSERVED_EVENTS.includes(eventName)) this.observing = true
    if (this.observing && this.nodeId) this.startObserving()
    return remove
  }


  private startObserving(): void {
    if (this.stopObserving || !this.nodeId) return
    this.stopObserving = observeConsumer(this.host.cluster.sim, this.nodeId, {
      onRequest: (r) => this.emitter.emit(CONSUMER_EVENTS.REQUEST, { broker: `broker-${r.broker}:9092`, clientId: this.host.clientId, correlationId: r.correlationId, createdAt: r.sentAt, sentAt: r.sentAt, pendingDuration: 0, duration: r.duration, apiName: r.apiName, apiKey: r.apiKey }),
      onHeartbeat: () => {
        const view = this.groupView()
        this.emitter.emit(CONSUMER_EVENTS.HEARTBEAT, { groupId: this.groupId, memberId: view?.memberId ?? '', groupGenerationId: view?.generationId ?? -1 })
      },
      onRebalancing: () => {
        this.rebalanceStartedAtMs ??= this.host.cluster.now
        this.emitter.emit(CONSUMER_EVENTS.REBALANCING, { groupId: this.groupId, memberId: this.groupView()?.memberId ?? '' })
      },
      onJoinResponse: (leaderId) => {
        this.leaderId = leaderId
      },
    })
  }

  async connect(): Promise<void> {
    this.host.clock.touch()
    this.connected = true
    this.emitter.emit(CONSUMER_EVENTS.CONNECT, null)
  }

  /** src/consumer/index.js subscribe: its checks and messages; RegExps match the topics that exist now. */
  async subscribe({ topic, topics, fromBeginning = false }: { topic?: string | RegExp; topics?: (string | RegExp)[]; fromBeginning?: boolean }): Promise<void> {
    this.host.clock.touch()
    if (this.running) throw new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running')
    if (!topic && !topics) throw new KafkaJSNonRetriableError('Missing required argument "topics"')
    if (topics != null && !Array.isArray(topics)) throw new KafkaJSNonRetriableError('Argument "topics" must be an array')
    const subscriptions = topics ?? [topic!]
    for (const s of subscriptions) {
      if (typeof s !== 'string' && !(s instanceof RegExp)) throw new KafkaJSNonRetriableError(`Invalid topic ${String(s)} (${typeof s}), the topic name has to be a String or a RegExp`)
    }
    const existing = [...(this.host.cluster.controller()?.image.topicsById.values() ?? [])].map((t) => t.name)
    for (const s of subscriptions) {
      const names = typeof s === 'string' ? [s] : existing.filter((name) => s.test(name))
      for (const name of names) {
        if (!this.topics.includes(name)) this.topics.push(name)
        this.fromBeginningByTopic.set(name, fromBeginning === true)
      }
    }
  }

  /**
   * auto.offset.reset for the core consumer: earliest or latest when every topic was
   * subscribed alike; otherwise none, and the loop resets each partition without an offset
   * to its topic's start or end (resetPerTopic), as KafkaJS's per-topic fromBeginning does.
   */
  private offsetReset(): 'earliest' | 'latest' | 'none' {
    const choices = new Set(this.fromBeginningByTopic.values())
    return choices.size > 1 ? 'none' : choices.has(true) ? 'earliest' : 'latest'
  }

  /** Partitions the core found without an offset (or out of range) with auto.offset.reset=none: to their topic's start or end. */
  private resetPerTopic(partitions: readonly { topic: string; partition: number }[]): void {
    const earliest = partitions.filter((p) => this.fromBeginningByTopic.get(p.topic) === true)
    const latest = partitions.filter((p) => this.fromBeginningByTopic.get(p.topic) !== true)
    if (earliest.length > 0) this.host.cluster.sim.command(this.nodeId!, { op: 'seekToBeginning', partitions: earliest })
    if (latest.length > 0) this.host.cluster.sim.command(this.nodeId!, { op: 'seekToEnd', partitions: latest })
  }

  /** Starts the background loop and resolves at once, as KafkaJS's run does. */
  async run(config: ConsumerRunConfig = {}): Promise<void> {
    this.host.clock.touch()
    if (this.running) {
      this.host.logger.namespace('Consumer').warn('consumer#run was called, but the consumer is already running', { groupId: this.groupId })
      return
    }
    // KafkaJS 2.2.4 accepts run() without a handler (runner.js: neither is called); so does the facade.
    checkRunConfig(config)
    this.node = this.ensureNode()
    this.running = true
    this.loop = this.runLoop(config)
  }

  async stop(): Promise<void> {
    this.host.clock.touch()
    this.running = false
    if (!this.loop) return
    // The loop may be in a passive wait: a driving wait lets the pump run, which wakes it.
    let finished = false
    void this.loop.finally(() => {
      finished = true
    })
    await this.host.clock.until(() => finished, { timeoutMs: 60_000, onTimeout: () => new KafkaJSNonRetriableError('consumer.stop(): the run loop did not finish within 60 s') })
    await this.loop
    this.loop = null
    this.emitter.emit(CONSUMER_EVENTS.STOP, null)
  }

  async disconnect(): Promise<void> {
    await this.stop()
    if (this.nodeId && this.host.cluster.sim.stateOf(this.nodeId) === 'up') this.host.cluster.sim.command(this.nodeId, { op: 'unsubscribe' })
    this.connected = false
    this.stopObserving?.()
    this.stopObserving = null
    this.emitter.emit(CONSUMER_EVENTS.DISCONNECT, null)
  }

  /** Commits the given offsets (the next offset to read, as strings), as KafkaJS's commitOffsets. */
  async commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    this.host.clock.touch()
    this.requireRunning('commitOffsets')
    this.host.cluster.sim.command(this.nodeId!, { op: 'commitAsync', offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) })) })
  }

  seek({ topic, partition, offset }: { topic: string; partition: number; offset: string }): void {
    this.host.clock.touch()
    this.requireRunning('seek')
    this.host.cluster.sim.command(this.nodeId!, { op: 'seek', topic, partition, offset: Number(offset) })
  }

  pause(topicPartitions: { topic: string; partitions?: number[] }[]): void {
    this.requireRunning('pause')
    const partitions = this.expand(topicPartitions)
    for (const p of partitions) this.pausedPartitions.set(`${p.topic}-${p.partition}`, p)
    this.applyPauses()
  }

  resume(topicPartitions: { topic: string; partitions?: number[] }[]): void {
    this.requireRunning('resume')
    const partitions = this.expand(topicPartitions)
    for (const p of partitions) this.pausedPartitions.delete(`${p.topic}-${p.partition}`)
    const assigned = this.assignedKeys()
    const resumable = partitions.filter((p) => assigned.has(`${p.topic}-${p.partition}`))
    if (resumable.length > 0) this.host.cluster.sim.command(this.nodeId!, { op: 'resume', partitions: resumable })
  }

  /**
   * KafkaJS keeps pauses in its subscription state, whether or not the partition is
   * assigned yet; the core consumer pauses assigned partitions only. So the facade keeps the
   * set and pauses each partition in the core once it is assigned (after every rebalance).
   */
  private applyPauses(): void {
    if (this.pausedPartitions.size === 0 || !this.nodeId || this.host.cluster.sim.stateOf(this.nodeId) !== 'up') return
    const assigned = this.assignedKeys()
    const partitions = [...this.pausedPartitions.entries()].filter(([key]) => assigned.has(key)).map(([, p]) => p)
    if (partitions.length > 0) this.host.cluster.sim.command(this.nodeId, { op: 'pause', partitions })
  }

  /**
   * True when the partition is paused: its records from `offset` on are not processed now
   * but sought back to, so that they come again once it is resumed (runner.js skips a paused
   * partition's messages the same way).
   */
  private setAsideIfPaused(topic: string, partition: number, offset: number): boolean {
    if (!this.pausedPartitions.has(`${topic}-${partition}`)) return false
    this.host.cluster.sim.command(this.nodeId!, { op: 'seek', topic, partition, offset })
    this.applyPauses()
    return true
  }

  private assignedKeys(): Set<string> {
    const assignment = this.host.cluster.sim.command<{ topic: string; partition: number }[]>(this.nodeId!, { op: 'assignment' })
    return new Set(assignment.map((p) => `${p.topic}-${p.partition}`))
  }

  /** The paused partitions by topic (src/consumer/subscriptionState.js paused()); [] before run(). */
  paused(): { topic: string; partitions: number[] }[] {
    const byTopic = new Map<string, number[]>()
    for (const { topic, partition } of this.pausedPartitions.values()) {
      let list = byTopic.get(topic)
      if (!list) byTopic.set(topic, (list = []))
      list.push(partition)
    }
    return [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }))
  }

  // --- the loop ------------------------------------------------------------------------------

  private async runLoop(config: ConsumerRunConfig): Promise<void> {
    const clock = this.host.clock
    const maxWaitMs = this.options.maxWaitTimeInMs ?? DEFAULTS.maxWaitTimeInMs
    const autoCommit = config.autoCommit !== false
    const concurrency = config.partitionsConsumedConcurrently ?? 1
    this.lastCommitAtMs = this.host.cluster.now
    while (this.running) {
      // A crashed consumer node (a fault injected by the test) ends the loop, as a killed process would.
      if (this.host.cluster.sim.stateOf(this.nodeId!) !== 'up') {
        this.running = false
        break
      }
      const fetched = () => this.node!.stats.recordsFetched
      const before = fetched()
      let records: ConsumedRecord[]
      try {
        records = this.host.cluster.sim.command<ConsumedRecord[]>(this.nodeId!, { op: 'poll' })
      } catch (error) {
        if (!(error instanceof InvalidOffsetError)) throw error
        this.resetPerTopic(error.partitions)
        continue
      }
      this.reportGroupJoin()
      if (records.length === 0) {
        // Wait for records (or maxWaitTimeInMs), without driving the simulation.
        await clock.sleep(Math.min(maxWaitMs, 100), `${this.nodeId}: waiting for records`, { drives: false, orUntil: () => !this.running || fetched() !== before })
        continue
      }
      // Up to partitionsConsumedConcurrently partitions at once; a handler's failure only sends its own partition back.
      const batches = byPartition(records).filter((batch) => !this.setAsideIfPaused(batch[0]!.topic, batch[0]!.partition, batch[0]!.offset))
      let next = 0
      const worker = async () => {
        while (next < batches.length && this.running) {
          await this.processBatch(batches[next++]!, config)
          if (autoCommit && this.host.cluster.sim.stateOf(this.nodeId!) === 'up') this.commitIfNecessary(config)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker))
    }
  }

  /** src/consumer/offsetManager commitOffsetsIfNecessary: by interval, by threshold, or (neither set) always. */
  private commitIfNecessary(config: ConsumerRunConfig): void {
    const intervalMs = config.autoCommitInterval ?? null
    const threshold = config.autoCommitThreshold ?? null
    const due = (intervalMs === null && threshold === null) || (intervalMs !== null && this.host.cluster.now >= this.lastCommitAtMs + intervalMs) || (threshold !== null && this.resolvedSinceCommit >= threshold)
    if (due) this.commitResolved()
  }

  /** One partition's records through the handler. False when the handler failed (the partition was sought back). */
  private async processBatch(records: ConsumedRecord[], config: ConsumerRunConfig): Promise<boolean> {
    const { topic, partition } = records[0]!
    const key = `${topic}-${partition}`
    const resolve = (offset: number) => {
      const before = this.resolved.get(key)?.offset ?? records[0]!.offset
      this.resolvedSinceCommit += Math.max(0, offset + 1 - before)
      this.resolved.set(key, { topic, partition, offset: offset + 1 })
    }
    let failedAt: number | null = null
    const batchPayload = { topic, partition, highWatermark: String(records.at(-1)!.offset + 1), offsetLag: '0', offsetLagLow: '0', batchSize: records.length, firstOffset: String(records[0]!.offset), lastOffset: String(records.at(-1)!.offset) }
    this.emitter.emit(CONSUMER_EVENTS.START_BATCH_PROCESS, batchPayload)
    try {
      if (config.eachBatch) {
        const messages = records.map(toKafkaMessage)
        await config.eachBatch({
          batch: {
            topic,
            partition,
            highWatermark: String(records.at(-1)!.offset + 1),
            messages,
            isEmpty: () => messages.length === 0,
            firstOffset: () => messages[0]?.offset ?? null,
            lastOffset: () => messages.at(-1)!.offset,
          },
          resolveOffset: (offset) => resolve(Number(offset)),
          heartbeat: async () => {},
          pause: () => this.pausePartition(topic, partition),
          commitOffsetsIfNecessary: async () => this.commitIfNecessary(config),
          uncommittedOffsets: () => ({ topics: [...this.resolved.values()].map((r) => ({ topic: r.topic, partitions: [{ partition: String(r.partition), offset: String(r.offset) }] })) }),
          isRunning: () => this.running,
          isStale: () => false,
        })
        if (config.eachBatchAutoResolve !== false) resolve(records.at(-1)!.offset)
      } else if (config.eachMessage) {
        for (const record of records) {
          if (!this.running || this.setAsideIfPaused(topic, partition, record.offset)) break
          failedAt = record.offset
          await config.eachMessage!({ topic, partition, message: toKafkaMessage(record), heartbeat: async () => {}, pause: () => this.pausePartition(topic, partition) })
          resolve(record.offset)
          failedAt = null
        }
      }
      this.emitter.emit(CONSUMER_EVENTS.END_BATCH_PROCESS, batchPayload)
      return true
    } catch (error) {
      const from = failedAt ?? (this.resolved.get(key)?.offset ?? records[0]!.offset)
      this.host.logger.namespace('Runner').error(`Error when calling ${config.eachBatch ? 'eachBatch' : 'eachMessage'}`, { topic, partition, offset: String(from), error: (error as Error).message })
      this.emitter.emit(CONSUMER_EVENTS.CRASH, { error, groupId: this.groupId, restart: true })
      this.host.cluster.sim.command(this.nodeId!, { op: 'seek', topic, partition, offset: from })
      await this.host.clock.sleep(this.retry.initialRetryTime, `${this.nodeId}: retry after a handler error`, { drives: false, orUntil: () => !this.running })
      return false
    }
  }

  private commitResolved(): void {
    if (this.resolved.size === 0 || !this.nodeId) return
    const offsets = [...this.resolved.values()]
    this.host.cluster.sim.command(this.nodeId, { op: 'commitAsync', offsets })
    this.resolved.clear()
    this.resolvedSinceCommit = 0
    this.lastCommitAtMs = this.host.cluster.now
    this.emitter.emit(CONSUMER_EVENTS.COMMIT_OFFSETS, { groupId: this.groupId, memberId: this.groupView()?.memberId ?? '', topics: offsets.map((o) => ({ topic: o.topic, partitions: [{ partition: String(o.partition), offset: String(o.offset) }] })) })
  }

  private groupView(): GroupView | undefined {
    return (this.node?.snapshot() as { group?: GroupView } | undefined)?.group
  }

  /** GROUP_JOIN once per generation the member reaches, with its assignment. */
  private reportGroupJoin(): void {
    const view = this.groupView()
    if (!view || view.generationId < 0 || view.generationId === this.joinedGeneration || view.state !== 'STABLE') return
    this.joinedGeneration = view.generationId
    this.applyPauses()
    const assignment = this.host.cluster.sim.command<{ topic: string; partition: number }[]>(this.nodeId!, { op: 'assignment' })
    const memberAssignment: Record<string, number[]> = {}
    for (const { topic, partition } of assignment) (memberAssignment[topic] ??= []).push(partition)
    const duration = this.rebalanceStartedAtMs === null ? 0 : this.host.cluster.now - this.rebalanceStartedAtMs
    this.rebalanceStartedAtMs = null
    this.emitter.emit(CONSUMER_EVENTS.GROUP_JOIN, { groupId: this.groupId, memberId: view.memberId, leaderId: this.leaderId ?? (view.leader ? view.memberId : null), isLeader: view.leader, memberAssignment, groupProtocol: view.assignor, duration })
  }

  private pausePartition(topic: string, partition: number): () => void {
    this.pause([{ topic, partitions: [partition] }])
    return () => this.resume([{ topic, partitions: [partition] }])
  }

  private ensureNode(): CoreConsumer {
    if (this.node) return this.node
    if (this.topics.length === 0) throw new KafkaJSNonRetriableError('Missing required argument "topics"')
    this.nodeId = this.host.newNodeId('consumer')
    const node = this.host.cluster.addConsumer(this.nodeId, {
      config: {
        'group.id': this.groupId,
        'client.id': this.host.clientId,
        'auto.offset.reset': this.offsetReset(),
        'enable.auto.commit': false,
        'session.timeout.ms': this.options.sessionTimeout ?? DEFAULTS.sessionTimeout,
        'heartbeat.interval.ms': this.options.heartbeatInterval ?? DEFAULTS.heartbeatInterval,
        // KafkaJS's rebalanceTimeout is the JoinGroup rebalance timeout, which the Java consumer takes from max.poll.interval.ms.
        'max.poll.interval.ms': this.options.rebalanceTimeout ?? DEFAULTS.rebalanceTimeout,
        'isolation.level': this.options.readUncommitted ? 'read_uncommitted' : 'read_committed',
      },
      subscribe: [...this.topics],
    })
    if (this.observing) this.startObserving()
    return node
  }

  private requireRunning(what: string): void {
    if (!this.nodeId) throw new KafkaJSNonRetriableError(`Consumer group was not initialized, consumer#run must be called first`)
    void what
  }

  private expand(topicPartitions: { topic: string; partitions?: number[] }[]): { topic: string; partition: number }[] {
    const image = this.host.cluster.controller()?.image
    return topicPartitions.flatMap(({ topic, partitions }) => (partitions ?? [...(image?.topic(topic)?.partitions.keys() ?? [])]).map((partition) => ({ topic, partition })))
  }
}

/** The run() numbers the facade uses: checked before anything starts. */
function checkRunConfig(config: ConsumerRunConfig): void {
  const where = 'consumer.run(config)'
  requirePlainObject(config, where)
  const c = config.partitionsConsumedConcurrently
  if (c !== undefined && (!Number.isSafeInteger(c) || c < 1)) throw new InputError(`${where}.partitionsConsumedConcurrently`, 'an integer >= 1 (default 1)', c)
  for (const name of ['autoCommitInterval', 'autoCommitThreshold'] as const) {
    const value = config[name]
    if (value !== undefined && value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) throw new InputError(`${where}.${name}`, 'a number >= 0, or null (the default)', value)
  }
}

function byPartition(records: readonly ConsumedRecord[]): ConsumedRecord[][] {
  const groups = new Map<string, ConsumedRecord[]>()
  for (const r of records) {
    const key = `${r.topic}-${r.partition}`
    let list = groups.get(key)
    if (!list) groups.set(key, (list = []))
    list.push(r)
  }
  return [...groups.values()]
}

const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer

function toKafkaMessage(record: ConsumedRecord): KafkaMessage {
  const bytes = (text: string | null) => (text === null ? null : NodeBuffer ? NodeBuffer.from(text, 'utf8') : (new TextEncoder().encode(text) as unknown as Buffer))
  const headers: IHeaders = {}
  for (const h of record.headers) headers[h.key] = bytes(h.value) ?? undefined
  return { key: bytes(record.key), value: bytes(record.value), timestamp: String(Math.floor(record.timestamp)), attributes: 0, offset: String(record.offset), headers }
}
