// A random workload for kernel tests: nodes that send to random peers, set and cancel
// timers, and write, truncate and flush their disks, all driven by their own random
// streams; plus a fault schedule applied on the simulation's timeline.

import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'
import { Simulation, type SimulationOptions } from '../../sim/simulation.ts'

export type FaultKind = 'crash' | 'power-fail' | 'restart' | 'pause' | 'resume' | 'isolate' | 'partition' | 'block' | 'heal'

export interface Fault {
  atMs: number
  kind: FaultKind
  /** Index into the node list (taken modulo its length). */
  node: number
  /** A second node, for one-way blocks. */
  other: number
}

export interface WorkloadPlan {
  nodes: number
  durationMs: number
  faults: Fault[]
}

interface ChatMessage extends Message {
  type: 'chat' | 'reply'
  hops: number
}

export class ChattyNode implements SimNode {
  received = 0
  private readonly log
  private pendingTimer = 0

  constructor(
    private readonly ctx: NodeContext,
    private readonly peers: readonly NodeId[],
  ) {
    this.log = ctx.storage.log<number>('log')
  }

  start(): void {
    this.ctx.emit('recovered', { entries: this.log.length, last: this.log.at(this.log.length - 1) ?? null })
    this.ctx.setTimer(1 + 10 * this.ctx.random(), 'chatter')
  }

  onMessage(from: NodeId, message: Message): void {
    const chat = message as ChatMessage
    this.received++
    this.log.append(chat.hops)
    if (chat.type === 'chat' && chat.hops < 3) this.ctx.send(from, { type: 'reply', hops: chat.hops + 1 } satisfies ChatMessage)
  }

  onTimer(name: string): void {
    if (name !== 'chatter') return
    const r = this.ctx.random()
    const peer = this.peers[Math.floor(this.ctx.random() * this.peers.length)]!
    if (r < 0.6) this.ctx.send(peer, { type: 'chat', hops: 0 } satisfies ChatMessage)
    else if (r < 0.7) this.ctx.storage.flush()
    else if (r < 0.75) this.log.truncate(Math.floor(this.log.length / 2))
    else if (r < 0.85) {
      if (this.pendingTimer) this.ctx.cancelTimer(this.pendingTimer)
      this.pendingTimer = this.ctx.setTimer(5 * this.ctx.random(), 'maybe')
    } else this.ctx.emit('note', { r, entries: this.log.length })
    this.ctx.setTimer(1 + 10 * this.ctx.random(), 'chatter')
  }

  snapshot(): unknown {
    return { received: this.received, entries: this.log.length }
  }
}

/** Applies a fault if it makes sense in the node's current state; the check is deterministic. */
export function applyFault(sim: Simulation, ids: readonly NodeId[], fault: Fault): void {
  const node = ids[fault.node % ids.length]!
  const state = sim.stateOf(node)
  switch (fault.kind) {
    case 'crash':
      if (state !== 'crashed') sim.crash(node)
      return
    case 'power-fail':
      if (state !== 'crashed') sim.powerFail(node)
      return
    case 'restart':
      if (state === 'crashed') sim.restart(node)
      return
    case 'pause':
      if (state === 'up') sim.pause(node)
      return
    case 'resume':
      if (state === 'paused') sim.resume(node)
      return
    case 'isolate':
      sim.network.isolate(node)
      return
    case 'partition': {
      const cut = (fault.node % (ids.length - 1)) + 1
      sim.network.partition([ids.slice(0, cut), ids.slice(cut)])
      return
    }
    case 'block': {
      const other = ids[fault.other % ids.length]!
      if (other !== node) sim.network.block(node, other)
      return
    }
    case 'heal':
      sim.network.heal()
      return
  }
}

export function buildWorkload(seed: number, plan: WorkloadPlan, options: Partial<SimulationOptions> = {}): Simulation {
  const sim = new Simulation({ seed, network: { latencyMs: { median: 1, sigma: 0.7 } }, disk: { writebackDelayMs: 50 }, ...options })
  const ids = Array.from({ length: plan.nodes }, (_, i) => (i % 2 === 0 ? i + 1 : `client-${i}`))
  for (const id of ids) sim.addNode(id, (ctx) => new ChattyNode(ctx, ids))
  plan.faults.forEach((fault, i) => sim.at(fault.atMs, `fault ${i}: ${fault.kind}`, () => applyFault(sim, ids, fault)))
  return sim
}

/** Runs the workload and returns its trace hash and event count. */
export function runWorkload(seed: number, plan: WorkloadPlan): { hash: string; events: number; records: number } {
  const sim = buildWorkload(seed, plan)
  sim.runFor(plan.durationMs)
  return { hash: sim.trace.hash(), events: sim.eventCount, records: sim.trace.count }
}
