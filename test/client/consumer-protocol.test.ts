// The consumer against a scripted broker: the requests it sends (Fetch, ListOffsets,
// Metadata) field by field, and what it does with each answer, error and timeout. A fake
// NodeContext stands in for the simulator so every answer is exactly the one wanted.

import { describe, expect, it } from 'vitest'
import { Consumer, type ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import type { ErrorName } from '../../core/errors.ts'
import type { Message, NodeContext, NodeId, TimerId, TraceData } from '../../core/node.ts'
import type { FetchPartitionResponse, FetchRequest, ListOffsetsRequest, MetadataRequest } from '../../core/protocol.ts'
import { EARLIEST_TIMESTAMP } from '../../core/protocol.ts'
import type { RecordBatch } from '../../core/records.ts'

class FakeContext implements NodeContext {
  readonly id = 'c'
  now = 0
  readonly sent: { to: NodeId; message: Message }[] = []
  readonly events: { type: string; data: TraceData }[] = []
  private readonly timers = new Map<TimerId, { at: number; name: string; data: unknown }>()
  private nextTimer = 1
  node!: Consumer
  get storage(): never {
    throw new Error('no storage')
  }
  send(to: NodeId, message: Message): void {
    this.sent.push({ to, message })
  }
  setTimer(delayMs: number, name: string, data?: unknown): TimerId {
    const id = this.nextTimer++
    this.timers.set(id, { at: this.now + delayMs, name, data })
    return id
  }
  cancelTimer(timer: TimerId): void {
    this.timers.delete(timer)
  }
  random(): number {
    return 0.25
  }
  emit(type: string, data: TraceData = {}): void {
    this.events.push({ type, data })
  }
  /** Fires every timer due by `time`, in order. */
  advanceTo(time: number): void {
    for (;;) {
      let next: [TimerId, { at: number; name: string; data: unknown }] | undefined
      for (const entry of this.timers) if (entry[1].at <= time && (!next || entry[1].at < next[1].at)) next = entry
      if (!next) break
      this.timers.delete(next[0])
      this.now = next[1].at
      this.node.onTimer(next[1].name, next[1].data)
    }
    this.now = time
  }
  /** The requests of a type sent since the last take, removed from the list. */
  take<T extends Message>(type: string): { to: NodeId; message: T }[] {
    const taken = this.sent.filter((s) => s.message.type === type) as { to: NodeId; message: T }[]
    for (const t of taken) this.sent.splice(this.sent.indexOf(t), 1)
    return taken
  }
  eventsOf(type: string): TraceData[] {
    return this.events.filter((e) => e.type === type).map((e) => e.data)
  }
}

interface Leaders {
  [partition: number]: { leader: number; epoch: number }
}

function metadataResponse(correlationId: number, leaders: Leaders) {
  return {
    type: 'MetadataResponse',
    correlationId,
    brokers: [1, 2],
    controllerId: 'controller-1',
    topics: [{
      name: 't',
      topicId: 'id-t',
      errorCode: 'NONE' as ErrorName,
      partitions: Object.entries(leaders).map(([p, l]) => ({
        partition: Number(p), errorCode: 'NONE' as ErrorName, leaderId: l.leader, leaderEpoch: l.epoch, replicas: [1, 2], isr: [1, 2], offlineReplicas: [],
      })),
    }],
  }
}

function batch(baseOffset: number, values: string[], epoch: number): RecordBatch {
  return {
    baseOffset,
    lastOffsetDelta: values.length - 1,
    partitionLeaderEpoch: epoch,
    producerId: -1,
    producerEpoch: -1,
    baseSequence: -1,
    records: values.map((value, i) => ({ offsetDelta: i, key: null, value, headers: [], timestamp: 0, sizeBytes: 10 })),
    sizeBytes: 61 + values.length * 10,
    maxTimestamp: 0,
    compression: 'none',
  }
}

function partitionAnswer(partition: number, fields: Partial<FetchPartitionResponse>): FetchPartitionResponse {
  return { topic: 't', topicId: 'id-t', partition, errorCode: 'NONE', highWatermark: 0, logStartOffset: 0, batches: [], ...fields }
}

/** A consumer whose metadata says `leaders`, with t-0 (and t-1 when led) assigned; returns the fake context. */
function start(config: Record<string, unknown> = {}, leaders: Leaders = { 0: { leader: 1, epoch: 3 } }): { ctx: FakeContext; consumer: Consumer } {
  const ctx = new FakeContext()
  const consumer = new Consumer(ctx, { bootstrapBrokers: [1], config: { 'auto.offset.reset': 'earliest', ...config } })
  ctx.node = consumer
  consumer.start()
  consumer.onCommand({ op: 'assign', partitions: Object.keys(leaders).map((p) => ({ topic: 't', partition: Number(p) })) })
  const [metadata] = ctx.take<MetadataRequest>('Metadata')
  expect(metadata).toBeDefined()
  consumer.onMessage(1, metadataResponse(metadata!.message.correlationId, leaders))
  // assign() asked for the topic while the first request was out: one more follows, after
  // the metadata backoff (retry.backoff.ms). Answer it the same, then start the test at 1000.
  ctx.advanceTo(1000)
  for (const { to, message } of ctx.take<MetadataRequest>('Metadata')) consumer.onMessage(to, metadataResponse(message.correlationId, leaders))
  return { ctx, consumer }
}

/** Answers the pending ListOffsets with offset 0 for every partition. */
function answerListOffsets(ctx: FakeContext, offset = 0): void {
  for (const { to, message } of ctx.take<ListOffsetsRequest>('ListOffsets')) {
    ctx.node.onMessage(to, {
      type: 'ListOffsetsResponse',
      correlationId: message.correlationId,
      partitions: message.partitions.map((p) => ({ topic: p.topic, partition: p.partition, errorCode: 'NONE', offset, timestamp: -1, leaderEpoch: p.currentLeaderEpoch })),
    } as Message)
  }
}

function answerFetch(ctx: FakeContext, to: NodeId, correlationId: number, partitions: FetchPartitionResponse[]): void {
  ctx.node.onMessage(to, { type: 'FetchResponse', correlationId, partitions } as Message)
}

const poll = (consumer: Consumer) => consumer.onCommand({ op: 'poll' }) as ConsumedRecord[]

describe('the requests the consumer sends', () => {
  it('ListOffsets to the leader with its epoch; OFFSET_NOT_AVAILABLE is retried after retry.backoff.ms, not before', () => {
    const { ctx, consumer } = start({ 'retry.backoff.ms': 250 })
    const [first] = ctx.take<ListOffsetsRequest>('ListOffsets')
    expect(first!.to).toBe(1)
    expect(first!.message.partitions).toEqual([{ topic: 't', partition: 0, currentLeaderEpoch: 3, timestamp: EARLIEST_TIMESTAMP }])
    consumer.onMessage(1, {
      type: 'ListOffsetsResponse',
      correlationId: first!.message.correlationId,
      partitions: [{ topic: 't', partition: 0, errorCode: 'OFFSET_NOT_AVAILABLE', offset: -1, timestamp: -1, leaderEpoch: -1 }],
    } as Message)
    ctx.advanceTo(1249)
    expect(ctx.take('ListOffsets')).toEqual([])
    ctx.advanceTo(1251)
    expect(ctx.take('ListOffsets')).toHaveLength(1)
  })

  it('Fetch: a consumer fetch (replicaId -1) with the configured sizes and wait, the leader epoch from metadata, one request per leader', () => {
    const { ctx } = start(
      { 'fetch.min.bytes': 10, 'fetch.max.wait.ms': 700, 'fetch.max.bytes': 5000, 'max.partition.fetch.bytes': 900 },
      { 0: { leader: 1, epoch: 3 }, 1: { leader: 2, epoch: 5 } },
    )
    answerListOffsets(ctx, 7)
    const fetches = ctx.take<FetchRequest>('Fetch')
    expect(fetches.map((f) => f.to).sort()).toEqual([1, 2])
    const toOne = fetches.find((f) => f.to === 1)!.message
    expect(toOne).toMatchObject({ replicaId: -1, replicaEpoch: -1, maxWaitMs: 700, minBytes: 10, maxBytes: 5000 })
    expect(toOne.partitions).toEqual([{ topic: 't', topicId: 'id-t', partition: 0, fetchOffset: 7, currentLeaderEpoch: 3, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 900 }])
    expect(fetches.find((f) => f.to === 2)!.message.partitions[0]).toMatchObject({ partition: 1, currentLeaderEpoch: 5 })
    // Nothing more while those are out (nodesWithPendingFetchRequests).
    ctx.advanceTo(5000)
    expect(ctx.take('Fetch')).toEqual([])
  })
})

describe('what the consumer does with the answers', () => {
  it('drops records at or above the high watermark the response carries, and counts them', () => {
    const { ctx, consumer } = start()
    answerListOffsets(ctx)
    const [fetch] = ctx.take<FetchRequest>('Fetch')
    answerFetch(ctx, 1, fetch!.message.correlationId, [partitionAnswer(0, { highWatermark: 2, batches: [batch(0, ['a', 'b', 'c'], 3)] })])
    expect(poll(consumer).map((r) => r.value)).toEqual(['a', 'b'])
    expect(consumer.stats.aboveHighWatermark).toBe(1)
    expect(consumer.onCommand({ op: 'position', topic: 't', partition: 0 })).toBe(2)
    expect(ctx.eventsOf('consumer-above-high-watermark')).toEqual([{ partition: 't-0', records: 1, highWatermark: 2 }])
  })

  it('skips the records of a batch before the fetch offset; the prefetch rule holds the next fetch until poll', () => {
    const { ctx, consumer } = start()
    answerListOffsets(ctx, 1)
    const [fetch] = ctx.take<FetchRequest>('Fetch')
    answerFetch(ctx, 1, fetch!.message.correlationId, [partitionAnswer(0, { highWatermark: 3, batches: [batch(0, ['a', 'b', 'c'], 3)] })])
    expect(ctx.take('Fetch')).toEqual([]) // t-0 has buffered records
    expect(poll(consumer).map((r) => [r.offset, r.value, r.leaderEpoch])).toEqual([[1, 'b', 3], [2, 'c', 3]])
    expect(ctx.take<FetchRequest>('Fetch')[0]!.message.partitions[0]!.fetchOffset).toBe(3)
  })

  for (const error of ['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'UNKNOWN_TOPIC_OR_PARTITION'] as const) {
    it(`${error}: fresh metadata, and no fetch of the partition for retry.backoff.ms`, () => {
      const { ctx } = start({ 'retry.backoff.ms': 300 })
      answerListOffsets(ctx)
      const [fetch] = ctx.take<FetchRequest>('Fetch')
      answerFetch(ctx, 1, fetch!.message.correlationId, [partitionAnswer(0, { errorCode: error, highWatermark: -1, logStartOffset: -1 })])
      ctx.advanceTo(1299)
      expect(ctx.take('Fetch')).toEqual([])
      expect(ctx.take('Metadata')).toEqual([]) // no sooner than retry.backoff.ms after the last answer (Metadata.timeToNextUpdate)
      ctx.advanceTo(1300)
      expect(ctx.take('Metadata')).toHaveLength(1)
      expect(ctx.take('Fetch')).toHaveLength(1)
    })
  }

  it('a fetch unanswered for request.timeout.ms: the partition backs off, metadata is refreshed', () => {
    const { ctx } = start({ 'request.timeout.ms': 2000, 'retry.backoff.ms': 100 })
    answerListOffsets(ctx)
    ctx.take('Fetch')
    ctx.advanceTo(2999)
    expect(ctx.take('Metadata')).toEqual([])
    ctx.advanceTo(3000)
    expect(ctx.eventsOf('consumer-fetch-timeout')).toHaveLength(1)
    expect(ctx.take('Metadata')).toHaveLength(1)
    expect(ctx.take('Fetch')).toEqual([])
    ctx.advanceTo(3101)
    expect(ctx.take('Fetch')).toHaveLength(1)
  })

  it('a new leader: the position is validated (lastFetchedEpoch) before records are returned; a diverging epoch moves it back', () => {
    const { ctx, consumer } = start()
    answerListOffsets(ctx)
    const [fetch] = ctx.take<FetchRequest>('Fetch')
    answerFetch(ctx, 1, fetch!.message.correlationId, [partitionAnswer(0, { highWatermark: 5, batches: [batch(0, ['a', 'b', 'c', 'd', 'e'], 3)] })])
    expect(poll(consumer)).toHaveLength(5)
    const [next] = ctx.take<FetchRequest>('Fetch')
    // The leader moves: broker 2, epoch 4. The fetch still out to broker 1 fails.
    answerFetch(ctx, 1, next!.message.correlationId, [partitionAnswer(0, { errorCode: 'NOT_LEADER_OR_FOLLOWER', highWatermark: -1, logStartOffset: -1 })])
    ctx.advanceTo(1100)
    const [metadata] = ctx.take<MetadataRequest>('Metadata')
    consumer.onMessage(1, metadataResponse(metadata!.message.correlationId, { 0: { leader: 2, epoch: 4 } }))
    expect(ctx.eventsOf('consumer-leader-changed')).toEqual([{ partition: 't-0', leader: 2, leaderEpoch: 4, validate: true }])
    ctx.advanceTo(1200)
    // (A retry to broker 1 went out at 1100, before the metadata answered.)
    const validating = ctx.take<FetchRequest>('Fetch').find((f) => f.to === 2)
    expect(validating!.message.partitions[0]).toMatchObject({ fetchOffset: 5, currentLeaderEpoch: 4, lastFetchedEpoch: 3 })
    // The new leader's history of epoch 3 ends at 3: offsets 3 and 4 were truncated.
    answerFetch(ctx, 2, validating!.message.correlationId, [partitionAnswer(0, { highWatermark: 3, divergingEpoch: { epoch: 3, endOffset: 3 } })])
    expect(ctx.eventsOf('consumer-truncation-detected')).toEqual([{ partition: 't-0', offset: 5, divergingEpoch: 3, endOffset: 3 }])
    expect(consumer.onCommand({ op: 'position', topic: 't', partition: 0 })).toBe(3)
    const [refetch] = ctx.take<FetchRequest>('Fetch')
    expect(refetch!.message.partitions[0]).toMatchObject({ fetchOffset: 3, lastFetchedEpoch: -1 })
  })

  it('a new leader that agrees: validation completes and the records of the same answer are returned', () => {
    const { ctx, consumer } = start()
    answerListOffsets(ctx)
    const [fetch] = ctx.take<FetchRequest>('Fetch')
    answerFetch(ctx, 1, fetch!.message.correlationId, [partitionAnswer(0, { highWatermark: 2, batches: [batch(0, ['a', 'b'], 3)] })])
    poll(consumer)
    const [next] = ctx.take<FetchRequest>('Fetch')
    ctx.advanceTo(31_000) // the fetch times out; fresh metadata says broker 2 leads now
    expect(ctx.take('Fetch')).toEqual([])
    const [metadata] = ctx.take<MetadataRequest>('Metadata')
    consumer.onMessage(1, metadataResponse(metadata!.message.correlationId, { 0: { leader: 2, epoch: 4 } }))
    ctx.advanceTo(31_200)
    const [validating] = ctx.take<FetchRequest>('Fetch')
    expect(validating!.message.partitions[0]).toMatchObject({ fetchOffset: 2, lastFetchedEpoch: 3 })
    // A late answer from the old leader is ignored.
    answerFetch(ctx, 1, next!.message.correlationId, [partitionAnswer(0, { highWatermark: 3, batches: [batch(2, ['stale'], 3)] })])
    answerFetch(ctx, 2, validating!.message.correlationId, [partitionAnswer(0, { highWatermark: 3, batches: [batch(2, ['c'], 4)] })])
    expect(ctx.eventsOf('consumer-position-validated')).toHaveLength(1)
    expect(poll(consumer).map((r) => [r.offset, r.value])).toEqual([[2, 'c']])
  })
})
