// kafkasim's library entry point. For now it is the simulation kernel every later part
// builds on; `createCluster` (../shared/API.md) joins it when the broker core lands.

export type { DurableLog, Message, NodeContext, NodeFactory, NodeId, SimNode, Storage, TimerId, TraceData } from './core/node.ts'
export { InputError } from './sim/input.ts'
export type { LatencySpec, LinkSpec, NetworkFaults } from './sim/network.ts'
export { DEFAULT_LATENCY_MS, DEFAULT_LOSS_PROBABILITY } from './sim/network.ts'
export { RandomStream, RandomStreams } from './sim/random.ts'
export {
  DEFAULT_WRITEBACK_DELAY_MS,
  Simulation,
  TimeoutError,
  type NodeSnapshot,
  type NodeState,
  type SimulationOptions,
  type SimulationSnapshot,
} from './sim/simulation.ts'
export { DEFAULT_TRACE_CAPACITY, KERNEL_TRACE_TYPES, formatRecord, type DropReason, type KernelTraceData, type KernelTraceType, type TraceRecord } from './sim/trace.ts'
export { runDemo, type DemoResult } from './sim/demo/run.ts'
