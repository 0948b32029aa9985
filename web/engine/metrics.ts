// The charts' numbers, over simulated time, from what a run's clients saw: records
// acknowledged and failed per second, records consumed per second, produce latency
// (median and 99th percentile per record, simulated ms, from send() to its acknowledgement,
// linger and retries included, as Kafka's record-queue-time plus request latency), and consumer lag per
// partition (the largest over the consumers, from their last fetch answers).

import type { Run } from './run.ts'

export interface ChartData {
  fromMs: number
  toMs: number
  bucketMs: number
  /** Bucket start times. */
  times: number[]
  /** Records per simulated second; null where the run has not reached yet. */
  acked: (number | null)[]
  failed: (number | null)[]
  consumed: (number | null)[]
  /** Simulated ms; null where nothing was acknowledged. */
  latencyP50: (number | null)[]
  latencyP99: (number | null)[]
  /** lag[partition][bucket]: records, -1 where unknown. */
  lag: number[][]
  consumers: number
  producers: number
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[index]!
}

/**
 * Chart data for [fromMs, toMs] in `buckets` buckets. Rates are per second of the part of
 * each bucket the run has reached; buckets it has not reached are null (lag: -1).
 */
export function chartData(run: Run, fromMs: number, toMs: number, buckets: number): ChartData {
  const nowMs = run.position.timeMs
  const span = Math.max(1, toMs - fromMs)
  const bucketMs = span / buckets
  const times = Array.from({ length: buckets }, (_, i) => fromMs + i * bucketMs)
  const acked = new Array<number>(buckets).fill(0)
  const failed = new Array<number>(buckets).fill(0)
  const consumed = new Array<number>(buckets).fill(0)
  const latencies: number[][] = Array.from({ length: buckets }, () => [])
  const bucketOf = (t: number) => {
    if (t < fromMs || t > toMs) return -1
    return Math.min(buckets - 1, Math.floor((t - fromMs) / bucketMs))
  }
  for (const producer of run.producers) {
    producer.refresh()
    for (const l of producer.latencies) {
      const b = bucketOf(l.atMs)
      if (b < 0) continue
      acked[b]! += 1
      latencies[b]!.push(l.latencyMs)
    }
    for (const atMs of producer.failures) {
      const b = bucketOf(atMs)
      if (b >= 0) failed[b]! += 1
    }
  }
  // Per second of the time each bucket covers so far (the last one may be partly reached).
  const covered = times.map((t) => Math.max(0, Math.min(t + bucketMs, nowMs) - t))
  const rate = (counts: number[]) => counts.map((n, i) => (covered[i]! < bucketMs * 0.25 && i > 0 ? null : covered[i]! <= 0 ? null : (n * 1000) / covered[i]!))
  const partitions = run.settings.partitions
  const lag: number[][] = Array.from({ length: partitions }, () => new Array<number>(buckets).fill(-1))
  for (const consumer of run.consumers) {
    for (const r of consumer.records) {
      const b = bucketOf(r.consumedAtMs)
      if (b >= 0) consumed[b]! += 1
    }
    // Each bucket shows the last sample taken within it (the largest over consumers).
    for (const sample of consumer.lagSamples) {
      const b = bucketOf(sample.atMs)
      if (b < 0) continue
      for (let p = 0; p < partitions; p++) {
        const value = sample.lag[p] ?? -1
        if (value > lag[p]![b]!) lag[p]![b] = value
      }
    }
  }
  const latencyP50: (number | null)[] = []
  const latencyP99: (number | null)[] = []
  for (const list of latencies) {
    list.sort((a, b) => a - b)
    latencyP50.push(percentile(list, 0.5))
    latencyP99.push(percentile(list, 0.99))
  }
  return {
    fromMs,
    toMs,
    bucketMs,
    times,
    acked: rate(acked),
    failed: rate(failed),
    consumed: rate(consumed),
    latencyP50,
    latencyP99,
    lag,
    consumers: run.consumers.filter((c) => c.active).length,
    producers: run.producers.filter((p) => p.active).length,
  }
}
