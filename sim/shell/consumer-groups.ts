// kafka-consumer-groups, as apache/kafka tools/.../consumer/group/ConsumerGroupCommand.java
// (with ConsumerGroupCommandOptions.java and GroupOffsetsResetter.java) behaves: exactly one
// action of --list, --describe, --reset-offsets, --delete (--delete-offsets is refused: the
// sandbox's coordinator has no OffsetDelete); --bootstrap-server required. Every answer comes
// through the group coordinator on the brokers (FindCoordinator, ListGroups, DescribeGroups,
// OffsetFetch, OffsetCommit, DeleteGroups: sim/kafkajs/group-requests.ts), and log end
// offsets from the partition leaders, as ListOffsets(latest) would give them.
//
// --describe prints, per group, a blank line, then GROUP TOPIC PARTITION CURRENT-OFFSET
// LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID rows in printOffsetFormat's columns
// (each at least 15 wide, PARTITION 10): the members' assigned partitions first, then
// partitions with a committed offset and no member ("-" for the member columns). An Empty
// group says "Consumer group 'g' has no active members." on stderr; one that does not
// exist "Error: Consumer group 'g' does not exist." on stdout.
//
// --reset-offsets --to-earliest | --to-latest | --to-offset N | --to-current | --shift-by N
// with --topic t[:p,p] or --all-topics prints GROUP TOPIC PARTITION NEW-OFFSET
// (OffsetsUtils.printOffsetsToReset's columns); it commits
// only with --execute (a dry run otherwise, with the real tool's WARN), and only while the
// group is inactive (Empty or Dead).
//
// --delete --group g (or --all-groups) prints "Deletion of requested consumer groups ('g') was
// successful." when every group was deleted; otherwise "Error: Deletion of some consumer groups
// failed:" on stderr and a "* Group 'g' could not be deleted due to: ..." line per failure
// (ConsumerGroupCommand.deleteGroups). Where it differs: HOST is "/kafkasim" (the sandbox's
// clients have no addresses); --members, --state, --verbose and --from-file are not modelled.

import { KafkaError, type ErrorName } from '../../core/errors.ts'
import type { Cluster } from '../cluster.ts'
import { commitGroupOffsets, deleteGroup, describeGroup, fetchGroupOffsets, listGroups, runGroupOpSync } from '../kafkajs/group-requests.ts'
import { OptionParseError, parseOptions, rejectCombination, ToolUsageError, type ParsedOptions } from './options.ts'
import type { ToolOutput } from './tool.ts'
import { exceptionClass, kafkaErrorMessage, metadataImage, readCommitted, sortedPartitions } from './views.ts'

const SPEC = {
  'bootstrap-server': 'value', 'command-config': 'value', list: 'flag', describe: 'flag', delete: 'flag', 'reset-offsets': 'flag', 'delete-offsets': 'flag',
  group: 'value', 'all-groups': 'flag', topic: 'value', 'all-topics': 'flag', 'to-earliest': 'flag', 'to-latest': 'flag', 'to-current': 'flag',
  'to-offset': 'value', 'shift-by': 'value', 'to-datetime': 'value', 'by-duration': 'value', 'from-file': 'value', execute: 'flag', 'dry-run': 'flag',
  export: 'flag', offsets: 'flag', members: 'flag', state: 'value', verbose: 'flag', timeout: 'value', type: 'value', help: 'flag', version: 'flag',
} as const

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const
const RESET_SPECS = ['to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'shift-by', 'from-file', 'to-current', 'to-offset'] as const
/** ConsumerGroupCommand.MISSING_COLUMN_VALUE. */
const MISSING = '-'
const HOST = '/kafkasim'

export function kafkaConsumerGroups(args: readonly string[], cluster: Cluster): ToolOutput {
  const out: ToolOutput = { stdout: [], stderr: [], exitCode: 0 }
  try {
    const options = parseOptions(args, SPEC)
    checkArgs(options, out)
    if (options.has('list')) out.stdout.push(...runGroupOpSync(cluster, listGroups(cluster)).map((g) => g.groupId))
    else if (options.has('describe')) for (const group of groupsOf(options, cluster)) describe(cluster, group, out)
    else if (options.has('reset-offsets')) for (const group of groupsOf(options, cluster)) resetOffsets(cluster, group, options, out)
    else if (options.has('delete')) deleteGroups(cluster, groupsOf(options, cluster), out)
    else throw new ToolUsageError(`kafkasim: kafka-consumer-groups --${ACTIONS.find((a) => options.has(a))} is not modelled (the sandbox's group coordinator has no OffsetDelete yet)`)
  } catch (error) {
    out.exitCode = 1
    // ConsumerGroupCommand.run: usage errors go to stderr; anything else is "Error: Executing consumer group command failed due to ..." on stdout.
    if (error instanceof ToolUsageError && !(error instanceof OptionParseError)) out.stderr.push(error.message)
    else if (error instanceof OptionParseError) out.stderr.push(error.message)
    else out.stdout.push('', `Error: Executing consumer group command failed due to ${error instanceof KafkaError ? kafkaErrorMessage(error) : (error as Error).message}`)
  }
  return out
}

/** ConsumerGroupCommandOptions.checkArgs, the parts the modelled actions need. */
function checkArgs(options: ParsedOptions, out: ToolOutput): void {
  if (ACTIONS.filter((a) => options.has(a)).length !== 1) throw new ToolUsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`)
  if (!options.has('bootstrap-server')) throw new ToolUsageError('Missing required argument "[bootstrap-server]"')
  const groupAction = (['describe', 'reset-offsets', 'delete'] as const).find((a) => options.has(a))
  if (groupAction && !options.has('group') && !options.has('all-groups')) throw new ToolUsageError(`Option [${groupAction}] takes one of these options: [all-groups], [group]`)
  rejectCombination(options, 'all-groups', ['group'])
  if (options.has('reset-offsets')) {
    if (options.has('dry-run') && options.has('execute')) throw new ToolUsageError('Option [reset-offsets] only accepts one of [execute] and [dry-run]')
    if (!options.has('dry-run') && !options.has('execute')) {
      out.stderr.push('WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.')
    }
    const specs = RESET_SPECS.filter((s) => options.has(s))
    if (specs.length !== 1) throw new ToolUsageError(`Option [reset-offsets] takes exactly one of these options: ${RESET_SPECS.map((s) => `[${s}]`).join(', ')}`)
    if (['to-datetime', 'by-duration', 'from-file'].includes(specs[0]!)) throw new ToolUsageError(`kafkasim: --reset-offsets --${specs[0]} is not modelled (use --to-earliest, --to-latest, --to-current, --to-offset or --shift-by)`)
    if (!options.has('topic') && !options.has('all-topics')) throw new ToolUsageError('One of the reset scopes should be defined: --all-topics, --topic.')
  }
}

/** Errors.java's messages for the errors DeleteGroups answers per group. */
const DELETE_ERROR_MESSAGES: Partial<Record<ErrorName, string>> = {
  GROUP_ID_NOT_FOUND: 'The group id does not exist.',
  NON_EMPTY_GROUP: 'The group is not empty.',
  INVALID_GROUP_ID: 'The configured groupId is invalid.',
}

/**
 * ConsumerGroupCommand.deleteGroups: one DeleteGroups per group at its coordinator. The tool
 * keeps the failures as the ExecutionException the admin future threw, and joins the deleted
 * groups with ", " inside one pair of quotes ('a, b'), as the Java tool prints them.
 */
function deleteGroups(cluster: Cluster, groups: readonly string[], out: ToolOutput): void {
  const results = groups.map((group) => ({ group, error: runGroupOpSync(cluster, deleteGroup(cluster, group)) }))
  const deleted = results.filter((r) => r.error === 'NONE').map((r) => r.group)
  const failed = results.filter((r) => r.error !== 'NONE')
  if (failed.length === 0) {
    out.stdout.push(`Deletion of requested consumer groups ('${deleted.join(', ')}') was successful.`)
    return
  }
  // ConsumerGroupCommand.run ignores deleteGroups' result: the tool exits 0 either way.
  out.stderr.push('', 'Error: Deletion of some consumer groups failed:')
  for (const { group, error } of failed) {
    const javaClass = exceptionClass(error)
    out.stdout.push(`* Group '${group}' could not be deleted due to: java.util.concurrent.ExecutionException: ${javaClass}: ${DELETE_ERROR_MESSAGES[error] ?? error}`)
  }
  if (deleted.length > 0) out.stdout.push('', `These consumer groups were deleted successfully: '${deleted.join(', ')}'`)
}

function groupsOf(options: ParsedOptions, cluster: Cluster): string[] {
  return options.has('all-groups') ? runGroupOpSync(cluster, listGroups(cluster)).map((g) => g.groupId) : options.values('group')
}

interface Row {
  topic: string
  partition: number
  committed: number | null
  logEndOffset: number | null
  consumerId: string
  host: string
  clientId: string
}

/** The partition's log end offset as ListOffsets(latest) reports it to a consumer: its high watermark. */
function logEndOffset(cluster: Cluster, topic: string, partition: number): number | null {
  return readCommitted(cluster, topic, partition, Number.MAX_SAFE_INTEGER)?.highWatermark ?? null
}

function describe(cluster: Cluster, group: string, out: ToolOutput): void {
  const description = runGroupOpSync(cluster, describeGroup(cluster, group))
  if (description.groupState === 'Dead') {
    out.stdout.push('', `Error: Consumer group '${group}' does not exist.`)
    return
  }
  const committed = new Map(runGroupOpSync(cluster, fetchGroupOffsets(cluster, group, null)).filter((p) => p.committedOffset >= 0).map((p) => [`${p.topic}-${p.partition}`, p.committedOffset]))
  const rows: Row[] = []
  const assigned = new Set<string>()
  // Members with partitions first, most partitions first (collectConsumerAssignment), each sorted by topic and partition.
  const members = description.members
    .map((m) => ({ m, partitions: [...((m.memberAssignment as { partitions?: { topic: string; partition: number }[] } | null)?.partitions ?? [])].sort(byTopicPartition) }))
    .filter(({ partitions }) => partitions.length > 0)
    .sort((a, b) => b.partitions.length - a.partitions.length || (a.m.memberId < b.m.memberId ? -1 : 1))
  for (const { m, partitions } of members) {
    for (const { topic, partition } of partitions) {
      assigned.add(`${topic}-${partition}`)
      rows.push({ topic, partition, committed: committed.get(`${topic}-${partition}`) ?? null, logEndOffset: logEndOffset(cluster, topic, partition), consumerId: m.memberId, host: HOST, clientId: m.clientId })
    }
  }
  const image = metadataImage(cluster)
  const unassigned = [...committed.entries()].filter(([key]) => !assigned.has(key)).map(([key, offset]) => {
    const at = key.lastIndexOf('-')
    return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset }
  })
  unassigned.sort(byTopicPartition)
  for (const { topic, partition, offset } of unassigned) {
    rows.push({ topic, partition, committed: offset, logEndOffset: image.topic(topic) ? logEndOffset(cluster, topic, partition) : null, consumerId: MISSING, host: MISSING, clientId: MISSING })
  }
  // shouldPrintMemberState: Empty and rebalancing groups get a note on stderr; nothing to show prints no table.
  if (description.groupState === 'Empty') out.stderr.push('', `Consumer group '${group}' has no active members.`)
  else if (description.groupState === 'PreparingRebalance' || description.groupState === 'CompletingRebalance') out.stderr.push('', `Warning: Consumer group '${group}' is rebalancing.`)
  if (rows.length === 0) return
  const width = (values: string[]) => Math.max(15, ...values.map((v) => v.length))
  const groupWidth = Math.max(15, group.length)
  const topicWidth = width(rows.map((r) => r.topic))
  const consumerWidth = width(rows.map((r) => r.consumerId))
  const hostWidth = width(rows.map((r) => r.host))
  const line = (cells: string[]) => [cells[0]!.padEnd(groupWidth), cells[1]!.padEnd(topicWidth), cells[2]!.padEnd(10), cells[3]!.padEnd(15), cells[4]!.padEnd(15), cells[5]!.padEnd(15), cells[6]!.padEnd(consumerWidth), cells[7]!.padEnd(hostWidth), cells[8]!].join(' ')
  out.stdout.push('', line(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']))
  for (const r of rows) {
    const lag = r.committed !== null && r.logEndOffset !== null ? String(r.logEndOffset - r.committed) : MISSING
    out.stdout.push(line([group, r.topic, String(r.partition), r.committed === null ? MISSING : String(r.committed), r.logEndOffset === null ? MISSING : String(r.logEndOffset), lag, r.consumerId, r.host, r.clientId]))
  }
}

/** The partitions --topic t / t:0,2 / --all-topics names (all-topics: those the group has offsets for). */
function resetScope(cluster: Cluster, group: string, options: ParsedOptions): { topic: string; partition: number }[] {
  if (options.has('all-topics')) return runGroupOpSync(cluster, fetchGroupOffsets(cluster, group, null)).map((p) => ({ topic: p.topic, partition: p.partition }))
  const image = metadataImage(cluster)
  return options.values('topic').flatMap((spec) => {
    const colon = spec.indexOf(':')
    const topic = colon < 0 ? spec : spec.slice(0, colon)
    const topicImage = image.topic(topic)
    if (!topicImage) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic-partition: ${topic}`)
    if (colon < 0) return sortedPartitions(topicImage).map((p) => ({ topic, partition: p.partition }))
    return spec.slice(colon + 1).split(',').map((text) => {
      if (!/^\d+$/.test(text.trim())) throw new ToolUsageError(`Invalid partition '${text}' in --topic ${spec}: expected topic:partition[,partition...]`)
      const partition = Number(text.trim())
      if (!topicImage.partitions.has(partition)) throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host this topic-partition: ${topic}-${partition}`)
      return { topic, partition }
    })
  })
}

function resetOffsets(cluster: Cluster, group: string, options: ParsedOptions, out: ToolOutput): void {
  const description = runGroupOpSync(cluster, describeGroup(cluster, group))
  if (description.groupState !== 'Empty' && description.groupState !== 'Dead') {
    out.stdout.push('', `Error: Assignments can only be reset if the group '${group}' is inactive, but the current state is ${description.groupState}.`)
    return
  }
  const scope = resetScope(cluster, group, options)
  const current = new Map(runGroupOpSync(cluster, fetchGroupOffsets(cluster, group, scope)).map((p) => [`${p.topic}-${p.partition}`, p.committedOffset]))
  const plan = scope.map(({ topic, partition }) => {
    const log = readCommitted(cluster, topic, partition, Number.MAX_SAFE_INTEGER)
    if (!log) throw new KafkaError('LEADER_NOT_AVAILABLE', `There is no leader for this topic-partition: ${topic}-${partition}`)
    const committed = current.get(`${topic}-${partition}`) ?? -1
    // GroupOffsetsResetter: offsets outside [log start, log end] are clamped to it.
    const clamp = (offset: number) => Math.min(Math.max(offset, log.logStartOffset), log.highWatermark)
    let offset: number
    if (options.has('to-earliest')) offset = log.logStartOffset
    else if (options.has('to-latest')) offset = log.highWatermark
    else if (options.has('to-offset')) offset = clamp(longOption(options, 'to-offset'))
    else if (options.has('to-current')) offset = committed >= 0 ? committed : log.highWatermark
    else offset = clamp((committed >= 0 ? committed : log.highWatermark) + longOption(options, 'shift-by'))
    return { topic, partition, offset }
  })
  plan.sort(byTopicPartition)
  if (options.has('execute')) runGroupOpSync(cluster, commitGroupOffsets(cluster, group, plan))
  // OffsetsUtils.printOffsetsToReset (4.x): "%n%-Gs %-Ts %-10s %s", GROUP and TOPIC at least 15 wide.
  const groupWidth = Math.max(15, group.length)
  const topicWidth = Math.max(15, ...plan.map((p) => p.topic.length))
  const line = (cells: string[]) => `${cells[0]!.padEnd(groupWidth)} ${cells[1]!.padEnd(topicWidth)} ${cells[2]!.padEnd(10)} ${cells[3]!}`
  out.stdout.push('', line(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET']))
  for (const p of plan) out.stdout.push(line([group, p.topic, String(p.partition), String(p.offset)]))
}

/** Topic by name, then partition by number. */
function byTopicPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1
}

/** A Long option as joptsimple converts it. */
function longOption(options: ParsedOptions, name: string): number {
  const text = options.value(name)!
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new ToolUsageError(`Cannot parse argument '${text}' of option ${name}`)
  return Number(text)
}
