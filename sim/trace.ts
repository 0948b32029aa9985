// The trace: every delivery, drop, timer, command, fault and node event of a run, as
// typed records. Observers (the web app, checkers, lessons, reports) read the trace and
// snapshots, never node internals.
//
// Three views of it:
// - a bounded ring buffer of the newest records (`events`, `toJSONL()`);
// - subscribers, who see every record as it happens (for exporting a whole run);
// - a running hash over every record of the run, not just the buffered ones, so two
//   runs compare by one string.

import type { Message, NodeId, TraceData } from '../core/node.ts'
import { RunningHash, hashString } from './hash.ts'
import { InputError } from './input.ts'

export type DropReason =
  | 'isolated' // the sender or the receiver is isolated
  | 'partitioned' // sender and receiver are on different sides of a network partition
  | 'blocked' // a one-way block from the sender to the receiver
  | 'lost' // the link's loss probability
  | 'node-down' // the receiver is crashed
  | 'node-restarted' // the receiver crashed and restarted while it was in flight: its connection is gone

export interface KernelTraceData {
  deliver: { from: NodeId; message: Message; sentAt: number }
  drop: { from: NodeId; to: NodeId; message: Message; sentAt: number; reason: DropReason }
  timer: { name: string; timer: number }
  command: { command: unknown }
  action: { label: string }
  start: Record<string, never>
  crash: Record<string, never>
  'power-fail': Record<string, never>
  restart: Record<string, never>
  pause: Record<string, never>
  resume: Record<string, never>
  network: { change: string; [detail: string]: unknown }
  writeback: Record<string, never>
  /** A node's disk slowed (writeMs > 0) or restored (0): Simulation.slowDisk. */
  'disk-slow': { writeMs: number }
  /** A write on a slowed disk keeps the node busy until untilMs; `waiting` events are held meanwhile. */
  'disk-busy': { untilMs: number; waiting: number }
}

export type KernelTraceType = keyof KernelTraceData

export const KERNEL_TRACE_TYPES: readonly KernelTraceType[] = [
  'deliver', 'drop', 'timer', 'command', 'action', 'start', 'crash', 'power-fail',
  'restart', 'pause', 'resume', 'network', 'writeback', 'disk-slow', 'disk-busy',
]

export interface TraceRecord {
  /** Simulated ms. */
  readonly time: number
  /** Position in the whole run, from 0. */
  readonly seq: number
  /** The node the record is about; null for simulation-wide records (actions, network changes). */
  readonly node: NodeId | null
  /** A kernel type (KernelTraceType) or a node event's own type. */
  readonly type: string
  readonly data: TraceData
}

export type TraceListener = (record: TraceRecord) => void

export const DEFAULT_TRACE_CAPACITY = 10_000

// Record kinds in the ring buffer's columns: deliveries and drops are stored field by
// field, so the hot path allocates nothing; every other record keeps its data object.
const GENERIC = 0
const DELIVER = 1
const DROP = 2
const TIMER = 3

const DELIVER_HASH = hashString('deliver')
const DROP_HASH = hashString('drop')
const TIMER_HASH = hashString('timer')

/**
 * The ring buffer is kept column-wise (time, node, kind, data, from, message, sentAt)
 * rather than as record objects: recording a delivery then allocates nothing, and no
 * record outlives the young generation only to be evicted later. Records are built as
 * objects when someone reads them or subscribes.
 */
export class Trace {
  readonly capacity: number
  private next = 0
  private total = 0
  private readonly times: Float64Array
  private readonly sentAts: Float64Array
  private readonly kinds: Uint8Array
  private readonly nodes: (NodeId | null)[]
  private readonly types: string[]
  private readonly datas: (TraceData | DropReason | null)[]
  private readonly froms: (NodeId | null)[]
  private readonly messages: (Message | null)[]
  private readonly running = new RunningHash()
  private readonly stringHashes = new Map<string, number>()
  private listeners: TraceListener[] = []

  constructor(capacity = DEFAULT_TRACE_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new InputError('traceCapacity', 'a non-negative integer number of records', capacity)
    }
    this.capacity = capacity
    this.times = new Float64Array(capacity)
    this.sentAts = new Float64Array(capacity)
    this.kinds = new Uint8Array(capacity)
    this.nodes = new Array(capacity).fill(null)
    this.types = new Array(capacity).fill('')
    this.datas = new Array(capacity).fill(null)
    this.froms = new Array(capacity).fill(null)
    this.messages = new Array(capacity).fill(null)
  }

  /** How many records the whole run produced (the buffer keeps the newest `capacity`). */
  get count(): number {
    return this.total
  }

  /** The buffered records, oldest first. */
  get events(): TraceRecord[] {
    const buffered = Math.min(this.total, this.capacity)
    const out: TraceRecord[] = new Array(buffered)
    const firstSeq = this.total - buffered
    for (let i = 0; i < buffered; i++) {
      const slot = (this.next - buffered + i + this.capacity) % this.capacity
      out[i] = this.materialize(slot, firstSeq + i)
    }
    return out
  }

  /** The running hash over every record so far, as 16 hex digits. */
  hash(): string {
    return this.running.hex()
  }

  /** The buffered records as JSON Lines, oldest first. */
  toJSONL(): string {
    return this.events.map((record) => toJSONLine(record)).join('')
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners = [...this.listeners, listener]
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener)
    }
  }

  /**
   * Appends any record. `nodeHash` is the interned hash of the node id (0 for none).
   * The hash covers time, node, type and the data, structurally.
   */
  record(time: number, node: NodeId | null, nodeHash: number, type: string, data: TraceData): void {
    const running = this.running
    running.number(time)
    running.word(nodeHash)
    running.word(this.internedHash(type))
    running.value(data)
    const slot = this.claim(time, node, GENERIC)
    if (slot >= 0) {
      this.types[slot] = type
      this.datas[slot] = data
      this.froms[slot] = null
      this.messages[slot] = null
    }
    if (this.listeners.length > 0) this.publish({ time, seq: this.total - 1, node, type, data })
  }

  /** A message reached `to`. The hash covers the message's type, not its payload. */
  recordDelivery(time: number, to: NodeId, toHash: number, from: NodeId, fromHash: number, message: Message, sentAt: number): void {
    this.recordMessage(DELIVER, DELIVER_HASH, time, to, toHash, from, fromHash, message, sentAt, null)
  }

  /** A message to `to` was dropped (recorded against the receiver). */
  recordDrop(time: number, to: NodeId, toHash: number, from: NodeId, fromHash: number, message: Message, sentAt: number, reason: DropReason): void {
    this.recordMessage(DROP, DROP_HASH, time, to, toHash, from, fromHash, message, sentAt, reason)
  }

  /** A node's timer fired. */
  recordTimer(time: number, node: NodeId, nodeHash: number, name: string, timer: number): void {
    this.running.fixedRecord(time, nodeHash, TIMER_HASH, this.internedHash(name), timer, 0)
    const slot = this.claim(time, node, TIMER)
    if (slot >= 0) {
      this.types[slot] = name
      this.sentAts[slot] = timer
      this.datas[slot] = null
      this.froms[slot] = null
      this.messages[slot] = null
    }
    if (this.listeners.length > 0) {
      const data: KernelTraceData['timer'] = { name, timer }
      this.publish({ time, seq: this.total - 1, node, type: 'timer', data })
    }
  }

  private recordMessage(
    kind: typeof DELIVER | typeof DROP,
    kindHash: number,
    time: number,
    to: NodeId,
    toHash: number,
    from: NodeId,
    fromHash: number,
    message: Message,
    sentAt: number,
    reason: DropReason | null,
  ): void {
    this.running.fixedRecord(time, toHash, kindHash, fromHash, sentAt, this.internedHash(message.type))
    if (reason !== null) this.running.word(this.internedHash(reason))
    const slot = this.claim(time, to, kind)
    if (slot >= 0) {
      this.datas[slot] = reason
      this.froms[slot] = from
      this.messages[slot] = message
      this.sentAts[slot] = sentAt
    }
    if (this.listeners.length > 0) this.publish(messageRecord(this.total - 1, time, to, from, message, sentAt, reason))
  }

  /** Counts the record and returns its ring slot, or -1 when nothing is buffered. */
  private claim(time: number, node: NodeId | null, kind: number): number {
    this.total++
    if (this.capacity === 0) return -1
    const slot = this.next
    this.next = slot + 1 === this.capacity ? 0 : slot + 1
    this.times[slot] = time
    this.nodes[slot] = node
    this.kinds[slot] = kind
    return slot
  }

  private materialize(slot: number, seq: number): TraceRecord {
    const time = this.times[slot]!
    const node = this.nodes[slot]!
    switch (this.kinds[slot]) {
      case DELIVER:
      case DROP:
        return messageRecord(seq, time, node!, this.froms[slot]!, this.messages[slot]!, this.sentAts[slot]!, this.datas[slot] as DropReason | null)
      case TIMER: {
        const data: KernelTraceData['timer'] = { name: this.types[slot]!, timer: this.sentAts[slot]! }
        return { time, seq, node, type: 'timer', data }
      }
      default:
        return { time, seq, node, type: this.types[slot]!, data: this.datas[slot] as TraceData }
    }
  }

  private publish(record: TraceRecord): void {
    const listeners = this.listeners
    for (let i = 0; i < listeners.length; i++) listeners[i]!(record)
  }

  private internedHash(value: string): number {
    let hash = this.stringHashes.get(value)
    if (hash === undefined) {
      hash = hashString(value)
      this.stringHashes.set(value, hash)
    }
    return hash
  }
}

/** A delivery record, or a drop record when there is a reason. */
function messageRecord(seq: number, time: number, to: NodeId, from: NodeId, message: Message, sentAt: number, reason: DropReason | null): TraceRecord {
  if (reason === null) {
    const data: KernelTraceData['deliver'] = { from, message, sentAt }
    return { time, seq, node: to, type: 'deliver', data }
  }
  const data: KernelTraceData['drop'] = { from, to, message, sentAt, reason }
  return { time, seq, node: to, type: 'drop', data }
}

export function toJSONLine(record: TraceRecord): string {
  return JSON.stringify(record) + '\n'
}

/** A one-line, human-readable rendering of a record, for logs and the demo. */
export function formatRecord(record: TraceRecord): string {
  const time = `${record.time.toFixed(3).padStart(10)} ms`
  const node = record.node === null ? '-' : String(record.node)
  const data = record.data
  let detail: string
  switch (record.type) {
    case 'deliver': {
      const d = data as KernelTraceData['deliver']
      detail = `${d.message.type} from ${String(d.from)}`
      break
    }
    case 'drop': {
      const d = data as KernelTraceData['drop']
      detail = `${d.message.type} ${String(d.from)} -> ${String(d.to)} (${d.reason})`
      break
    }
    case 'timer': {
      const d = data as KernelTraceData['timer']
      detail = d.name
      break
    }
    default:
      detail = Object.keys(data).length === 0 ? '' : JSON.stringify(data)
  }
  return `${time}  ${node.padEnd(12)} ${record.type.padEnd(12)} ${detail}`.trimEnd()
}
