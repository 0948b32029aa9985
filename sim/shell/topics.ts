// kafka-topics, as apache/kafka tools/src/main/java/org/apache/kafka/tools/TopicCommand.java
// behaves: exactly one action (--create, --list, --describe, --alter, --delete);
// --bootstrap-server required; --topic is a regular expression matching whole names
// (IncludeList) for --list/--describe/--alter/--delete; the same outputs ("Created topic
// t.", the describe lines) and errors (IllegalArgumentException messages on stderr,
// others as "Error while executing topic command : ..." on stdout, exit code 1).

import { KafkaError } from '../../core/errors.ts'
import type { Cluster } from '../cluster.ts'
import { integerOption, OptionParseError, parseOptions, rejectCombination, requireOption, ToolUsageError, type ParsedOptions } from './options.ts'
import { kafkaErrorMessage, metadataImage, sortedPartitions, topicConfigEntries, topicNames } from './views.ts'
import type { ToolOutput } from './tool.ts'

const SPEC = {
  'bootstrap-server': 'value', 'command-config': 'value', list: 'flag', create: 'flag', delete: 'flag', alter: 'flag', describe: 'flag',
  topic: 'value', 'topic-id': 'value', config: 'value', 'delete-config': 'value', partitions: 'value', 'replication-factor': 'value',
  'replica-assignment': 'value', 'under-replicated-partitions': 'flag', 'unavailable-partitions': 'flag', 'under-min-isr-partitions': 'flag',
  'at-min-isr-partitions': 'flag', 'topics-with-overrides': 'flag', 'if-exists': 'flag', 'if-not-exists': 'flag', 'exclude-internal': 'flag',
  'partition-size-limit-per-response': 'value', help: 'flag', version: 'flag',
} as const

const ACTIONS = ['create', 'list', 'alter', 'describe', 'delete'] as const

/** IllegalArgumentException in TopicCommand: printed on stderr, exit 1. */
class IllegalArgument extends Error {}

export function kafkaTopics(args: readonly string[], cluster: Cluster): ToolOutput {
  const out: ToolOutput = { stdout: [], stderr: [], exitCode: 0 }
  try {
    const options = parseOptions(args, SPEC)
    checkArgs(options)
    if (options.has('create')) createTopic(options, cluster, out)
    else if (options.has('list')) out.stdout.push(...matchingTopics(options, cluster))
    else if (options.has('describe')) describeTopics(options, cluster, out)
    else if (options.has('alter')) alterTopic(options, cluster)
    else deleteTopics(options, cluster)
  } catch (error) {
    out.exitCode = 1
    // joptsimple's own errors escape TopicCommandOptions and are printed like any other exception.
    if (error instanceof OptionParseError) out.stdout.push(`Error while executing topic command : ${error.message}`)
    else if (error instanceof ToolUsageError || error instanceof IllegalArgument) out.stderr.push(error.message)
    else if (error instanceof KafkaError) out.stdout.push(`Error while executing topic command : ${kafkaErrorMessage(error)}`)
    else out.stdout.push(`Error while executing topic command : ${(error as Error).message}`)
  }
  return out
}

function checkArgs(options: ParsedOptions): void {
  if (ACTIONS.filter((a) => options.has(a)).length !== 1) {
    throw new ToolUsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete')
  }
  if (!options.has('bootstrap-server')) throw new IllegalArgument('--bootstrap-server must be specified')
  if (!options.has('list') && !options.has('describe')) requireOption(options, 'topic')
  if (options.has('alter')) {
    if (options.has('config')) throw new ToolUsageError('Option "[config]" can\'t be used with option "[alter]": to alter topic configs, use kafka-configs')
    requireOption(options, 'partitions')
  }
  const allBut = (...keep: string[]) => ACTIONS.filter((a) => !keep.includes(a))
  rejectCombination(options, 'config', allBut('alter', 'create'))
  rejectCombination(options, 'partitions', allBut('alter', 'create'))
  rejectCombination(options, 'replication-factor', allBut('create'))
  rejectCombination(options, 'replica-assignment', allBut('alter', 'create'))
  if (options.has('create')) rejectCombination(options, 'replica-assignment', ['partitions', 'replication-factor'])
  rejectCombination(options, 'if-exists', allBut('alter', 'delete', 'describe'))
  rejectCombination(options, 'if-not-exists', allBut('create'))
  rejectCombination(options, 'exclude-internal', allBut('list', 'describe'))
}

/** Topics whose whole name matches --topic (a regular expression), sorted; all without --topic. */
function matchingTopics(options: ParsedOptions, cluster: Cluster): string[] {
  const names = topicNames(cluster)
  const pattern = options.value('topic')
  if (pattern === undefined) return names
  let regex: RegExp
  try {
    regex = new RegExp(`^(?:${pattern.trim().replace(/^['"]|['"]$/g, '')})$`)
  } catch {
    throw new IllegalArgument(`Invalid topic pattern '${pattern}'`)
  }
  return names.filter((name) => regex.test(name))
}

function ensureTopicExists(found: string[], options: ParsedOptions): void {
  const requested = options.value('topic')
  if (requested && found.length === 0 && !options.has('if-exists')) throw new IllegalArgument(`Topic '${requested}' does not exist as expected`)
}

/** "k=v" pairs of --config; TopicCommand.parseTopicConfigsToBeAdded. */
function topicConfigs(options: ParsedOptions): Record<string, string> {
  const configs: Record<string, string> = {}
  for (const entry of options.values('config')) {
    const pair = entry.split(/\s*=\s*/)
    if (pair.length !== 2) throw new IllegalArgument('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".')
    configs[pair[0]!.trim()] = pair[1]!.trim()
  }
  return configs
}

/** --replica-assignment "1:2,2:3": one replica list per partition (TopicCommand.parseReplicaAssignment). */
function replicaAssignment(options: ParsedOptions): number[][] | undefined {
  const text = options.value('replica-assignment')
  if (!text) return undefined
  const lists = text.split(',').map((p) => p.split(':').map((b) => {
    const id = Number(b.trim())
    if (!Number.isInteger(id)) throw new ToolUsageError(`Cannot parse replica assignment "${text}": "${b}" is not a broker id`)
    return id
  }))
  for (const [i, list] of lists.entries()) {
    const duplicates = list.filter((id, j) => list.indexOf(id) !== j)
    if (duplicates.length > 0) throw new Error(`Partition replica lists may not contain duplicate entries: ${[...new Set(duplicates)].join(',')}`)
    if (list.length !== lists[0]!.length) throw new Error(`Partition ${i} has different replication factor: [${list.join(', ')}]`)
  }
  return lists
}

function createTopic(options: ParsedOptions, cluster: Cluster, out: ToolOutput): void {
  const name = options.value('topic')!
  // Topic.hasCollisionChars: any '.' or '_' in the name.
  if (name.includes('.') || name.includes('_')) {
    out.stdout.push("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.")
  }
  const replicationFactor = integerOption(options, 'replication-factor')
  const partitions = integerOption(options, 'partitions')
  if (replicationFactor !== undefined && (replicationFactor > 32767 || replicationFactor < 1)) throw new IllegalArgument('The replication factor must be between 1 and 32767 inclusive')
  if (partitions !== undefined && partitions < 1) throw new IllegalArgument('The partitions must be greater than 0')
  const configs = topicConfigs(options)
  const assignments = replicaAssignment(options)
  try {
    cluster.createTopic(name, {
      ...(partitions !== undefined ? { partitions } : {}),
      ...(replicationFactor !== undefined ? { replicationFactor } : {}),
      ...(Object.keys(configs).length > 0 ? { config: configs } : {}),
      ...(assignments ? { assignments } : {}),
    })
  } catch (error) {
    if (error instanceof KafkaError && error.code === 'TOPIC_ALREADY_EXISTS' && options.has('if-not-exists')) return
    throw error
  }
  out.stdout.push(`Created topic ${name}.`)
}

function describeTopics(options: ParsedOptions, cluster: Cluster, out: ToolOutput): void {
  const topics = matchingTopics(options, cluster)
  ensureTopicExists(topics, options)
  const image = metadataImage(cluster)
  const liveBrokers = new Set(cluster.snapshot().brokers.filter((b) => b.state !== 'crashed' && b.state !== 'fenced').map((b) => b.id))
  const reports = ['under-replicated-partitions', 'unavailable-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions'].filter((r) => options.has(r))
  for (const name of topics) {
    const topic = image.topic(name)!
    const partitions = sortedPartitions(topic)
    const entries = topicConfigEntries(cluster, name)
    const overridden = entries.filter((e) => e.source !== 'default')
    const minIsr = Number(entries.find((e) => e.name === 'min.insync.replicas')!.value)
    if (reports.length === 0 && (!options.has('topics-with-overrides') || overridden.length > 0)) {
      const configs = overridden.map((e) => `${e.name}=${e.value}`).join(',')
      out.stdout.push(`Topic: ${name}\tTopicId: ${topic.topicId}\tPartitionCount: ${partitions.length}\tReplicationFactor: ${partitions[0]?.replicas.length ?? 0}\tConfigs: ${configs}`)
    }
    if (options.has('topics-with-overrides')) continue
    for (const p of partitions) {
      const wanted = reports.length === 0 ||
        (options.has('under-replicated-partitions') && p.replicas.length - p.isr.length > 0) ||
        (options.has('unavailable-partitions') && (p.leader < 0 || !liveBrokers.has(p.leader))) ||
        (options.has('under-min-isr-partitions') && (p.leader < 0 || p.isr.length < minIsr)) ||
        (options.has('at-min-isr-partitions') && p.isr.length === minIsr)
      if (!wanted) continue
      let line = `\tTopic: ${name}\tPartition: ${p.partition}\tLeader: ${p.leader >= 0 ? p.leader : 'none'}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`
      if (p.addingReplicas.length > 0 || p.removingReplicas.length > 0) line += `\tAdding Replicas: ${p.addingReplicas.join(',')}\tRemoving Replicas: ${p.removingReplicas.join(',')}`
      line += `\tElr: ${p.eligibleLeaderReplicas.join(',')}\tLastKnownElr: ${p.lastKnownElr.join(',')}`
      out.stdout.push(line)
    }
  }
}

function alterTopic(options: ParsedOptions, cluster: Cluster): void {
  const topics = matchingTopics(options, cluster)
  ensureTopicExists(topics, options)
  const count = integerOption(options, 'partitions')!
  const assignments = replicaAssignment(options)
  for (const name of topics) {
    const existing = metadataImage(cluster).topic(name)!.partitions.size
    cluster.createPartitions(name, count, assignments ? assignments.slice(existing) : undefined)
  }
}

function deleteTopics(options: ParsedOptions, cluster: Cluster): void {
  const topics = matchingTopics(options, cluster)
  ensureTopicExists(topics, options)
  for (const name of topics) cluster.deleteTopic(name)
}
