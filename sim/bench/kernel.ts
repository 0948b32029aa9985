// Benchmark of the simulation kernel: 1,000 nodes exchanging messages with random
// latency (each delivery forwards the message to a random node) and each node re-arming a
// periodic timer, with tracing and trace hashing on as in any run. Next to it, in the
// same process, the ceiling: the bare event queue doing one pop and one push per event
// with the same number of pending events and the same latency draws.
//
// The wall clock is injected: sim/ never reads it itself.

import type { Message, NodeContext, NodeId, SimNode } from '../../core/node.ts'
import { EventQueue } from '../queue.ts'
import { RandomStreams } from '../random.ts'
import { Simulation } from '../simulation.ts'

export interface KernelBenchOptions {
  nodes: number
  events: number
  seed: number
  timerPeriodMs: number
}

export const KERNEL_BENCH_DEFAULTS: KernelBenchOptions = { nodes: 1_000, events: 5_000_000, seed: 1, timerPeriodMs: 10 }

export interface KernelBenchResult {
  case: 'kernel'
  nodes: number
  events: number
  /** Each figure is the fastest of this many measured runs. */
  rounds: number
  wallMs: number
  eventsPerSec: number
  ceilingEventsPerSec: number
  ratio: number
  simTimeMs: number
  traceHash: string
}

const PING: Message = { type: 'ping' }

class ForwardingNode implements SimNode {
  constructor(
    private readonly ctx: NodeContext,
    private readonly peers: readonly NodeId[],
    private readonly timerPeriodMs: number,
  ) {}

  start(): void {
    // The first message goes out once every node exists (timers at 0 run after addNode returns).
    this.ctx.setTimer(0, 'kick')
    this.ctx.setTimer(this.timerPeriodMs * this.ctx.random(), 'tick')
  }

  onMessage(): void {
    this.forward()
  }

  onTimer(name: string): void {
    if (name === 'kick') this.forward()
    else this.ctx.setTimer(this.timerPeriodMs, 'tick')
  }

  private forward(): void {
    const peers = this.peers
    this.ctx.send(peers[Math.floor(this.ctx.random() * peers.length)]!, PING)
  }
}

/** Runs the kernel workload; returns the simulation after `events` events. */
export function runKernelWorkload(options: KernelBenchOptions): Simulation {
  const sim = new Simulation({ seed: options.seed })
  const ids = Array.from({ length: options.nodes }, (_, i) => i)
  for (const id of ids) sim.addNode(id, (ctx) => new ForwardingNode(ctx, ids, options.timerPeriodMs))
  while (sim.eventCount < options.events && sim.step()) {
    // the loop body is the step
  }
  return sim
}

/** The ceiling: the bare queue, one pop and one push per event, `pending` items queued. */
export function runBareQueue(pending: number, events: number, seed: number): number {
  const queue = new EventQueue<object>()
  const random = new RandomStreams(seed).stream('bench:latency')
  for (let i = 0; i < pending; i++) queue.push(random.next() * 2, { index: i })
  let checksum = 0
  for (let i = 0; i < events; i++) {
    const time = queue.peekTime()
    const item = queue.pop()!
    checksum += time
    queue.push(time + 0.5 + 1.5 * random.next(), item)
  }
  return checksum
}

/**
 * Measures the ceiling and the kernel `rounds` times each, interleaved, and keeps each
 * one's fastest round: on a shared machine the minimum is the least disturbed estimate.
 */
export function benchKernel(wallNowMs: () => number, options: KernelBenchOptions = KERNEL_BENCH_DEFAULTS, rounds = 5): KernelBenchResult {
  // Warm both paths up so the JIT has compiled them before either is measured.
  runKernelWorkload({ ...options, events: Math.min(options.events, 200_000) })
  runBareQueue(options.nodes * 2, Math.min(options.events, 200_000), options.seed)

  let ceilingMs = Infinity
  let kernelMs = Infinity
  let sim: Simulation | undefined
  for (let round = 0; round < rounds; round++) {
    const ceilingStart = wallNowMs()
    // One message in flight and one timer pending per node, as in the workload.
    runBareQueue(options.nodes * 2, options.events, options.seed)
    ceilingMs = Math.min(ceilingMs, wallNowMs() - ceilingStart)

    const start = wallNowMs()
    sim = runKernelWorkload(options)
    kernelMs = Math.min(kernelMs, wallNowMs() - start)
  }
  const run = sim!
  const eventsPerSec = (run.eventCount / kernelMs) * 1000
  const ceilingEventsPerSec = (options.events / ceilingMs) * 1000
  return {
    case: 'kernel',
    nodes: options.nodes,
    events: run.eventCount,
    rounds,
    wallMs: Math.round(kernelMs),
    eventsPerSec: Math.round(eventsPerSec),
    ceilingEventsPerSec: Math.round(ceilingEventsPerSec),
    ratio: Math.round((eventsPerSec / ceilingEventsPerSec) * 1000) / 1000,
    simTimeMs: Math.round(run.now * 1000) / 1000,
    traceHash: run.trace.hash(),
  }
}
