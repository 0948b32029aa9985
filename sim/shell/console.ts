// kafka-console-producer and kafka-console-consumer (apache/kafka tools/.../ConsoleProducer.java,
// LineMessageReader.java, consumer/ConsoleConsumer.java, DefaultMessageFormatter.java).
//
// The producer sends each input line as a record through a producer node of the cluster
// (acks from --request-required-acks, default -1; linger.ms from --timeout, default 1000),
// runs the simulation until every record is acknowledged or failed, and reports failures
// as ErrorLoggingCallback does. parse.key=true splits each line at key.separator (default
// a tab); a line without it is refused as LineMessageReader refuses it.
//
// With --group, a consumer node joins the group and reads through it (consumeWithGroup).
// The consumer without --group reads the committed records of the topic's partitions,
// or of --partition from --offset, from the partition leaders' logs, as an assigned
// consumer's fetches would return them. Where the sandbox differs: it reads what is
// committed when the command runs, then, with --timeout-ms, runs the simulation that long
// and reads what arrived; without --timeout-ms it stops at once instead of waiting for
// more; records are printed partition by partition.

import type { CommitOutcome, ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import type { Cluster } from '../cluster.ts'
import { integerOption, parseOptions, requireOption, ToolUsageError, type ParsedOptions } from './options.ts'
import type { ToolOutput } from './tool.ts'
import { exceptionClass, metadataImage, readCommitted, sortedPartitions, type LogRecord } from './views.ts'

const PRODUCER_SPEC = {
  'bootstrap-server': 'value', topic: 'value', property: 'value', 'reader-property': 'value', 'producer-property': 'value', 'producer.config': 'value',
  'request-required-acks': 'value', 'compression-codec': 'value', sync: 'flag', timeout: 'value', 'request-timeout-ms': 'value',
  'message-send-max-retries': 'value', 'retry-backoff-ms': 'value', 'batch-size': 'value', 'max-block-ms': 'value', help: 'flag', version: 'flag',
} as const

const CONSUMER_SPEC = {
  'bootstrap-server': 'value', topic: 'value', include: 'value', partition: 'value', offset: 'value', 'from-beginning': 'flag', 'max-messages': 'value',
  'timeout-ms': 'value', property: 'value', 'formatter-property': 'value', formatter: 'value', group: 'value', 'consumer-property': 'value',
  'consumer.config': 'value', 'isolation-level': 'value', 'skip-message-on-error': 'flag', 'enable-systest-events': 'flag', help: 'flag', version: 'flag',
} as const

/** The longest the console producer waits for its records (its delivery.timeout.ms plus slack). */
const PRODUCER_WAIT_MS = 130_000

/** "k=v" --property values as a map. */
function properties(options: ParsedOptions, name: string): Map<string, string> {
  const props = new Map<string, string>()
  for (const entry of options.values(name)) {
    const equals = entry.indexOf('=')
    if (equals <= 0) throw new ToolUsageError(`Invalid property "${entry}": expected key=value`)
    props.set(entry.slice(0, equals), entry.slice(equals + 1))
  }
  return props
}

/** "\t" and "\n" in a separator property mean a tab and a newline, as the tools unescape them. */
function unescape(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n')
}

export function kafkaConsoleProducer(args: readonly string[], cluster: Cluster, input: readonly string[]): ToolOutput {
  const out: ToolOutput = { stdout: [], stderr: [], exitCode: 0 }
  try {
    const options = parseOptions(args, PRODUCER_SPEC)
    requireOption(options, 'bootstrap-server')
    const topic = requireOption(options, 'topic')
    const props = properties(options, 'property')
    const parseKey = props.get('parse.key') === 'true'
    const separator = unescape(props.get('key.separator') ?? '\t')
    const ignoreError = props.get('ignore.error') === 'true'
    const records: { key: string | null; value: string }[] = []
    for (const [i, line] of input.entries()) {
      if (!parseKey) {
        records.push({ key: null, value: line })
        continue
      }
      const at = line.indexOf(separator)
      if (at < 0) {
        if (ignoreError) records.push({ key: null, value: line })
        else throw new ToolUsageError(`org.apache.kafka.common.KafkaException: No key separator found on line number ${i + 1}: '${line}'`)
      } else {
        records.push({ key: line.slice(0, at), value: line.slice(at + separator.length) })
      }
    }
    const acks = options.value('request-required-acks') ?? '-1'
    const lingerMs = integerOption(options, 'timeout') ?? 1000
    let n = 1
    while (cluster.sim.hasNode(`console-producer-${n}`)) n++
    const id = `console-producer-${n}`
    const producer = cluster.addProducer(id, { config: { acks: acks === 'all' ? 'all' : Number(acks), 'linger.ms': lingerMs, ...Object.fromEntries(properties(options, 'producer-property')) } })
    const before = producer.outcomes.length
    cluster.sim.command(id, { op: 'send', records: records.map((r) => ({ topic, key: r.key, value: r.value })) })
    cluster.sim.command(id, { op: 'flush' })
    const outcomes: RecordOutcome[] = producer.outcomes.slice(before)
    cluster.sim.runUntil(() => outcomes.every((o) => o.status !== 'pending'), { timeoutMs: PRODUCER_WAIT_MS })
    for (const o of outcomes.filter((x) => x.status === 'failed')) {
      out.stderr.push(
        `ERROR Error when sending message to topic ${topic} with key: ${o.key === null ? 'null' : `${utf8Length(o.key)} bytes`}, value: ${utf8Length(o.value ?? '')} bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)`,
        `${/^[A-Z_]+$/.test(o.error ?? '') ? exceptionClass(o.error!) : `org.apache.kafka.common.errors.${o.error}`}: ${o.errorMessage ?? ''}`,
      )
    }
  } catch (error) {
    out.exitCode = 1
    out.stderr.push((error as Error).message)
  }
  return out
}

export function kafkaConsoleConsumer(args: readonly string[], cluster: Cluster): ToolOutput {
  const out: ToolOutput = { stdout: [], stderr: [], exitCode: 0 }
  try {
    const options = parseOptions(args, CONSUMER_SPEC)
    requireOption(options, 'bootstrap-server')
    const topic = requireOption(options, 'topic')
    const partition = integerOption(options, 'partition')
    const offsetText = options.value('offset')
    if (offsetText !== undefined && partition === undefined) throw new ToolUsageError('The partition is required when offset is specified.')
    if (offsetText !== undefined && options.has('from-beginning')) throw new ToolUsageError('Options from-beginning and offset cannot be specified together.')
    if (options.has('group')) {
      // ConsoleConsumerOptions.groupId.
      if (options.has('partition')) throw new ToolUsageError('Options group and partition cannot be specified together.')
      consumeWithGroup(cluster, topic, options.value('group')!, options, out)
      return out
    }
    const maxMessages = integerOption(options, 'max-messages')
    const timeoutMs = integerOption(options, 'timeout-ms')
    const props = properties(options, 'property')
    const topicImage = metadataImage(cluster).topic(topic)
    if (!topicImage) throw new ToolUsageError(`Topic ${topic} does not exist (the sandbox does not create topics on first use)`)
    const partitions = partition !== undefined ? [partition] : sortedPartitions(topicImage).map((p) => p.partition)
    // Where each partition's reading starts: earliest, latest (the high watermark), or a given offset.
    const positions = new Map<number, number>()
    for (const p of partitions) {
      const log = readCommitted(cluster, topic, p, 0)
      if (!log) throw new Error(`partition ${topic}-${p} has no live leader`)
      const start = offsetText === undefined ? (options.has('from-beginning') ? 'earliest' : 'latest') : offsetText
      positions.set(p, start === 'earliest' ? log.logStartOffset : start === 'latest' ? log.highWatermark : parseOffset(start))
    }
    let printed = 0
    const readAll = () => {
      for (const p of partitions) {
        const log = readCommitted(cluster, topic, p, positions.get(p)!)
        if (!log) continue
        for (const record of log.records) {
          if (maxMessages !== undefined && printed >= maxMessages) return
          out.stdout.push(formatRecord(record, p, props))
          positions.set(p, record.offset + 1)
          printed++
        }
      }
    }
    readAll()
    if (timeoutMs !== undefined && (maxMessages === undefined || printed < maxMessages)) {
      cluster.advance(timeoutMs)
      readAll()
    }
    out.stderr.push(`Processed a total of ${printed} messages`)
  } catch (error) {
    out.exitCode = 1
    out.stderr.push((error as Error).message)
  }
  return out
}

/** Without --timeout-ms, how long a group console consumer waits to join and catch up before it stops. */
const GROUP_CATCH_UP_MS = 30_000
/** How long it waits for its closing commit and LeaveGroup. */
const GROUP_CLOSE_MS = 10_000

/**
 * --group: a real consumer node joins the group (auto.offset.reset earliest with
 * --from-beginning, else latest; the group's committed offsets win), prints what its polls
 * return, then commits its positions and leaves the group, as ConsoleConsumer's close()
 * does with enable.auto.commit. Like the real tool, with --max-messages the records a poll
 * returned beyond the last printed one are committed too. Where it differs: without
 * --timeout-ms it stops once it has caught up with every assigned partition (or after 30 s)
 * instead of waiting for more.
 */
function consumeWithGroup(cluster: Cluster, topic: string, group: string, options: ParsedOptions, out: ToolOutput): void {
  if (!metadataImage(cluster).topic(topic)) throw new ToolUsageError(`Topic ${topic} does not exist (the sandbox does not create topics on first use)`)
  const maxMessages = integerOption(options, 'max-messages')
  const timeoutMs = integerOption(options, 'timeout-ms')
  const props = properties(options, 'property')
  let n = 1
  while (cluster.sim.hasNode(`console-consumer-${n}`)) n++
  const id = `console-consumer-${n}`
  cluster.addConsumer(id, {
    config: { 'group.id': group, 'auto.offset.reset': options.has('from-beginning') ? 'earliest' : 'latest', 'enable.auto.commit': false, ...Object.fromEntries(properties(options, 'consumer-property')) },
    subscribe: [topic],
  })
  const stopAtMs = cluster.now + (timeoutMs ?? GROUP_CATCH_UP_MS)
  let printed = 0
  const caughtUp = () => {
    const assigned = cluster.sim.command<{ topic: string; partition: number }[]>(id, { op: 'assignment' })
    if (assigned.length === 0) return false
    return assigned.every((tp) => {
      const log = readCommitted(cluster, tp.topic, tp.partition, Number.MAX_SAFE_INTEGER)
      try {
        return log !== null && cluster.sim.command<number>(id, { op: 'position', topic: tp.topic, partition: tp.partition }) >= log.highWatermark
      } catch {
        return false // no position yet: the committed offset or the reset is still being looked up
      }
    })
  }
  for (;;) {
    for (const record of cluster.sim.command<ConsumedRecord[]>(id, { op: 'poll' })) {
      if (maxMessages !== undefined && printed >= maxMessages) break
      out.stdout.push(formatRecord(record, record.partition, props))
      printed++
    }
    if (maxMessages !== undefined && printed >= maxMessages) break
    if (cluster.now >= stopAtMs || (timeoutMs === undefined && caughtUp())) break
    cluster.sim.runFor(Math.min(100, stopAtMs - cluster.now))
  }
  const commit = cluster.sim.command<CommitOutcome>(id, { op: 'commitSync' })
  cluster.sim.runUntil(() => commit.status !== 'pending', { timeoutMs: GROUP_CLOSE_MS })
  cluster.sim.command(id, { op: 'unsubscribe' })
  const memberPrefix = `${id}-`
  cluster.sim.runUntil(() => !cluster.describeGroups([group])[0]!.members.some((m) => m.memberId.startsWith(memberPrefix)), { timeoutMs: GROUP_CLOSE_MS })
  out.stderr.push(`Processed a total of ${printed} messages`)
}

/** Bytes of a string in UTF-8 (as the StringSerializer writes it), in Node and in the browser. */
function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length
}

function parseOffset(text: string): number {
  if (!/^\d+$/.test(text)) throw new ToolUsageError(`The provided offset value '${text}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`)
  return Number(text)
}

/** DefaultMessageFormatter: [CreateTime:t][sep][Partition:p][sep][Offset:o][sep][key][sep]value. */
function formatRecord(record: Pick<LogRecord, 'offset' | 'key' | 'value' | 'timestamp'>, partition: number, props: Map<string, string>): string {
  const separator = unescape(props.get('key.separator') ?? '\t')
  const nullLiteral = props.get('null.literal') ?? 'null'
  const fields: string[] = []
  if (props.get('print.timestamp') === 'true') fields.push(`CreateTime:${Math.floor(record.timestamp)}`)
  if (props.get('print.partition') === 'true') fields.push(`Partition:${partition}`)
  if (props.get('print.offset') === 'true') fields.push(`Offset:${record.offset}`)
  if (props.get('print.key') === 'true') fields.push(record.key ?? nullLiteral)
  if (props.get('print.value') !== 'false') fields.push(record.value ?? nullLiteral)
  return fields.join(separator)
}
