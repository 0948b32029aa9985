// Helpers for the consumer tests: a cluster, producers and consumers as nodes, and what a
// partition's leader holds below its high watermark (what a consumer must read).

import type { Consumer, ConsumedRecord, ConsumerCommand, ConsumerOptions } from '../../core/client/consumer/consumer.ts'
import type { ProduceOutcome, RawClient, RawClientOptions } from '../../core/client/raw-client.ts'
import type { TraceRecord } from '../../sim/trace.ts'
import { createCluster, type Cluster, type ClusterOptions } from '../../sim/cluster.ts'

export function cluster(options: ClusterOptions): Cluster {
  return createCluster(options)
}

export function addConsumer(c: Cluster, id: string, options: Omit<ConsumerOptions, 'bootstrapBrokers'> = {}): () => Consumer {
  c.addConsumer(id, options)
  return () => c.consumer(id)
}

/**
 * Writes with the raw client (cluster.addRawClient): one Produce request per call, never
 * retried, so what the log holds is exactly what was acknowledged (or timed out).
 */
export function addWriter(c: Cluster, id: string, options: Partial<RawClientOptions> = {}): () => RawClient {
  c.addRawClient(id, options)
  return () => c.rawClient(id)
}

export function command<T>(c: Cluster, id: string, cmd: ConsumerCommand): T {
  return c.sim.command<T>(id, cmd)
}

/** Sends the values as one batch to one partition with acks (default all) and runs until answered. */
export function produce(c: Cluster, writer: string, topic: string, partition: number, values: readonly string[], acks = -1, timeoutMs = 30_000): ProduceOutcome {
  const requestId = c.sim.command<number>(writer, { op: 'produce', topic, partition, values, acks })
  const outcome = () => c.rawClient(writer).produces[requestId]!
  c.sim.runUntil(() => outcome().status !== 'pending', { timeoutMs, describe: () => `produce ${requestId} of ${writer} not yet answered` })
  return outcome()
}

/** Sends without waiting; returns the request id. */
export function send(c: Cluster, writer: string, topic: string, partition: number, values: readonly string[], acks = -1): number {
  return c.sim.command<number>(writer, { op: 'produce', topic, partition, values, acks })
}

/** Polls every `stepMs` until `count` records were returned in all (or the time is up). */
export function pollUntil(c: Cluster, id: string, count: number, timeoutMs = 30_000, stepMs = 10): ConsumedRecord[] {
  const got: ConsumedRecord[] = []
  const deadline = c.now + timeoutMs
  while (got.length < count && c.now < deadline) {
    c.advance(stepMs)
    got.push(...command<ConsumedRecord[]>(c, id, { op: 'poll' }))
  }
  return got
}

export interface LogRecordAt {
  offset: number
  value: string | null
  leaderEpoch: number
}

/** The committed records on the partition's leader (below its HW), in offset order. */
export function committed(c: Cluster, topic: string, partition: number): LogRecordAt[] {
  const view = c.snapshot().topics[topic]!.partitions[String(partition)]!
  const broker = c.brokerNode(view.leader)!
  const log = broker.partitions.get(`${topic}-${partition}`)!.log
  const out: LogRecordAt[] = []
  for (const batch of log.batches()) {
    for (const record of batch.records) {
      const offset = batch.baseOffset + record.offsetDelta
      if (offset < log.highWatermark) out.push({ offset, value: record.value, leaderEpoch: batch.partitionLeaderEpoch })
    }
  }
  return out
}

export function leaderOf(c: Cluster, topic: string, partition: number): number {
  return c.snapshot().topics[topic]!.partitions[String(partition)]!.leader
}

/** Every node event of `type` from `node`, seen through a subscription (the ring buffer may drop old ones). */
export function recordEvents(c: Cluster, node: string, type: string): TraceRecord[] {
  const seen: TraceRecord[] = []
  c.trace.subscribe((r) => {
    if (r.node === node && r.type === type) seen.push(r)
  })
  return seen
}

export function byPartition(records: readonly ConsumedRecord[]): Map<string, ConsumedRecord[]> {
  const map = new Map<string, ConsumedRecord[]>()
  for (const r of records) {
    const key = `${r.topic}-${r.partition}`
    const list = map.get(key) ?? []
    list.push(r)
    map.set(key, list)
  }
  return map
}

/** Throws unless the function throws a ClientError named `exception`; returns its message. */
export function clientError(fn: () => unknown, exception: string): string {
  try {
    fn()
  } catch (error) {
    const e = error as { exception?: string; message: string }
    if (e.exception !== exception) throw new Error(`expected ${exception}, got ${e.exception ?? String(error)}: ${e.message}`)
    return e.message
  }
  throw new Error(`expected ${exception}, nothing was thrown`)
}
