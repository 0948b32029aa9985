// The history checker: what the clients were told, against what the logs hold at the end.
//
// - lost: a record the producer reported as written (acknowledged) that is not in the
//   committed log at the offset it was given (acks=0 gives none: then it is lost when it
//   is nowhere in its partition's committed log).
// - duplicates: a record one send() produced, held more than once in a log (retries
//   without idempotence).
// - reorders: two records of one producer in one partition that the log holds in the
//   other order than they were sent (retries with max.in.flight > 1 without idempotence).
// - consumers: a record received that the committed log does not hold at that offset
//   (read above the high watermark, or lost afterwards), a committed record skipped
//   between two received ones (a gap), a record received twice.
// - findings, each with the records and times involved (Jepsen's Kafka checker names them
//   so): inconsistent offsets (one offset of a partition seen with two values, by the log,
//   a producer's acknowledgement or a consumer), poll skips (a consumer's next record in a
//   partition jumps over committed records), non-monotonic polls (a consumer's next record
//   in a partition is at or below the offset before it), and per-key reorders (two records
//   of one producer and one key that the log holds in the other order than they were sent).
//   Consumers here keep one manual assignment for life, so any step back is suspect; a
//   consumer that is restarted re-reads from auto.offset.reset and shows as non-monotonic.
//
// Records are told apart by value: the producers' workloads make every value unique in a
// run. Values sent more than once are left out of the checks and counted as ambiguous.

import type { RecordOutcome } from '../../core/client/producer/accumulator.ts'
import type { Cluster } from '../cluster.ts'
import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { HistoryRecorder } from '../history.ts'

/** One record of a committed log: below the high watermark of the partition's leader. */
export interface LoggedRecord {
  offset: number
  key: string | null
  value: string | null
}

/** "topic-partition" -> the committed records in offset order. */
export type CommittedLogs = ReadonlyMap<string, readonly LoggedRecord[]>

export interface LostWrite {
  producer: string
  partition: string
  /** -1 when acks=0 gave none. */
  offset: number
  value: string | null
  /** When the producer was told it was written. */
  ackedAtMs?: number
}

/** Where a value at an offset was seen. */
export interface OffsetSighting {
  value: string | null
  /** "log", "ack by <producer>" or "read by <consumer>". */
  source: string
  /** When (the log's: -1, it is the end state). */
  atMs: number
}

export interface InconsistentOffset {
  partition: string
  offset: number
  sightings: OffsetSighting[]
}

export interface PollSkip {
  consumer: string
  partition: string
  /** The record before the jump, and the one after it. */
  fromOffset: number
  toOffset: number
  /** Committed offsets between them it never got (at most 10 listed). */
  skipped: number[]
  atMs: number
}

export interface NonMonotonicPoll {
  consumer: string
  partition: string
  previousOffset: number
  offset: number
  value: string | null
  atMs: number
}

export interface KeyReorder {
  producer: string
  partition: string
  key: string | null
  /** The record sent first, that the log holds later. */
  value: string | null
  offset: number
  /** The record sent later, that the log holds first. */
  laterValue: string | null
  laterOffset: number
}

export interface HistoryReport {
  produced: number
  acknowledged: number
  failed: number
  pending: number
  /** Values sent more than once, left out of the checks. */
  ambiguous: number
  lost: LostWrite[]
  /** Extra copies of records in the logs. */
  duplicates: number
  /** Records the log holds after a record their producer sent later. */
  reorders: number
  consumed: number
  /** Received records the committed log does not hold at their offset. */
  consumedNotCommitted: number
  /** Committed records a consumer skipped between two it received. */
  consumerGaps: number
  /** Offsets a consumer received more than once. */
  consumerDuplicates: number
  inconsistentOffsets: InconsistentOffset[]
  pollSkips: PollSkip[]
  nonMonotonicPolls: NonMonotonicPoll[]
  keyReorders: KeyReorder[]
}

/** Findings of one kind kept per run, beyond which only the counters grow. */
const MAX_FINDINGS = 1000

const partitionKey = (topic: string, partition: number) => `${topic}-${partition}`

/** The committed part of every partition's log, read from its current leader. */
export function committedLogs(cluster: Cluster): Map<string, LoggedRecord[]> {
  const logs = new Map<string, LoggedRecord[]>()
  const image = cluster.controller()?.image
  if (!image) return logs
  for (const topic of image.topicsById.values()) {
    for (const state of topic.partitions.values()) {
      const key = partitionKey(topic.name, state.partition)
      const log = state.leader >= 0 ? cluster.brokerNode(state.leader)?.partitions.get(key)?.log : undefined
      const records: LoggedRecord[] = []
      if (log) {
        for (const batch of log.batches()) {
          for (const r of batch.records) {
            const offset = batch.baseOffset + r.offsetDelta
            if (offset < log.highWatermark) records.push({ offset, key: r.key, value: r.value })
          }
        }
      }
      logs.set(key, records)
    }
  }
  return logs
}

export interface CheckHistoryOptions {
  /**
   * Consumers (by client id) that are members of a consumer group (group id): each group's
   * members are read as one reader, their records merged in the order they were received.
   * Per member, a partition that moves away and back looks like a gap (another member read
   * the middle) and a repeat (it resumes from the committed offset); for the group, only a
   * committed record nobody received between two received ones is a gap.
   */
  groupOf?: ReadonlyMap<string, string>
}

/** The readers checkConsumer reads: each consumer alone, except group members, merged per group ("group <id>"). */
function readersOf(history: HistoryRecorder, groupOf: ReadonlyMap<string, string> | undefined): ReadonlyMap<string, readonly ConsumedRecord[]> {
  if (!groupOf || groupOf.size === 0) return history.consumers()
  const readers = new Map<string, ConsumedRecord[]>()
  for (const [consumer, records] of history.consumers()) {
    const groupId = groupOf.get(consumer)
    const reader = groupId === undefined ? consumer : `group ${groupId}`
    const list = readers.get(reader)
    if (list) list.push(...records)
    else readers.set(reader, [...records])
  }
  // Sorting is stable: records received at the same time keep their member's order.
  for (const [reader, records] of readers) if (reader.startsWith('group ')) records.sort((a, b) => a.consumedAtMs - b.consumedAtMs)
  return readers
}

export function checkHistory(history: HistoryRecorder, logs: CommittedLogs, options: CheckHistoryOptions = {}): HistoryReport {
  const report: HistoryReport = {
    produced: 0, acknowledged: 0, failed: 0, pending: 0, ambiguous: 0, lost: [], duplicates: 0, reorders: 0,
    consumed: 0, consumedNotCommitted: 0, consumerGaps: 0, consumerDuplicates: 0,
    inconsistentOffsets: [], pollSkips: [], nonMonotonicPolls: [], keyReorders: [],
  }
  // Which producer sent each value, and its outcome.
  const senders = new Map<string | null, { producer: string; outcome: RecordOutcome } | null>()
  for (const [producer, outcomes] of history.producers()) {
    for (const outcome of outcomes) {
      report.produced++
      if (outcome.status === 'acked') report.acknowledged++
      else if (outcome.status === 'failed') report.failed++
      else report.pending++
      senders.set(outcome.value, senders.has(outcome.value) ? null : { producer, outcome })
    }
  }
  for (const sender of senders.values()) if (sender === null) report.ambiguous++

  const byOffset = new Map<string, Map<number, LoggedRecord>>()
  const valuesInLog = new Map<string, Set<string | null>>()
  for (const [key, records] of logs) {
    const offsets = new Map<number, LoggedRecord>()
    const values = new Set<string | null>()
    // Per producer, the latest send (by record id) seen so far in offset order; per producer and key, that record.
    const latestSent = new Map<string, number>()
    const latestByKey = new Map<string, { id: number; record: LoggedRecord }>()
    for (const record of records) {
      offsets.set(record.offset, record)
      const sender = senders.get(record.value)
      if (!sender) continue
      if (values.has(record.value)) {
        report.duplicates++
        continue
      }
      values.add(record.value)
      const latest = latestSent.get(sender.producer) ?? -1
      if (sender.outcome.id < latest) report.reorders++
      else latestSent.set(sender.producer, sender.outcome.id)
      const producerKey = `${sender.producer}\u0000${record.key}`
      const latestOfKey = latestByKey.get(producerKey)
      if (latestOfKey && sender.outcome.id < latestOfKey.id) {
        if (report.keyReorders.length < MAX_FINDINGS) {
          report.keyReorders.push({ producer: sender.producer, partition: key, key: record.key, value: record.value, offset: record.offset, laterValue: latestOfKey.record.value, laterOffset: latestOfKey.record.offset })
        }
      } else latestByKey.set(producerKey, { id: sender.outcome.id, record })
    }
    byOffset.set(key, offsets)
    valuesInLog.set(key, values)
  }

  for (const sender of senders.values()) {
    if (!sender || sender.outcome.status !== 'acked') continue
    const { outcome, producer } = sender
    const key = partitionKey(outcome.topic, outcome.partition)
    const offset = outcome.offset ?? -1
    const held = offset >= 0 ? byOffset.get(key)?.get(offset)?.value === outcome.value : valuesInLog.get(key)?.has(outcome.value) === true
    if (!held) report.lost.push({ producer, partition: key, offset, value: outcome.value, ...(outcome.completedAtMs !== undefined ? { ackedAtMs: outcome.completedAtMs } : {}) })
  }

  const readers = readersOf(history, options.groupOf)
  for (const [consumer, records] of readers) checkConsumer(consumer, records, byOffset, report)
  findInconsistentOffsets(history, readers, logs, report)
  return report
}

/** Every offset seen with more than one value: in the log, in an acknowledgement, in a consumer's hands. */
function findInconsistentOffsets(history: HistoryRecorder, readers: ReadonlyMap<string, readonly ConsumedRecord[]>, logs: CommittedLogs, report: HistoryReport): void {
  const sightings = new Map<string, OffsetSighting[]>()
  const see = (partition: string, offset: number, sighting: OffsetSighting) => {
    const at = `${partition}@${offset}`
    const list = sightings.get(at)
    if (list) list.push(sighting)
    else sightings.set(at, [sighting])
  }
  for (const [partition, records] of logs) for (const r of records) see(partition, r.offset, { value: r.value, source: 'log', atMs: -1 })
  for (const [producer, outcomes] of history.producers()) {
    for (const o of outcomes) {
      if (o.status === 'acked' && o.offset !== undefined && o.offset >= 0) see(partitionKey(o.topic, o.partition), o.offset, { value: o.value, source: `ack by ${producer}`, atMs: o.completedAtMs ?? o.sentAtMs })
    }
  }
  for (const [consumer, records] of readers) {
    for (const r of records) see(partitionKey(r.topic, r.partition), r.offset, { value: r.value, source: `read by ${consumer}`, atMs: r.consumedAtMs })
  }
  for (const [at, list] of sightings) {
    if (new Set(list.map((s) => s.value)).size < 2) continue
    if (report.inconsistentOffsets.length >= MAX_FINDINGS) return
    const split = at.lastIndexOf('@')
    report.inconsistentOffsets.push({ partition: at.slice(0, split), offset: Number(at.slice(split + 1)), sightings: list })
  }
}

function checkConsumer(consumer: string, records: readonly ConsumedRecord[], byOffset: ReadonlyMap<string, ReadonlyMap<number, LoggedRecord>>, report: HistoryReport): void {
  const lastOffset = new Map<string, number>()
  const seen = new Map<string, Set<number>>()
  for (const record of records) {
    report.consumed++
    const key = partitionKey(record.topic, record.partition)
    const log = byOffset.get(key)
    if (log?.get(record.offset)?.value !== record.value) report.consumedNotCommitted++
    let offsets = seen.get(key)
    if (!offsets) seen.set(key, (offsets = new Set()))
    if (offsets.has(record.offset)) report.consumerDuplicates++
    offsets.add(record.offset)
    const previous = lastOffset.get(key)
    if (previous !== undefined && record.offset > previous + 1 && log) {
      const skipped: number[] = []
      for (let offset = previous + 1; offset < record.offset; offset++) {
        if (!log.has(offset)) continue
        report.consumerGaps++
        if (skipped.length < 10) skipped.push(offset)
      }
      if (skipped.length > 0 && report.pollSkips.length < MAX_FINDINGS) {
        report.pollSkips.push({ consumer, partition: key, fromOffset: previous, toOffset: record.offset, skipped, atMs: record.consumedAtMs })
      }
    }
    if (previous !== undefined && record.offset <= previous && report.nonMonotonicPolls.length < MAX_FINDINGS) {
      report.nonMonotonicPolls.push({ consumer, partition: key, previousOffset: previous, offset: record.offset, value: record.value, atMs: record.consumedAtMs })
    }
    lastOffset.set(key, record.offset)
  }
}

/** True when the report shows something a safe configuration must never do. */
export function historyFailed(report: HistoryReport): boolean {
  return (
    report.lost.length > 0 || report.duplicates > 0 || report.reorders > 0 || report.consumedNotCommitted > 0 || report.consumerGaps > 0 || report.consumerDuplicates > 0 ||
    report.inconsistentOffsets.length > 0 || report.nonMonotonicPolls.length > 0
  )
}

/** A record's value as reports show it: the workload's unique head ("app-301:"), not its padding. */
export function shortValue(value: string | null): string {
  if (value === null) return 'null'
  const colon = value.indexOf(':')
  const head = colon >= 0 && colon < 40 ? value.slice(0, colon + 1) : value.slice(0, 40)
  return JSON.stringify(head.length < value.length ? `${head}…` : head)
}

/** A record one consumer group handed to more than one of its members: processed twice. */
export interface ReprocessedRecord {
  group: string
  partition: string
  offset: number
  value: string | null
  /** Who received it, and when, in the order they did. */
  deliveries: { consumer: string; atMs: number }[]
}

/**
 * Records (a partition's offset) that two or more members of one group received: the group
 * processed them twice, as after a member is removed mid-batch (a zombie) and its partitions
 * are resumed from the last committed offset by another. `groupOf` names each consumer's
 * group; consumers without one are left out. One member reading an offset twice is not
 * counted here (nonMonotonicPolls shows that).
 */
export function findReprocessed(consumers: ReadonlyMap<string, readonly ConsumedRecord[]>, groupOf: ReadonlyMap<string, string>): ReprocessedRecord[] {
  const byOffset = new Map<string, ReprocessedRecord>()
  for (const [consumer, records] of consumers) {
    const group = groupOf.get(consumer)
    if (group === undefined) continue
    for (const r of records) {
      const at = `${group}\u0000${partitionKey(r.topic, r.partition)}@${r.offset}`
      let found = byOffset.get(at)
      if (!found) byOffset.set(at, (found = { group, partition: partitionKey(r.topic, r.partition), offset: r.offset, value: r.value, deliveries: [] }))
      found.deliveries.push({ consumer, atMs: r.consumedAtMs })
    }
  }
  const reprocessed: ReprocessedRecord[] = []
  for (const found of byOffset.values()) {
    if (new Set(found.deliveries.map((d) => d.consumer)).size < 2) continue
    found.deliveries.sort((a, b) => a.atMs - b.atMs)
    reprocessed.push(found)
  }
  return reprocessed.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : a.offset - b.offset))
}
