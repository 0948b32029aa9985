// The dead-letter-topic pattern in scenarios: a group whose application fails on some
// records (`deadLetter.when`) hands each of them to a producer, which sends it to the
// dead-letter topic with its key and value and headers naming where it came from; the
// member goes on with the next record and commits past it as usual, so one bad record does
// not stop the partition. The `deadLetters` expectation compares the topic with the
// records the members failed on.
//
// The headers are the ones Kafka Connect's dead-letter queue writes
// with errors.deadletterqueue.context.headers.enable=true
// (connect/runtime/src/main/java/org/apache/kafka/connect/runtime/errors/DeadLetterQueueReporter.java:
// __connect.errors.topic, .partition, .offset, .exception.class.name).
//
// Where the sandbox simplifies: the hand-off happens when poll() returns the records (the
// application's processing is simulated time only), and the member does not wait for the
// dead-letter topic to acknowledge before it commits. A real handler should wait for the
// send to be acknowledged before it commits: otherwise a dead-letter write that fails after
// the commit loses the record.

import { committedLogs, shortValue } from '../checkers/history.ts'
import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { SendRecord } from '../../core/client/producer/producer.ts'
import { counted, EXAMPLES, ms, type ArmedExpectation } from './expectations.ts'
import type { RunContext } from './context.ts'
import type { DeadLetterSpec, Expectation } from './types.ts'
import type { TraceRecord } from '../trace.ts'

/** The exception the application is taken to have thrown for a record it fails on (its header). */
const FAILURE_EXCEPTION = 'org.apache.kafka.common.errors.SerializationException'
/** How the hand-overs are labelled in the trace; the scenario's timeline leaves them out (one per poll would drown it). */
const DEAD_LETTER_ACTION = 'dead-letter: '

/** A dead-letter hand-over's action record (the timeline skips them; the trace and its hash keep them). */
export function isDeadLetterAction(record: TraceRecord): boolean {
  return record.type === 'action' && String((record.data as { label?: unknown }).label ?? '').startsWith(DEAD_LETTER_ACTION)
}

/** Whether the application fails on this record. */
export function failsOn(spec: DeadLetterSpec, record: { key: string | null; value: string | null }): boolean {
  if ('keyIn' in spec.when) return record.key !== null && spec.when.keyIn.includes(record.key)
  return record.value !== null && record.value.includes(spec.when.valueContains)
}

/** What the dead-letter handlers of one run did, per group. */
export interface DeadLetterLog {
  /** Records handed to the group's dead-letter producer. */
  handedOver: number
  /** Hand-overs that failed (the producer was not running), with why. */
  failures: string[]
}

/**
 * Starts the dead-letter handlers of every group that has one: after each poll of a member,
 * the records it failed on go to the group's producer. Returns each group's log.
 */
export function startDeadLetters(run: RunContext): Map<string, DeadLetterLog> {
  const logs = new Map<string, DeadLetterLog>()
  for (const [groupId, group] of run.groups) if (group.deadLetter) logs.set(groupId, { handedOver: 0, failures: [] })
  if (logs.size === 0) return logs
  /** Per member: how many of its consumed records the handler has looked at. */
  const seen = new Map<string, number>()
  run.cluster.trace.subscribe((record) => {
    if (record.type !== 'consumer-poll' || typeof record.node !== 'string') return
    const member = record.node
    const groupId = run.memberGroups.get(member)
    const spec = groupId === undefined ? undefined : run.groups.get(groupId)?.deadLetter
    if (groupId === undefined || spec === undefined) return
    const consumed = run.cluster.history.consumers().get(member) ?? []
    const fresh = consumed.slice(seen.get(member) ?? 0)
    seen.set(member, consumed.length)
    const failed = fresh.filter((r) => failsOn(spec, r))
    if (failed.length === 0) return
    // The producer is called as its own event, not from inside the consumer's.
    run.cluster.sim.at(run.cluster.now, `${DEAD_LETTER_ACTION}${member} sends ${failed.length} record(s) to ${spec.topic}`, () => {
      const log = logs.get(groupId)!
      try {
        run.cluster.producer(spec.producer).send(failed.map((r) => deadLetterRecord(spec, r)))
        log.handedOver += failed.length
      } catch (error) {
        log.failures.push(`${member} at ${ms(run.now)}: ${(error as Error).message}`)
      }
    })
  })
  return logs
}

function deadLetterRecord(spec: DeadLetterSpec, r: ConsumedRecord): SendRecord {
  return {
    topic: spec.topic,
    key: r.key,
    value: r.value,
    headers: [
      { key: '__connect.errors.topic', value: r.topic },
      { key: '__connect.errors.partition', value: String(r.partition) },
      { key: '__connect.errors.offset', value: String(r.offset) },
      { key: '__connect.errors.exception.class.name', value: FAILURE_EXCEPTION },
    ],
  }
}

/** `deadLetters: { group }`: the topic holds each record the members failed on exactly once, and nothing else. */
export function armDeadLetterExpectation(run: RunContext, e: Expectation, label: string, logs: ReadonlyMap<string, DeadLetterLog>): ArmedExpectation | null {
  if (!('deadLetters' in e)) return null
  const groupId = e.deadLetters.group
  return { label, verdict: () => {
    const spec = run.groups.get(groupId)?.deadLetter
    if (!spec) return { passed: false, figures: `group ${groupId} has no deadLetter` }
    // What the members failed on: each partition offset once, however many members read it.
    const expected = new Map<string, string>()
    for (const [member, records] of run.cluster.history.consumers()) {
      if (run.memberGroups.get(member) !== groupId) continue
      for (const r of records) if (failsOn(spec, r)) expected.set(`${r.topic}-${r.partition}@${r.offset}`, r.value ?? 'null')
    }
    const held = new Map<string, number>()
    for (const [partition, records] of committedLogs(run.cluster)) {
      if (partition.slice(0, partition.lastIndexOf('-')) !== spec.topic) continue
      for (const r of records) held.set(r.value ?? 'null', (held.get(r.value ?? 'null') ?? 0) + 1)
    }
    const wanted = new Set(expected.values())
    const missing = [...wanted].filter((v) => !held.has(v))
    const twice = [...held].filter(([v, n]) => wanted.has(v) && n > 1).map(([v]) => v)
    const extra = [...held.keys()].filter((v) => !wanted.has(v))
    const total = [...held.values()].reduce((a, b) => a + b, 0)
    const log = logs.get(groupId)
    const problems = missing.length + twice.length + extra.length
    const verdict = counted('none', problems, 'records missing, held twice or not failed on', `${spec.topic} holds ${total} records; the members of ${groupId} failed on ${wanted.size}; missing ${missing.length}, twice ${twice.length}, extra ${extra.length}; ${log?.handedOver ?? 0} handed to ${spec.producer}`, [])
    return {
      ...verdict,
      details: [
        ...missing.slice(0, EXAMPLES).map((v) => `missing: ${shortValue(v)}`),
        ...twice.slice(0, EXAMPLES).map((v) => `held ${held.get(v)} times: ${shortValue(v)}`),
        ...extra.slice(0, EXAMPLES).map((v) => `not failed on: ${shortValue(v)}`),
        ...(log?.failures ?? []).slice(0, EXAMPLES),
      ],
    }
  } }
}
