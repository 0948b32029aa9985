// A node's disk: what survives a crash, and what a power loss takes away.
//
// Every write goes to the page cache first. A process crash keeps the page cache (the
// kernel still owns it), so a restarted node sees everything it wrote. A power loss
// drops every write since the last flush: appends, truncations, overwrites and deletions
// alike, exactly as an unsynced file system would.
//
// Appends are O(1) and a flush is O(1) per file: a log keeps its current entries plus
// how much of that array is also the durable version, and only entries truncated away
// while still durable are copied aside.

import type { DurableLog, Storage } from '../core/node.ts'
import { InputError, requireNonEmptyString } from './input.ts'

class LogFile<T> implements DurableLog<T> {
  private current: T[] = []
  /** current[0, sharedLength) is also the start of the durable version... */
  private sharedLength = 0
  /** ...which continues with these entries, truncated from `current` since the last flush. */
  private durableRest: T[] = []

  constructor(
    readonly name: string,
    private readonly onWrite: () => void,
  ) {}

  get length(): number {
    return this.current.length
  }

  at(index: number): T | undefined {
    return this.current[index]
  }

  entries(): readonly T[] {
    return this.current
  }

  append(entry: T): void {
    this.current.push(entry)
    this.onWrite()
  }

  truncate(length: number): void {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new InputError(`log "${this.name}" truncate(length)`, 'a non-negative integer', length)
    }
    if (length >= this.current.length) return
    if (length < this.sharedLength) {
      this.durableRest = this.current.slice(length, this.sharedLength).concat(this.durableRest)
      this.sharedLength = length
    }
    this.current.length = length
    this.onWrite()
  }

  flush(): void {
    this.sharedLength = this.current.length
    this.durableRest = []
  }

  /** Back to the durable version. */
  loseUnflushed(): void {
    this.current = this.current.slice(0, this.sharedLength).concat(this.durableRest)
    this.sharedLength = this.current.length
    this.durableRest = []
  }
}

export class Disk implements Storage {
  private readonly logs = new Map<string, LogFile<unknown>>()
  /** Logs as of the last flush: a deletion or creation is also only durable once flushed. */
  private durableLogs = new Map<string, LogFile<unknown>>()
  private readonly values = new Map<string, unknown>()
  private durableValues = new Map<string, unknown>()
  private dirty = false
  /** Writes so far (appends, truncations, values, creations, deletions, flushes of dirty data): the host compares it around a handler to see whether the handler wrote. */
  private writes = 0

  /**
   * @param onDirty called when the first write after a flush lands, so the host can
   *   schedule the operating system's writeback.
   */
  constructor(private readonly onDirty: () => void = () => {}) {}

  get hasUnflushedWrites(): boolean {
    return this.dirty
  }

  /** How many writes the disk has taken; an fsync of dirty data counts as one. */
  get writeCount(): number {
    return this.writes
  }

  log<T>(name: string): DurableLog<T> {
    let log = this.logs.get(name)
    if (!log) {
      requireNonEmptyString(name, 'storage.log(name)')
      log = new LogFile<unknown>(name, this.markDirty)
      this.logs.set(name, log)
      this.markDirty()
    }
    return log as LogFile<T>
  }

  hasLog(name: string): boolean {
    return this.logs.has(name)
  }

  deleteLog(name: string): void {
    if (this.logs.delete(name)) this.markDirty()
  }

  logNames(): string[] {
    return [...this.logs.keys()]
  }

  read<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined
  }

  write(key: string, value: unknown): void {
    requireNonEmptyString(key, 'storage.write(key)')
    this.values.set(key, value)
    this.markDirty()
  }

  remove(key: string): void {
    if (this.values.delete(key)) this.markDirty()
  }

  flush(): void {
    if (!this.dirty) return
    this.writes++
    for (const log of this.logs.values()) log.flush()
    this.durableLogs = new Map(this.logs)
    this.durableValues = new Map(this.values)
    this.dirty = false
  }

  /** A power loss: everything since the last flush is gone. */
  loseUnflushed(): void {
    if (!this.dirty) return
    this.logs.clear()
    for (const [name, log] of this.durableLogs) {
      log.loseUnflushed()
      this.logs.set(name, log)
    }
    this.values.clear()
    for (const [key, value] of this.durableValues) this.values.set(key, value)
    this.dirty = false
  }

  private readonly markDirty = (): void => {
    this.writes++
    if (this.dirty) return
    this.dirty = true
    this.onDirty()
  }
}
