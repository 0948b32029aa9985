// A client's view of the cluster (clients/.../Metadata.java, NetworkClient's metadata
// updater): which broker leads each partition, in which leader epoch. Learned from any
// broker with a Metadata request: at start from the bootstrap list, again when a request
// fails with a stale-leader error, and at least every metadata.max.age.ms.

import type { ErrorName } from '../errors.ts'
import type { MetadataRequest, MetadataResponse } from '../protocol.ts'

export interface PartitionInfo {
  topic: string
  partition: number
  /** -1 while the partition has no leader. */
  leaderId: number
  leaderEpoch: number
  replicas: readonly number[]
  isr: readonly number[]
}

export interface TopicInfo {
  name: string
  topicId: string
  partitions: PartitionInfo[]
}

/** Errors after which a client refreshes its metadata before trying again. */
export const STALE_METADATA_ERRORS: ReadonlySet<ErrorName> = new Set<ErrorName>([
  'NOT_LEADER_OR_FOLLOWER',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'KAFKA_STORAGE_ERROR',
])

/** What the metadata cache needs from its client node. */
export interface MetadataHost {
  now(): number
  nextCorrelationId(): number
  /** Sends the request and arranges for the answer (or its timeout) to come back to onResponse/onTimeout. */
  sendMetadataRequest(broker: number, request: MetadataRequest): void
}

export class ClientMetadata {
  private readonly topics = new Map<string, TopicInfo>()
  private brokers: readonly number[] = []
  /** The request out, and the topics it named (null: every topic). */
  private inFlight: { correlationId: number; broker: number; topics: readonly string[] | null } | null = null
  private updateRequested = true
  private lastRefreshMs = -Infinity
  private nextBroker = 0
  /** Topics some caller wants, so a refresh asks for them even before they exist. */
  private readonly wanted = new Set<string>()

  constructor(
    private readonly host: MetadataHost,
    private readonly bootstrapBrokers: readonly number[],
    private readonly maxAgeMs: number,
    /** retry.backoff.ms: a requested refresh waits this long after the last one (Metadata.refreshBackoffMs), so a leaderless partition does not spin the client. */
    private readonly refreshBackoffMs = 100,
    /**
     * Whether a request for a wanted topic that is missing lets the broker create it
     * (MetadataRequest.allowAutoTopicCreation): always for the Java producer (ProducerMetadata),
     * allow.auto.create.topics for the consumer (ConsumerMetadata).
     */
    private readonly allowAutoTopicCreation = false,
  ) {}

  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name)
  }

  leaderOf(topic: string, partition: number): PartitionInfo | undefined {
    const info = this.topics.get(topic)?.partitions[partition]
    return info && info.leaderId >= 0 ? info : undefined
  }

  /** The brokers the last answer said are alive (the bootstrap list before any answer). */
  liveBrokers(): readonly number[] {
    return this.brokers.length > 0 ? this.brokers : this.bootstrapBrokers
  }

  /** Every topic the last answer named (a pattern subscription matches against these). */
  topicNames(): string[] {
    return [...this.topics.keys()]
  }

  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions.length
  }

  want(topic: string): void {
    if (this.wanted.has(topic)) return
    this.wanted.add(topic)
    if (!this.topics.has(topic)) this.requestUpdate()
  }

  /** Asks for fresh metadata at the next maybeUpdate(). */
  requestUpdate(): void {
    this.updateRequested = true
  }

  get isUpdating(): boolean {
    return this.inFlight !== null
  }

  /** Sends a Metadata request if one is needed and none is in flight; returns when to check again. */
  maybeUpdate(): void {
    if (this.inFlight) return
    const now = this.host.now()
    const stale = now - this.lastRefreshMs >= this.maxAgeMs
    if (!this.updateRequested && !stale) return
    if (!stale && now - this.lastRefreshMs < this.refreshBackoffMs) return
    // Ask a broker we know to be alive, else go round the bootstrap list.
    const candidates = this.brokers.length > 0 ? this.brokers : this.bootstrapBrokers
    const broker = candidates[this.nextBroker++ % candidates.length]!
    const correlationId = this.host.nextCorrelationId()
    // A request for every topic never creates one (KafkaApis: auto creation applies to the
    // topics a request names), so a client that may create names the wanted topics it lacks.
    const missing = this.allowAutoTopicCreation ? [...this.wanted].filter((t) => !this.topics.has(t)).sort() : []
    const topics = missing.length > 0 ? missing : null
    this.inFlight = { correlationId, broker, topics }
    this.updateRequested = false
    this.host.sendMetadataRequest(broker, { type: 'Metadata', correlationId, topics, ...(topics ? { allowAutoTopicCreation: true } : {}) })
  }

  /** When maybeUpdate() next has something to do, for the client's own timer (Infinity while a request is out). */
  nextRefreshDueMs(): number {
    if (this.inFlight) return Infinity
    if (this.updateRequested) return this.lastRefreshMs + this.refreshBackoffMs
    return this.lastRefreshMs + this.maxAgeMs
  }

  onResponse(response: MetadataResponse): boolean {
    if (this.inFlight?.correlationId !== response.correlationId) return false
    const named = this.inFlight.topics
    this.inFlight = null
    this.lastRefreshMs = this.host.now()
    this.brokers = response.brokers
    // An answer for every topic replaces the view; one for named topics updates just those.
    if (named === null) this.topics.clear()
    else for (const name of named) this.topics.delete(name)
    for (const topic of response.topics) {
      if (topic.errorCode !== 'NONE') continue
      const partitions: PartitionInfo[] = []
      for (const p of topic.partitions) {
        partitions[p.partition] = { topic: topic.name, partition: p.partition, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr }
      }
      this.topics.set(topic.name, { name: topic.name, topicId: topic.topicId, partitions })
    }
    // Keep asking while something wanted is missing or leaderless.
    for (const name of this.wanted) {
      const info = this.topics.get(name)
      if (!info || info.partitions.some((p) => p.leaderId < 0)) this.updateRequested = true
    }
    return true
  }

  /** The request to `correlationId` was not answered in time: try another broker next. */
  onTimeout(correlationId: number): boolean {
    if (this.inFlight?.correlationId !== correlationId) return false
    this.inFlight = null
    this.updateRequested = true
    return true
  }
}
