// Virtual time for code that awaits the simulated cluster (the KafkaJS facade).
//
// User code awaits promises; the simulation resolves them. Nothing runs the simulation in
// the background: when a facade call has to wait for the cluster (a send's records to be
// acknowledged, a backoff to pass), it registers a waiter here, and while at least one
// waiter is pending the pump steps the simulation event by event, checking after each
// event whether a waiter's condition now holds. When one does, its promise settles and the
// pump stops stepping to let the microtask queue drain: the user code that awaited it runs
// on (and may send more, or register new waiters) before any further simulated time
// passes. When no waiter is left, the pump stops and the clock stands still, so that
// `await producer.send(a); await producer.send(b)` takes no simulated time between the two.
//
// Draining the microtask queue: core/ and sim/ never use the host's timers (a test scans
// for them), so the pump cannot yield to a macrotask. It yields to the microtask queue
// instead, QUIET_TICKS times in a row with no facade activity (each facade call counts as
// activity and restarts the count): every continuation in a chain of awaits is one or a
// few microtasks, so a quiet stretch that long means the user code is waiting on the
// cluster again or done. Everything here is ordered by the microtask queue and the
// simulation's event queue, both deterministic: one seed and one user program give one
// run, event for event (test/kafkajs/virtual-time.test.ts checks the trace hash).

import type { Simulation } from '../simulation.ts'

/** Microtask turns with no facade activity after which user code counts as waiting. */
const QUIET_TICKS = 32

/**
 * A number that changes whenever the waiters that name it may be done: e.g. how many of a
 * producer's records have settled. Their conditions are checked only after it changed,
 * so that thousands of concurrent sends do not each get checked after every event.
 */
export type WaitSignal = () => number

interface Waiter {
  condition: () => boolean
  /** Simulated time at which it gives up (Infinity: never). */
  deadlineMs: number
  onTimeout: () => Error
  resolve: () => void
  reject: (error: Error) => void
  /** A waiter that drives keeps the simulation running; a passive one (a background loop) only listens. */
  drives: boolean
}

/** Waiters sharing a signal (or none: checked after every event). */
interface WaiterGroup {
  readonly signal: WaitSignal | null
  lastSignal: number
  /** A waiter joined since the last check: check them all once, whatever the signal says. */
  fresh: boolean
  waiters: Waiter[]
}

export class VirtualTime {
  private readonly groups = new Map<WaitSignal | null, WaiterGroup>()
  private waiterCount = 0
  private drivingCount = 0
  private earliestDeadlineMs = Infinity
  private pumping = false
  private activity = 0

  constructor(private readonly sim: Simulation) {}

  /** Notes that user code called the facade: the pump keeps the microtask queue draining. */
  touch(): void {
    this.activity++
  }

  /**
   * Resolves once `condition()` holds, running the simulation meanwhile; rejects with
   * `onTimeout()` if it does not hold within `timeoutMs` of simulated time, or when the
   * simulation has nothing left to do. With `signal`, the condition is checked only
   * after the signal's value changed. With `drives: false` (a consumer's background loop
   * waiting for records) the wait does not run the simulation by itself: it is checked
   * while something else does.
   */
  until(condition: () => boolean, options: { timeoutMs: number; onTimeout: () => Error; signal?: WaitSignal; drives?: boolean }): Promise<void> {
    this.touch()
    return new Promise<void>((resolve, reject) => {
      const signal = options.signal ?? null
      let group = this.groups.get(signal)
      if (!group) this.groups.set(signal, (group = { signal, lastSignal: signal ? signal() : 0, fresh: true, waiters: [] }))
      const deadlineMs = this.sim.now + options.timeoutMs
      const drives = options.drives !== false
      group.waiters.push({ condition, deadlineMs, onTimeout: options.onTimeout, resolve, reject, drives })
      group.fresh = true
      this.waiterCount++
      if (drives) this.drivingCount++
      if (deadlineMs < this.earliestDeadlineMs) this.earliestDeadlineMs = deadlineMs
      if (drives && !this.pumping) void this.pump()
    })
  }

  /** Resolves after `delayMs` of simulated time (a retry backoff). */
  sleep(delayMs: number, label: string, options: { drives?: boolean; orUntil?: () => boolean } = {}): Promise<void> {
    const wakeAtMs = this.sim.now + delayMs
    // An event at the wake time, so that the simulation stops there even when idle.
    this.sim.after(delayMs, label, () => {})
    const orUntil = options.orUntil ?? (() => false)
    return this.until(() => this.sim.now >= wakeAtMs || orUntil(), { timeoutMs: Infinity, drives: options.drives, onTimeout: () => new Error(`${label}: the simulation stopped before ${wakeAtMs} ms`) })
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      await this.drainMicrotasks()
      while (this.drivingCount > 0) {
        if (this.settleReady()) {
          await this.drainMicrotasks()
          continue
        }
        const deadlineMs = this.earliestDeadlineMs
        if (this.sim.step(deadlineMs)) continue
        if (this.sim.pendingCount === 0 && deadlineMs === Infinity) {
          // The last event may have made a condition true (e.g. "nothing is pending"): settle those first.
          if (this.settleReady()) {
            await this.drainMicrotasks()
            continue
          }
          this.rejectAll((w) => {
            const error = w.onTimeout()
            error.message += ` (the simulation has nothing left to do at ${this.sim.now} ms)`
            return error
          })
        } else {
          // Nothing happens before the earliest deadline: move the clock there.
          this.sim.runFor(deadlineMs - this.sim.now)
        }
      }
    } finally {
      this.pumping = false
    }
  }

  /** Settles every waiter whose condition holds or whose deadline passed. True when any did. */
  private settleReady(): boolean {
    const now = this.sim.now
    const deadlinePassed = now >= this.earliestDeadlineMs
    const settle: (() => void)[] = []
    for (const group of this.groups.values()) {
      if (group.signal && !deadlinePassed && !group.fresh) {
        const value = group.signal()
        if (value === group.lastSignal) continue
        group.lastSignal = value
      }
      group.fresh = false
      let kept: Waiter[] | null = null
      const waiters = group.waiters
      for (let i = 0; i < waiters.length; i++) {
        const waiter = waiters[i]!
        let outcome: (() => void) | null = null
        try {
          if (waiter.condition()) outcome = waiter.resolve
          else if (now >= waiter.deadlineMs) outcome = () => waiter.reject(waiter.onTimeout())
        } catch (error) {
          outcome = () => waiter.reject(error as Error)
        }
        if (outcome) {
          settle.push(outcome)
          if (waiter.drives) this.drivingCount--
          kept ??= waiters.slice(0, i)
        } else if (kept) {
          kept.push(waiter)
        }
      }
      if (kept) group.waiters = kept
    }
    if (settle.length === 0) return false
    this.waiterCount -= settle.length
    this.earliestDeadlineMs = Infinity
    for (const group of this.groups.values()) for (const w of group.waiters) if (w.deadlineMs < this.earliestDeadlineMs) this.earliestDeadlineMs = w.deadlineMs
    for (const done of settle) done()
    return true
  }

  private rejectAll(error: (waiter: Waiter) => Error): void {
    const waiters = [...this.groups.values()].flatMap((g) => g.waiters)
    for (const group of this.groups.values()) group.waiters = []
    this.waiterCount = 0
    this.drivingCount = 0
    this.earliestDeadlineMs = Infinity
    for (const waiter of waiters) waiter.reject(error(waiter))
  }

  private async drainMicrotasks(): Promise<void> {
    let seen = this.activity
    for (let quiet = 0; quiet < QUIET_TICKS; quiet++) {
      await undefined
      if (this.activity !== seen) {
        seen = this.activity
        quiet = -1
      }
    }
  }
}

const clocks = new WeakMap<Simulation, VirtualTime>()

/** The one VirtualTime of a simulation: every facade object on it shares the pump. */
export function virtualTimeOf(sim: Simulation): VirtualTime {
  let clock = clocks.get(sim)
  if (!clock) clocks.set(sim, (clock = new VirtualTime(sim)))
  return clock
}
