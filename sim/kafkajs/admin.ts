// KafkaJS 2.2.4's admin client (kafkajs src/admin/index.js) over the simulated cluster:
// the same input checks and messages, the same results, KafkaJS's retrier on virtual time.
//
// The sandbox has no admin client node: requests go straight to the controller (the
// operator verbs of sim/cluster.ts), and reads (metadata, offsets) come from the
// controller's metadata image and the partition leaders' logs, as a Metadata or ListOffsets
// answer would report them. A crashed controller fails a request with
// KafkaJSConnectionError, which the retrier retries. Consumer-group operations
// (listGroups, describeGroups, fetchOffsets, resetOffsets, setOffsets, deleteGroups) go
// through the real request path: FindCoordinator, then ListGroups / DescribeGroups /
// OffsetFetch / OffsetCommit to the group coordinator on the brokers (group-requests.ts).

import { ERROR_CODES, KafkaError, type ErrorName } from '../../core/errors.ts'
import type { TopicImage } from '../../core/metadata/image.ts'
import type { Cluster } from '../cluster.ts'
import {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSCreateTopicError,
  KafkaJSDeleteGroupsError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSTimeout,
} from './errors.ts'
import { commitGroupOffsets, deleteGroup, describeGroup, fetchGroupOffsets, listGroups, runGroupOpAsync, type GroupOp } from './group-requests.ts'
import { kafkaJsErrorCode } from './error-codes.ts'
import type { FacadeHost } from './producer.ts'
import { DEFAULT_RETRY, resolveRetry, withRetries, type ResolvedRetry, type RetryOptions } from './retry.ts'
import type { RandomStream } from '../random.ts'

/** KafkaJS's ConfigResourceTypes (src/protocol/configResourceTypes.js). */
export const ConfigResourceTypes = Object.freeze({ UNKNOWN: 0, TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const)

/** Broker addresses the sandbox reports: its brokers have ids, not hosts. */
const BROKER_HOST = (id: number) => `broker-${id}`
const BROKER_PORT = 9092
/** createTopics' default `timeout` for waiting for leaders (KafkaJS: 5000 ms). */
const DEFAULT_ADMIN_TIMEOUT_MS = 5000

export interface ITopicConfig {
  topic: string
  numPartitions?: number
  replicationFactor?: number
  replicaAssignment?: { partition: number; replicas: number[] }[]
  configEntries?: { name: string; value: string }[]
}

export interface PartitionMetadata {
  partitionErrorCode: number
  partitionId: number
  leader: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
}

/** A member of admin.describeGroups' answer (KafkaJS's MemberDescription). */
export interface MemberDescription {
  memberId: string
  clientId: string
  clientHost: string
  memberMetadata: unknown
  memberAssignment: unknown
}

/** A group of admin.describeGroups' answer (KafkaJS's GroupDescription, with the response's errorCode). */
export interface GroupDescription {
  errorCode: number
  groupId: string
  state: string
  protocolType: string
  protocol: string
  members: MemberDescription[]
}

/** KafkaJS's offset sentinels (src/constants.js): EARLIEST_OFFSET -2, LATEST_OFFSET -1. */
const EARLIEST_OFFSET = -2
const LATEST_OFFSET = -1
/** The host every member reports: the sandbox's clients have ids, not addresses. */
const CLIENT_HOST = '/kafkasim'

export interface AdminOptions {
  retry?: RetryOptions
}

export class Admin {
  private readonly retry: ResolvedRetry
  private readonly random: RandomStream
  private connected = false

  constructor(
    private readonly host: FacadeHost,
    options: AdminOptions = {},
  ) {
    this.retry = resolveRetry({ ...host.retryOptions, ...(options.retry ?? {}) }, DEFAULT_RETRY, 'kafka.admin(options).retry')
    this.random = host.random('kafkajs:admin-retry')
  }

  async connect(): Promise<void> {
    this.host.clock.touch()
    this.connected = true
  }

  async disconnect(): Promise<void> {
    this.host.clock.touch()
    this.connected = false
  }

  async listTopics(): Promise<string[]> {
    return this.retrying('listTopics', () => [...this.image().topicsById.values()].map((t) => t.name))
  }

  /** Resolves true when created, false when every topic already existed. */
  async createTopics({ topics, validateOnly, timeout, waitForLeaders = true }: { topics: ITopicConfig[]; validateOnly?: boolean; timeout?: number; waitForLeaders?: boolean }): Promise<boolean> {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(topics)}`)
    if (topics.filter(({ topic }) => typeof topic !== 'string').length > 0) throw new KafkaJSNonRetriableError('Invalid topics array, the topic names have to be a valid string')
    const names = new Set(topics.map(({ topic }) => topic))
    if (names.size < topics.length) throw new KafkaJSNonRetriableError('Invalid topics array, it cannot have multiple entries for the same topic')
    for (const { topic, configEntries } of topics) {
      if (configEntries == null) continue
      if (!Array.isArray(configEntries)) throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}", must be an array`)
      configEntries.forEach((entry, index) => {
        if (typeof entry !== 'object' || entry == null) throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}". Entry ${index} must be an object`)
        for (const property of ['name', 'value'] as const) {
          if (!Object.hasOwn(entry, property) || typeof entry[property] !== 'string') {
            throw new KafkaJSNonRetriableError(`Invalid configEntries for topic "${topic}". Entry ${index} must have a valid "${property}" property`)
          }
        }
      })
    }
    if (validateOnly) throw new KafkaJSNonRetriableError('createTopics({ validateOnly: true }) is not modelled by kafkasim')
    this.host.clock.touch()
    return withRetries(this.retry, this.host.clock, this.random, 'admin.createTopics', async (bail) => {
      const errors: KafkaJSCreateTopicError[] = []
      for (const t of topics) {
        try {
          this.controllerCall(() => this.host.cluster.createTopic(t.topic, topicOptions(t)))
        } catch (error) {
          if (!(error instanceof KafkaError)) throw error
          errors.push(new KafkaJSCreateTopicError(kafkaJsErrorCode(error.code), t.topic))
        }
      }
      if (errors.length > 0) {
        if (errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) return false
        bail(new KafkaJSAggregateError('Topic creation errors', errors))
        return false
      }
      if (waitForLeaders) await this.waitForLeaders([...names], timeout ?? DEFAULT_ADMIN_TIMEOUT_MS)
      return true
    })
  }

  async deleteTopics({ topics }: { topics: string[]; timeout?: number }): Promise<void> {
    if (!topics || !Array.isArray(topics)) throw new KafkaJSNonRetriableError(`Invalid topics array ${String(topics)}`)
    if (topics.filter((topic) => typeof topic !== 'string').length > 0) throw new KafkaJSNonRetriableError('Invalid topics array, the names must be a valid string')
    this.host.clock.touch()
    await withRetries(this.retry, this.host.clock, this.random, 'admin.deleteTopics', async (bail) => {
      try {
        for (const topic of topics) this.controllerCall(() => this.host.cluster.deleteTopic(topic))
      } catch (error) {
        const e = asKafkaJs(error)
        // src/admin/index.js: NOT_CONTROLLER and UNKNOWN_TOPIC_OR_PARTITION are retried.
        if (e instanceof KafkaJSProtocolError && ['NOT_CONTROLLER', 'UNKNOWN_TOPIC_OR_PARTITION'].includes(e.type)) throw e
        if (e instanceof KafkaJSConnectionError) throw e
        bail(e)
      }
    })
  }

  async createPartitions({ topicPartitions }: { topicPartitions: { topic: string; count: number; assignments?: number[][] }[]; validateOnly?: boolean; timeout?: number }): Promise<void> {
    if (!topicPartitions || !Array.isArray(topicPartitions)) throw new KafkaJSNonRetriableError(`Invalid topic partitions array ${String(topicPartitions)}`)
    if (topicPartitions.length === 0) throw new KafkaJSNonRetriableError('Empty topic partitions array')
    if (topicPartitions.filter(({ topic }) => typeof topic !== 'string').length > 0) throw new KafkaJSNonRetriableError('Invalid topic partitions array, the topic names have to be a valid string')
    if (new Set(topicPartitions.map(({ topic }) => topic)).size < topicPartitions.length) {
      throw new KafkaJSNonRetriableError('Invalid topic partitions array, it cannot have multiple entries for the same topic')
    }
    this.host.clock.touch()
    await withRetries(this.retry, this.host.clock, this.random, 'admin.createPartitions', async (bail) => {
      try {
        for (const { topic, count, assignments } of topicPartitions) this.controllerCall(() => this.host.cluster.createPartitions(topic, count, assignments))
      } catch (error) {
        const e = asKafkaJs(error)
        if (e instanceof KafkaJSConnectionError || (e instanceof KafkaJSProtocolError && e.type === 'NOT_CONTROLLER')) throw e
        bail(e)
      }
    })
  }

  async fetchTopicMetadata({ topics = [] }: { topics?: string[] } = {}): Promise<{ topics: { name: string; partitions: PartitionMetadata[] }[] }> {
    if (topics) {
      topics.forEach((topic) => {
        if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
      })
    }
    return this.retrying('fetchTopicMetadata', () => {
      const image = this.image()
      const chosen = topics.length === 0 ? [...image.topicsById.values()] : topics.map((name) => {
        const topic = image.topic(name)
        if (!topic) throw KafkaJSProtocolError.fromErrorName('UNKNOWN_TOPIC_OR_PARTITION')
        return topic
      })
      return { topics: chosen.map((topic) => ({ name: topic.name, partitions: partitionMetadata(this.host.cluster, topic) })) }
    })
  }

  /** Per partition: offset and high (the high watermark), low (the log start offset), as strings. */
  async fetchTopicOffsets(topic: string): Promise<{ partition: number; offset: string; high: string; low: string }[]> {
    if (!topic || typeof topic !== 'string') throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    return this.retrying('fetchTopicOffsets', () => {
      const image = this.image().topic(topic)
      if (!image) throw KafkaJSProtocolError.fromErrorName('UNKNOWN_TOPIC_OR_PARTITION')
      return [...image.partitions.values()].sort((a, b) => a.partition - b.partition).map((p) => {
        const log = p.leader >= 0 ? this.host.cluster.brokerNode(p.leader)?.partitions.get(`${topic}-${p.partition}`)?.log : undefined
        if (!log) throw KafkaJSProtocolError.fromErrorName('LEADER_NOT_AVAILABLE')
        const high = String(log.highWatermark)
        return { partition: p.partition, offset: high, high, low: String(log.logStartOffset) }
      })
    })
  }

  async describeCluster(): Promise<{ brokers: { nodeId: number; host: string; port: number }[]; controller: number | null; clusterId: string }> {
    return this.retrying('describeCluster', () => {
      const image = this.image()
      const brokers = image.unfencedBrokerIds().map((nodeId) => ({ nodeId, host: BROKER_HOST(nodeId), port: BROKER_PORT }))
      // In KRaft mode a broker answers Metadata with a random live broker as "controller"
      // (the controller quorum is not reachable by clients); the sandbox names the first.
      return { brokers, controller: brokers[0]?.nodeId ?? null, clusterId: 'kafkasim' }
    })
  }

  async describeConfigs({ resources }: { resources: { type: number; name: string; configNames?: string[] }[]; includeSynonyms?: boolean }): Promise<{ resources: { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string; configEntries: { configName: string; configValue: string; readOnly: boolean; isDefault: boolean; configSource: number; isSensitive: boolean }[] }[]; throttleTime: number }> {
    return this.retrying('describeConfigs', () => {
      const controller = this.host.cluster.controller()!
      return {
        throttleTime: 0,
        resources: resources.map(({ type, name, configNames }) => {
          if (type !== ConfigResourceTypes.TOPIC) throw new KafkaJSNonRetriableError(`describeConfigs: only topic resources (ConfigResourceTypes.TOPIC) are modelled by kafkasim, got type ${type}`)
          if (!this.image().topic(name)) {
            const code = kafkaJsErrorCode('UNKNOWN_TOPIC_OR_PARTITION')
            return { errorCode: code.code, errorMessage: code.message, resourceType: type, resourceName: name, configEntries: [] }
          }
          const overrides = this.image().topicConfigs.get(name) ?? new Map<string, string>()
          const config = controller.topicConfig(name) as unknown as Record<string, unknown>
          const entries = Object.keys(config)
            .filter((configName) => !configNames || configNames.length === 0 || configNames.includes(configName))
            .sort()
            .map((configName) => ({
              configName,
              configValue: String(config[configName]),
              readOnly: false,
              isDefault: !overrides.has(configName),
              // DescribeConfigs ConfigSource: 1 DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG.
              configSource: overrides.has(configName) ? 1 : 5,
              isSensitive: false,
            }))
          return { errorCode: 0, errorMessage: null, resourceType: type, resourceName: name, configEntries: entries }
        }),
      }
    })
  }

  /** Topic configs only; `validateOnly` is not modelled. Sets each entry (incrementally). */
  async alterConfigs({ resources }: { validateOnly?: boolean; resources: { type: number; name: string; configEntries: { name: string; value: string }[] }[] }): Promise<{ resources: { errorCode: number; errorMessage: string | null; resourceName: string; resourceType: number }[]; throttleTime: number }> {
    this.host.clock.touch()
    return withRetries(this.retry, this.host.clock, this.random, 'admin.alterConfigs', async (bail) => {
      const out = []
      for (const { type, name, configEntries } of resources) {
        if (type !== ConfigResourceTypes.TOPIC) throw new KafkaJSNonRetriableError(`alterConfigs: only topic resources (ConfigResourceTypes.TOPIC) are modelled by kafkasim, got type ${type}`)
        const set = Object.fromEntries(configEntries.map((e) => [e.name, e.value]))
        try {
          this.controllerCall(() => this.host.cluster.alterConfigs({ type: 'topic', name }, set))
          out.push({ errorCode: 0, errorMessage: null, resourceName: name, resourceType: type })
        } catch (error) {
          const e = asKafkaJs(error)
          if (e instanceof KafkaJSConnectionError) throw e
          bail(e)
        }
      }
      return { resources: out, throttleTime: 0 }
    })
  }

  // --- consumer groups (kafkajs src/admin/index.js) -----------------------------------------

  /** ListGroups on every broker: `{ groups: [{ groupId, protocolType }] }`. */
  async listGroups(): Promise<{ groups: { groupId: string; protocolType: string }[] }> {
    const groups = await this.groupOp('listGroups', listGroups(this.host.cluster))
    return { groups: groups.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) }
  }

  /**
   * DescribeGroups at each group's coordinator. A group that does not exist is Dead with no
   * members, as Kafka answers. Where it differs: memberMetadata and memberAssignment are the
   * sandbox's consumer protocol structures ({ topics, ... } and { partitions }), not the
   * encoded Buffers KafkaJS returns; clientHost is "/kafkasim" (the sandbox has no addresses).
   */
  async describeGroups(groupIds: string[]): Promise<{ groups: GroupDescription[] }> {
    if (!Array.isArray(groupIds)) throw new KafkaJSNonRetriableError(`Invalid groupIds array ${String(groupIds)}`)
    const groups: GroupDescription[] = []
    for (const groupId of groupIds) {
      const g = await this.groupOp('describeGroups', describeGroup(this.host.cluster, groupId))
      groups.push({
        errorCode: g.errorCode === 'NONE' ? 0 : kafkaJsErrorCode(g.errorCode).code,
        groupId: g.groupId,
        state: g.groupState,
        protocolType: g.protocolType,
        protocol: g.protocolData,
        members: g.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: CLIENT_HOST, memberMetadata: m.memberMetadata, memberAssignment: m.memberAssignment })),
      })
    }
    return { groups }
  }

  /**
   * OffsetFetch: per topic, every partition's committed offset as a string ("-1" when the
   * group has none) and its metadata (null when empty). Without topics: every partition the
   * group has an offset for. With resolveOffsets, committed -1/-2 sentinels are resolved to
   * the partitions' latest/earliest offsets and committed, as KafkaJS does.
   */
  async fetchOffsets({ groupId, topics, resolveOffsets = false }: { groupId: string; topics?: string[]; resolveOffsets?: boolean }): Promise<{ topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[]> {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${String(groupId)}`)
    topics ??= []
    if (!Array.isArray(topics)) throw new KafkaJSNonRetriableError('Expected topics array to be set')
    const wanted = topics.length === 0 ? null : topics.flatMap((topic) => this.topicPartitions(topic).map((partition) => ({ topic, partition })))
    const fetched = await this.groupOp('fetchOffsets', fetchGroupOffsets(this.host.cluster, groupId, wanted))
    const byTopic = new Map<string, { partition: number; offset: string; metadata: string | null }[]>()
    for (const topic of topics) byTopic.set(topic, [])
    for (const p of fetched) {
      let list = byTopic.get(p.topic)
      if (!list) byTopic.set(p.topic, (list = []))
      list.push({ partition: p.partition, offset: String(p.committedOffset), metadata: p.metadata || null })
    }
    const result = [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a.partition - b.partition) }))
    if (!resolveOffsets) return result
    for (const entry of result) {
      const sentinels = entry.partitions.filter((p) => p.offset === String(EARLIEST_OFFSET) || p.offset === String(LATEST_OFFSET))
      if (sentinels.length === 0) continue
      const bounds = new Map((await this.fetchTopicOffsets(entry.topic)).map((o) => [o.partition, o]))
      for (const p of sentinels) p.offset = p.offset === String(EARLIEST_OFFSET) ? bounds.get(p.partition)!.low : bounds.get(p.partition)!.high
      await this.setOffsets({ groupId, topic: entry.topic, partitions: sentinels.map((p) => ({ partition: p.partition, offset: p.offset })) })
    }
    return result
  }

  /**
   * Every partition of `topic` to its earliest (earliest: true) or latest offset. Where it
   * differs: KafkaJS commits the sentinels -2/-1, resolved when a consumer starts; the
   * sandbox commits the offsets they stand for now, as kafka-consumer-groups --reset-offsets does.
   */
  async resetOffsets({ groupId, topic, earliest = false }: { groupId: string; topic: string; earliest?: boolean }): Promise<void> {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${String(groupId)}`)
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    const bounds = await this.fetchTopicOffsets(topic)
    await this.setOffsets({ groupId, topic, partitions: bounds.map((b) => ({ partition: b.partition, offset: earliest ? b.low : b.high })) })
  }

  /**
   * Commits the given offsets for the group, which must have no running members (Empty or
   * Dead), with KafkaJS's checks and messages. KafkaJS joins the group with a paused
   * consumer to commit; the sandbox commits from outside the group (generation -1), as the
   * Java admin's alterConsumerGroupOffsets does: same offsets, no rebalance.
   */
  async setOffsets({ groupId, topic, partitions }: { groupId: string; topic: string; partitions: { partition: number; offset: string }[] }): Promise<void> {
    if (!groupId) throw new KafkaJSNonRetriableError(`Invalid groupId ${String(groupId)}`)
    if (!topic) throw new KafkaJSNonRetriableError(`Invalid topic ${String(topic)}`)
    if (!partitions || partitions.length === 0) throw new KafkaJSNonRetriableError('Invalid partitions')
    const known = new Set(this.topicPartitions(topic))
    for (const p of partitions) {
      if (!known.has(p.partition)) throw new KafkaJSNonRetriableError(`Invalid partition ${String(p.partition)} for topic ${topic}: it has partitions ${[...known].join(', ')}`)
      if (!/^-?\d+$/.test(String(p.offset))) throw new KafkaJSNonRetriableError(`Invalid offset ${JSON.stringify(p.offset)} for ${topic}-${p.partition}: expected an integer string`)
    }
    const description = await this.groupOp('setOffsets', describeGroup(this.host.cluster, groupId))
    if (!['Empty', 'Dead'].includes(description.groupState)) throw new KafkaJSNonRetriableError(`The consumer group must have no running instances, current state: ${description.groupState}`)
    const offsets = partitions.map((p) => ({ topic, partition: p.partition, offset: Number(p.offset) }))
    await this.groupOp('setOffsets', commitGroupOffsets(this.host.cluster, groupId, offsets))
  }

  /**
   * KafkaJS's admin.deleteGroups: its argument checks, then a DeleteGroups request to each
   * group's coordinator (group-requests.ts deleteGroup). Every group deleted: resolves with
   * `[{ groupId, errorCode: 0 }]` (the response's results); any group refused (GROUP_ID_NOT_FOUND,
   * NON_EMPTY_GROUP, INVALID_GROUP_ID: GroupCoordinatorShard.deleteGroups): rejects with
   * KafkaJSDeleteGroupsError('Error in DeleteGroups') listing the refused groups, as KafkaJS's
   * DeleteGroups response decoder does; the other groups are deleted all the same.
   */
  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    if (!groupIds || !Array.isArray(groupIds)) throw new KafkaJSNonRetriableError(`Invalid groupIds array ${String(groupIds)}`)
    const invalidGroupId = groupIds.some((g) => typeof g !== 'string')
    if (invalidGroupId) throw new KafkaJSNonRetriableError(`Invalid groupId name: ${JSON.stringify(invalidGroupId)}`)
    const results: { groupId: string; errorCode: number }[] = []
    const errors: { groupId: string; errorCode: number; error: KafkaJSProtocolError }[] = []
    for (const groupId of groupIds) {
      const error = await this.groupOp('deleteGroups', deleteGroup(this.host.cluster, groupId))
      const errorCode = ERROR_CODES[error]
      results.push({ groupId, errorCode })
      if (error !== 'NONE') errors.push({ groupId, errorCode, error: KafkaJSProtocolError.fromErrorName(error) })
    }
    if (errors.length > 0) throw new KafkaJSDeleteGroupsError('Error in DeleteGroups', errors)
    return results
  }

  // --- helpers -----------------------------------------------------------------------------

  /** A group operation on virtual time; Kafka errors come out as KafkaJS protocol errors. */
  private async groupOp<T>(label: string, op: GroupOp<T>): Promise<T> {
    this.host.clock.touch()
    try {
      return await runGroupOpAsync(this.host.cluster, this.host.clock, op)
    } catch (error) {
      const e = asKafkaJs(error)
      if (e instanceof KafkaJSError) throw e
      throw new KafkaJSError(`admin.${label}: ${(e as Error).message}`)
    }
  }

  /** The partition numbers of a topic, from the metadata (UNKNOWN_TOPIC_OR_PARTITION when it does not exist). */
  private topicPartitions(topic: string): number[] {
    const image = this.image().topic(topic)
    if (!image) throw KafkaJSProtocolError.fromErrorName('UNKNOWN_TOPIC_OR_PARTITION')
    return [...image.partitions.keys()].sort((a, b) => a - b)
  }

  private image() {
    const controller = this.host.cluster.controller()
    if (!controller) throw new KafkaJSConnectionError('Connection error: the controller is not running', { broker: 'controller' })
    return controller.image
  }

  /** A controller operation; a controller that is down is a connection error, as a refused connection would be. */
  private controllerCall<T>(call: () => T): T {
    if (!this.host.cluster.controller()) throw new KafkaJSConnectionError('Connection error: the controller is not running', { broker: 'controller' })
    return call()
  }

  /** A read: KafkaJS's retrier around it; Kafka errors come out as KafkaJS protocol errors. */
  private retrying<T>(label: string, read: () => T): Promise<T> {
    this.host.clock.touch()
    return withRetries(this.retry, this.host.clock, this.random, `admin.${label}`, async () => {
      try {
        return read()
      } catch (error) {
        throw asKafkaJs(error)
      }
    })
  }

  /** createTopics with waitForLeaders: until every partition's leader hosts it (KafkaJS polls Metadata every 100 ms). */
  private async waitForLeaders(topics: string[], timeoutMs: number): Promise<void> {
    const cluster = this.host.cluster
    const ready = () => {
      const image = cluster.controller()?.image
      return topics.every((name) => {
        const topic = image?.topic(name)
        return topic !== undefined && [...topic.partitions.values()].every((p) => p.leader >= 0 && cluster.brokerNode(p.leader)?.partitions.has(`${name}-${p.partition}`) === true)
      })
    }
    await this.host.clock.until(ready, { timeoutMs, onTimeout: () => new KafkaJSTimeout('Timed out while waiting for topic leaders') })
  }
}

function topicOptions(t: ITopicConfig): Parameters<Cluster['createTopic']>[1] {
  const options: Parameters<Cluster['createTopic']>[1] = {}
  // -1 (KafkaJS's default) asks the broker for num.partitions / default.replication.factor.
  if (t.numPartitions !== undefined && t.numPartitions !== -1) options.partitions = t.numPartitions
  if (t.replicationFactor !== undefined && t.replicationFactor !== -1) options.replicationFactor = t.replicationFactor
  if (t.configEntries) options.config = Object.fromEntries(t.configEntries.map((e) => [e.name, e.value]))
  if (t.replicaAssignment) options.assignments = [...t.replicaAssignment].sort((a, b) => a.partition - b.partition).map((a) => a.replicas)
  return options
}

function partitionMetadata(cluster: Cluster, topic: TopicImage): PartitionMetadata[] {
  return [...topic.partitions.values()].sort((a, b) => a.partition - b.partition).map((p) => {
    const offline = p.replicas.filter((id) => cluster.sim.stateOf(id) !== 'up')
    return {
      partitionErrorCode: p.leader >= 0 ? 0 : kafkaJsErrorCode('LEADER_NOT_AVAILABLE').code,
      partitionId: p.partition,
      leader: p.leader,
      replicas: [...p.replicas],
      isr: [...p.isr],
      offlineReplicas: offline,
    }
  })
}

/** A sandbox error as KafkaJS would raise it. */
function asKafkaJs(error: unknown): Error {
  if (error instanceof KafkaJSError) return error
  if (error instanceof KafkaError) return KafkaJSProtocolError.fromErrorName(error.code)
  return error as Error
}
