// Invariant checkers (KAFKA-FACTS section 7, items 1 to 5): small named checks run after
// every event, each reporting the time, the event and the state that broke it. They
// read the brokers' and the controller's state and the clients' trace events; they never
// change anything. Off unless attached (benchmarks run without them).
//
// Incremental: a node's state changes only while it handles an event (a delivery, a
// timer, a command, a fault), and each of those writes a trace record naming the node. So
// after an event only the nodes named since the last check are checked again; for the
// others the checkers report what they found last time that still holds (a broken state
// that persists is reported after every event, as a full check would). The verdicts are
// those of checking every node after every event; a state changed behind the
// simulation's back (a test corrupting a replica) is seen once its node next acts.

import type { Broker } from '../../core/broker/broker.ts'
import type { Partition } from '../../core/broker/partition.ts'
import { RawClient, type FetchOutcome } from '../../core/client/raw-client.ts'
import { CONTROLLER_ID, type Cluster } from '../cluster.ts'
import type { TraceRecord } from '../trace.ts'

export type CheckerName =
  | 'high-watermark-monotonic'
  | 'log-matching'
  | 'leader-completeness'
  | 'single-leader-per-epoch'
  | 'isr-integrity'
  | 'stable-reads'

export const ALL_CHECKERS: readonly CheckerName[] = [
  'high-watermark-monotonic',
  'log-matching',
  'leader-completeness',
  'single-leader-per-epoch',
  'isr-integrity',
  'stable-reads',
]

export interface Violation {
  checker: CheckerName
  timeMs: number
  /** The trace position right after the event that broke the invariant. */
  traceSeq: number
  message: string
  state: Record<string, unknown>
}

/** A report kept to be made again while its node is not touched (the state it describes still holds). */
interface Standing {
  checker: CheckerName
  message: string
  state: Record<string, unknown>
}

/** An acknowledged write, from a client's trace event. */
interface AckedRecord {
  topic: string
  partition: number
  offset: number
  value: string | null
  acks: number
}

export class InvariantCheckers {
  readonly violations: Violation[] = []
  private readonly enabled: Set<CheckerName>
  private readonly detach: (() => void)[] = []
  /** Per broker and partition: the epoch and HW last seen while leading. */
  private readonly leaderHighWatermarks = new Map<string, { epoch: number; hw: number }>()
  /** Per partition and replica pair: offsets below this are known to agree. */
  private readonly matchedUpTo = new Map<string, number>()
  /** Per replica: its HW, LEO and log start offset when log matching last looked at it. */
  private readonly lastOffsets = new WeakMap<Partition, [number, number, number]>()
  /** Acknowledged acks=all records, by partition. */
  private readonly ackedAll = new Map<string, AckedRecord[]>()
  /** Leader epochs seen per partition in the controller's image, to check they only rise. */
  private readonly imageEpochs = new Map<string, number>()
  /** Records consumers have read, by "topic-partition@offset". */
  private readonly readValues = new Map<string, string | null>()
  /** Fetch outcomes already checked (the clients' own objects are never touched). */
  private readonly checkedFetches = new WeakSet<object>()
  /** Per raw client: its list of fetches, how far it has been read, and the fetches read while still pending. */
  private readonly fetchesRead = new Map<string, { fetches: readonly FetchOutcome[]; next: number; pending: FetchOutcome[] }>()
  private pendingLeaderChecks: { brokerId: number; topic: string; partition: number }[] = []
  /** Nodes named in trace records since the last check: the only ones whose state may have changed. */
  private readonly touched = new Set<unknown>()
  /** Everything counts as touched (the first check, or a record naming no node). */
  private allTouched = true
  /** Per live broker: the high-watermark reports of its last check that hold while it is untouched (HW above LEO). */
  private readonly standingHighWatermarks = new Map<number, Standing[]>()
  /** Per live broker: the "partition@epoch" it leads, in its partitions' order. */
  private readonly leaderships = new Map<number, string[]>()
  /** How many live brokers lead each "partition@epoch"; conflicts counts those led by more than one. */
  private readonly leaderCounts = new Map<string, number>()
  private leaderConflicts = 0
  /** The controller image's ISR reports at its last check (they hold while it is untouched). */
  private standingIsr: Standing[] = []
  /** Stop recording after this many (a broken run can break an invariant on every event). */
  private readonly maxViolations = 100

  constructor(
    private readonly cluster: Cluster,
    checkers: readonly CheckerName[] = ALL_CHECKERS,
    /** False checks every node after every event (the reference the incremental checks are tested against). */
    private readonly incremental = true,
  ) {
    this.enabled = new Set(checkers)
    this.detach.push(cluster.trace.subscribe((record) => this.onTrace(record)))
    this.detach.push(cluster.sim.afterEachEvent(() => this.check()))
  }

  stop(): void {
    for (const d of this.detach) d()
  }

  /** Every acks=all acknowledged record, for end-of-run checks. */
  acknowledged(): AckedRecord[] {
    return [...this.ackedAll.values()].flat()
  }

  private onTrace(record: TraceRecord): void {
    // A network change alters no node's state; an action's effects write records of their own.
    if (record.node === null) {
      if (record.type !== 'network' && record.type !== 'action') this.allTouched = true
    } else {
      this.touched.add(record.node)
    }
    const data = record.data as Record<string, unknown>
    if (record.type === 'client-produce-acked') {
      const acks = data.acks as number
      if (acks !== -1) return
      const key = `${data.topic as string}-${data.partition as number}`
      const values = data.values as (string | null)[]
      const list = this.ackedAll.get(key) ?? this.ackedAll.set(key, []).get(key)!
      values.forEach((value, i) => list.push({ topic: data.topic as string, partition: data.partition as number, offset: (data.baseOffset as number) + i, value, acks }))
    } else if (record.type === 'become-leader') {
      this.pendingLeaderChecks.push({ brokerId: record.node as number, topic: data.topic as string, partition: data.partition as number })
    }
  }

  private check(): void {
    if (this.violations.length >= this.maxViolations) return
    const brokers = this.liveBrokers()
    const all = this.allTouched || !this.incremental
    const touched = (id: unknown) => all || this.touched.has(id)
    // Nothing acted and nothing stands (an event that wrote no record: a message parked at a paused node).
    const quiet = !all && this.touched.size === 0 && this.pendingLeaderChecks.length === 0 && this.standingHighWatermarks.size === 0 && this.leaderConflicts === 0 && this.standingIsr.length === 0
    if (quiet && !this.enabled.has('stable-reads')) return
    if (this.enabled.has('high-watermark-monotonic')) this.checkHighWatermarks(brokers, touched)
    if (this.enabled.has('single-leader-per-epoch')) this.checkSingleLeader(brokers, touched)
    if (this.enabled.has('isr-integrity')) this.checkIsrIntegrity(touched)
    if (this.enabled.has('log-matching')) this.checkLogMatching(brokers)
    if (this.enabled.has('leader-completeness')) this.checkLeaderCompleteness(brokers)
    if (this.enabled.has('stable-reads')) this.checkStableReads()
    this.pendingLeaderChecks = []
    this.touched.clear()
    this.allTouched = false
  }

  /** Makes again the reports of a node's last check that still hold. */
  private reportStanding(standing: readonly Standing[]): void {
    for (const s of standing) this.report(s.checker, s.message, { ...s.state })
  }

  private report(checker: CheckerName, message: string, state: Record<string, unknown>): void {
    if (this.violations.length >= this.maxViolations) return
    this.violations.push({ checker, timeMs: this.cluster.now, traceSeq: this.cluster.trace.count, message, state })
  }

  private liveBrokers(): Broker[] {
    const out: Broker[] = []
    for (const id of this.cluster.brokerIds) {
      const broker = this.cluster.brokerNode(id)
      if (broker) out.push(broker)
    }
    return out
  }

  /** 1. A leader's HW never decreases within its epoch; every replica's HW <= its LEO. */
  private checkHighWatermarks(brokers: Broker[], touched: (id: unknown) => boolean): void {
    const live = new Set<number>()
    for (const broker of brokers) {
      live.add(broker.brokerId)
      if (!touched(broker.brokerId)) {
        // Unchanged since its last check: only "HW above LEO" would be found again.
        const standing = this.standingHighWatermarks.get(broker.brokerId)
        if (standing) this.reportStanding(standing)
        continue
      }
      const standing: Standing[] = []
      for (const p of broker.partitions.values()) {
        const { highWatermark, logEndOffset } = p.log
        if (highWatermark > logEndOffset) {
          const report: Standing = { checker: 'high-watermark-monotonic', message: `broker ${broker.brokerId} ${p.key}: HW ${highWatermark} above LEO ${logEndOffset}`, state: { broker: broker.brokerId, partition: p.key, highWatermark, logEndOffset } }
          standing.push(report)
          this.report(report.checker, report.message, { ...report.state })
        }
        const key = `${broker.brokerId}/${p.key}`
        if (!p.isLeader) {
          this.leaderHighWatermarks.delete(key)
          continue
        }
        const last = this.leaderHighWatermarks.get(key)
        if (last && last.epoch === p.leaderEpoch && highWatermark < last.hw) {
          this.report('high-watermark-monotonic', `leader ${broker.brokerId} of ${p.key} lowered its HW from ${last.hw} to ${highWatermark} within epoch ${p.leaderEpoch}`, { broker: broker.brokerId, partition: p.key, epoch: p.leaderEpoch, from: last.hw, to: highWatermark })
        }
        // The min-ISR gate: a leader below min ISR must not have raised its HW.
        if (last && last.epoch === p.leaderEpoch && highWatermark > last.hw && p.isr.length < p.effectiveMinIsr()) {
          this.report('isr-integrity', `leader ${broker.brokerId} of ${p.key} raised its HW to ${highWatermark} with ISR [${p.isr.join(', ')}] below min ISR ${p.effectiveMinIsr()}`, { broker: broker.brokerId, partition: p.key, isr: p.isr, highWatermark })
        }
        this.leaderHighWatermarks.set(key, { epoch: p.leaderEpoch, hw: highWatermark })
      }
      if (standing.length > 0) this.standingHighWatermarks.set(broker.brokerId, standing)
      else this.standingHighWatermarks.delete(broker.brokerId)
    }
    for (const id of this.standingHighWatermarks.keys()) if (!live.has(id)) this.standingHighWatermarks.delete(id)
  }

  /** 4a. At most one leader per (partition, leader epoch); the controller's epochs only rise. */
  private checkSingleLeader(brokers: Broker[], touched: (id: unknown) => boolean): void {
    const live = new Set<number>()
    for (const broker of brokers) {
      live.add(broker.brokerId)
      if (!touched(broker.brokerId) && this.leaderships.has(broker.brokerId)) continue
      const led: string[] = []
      for (const p of broker.partitions.values()) if (p.isLeader) led.push(`${p.key}@${p.leaderEpoch}`)
      this.setLeaderships(broker.brokerId, led)
    }
    for (const id of [...this.leaderships.keys()]) if (!live.has(id)) this.setLeaderships(id, null)
    if (this.leaderConflicts > 0) {
      // Someone leads a partition in another's epoch: the full pass, for the reports in order.
      const leaders = new Map<string, number>()
      for (const broker of brokers) {
        for (const p of broker.partitions.values()) {
          if (!p.isLeader) continue
          const key = `${p.key}@${p.leaderEpoch}`
          const other = leaders.get(key)
          if (other !== undefined) {
            this.report('single-leader-per-epoch', `brokers ${other} and ${broker.brokerId} both lead ${p.key} in epoch ${p.leaderEpoch}`, { partition: p.key, epoch: p.leaderEpoch, brokers: [other, broker.brokerId] })
          }
          leaders.set(key, broker.brokerId)
        }
      }
    }
    if (!touched(CONTROLLER_ID)) return // its image is as it was: the epochs were compared then
    const image = this.cluster.controller()?.image
    if (!image) return
    for (const topic of image.topicsById.values()) {
      for (const state of topic.partitions.values()) {
        const key = `${topic.topicId}-${state.partition}`
        const last = this.imageEpochs.get(key)
        if (last !== undefined && state.leaderEpoch < last) {
          this.report('single-leader-per-epoch', `the controller's leader epoch of ${topic.name}-${state.partition} went back from ${last} to ${state.leaderEpoch}`, { partition: `${topic.name}-${state.partition}`, from: last, to: state.leaderEpoch })
        }
        this.imageEpochs.set(key, state.leaderEpoch)
      }
    }
  }

  /** Replaces a broker's list of leaderships (null: it is down), keeping the counts. */
  private setLeaderships(brokerId: number, led: string[] | null): void {
    for (const key of this.leaderships.get(brokerId) ?? []) {
      const count = this.leaderCounts.get(key)! - 1
      if (count === 1) this.leaderConflicts--
      if (count === 0) this.leaderCounts.delete(key)
      else this.leaderCounts.set(key, count)
    }
    if (led === null) {
      this.leaderships.delete(brokerId)
      return
    }
    this.leaderships.set(brokerId, led)
    for (const key of led) {
      const count = (this.leaderCounts.get(key) ?? 0) + 1
      if (count === 2) this.leaderConflicts++
      this.leaderCounts.set(key, count)
    }
  }

  /** 4b. Fenced brokers are never in the ISR of a led partition; ISR and ELR are disjoint; ISR within replicas. */
  private checkIsrIntegrity(touched: (id: unknown) => boolean): void {
    if (!touched(CONTROLLER_ID)) return this.reportStanding(this.standingIsr)
    const found = this.violations.length
    this.standingIsr = []
    this.checkImageIsr()
    // Every report of this check describes the image as it stands.
    for (const v of this.violations.slice(found)) this.standingIsr.push({ checker: v.checker, message: v.message, state: { ...v.state } })
  }

  private checkImageIsr(): void {
    const image = this.cluster.controller()?.image
    if (!image) return
    for (const topic of image.topicsById.values()) {
      for (const state of topic.partitions.values()) {
        const name = `${topic.name}-${state.partition}`
        // Without a leader, Kafka leaves the last ISR member in place even when fenced.
        if (state.leader !== -1) {
          const fenced = state.isr.filter((r) => !image.isUnfenced(r))
          if (fenced.length > 0) this.report('isr-integrity', `fenced broker(s) ${fenced.join(', ')} in the ISR of ${name}`, { partition: name, isr: state.isr, leader: state.leader })
          if (!state.isr.includes(state.leader)) this.report('isr-integrity', `leader ${state.leader} of ${name} is not in its ISR [${state.isr.join(', ')}]`, { partition: name, isr: state.isr })
        }
        const overlap = state.isr.filter((r) => state.eligibleLeaderReplicas.includes(r))
        if (overlap.length > 0) this.report('isr-integrity', `ISR and ELR of ${name} share ${overlap.join(', ')}`, { partition: name, isr: state.isr, elr: state.eligibleLeaderReplicas })
        if (state.isr.some((r) => !state.replicas.includes(r))) this.report('isr-integrity', `ISR of ${name} holds a non-replica`, { partition: name, isr: state.isr, replicas: state.replicas })
      }
    }
  }

  /** 2. Two replicas agree on every offset below the smaller of their HWs. */
  private checkLogMatching(brokers: Broker[]): void {
    // A pair is compared over [what was matched, the lower HW), bounds that depend only on
    // the two replicas' HW, LEO and log start offset: compared again with the same ones,
    // it finds nothing new. So only pairs with a replica whose offsets moved are compared.
    // (Every replica is looked at, not only those of touched brokers: a few numbers each,
    // and a log rewritten behind the simulation's back is still caught.)
    const changed = new Set<string>()
    const moved = new Set<Partition>()
    for (const broker of brokers) {
      for (const p of broker.partitions.values()) {
        const { highWatermark, logEndOffset, logStartOffset } = p.log
        const last = this.lastOffsets.get(p)
        if (this.incremental && last && last[0] === highWatermark && last[1] === logEndOffset && last[2] === logStartOffset) continue
        this.lastOffsets.set(p, [highWatermark, logEndOffset, logStartOffset])
        moved.add(p)
        changed.add(p.key)
      }
    }
    if (changed.size === 0) return
    const byPartition = new Map<string, { brokerId: number; partition: Partition }[]>()
    for (const broker of brokers) {
      for (const p of broker.partitions.values()) {
        if (!changed.has(p.key)) continue
        const list = byPartition.get(p.key) ?? byPartition.set(p.key, []).get(p.key)!
        list.push({ brokerId: broker.brokerId, partition: p })
      }
    }
    for (const [key, replicas] of byPartition) {
      for (let i = 0; i < replicas.length; i++) {
        for (let j = i + 1; j < replicas.length; j++) {
          const a = replicas[i]!
          const b = replicas[j]!
          if (a.partition.topicId !== b.partition.topicId) continue
          if (!moved.has(a.partition) && !moved.has(b.partition)) continue
          const pairKey = `${key}/${a.brokerId}/${b.brokerId}`
          const upTo = Math.min(a.partition.log.highWatermark, b.partition.log.highWatermark)
          // A truncation below what was matched (allowed above the HW) restarts the comparison there.
          let from = Math.min(this.matchedUpTo.get(pairKey) ?? 0, a.partition.log.logEndOffset, b.partition.log.logEndOffset)
          from = Math.max(from, a.partition.log.logStartOffset, b.partition.log.logStartOffset)
          if (upTo <= from) {
            this.matchedUpTo.set(pairKey, Math.max(from, Math.min(this.matchedUpTo.get(pairKey) ?? 0, upTo)))
            continue
          }
          const mismatch = firstMismatch(a.partition, b.partition, from, upTo)
          if (mismatch !== null) {
            this.report('log-matching', `brokers ${a.brokerId} and ${b.brokerId} disagree on ${key} at offset ${mismatch.offset}, below both HWs (${a.partition.log.highWatermark}, ${b.partition.log.highWatermark})`, {
              partition: key,
              offset: mismatch.offset,
              [`broker${a.brokerId}`]: mismatch.a,
              [`broker${b.brokerId}`]: mismatch.b,
            })
            this.matchedUpTo.set(pairKey, upTo)
          } else {
            this.matchedUpTo.set(pairKey, upTo)
          }
        }
      }
    }
  }

  /** 3. A leader elected cleanly holds every acks=all acknowledged record. */
  private checkLeaderCompleteness(brokers: Broker[]): void {
    for (const { brokerId, topic, partition } of this.pendingLeaderChecks) {
      const broker = brokers.find((b) => b.brokerId === brokerId)
      const p = broker?.partitions.get(`${topic}-${partition}`)
      if (!p || !p.isLeader) continue
      const image = this.cluster.controller()?.image
      const state = image?.partition(p.topicId, partition)
      // An unclean election (LeaderRecoveryState RECOVERING) is allowed to lose data: that is its point.
      if (state && state.leaderRecoveryState === 'RECOVERING') continue
      const values = recordsByOffset(p)
      for (const acked of this.ackedAll.get(`${topic}-${partition}`) ?? []) {
        if (acked.offset < p.log.logStartOffset) continue
        if (values.get(acked.offset) !== acked.value) {
          this.report('leader-completeness', `new leader ${brokerId} of ${topic}-${partition} (epoch ${p.leaderEpoch}) lacks the acknowledged record ${JSON.stringify(acked.value)} at offset ${acked.offset}`, {
            partition: `${topic}-${partition}`,
            leader: brokerId,
            epoch: p.leaderEpoch,
            offset: acked.offset,
            expected: acked.value,
            found: values.get(acked.offset) ?? null,
            logEndOffset: p.log.logEndOffset,
          })
          break
        }
      }
    }
  }

  /** 5. A record read at an offset never changes, and nothing above the HW is read. */
  private checkStableReads(): void {
    for (const id of this.cluster.sim.nodeIds()) {
      if (typeof id !== 'string') continue
      const client = this.cluster.sim.instanceOf(id)
      if (!(client instanceof RawClient)) continue
      // Each fetch is checked once, when it is done: only new fetches and those still pending are looked at.
      let reading = this.fetchesRead.get(id)
      if (!reading || reading.fetches !== client.fetches) this.fetchesRead.set(id, (reading = { fetches: client.fetches, next: 0, pending: [] }))
      const visit = (fetch: FetchOutcome): boolean => {
        if (fetch.status === 'pending') return false
        if (fetch.status !== 'done' || this.checkedFetches.has(fetch)) return true
        this.checkedFetches.add(fetch)
        for (const batch of fetch.batches ?? []) {
          for (const r of batch.records) {
            const offset = batch.baseOffset + r.offsetDelta
            const key = `${fetch.topic}-${fetch.partition}@${offset}`
            if (fetch.highWatermark !== undefined && offset >= fetch.highWatermark) {
              this.report('stable-reads', `${id} read ${fetch.topic}-${fetch.partition} offset ${offset} at or above the HW ${fetch.highWatermark}`, { client: id, offset, highWatermark: fetch.highWatermark })
            }
            const earlier = this.readValues.get(key)
            if (earlier !== undefined && earlier !== r.value) {
              this.report('stable-reads', `${id} read ${JSON.stringify(r.value)} at ${key}, where ${JSON.stringify(earlier)} was read before`, { client: id, offset, before: earlier, now: r.value })
            }
            this.readValues.set(key, r.value)
          }
        }
        return true
      }
      const stillPending = reading.pending.filter((fetch) => !visit(fetch))
      for (; reading.next < reading.fetches.length; reading.next++) {
        const fetch = reading.fetches[reading.next]!
        if (!visit(fetch)) stillPending.push(fetch)
      }
      reading.pending = stillPending
    }
  }

}

function recordsByOffset(p: Partition): Map<number, string | null> {
  const values = new Map<number, string | null>()
  for (const [offset, record] of recordsWithEpochs(p, p.log.logStartOffset, p.log.logEndOffset)) values.set(offset, record.value)
  return values
}

/** The first offset in [from, to) where the two logs hold different records (value or leader epoch). */
function firstMismatch(a: Partition, b: Partition, from: number, to: number): { offset: number; a: unknown; b: unknown } | null {
  const left = recordsWithEpochs(a, from, to)
  const right = recordsWithEpochs(b, from, to)
  for (let offset = from; offset < to; offset++) {
    const x = left.get(offset)
    const y = right.get(offset)
    if (x === undefined && y === undefined) continue // a compaction gap in both
    if (!x || !y || x.value !== y.value || x.epoch !== y.epoch) return { offset, a: x ?? null, b: y ?? null }
  }
  return null
}

function recordsWithEpochs(p: Partition, from: number, to: number): Map<number, { value: string | null; epoch: number }> {
  const out = new Map<number, { value: string | null; epoch: number }>()
  const log = p.log
  const bound = Math.min(to, log.logEndOffset)
  // A read stays within one segment: keep reading from where the last one ended.
  let next = Math.max(from, log.logStartOffset)
  while (next < bound) {
    const batches = log.read(next, Number.MAX_SAFE_INTEGER, log.logEndOffset)
    if (batches.length === 0) break
    for (const batch of batches) {
      for (const r of batch.records) {
        const offset = batch.baseOffset + r.offsetDelta
        if (offset >= from && offset < to) out.set(offset, { value: r.value, epoch: batch.partitionLeaderEpoch })
      }
      next = batch.baseOffset + batch.lastOffsetDelta + 1
    }
  }
  return out
}
