// The figures a lesson can quote and check: the only names its expressions (expression.ts)
// may use. Each figure reads the run the way an observer does (cluster.snapshot(), the
// history checker, the trace), never a node's internals, and says what it reads in `about`
// (the lessons README lists them). Arguments that name things (a topic, a broker, a group, a
// client) are checked against the lesson when it loads, so "isr('ordres', 0)" fails validation
// with the reason instead of quoting nothing.

import { closestName } from '../../core/config/parse.ts'
import { ERROR_CODES } from '../../core/errors.ts'
import { javaUtf8Bytes } from '../../core/client/murmur2.ts'
import { partitionForKey } from '../../core/client/partitioner.ts'
import type { HistoryReport } from '../checkers/history.ts'
import type { ClusterSnapshot } from '../cluster.ts'
import type { RunContext } from '../scenario/context.ts'
import { consumerGroups } from '../views.ts'
import { ExpressionError, figuresIn, formatExpression, type Expr, type Value } from './expression.ts'

/** What an argument names; a literal argument is checked against the lesson when it loads. */
type Param = 'topic' | 'partition' | 'broker' | 'group' | 'client' | 'error' | 'key' | 'list'

/** What evaluating a figure may read: one run, with its readings cached for one round of checks. */
export interface FigureReader {
  readonly run: RunContext
  snapshot(): ClusterSnapshot
  history(): HistoryReport
  /** Brokers down now (crashed or power-failed) that led a partition of `topic` when they went down. */
  crashedLeaders(topic: string): number[]
  /** Simulated ms since the current step started. */
  readonly stepElapsedMs: number
}

interface Figure {
  params: readonly Param[]
  /** How many of the last params may be left out. */
  optional?: number
  about: string
  read(reader: FigureReader, args: readonly Value[]): Value
}

const partitionOf = (reader: FigureReader, topic: string, partition: number) => reader.snapshot().topics[topic]?.partitions[partition]
const countStatus = (reader: FigureReader, client: string, status: 'acked' | 'failed' | null) => {
  let n = 0
  for (const o of reader.run.cluster.history.producers().get(client) ?? []) if (status === null || o.status === status) n++
  return n
}
const group = (reader: FigureReader, id: string) => consumerGroups(reader.snapshot()).find((g) => g.groupId === id)

const FIGURES = new Map<string, Figure>([
  ['leader', { params: ['topic', 'partition'], about: 'the broker leading the partition now, or none', read: (r, [t, p]) => {
    const leader = partitionOf(r, t as string, p as number)?.leader
    return leader === undefined || leader < 0 ? null : leader
  } }],
  ['leaderEpoch', { params: ['topic', 'partition'], about: "the partition's leader epoch (it grows with every new leader)", read: (r, [t, p]) => partitionOf(r, t as string, p as number)?.leaderEpoch ?? null }],
  ['isr', { params: ['topic', 'partition'], about: 'the in-sync replicas, as the controller records them', read: (r, [t, p]) => [...(partitionOf(r, t as string, p as number)?.isr ?? [])].sort((a, b) => a - b) }],
  ['replicas', { params: ['topic', 'partition'], about: "the partition's replicas, the preferred leader first", read: (r, [t, p]) => [...(partitionOf(r, t as string, p as number)?.replicas ?? [])] }],
  ['highWatermark', { params: ['topic', 'partition'], about: "the leader's high watermark: records below it are committed and readable", read: (r, [t, p]) => {
    const state = partitionOf(r, t as string, p as number)
    return state ? (state.replicaLogs[state.leader]?.hw ?? null) : null
  } }],
  ['logEnd', { params: ['topic', 'partition', 'broker'], optional: 1, about: "the log end offset of the leader's replica (or of the broker given)", read: (r, [t, p, b]) => {
    const state = partitionOf(r, t as string, p as number)
    if (!state) return null
    return state.replicaLogs[b === undefined ? state.leader : (b as number)]?.leo ?? null
  } }],
  ['partitionForKey', { params: ['topic', 'key'], about: "the partition the producer's default partitioner picks for a key: murmur2 of its bytes, modulo the partition count", read: (r, [t, key]) => {
    const count = Object.keys(r.snapshot().topics[t as string]?.partitions ?? {}).length
    return count === 0 ? null : partitionForKey(javaUtf8Bytes(key as string), count)
  } }],
  ['brokerState', { params: ['broker'], about: 'alive, crashed, paused, fenced or isolated', read: (r, [b]) => r.snapshot().brokers.find((x) => x.id === b)?.state ?? null }],
  ['crashedLeaders', { params: ['topic'], about: 'brokers down now that led a partition of the topic when they went down', read: (r, [t]) => r.crashedLeaders(t as string) }],
  ['sent', { params: ['client'], about: 'records the producer was asked to send', read: (r, [c]) => countStatus(r, c as string, null) }],
  ['acknowledged', { params: ['client'], about: 'records the producer was told are written', read: (r, [c]) => countStatus(r, c as string, 'acked') }],
  ['failed', { params: ['client'], about: 'records the producer gave up on, with an error', read: (r, [c]) => countStatus(r, c as string, 'failed') }],
  ['errors', { params: ['client', 'error'], about: 'how often the client saw a Kafka error (in a retry, a failure or a poll)', read: (r, [c, e]) => r.run.errorsSeen(c as string, e as string)?.count ?? 0 }],
  ['consumed', { params: ['client'], about: 'records the consumer received', read: (r, [c]) => r.run.cluster.history.consumers().get(c as string)?.length ?? 0 }],
  ['lostWrites', { params: [], about: 'acknowledged records the committed logs no longer hold (the history checker)', read: (r) => r.history().lost.length }],
  ['lost', { params: ['client'], about: "the producer's acknowledged records the committed logs no longer hold", read: (r, [c]) => r.history().lost.filter((l) => l.producer === c).length }],
  ['firstLost', { params: [], about: 'the first lost acknowledged record: its partition and offset, or none', read: (r) => {
    const lost = r.history().lost[0]
    return lost ? `${lost.partition} offset ${lost.offset}` : null
  } }],
  ['duplicates', { params: [], about: 'extra copies of records in the logs', read: (r) => r.history().duplicates }],
  ['reorders', { params: [], about: 'records a log holds after one their producer sent later', read: (r) => r.history().reorders }],
  ['keyReorders', { params: ['client'], optional: 1, about: "records of one key a log holds out of the order their producer (any, or the one given) sent them", read: (r, [c]) => r.history().keyReorders.filter((k) => c === undefined || k.producer === c).length }],
  ['inconsistentOffsets', { params: [], about: 'offsets seen holding two different records (in the log, in an acknowledgement, in a read)', read: (r) => r.history().inconsistentOffsets.length }],
  ['groupState', { params: ['group'], about: 'the classic group state (Empty, PreparingRebalance, CompletingRebalance, Stable), Dead when no coordinator holds it', read: (r, [g]) => group(r, g as string)?.state ?? 'Dead' }],
  ['generation', { params: ['group'], about: "the group's generation: one more with every rebalance", read: (r, [g]) => group(r, g as string)?.generation ?? null }],
  ['members', { params: ['group'], about: 'members in the group', read: (r, [g]) => group(r, g as string)?.members.length ?? 0 }],
  ['idleMembers', { params: ['group'], about: 'members the current assignment gave no partition', read: (r, [g]) => group(r, g as string)?.members.filter((m) => m.partitions.length === 0).length ?? 0 }],
  ['assigned', { params: ['group', 'client'], about: 'the partitions the current assignment gave a member', read: (r, [g, c]) => {
    const member = group(r, g as string)?.members.find((m) => m.clientId === c)
    return (member?.partitions ?? []).map((p) => `${p.topic}-${p.partition}`)
  } }],
  ['lag', { params: ['group', 'topic', 'partition'], optional: 2, about: "committed offsets behind the log end (the high watermark), over the group's partitions or one", read: (r, [g, t, p]) => {
    const found = group(r, g as string)
    if (!found) return null
    if (t === undefined) return found.lag
    const rows = found.partitions.filter((x) => x.topic === t && (p === undefined || x.partition === p))
    return rows.some((x) => x.lag === null) ? null : rows.reduce((sum, x) => sum + (x.lag ?? 0), 0)
  } }],
  ['committed', { params: ['group', 'topic', 'partition'], about: "the group's committed offset for the partition, or none", read: (r, [g, t, p]) => group(r, g as string)?.partitions.find((x) => x.topic === t && x.partition === p)?.committed ?? null }],
  ['elapsed', { params: [], about: 'simulated seconds since the current step started', read: (r) => Math.round(r.stepElapsedMs / 100) / 10 }],
  ['size', { params: ['list'], about: 'how many items a list holds: size(isr(\'orders\', 0))', read: (_r, [list]) => {
    if (!Array.isArray(list)) throw new ExpressionError(`size() needs a list, got ${String(list)}`)
    return list.length
  } }],
])

/** What a figure's arguments can name in this lesson. */
export interface LessonRefs {
  brokers: number
  /** Topic -> partition count. */
  topics: ReadonlyMap<string, number>
  clients: ReadonlySet<string>
  groups: ReadonlySet<string>
}

const PARAM_TYPE: Record<Param, 'string' | 'integer' | 'any'> = { topic: 'string', partition: 'integer', broker: 'integer', group: 'string', client: 'string', error: 'string', key: 'string', list: 'any' }

/** The figures, for documentation: name(params) and what each reads. */
export function figureHelp(): { usage: string; about: string }[] {
  return [...FIGURES].map(([name, f]) => {
    const params = f.params.map((p, i) => (i >= f.params.length - (f.optional ?? 0) ? `${p}?` : p))
    return { usage: f.params.length === 0 ? name : `${name}(${params.join(', ')})`, about: f.about }
  })
}

/** Every reason an expression cannot be evaluated in this lesson: unknown figures, wrong arity, names that exist nowhere. */
export function checkFigures(tree: Expr, refs: LessonRefs): string[] {
  const problems: string[] = []
  for (const call of figuresIn(tree)) {
    const figure = FIGURES.get(call.name)
    const text = formatExpression(call)
    if (!figure) {
      const near = closestName(call.name, [...FIGURES.keys()])
      problems.push(`unknown figure "${call.name}" in ${text}${near ? ` (did you mean "${near}"?)` : ''}; known: ${[...FIGURES.keys()].join(', ')}`)
      continue
    }
    const max = figure.params.length
    const min = max - (figure.optional ?? 0)
    if (max === 0 && call.call) {
      problems.push(`${call.name} takes no arguments: write ${call.name}`)
      continue
    }
    if (call.args.length < min || call.args.length > max) {
      problems.push(`${text}: ${call.name} takes ${min === max ? max : `${min} to ${max}`} argument(s) (${figure.params.join(', ')}), got ${call.args.length}`)
      continue
    }
    call.args.forEach((arg, i) => {
      if (arg.kind !== 'literal') return
      const param = figure.params[i]!
      const problem = checkLiteral(param, arg.value, refs, call.args[i - 1])
      if (problem) problems.push(`${text}: ${problem}`)
    })
  }
  return problems
}

function checkLiteral(param: Param, value: unknown, refs: LessonRefs, previous: Expr | undefined): string | null {
  const type = PARAM_TYPE[param]
  if (type === 'string' && typeof value !== 'string') return `the ${param} must be a 'string', got ${String(value)}`
  if (type === 'integer' && !Number.isSafeInteger(value)) return `the ${param} must be a whole number, got ${String(value)}`
  const list = (names: Iterable<string>) => [...names].join(', ') || 'none'
  switch (param) {
    case 'topic':
      return refs.topics.has(value as string) ? null : `no topic '${value}' in this lesson (known: ${list(refs.topics.keys())})`
    case 'partition': {
      const topic = previous?.kind === 'literal' ? String(previous.value) : undefined
      const count = topic === undefined ? undefined : refs.topics.get(topic)
      return count !== undefined && ((value as number) < 0 || (value as number) >= count) ? `no partition ${value}: topic ${topic} has partitions 0 to ${count - 1}` : null
    }
    case 'broker':
      return (value as number) >= 1 && (value as number) <= refs.brokers ? null : `no broker ${value}: the cluster has brokers 1 to ${refs.brokers}`
    case 'group':
      return refs.groups.has(value as string) ? null : `no group '${value}' in this lesson (known: ${list(refs.groups)})`
    case 'client':
      return refs.clients.has(value as string) ? null : `no client '${value}' in this lesson (known: ${list(refs.clients)})`
    case 'error':
      return Object.hasOwn(ERROR_CODES, value as string) || /^[A-Z][A-Za-z]*Exception$/.test(value as string) ? null : `no Kafka error named '${value}' (a name like NOT_ENOUGH_REPLICAS, or a client exception)`
    case 'key':
    case 'list':
      return null
  }
}

/** Computes one figure; arguments of the wrong type (from a nested figure) throw ExpressionError. */
export function readFigure(reader: FigureReader, name: string, args: readonly Value[]): Value {
  const figure = FIGURES.get(name)
  if (!figure) throw new ExpressionError(`unknown figure "${name}"`)
  figure.params.forEach((param, i) => {
    const arg = args[i]
    if (arg === undefined) return
    const type = PARAM_TYPE[param]
    if ((type === 'string' && typeof arg !== 'string') || (type === 'integer' && !Number.isSafeInteger(arg))) {
      throw new ExpressionError(`${name}: the ${param} must be ${type === 'string' ? 'a string' : 'a whole number'}, got ${arg === null ? 'none' : String(arg)}`)
    }
  })
  return figure.read(reader, args)
}
