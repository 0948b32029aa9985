// The slow-disk fault: a node whose disk is slow stays busy after each handler that writes,
// and what arrives meanwhile waits, in order (sim/simulation.ts slowDisk).

import fc from 'fast-check'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Message, NodeContext, NodeId, SimNode } from '../core/node.ts'
import { createCluster } from '../sim/cluster.ts'
import { InputError } from '../sim/input.ts'
import { runScenario } from '../sim/scenario/engine.ts'
import { parseScenario, ScenarioInputError } from '../sim/scenario/load.ts'
import { loadScenarioFile } from '../sim/scenario/runner.ts'
import { Simulation } from '../sim/simulation.ts'
import type { TraceRecord } from '../sim/trace.ts'

interface Job extends Message {
  type: 'job'
  n: number
  /** Whether handling it appends to the disk. */
  write: boolean
}

/** Handles jobs (appending to its log when a job says so) and timers whose name starts with "write" append too. */
class Worker implements SimNode {
  readonly handled: { what: string; at: number }[] = []
  constructor(readonly ctx: NodeContext) {}

  onMessage(_from: NodeId, message: Message): void {
    const job = message as Job
    this.handled.push({ what: `${job.write ? 'w' : 'r'}${job.n}`, at: this.ctx.now })
    if (job.write) this.ctx.storage.log<number>('jobs').append(job.n)
  }

  onTimer(name: string): void {
    this.handled.push({ what: name, at: this.ctx.now })
    if (name.startsWith('write')) this.ctx.storage.flush()
    if (name.startsWith('write')) this.ctx.storage.write('last-timer', name)
  }

  onCommand(command: unknown): void {
    const c = command as { send?: Job; timer?: string; delayMs?: number }
    if (c.send) this.ctx.send(1, c.send)
    if (c.timer) this.ctx.setTimer(c.delayMs ?? 0, c.timer)
  }
}

/** Node 1 works, node 2 sends it jobs; every link takes 1 ms. */
function setup(seed = 1) {
  const sim = new Simulation({ seed, network: { latencyMs: 1 } })
  const workers = new Map<NodeId, Worker>()
  for (const id of [1, 2]) {
    sim.addNode(id, (ctx) => {
      const worker = new Worker(ctx)
      workers.set(id, worker)
      return worker
    })
  }
  const records: TraceRecord[] = []
  sim.trace.subscribe((r) => records.push(r))
  const send = (n: number, write: boolean) => sim.command(2, { send: { type: 'job', n, write } satisfies Job })
  return { sim, records, send, worker: () => workers.get(1)!, handled: () => workers.get(1)!.handled.map((h) => [h.what, h.at]) }
}

describe('slowDisk: the kernel', () => {
  it('a slowed node handles messages that write writeMs apart; the wait is traced', () => {
    const { sim, records, send, handled } = setup()
    sim.slowDisk(1, 50)
    for (const n of [1, 2, 3]) send(n, true)
    sim.runFor(1000)
    expect(handled()).toEqual([['w1', 1], ['w2', 51], ['w3', 101]])
    expect(records.filter((r) => r.type === 'disk-slow').map((r) => [r.node, r.data])).toEqual([[1, { writeMs: 50 }]])
    expect(records.filter((r) => r.type === 'disk-busy').map((r) => [r.time, r.data])).toEqual([
      [1, { untilMs: 51, waiting: 0 }],
      [51, { untilMs: 101, waiting: 1 }],
      [101, { untilMs: 151, waiting: 0 }],
    ])
    // The deliveries are traced when handled, with the time they were sent.
    expect(records.filter((r) => r.type === 'deliver' && r.node === 1).map((r) => r.time)).toEqual([1, 51, 101])
  })

  it('a slowed node that does not write is not slowed', () => {
    const { sim, records, send, handled } = setup()
    sim.slowDisk(1, 50)
    for (const n of [1, 2, 3]) send(n, false)
    sim.command(1, { timer: 'tick', delayMs: 2 })
    sim.runFor(1000)
    expect(handled()).toEqual([['r1', 1], ['r2', 1], ['r3', 1], ['tick', 2]])
    expect(records.some((r) => r.type === 'disk-busy')).toBe(false)
  })

  it('keeps arrival order: what does not write waits behind a write too, and timers queue with messages', () => {
    const { sim, send, handled } = setup()
    sim.slowDisk(1, 10)
    send(1, true)
    send(2, false)
    sim.command(1, { timer: 'write-t', delayMs: 0.5 })
    sim.command(1, { timer: 'tick', delayMs: 5 })
    send(3, false)
    send(4, true)
    sim.runFor(1000)
    expect(handled()).toEqual([
      ['write-t', 0.5], // writes: busy until 10.5
      ['w1', 10.5], // arrived at 1, waited; writes: busy until 20.5
      ['r2', 20.5],
      ['r3', 20.5],
      ['w4', 20.5], // busy until 30.5
      ['tick', 30.5], // due at 5, behind everything that arrived before it
    ])
  })

  it('writeMs 0 restores the disk: the write under way finishes, then nothing waits', () => {
    const { sim, send, handled } = setup()
    sim.slowDisk(1, 100)
    send(1, true)
    send(2, true)
    sim.runFor(50)
    sim.slowDisk(1, 0)
    expect(sim.diskWriteMsOf(1)).toBe(0)
    send(3, true)
    sim.runFor(1000)
    expect(handled()).toEqual([['w1', 1], ['w2', 101], ['w3', 101]])
  })

  it('a crash drops what waited (traced as node-down); the slowness outlasts the restart', () => {
    const { sim, records, send, handled, worker } = setup()
    sim.slowDisk(1, 100)
    send(1, true)
    send(2, true)
    sim.runFor(10)
    sim.crash(1)
    expect(records.filter((r) => r.type === 'drop').map((r) => (r.data as { reason: string }).reason)).toEqual(['node-down'])
    sim.runFor(200) // the cancelled write completion does nothing
    sim.restart(1)
    expect(sim.diskWriteMsOf(1)).toBe(100)
    send(3, true)
    send(4, true)
    sim.runFor(1000)
    expect(handled()).toEqual([['w3', 211], ['w4', 311]])
    expect(worker().ctx.storage.log<number>('jobs').entries()).toEqual([1, 3, 4])
  })

  it('a pause during a slow write: what waited is handed over in order after both end', () => {
    const { sim, send, handled } = setup()
    sim.slowDisk(1, 20)
    send(1, true)
    send(2, true)
    sim.runFor(5)
    sim.pause(1)
    send(3, false)
    sim.runFor(5) // 10: still paused, the write ends at 21
    sim.resume(1)
    sim.runFor(100)
    expect(handled()).toEqual([['w1', 1], ['w2', 21], ['r3', 41]])
    // A pause that outlasts the write: resume hands the backlog over at once.
    sim.pause(1)
    send(4, true)
    send(5, false)
    sim.runFor(100) // 210: the resume hands w4 over at once
    sim.resume(1)
    sim.runFor(100)
    expect(handled().slice(3)).toEqual([['w4', 210], ['r5', 230]])
  })

  it('property: per sender, handling keeps arrival order; writes are at least writeMs apart; one seed replays one trace', () => {
    const program = fc.record({
      seed: fc.integer({ min: 0, max: 1000 }),
      writeMs: fc.integer({ min: 0, max: 40 }),
      jobs: fc.array(fc.record({ at: fc.integer({ min: 0, max: 200 }), write: fc.boolean() }), { minLength: 1, maxLength: 25 }),
    })
    const run = (p: { seed: number; writeMs: number; jobs: { at: number; write: boolean }[] }) => {
      const { sim, send, worker } = setup(p.seed)
      sim.slowDisk(1, p.writeMs)
      p.jobs.forEach((job, n) => sim.at(job.at, `job ${n}`, () => send(n, job.write)))
      sim.runFor(5000)
      return { hash: sim.trace.hash(), handled: worker().handled }
    }
    fc.assert(
      fc.property(program, (p) => {
        const first = run(p)
        expect(run(p).hash).toBe(first.hash)
        expect(first.handled).toHaveLength(p.jobs.length)
        // Arrival order: by send time, ties in send order (a constant latency keeps it).
        const sent = p.jobs.map((job, n) => ({ n, at: job.at })).sort((a, b) => a.at - b.at || a.n - b.n)
        expect(first.handled.map((h) => Number(h.what.slice(1)))).toEqual(sent.map((s) => s.n))
        for (let i = 1; i < first.handled.length; i++) {
          const previous = first.handled[i - 1]!
          if (previous.what.startsWith('w')) expect(first.handled[i]!.at).toBeGreaterThanOrEqual(previous.at + p.writeMs)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('bad input is an InputError naming the value', () => {
    const { sim } = setup()
    expect(() => sim.slowDisk(9, 10)).toThrow(InputError)
    expect(() => sim.slowDisk(9, 10)).toThrow(/slowDisk\(node\).*9/)
    for (const bad of [-1, Number.NaN, Infinity, '10ms' as unknown as number]) {
      expect(() => sim.slowDisk(1, bad)).toThrow(InputError)
      expect(() => sim.slowDisk(1, bad)).toThrow(/slowDisk\(writeMs\) for node 1: expected a finite, non-negative number of milliseconds/)
    }
    expect(sim.diskWriteMsOf(1)).toBe(0)
    const cluster = createCluster({ seed: 1, brokers: 3 })
    expect(() => cluster.slowDisk(7, 10)).toThrow(/slowDisk\(id\).*a broker id \(1, 2, 3\).*7/)
    cluster.slowDisk(2, 10)
    expect(cluster.sim.diskWriteMsOf(2)).toBe(10)
  })
})

const STEP_BASE = `name: s
description: slow disk steps
duration: 10s
cluster:
  brokers: 3
topics:
  - { name: orders, partitions: 1, replicationFactor: 3 }
timeline:
  - { at: 1s, STEP }
`

function refusal(step: string): string {
  try {
    parseScenario(STEP_BASE.replace('STEP', step), 'scenarios/x.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioInputError)
    return (error as Error).message
  }
  throw new Error('expected a ScenarioInputError')
}

describe('slowDisk and healDisk timeline steps', () => {
  it('load as written', () => {
    const scenario = parseScenario(STEP_BASE.replace('STEP', 'slowDisk: { broker: leader of orders-0, write: 250ms }'), 'x.yaml')
    expect(scenario.timeline![0]).toEqual({ at: '1s', slowDisk: { broker: 'leader of orders-0', write: '250ms' } })
    expect(parseScenario(STEP_BASE.replace('STEP', 'healDisk: 2'), 'x.yaml').timeline![0]).toEqual({ at: '1s', healDisk: 2 })
  })

  it('refuse a bad duration, a missing field, an unknown key and an unknown broker, naming where', () => {
    expect(refusal('slowDisk: { broker: 2, write: soon }')).toContain('scenarios/x.yaml:9 timeline[0].slowDisk.write: expected a duration like "5s" or "250ms", got "soon"')
    expect(refusal('slowDisk: { broker: 2, write: -5ms }')).toContain('timeline[0].slowDisk.write: expected a duration')
    expect(refusal('slowDisk: { broker: 2 }')).toContain('timeline[0].slowDisk.write: missing')
    expect(refusal('slowDisk: { broker: 2, write: 1s, speed: 3 }')).toContain('unknown key "speed"')
    expect(refusal('slowDisk: { broker: 7, write: 1s }')).toContain('timeline[0].slowDisk.broker: no broker 7: the cluster has brokers 1 to 3')
    expect(refusal('healDisk: 9')).toContain('timeline[0].healDisk: no broker 9')
    expect(refusal('slowDisk: 2')).toContain('timeline[0].slowDisk: expected an object (a slow disk), got 2')
  })

  it('run: the step slows the broker it names (the run differs from one without it), healDisk undoes it', () => {
    const run = (steps: string) => runScenario(parseScenario(STEP_BASE.replace('  - { at: 1s, STEP }', steps), 'x.yaml'))
    const slowed = run('  - { at: 1s, slowDisk: { broker: 2, write: 20ms } }\n  - { at: 5s, healDisk: 2 }')
    expect(slowed.problems).toEqual([])
    expect(slowed.timeline.some((line) => line.includes('slowDisk {\\"broker\\":2'))).toBe(true)
    expect(slowed.timeline.some((line) => line.includes('healDisk 2'))).toBe(true)
    const plain = run('  - { at: 1s, healDisk: 2 }')
    expect(plain.problems).toEqual([])
    expect(slowed.traceHash).not.toBe(plain.traceHash)
  })
})

describe('the library scenario slow-disk-follower-leaves-isr', () => {
  const file = join(import.meta.dirname, '..', 'scenarios', 'slow-disk-follower-leaves-isr.yaml')

  it('passes: the follower leaves the ISR only after replica.lag.time.max.ms, is not fenced, and rejoins after the heal', () => {
    const result = runScenario(loadScenarioFile(file), { source: file })
    expect({ problems: result.problems, failed: result.expectations.filter((e) => !e.passed) }).toEqual({ problems: [], failed: [] })
    const at = (pattern: RegExp) => result.timeline.filter((line) => pattern.test(line)).map((line) => Number.parseFloat(line))
    const shrinks = at(/isr-shrink-proposed/)
    const expands = at(/isr-expand-proposed/)
    expect(shrinks).toHaveLength(1)
    expect(expands).toHaveLength(1)
    // The disk slows 5 s into the scenario (which starts once the cluster is up, ~2 s):
    // out of the ISR no sooner than replica.lag.time.max.ms (30 s) later.
    const slowedAt = at(/slowDisk/)[0]!
    const healedAt = at(/healDisk/)[0]!
    expect(shrinks[0]! - slowedAt).toBeGreaterThanOrEqual(30_000)
    expect(expands[0]!).toBeGreaterThan(healedAt)
    expect(result.timeline.some((line) => line.includes('fence broker'))).toBe(false)
  })

  it('recover undoes a slow disk: left slow, the follower catches up once the run ends and the cluster settles', () => {
    const scenario = loadScenarioFile(file)
    // No healDisk: at the end the follower is minutes of slow fetches behind.
    const unhealed = { ...scenario, timeline: scenario.timeline!.filter((step) => !('healDisk' in step)), expect: [], recover: { within: '20s' as const } }
    const result = runScenario(unhealed, { source: file })
    expect(result.problems).toEqual([])
  })

  it('control: without the slow disk the follower stays in the ISR, so the [1, 2] expectation fails', () => {
    const scenario = loadScenarioFile(file)
    const withoutFault = { ...scenario, timeline: [] }
    const result = runScenario(withoutFault, { source: file })
    const failed = result.expectations.filter((e) => !e.passed)
    expect(failed).toHaveLength(1)
    expect(failed[0]!.figures).toContain('at 85s the ISR of orders-0 is [1, 2, 3] (expected [1, 2])')
  })
})
