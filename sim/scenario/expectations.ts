// Expectations: each is armed before the run (some watch the run as it goes: a leader at a
// time, a leader change within a time) and gives its verdict at the end, with the figures
// behind it and examples of the records, offsets and times involved.

import { shortValue, type HistoryReport } from '../checkers/history.ts'
import type { Violation } from '../checkers/invariants.ts'
import type { RunContext } from './context.ts'
import { durationMs, formatDuration } from './duration.ts'
import type { Count, Expectation, NodeRef, Verdict } from './types.ts'

export interface ExpectationResult extends Verdict {
  label: string
}

/** What a verdict may read at the end of the run. */
export interface EndState {
  history: HistoryReport
  /** Null when no expectation asked for the invariant checkers (they then did not run). */
  violations: readonly Violation[] | null
}

export interface ArmedExpectation {
  label: string
  verdict(end: EndState): Verdict
}

/** Examples a verdict lists (records, offsets, times), at most. */
export const EXAMPLES = 5

function countText(count: Count): string {
  if (count === 'none') return 'none'
  if (count === 'expected') return 'at least one'
  const parts = [count.atLeast !== undefined ? `at least ${count.atLeast}` : '', count.atMost !== undefined ? `at most ${count.atMost}` : ''].filter(Boolean)
  return parts.join(' and ') || 'any number'
}

function countHolds(count: Count, n: number): boolean {
  if (count === 'none') return n === 0
  if (count === 'expected') return n > 0
  return (count.atLeast === undefined || n >= count.atLeast) && (count.atMost === undefined || n <= count.atMost)
}

export function counted(count: Count, n: number, what: string, context: string, details: string[]): Verdict {
  return { passed: countHolds(count, n), figures: `${n} ${what} (expected ${countText(count)})${context ? `; ${context}` : ''}`, details: details.slice(0, EXAMPLES) }
}

/** A simulated time in ms as reports print it (to the microsecond). */
export const ms = (t: number) => `${(Math.round(t * 1000) / 1000).toString()} ms`
const refText = (ref: NodeRef) => (typeof ref === 'number' ? `broker ${ref}` : ref)
const sameSet = (a: readonly (number | string)[], b: readonly (number | string)[]) => a.length === b.length && a.every((x) => b.includes(x))

/** The default label: what the expectation says, in a few words. */
export function describeExpectation(e: Expectation): string {
  if (e.label !== undefined) return e.label
  const [kind, value] = Object.entries(e).find(([k]) => k !== 'label')!
  if (typeof value === 'function') return kind
  if (kind === 'leader') {
    const l = e as Extract<Expectation, { leader: unknown }>
    const what = l.leader.is !== undefined ? `is ${refText(l.leader.is)}` : l.leader.isNot !== undefined ? `is not ${refText(l.leader.isNot)}` : `changes within ${l.leader.changesWithin}`
    return `leader of ${l.leader.partition} ${what}${l.leader.at ? ` at ${l.leader.at}` : ''}${l.leader.after ? ` after ${l.leader.after}` : ''}`
  }
  return `${kind}: ${typeof value === 'string' ? value : JSON.stringify(value)}`
}

/** Sets up what the expectation watches; call before the run starts. */
export function armExpectation(run: RunContext, e: Expectation): ArmedExpectation {
  const label = describeExpectation(e)
  const armed = (verdict: (end: EndState) => Verdict): ArmedExpectation => ({ label, verdict })

  if ('lostWrites' in e) {
    return armed(({ history: h }) =>
      counted(e.lostWrites, h.lost.length, 'acknowledged writes lost', `${h.acknowledged} acknowledged of ${h.produced} sent`,
        h.lost.map((l) => `lost ${shortValue(l.value)} from ${l.producer}: acknowledged at ${l.partition} offset ${l.offset}${l.ackedAtMs !== undefined ? ` at ${ms(l.ackedAtMs - run.startMs)}` : ''}`)))
  }
  if ('duplicates' in e) {
    return armed(({ history: h }) => counted(e.duplicates, h.duplicates, 'duplicate records in the logs', `${h.produced} sent`, []))
  }
  if ('perKeyOrder' in e) {
    return armed(({ history: h }) => {
      const n = h.keyReorders.length
      return {
        passed: e.perKeyOrder === 'kept' ? n === 0 : n > 0,
        figures: `${n} records out of their key's send order (expected ${e.perKeyOrder === 'kept' ? 'none' : 'at least one'})`,
        details: h.keyReorders.slice(0, EXAMPLES).map((r) => `key ${JSON.stringify(r.key)} in ${r.partition}: ${shortValue(r.value)} at offset ${r.offset} was sent before ${shortValue(r.laterValue)} at offset ${r.laterOffset}`),
      }
    })
  }
  if ('inconsistentOffsets' in e) {
    return armed(({ history: h }) =>
      counted(e.inconsistentOffsets, h.inconsistentOffsets.length, 'offsets seen with two values', '',
        h.inconsistentOffsets.map((i) => `${i.partition} offset ${i.offset}: ${i.sightings.map((s) => `${shortValue(s.value)} (${s.source}${s.atMs >= 0 ? ` at ${ms(s.atMs - run.startMs)}` : ''})`).join(' vs ')}`)))
  }
  if ('pollSkips' in e) {
    return armed(({ history: h }) =>
      counted(e.pollSkips, h.pollSkips.length, 'poll skips', `${h.consumed} records consumed`,
        h.pollSkips.map((p) => `${p.consumer} jumped in ${p.partition} from offset ${p.fromOffset} to ${p.toOffset} at ${ms(p.atMs - run.startMs)}, skipping committed offsets ${p.skipped.join(', ')}`)))
  }
  if ('nonMonotonicPolls' in e) {
    return armed(({ history: h }) =>
      counted(e.nonMonotonicPolls, h.nonMonotonicPolls.length, 'non-monotonic polls', `${h.consumed} records consumed`,
        h.nonMonotonicPolls.map((p) => `${p.consumer} read ${p.partition} offset ${p.offset} after offset ${p.previousOffset} at ${ms(p.atMs - run.startMs)}`)))
  }
  if ('leader' in e) {
    const { partition, is, isNot, changesWithin, after, at } = e.leader
    if (changesWithin !== undefined) {
      const fromMs = after ? durationMs(after) : 0
      const limitMs = durationMs(changesWithin)
      let first: number | undefined
      let changedAtMs: number | undefined
      let newLeader: number | undefined
      const detach = run.cluster.sim.afterEachEvent(() => {
        if (changedAtMs !== undefined || run.now < fromMs) return
        const leader = run.partitionState(partition)?.leader
        if (leader === undefined) return
        if (first === undefined) first = leader
        else if (leader !== first && leader >= 0) {
          changedAtMs = run.now
          newLeader = leader
          detach()
        }
      })
      return armed(() => {
        const took = changedAtMs === undefined ? undefined : changedAtMs - fromMs
        const passed = took !== undefined && took <= limitMs
        const figures = took === undefined
          ? `the leader of ${partition} stayed ${first ?? 'unknown'} from ${formatDuration(fromMs)} to the end (expected a new leader within ${changesWithin})`
          : `the leader of ${partition} went from ${first} to ${newLeader} ${ms(took)} after ${formatDuration(fromMs)} (expected within ${changesWithin})`
        return { passed, figures }
      })
    }
    const reading = { leader: undefined as number | undefined, resolved: undefined as number | string | undefined, error: undefined as string | undefined }
    const read = () => {
      reading.leader = run.partitionState(partition)?.leader
      try {
        reading.resolved = run.resolveLeader((is ?? isNot)!)
      } catch (error) {
        reading.error = (error as Error).message
      }
    }
    if (at !== undefined) run.cluster.sim.at(run.startMs + durationMs(at), `expect: read the leader of ${partition}`, read)
    return armed(() => {
      if (at === undefined) read()
      const when = at === undefined ? 'at the end' : `at ${at}`
      if (reading.error !== undefined) return { passed: false, figures: `${when}: ${reading.error}` }
      const leaderText = reading.leader === undefined ? 'unknown (controller down)' : reading.leader < 0 ? 'none' : `broker ${reading.leader}`
      const passed = reading.leader !== undefined && (is !== undefined ? reading.leader === reading.resolved : reading.leader !== reading.resolved)
      return { passed, figures: `${when} the leader of ${partition} is ${leaderText} (expected ${is !== undefined ? '' : 'not '}${reading.resolved === -1 ? 'none' : refText(reading.resolved!)})` }
    })
  }
  if ('isr' in e) {
    const { partition, equals, at } = e.isr
    let isr: readonly number[] | undefined
    let expected: (number | string)[] = []
    let error: string | undefined
    const read = () => {
      isr = run.partitionState(partition)?.isr
      try {
        expected = equals.map((ref) => run.resolve(ref))
      } catch (err) {
        error = (err as Error).message
      }
    }
    if (at !== undefined) run.cluster.sim.at(run.startMs + durationMs(at), `expect: read the ISR of ${partition}`, read)
    return armed(() => {
      if (at === undefined) read()
      const when = at === undefined ? 'at the end' : `at ${at}`
      if (error !== undefined) return { passed: false, figures: `${when}: ${error}` }
      const passed = isr !== undefined && sameSet(isr, expected)
      return { passed, figures: `${when} the ISR of ${partition} is ${isr ? `[${isr.join(', ')}]` : 'unknown (controller down)'} (expected [${expected.join(', ')}])` }
    })
  }
  if ('errorObserved' in e) {
    const { client, error, atLeast, atMost } = e.errorObserved
    return armed(() => {
      const seen = run.errorsSeen(client, error)
      const n = seen?.count ?? 0
      const bounds: Count = atLeast === undefined && atMost === undefined ? { atLeast: 1 } : { ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) }
      return counted(bounds, n, `times ${client} saw ${error}`, seen ? `first at ${ms(seen.firstAtMs)}` : '', [])
    })
  }
  if ('consumed' in e) {
    const { consumer, atLeast, atMost } = e.consumed
    return armed(() => {
      const n = run.cluster.history.consumers().get(consumer)?.length ?? 0
      return counted({ ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) }, n, `records consumed by ${consumer}`, '', [])
    })
  }
  if ('acknowledged' in e) {
    const { producer, atLeast, atMost } = e.acknowledged
    return armed(() => {
      const outcomes = run.cluster.history.producers().get(producer) ?? []
      const acked = outcomes.filter((o) => o.status === 'acked').length
      const failed = outcomes.filter((o) => o.status === 'failed').length
      return counted({ ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) }, acked, `records acknowledged to ${producer}`, `${outcomes.length} sent, ${failed} failed`, [])
    })
  }
  if ('invariants' in e) {
    const want = e.invariants
    return armed(({ violations }) => {
      const found = violations ?? []
      const names = [...new Set(found.map((v) => v.checker))]
      const details = found.slice(0, EXAMPLES).map((v) => `${v.checker} at ${ms(v.timeMs - run.startMs)}: ${v.message}`)
      const figures = `${found.length} invariant violations${names.length ? ` (${names.join(', ')})` : ''}`
      if (want === 'none') return { passed: found.length === 0, figures: `${figures} (expected none)`, details }
      if (want === 'expected') return { passed: found.length > 0, figures: `${figures} (expected at least one)`, details }
      const missing = want.expected.filter((c) => !names.includes(c))
      return { passed: missing.length === 0, figures: `${figures} (expected ${want.expected.join(', ')}${missing.length ? `; missing ${missing.join(', ')}` : ''})`, details }
    })
  }
  if ('check' in e) {
    return armed(() => e.check(run))
  }
  // The schema refuses the rest (group expectations) before a run starts.
  throw new Error(`expectation ${label} cannot run yet`)
}
