// The clients a session runs, behind one small seam so that the real producer and consumer
// (being written in core/client/) replace these without the panels changing.
//
// For now both are core's raw client:
// - a producer is a raw client with a steady workload: one record per Produce request,
//   round robin over the topic's partitions, at a fixed rate and acks. The raw client fixes
//   acks when it starts, so changing acks starts a new producer in its place. It never
//   retries and has no linger.ms, batching or keys (capabilities say so to the UI).
// - a consumer is a stand-in: a raw client that, every POLL_MS of simulated time, fetches
//   each partition from its position (like assign() of every partition, no group, no
//   committed offsets). On OFFSET_OUT_OF_RANGE it starts over from offset 0
//   (auto.offset.reset=earliest). Its lag per partition is the high watermark its last
//   fetch answer carried minus its position, as a Kafka consumer computes records-lag.
//
// The consumer's polling runs as simulation actions (Simulation.at), so a replay from the
// seed repeats it exactly.

import type { Acks } from './actions.ts'
import type { Cluster } from '../../sim/cluster.ts'

export const POLL_MS = 100
const FETCH_MAX_BYTES = 1024 * 1024
/** Lag is sampled for the charts every this many polls (once a simulated second). */
const LAG_SAMPLE_EVERY = 10

/** What the current client implementation can do; the UI offers only these. */
export const CLIENT_CAPABILITIES = {
  producerKind: 'raw client',
  consumerKind: 'stand-in consumer (raw client)',
  liveAcks: false,
  lingerMs: false,
  keys: false,
  groups: false,
} as const

export interface ProducerStats {
  id: string
  acks: Acks
  rate: number
  active: boolean
  sent: number
  acked: number
  failed: number
  timedOut: number
  pending: number
  /** acks=0 requests: sent, never answered. */
  unacknowledged: number
}

/** One producer: a raw client with a workload; counts kept incrementally (the client's outcome list only grows). */
export class Producer {
  active = true
  private scanned = 0
  private readonly pendingIndexes: number[] = []
  private readonly counts = { acked: 0, failed: 0, timedOut: 0, unacknowledged: 0 }
  /** Acknowledged produce latencies, in order of answer: (answered at, latency, records). */
  readonly latencies: { atMs: number; latencyMs: number; records: number }[] = []
  /** Failed or timed-out requests: (answered at, records). */
  readonly failures: { atMs: number; records: number; timedOut: boolean }[] = []

  constructor(
    private readonly cluster: Cluster,
    readonly id: string,
    readonly acks: Acks,
    readonly rate: number,
    partitions: readonly { topic: string; partition: number }[],
  ) {
    cluster.addRawClient(id, { workload: { partitions, acks, recordsPerSec: rate } })
  }

  stop(): void {
    if (!this.active) return
    this.active = false
    this.cluster.sim.command(this.id, { op: 'stopWorkload' })
  }

  /** Brings the counts up to date with the client's outcomes (new ones, and those still pending). */
  refresh(): void {
    const produces = this.cluster.rawClient(this.id).produces
    const stillPending: number[] = []
    const visit = (index: number) => {
      const p = produces[index]!
      switch (p.status) {
        case 'pending':
          stillPending.push(index)
          return
        case 'acked':
          this.counts.acked++
          this.latencies.push({ atMs: p.answeredAtMs!, latencyMs: p.answeredAtMs! - p.sentAtMs, records: p.values.length })
          return
        case 'failed':
        case 'timeout':
          if (p.status === 'failed') this.counts.failed++
          else this.counts.timedOut++
          this.failures.push({ atMs: p.answeredAtMs ?? p.sentAtMs, records: p.values.length, timedOut: p.status === 'timeout' })
          return
        case 'unacknowledged':
          this.counts.unacknowledged++
          return
      }
    }
    for (const index of this.pendingIndexes) visit(index)
    for (; this.scanned < produces.length; this.scanned++) visit(this.scanned)
    this.pendingIndexes.length = 0
    this.pendingIndexes.push(...stillPending)
  }

  stats(): ProducerStats {
    this.refresh()
    return {
      id: this.id,
      acks: this.acks,
      rate: this.rate,
      active: this.active,
      sent: this.scanned,
      acked: this.counts.acked,
      failed: this.counts.failed,
      timedOut: this.counts.timedOut,
      pending: this.pendingIndexes.length,
      unacknowledged: this.counts.unacknowledged,
    }
  }
}

export interface ConsumerStats {
  id: string
  active: boolean
  /** Next offset to read, per partition. */
  positions: number[]
  /** Lag per partition from the last answer (HW - position), null before any. */
  lag: (number | null)[]
  consumed: number
  resets: number
}

/** A stand-in consumer (see the top of this file). */
export class StandInConsumer {
  active = true
  readonly positions: number[]
  readonly lag: (number | null)[]
  consumed = 0
  resets = 0
  /** Records read, by the poll that read them: (time, records). */
  readonly reads: { atMs: number; records: number }[] = []
  /** Lag samples, once a second: time and lag per partition (-1: unknown). */
  readonly lagSamples: { atMs: number; lag: Int32Array }[] = []
  private readonly inFlight: (number | null)[]
  private processed = 0
  /** Fetches sent and not yet answered, by index in the client's outcome list. */
  private pending: number[] = []
  private polls = 0

  constructor(
    private readonly cluster: Cluster,
    readonly id: string,
    private readonly topic: string,
    partitions: number,
  ) {
    this.positions = new Array<number>(partitions).fill(0)
    this.lag = new Array<number | null>(partitions).fill(null)
    this.inFlight = new Array<number | null>(partitions).fill(null)
    cluster.addRawClient(id)
    this.poll()
  }

  stop(): void {
    this.active = false
  }

  private poll(): void {
    if (!this.active) return
    const sim = this.cluster.sim
    const client = this.cluster.rawClient(this.id)
    const fetches = client.fetches
    let read = 0
    const visit = (index: number): boolean => {
      const fetch = fetches[index]!
      if (fetch.status === 'pending') return false
      const p = fetch.partition
      this.inFlight[p] = null
      if (fetch.status === 'done') {
        for (const batch of fetch.batches ?? []) {
          for (const r of batch.records) {
            const offset = batch.baseOffset + r.offsetDelta
            if (offset >= this.positions[p]!) {
              this.positions[p] = offset + 1
              read++
            }
          }
        }
        if (fetch.highWatermark !== undefined && fetch.highWatermark >= 0) this.lag[p] = Math.max(0, fetch.highWatermark - this.positions[p]!)
      } else if (fetch.errorCode === 'OFFSET_OUT_OF_RANGE') {
        this.positions[p] = 0
        this.resets++
      }
      return true
    }
    const stillPending = this.pending.filter((index) => !visit(index))
    for (; this.processed < fetches.length; this.processed++) if (!visit(this.processed)) stillPending.push(this.processed)
    this.pending = stillPending
    if (read > 0) {
      this.consumed += read
      this.reads.push({ atMs: sim.now, records: read })
    }
    if (this.polls++ % LAG_SAMPLE_EVERY === 0) this.lagSamples.push({ atMs: sim.now, lag: Int32Array.from(this.lag, (l) => (l === null ? -1 : l)) })
    for (let p = 0; p < this.positions.length; p++) {
      if (this.inFlight[p] !== null) continue
      this.inFlight[p] = sim.command<number>(this.id, { op: 'fetch', topic: this.topic, partition: p, offset: this.positions[p]!, maxBytes: FETCH_MAX_BYTES })
    }
    sim.at(sim.now + POLL_MS, `poll ${this.id}`, () => this.poll())
  }

  stats(): ConsumerStats {
    return { id: this.id, active: this.active, positions: [...this.positions], lag: [...this.lag], consumed: this.consumed, resets: this.resets }
  }
}
