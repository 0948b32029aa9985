// The replication benchmark's workload and report, at small scale: the producer's load is
// exact, every acknowledged record ends up on all three replicas, the run is
// deterministic, and the report has its shape. No test here asserts a speed: speed is
// measured by `npm run bench -- replication` and reported, not tested.

import { describe, expect, it } from 'vitest'
import type { Broker } from '../core/broker/broker.ts'
import {
  BENCH_PRODUCER_ID,
  BENCH_TOPIC,
  REPLICATION_BENCH_DEFAULTS,
  benchReplication,
  checkReplicas,
  runReplicationWorkload,
  setupReplicationWorkload,
  type ReplicationBenchOptions,
  type ReplicationRun,
} from '../sim/bench/replication.ts'

/** 2 simulated seconds at 5,000 records/s: 10,000 records of 1 KiB, 400 linger ticks. */
const SMALL: ReplicationBenchOptions = { ...REPLICATION_BENCH_DEFAULTS, recordsPerSec: 5_000, durationMs: 2_000, warmupMs: 0 }

function run(options: ReplicationBenchOptions): ReplicationRun {
  return runReplicationWorkload(setupReplicationWorkload(options))
}

function localLog(r: ReplicationRun, broker: number, partition: number) {
  const local = r.cluster.sim.instanceOf<Broker>(broker)?.partitions.get(`${BENCH_TOPIC}-${partition}`)
  if (!local) throw new Error(`${BENCH_TOPIC}-${partition} is not on broker ${broker}`)
  return local.log
}

describe('replication benchmark workload', () => {
  const small = run(SMALL)
  const stats = small.producer.stats()

  it('produces exactly recordsPerSec * duration records, all acknowledged, none failed', () => {
    expect(stats).toMatchObject({
      recordsGenerated: 10_000,
      recordsSent: 10_000,
      recordsAcked: 10_000,
      recordsFailed: 0,
      recordsTimedOut: 0,
      errors: {},
    })
    expect(small.producer.finished).toBe(true)
    // At most one Produce per leader broker per 5 ms tick (400 ticks, 3 leaders). Fewer when a
    // broker, which answers one request per connection at a time, still holds five: the
    // records then wait for the next request that broker can take.
    expect(stats.produceRequests).toBeLessThanOrEqual(400 * 3)
    expect(stats.produceRequests).toBeGreaterThan(400 * 3 * 0.5)
    expect(stats.produceResponses).toBe(stats.produceRequests)
    // The run ends a few ms after the last tick, when the last answer arrives.
    expect(small.endSimMs - stats.startMs).toBeGreaterThanOrEqual(2_000)
    expect(small.endSimMs - stats.startMs).toBeLessThan(2_100)
  })

  it('spreads records round robin: each of the 12 partitions holds 10,000 / 12 of them, give or take one', () => {
    const perPartition = small.producer.ackedRanges.map((ranges) => ranges.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0))
    expect(perPartition).toHaveLength(12)
    expect(perPartition.reduce((a, b) => a + b, 0)).toBe(10_000)
    for (const n of perPartition) expect([833, 834]).toContain(n)
  })

  it('leaves every acknowledged record on all three replicas, with its value, at its offset', () => {
    const check = checkReplicas(small.cluster, small.producer)
    expect(check).toEqual({ complete: true, partitions: 12, recordsChecked: 30_000, missing: 0, problems: [] })
    // Independently of the check: the three logs of each partition hold the same records,
    // each the producer's 1 KiB value with a null key, every acknowledged offset among them.
    const snapshot = small.cluster.snapshot().topics[BENCH_TOPIC]!
    for (let partition = 0; partition < 12; partition++) {
      const view = snapshot.partitions[partition]!
      expect(view.replicas).toHaveLength(3)
      expect(view.isr).toHaveLength(3)
      const logs = view.replicas.map((broker) => localLog(small, broker, partition))
      const offsets = logs.map((log) => log.batches().flatMap((b) => b.records.map((r) => b.baseOffset + r.offsetDelta)))
      expect(offsets[1]).toEqual(offsets[0])
      expect(offsets[2]).toEqual(offsets[0])
      const odd = logs.flatMap((log) => log.batches().flatMap((b) => b.records)).filter((r) => r.key !== null || r.value?.length !== 1024 || r.value !== small.producer.recordValue)
      expect(odd).toEqual([])
      const present = new Set(offsets[0])
      const ranges = small.producer.ackedRanges[partition]!
      const absent: number[] = []
      for (let i = 0; i < ranges.length; i += 2) {
        for (let offset = ranges[i]!; offset < ranges[i]! + ranges[i + 1]!; offset++) if (!present.has(offset)) absent.push(offset)
      }
      expect(absent).toEqual([])
      // Nothing was written that was not acknowledged: the log is exactly the acknowledged records.
      expect(present.size).toBe(ranges.filter((_, i) => i % 2 === 1).reduce((a, b) => a + b, 0))
    }
  })

  it('stamps records with their arrival time in whole ms, rising within each partition', () => {
    const startMs = stats.startMs
    for (let partition = 0; partition < 12; partition++) {
      const log = localLog(small, small.cluster.snapshot().topics[BENCH_TOPIC]!.partitions[partition]!.leader, partition)
      const timestamps = log.batches().flatMap((b) => b.records.map((r) => r.timestamp))
      expect(timestamps[0]).toBe(Math.floor(startMs + (partition * 1000) / 5_000))
      for (let i = 1; i < timestamps.length; i++) expect(timestamps[i]).toBeGreaterThanOrEqual(timestamps[i - 1]!)
      expect(timestamps.at(-1)!).toBeLessThan(startMs + 2_000)
    }
  })

  it('reports latencies: a record waits for the linger, then a request takes its round trips', () => {
    expect(stats.requestLatencyP50Ms).toBeGreaterThan(0)
    expect(stats.requestLatencyP50Ms).toBeLessThanOrEqual(stats.requestLatencyP99Ms)
    expect(stats.recordLatencyP50Ms).toBeGreaterThan(stats.requestLatencyP50Ms)
    expect(stats.recordLatencyP50Ms).toBeLessThanOrEqual(stats.recordLatencyP99Ms)
    expect(stats.recordLatencyMaxMs).toBeGreaterThanOrEqual(stats.recordLatencyP99Ms - 0.01)
  })

  it('is deterministic: the same seed gives the same trace hash and figures, another seed another hash', () => {
    const again = run(SMALL)
    expect(again.cluster.trace.hash()).toBe(small.cluster.trace.hash())
    expect(again.endEvents - again.startEvents).toBe(small.endEvents - small.startEvents)
    expect(again.endSimMs).toBe(small.endSimMs)
    expect(again.producer.stats()).toEqual(stats)
    expect(again.producer.ackedRanges).toEqual(small.producer.ackedRanges)
    expect(run({ ...SMALL, seed: 2 }).cluster.trace.hash()).not.toBe(small.cluster.trace.hash())
  })

  it('produces at an uneven rate exactly too: 1,234 records in one second, whatever the ticks', () => {
    const uneven = run({ ...SMALL, recordsPerSec: 1_234, durationMs: 1_000 })
    expect(uneven.producer.stats()).toMatchObject({ recordsGenerated: 1_234, recordsAcked: 1_234, recordsFailed: 0 })
    expect(checkReplicas(uneven.cluster, uneven.producer).complete).toBe(true)
  })

  it('positive control: the check notices a replica missing acknowledged records', () => {
    const r = run({ ...SMALL, durationMs: 100 })
    const view = r.cluster.snapshot().topics[BENCH_TOPIC]!.partitions[0]!
    const follower = view.replicas.find((b) => b !== view.leader)!
    const log = localLog(r, follower, 0)
    const lastBatch = log.batches().at(-1)!
    log.truncateTo(lastBatch.baseOffset)
    const check = checkReplicas(r.cluster, r.producer)
    expect(check.complete).toBe(false)
    expect(check.missing).toBe(lastBatch.records.length)
    expect(check.problems[0]).toContain(`on broker ${follower}`)
  })

  it('hosts the producer as an ordinary node of the cluster', () => {
    expect(small.cluster.sim.instanceOf(BENCH_PRODUCER_ID)).toBe(small.producer)
  })
})

describe('replication benchmark report', () => {
  it('reports wall time, records per wall second, the sim-to-wall ratio and the heap from what it is given', () => {
    let fakeMs = 0
    const clock = () => (fakeMs += 10) // every reading 10 ms after the last
    const result = benchReplication(clock, () => 123.4, { ...SMALL, durationMs: 500, warmupMs: 100 })
    expect(result).toMatchObject({
      case: 'replication',
      brokers: 3,
      replicationFactor: 3,
      partitions: 12,
      recordBytes: 1024,
      lingerMs: 5,
      targetRecordsPerSimSec: 5_000,
      wallMs: 10,
      setupWallMs: 10,
      heapUsedMb: 123.4,
      recordsAcked: 2_500,
      recordsFailed: 0,
      recordsTimedOut: 0,
      replicasComplete: true,
      warmupSimMs: 100,
    })
    expect(result.recordsPerSec).toBe(250_000) // 2,500 records in 10 wall ms
    expect(result.simToWallRatio).toBe(Math.round((result.simTimeMs / 10) * 100) / 100)
    expect(result.produceRequests).toBeLessThanOrEqual(100 * 3)
    expect(result.simTimeMs).toBeGreaterThan(500)
    expect(result.events).toBeGreaterThan(0)
    expect(result.produceLatencyP50Ms).toBeGreaterThan(0)
    expect(result.produceLatencyP99Ms).toBeGreaterThanOrEqual(result.produceLatencyP50Ms)
    expect(result.requestLatencyP99Ms).toBeGreaterThanOrEqual(result.requestLatencyP50Ms)
    expect(result.traceHash).toMatch(/^[0-9a-f]{16}$/)
    // The same run again reports the same simulated figures.
    const again = benchReplication(clock, undefined, { ...SMALL, durationMs: 500, warmupMs: 0 })
    expect(again.traceHash).toBe(result.traceHash)
    expect(again.events).toBe(result.events)
    expect(again.heapUsedMb).toBeUndefined()
  })

  it('warm-up does not change the measured run', () => {
    const clock = () => 0
    const cold = benchReplication(clock, undefined, { ...SMALL, durationMs: 200, warmupMs: 0 })
    const warm = benchReplication(clock, undefined, { ...SMALL, durationMs: 200, warmupMs: 200 })
    expect(warm.traceHash).toBe(cold.traceHash)
    expect(warm.produceLatencyP99Ms).toBe(cold.produceLatencyP99Ms)
  })
})
