// One simulation run: the virtual clock, the event queue, the nodes it hosts, the
// network between them, their disks, fault injection and the trace.
//
// Time is an input: nothing here reads the wall clock, and the clock only moves when
// the next event is taken from the queue. Events due at the same time run in the order
// they were scheduled. One seed, one program of calls -> one trace, event for event.

import type { Message, NodeContext, NodeFactory, NodeId, SimNode, Storage, TimerId, TraceData } from '../core/node.ts'
import { Disk } from './disk.ts'
import { hashString } from './hash.ts'
import { describeValue } from '../core/describe.ts'
import { InputError, requireDurationMs, requireNonEmptyString, requirePlainObject, rejectUnknownKeys, requireSeed } from './input.ts'
import { Network, type LinkSpec, type NetworkFaults } from './network.ts'
import { EventQueue } from './queue.ts'
import { RandomStreams, type RandomStream } from './random.ts'
import { DEFAULT_TRACE_CAPACITY, KERNEL_TRACE_TYPES, Trace, type DropReason } from './trace.ts'

export interface SimulationOptions {
  /** The root seed every random stream is derived from: a non-negative integer. */
  seed: number
  /** Default latency and loss of every link (see LatencySpec). */
  network?: LinkSpec
  /** How many of the newest trace records to keep for observers (the hash covers all). */
  traceCapacity?: number
  disk?: {
    /**
     * Simulated ms after a disk's first unflushed write until the operating system
     * writes its page cache back (Linux's dirty_expire_centisecs is 30 s). null: never,
     * only explicit flushes make writes durable.
     */
    writebackDelayMs?: number | null
  }
}

export const DEFAULT_WRITEBACK_DELAY_MS = 30_000

export type NodeState = 'up' | 'paused' | 'crashed'

export interface NodeSnapshot {
  id: NodeId
  state: NodeState
  /** How many times the node has been restarted. */
  incarnation: number
  pendingTimers: number
  unflushedWrites: boolean
  /** The node's own view (its snapshot()), absent while crashed. */
  view?: unknown
}

export interface SimulationSnapshot {
  timeMs: number
  events: number
  traceHash: string
  nodes: NodeSnapshot[]
  network: NetworkFaults
}

export class TimeoutError extends Error {
  override name = 'TimeoutError'
}

// Event kinds, as small integers so the dispatch in step() stays a cheap switch.
const DELIVER = 0
const TIMER = 1
const ACTION = 2
const WRITEBACK = 3
/** A slowed disk finished a write: the node takes the next event it held meanwhile. */
const DISK_FREE = 4
type EventKind = typeof DELIVER | typeof TIMER | typeof ACTION | typeof WRITEBACK | typeof DISK_FREE

/**
 * One class for every kind of event keeps property access monomorphic on the hot path.
 * Events are pooled and reused: allocating a fresh one per event measured 50 to 100 ns
 * slower per event in the kernel benchmark, as much as the queue's own work.
 */
class PendingEvent {
  /** Bumped each time the pooled object is reused; with `slot` it names one use (see EVENT_SLOTS). */
  generation = 0
  kind: EventKind = DELIVER
  target: HostedNode | null = null
  from: HostedNode | null = null
  /** The message, timer data, or action callback. */
  payload: unknown = null
  /** When the message was sent or the timer set. */
  createdAt = 0
  /** The target's incarnation when scheduled: a restarted node never sees its past life's events. */
  incarnation = 0
  /** Timer id, or 0. */
  timer = 0
  /**
   * The timer's number in the run: 1 for the first timer set, 2 for the next. The trace
   * records this, not the id: ids name pool slots, whose reuse depends on how a run was
   * sliced into step() calls, while this depends only on the run.
   */
  timerNumber = 0
  /** Timer name or action label. */
  name = ''
  cancelled = false
  /** Set once a delivery reached a paused or disk-busy node: it is in the socket buffer, past the network. */
  arrived = false
  /** In a paused or disk-busy node's backlog rather than in the queue: not to be reused yet. */
  parked = false
  constructor(
    /** Index in the simulation's registry of pooled events, for O(1) timer lookup. */
    readonly slot: number,
  ) {}
}

// A timer id names one use of one pooled event: generation * EVENT_SLOTS + slot. Ids are
// unique within a run (2^32 reuses per slot) and cancelling needs no map.
const EVENT_SLOTS = 2 ** 21

const KERNEL_TYPES = new Set<string>(KERNEL_TRACE_TYPES)

/** Numeric ids below this are looked up in an array rather than a map. */
const SMALL_ID_LIMIT = 65_536

/** How errors name a node: 2 for a broker, "producer-1" (quoted) for a named node. */
function nodeLabel(id: NodeId): string {
  return typeof id === 'string' ? JSON.stringify(id) : String(id)
}
const EMPTY: Record<string, never> = Object.freeze({}) as Record<string, never>

class HostedNode {
  state: NodeState = 'up'
  incarnation = 0
  instance: SimNode | null = null
  context: HostedContext | null = null
  pendingTimers = 0
  /** Events that reached the node while it was paused or its slow disk was busy, in arrival order. */
  backlog: PendingEvent[] = []
  /** Simulated ms each handler that writes to the disk keeps the node busy (slowDisk); 0: writes cost nothing. */
  diskWriteMs = 0
  /** While a slow write is under way, or held events wait: the DISK_FREE event that hands over the next one. */
  diskFree: PendingEvent | null = null
  /** The operating system's pending writeback of this node's page cache, if any. */
  writeback: PendingEvent | null = null
  readonly disk: Disk

  constructor(
    readonly index: number,
    readonly id: NodeId,
    readonly idHash: number,
    readonly factory: NodeFactory,
    readonly random: RandomStream,
    onDiskDirty: (node: HostedNode) => void,
  ) {
    this.disk = new Disk(() => onDiskDirty(this))
  }
}

/** The context a node instance acts through; dead once its incarnation crashes. */
class HostedContext implements NodeContext {
  alive = true
  /** The node's stream, held here too: one pointer hop less on every draw. */
  private readonly stream: RandomStream
  constructor(
    private readonly sim: Simulation,
    private readonly host: HostedNode,
  ) {
    this.stream = host.random
  }

  get id(): NodeId {
    return this.host.id
  }

  get now(): number {
    return this.sim.now
  }

  get storage(): Storage {
    return this.host.disk
  }

  send(to: NodeId, message: Message): void {
    this.checkAlive()
    this.sim._send(this.host, to, message)
  }

  setTimer(delayMs: number, name: string, data?: unknown): TimerId {
    this.checkAlive()
    return this.sim._setTimer(this.host, delayMs, name, data)
  }

  cancelTimer(timer: TimerId): void {
    this.checkAlive()
    this.sim._cancelTimer(this.host, timer)
  }

  random(): number {
    return this.stream.next()
  }

  emit(type: string, data: TraceData = EMPTY): void {
    this.checkAlive()
    if (typeof type !== 'string' || type.length === 0 || KERNEL_TYPES.has(type)) {
      throw new InputError(`node ${nodeLabel(this.host.id)} emit(type)`, 'a non-empty event type that is not a kernel trace type', type)
    }
    this.sim._trace(this.host, type, data)
  }

  private checkAlive(): void {
    if (!this.alive) throw new Error(`node ${nodeLabel(this.host.id)}: a crashed incarnation's context was used`)
  }
}

export class Simulation {
  readonly seed: number
  readonly random: RandomStreams
  readonly network: Network
  readonly trace: Trace
  private clock = 0
  private processed = 0
  /** Timers set so far in the run (see PendingEvent.timerNumber). */
  private timersSet = 0
  private readonly queue = new EventQueue<PendingEvent>()
  private readonly eventPool: PendingEvent[] = []
  /** Every pooled event ever created, by slot. */
  private readonly eventSlots: PendingEvent[] = []
  private readonly nodes: HostedNode[] = []
  private readonly indexById = new Map<NodeId, number>()
  /** indexById for small numeric ids (brokers): an array read instead of a map lookup on every send. */
  private readonly indexBySmallId: number[] = []
  private readonly idStrings = new Set<string>()
  private readonly writebackDelayMs: number | null
  private afterEventObservers: (() => void)[] = []

  constructor(options: SimulationOptions) {
    const where = 'Simulation(options)'
    requirePlainObject(options, where)
    rejectUnknownKeys(options as unknown as Record<string, unknown>, ['seed', 'network', 'traceCapacity', 'disk'], where)
    this.seed = requireSeed(options.seed, `${where}.seed`)
    this.random = new RandomStreams(this.seed)
    this.trace = new Trace(options.traceCapacity ?? DEFAULT_TRACE_CAPACITY)
    const disk = options.disk === undefined ? {} : requirePlainObject(options.disk, `${where}.disk`)
    rejectUnknownKeys(disk, ['writebackDelayMs'], `${where}.disk`)
    const delay = disk.writebackDelayMs
    this.writebackDelayMs =
      delay === null ? null : delay === undefined ? DEFAULT_WRITEBACK_DELAY_MS : requireDurationMs(delay, `${where}.disk.writebackDelayMs`)
    this.network = new Network(
      {
        indexOf: (node, at) => this.indexOf(node, at),
        idOf: (index) => this.nodes[index]!.id,
        stream: (name) => this.random.stream(name),
        traceChange: (change, detail) => this.trace.record(this.clock, null, 0, 'network', { change, ...detail }),
      },
      options.network ?? {},
    )
  }

  /** Simulated ms since the run started. */
  get now(): number {
    return this.clock
  }

  /** Events processed so far (deliveries, drops on arrival, timers, actions, writebacks). */
  get eventCount(): number {
    return this.processed
  }

  /** Events waiting in the queue (cancelled timers included until their time comes). */
  get pendingCount(): number {
    return this.queue.size
  }

  // --- nodes -------------------------------------------------------------------------

  /** Adds a node and starts it now. */
  addNode(id: NodeId, factory: NodeFactory): void {
    const where = 'addNode(id)'
    if (typeof id === 'number') {
      if (!Number.isSafeInteger(id) || id < 0) throw new InputError(where, 'a non-negative integer or a non-empty string', id)
    } else if (typeof id !== 'string' || id.length === 0) {
      throw new InputError(where, 'a non-negative integer or a non-empty string', id)
    }
    if (this.idStrings.has(String(id))) throw new InputError(where, 'a node id not yet used', id)
    if (typeof factory !== 'function') throw new InputError('addNode(factory)', 'a function that builds the node', factory)
    const index = this.nodes.length
    const host = new HostedNode(index, id, hashString(`${typeof id}:${String(id)}`), factory, this.random.stream(`node:${String(id)}`), (node) =>
      this.scheduleWriteback(node),
    )
    this.nodes.push(host)
    this.indexById.set(id, index)
    if (typeof id === 'number' && id < SMALL_ID_LIMIT) {
      while (this.indexBySmallId.length <= id) this.indexBySmallId.push(-1)
      this.indexBySmallId[id] = index
    }
    this.idStrings.add(String(id))
    this.network.addNode(index)
    this.trace.record(this.clock, id, host.idHash, 'start', EMPTY)
    this.boot(host)
  }

  nodeIds(): NodeId[] {
    return this.nodes.map((node) => node.id)
  }

  hasNode(id: NodeId): boolean {
    return this.indexById.has(id)
  }

  stateOf(id: NodeId): NodeState {
    return this.host(id, 'stateOf(node)').state
  }

  /** The live node instance, for read-only views; undefined while crashed. */
  instanceOf<T extends SimNode = SimNode>(id: NodeId): T | undefined {
    return (this.host(id, 'instanceOf(node)').instance ?? undefined) as T | undefined
  }

  /** A node's disk, for inspection by tests and checkers. */
  storageOf(id: NodeId): Storage {
    return this.host(id, 'storageOf(node)').disk
  }

  /** Calls `observer` after every event, for invariant checkers. Returns a function that removes it. */
  afterEachEvent(observer: () => void): () => void {
    this.afterEventObservers = [...this.afterEventObservers, observer]
    return () => {
      this.afterEventObservers = this.afterEventObservers.filter((o) => o !== observer)
    }
  }

  // --- faults --------------------------------------------------------------------------

  /** A process crash: volatile state and pending timers are lost, the page cache is not. */
  crash(id: NodeId): void {
    const host = this.host(id, 'crash(node)')
    this.requireState(host, ['up', 'paused'], 'crash')
    this.kill(host)
    this.trace.record(this.clock, host.id, host.idHash, 'crash', EMPTY)
  }

  /** A machine crash: as crash(), and every write since the last flush is lost too. */
  powerFail(id: NodeId): void {
    const host = this.host(id, 'powerFail(node)')
    this.requireState(host, ['up', 'paused'], 'power-fail')
    this.kill(host)
    host.disk.loseUnflushed()
    if (host.writeback) host.writeback.cancelled = true
    host.writeback = null
    this.trace.record(this.clock, host.id, host.idHash, 'power-fail', EMPTY)
  }

  /** Starts a crashed node again from what its disk kept. */
  restart(id: NodeId): void {
    const host = this.host(id, 'restart(node)')
    this.requireState(host, ['crashed'], 'restart')
    host.state = 'up'
    host.incarnation++
    this.trace.record(this.clock, host.id, host.idHash, 'restart', EMPTY)
    this.boot(host)
  }

  /** A stop-the-world pause (a long GC): state kept, nothing processed until resume(). */
  pause(id: NodeId): void {
    const host = this.host(id, 'pause(node)')
    this.requireState(host, ['up'], 'pause')
    host.state = 'paused'
    this.trace.record(this.clock, host.id, host.idHash, 'pause', EMPTY)
  }

  /** Ends a pause: what arrived meanwhile (messages, due timers) is processed now, in order. */
  resume(id: NodeId): void {
    const host = this.host(id, 'resume(node)')
    this.requireState(host, ['paused'], 'resume')
    host.state = 'up'
    this.trace.record(this.clock, host.id, host.idHash, 'resume', EMPTY)
    // A slow write still under way: its DISK_FREE hands the backlog over, one event at a time.
    if (host.diskFree !== null) return
    const backlog = host.backlog
    host.backlog = []
    for (const event of backlog) {
      event.parked = false
      this.queue.push(this.clock, event)
    }
  }

  /**
   * A slow or saturated disk: from now on every message or timer the node handles that
   * writes to its disk (an append, a truncation, a value, a flush of dirty data) keeps the
   * node busy for `writeMs` simulated ms, as a Kafka request handler or replica fetcher
   * thread blocks on a throttled page-cache write or an fsync. What arrives meanwhile
   * waits, in order, in the same backlog a pause uses. 0 restores a normal disk (a write
   * already under way still finishes). The slowness is the machine's: it outlasts a restart.
   * Simplified: in Kafka only the writing thread waits (a request handler, or the replica
   * fetcher in ReplicaFetcherThread.processPartitionData), while heartbeats run on their
   * own thread (BrokerLifecycleManager); here the whole node waits (core/README.md).
   */
  slowDisk(id: NodeId, writeMs: number): void {
    const host = this.host(id, 'slowDisk(node)')
    host.diskWriteMs = requireDurationMs(writeMs, `slowDisk(writeMs) for node ${nodeLabel(host.id)}`)
    this.trace.record(this.clock, host.id, host.idHash, 'disk-slow', { writeMs: host.diskWriteMs })
  }

  /** The node's slow-disk write time set by slowDisk(), 0 when its disk is normal. */
  diskWriteMsOf(id: NodeId): number {
    return this.host(id, 'diskWriteMsOf(node)').diskWriteMs
  }

  // --- outside input -------------------------------------------------------------------

  /**
   * Hands a command to a node now (from an operator, a scenario, the web app) and returns
   * the node's answer. A crashed or paused node cannot take one: it throws, naming why.
   */
  command<T = unknown>(id: NodeId, command: unknown): T {
    const host = this.host(id, 'command(node)')
    if (host.state !== 'up') throw new Error(`command to node ${nodeLabel(id)}: the node is ${host.state}`)
    const instance = host.instance!
    if (!instance.onCommand) throw new Error(`node ${nodeLabel(id)} does not take commands`)
    this.trace.record(this.clock, host.id, host.idHash, 'command', { command })
    return instance.onCommand(command) as T
  }

  /** Runs `action` at simulated time `timeMs` (a scenario's timeline step, a fault). */
  at(timeMs: number, label: string, action: () => void): void {
    if (typeof timeMs !== 'number' || !Number.isFinite(timeMs) || timeMs < this.clock) {
      throw new InputError(`at(timeMs) for "${String(label)}"`, `a finite time not in the past (now is ${this.clock} ms)`, timeMs)
    }
    requireNonEmptyString(label, 'at(label)')
    if (typeof action !== 'function') throw new InputError(`at(action) for "${label}"`, 'a function', action)
    const event = this.newEvent(ACTION, null, null, action, 0)
    event.name = label
    this.queue.push(timeMs, event)
  }

  /** Runs `action` `delayMs` simulated ms from now. */
  after(delayMs: number, label: string, action: () => void): void {
    this.at(this.clock + requireDurationMs(delayMs, `after(delayMs) for "${String(label)}"`), label, action)
  }

  // --- running -------------------------------------------------------------------------

  /**
   * Processes the next event, if it is due no later than `untilTimeMs`. Returns false
   * when nothing is left to happen by then.
   */
  step(untilTimeMs = Infinity): boolean {
    const queue = this.queue
    for (;;) {
      const event = queue.take()
      if (event === undefined) return false
      if (event.cancelled || (event.kind === TIMER && this.isStaleTimer(event))) {
        queue.settle()
        this.recycle(event)
        continue
      }
      if (queue.poppedTime > untilTimeMs) {
        queue.untake()
        return false
      }
      this.clock = queue.poppedTime
      this.processed++
      this.dispatch(event)
      // Usually a no-op: the handler's first push refilled the taken slot.
      queue.settle()
      if (!event.parked) this.recycle(event)
      const observers = this.afterEventObservers
      for (let i = 0; i < observers.length; i++) observers[i]!()
      return true
    }
  }

  /** Runs every event due within the next `durationMs`, then sets the clock to its end. */
  runFor(durationMs: number): void {
    const end = this.clock + requireDurationMs(durationMs, 'runFor(durationMs)')
    while (this.step(end)) {
      // each step runs one event due by `end`
    }
    this.clock = end
  }

  /**
   * Runs until `condition()` holds (checked before the first event and after each one).
   * Throws a TimeoutError naming the time, the events run and `describe()`'s reason when
   * it does not hold within `timeoutMs`, or when nothing is left to happen.
   */
  runUntil(condition: () => boolean, options: { timeoutMs: number; describe?: () => string }): void {
    if (typeof condition !== 'function') throw new InputError('runUntil(condition)', 'a function returning a boolean', condition)
    const timeoutMs = requireDurationMs(options?.timeoutMs, 'runUntil(options.timeoutMs)')
    const start = this.clock
    const deadline = start + timeoutMs
    const startEvents = this.processed
    while (!condition()) {
      if (!this.step(deadline)) {
        const idle = this.queue.size === 0
        this.clock = idle ? this.clock : deadline
        const why = options.describe ? `: ${options.describe()}` : ''
        throw new TimeoutError(
          `runUntil: condition not met within ${timeoutMs} ms (from ${start} ms to ${this.clock} ms, ${this.processed - startEvents} events` +
            `${idle ? ', then nothing left to happen' : ''})${why}`,
        )
      }
    }
  }

  /** Runs until no event is left. Throws when more than `maxEvents` run (a run with periodic timers never idles). */
  runUntilIdle(options: { maxEvents?: number } = {}): void {
    const maxEvents = options.maxEvents ?? 10_000_000
    if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) {
      throw new InputError('runUntilIdle(options.maxEvents)', 'a positive integer', maxEvents)
    }
    const limit = this.processed + maxEvents
    while (this.step()) {
      if (this.processed >= limit && this.queue.size > 0) {
        throw new TimeoutError(`runUntilIdle: still busy after ${maxEvents} events at ${this.clock} ms (${this.queue.size} pending)`)
      }
    }
  }

  snapshot(): SimulationSnapshot {
    return {
      timeMs: this.clock,
      events: this.processed,
      traceHash: this.trace.hash(),
      nodes: this.nodes.map((node) => {
        const snapshot: NodeSnapshot = {
          id: node.id,
          state: node.state,
          incarnation: node.incarnation,
          pendingTimers: node.pendingTimers,
          unflushedWrites: node.disk.hasUnflushedWrites,
        }
        const view = node.instance?.snapshot?.()
        if (view !== undefined) snapshot.view = view
        return snapshot
      }),
      network: this.network.faults(),
    }
  }

  // --- internals, called by HostedContext -----------------------------------------------

  /** @internal */
  _send(from: HostedNode, to: NodeId, message: Message): void {
    const toIndex = this.findIndex(to)
    if (toIndex < 0) throw this.unknownNode(to, `node ${nodeLabel(from.id)} send(to)`)
    const target = this.nodes[toIndex]!
    if (typeof message !== 'object' || message === null || typeof message.type !== 'string') {
      throw new InputError(`node ${nodeLabel(from.id)} send(message)`, 'an object with a string `type`', message)
    }
    const now = this.clock
    const network = this.network
    if (network.hasFaults) {
      const cut = network.cutReason(from.index, target.index)
      if (cut !== null) {
        this.traceDrop(from, target, message, now, cut)
        return
      }
    }
    const deliverAt = network.route(from.index, target.index, now)
    if (deliverAt < 0) {
      this.traceDrop(from, target, message, now, 'lost')
      return
    }
    // newEvent's work, written out: V8 does not inline newEvent into this, the kernel's
    // hottest function, and the call costs some 8% of the kernel benchmark.
    const event = this.eventPool.pop() ?? this.createEvent()
    event.generation++
    event.kind = DELIVER
    event.target = target
    event.from = from
    event.payload = message
    event.createdAt = now
    event.incarnation = target.incarnation
    event.cancelled = false
    event.arrived = false
    event.parked = false
    this.queue.push(deliverAt, event)
  }

  /** @internal */
  _setTimer(host: HostedNode, delayMs: number, name: string, data: unknown): TimerId {
    if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs === Infinity) {
      throw new InputError(`node ${nodeLabel(host.id)} setTimer(delayMs) for "${String(name)}"`, 'a finite, non-negative number of milliseconds', delayMs)
    }
    if (typeof name !== 'string' || name.length === 0) {
      throw new InputError(`node ${nodeLabel(host.id)} setTimer(name)`, 'a non-empty string', name)
    }
    const event = this.newEvent(TIMER, host, null, data, host.incarnation)
    const id = event.generation * EVENT_SLOTS + event.slot
    event.timer = id
    event.timerNumber = ++this.timersSet
    event.name = name
    host.pendingTimers++
    this.queue.push(this.clock + delayMs, event)
    return id
  }

  /** @internal Cancelling a timer that already fired, or was never set, does nothing. */
  _cancelTimer(host: HostedNode, timer: TimerId): void {
    if (typeof timer !== 'number' || !Number.isSafeInteger(timer) || timer < 0) {
      throw new InputError(`node ${nodeLabel(host.id)} cancelTimer(timer)`, 'a timer id returned by setTimer', timer)
    }
    const event = this.eventSlots[timer % EVENT_SLOTS]
    if (event !== undefined && event.timer === timer && event.kind === TIMER && event.target === host && !event.cancelled) {
      event.cancelled = true
      host.pendingTimers--
    }
  }

  /** @internal */
  _trace(host: HostedNode, type: string, data: TraceData): void {
    this.trace.record(this.clock, host.id, host.idHash, type, data)
  }

  // --- private -------------------------------------------------------------------------

  private dispatch(event: PendingEvent): void {
    switch (event.kind) {
      case DELIVER:
        return this.deliver(event)
      case TIMER:
        return this.fireTimer(event)
      case ACTION:
        this.trace.record(this.clock, null, 0, 'action', { label: event.name })
        return (event.payload as () => void)()
      case WRITEBACK: {
        const host = event.target!
        host.writeback = null
        host.disk.flush()
        this.trace.record(this.clock, host.id, host.idHash, 'writeback', EMPTY)
        return
      }
      case DISK_FREE:
        return this.releaseHeld(event.target!)
    }
  }

  private deliver(event: PendingEvent): void {
    const target = event.target!
    const from = event.from!
    const message = event.payload as Message
    if (target.state === 'crashed') return this.traceDrop(from, target, message, event.createdAt, 'node-down')
    if (target.incarnation !== event.incarnation) return this.traceDrop(from, target, message, event.createdAt, 'node-restarted')
    if (!event.arrived) {
      if (this.network.hasFaults) {
        const cut = this.network.cutReason(from.index, target.index)
        if (cut !== null) return this.traceDrop(from, target, message, event.createdAt, cut)
      }
      if (target.state === 'paused') {
        event.arrived = true
        this.park(target, event)
        return
      }
    }
    if (target.diskFree !== null) {
      event.arrived = true
      this.park(target, event)
      return
    }
    this.handleMessage(target, event)
  }

  private handleMessage(target: HostedNode, event: PendingEvent): void {
    const from = event.from!
    const message = event.payload as Message
    this.trace.recordDelivery(this.clock, target.id, target.idHash, from.id, from.idHash, message, event.createdAt)
    const writeMs = target.diskWriteMs
    if (writeMs === 0) {
      target.instance!.onMessage(from.id, message)
      return
    }
    const writesBefore = target.disk.writeCount
    target.instance!.onMessage(from.id, message)
    if (target.disk.writeCount !== writesBefore) this.startDiskWrite(target, writeMs)
  }

  private fireTimer(event: PendingEvent): void {
    const target = event.target!
    if (target.state === 'paused' || target.diskFree !== null) {
      this.park(target, event)
      return
    }
    this.handleTimer(target, event)
  }

  private handleTimer(target: HostedNode, event: PendingEvent): void {
    target.pendingTimers--
    // Fired: a cancelTimer from inside its own handler must be the no-op it is for any fired timer.
    event.cancelled = true
    this.trace.recordTimer(this.clock, target.id, target.idHash, event.name, event.timerNumber)
    const writeMs = target.diskWriteMs
    if (writeMs === 0) {
      target.instance!.onTimer(event.name, event.payload, event.timer)
      return
    }
    const writesBefore = target.disk.writeCount
    target.instance!.onTimer(event.name, event.payload, event.timer)
    if (target.disk.writeCount !== writesBefore) this.startDiskWrite(target, writeMs)
  }

  /** The handler just run wrote to a slowed disk: the node is busy until the write completes. */
  private startDiskWrite(host: HostedNode, writeMs: number): void {
    const untilMs = this.clock + writeMs
    host.diskFree = this.newEvent(DISK_FREE, host, null, null, host.incarnation)
    this.queue.push(untilMs, host.diskFree)
    this.trace.record(this.clock, host.id, host.idHash, 'disk-busy', { untilMs, waiting: host.backlog.length })
  }

  /**
   * A slow write finished (or the previous held event did not write): the node takes the
   * oldest event it held. Later ones stay held behind it, and so does anything that
   * arrives meanwhile, until the backlog is empty: arrival order is kept.
   */
  private releaseHeld(host: HostedNode): void {
    host.diskFree = null
    // Paused meanwhile: resume() hands the backlog over.
    if (host.state !== 'up') return
    const backlog = host.backlog
    while (backlog.length > 0) {
      const held = backlog.shift()!
      held.parked = false
      if (held.cancelled) {
        this.recycle(held)
        continue
      }
      if (held.kind === DELIVER) this.handleMessage(host, held)
      else this.handleTimer(host, held)
      this.recycle(held)
      if (host.diskFree === null && backlog.length > 0) {
        // It did not write: the next held event is taken at once, after what is already due now.
        host.diskFree = this.newEvent(DISK_FREE, host, null, null, host.incarnation)
        this.queue.push(this.clock, host.diskFree)
      }
      return
    }
  }

  private boot(host: HostedNode): void {
    const context = new HostedContext(this, host)
    host.context = context
    const instance = host.factory(context)
    if (typeof instance !== 'object' || instance === null || typeof instance.onMessage !== 'function' || typeof instance.onTimer !== 'function') {
      throw new InputError(`node ${nodeLabel(host.id)} factory`, 'a node with onMessage and onTimer methods', instance)
    }
    host.instance = instance
    instance.start?.()
  }

  private kill(host: HostedNode): void {
    for (const event of host.backlog) {
      if (event.kind === DELIVER) this.traceDrop(event.from!, host, event.payload as Message, event.createdAt, 'node-down')
      this.recycle(event)
    }
    host.backlog = []
    if (host.diskFree !== null) host.diskFree.cancelled = true
    host.diskFree = null
    // Its queued timers go stale (see isStaleTimer) and are skipped when their time comes.
    host.pendingTimers = 0
    host.context!.alive = false
    host.context = null
    host.instance = null
    host.state = 'crashed'
  }

  /** A pooled event with its common fields set; timers and actions then set `timer` and `name`, which only they read. */
  private newEvent(kind: EventKind, target: HostedNode | null, from: HostedNode | null, payload: unknown, incarnation: number): PendingEvent {
    const event = this.eventPool.pop() ?? this.createEvent()
    event.generation++
    event.kind = kind
    event.target = target
    event.from = from
    event.payload = payload
    event.createdAt = this.clock
    event.incarnation = incarnation
    event.cancelled = event.arrived = event.parked = false
    return event
  }

  private createEvent(): PendingEvent {
    const slot = this.eventSlots.length
    if (slot === EVENT_SLOTS) throw new Error(`more than ${EVENT_SLOTS} events pending at once at ${this.clock} ms`)
    const event = new PendingEvent(slot)
    this.eventSlots.push(event)
    return event
  }

  /** A timer set by an incarnation that has since crashed. */
  private isStaleTimer(event: PendingEvent): boolean {
    const target = event.target!
    return target.state === 'crashed' || target.incarnation !== event.incarnation
  }

  private recycle(event: PendingEvent): void {
    // Drop references so a pooled event keeps nothing alive.
    event.target = null
    event.from = null
    event.payload = null
    this.eventPool.push(event)
  }

  private park(host: HostedNode, event: PendingEvent): void {
    event.parked = true
    host.backlog.push(event)
  }

  private scheduleWriteback(host: HostedNode): void {
    if (this.writebackDelayMs === null || host.writeback) return
    host.writeback = this.newEvent(WRITEBACK, host, null, null, 0)
    this.queue.push(this.clock + this.writebackDelayMs, host.writeback)
  }

  private traceDrop(from: HostedNode, to: HostedNode, message: Message, sentAt: number, reason: DropReason): void {
    this.trace.recordDrop(this.clock, to.id, to.idHash, from.id, from.idHash, message, sentAt, reason)
  }

  private requireState(host: HostedNode, allowed: NodeState[], action: string): void {
    if (!allowed.includes(host.state)) {
      throw new Error(`cannot ${action} node ${nodeLabel(host.id)}: it is ${host.state} (expected ${allowed.join(' or ')})`)
    }
  }

  private host(id: NodeId, where: string): HostedNode {
    return this.nodes[this.indexOf(id, where)]!
  }

  private indexOf(id: NodeId, where: string): number {
    const index = this.findIndex(id)
    if (index < 0) throw this.unknownNode(id, where)
    return index
  }

  /** The node's index, or -1. Builds no strings: it runs on every send. */
  private findIndex(id: NodeId): number {
    if (typeof id === 'number' && id >= 0 && id < this.indexBySmallId.length) {
      const index = this.indexBySmallId[id]!
      if (index >= 0) return index
    }
    return this.indexById.get(id) ?? -1
  }

  private unknownNode(id: NodeId, where: string): InputError {
    const known = this.nodes.slice(0, 12).map((n) => describeValue(n.id))
    const list = known.length === 0 ? 'none yet' : known.join(', ') + (this.nodes.length > 12 ? ', ...' : '')
    return new InputError(where, `a known node id (${list})`, id)
  }

}
