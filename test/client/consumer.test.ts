// The consumer with manual assignment (core/client/consumer/): what it reads, where it
// starts, how seek, pause and max.poll.records move it, and how it refuses bad input.
// Kafka's behaviour each test checks is named beside it (paths in apache/kafka).

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Consumer } from '../../core/client/consumer/consumer.ts'
import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import {
  addConsumer,
  addWriter,
  byPartition,
  clientError,
  cluster,
  command,
  committed,
  leaderOf,
  pollUntil,
  produce,
  recordEvents,
} from './consumer-support.ts'

const T0 = { topic: 't', partition: 0 }
const T1 = { topic: 't', partition: 1 }

function setup(seed: number, options: { partitions?: number; config?: Record<string, unknown>; brokerConfig?: Record<string, unknown>; rf?: number } = {}) {
  const c = cluster({ seed, brokers: 3, config: options.brokerConfig ?? {} })
  c.createTopic('t', { partitions: options.partitions ?? 2, replicationFactor: options.rf ?? 3 })
  addWriter(c, 'w')
  const consumer = addConsumer(c, 'c', { config: { 'auto.offset.reset': 'earliest', ...options.config } })
  return { c, consumer }
}

const offsets = (records: readonly ConsumedRecord[]) => records.map((r) => r.offset)
const values = (records: readonly { value: string | null }[]) => records.map((r) => r.value)

describe('reading', () => {
  it('reads every committed record once, in offset order per partition (fast-check over batches and max.poll.records)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.record({ partition: fc.integer({ min: 0, max: 1 }), size: fc.integer({ min: 1, max: 6 }), gapMs: fc.integer({ min: 0, max: 40 }) }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 7 }),
        (seed, batches, maxPollRecords) => {
          const { c } = setup(seed, { config: { 'max.poll.records': maxPollRecords } })
          command(c, 'c', { op: 'assign', partitions: [T0, T1] })
          const got: ConsumedRecord[] = []
          let sent = 0
          batches.forEach((batch, i) => {
            produce(c, 'w', 't', batch.partition, Array.from({ length: batch.size }, (_, j) => `b${i}-${j}`))
            sent += batch.size
            c.advance(batch.gapMs)
            const polled = command<ConsumedRecord[]>(c, 'c', { op: 'poll' })
            expect(polled.length).toBeLessThanOrEqual(maxPollRecords)
            got.push(...polled)
          })
          got.push(...pollUntil(c, 'c', sent - got.length, 10_000))
          const mine = byPartition(got)
          for (const p of [0, 1]) {
            const log = committed(c, 't', p)
            const read = mine.get(`t-${p}`) ?? []
            expect(offsets(read)).toEqual(log.map((r) => r.offset))
            expect(values(read)).toEqual(values(log))
            expect(read.map((r) => r.leaderEpoch)).toEqual(log.map((r) => r.leaderEpoch))
          }
          expect(got.length).toBe(sent)
        },
      ),
      { numRuns: 8, seed: 20240611 },
    )
  })

  it('never returns a record at or above the high watermark: appended but uncommitted records wait for the HW', () => {
    // min.insync.replicas=2 on RF=2: with the follower cut off, acks=1 records are appended on
    // the leader but the HW cannot pass them (Partition.maybeIncrementLeaderHW).
    const c = cluster({ seed: 7, brokers: 2, config: { 'min.insync.replicas': 2 } })
    c.createTopic('t', { partitions: 1, replicationFactor: 2 })
    addWriter(c, 'w')
    const consumer = addConsumer(c, 'c', { config: { 'auto.offset.reset': 'earliest' } })
    command(c, 'c', { op: 'assign', partitions: [T0] })
    expect(produce(c, 'w', 't', 0, ['a', 'b']).status).toBe('acked')
    expect(values(pollUntil(c, 'c', 2, 5000))).toEqual(['a', 'b'])

    const leader = leaderOf(c, 't', 0)
    const follower = c.brokerIds.find((b) => b !== leader)!
    c.block(follower, leader) // the follower's fetches no longer reach the leader
    expect(produce(c, 'w', 't', 0, ['c', 'd', 'e'], 1).status).toBe('acked') // acks=1: appended on the leader only
    const log = c.brokerNode(leader)!.partitions.get('t-0')!.log
    expect(log.logEndOffset).toBe(5)
    expect(log.highWatermark).toBe(2)

    expect(pollUntil(c, 'c', 1, 8000)).toEqual([])
    expect(consumer().stats.aboveHighWatermark).toBe(0)
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(2)

    // Healed, the follower fetches again (once its lost request times out), the HW moves and the records become visible.
    c.heal()
    const late = pollUntil(c, 'c', 3, 60_000, 50)
    expect(values(late)).toEqual(['c', 'd', 'e'])
    expect(offsets(late)).toEqual([2, 3, 4])
    expect(consumer().stats.aboveHighWatermark).toBe(0)
  })
})

describe('where a partition starts (auto.offset.reset, SubscriptionState.resetInitializingPositions)', () => {
  it('earliest starts at the log start offset', () => {
    const { c } = setup(11)
    produce(c, 'w', 't', 0, ['a', 'b', 'c'])
    command(c, 'c', { op: 'assign', partitions: [T0] })
    expect(command(c, 'c', { op: 'position', ...T0 })).toBeNull() // being looked up (ListOffsets)
    expect(values(pollUntil(c, 'c', 3, 5000))).toEqual(['a', 'b', 'c'])
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(3)
  })

  it('latest starts at the high watermark: only what is written after is read', () => {
    const { c } = setup(12, { config: { 'auto.offset.reset': 'latest' } })
    const resets = recordEvents(c, 'c', 'consumer-offset-reset')
    produce(c, 'w', 't', 0, ['old-1', 'old-2'])
    command(c, 'c', { op: 'assign', partitions: [T0] })
    c.advance(500)
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(2)
    expect(resets.map((r) => r.data)).toEqual([{ partition: 't-0', strategy: 'latest', offset: 2 }])
    produce(c, 'w', 't', 0, ['new'])
    const got = pollUntil(c, 'c', 1, 5000)
    expect(values(got)).toEqual(['new'])
    expect(offsets(got)).toEqual([2])
  })

  it('none: poll and position throw NoOffsetForPartitionException until a seek gives the partition a position', () => {
    const { c } = setup(13, { config: { 'auto.offset.reset': 'none' } })
    produce(c, 'w', 't', 0, ['a', 'b'])
    command(c, 'c', { op: 'assign', partitions: [T0, T1] })
    c.advance(500)
    const message = clientError(() => command(c, 'c', { op: 'poll' }), 'NoOffsetForPartitionException')
    expect(message).toBe('NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [t-0, t-1]')
    clientError(() => command(c, 'c', { op: 'poll' }), 'NoOffsetForPartitionException') // again, as Kafka
    clientError(() => command(c, 'c', { op: 'position', ...T0 }), 'NoOffsetForPartitionException')
    command(c, 'c', { op: 'seek', ...T0, offset: 1 })
    expect(clientError(() => command(c, 'c', { op: 'poll' }), 'NoOffsetForPartitionException')).toContain('[t-1]')
    command(c, 'c', { op: 'seek', ...T1, offset: 0 })
    expect(values(pollUntil(c, 'c', 1, 5000))).toEqual(['b'])
  })

  it('none in the application loop: the error is traced and the partition is stopped; the others go on', () => {
    const c = cluster({ seed: 14, brokers: 3 })
    c.createTopic('t', { partitions: 1, replicationFactor: 3 })
    addWriter(c, 'w')
    produce(c, 'w', 't', 0, ['a'])
    const errors = recordEvents(c, 'app', 'consumer-error')
    const app = addConsumer(c, 'app', { config: { 'auto.offset.reset': 'none' }, assignment: [T0], app: { pollIntervalMs: 100, processingMsPerRecord: 1 } })
    c.advance(1000)
    expect(errors.map((e) => e.data)).toEqual([
      { exception: 'NoOffsetForPartitionException', message: 'NoOffsetForPartitionException: Undefined offset with no reset policy for partitions: [t-0]', partitions: ['t-0'] },
    ])
    expect(app().appErrors.map((e) => e.partitions)).toEqual([['t-0']])
    expect(command(c, 'app', { op: 'assignment' })).toEqual([])
  })
})

describe('seek, seekToBeginning, seekToEnd, pause, resume (KafkaConsumer)', () => {
  it('seek moves the next poll to the offset; seekToBeginning to the log start; seekToEnd to the HW', () => {
    const { c } = setup(21)
    produce(c, 'w', 't', 0, Array.from({ length: 10 }, (_, i) => `v${i}`))
    command(c, 'c', { op: 'assign', partitions: [T0] })
    expect(pollUntil(c, 'c', 10, 5000)).toHaveLength(10)

    command(c, 'c', { op: 'seek', ...T0, offset: 7 })
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(7)
    expect(offsets(pollUntil(c, 'c', 3, 5000))).toEqual([7, 8, 9])

    command(c, 'c', { op: 'seekToBeginning', partitions: [T0] })
    expect(offsets(pollUntil(c, 'c', 10, 5000))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])

    command(c, 'c', { op: 'seek', ...T0, offset: 2 })
    command(c, 'c', { op: 'seekToEnd' }) // no partitions: all assigned
    // Its ListOffsets waits behind the fetch parked at the leader (one request at a time per
    // connection), up to fetch.max.wait.ms.
    c.advance(600)
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(10)
    expect(pollUntil(c, 'c', 1, 1000)).toEqual([])
    produce(c, 'w', 't', 0, ['after'])
    expect(offsets(pollUntil(c, 'c', 1, 5000))).toEqual([10])
  })

  it('a seek beyond the log end is out of range and reset per auto.offset.reset', () => {
    const { c } = setup(22)
    const outOfRange = recordEvents(c, 'c', 'consumer-offset-out-of-range')
    produce(c, 'w', 't', 0, ['a', 'b'])
    command(c, 'c', { op: 'assign', partitions: [T0] })
    command(c, 'c', { op: 'seek', ...T0, offset: 50 })
    expect(values(pollUntil(c, 'c', 2, 5000))).toEqual(['a', 'b']) // earliest
    expect(outOfRange.map((e) => e.data)).toEqual([{ partition: 't-0', offset: 50, logStartOffset: 0, action: 'reset to earliest' }])
  })

  it('a response for a position that moved meanwhile is dropped (AbstractFetch: stale fetch)', () => {
    const { c, consumer } = setup(23, { config: { 'fetch.max.wait.ms': 500 } })
    produce(c, 'w', 't', 0, Array.from({ length: 10 }, (_, i) => `v${i}`))
    command(c, 'c', { op: 'assign', partitions: [T0] })
    expect(pollUntil(c, 'c', 10, 5000)).toHaveLength(10)
    // The poll that drained the buffer sent the next fetch (offset 10), which the leader now
    // parks for up to fetch.max.wait.ms. Seek back while it is out.
    command(c, 'c', { op: 'seek', ...T0, offset: 4 })
    const dropped = consumer().stats.staleDropped
    expect(offsets(pollUntil(c, 'c', 6, 5000))).toEqual([4, 5, 6, 7, 8, 9])
    expect(consumer().stats.staleDropped).toBe(dropped + 1)
  })

  it('pause stops one partition without moving it; what was fetched waits for resume', () => {
    const { c, consumer } = setup(24)
    command(c, 'c', { op: 'assign', partitions: [T0, T1] })
    c.advance(300)
    produce(c, 'w', 't', 0, ['p0-a'])
    c.advance(50) // fetched and buffered, not yet polled
    expect(consumer().snapshot()).toMatchObject({ assignment: [{ partition: 't-0', buffered: 1 }, { partition: 't-1', buffered: 0 }] })
    command(c, 'c', { op: 'pause', partitions: [T0] })
    produce(c, 'w', 't', 0, ['p0-b'])
    produce(c, 'w', 't', 1, ['p1-a'])
    const whilePaused = pollUntil(c, 'c', 5, 1000)
    expect(values(whilePaused)).toEqual(['p1-a'])
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(0)
    command(c, 'c', { op: 'resume', partitions: [T0] })
    expect(values(pollUntil(c, 'c', 2, 5000))).toEqual(['p0-a', 'p0-b'])
  })

  it('max.poll.records bounds each poll; the position follows what was returned', () => {
    const { c, consumer } = setup(25, { config: { 'max.poll.records': 10 } })
    produce(c, 'w', 't', 0, Array.from({ length: 25 }, (_, i) => `v${i}`))
    command(c, 'c', { op: 'assign', partitions: [T0] })
    c.advance(300)
    expect(consumer().snapshot()).toMatchObject({ assignment: [{ buffered: 25 }] })
    const sizes: number[] = []
    const positions: unknown[] = []
    for (let i = 0; i < 3; i++) {
      sizes.push(command<ConsumedRecord[]>(c, 'c', { op: 'poll' }).length)
      positions.push(command(c, 'c', { op: 'position', ...T0 }))
    }
    expect(sizes).toEqual([10, 10, 5])
    expect(positions).toEqual([10, 20, 25])
  })

  it('reassigning keeps the positions of partitions kept; an empty assignment unsubscribes', () => {
    const { c } = setup(26)
    produce(c, 'w', 't', 0, ['a', 'b'])
    command(c, 'c', { op: 'assign', partitions: [T0] })
    pollUntil(c, 'c', 2, 5000)
    expect(command(c, 'c', { op: 'assign', partitions: [T1, T0] })).toEqual([T0, T1])
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(2)
    command(c, 'c', { op: 'assign', partitions: [] })
    expect(command(c, 'c', { op: 'assignment' })).toEqual([])
    expect(clientError(() => command(c, 'c', { op: 'poll' }), 'IllegalStateException')).toContain('Consumer is not subscribed to any topics or assigned any partitions')
  })
})

describe('bad input: a ClientError named after the Java exception, and nothing changed', () => {
  function ready(): { c: ReturnType<typeof setup>['c']; consumer: () => Consumer } {
    const { c, consumer } = setup(31)
    produce(c, 'w', 't', 0, ['a', 'b', 'c'])
    command(c, 'c', { op: 'assign', partitions: [T0] })
    pollUntil(c, 'c', 3, 5000)
    return { c, consumer }
  }

  it('seek: a negative offset, an offset that is not an integer, an unassigned partition', () => {
    const { c } = ready()
    expect(clientError(() => command(c, 'c', { op: 'seek', ...T0, offset: -1 }), 'IllegalArgumentException')).toBe('IllegalArgumentException: seek offset must not be a negative number')
    clientError(() => command(c, 'c', { op: 'seek', ...T0, offset: 1.5 }), 'IllegalArgumentException')
    expect(clientError(() => command(c, 'c', { op: 'seek', ...T1, offset: 0 }), 'IllegalStateException')).toBe('IllegalStateException: No current assignment for partition t-1')
    expect(clientError(() => command(c, 'c', { op: 'seek', topic: '', partition: 0, offset: 0 }), 'IllegalStateException')).toBe('IllegalStateException: No current assignment for partition -0')
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(3)
  })

  it('assign: an empty topic (IllegalArgumentException, as KafkaConsumer.assign), an illegal name (InvalidTopicException), a bad partition; the assignment stays', () => {
    const { c } = ready()
    expect(clientError(() => command(c, 'c', { op: 'assign', partitions: [T1, { topic: '', partition: 0 }] }), 'IllegalArgumentException'))
      .toBe('IllegalArgumentException: Topic partitions to assign to cannot have null or empty topic')
    expect(clientError(() => command(c, 'c', { op: 'assign', partitions: [{ topic: 'a b', partition: 0 }] }), 'InvalidTopicException')).toContain('Topic name "a b" is illegal')
    clientError(() => command(c, 'c', { op: 'assign', partitions: [{ topic: '..', partition: 0 }] }), 'InvalidTopicException')
    clientError(() => command(c, 'c', { op: 'assign', partitions: [{ topic: 't', partition: -1 }] }), 'IllegalArgumentException')
    clientError(() => command(c, 'c', { op: 'assign', partitions: 't-0' as never }), 'IllegalArgumentException')
    expect(command(c, 'c', { op: 'assignment' })).toEqual([T0])
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(3)
  })

  it('pause, resume, seekToBeginning, position with a partition not assigned; unknown commands', () => {
    const { c, consumer } = ready()
    expect(clientError(() => command(c, 'c', { op: 'pause', partitions: [T0, T1] }), 'IllegalStateException')).toBe('IllegalStateException: No current assignment for partition t-1')
    expect(consumer().snapshot()).toMatchObject({ assignment: [{ partition: 't-0', paused: false }] }) // t-0 was not paused either
    clientError(() => command(c, 'c', { op: 'resume', partitions: [T1] }), 'IllegalStateException')
    clientError(() => command(c, 'c', { op: 'seekToBeginning', partitions: [T0, T1] }), 'IllegalStateException')
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(3) // not reset
    expect(clientError(() => command(c, 'c', { op: 'position', ...T1 }), 'IllegalStateException')).toBe('IllegalStateException: You can only check the position for partitions assigned to this consumer.')
    clientError(() => command(c, 'c', { op: 'no-such-op' } as never), 'IllegalArgumentException')
    // subscribe is a command now (consumer groups); without a group.id it is Kafka's InvalidGroupIdException.
    clientError(() => command(c, 'c', { op: 'subscribe', topics: ['t'] }), 'InvalidGroupIdException')
    clientError(() => c.sim.command('c', null), 'IllegalArgumentException')
  })

  it('a bad config is refused when the node is built (INVALID_CONFIG, naming the key)', () => {
    const c = cluster({ seed: 32, brokers: 1 })
    expect(() => addConsumer(c, 'bad', { config: { 'max.poll.records': 0 } })).toThrow(/max\.poll\.records/)
    expect(() => addConsumer(c, 'bad2', { config: { 'auto.offset.reset': 'smallest' } })).toThrow(/auto\.offset\.reset/)
    expect(() => addConsumer(c, 'bad3', { app: { pollIntervalMs: 0, processingMsPerRecord: 1 } })).toThrow(/pollIntervalMs/)
  })
})
