// Serves engine requests in order: quick ones at once, long ones (open, jump, export) a
// slice at a time so that a new request can cancel them, and background checkpoint
// building when nothing else is asked. The worker and the inline (same-thread) engine
// both use it; only how messages travel differs.

import { Engine, SLICE_MS, type Clock, type Task } from './engine.ts'
import type { Reply, RequestMessage } from './protocol.ts'
import { DEFAULT_SETTINGS, DEFAULT_SEED } from './spec.ts'

/** Background work per slice (a request that arrives meanwhile waits for the slice to end). */
const IDLE_SLICE_MS = 8
/** No background work while requests keep coming (the page is playing): on a small machine it would slow the page. */
const QUIET_MS = 300

export class EngineHost {
  private engine: Engine | null = null
  private queue: RequestMessage[] = []
  private task: { id: number; task: Task } | null = null
  private scheduled = false
  private lastRequestAt = -Infinity
  private wakeTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly clock: Clock,
    private readonly reply: (reply: Reply) => void,
    /** Runs `fn` soon, after pending messages (setTimeout 0, or a MessageChannel). */
    private readonly later: (fn: () => void) => void,
  ) {}

  receive(message: RequestMessage): void {
    this.lastRequestAt = this.clock.now()
    if (message.type === 'cancel' || message.type === 'open' || message.type === 'jump') {
      // A new destination replaces a journey under way.
      if (this.task) {
        this.reply({ type: 'error', id: this.task.id, message: 'cancelled' })
        this.task.task.return({ kind: 'none' })
        this.task = null
      }
      if (message.type === 'cancel') {
        this.reply({ type: 'result', id: message.id, data: { kind: 'none' } })
        return
      }
    }
    this.queue.push(message)
    this.schedule()
  }

  /** Comes back for background work once the page has been quiet long enough. */
  private wakeLater(ms: number): void {
    if (this.wakeTimer !== null) return
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null
      this.schedule()
    }, ms)
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    this.later(() => {
      this.scheduled = false
      this.pump()
    })
  }

  private pump(): void {
    try {
      if (this.task) {
        this.runTaskSlice()
      } else if (this.queue.length > 0) {
        const message = this.queue.shift()!
        this.serve(message)
      } else if (this.engine) {
        const quietFor = this.clock.now() - this.lastRequestAt
        if (quietFor < QUIET_MS) this.wakeLater(QUIET_MS - quietFor)
        else if (this.engine.idle(IDLE_SLICE_MS)) this.schedule()
        return
      }
    } catch (error) {
      console.error(error)
    }
    if (this.task || this.queue.length > 0 || this.engine) this.schedule()
  }

  private serve(message: RequestMessage): void {
    try {
      if (message.type === 'open' && !this.engine) this.engine = new Engine({ seed: DEFAULT_SEED, settings: DEFAULT_SETTINGS, actions: [] }, this.clock)
      if (!this.engine) throw new Error('the engine has no session yet')
      const task = this.engine.task(message)
      if (task) {
        this.task = { id: message.id, task }
        this.runTaskSlice()
        return
      }
      const data = this.engine.handle(message)
      this.reply({ type: 'result', id: message.id, data: data ?? { kind: 'none' } })
    } catch (error) {
      this.reply({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error) })
    }
  }

  private runTaskSlice(): void {
    const current = this.task!
    const until = this.clock.now() + SLICE_MS
    try {
      for (;;) {
        const next = current.task.next()
        if (next.done) {
          this.task = null
          this.reply({ type: 'result', id: current.id, data: next.value })
          return
        }
        if (this.clock.now() >= until) {
          this.reply({ type: 'progress', id: current.id, ...next.value })
          return
        }
      }
    } catch (error) {
      this.task = null
      this.reply({ type: 'error', id: current.id, message: error instanceof Error ? error.message : String(error) })
    }
  }
}
