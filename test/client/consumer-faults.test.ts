// The consumer under faults and load: leader failover (no gap, no duplicate), log
// truncation detected after an unclean election (KIP-320), positions deleted by retention
// (OFFSET_OUT_OF_RANGE), fetch.min.bytes and fetch.max.wait.ms shaping the fetches, the
// application loop, and determinism.

import { describe, expect, it } from 'vitest'
import type { ConsumedRecord } from '../../core/client/consumer/consumer.ts'
import { Producer } from '../../core/client/producer/producer.ts'
import type { Cluster } from '../../sim/cluster.ts'
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
  send,
} from './consumer-support.ts'

const T0 = { topic: 't', partition: 0 }
const T1 = { topic: 't', partition: 1 }

/** Watches a consumer's fetches: never two in flight to one broker (AbstractFetch's nodesWithPendingFetchRequests). */
function watchInFlight(c: Cluster, node: string): { max: () => number } {
  const inFlight = new Map<number, Set<number>>()
  let max = 0
  c.trace.subscribe((r) => {
    if (r.node !== node) return
    const data = r.data as { broker?: number; correlationId?: number }
    if (r.type === 'consumer-fetch') {
      const set = inFlight.get(data.broker!) ?? new Set()
      set.add(data.correlationId!)
      inFlight.set(data.broker!, set)
      max = Math.max(max, set.size)
    } else if (r.type === 'consumer-fetch-response' || r.type === 'consumer-fetch-timeout') {
      inFlight.get(data.broker!)?.delete(data.correlationId!)
    }
  })
  return { max: () => max }
}

describe('leader failover with acks=all', () => {
  it('consumption continues on the new leader with no gap and no duplicate', () => {
    const c = cluster({ seed: 41, brokers: 3, config: { 'min.insync.replicas': 2 } })
    c.createTopic('t', { partitions: 2, replicationFactor: 3 })
    addWriter(c, 'w', { requestTimeoutMs: 2000 })
    const consumer = addConsumer(c, 'c', { config: { 'auto.offset.reset': 'earliest', 'request.timeout.ms': 3000 } })
    const inFlight = watchInFlight(c, 'c')
    const leaderChanges = recordEvents(c, 'c', 'consumer-leader-changed')
    const validated = recordEvents(c, 'c', 'consumer-position-validated')
    command(c, 'c', { op: 'assign', partitions: [T0, T1] })

    const victim = leaderOf(c, 't', 0)
    const requests: number[] = []
    const got: ConsumedRecord[] = []
    // 50 records a second for 24 s; t-0's leader crashes at 2 s (fenced, and its partitions
    // moved, after broker.session.timeout.ms) and comes back at 16 s.
    for (let i = 0; i < 1200; i++) {
      requests.push(send(c, 'w', 't', i % 2, [`r${i}`]))
      c.advance(20)
      got.push(...command<ConsumedRecord[]>(c, 'c', { op: 'poll' }))
      if (i === 100) c.crashBroker(victim)
      if (i === 800) c.restartBroker(victim)
    }
    c.advance(5000)
    got.push(...pollUntil(c, 'c', 1, 3000))
    expect(leaderOf(c, 't', 0)).not.toBe(-1)

    const acked = requests.map((id) => c.rawClient('w').produces[id]!).filter((o) => o.status === 'acked')
    expect(acked.length).toBeGreaterThan(600)
    const mine = byPartition(got)
    for (const p of [0, 1]) {
      const log = committed(c, 't', p)
      const read = mine.get(`t-${p}`) ?? []
      // Every committed record once, in order: no gap, no duplicate.
      expect(read.map((r) => r.offset)).toEqual(log.map((r) => r.offset))
      expect(read.map((r) => r.value)).toEqual(log.map((r) => r.value))
      expect(read.map((r) => r.offset)).toEqual(Array.from({ length: read.length }, (_, i) => i))
    }
    // Every acknowledged record was read.
    const readValues = new Set(got.map((r) => r.value))
    for (const outcome of acked) expect(readValues.has(outcome.values[0]!)).toBe(true)
    // The consumer saw t-0's leader move, validated its position on the new leader, and read records of the new epoch.
    expect(leaderChanges.some((e) => (e.data as { partition: string }).partition === 't-0')).toBe(true)
    expect(validated.some((e) => (e.data as { partition: string }).partition === 't-0')).toBe(true)
    expect(new Set((mine.get('t-0') ?? []).map((r) => r.leaderEpoch)).size).toBeGreaterThan(1)
    expect(consumer().stats.timeouts).toBeGreaterThan(0) // the fetch parked on the crashed leader was never answered
    expect(consumer().stats.aboveHighWatermark).toBe(0)
    expect(inFlight.max()).toBe(1)
  })
  it('with the idempotent producer (acks=all, retries): every acknowledged record is read once, in order', () => {
    const c = cluster({ seed: 42, brokers: 3, config: { 'min.insync.replicas': 2 } })
    c.createTopic('t', { partitions: 3, replicationFactor: 3 })
    c.sim.addNode('p', (ctx) => new Producer(ctx, { bootstrapBrokers: c.brokerIds, config: { acks: 'all', 'request.timeout.ms': 3000 } }))
    const app = addConsumer(c, 'app', {
      config: { 'auto.offset.reset': 'earliest', 'request.timeout.ms': 3000 },
      assignment: [0, 1, 2].map((partition) => ({ topic: 't', partition })),
      app: { pollIntervalMs: 50, processingMsPerRecord: 0.5 },
    })
    const victim = leaderOf(c, 't', 0)
    for (let i = 0; i < 400; i++) {
      c.sim.command('p', { op: 'send', records: [{ topic: 't', key: `k${i % 17}`, value: `v${i}` }] })
      c.advance(25)
      if (i === 100) c.crashBroker(victim)
      if (i === 300) c.restartBroker(victim)
    }
    const producer = c.sim.instanceOf<Producer>('p')!
    c.sim.runUntil(() => producer.outcomes.every((o) => o.status !== 'pending'), { timeoutMs: 150_000, describe: () => 'records still pending' })
    c.advance(5000)
    const acked = producer.outcomes.filter((o) => o.status === 'acked')
    expect(acked.length).toBeGreaterThan(300)
    const mine = byPartition(app().consumed)
    for (const p of [0, 1, 2]) {
      const read = mine.get(`t-${p}`) ?? []
      expect(read.map((r) => r.offset)).toEqual(committed(c, 't', p).map((r) => r.offset))
      expect(read.map((r) => r.offset)).toEqual(Array.from({ length: read.length }, (_, i) => i))
      // Each acknowledged record is at the offset its acknowledgement named.
      for (const o of acked.filter((a) => a.partition === p)) expect(read[o.offset!]?.value).toBe(o.value)
    }
  })
})

describe('log truncation below the position (KIP-320, SubscriptionState.maybeCompleteValidation)', () => {
  /**
   * RF=2, min.insync.replicas=1, unclean elections on: the follower is cut off and drops out
   * of the ISR, the leader alone commits records the consumer reads, then dies; the stale
   * follower is elected uncleanly and does not have them.
   */
  function uncleanElection(seed: number, reset: string): { c: Cluster; survivorEnd: number } {
    const c = cluster({ seed, brokers: 2, config: { 'unclean.leader.election.enable': true } })
    c.createTopic('t', { partitions: 1, replicationFactor: 2 })
    addWriter(c, 'w', { requestTimeoutMs: 2000 })
    addConsumer(c, 'c', { config: { 'auto.offset.reset': reset, 'request.timeout.ms': 3000 } })
    command(c, 'c', { op: 'assign', partitions: [T0] })
    command(c, 'c', { op: 'seek', ...T0, offset: 0 })
    expect(produce(c, 'w', 't', 0, ['a', 'b']).status).toBe('acked')
    expect(pollUntil(c, 'c', 2, 5000)).toHaveLength(2)

    const leader = leaderOf(c, 't', 0)
    const follower = c.brokerIds.find((b) => b !== leader)!
    c.isolate(follower)
    c.advance(12_000) // the follower is fenced and leaves the ISR: the leader commits alone
    expect(c.snapshot().topics.t!.partitions['0']!.isr).toEqual([leader])
    expect(produce(c, 'w', 't', 0, ['x', 'y', 'z']).status).toBe('acked')
    expect(pollUntil(c, 'c', 3, 5000).map((r) => r.value)).toEqual(['x', 'y', 'z'])
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(5)

    c.crashBroker(leader)
    c.heal()
    c.sim.runUntil(() => leaderOf(c, 't', 0) === follower, { timeoutMs: 30_000, describe: () => 'no unclean election yet' })
    c.advance(100) // the controller decided; the broker learns it a moment later
    const survivorEnd = c.brokerNode(follower)!.partitions.get('t-0')!.log.logEndOffset
    expect(survivorEnd).toBe(2)
    addWriter(c, 'w2', { bootstrapBrokers: [follower] }) // a writer that asks the live broker (the raw client never retries)
    return { c, survivorEnd }
  }

  it('with a reset policy the position goes back to where the logs diverge; the new records are read, none twice', () => {
    const { c, survivorEnd } = uncleanElection(51, 'earliest')
    const detected = recordEvents(c, 'c', 'consumer-truncation-detected')
    expect(produce(c, 'w2', 't', 0, ['n1', 'n2']).status).toBe('acked')
    const after = pollUntil(c, 'c', 2, 20_000)
    expect(after.map((r) => [r.offset, r.value])).toEqual([[2, 'n1'], [3, 'n2']])
    expect(detected).toHaveLength(1)
    expect(detected[0]!.data).toMatchObject({ partition: 't-0', offset: 5, endOffset: survivorEnd })
    // Without the validation, offset 5 would be out of range on the new leader and earliest
    // would read the whole log again from 0.
  })

  it('with auto.offset.reset=none poll throws (LogTruncationException, an OffsetOutOfRangeException)', () => {
    const { c } = uncleanElection(52, 'none')
    // The consumer learns of the new leader once its fetch to the crashed one times out.
    c.advance(15_000)
    const message = clientError(() => command(c, 'c', { op: 'poll' }), 'OffsetOutOfRangeException')
    expect(message).toContain('Truncated partitions detected with divergent offsets {t-0=OffsetAndMetadata{offset=2')
    command(c, 'c', { op: 'seek', ...T0, offset: 2 })
    expect(produce(c, 'w2', 't', 0, ['n1']).status).toBe('acked')
    expect(pollUntil(c, 'c', 1, 10_000).map((r) => r.value)).toEqual(['n1'])
  })
})

describe('a position deleted by retention (OFFSET_OUT_OF_RANGE, FetchCollector.handleInitializeErrors)', () => {
  const SEGMENT = 1024 * 1024 // segment.bytes' minimum
  const big = (i: number) => `${i}:`.padEnd(100_000, 'x')

  function retained(seed: number, reset: string): { c: Cluster; logStart: number; highWatermark: number } {
    const c = cluster({ seed, brokers: 1, config: { 'log.retention.check.interval.ms': 1000 } })
    c.createTopic('t', { partitions: 1, replicationFactor: 1, config: { 'segment.bytes': SEGMENT, 'retention.bytes': SEGMENT } })
    addWriter(c, 'w')
    addConsumer(c, 'c', { config: { 'auto.offset.reset': reset } })
    command(c, 'c', { op: 'assign', partitions: [T0] })
    command(c, 'c', { op: 'seek', ...T0, offset: 0 })
    command(c, 'c', { op: 'pause', partitions: [T0] }) // nothing fetched yet: offset 0 waits
    for (let i = 0; i < 40; i++) expect(produce(c, 'w', 't', 0, [big(i)]).status).toBe('acked')
    c.advance(35_000) // retention first runs log.initial.task.delay.ms (30 s) after the broker started
    const log = c.brokerNode(1)!.partitions.get('t-0')!.log
    expect(log.logStartOffset).toBeGreaterThan(0)
    return { c, logStart: log.logStartOffset, highWatermark: log.highWatermark }
  }

  it('earliest: the position resets to the new log start offset', () => {
    const { c, logStart, highWatermark } = retained(61, 'earliest')
    const outOfRange = recordEvents(c, 'c', 'consumer-offset-out-of-range')
    command(c, 'c', { op: 'resume', partitions: [T0] })
    const got = pollUntil(c, 'c', highWatermark - logStart, 10_000)
    expect(got.map((r) => r.offset)).toEqual(Array.from({ length: highWatermark - logStart }, (_, i) => logStart + i))
    expect(got[0]!.value).toBe(big(logStart))
    expect(outOfRange.map((e) => e.data)).toEqual([{ partition: 't-0', offset: 0, logStartOffset: logStart, action: 'reset to earliest' }])
  })

  it('latest: the position resets to the high watermark', () => {
    const { c, highWatermark } = retained(62, 'latest')
    command(c, 'c', { op: 'resume', partitions: [T0] })
    c.advance(500)
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(highWatermark)
    expect(pollUntil(c, 'c', 1, 1000)).toEqual([])
  })

  it('none: poll throws OffsetOutOfRangeException on every call until a seek', () => {
    const { c, logStart } = retained(63, 'none')
    command(c, 'c', { op: 'resume', partitions: [T0] })
    c.advance(500)
    const message = clientError(() => command(c, 'c', { op: 'poll' }), 'OffsetOutOfRangeException')
    expect(message).toMatch(/^OffsetOutOfRangeException: Fetch position FetchPosition\{offset=0, .*\} is out of range for partition t-0$/)
    clientError(() => command(c, 'c', { op: 'poll' }), 'OffsetOutOfRangeException')
    expect(command(c, 'c', { op: 'position', ...T0 })).toBe(0)
    command(c, 'c', { op: 'seek', ...T0, offset: logStart })
    expect(pollUntil(c, 'c', 1, 5000)[0]!.offset).toBe(logStart)
  })
})

describe('fetch.min.bytes and fetch.max.wait.ms shape the fetches (the broker parks a fetch: DelayedFetch)', () => {
  function idleFetches(maxWaitMs: number): number {
    const c = cluster({ seed: 71, brokers: 1 })
    c.createTopic('t', { partitions: 1, replicationFactor: 1 })
    addConsumer(c, 'c', { config: { 'fetch.max.wait.ms': maxWaitMs } })
    command(c, 'c', { op: 'assign', partitions: [T0] })
    c.advance(1000)
    const fetches = recordEvents(c, 'c', 'consumer-fetch')
    c.advance(10_000)
    return fetches.length
  }

  it('an idle partition is asked about once per fetch.max.wait.ms', () => {
    expect(idleFetches(500)).toBeGreaterThanOrEqual(19)
    expect(idleFetches(500)).toBeLessThanOrEqual(21)
    expect(idleFetches(2000)).toBeGreaterThanOrEqual(4)
    expect(idleFetches(2000)).toBeLessThanOrEqual(6)
  })

  function trickle(minBytes: number): { fetches: number; records: number; perResponse: number[] } {
    const c = cluster({ seed: 72, brokers: 1 })
    c.createTopic('t', { partitions: 1, replicationFactor: 1 })
    addWriter(c, 'w')
    addConsumer(c, 'c', { config: { 'fetch.min.bytes': minBytes, 'fetch.max.wait.ms': 5000 } })
    command(c, 'c', { op: 'assign', partitions: [T0] })
    c.advance(1000)
    const fetches = recordEvents(c, 'c', 'consumer-fetch')
    const responses = recordEvents(c, 'c', 'consumer-fetch-response')
    const got: ConsumedRecord[] = []
    for (let i = 0; i < 100; i++) {
      send(c, 'w', 't', 0, [`record-${String(i).padStart(4, '0')}`], 1)
      c.advance(20)
      // Polling as it goes: a partition with records not yet polled is not fetched again.
      got.push(...command<ConsumedRecord[]>(c, 'c', { op: 'poll' }))
    }
    got.push(...pollUntil(c, 'c', 100 - got.length, 10_000, 100))
    return { fetches: fetches.length, records: got.length, perResponse: responses.map((r) => (r.data as { records: number }).records).filter((n) => n > 0) }
  }

  it('fetch.min.bytes makes the leader hold a fetch until that much is readable: fewer, fuller fetches', () => {
    const eager = trickle(1)
    const patient = trickle(2000)
    expect(eager.records).toBe(100)
    expect(patient.records).toBe(100)
    expect(eager.fetches).toBeGreaterThan(80) // about one per record
    expect(patient.fetches).toBeLessThan(15)
    expect(Math.min(...patient.perResponse.slice(0, -1))).toBeGreaterThan(10)
  })
})

describe('the application loop', () => {
  it('polls every pollIntervalMs, or once the last records are processed; records and traces every poll', () => {
    const c = cluster({ seed: 81, brokers: 3 })
    c.createTopic('t', { partitions: 2, replicationFactor: 3 })
    addWriter(c, 'w')
    const polls = recordEvents(c, 'app', 'consumer-poll')
    const app = addConsumer(c, 'app', {
      config: { 'auto.offset.reset': 'earliest', 'max.poll.records': 20 },
      assignment: [T0, T1],
      app: { pollIntervalMs: 100, processingMsPerRecord: 10 },
    })
    produce(c, 'w', 't', 0, Array.from({ length: 60 }, (_, i) => `a${i}`))
    produce(c, 'w', 't', 1, Array.from({ length: 30 }, (_, i) => `b${i}`))
    c.advance(10_000)
    const consumed = app().consumed
    expect(consumed).toHaveLength(90)
    const mine = byPartition(consumed)
    expect(mine.get('t-0')!.map((r) => r.value)).toEqual(committed(c, 't', 0).map((r) => r.value))
    expect(mine.get('t-1')!.map((r) => r.value)).toEqual(committed(c, 't', 1).map((r) => r.value))
    const events = polls.map((p) => ({ time: p.time, ...(p.data as { records: number; processingMs: number; partitions: Record<string, number[]> }) }))
    expect(events.every((e) => e.records <= 20 && e.processingMs === e.records * 10)).toBe(true)
    expect(events.reduce((n, e) => n + e.records, 0)).toBe(90)
    // A single-threaded loop: no poll before the previous poll's records were processed.
    for (let i = 1; i < events.length; i++) expect(events[i]!.time - events[i - 1]!.time).toBeGreaterThanOrEqual(Math.max(100, events[i - 1]!.processingMs) - 1e-9)
    expect(Object.values(events[0]!.partitions)[0]).toHaveLength(3) // [first, last, count]
  })

  it('the same seed gives the same run, event for event (trace hash)', () => {
    function run(): string {
      const c = cluster({ seed: 91, brokers: 3 })
      c.createTopic('t', { partitions: 2, replicationFactor: 3 })
      addWriter(c, 'w')
      addConsumer(c, 'app', { config: { 'auto.offset.reset': 'earliest' }, assignment: [T0, T1], app: { pollIntervalMs: 50, processingMsPerRecord: 2 } })
      for (let i = 0; i < 20; i++) {
        send(c, 'w', 't', i % 2, [`v${i}`])
        c.advance(30)
      }
      c.crashBroker(leaderOf(c, 't', 0))
      c.advance(20_000)
      return c.trace.hash()
    }
    expect(run()).toBe(run())
  })
})
