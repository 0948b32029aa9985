// KafkaJS's instrumentation events (kafkajs src/instrumentation/emitter.js, event.js):
// on(eventName, listener) checks the name against the client's events and returns a
// function that removes the listener; each event is { id, type, timestamp, payload },
// listeners run asynchronously and their errors are logged, never thrown. The timestamp
// is simulated time.

import { KafkaJSNonRetriableError } from './errors.ts'
import type { Logger } from './logger.ts'

export interface InstrumentationEvent<T = unknown> {
  id: number
  type: string
  timestamp: number
  payload: T
}

export type Listener = (event: InstrumentationEvent) => unknown

export class InstrumentationEmitter {
  private readonly listeners = new Map<string, Set<Listener>>()
  private nextId = 0

  constructor(
    /** 'producer' or 'consumer': the prefix of the names in on()'s error message. */
    private readonly kind: string,
    private readonly events: Readonly<Record<string, string>>,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  on(eventName: string, listener: Listener): () => void {
    if (!Object.values(this.events).includes(eventName)) {
      const keys = Object.keys(this.events).map((key) => `${this.kind}.events.${key}`).join(', ')
      throw new KafkaJSNonRetriableError(`Event name should be one of ${keys}`)
    }
    let set = this.listeners.get(eventName)
    if (!set) this.listeners.set(eventName, (set = new Set()))
    set.add(listener)
    return () => void set.delete(listener)
  }

  emit(type: string, payload: unknown): void {
    const listeners = this.listeners.get(type)
    if (!listeners) return
    const event: InstrumentationEvent = { id: this.nextId++, type, timestamp: this.now(), payload }
    for (const listener of listeners) {
      Promise.resolve()
        .then(() => listener(event))
        .catch((e: Error) => this.logger.error(`Failed to execute listener: ${e.message}`, { eventName: type, stack: e.stack }))
    }
  }
}
