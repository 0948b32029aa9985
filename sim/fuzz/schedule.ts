// Random fault schedules for fuzzing: faults with a start and a duration (a crash and the
// restart after it, an isolation and its heal), drawn from the run's own seeded stream,
// so a failing seed prints its schedule and replays it exactly.

import type { NodeId } from '../../core/node.ts'
import type { RandomStream } from '../random.ts'

/**
 * block: a one-way cut between two brokers. client-drop: a one-way cut between the client
 * and a broker, short enough to end while the client's requests are still waiting: dropped
 * requests time out and are retried, dropped responses make the client retry a write the
 * broker already has.
 */
export type FaultKind = 'crash' | 'power-fail' | 'pause' | 'isolate' | 'partition' | 'block' | 'client-drop'

export interface ScheduledFault {
  atMs: number
  kind: FaultKind
  /** The node hit (for partition: the node cut off from the other brokers). */
  node: NodeId
  /** For a one-way block or client-drop: the receiver. */
  to?: NodeId
  /** How long until it is undone (restart, resume, heal). */
  durationMs: number
}

export interface ScheduleOptions {
  brokers: readonly number[]
  controller: NodeId
  faultPhaseMs: number
  faults: { min: number; max: number }
  /** Relative weights of each kind (0 leaves it out). */
  weights: Record<FaultKind, number>
  /** Longest fault, ms. Long enough to outlast replica.lag.time.max.ms (30 s) sometimes. */
  maxDurationMs: number
  /** Probability that a fault hits the controller rather than a broker. */
  controllerShare: number
  /** The client node that client-drop faults cut from a broker. */
  client?: NodeId
  /** Longest client-drop, ms (they are short: a few request timeouts' worth of traffic). */
  maxClientDropMs?: number
}

export function randomSchedule(random: RandomStream, options: ScheduleOptions): ScheduledFault[] {
  const count = options.faults.min + random.int(options.faults.max - options.faults.min + 1)
  const kinds = (Object.keys(options.weights) as FaultKind[]).filter((k) => options.weights[k] > 0 && (k !== 'client-drop' || options.client !== undefined))
  const total = kinds.reduce((sum, k) => sum + options.weights[k], 0)
  const faults: ScheduledFault[] = []
  for (let i = 0; i < count; i++) {
    let pick = random.next() * total
    let kind = kinds[0]!
    for (const k of kinds) {
      pick -= options.weights[k]
      if (pick < 0) {
        kind = k
        break
      }
    }
    const onController = (kind === 'crash' || kind === 'pause' || kind === 'isolate') && random.chance(options.controllerShare)
    const node: NodeId = onController ? options.controller : random.pick(options.brokers)
    const fault: ScheduledFault = {
      atMs: Math.round(random.uniform(0, options.faultPhaseMs)),
      kind,
      node,
      durationMs: Math.round(random.uniform(200, options.maxDurationMs)),
    }
    if (kind === 'block') fault.to = random.pick(options.brokers.filter((b) => b !== node))
    if (kind === 'client-drop') {
      // Requests (client -> broker) or responses (broker -> client), at random.
      if (random.chance(0.5)) {
        fault.to = node
        fault.node = options.client!
      } else {
        fault.to = options.client!
      }
      fault.durationMs = Math.round(random.uniform(20, options.maxClientDropMs ?? 2000))
    }
    faults.push(fault)
  }
  return faults.sort((a, b) => a.atMs - b.atMs)
}

export function describeFault(fault: ScheduledFault): string {
  const target = fault.to !== undefined ? `${String(fault.node)} -> ${String(fault.to)}` : String(fault.node)
  return `at ${fault.atMs} ms: ${fault.kind} ${target} for ${fault.durationMs} ms`
}
