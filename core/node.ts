// The contract between a Kafka node (broker, controller, client) and whatever hosts it.
//
// core/ holds Kafka's logic and nothing else: no clock, no randomness, no I/O. A node
// is a state machine that reacts to inputs (a message, a timer firing, a command) and
// acts on the world only through the context it was given. sim/ implements the
// context; core/ never imports from sim/.

/** Brokers are named by their numeric id, every other node by a name. */
export type NodeId = number | string

export type TimerId = number

/** Effects a node may have on the world, and the facts it may read from it. */
export interface NodeContext {
  readonly id: NodeId
  /** Simulated milliseconds since the run started. The only clock a node may read. */
  readonly now: number
  /** Sends a message over the simulated network (latency, FIFO per link, faults). */
  send<M extends Message>(to: NodeId, message: M): void
  /** Fires `onTimer(name, data)` after `delayMs` simulated ms, unless cancelled or the node crashes first. */
  setTimer(delayMs: number, name: string, data?: unknown): TimerId
  cancelTimer(timer: TimerId): void
  /** This node's own random stream: its draws never shift any other component's. */
  random(): number
  /** Records a node event in the trace (for observers, checkers and the trace hash). */
  emit(type: string, data?: TraceData): void
  /** Durable storage that survives crashes and restarts (see Storage). */
  readonly storage: Storage
}

/** Messages are plain objects with a `type`; the trace records and hashes the type. */
export interface Message {
  readonly type: string
}

/** JSON-like data only: the trace exports it as JSON and hashes it structurally. */
export type TraceData = { readonly [key: string]: unknown }

export interface SimNode {
  /** Called once the node is created, and again after each restart. */
  start?(): void
  onMessage(from: NodeId, message: Message): void
  onTimer(name: string, data: unknown, timer: TimerId): void
  /** Commands come from outside the network (an operator, a scenario, the web app); the answer goes back to the caller. */
  onCommand?(command: unknown): unknown
  /** A plain-JSON view of the node's state for snapshot(); never mutated by observers. */
  snapshot?(): unknown
}

/**
 * Builds a node. Called when the node is added and on every restart: a restart starts
 * from nothing but what `ctx.storage` kept, exactly as a process that crashed.
 */
export type NodeFactory = (ctx: NodeContext) => SimNode

/**
 * A node's disk. Writes land in the page cache first (the unflushed tail) and become
 * durable on `flush()` or on the host's periodic writeback. A process crash keeps the
 * page cache; a power loss drops everything written since the last flush.
 */
export interface Storage {
  /** An append-only file of entries, created on first use. */
  log<T>(name: string): DurableLog<T>
  hasLog(name: string): boolean
  deleteLog(name: string): void
  logNames(): string[]
  /** Small files overwritten in place (checkpoints, metadata). */
  read<T>(key: string): T | undefined
  write(key: string, value: unknown): void
  remove(key: string): void
  /** fsync: everything written so far survives a power loss. */
  flush(): void
}

export interface DurableLog<T> {
  readonly length: number
  at(index: number): T | undefined
  append(entry: T): void
  /** Drops every entry at `length` and beyond. */
  truncate(length: number): void
  /** The entries, oldest first; a read-only view, not a copy. */
  entries(): readonly T[]
}
