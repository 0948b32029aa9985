// The controller's answers to operators: create and delete topics, add partitions, elect
// leaders, reassign replicas, alter configs. Each operation validates everything first
// and returns either an error (nothing written) or the metadata records to write, as
// ReplicationControlManager / ConfigurationControlManager do.

import { isBrokerConfigName, isTopicConfigName, parseBrokerConfig, parseTopicConfigOverrides } from '../config.ts'
import { KafkaError, type ErrorName } from '../errors.ts'
import type { MetadataImage, PartitionState } from '../metadata/image.ts'
import { NO_LEADER, type ConfigRecord, type MetadataRecord, type PartitionRecord } from '../metadata/records.ts'
import type { Election, PartitionChange } from './partition-change.ts'
import { placeReplicas } from './placement.ts'

export type AdminCommand =
  | { op: 'createTopic'; name: string; partitions?: number; replicationFactor?: number; configs?: Record<string, unknown>; assignments?: number[][] }
  | { op: 'deleteTopic'; name: string }
  | { op: 'createPartitions'; name: string; count: number; assignments?: number[][] }
  | { op: 'electLeaders'; electionType: 'PREFERRED' | 'UNCLEAN'; partitions: { topic: string; partition: number }[] | null }
  | { op: 'alterPartitionReassignments'; reassignments: { topic: string; partition: number; replicas: number[] | null }[] }
  | { op: 'incrementalAlterConfigs'; resource: { type: 'topic' | 'broker'; name: string }; set?: Record<string, unknown>; delete?: string[] }

export interface AdminResult {
  errorCode: ErrorName
  errorMessage?: string
  /** Per-partition outcomes of electLeaders and alterPartitionReassignments. */
  partitions?: { topic: string; partition: number; errorCode: ErrorName; errorMessage?: string }[]
  topicId?: string
}

/** What admin operations need from the controller. */
export interface AdminContext {
  image: MetadataImage
  /** The cluster config input (Kafka names) the controller was started with, plus dynamic overrides. */
  clusterConfigInput(): Record<string, unknown>
  defaultPartitions: number
  defaultReplicationFactor: number
  random: () => number
  newTopicId(): string
  /** Runs the partition change builder with the controller's view of the topic's configs. */
  change(partition: PartitionState, options: { election?: Election; targetReplicas?: number[]; targetAddingReplicas?: number[]; targetRemovingReplicas?: number[]; targetIsr?: number[] }): PartitionChange
  isActive(brokerId: number): boolean
  uncleanElectionEnabled(topic: string): boolean
}

export type AdminOutcome = { result: AdminResult; records: MetadataRecord[] }

const ok = (records: MetadataRecord[], extra: Partial<AdminResult> = {}): AdminOutcome => ({ result: { errorCode: 'NONE', ...extra }, records })
const fail = (errorCode: ErrorName, errorMessage: string): AdminOutcome => ({ result: { errorCode, errorMessage }, records: [] })

const MAX_TOPIC_NAME_LENGTH = 249
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/

/** Topic.validate (clients/.../common/internals/Topic.java): the reason a name is illegal, or null. */
export function invalidTopicName(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'Topic name is invalid: the empty string is not allowed'
  if (name === '.' || name === '..') return `Topic name is invalid: '${name}' is not allowed`
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is invalid: the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`
  if (!LEGAL_TOPIC_NAME.test(name)) return `Topic name is invalid: '${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`
  return null
}

export function runAdminCommand(context: AdminContext, command: AdminCommand): AdminOutcome {
  try {
    switch (command.op) {
      case 'createTopic':
        return createTopic(context, command)
      case 'deleteTopic':
        return deleteTopic(context, command.name)
      case 'createPartitions':
        return createPartitions(context, command.name, command.count, command.assignments)
      case 'electLeaders':
        return electLeaders(context, command.electionType, command.partitions)
      case 'alterPartitionReassignments':
        return alterPartitionReassignments(context, command.reassignments)
      case 'incrementalAlterConfigs':
        return incrementalAlterConfigs(context, command.resource, command.set ?? {}, command.delete ?? [])
      default:
        return fail('INVALID_REQUEST', `unknown admin operation ${JSON.stringify((command as { op?: unknown }).op)}`)
    }
  } catch (error) {
    if (error instanceof KafkaError) return fail(error.code, error.message.replace(/^[A-Z_]+: /, ''))
    throw error
  }
}

function createTopic(context: AdminContext, command: Extract<AdminCommand, { op: 'createTopic' }>): AdminOutcome {
  const { image } = context
  const { name } = command
  const illegal = invalidTopicName(name)
  if (illegal) return fail('INVALID_TOPIC_EXCEPTION', illegal)
  const normalized = name.replace(/\./g, '_')
  for (const existing of image.topicIdsByName.keys()) {
    if (existing === name) return fail('TOPIC_ALREADY_EXISTS', `Topic '${name}' already exists.`)
    if (existing.replace(/\./g, '_') === normalized) return fail('INVALID_TOPIC_EXCEPTION', `Topic '${name}' collides with existing topic: ${existing}`)
  }
  const configs = command.configs ?? {}
  const overrides = parseTopicConfigOverrides(configs, `topic ${name} config`)
  let placements: number[][]
  if (command.assignments !== undefined) {
    if (command.replicationFactor !== undefined && command.replicationFactor !== -1) {
      return fail('INVALID_REQUEST', 'A manual partition assignment was specified, but replication factor was not set to -1.')
    }
    if (command.partitions !== undefined && command.partitions !== -1) {
      return fail('INVALID_REQUEST', 'A manual partition assignment was specified, but numPartitions was not set to -1.')
    }
    placements = validateAssignments(context, command.assignments, undefined)
  } else {
    const replicationFactor = command.replicationFactor ?? -1
    const partitions = command.partitions ?? -1
    if (!Number.isInteger(replicationFactor) || replicationFactor < -1 || replicationFactor === 0) {
      return fail('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0, or -1 to use the default value.')
    }
    if (!Number.isInteger(partitions) || partitions < -1 || partitions === 0) {
      return fail('INVALID_PARTITIONS', 'Number of partitions was set to an invalid non-positive value.')
    }
    placements = place(
      context,
      partitions === -1 ? context.defaultPartitions : partitions,
      replicationFactor === -1 ? context.defaultReplicationFactor : replicationFactor,
    )
  }
  const topicId = context.newTopicId()
  const records: MetadataRecord[] = [{ type: 'Topic', name, topicId }]
  for (const key of Object.keys(overrides)) {
    records.push({ type: 'Config', resourceType: 'topic', resourceName: name, name: key, value: configText(configs[key]) })
  }
  placements.forEach((replicas, partitionId) => records.push(newPartitionRecord(context, topicId, partitionId, replicas)))
  return ok(records, { topicId })
}

function deleteTopic(context: AdminContext, name: string): AdminOutcome {
  const topic = context.image.topic(name)
  if (!topic) return fail('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic: ${name}`)
  return ok([{ type: 'RemoveTopic', topicId: topic.topicId }])
}

function createPartitions(context: AdminContext, name: string, count: number, assignments: number[][] | undefined): AdminOutcome {
  const topic = context.image.topic(name)
  if (!topic) return fail('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic: ${name}`)
  const current = topic.partitions.size
  if (!Number.isInteger(count)) return fail('INVALID_PARTITIONS', `The partition count must be an integer, got ${String(count)}.`)
  if (count === current) return fail('INVALID_PARTITIONS', `Topic already has ${current} partition(s).`)
  if (count < current) return fail('INVALID_PARTITIONS', `The topic ${name} currently has ${current} partition(s); ${count} would not be an increase.`)
  const replicationFactor = topic.partitions.get(0)!.replicas.length
  const additional = count - current
  let placements: number[][]
  if (assignments !== undefined) {
    if (assignments.length !== additional) {
      return fail('INVALID_REPLICA_ASSIGNMENT', `Attempted to add ${additional} additional partition(s), but only ${assignments.length} assignment(s) were specified.`)
    }
    placements = validateAssignments(context, assignments, replicationFactor)
  } else {
    placements = place(context, additional, replicationFactor)
  }
  return ok(placements.map((replicas, i) => newPartitionRecord(context, topic.topicId, current + i, replicas)))
}

function electLeaders(context: AdminContext, electionType: 'PREFERRED' | 'UNCLEAN', requested: { topic: string; partition: number }[] | null): AdminOutcome {
  const { image } = context
  const targets: { topic: string; partition: number; state: PartitionState | undefined }[] = []
  if (requested === null) {
    for (const topic of image.topicsById.values()) for (const state of topic.partitions.values()) targets.push({ topic: topic.name, partition: state.partition, state })
  } else {
    for (const { topic, partition } of requested) {
      const id = image.topicIdsByName.get(topic)
      targets.push({ topic, partition, state: id === undefined ? undefined : image.partition(id, partition) })
    }
  }
  const records: MetadataRecord[] = []
  const partitions: NonNullable<AdminResult['partitions']> = []
  for (const { topic, partition, state } of targets) {
    if (!state) {
      partitions.push({ topic, partition, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION', errorMessage: `Partition ${topic}-${partition} does not exist.` })
      continue
    }
    if (electionType === 'PREFERRED') {
      if (state.leader === state.replicas[0]) {
        partitions.push({ topic, partition, errorCode: 'ELECTION_NOT_NEEDED' })
        continue
      }
      const change = context.change(state, { election: 'PREFERRED' })
      if (change.record) {
        records.push(change.record)
        partitions.push({ topic, partition, errorCode: 'NONE' })
      } else {
        partitions.push({ topic, partition, errorCode: 'PREFERRED_LEADER_NOT_AVAILABLE', errorMessage: `Failed to elect leader for partition ${topic}-${partition} under strategy PREFERRED` })
      }
    } else {
      // An operator's unclean election ignores the topic's unclean.leader.election.enable.
      if (state.leader !== NO_LEADER) {
        partitions.push({ topic, partition, errorCode: 'ELECTION_NOT_NEEDED' })
        continue
      }
      const change = context.change(state, { election: 'UNCLEAN' })
      if (change.record && change.leader !== NO_LEADER) {
        records.push(change.record)
        partitions.push({ topic, partition, errorCode: 'NONE' })
      } else {
        partitions.push({ topic, partition, errorCode: 'ELIGIBLE_LEADERS_NOT_AVAILABLE', errorMessage: `No live replica of ${topic}-${partition} can be elected.` })
      }
    }
  }
  // A whole-cluster request leaves out partitions that needed nothing, as Kafka does.
  const reported = requested === null ? partitions.filter((p) => p.errorCode !== 'ELECTION_NOT_NEEDED') : partitions
  return ok(records, { partitions: reported })
}

function alterPartitionReassignments(context: AdminContext, reassignments: { topic: string; partition: number; replicas: number[] | null }[]): AdminOutcome {
  const { image } = context
  const records: MetadataRecord[] = []
  const partitions: NonNullable<AdminResult['partitions']> = []
  for (const { topic, partition, replicas } of reassignments) {
    const id = image.topicIdsByName.get(topic)
    const state = id === undefined ? undefined : image.partition(id, partition)
    if (!state) {
      partitions.push({ topic, partition, errorCode: 'UNKNOWN_TOPIC_OR_PARTITION', errorMessage: `Partition ${topic}-${partition} does not exist.` })
      continue
    }
    try {
      const change = replicas === null ? cancelReassignment(context, state) : startReassignment(context, state, replicas)
      if (change.record) records.push(change.record)
      partitions.push({ topic, partition, errorCode: 'NONE' })
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error
      partitions.push({ topic, partition, errorCode: error.code, errorMessage: error.message.replace(/^[A-Z_]+: /, '') })
    }
  }
  // Atomic: any failure writes nothing.
  if (partitions.some((p) => p.errorCode !== 'NONE')) return { result: { errorCode: 'NONE', partitions }, records: [] }
  return ok(records, { partitions })
}

function startReassignment(context: AdminContext, state: PartitionState, target: number[]): PartitionChange {
  validateAssignments(context, [target], undefined)
  // PartitionReassignmentReplicas: the target first, then the replicas being removed.
  const current = state.replicas
  const removing = current.filter((r) => !target.includes(r)).sort((a, b) => a - b)
  const adding = target.filter((r) => !current.includes(r)).sort((a, b) => a - b)
  return context.change(state, { targetReplicas: [...target, ...removing], targetAddingReplicas: adding, targetRemovingReplicas: removing })
}

function cancelReassignment(context: AdminContext, state: PartitionState): PartitionChange {
  if (state.addingReplicas.length === 0 && state.removingReplicas.length === 0) {
    throw new KafkaError('NO_REASSIGNMENT_IN_PROGRESS', `No reassignment is in progress for ${state.topic}-${state.partition}.`)
  }
  const replicas = state.replicas.filter((r) => !state.addingReplicas.includes(r))
  let isr = state.isr.filter((r) => !state.addingReplicas.includes(r))
  let election: Election | undefined
  if (isr.length === 0) {
    if (!context.uncleanElectionEnabled(state.topic)) {
      throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `Unable to revert partition assignment for ${state.topic}:${state.partition} because it would require an unclean leader election.`)
    }
    isr = [replicas[0]!]
    election = 'UNCLEAN'
  }
  return context.change(state, { targetReplicas: replicas, targetIsr: isr, targetAddingReplicas: [], targetRemovingReplicas: [], election })
}

function incrementalAlterConfigs(context: AdminContext, resource: { type: 'topic' | 'broker'; name: string }, set: Record<string, unknown>, remove: string[]): AdminOutcome {
  const { image } = context
  const records: ConfigRecord[] = []
  if (resource.type === 'topic') {
    if (!image.topic(resource.name)) return fail('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic: ${resource.name}`)
    const current = Object.fromEntries(image.topicConfigs.get(resource.name) ?? [])
    for (const key of remove) if (!isTopicConfigName(key)) return fail('INVALID_CONFIG', `topic ${resource.name} config: unknown config ${key}`)
    const next: Record<string, unknown> = { ...current, ...set }
    for (const key of remove) delete next[key]
    parseTopicConfigOverrides(next, `topic ${resource.name} config`)
    for (const key of Object.keys(set)) records.push({ type: 'Config', resourceType: 'topic', resourceName: resource.name, name: key, value: configText(set[key]) })
    for (const key of remove) records.push({ type: 'Config', resourceType: 'topic', resourceName: resource.name, name: key, value: null })
  } else {
    if (resource.name !== '') return fail('INVALID_REQUEST', 'the sandbox keeps one cluster-wide broker config: use the resource name ""')
    for (const key of remove) if (!isBrokerConfigName(key)) return fail('INVALID_CONFIG', `cluster config: unknown config ${key}`)
    const next: Record<string, unknown> = { ...context.clusterConfigInput(), ...set }
    for (const key of remove) delete next[key]
    parseBrokerConfig(next, 'cluster config')
    for (const key of Object.keys(set)) records.push({ type: 'Config', resourceType: 'broker', resourceName: '', name: key, value: configText(set[key]) })
    for (const key of remove) records.push({ type: 'Config', resourceType: 'broker', resourceName: '', name: key, value: null })
  }
  return ok(records)
}

function place(context: AdminContext, partitions: number, replicationFactor: number): number[][] {
  const { image } = context
  const unfenced = image.unfencedBrokerIds()
  const fenced = [...image.brokers.values()].filter((b) => b.fenced).map((b) => b.brokerId)
  try {
    return placeReplicas(unfenced, fenced, partitions, replicationFactor, context.random)
  } catch (error) {
    // ReplicationControlManager wraps every placement failure this way.
    if (error instanceof KafkaError) throw new KafkaError(error.code, `Unable to replicate the partition ${replicationFactor} time(s): ${error.message.replace(/^[A-Z_]+: /, '')}`)
    throw error
  }
}

/** validateManualPartitionAssignment: registered, distinct brokers, one replication factor. */
function validateAssignments(context: AdminContext, assignments: number[][], replicationFactor: number | undefined): number[][] {
  if (!Array.isArray(assignments) || assignments.length === 0) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'An assignment must list at least one partition.')
  const factor = replicationFactor ?? assignments[0]!.length
  for (const replicas of assignments) {
    if (!Array.isArray(replicas) || replicas.length === 0) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'The manual partition assignment includes an empty replica list.')
    for (const r of replicas) {
      if (!context.image.brokers.has(r)) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes broker ${String(r)}, but no such broker is registered.`)
    }
    if (new Set(replicas).size !== replicas.length) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes a duplicate broker: [${replicas.join(', ')}].`)
    if (replicas.length !== factor) {
      throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${factor} replica(s).`)
    }
    if (!replicas.some((r) => context.isActive(r))) throw new KafkaError('INVALID_REPLICA_ASSIGNMENT', 'All brokers specified in the manual partition assignment are fenced or in controlled shutdown.')
  }
  return assignments.map((a) => [...a])
}

function newPartitionRecord(context: AdminContext, topicId: string, partitionId: number, replicas: number[]): PartitionRecord {
  const isr = replicas.filter((r) => context.isActive(r))
  if (isr.length === 0) throw new KafkaError('INVALID_REPLICATION_FACTOR', `Unable to replicate the partition ${replicas.length} time(s): All brokers are currently fenced or in controlled shutdown.`)
  return {
    type: 'Partition',
    topicId,
    partitionId,
    replicas,
    isr,
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    removingReplicas: [],
    addingReplicas: [],
    leader: isr[0]!,
    leaderRecoveryState: 'RECOVERED',
    leaderEpoch: 0,
    partitionEpoch: 0,
  }
}

/** Config values travel in records as strings, as Kafka stores them. */
function configText(value: unknown): string {
  if (Array.isArray(value)) return value.join(',')
  return String(value)
}
