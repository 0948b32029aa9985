// kafka-configs for topics (apache/kafka core/src/main/scala/kafka/admin/ConfigCommand.scala):
// --alter --add-config k1=v1,k2=[v2,v3] [--delete-config k] and --describe, with
// --entity-type topics --entity-name T (or --topic T). Prints "Completed updating config
// for topic T." and "Dynamic configs for topic T are:" with one line per override, as the
// real tool does. Broker, client and user entities are not modelled.

import { KafkaError } from '../../core/errors.ts'
import type { Cluster } from '../cluster.ts'
import { parseOptions, ToolUsageError, type ParsedOptions } from './options.ts'
import type { ToolOutput } from './tool.ts'
import { kafkaErrorMessage, metadataImage, topicConfigEntries } from './views.ts'

const SPEC = {
  'bootstrap-server': 'value', 'bootstrap-controller': 'value', 'command-config': 'value', alter: 'flag', describe: 'flag',
  'entity-type': 'value', 'entity-name': 'value', 'entity-default': 'flag', topic: 'value', 'add-config': 'value',
  'add-config-file': 'value', 'delete-config': 'value', all: 'flag', help: 'flag', version: 'flag',
} as const

export function kafkaConfigs(args: readonly string[], cluster: Cluster): ToolOutput {
  const out: ToolOutput = { stdout: [], stderr: [], exitCode: 0 }
  try {
    const options = parseOptions(args, SPEC)
    if (Number(options.has('alter')) + Number(options.has('describe')) !== 1) throw new ToolUsageError('Command must include exactly one action: --describe, --alter')
    if (!options.has('bootstrap-server') && !options.has('bootstrap-controller')) throw new ToolUsageError('One of the required bootstrap options must be specified: --bootstrap-server, --bootstrap-controller')
    const topic = entity(options)
    if (!metadataImage(cluster).topic(topic)) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `The topic '${topic}' does not exist.`)
    if (options.has('alter')) alter(options, cluster, topic, out)
    else describe(options, cluster, topic, out)
  } catch (error) {
    out.exitCode = 1
    if (error instanceof ToolUsageError) out.stderr.push(`Command line error: ${error.message}`)
    else if (error instanceof KafkaError) out.stderr.push(`Error while executing config command with args '${args.join(' ')}'`, `java.util.concurrent.ExecutionException: ${errorClass(error)}: ${kafkaErrorMessage(error)}`)
    else out.stderr.push(`Error while executing config command with args '${args.join(' ')}'`, (error as Error).message)
  }
  return out
}

function errorClass(error: KafkaError): string {
  return error.code === 'INVALID_CONFIG' ? 'org.apache.kafka.common.errors.InvalidConfigurationException' : error.code === 'UNKNOWN_TOPIC_OR_PARTITION' ? 'org.apache.kafka.common.errors.UnknownTopicOrPartitionException' : `org.apache.kafka.common.errors.${error.code}`
}

/** The topic named by --topic, or by --entity-type topics --entity-name. */
function entity(options: ParsedOptions): string {
  const topic = options.value('topic')
  if (topic !== undefined) return topic
  const type = options.value('entity-type')
  if (type === undefined) throw new ToolUsageError('an entity type must be specified with --entity-type (or use --topic)')
  if (type !== 'topics') throw new ToolUsageError(`kafkasim models kafka-configs for topics only, got --entity-type ${type}`)
  const name = options.value('entity-name')
  if (name === undefined) throw new ToolUsageError('an entity name must be specified with --alter of topics')
  return name
}

/** ConfigCommand.parseConfigsToBeAdded: k=v pairs separated by commas; [a,b] keeps commas in a value. */
export function parseAddConfig(text: string): Record<string, string> {
  const configs: Record<string, string> = {}
  const pairs = text.match(/[^,[\]]+(?:\[[^\]]*\])?[^,]*/g) ?? []
  for (const pair of pairs) {
    const equals = pair.indexOf('=')
    if (equals <= 0) throw new ToolUsageError(`Invalid entity config: all configs to be added must be in the format "key=val" or "key=[val1,val2]", got "${pair}"`)
    configs[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim().replace(/^\[(.*)\]$/, '$1')
  }
  return configs
}

function alter(options: ParsedOptions, cluster: Cluster, topic: string, out: ToolOutput): void {
  const add = options.values('add-config').reduce<Record<string, string>>((all, text) => ({ ...all, ...parseAddConfig(text) }), {})
  const remove = options.values('delete-config').flatMap((text) => text.split(',').map((k) => k.trim()).filter((k) => k.length > 0))
  if (Object.keys(add).length === 0 && remove.length === 0) throw new ToolUsageError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter')
  const overlap = remove.filter((k) => Object.hasOwn(add, k))
  if (overlap.length > 0) throw new ToolUsageError(`Invalid alter config: the same config names cannot be added and deleted: ${overlap.join(',')}`)
  cluster.alterConfigs({ type: 'topic', name: topic }, add, remove)
  out.stdout.push(`Completed updating config for topic ${topic}.`)
}

function describe(options: ParsedOptions, cluster: Cluster, topic: string, out: ToolOutput): void {
  const entries = topicConfigEntries(cluster, topic)
  const shown = options.has('all') ? entries : entries.filter((e) => e.source === 'topic')
  out.stdout.push(options.has('all') ? `All configs for topic ${topic} are:` : `Dynamic configs for topic ${topic} are:`)
  for (const e of shown) {
    const source = e.source === 'topic' ? 'DYNAMIC_TOPIC_CONFIG' : e.source === 'cluster' ? 'STATIC_BROKER_CONFIG' : 'DEFAULT_CONFIG'
    out.stdout.push(`  ${e.name}=${e.value ?? 'null'} sensitive=false synonyms={${source}:${e.name}=${e.value ?? 'null'}}`)
  }
}
