// The simulated network: directed links between nodes with a latency distribution and an
// optional loss probability, FIFO delivery per link (like one TCP connection: jitter never
// reorders two messages on the same link), and faults: isolating a node, splitting the
// nodes into groups, one-way blocks, and healing all of them.
//
// Latency draws come from one random stream per sender ("network:<id>") and loss draws
// from another ("network-loss:<id>"), so a new node, or loss turned on for one link, does
// not shift the latencies any other sender sees.

import type { NodeId } from '../core/node.ts'
import { InputError, rejectUnknownKeys, requireDurationMs, requireProbability, requirePlainObject } from './input.ts'
import type { RandomStream } from './random.ts'
import { InFlightLinks } from './links.ts'
import type { DropReason } from './trace.ts'

/**
 * A latency distribution in simulated ms: a constant (`1`), uniform (`{min, max}`), or
 * log-normal (`{median, sigma}`: median * e^(sigma * N(0,1)), a long right tail).
 */
export type LatencySpec = number | { min: number; max: number } | { median: number; sigma: number }

export interface LinkSpec {
  latencyMs?: LatencySpec
  /** Probability that a message on the link is lost, 0 to 1. */
  lossProbability?: number
}

export const DEFAULT_LATENCY_MS: LatencySpec = { min: 0.5, max: 2 }
export const DEFAULT_LOSS_PROBABILITY = 0

interface Latency {
  sample(random: RandomStream): number
}

function compileLatency(spec: unknown, where: string): Latency {
  if (typeof spec === 'number') {
    const ms = requireDurationMs(spec, where)
    return { sample: () => ms }
  }
  const object = requirePlainObject(spec, where)
  if ('median' in object || 'sigma' in object) {
    rejectUnknownKeys(object, ['median', 'sigma'], where)
    const median = object.median
    const sigma = object.sigma
    if (typeof median !== 'number' || !Number.isFinite(median) || median <= 0) {
      throw new InputError(`${where}.median`, 'a finite, positive number of milliseconds', median)
    }
    if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0) {
      throw new InputError(`${where}.sigma`, 'a finite, non-negative number', sigma)
    }
    return { sample: (random) => median * Math.exp(sigma * random.normal()) }
  }
  if ('min' in object || 'max' in object) {
    rejectUnknownKeys(object, ['min', 'max'], where)
    const min = requireDurationMs(object.min, `${where}.min`)
    const max = requireDurationMs(object.max, `${where}.max`)
    if (max < min) throw new InputError(`${where}.max`, `a number of milliseconds >= min (${min})`, max)
    const width = max - min
    return { sample: (random) => min + width * random.next() }
  }
  throw new InputError(where, 'a number of ms, {min, max} or {median, sigma}', spec)
}

interface CompiledLink {
  latency: Latency | undefined
  lossProbability: number | undefined
}

function compileLinkSpec(spec: unknown, where: string): CompiledLink {
  const object = requirePlainObject(spec, where)
  rejectUnknownKeys(object, ['latencyMs', 'lossProbability'], where)
  return {
    latency: object.latencyMs === undefined ? undefined : compileLatency(object.latencyMs, `${where}.latencyMs`),
    lossProbability:
      object.lossProbability === undefined ? undefined : requireProbability(object.lossProbability, `${where}.lossProbability`),
  }
}

/** What the network needs from its host: node lookup, random streams, and tracing. */
export interface NetworkHost {
  indexOf(node: NodeId, where: string): number
  idOf(index: number): NodeId
  stream(name: string): RandomStream
  traceChange(change: string, detail: Record<string, unknown>): void
}

export interface NetworkFaults {
  isolated: NodeId[]
  partition: NodeId[][]
  blocked: [from: NodeId, to: NodeId][]
}

export class Network {
  private latency: Latency
  private lossProbability: number
  // Per sender, by node index: kept as flat arrays rather than one object per sender,
  // because routing runs on every send and reads them for a different sender each time.
  private readonly latencyRandom: RandomStream[] = []
  private readonly lossRandom: RandomStream[] = []
  /** Per-link overrides by receiver index, for senders that have any. */
  private readonly overrides: (Map<number, CompiledLink> | undefined)[] = []
  private readonly inFlight = new InFlightLinks()
  private readonly isolated = new Set<number>()
  /** Node index -> its group in the current partition; nodes in no group reach everyone. */
  private groups = new Map<number, number>()
  private partitionGroups: number[][] = []
  private readonly blocked = new Map<number, Set<number>>()
  /** True when any fault is active: the common no-fault path skips every check. */
  private faulty = false

  /** Whether any isolation, partition or block is in force (when not, nothing is cut). */
  get hasFaults(): boolean {
    return this.faulty
  }

  constructor(
    private readonly host: NetworkHost,
    options: LinkSpec = {},
  ) {
    const defaults = compileLinkSpec(options, 'network')
    this.latency = defaults.latency ?? compileLatency(DEFAULT_LATENCY_MS, 'network.latencyMs')
    this.lossProbability = defaults.lossProbability ?? DEFAULT_LOSS_PROBABILITY
  }

  /** Changes the default latency and/or loss of every link without its own override. */
  configure(spec: LinkSpec): void {
    const compiled = compileLinkSpec(spec, 'network.configure(spec)')
    if (compiled.latency) this.latency = compiled.latency
    if (compiled.lossProbability !== undefined) this.lossProbability = compiled.lossProbability
    this.host.traceChange('configure', { spec })
  }

  /** Overrides one directed link (null removes the override). */
  configureLink(from: NodeId, to: NodeId, spec: LinkSpec | null): void {
    const where = 'network.configureLink'
    const fromIndex = this.host.indexOf(from, `${where}(from)`)
    const toIndex = this.host.indexOf(to, `${where}(to)`)
    if (spec === null) {
      this.overrides[fromIndex]?.delete(toIndex)
    } else {
      const override = compileLinkSpec(spec, `${where}(spec)`)
      ;(this.overrides[fromIndex] ??= new Map()).set(toIndex, override)
    }
    this.host.traceChange('configure-link', { from, to, spec })
  }

  /** Cuts a node off from every other node, in both directions. */
  isolate(node: NodeId): void {
    this.isolated.add(this.host.indexOf(node, 'network.isolate(node)'))
    this.faulty = true
    this.host.traceChange('isolate', { node })
  }

  /**
   * Splits the nodes into groups that cannot reach each other. Nodes named in no group
   * (clients, say) still reach everyone. Replaces any earlier partition.
   */
  partition(groups: readonly (readonly NodeId[])[]): void {
    const where = 'network.partition(groups)'
    if (!Array.isArray(groups) || groups.length < 2) {
      throw new InputError(where, 'an array of at least two groups of node ids', groups)
    }
    const assignment = new Map<number, number>()
    const indexGroups: number[][] = []
    groups.forEach((group, groupIndex) => {
      if (!Array.isArray(group) || group.length === 0) {
        throw new InputError(`${where}[${groupIndex}]`, 'a non-empty array of node ids', group)
      }
      indexGroups.push(
        group.map((node) => {
          const index = this.host.indexOf(node, `${where}[${groupIndex}]`)
          if (assignment.has(index)) {
            throw new InputError(`${where}[${groupIndex}]`, 'each node in at most one group', node)
          }
          assignment.set(index, groupIndex)
          return index
        }),
      )
    })
    this.groups = assignment
    this.partitionGroups = indexGroups
    this.faulty = true
    this.host.traceChange('partition', { groups: groups.map((g) => [...g]) })
  }

  /** Drops every message from `from` to `to`; the other direction still works. */
  block(from: NodeId, to: NodeId): void {
    const fromIndex = this.host.indexOf(from, 'network.block(from)')
    const toIndex = this.host.indexOf(to, 'network.block(to)')
    if (fromIndex === toIndex) throw new InputError('network.block(to)', 'a node other than `from`', to)
    let targets = this.blocked.get(fromIndex)
    if (!targets) this.blocked.set(fromIndex, (targets = new Set()))
    targets.add(toIndex)
    this.faulty = true
    this.host.traceChange('block', { from, to })
  }

  /** Undoes isolate(node). */
  rejoin(node: NodeId): void {
    this.isolated.delete(this.host.indexOf(node, 'network.rejoin(node)'))
    this.updateFaulty()
    this.host.traceChange('rejoin', { node })
  }

  /** Undoes block(from, to). */
  unblock(from: NodeId, to: NodeId): void {
    this.blocked.get(this.host.indexOf(from, 'network.unblock(from)'))?.delete(this.host.indexOf(to, 'network.unblock(to)'))
    this.updateFaulty()
    this.host.traceChange('unblock', { from, to })
  }

  /** Undoes partition(groups), leaving isolations and blocks. */
  clearPartition(): void {
    this.groups = new Map()
    this.partitionGroups = []
    this.updateFaulty()
    this.host.traceChange('clear-partition', {})
  }

  private updateFaulty(): void {
    let blocks = false
    for (const targets of this.blocked.values()) if (targets.size > 0) blocks = true
    this.faulty = this.isolated.size > 0 || this.groups.size > 0 || blocks
  }

  /** Removes every isolation, partition and block. Link latencies and loss stay. */
  heal(): void {
    this.isolated.clear()
    this.groups = new Map()
    this.partitionGroups = []
    this.blocked.clear()
    this.faulty = false
    this.host.traceChange('heal', {})
  }

  faults(): NetworkFaults {
    const id = (index: number) => this.host.idOf(index)
    const blocked: [NodeId, NodeId][] = []
    for (const [from, targets] of this.blocked) for (const to of targets) blocked.push([id(from), id(to)])
    return {
      isolated: [...this.isolated].map(id),
      partition: this.partitionGroups.map((group) => group.map(id)),
      blocked,
    }
  }

  /** Why a message from one node to another would be dropped now, or null if it gets through. */
  cutReason(fromIndex: number, toIndex: number): DropReason | null {
    if (!this.faulty || fromIndex === toIndex) return null
    if (this.isolated.has(fromIndex) || this.isolated.has(toIndex)) return 'isolated'
    const fromGroup = this.groups.get(fromIndex)
    if (fromGroup !== undefined) {
      const toGroup = this.groups.get(toIndex)
      if (toGroup !== undefined && toGroup !== fromGroup) return 'partitioned'
    }
    if (this.blocked.get(fromIndex)?.has(toIndex)) return 'blocked'
    return null
  }

  /**
   * Routes one message sent now: returns the time it is due, or -1 if the link loses it.
   * A message to oneself is loopback: never lost, no latency.
   */
  route(fromIndex: number, toIndex: number, now: number): number {
    if (fromIndex === toIndex) return now
    let latency = this.latency
    let lossProbability = this.lossProbability
    const override = this.overrides[fromIndex]?.get(toIndex)
    if (override !== undefined) {
      latency = override.latency ?? latency
      lossProbability = override.lossProbability ?? lossProbability
    }
    if (lossProbability > 0 && this.lossRandom[fromIndex]!.next() < lossProbability) return -1
    // FIFO per link: never overtake the message sent before on the same link.
    return this.inFlight.schedule(fromIndex, toIndex, now + latency.sample(this.latencyRandom[fromIndex]!), now)
  }

  /** Called by the host for each new node, in index order (0, 1, 2, ...). */
  addNode(index: number): void {
    if (index !== this.latencyRandom.length) throw new Error(`network.addNode: expected index ${this.latencyRandom.length}, got ${index}`)
    const id = this.host.idOf(index)
    this.latencyRandom.push(this.host.stream(`network:${String(id)}`))
    this.lossRandom.push(this.host.stream(`network-loss:${String(id)}`))
    this.overrides.push(undefined)
    this.inFlight.addSender()
  }
}
