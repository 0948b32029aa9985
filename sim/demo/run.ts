// `kafkasim demo`: a short run of the demo nodes with a crash, a power loss and a network
// partition on the timeline. Shared by the CLI and the browser page, so both show the
// same run for the same seed.

import { Simulation } from '../simulation.ts'
import type { TraceRecord } from '../trace.ts'
import { DemoClient, DemoServer } from './nodes.ts'

export interface DemoResult {
  seed: number
  events: number
  simTimeMs: number
  traceHash: string
  /** Every record except routine deliveries and timer firings. */
  notable: TraceRecord[]
  client: { answered: number; timedOut: number }
  server: { count: number }
  /** Requests the server had counted before the crash and no longer had after its restart. */
  lostToCrash: number
  /** The same for the power failure. */
  lostToPowerFailure: number
}

export const DEMO_DURATION_MS = 800

const ROUTINE = new Set(['deliver', 'timer', 'writeback'])

export function runDemo(seed: number, onRecord?: (record: TraceRecord) => void): DemoResult {
  const sim = new Simulation({ seed, network: { latencyMs: { median: 2, sigma: 0.8 } } })
  const notable: TraceRecord[] = []
  const countBefore: number[] = []
  const serverCount = () => sim.instanceOf<DemoServer>('server')!.snapshot().count
  sim.trace.subscribe((record) => {
    if (!ROUTINE.has(record.type)) notable.push(record)
    onRecord?.(record)
  })

  sim.addNode('server', (ctx) => new DemoServer(ctx, 10))
  sim.addNode('client', (ctx) => new DemoClient(ctx, { server: 'server', requestIntervalMs: { min: 5, max: 15 }, requestTimeoutMs: 25 }))

  sim.at(150, 'crash the server', () => {
    countBefore.push(serverCount())
    sim.crash('server')
  })
  sim.at(200, 'restart the server', () => sim.restart('server'))
  sim.at(350, 'cut the power to the server', () => {
    countBefore.push(serverCount())
    sim.powerFail('server')
  })
  sim.at(400, 'restart the server', () => sim.restart('server'))
  sim.at(550, 'isolate the server', () => sim.network.isolate('server'))
  sim.at(650, 'heal the network', () => sim.network.heal())
  sim.runFor(DEMO_DURATION_MS)

  // The server reports what it recovered on each start: [first start, after crash, after power loss].
  const recovered = notable.filter((r) => r.type === 'recovered').map((r) => r.data.count as number)
  const client = sim.instanceOf<DemoClient>('client')!
  const server = sim.instanceOf<DemoServer>('server')!
  return {
    seed,
    events: sim.eventCount,
    simTimeMs: sim.now,
    traceHash: sim.trace.hash(),
    notable,
    client: { answered: client.answered, timedOut: client.timedOut },
    server: server.snapshot(),
    lostToCrash: countBefore[0]! - recovered[1]!,
    lostToPowerFailure: countBefore[1]! - recovered[2]!,
  }
}
