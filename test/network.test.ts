import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { NodeId } from '../core/node.ts'
import { Simulation } from '../sim/simulation.ts'
import type { KernelTraceData, TraceRecord } from '../sim/trace.ts'
import { ScriptedNode } from './support/nodes.ts'

function cluster(seed: number, ids: NodeId[], network?: ConstructorParameters<typeof Simulation>[0]['network']) {
  const sim = new Simulation({ seed, network })
  const nodes = new Map<NodeId, ScriptedNode>()
  for (const id of ids) sim.addNode(id, (ctx) => {
    const node = new ScriptedNode(ctx)
    nodes.set(id, node)
    return node
  })
  const records: TraceRecord[] = []
  sim.trace.subscribe((r) => records.push(r))
  const send = (from: NodeId, to: NodeId, n: number) => sim.command(from, { send: to, n })
  return { sim, nodes, records, send }
}

const drops = (records: TraceRecord[]) => records.filter((r) => r.type === 'drop').map((r) => r.data as KernelTraceData['drop'])

describe('network', () => {
  it('delivers in FIFO order per link under random latency, however messages are spaced', () => {
    fc.assert(fc.property(fc.nat(), fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.double({ min: 0, max: 3, noNaN: true })), { maxLength: 80 }), (seed, sends) => {
      const { sim, nodes } = cluster(seed, [1, 2, 3], { latencyMs: { median: 1, sigma: 1.5 } })
      let n = 0
      for (const [from, to, gap] of sends) {
        sim.runFor(gap)
        sim.command(from + 1, { send: to + 1, n: n++ })
      }
      sim.runUntilIdle()
      for (const receiver of nodes.values()) {
        for (const sender of [1, 2, 3]) {
          const order = receiver.received.filter((m) => m.from === sender).map((m) => m.n)
          expect(order).toEqual([...order].sort((a, b) => a - b))
        }
      }
      expect([...nodes.values()].reduce((sum, node) => sum + node.received.length, 0)).toBe(sends.length)
    }), { numRuns: 200 })
  })

  it('reorders messages across different links (FIFO is per link, not global)', () => {
    let reordered = false
    for (let seed = 0; seed < 50 && !reordered; seed++) {
      const { sim, nodes } = cluster(seed, [1, 2, 3], { latencyMs: { min: 0.1, max: 5 } })
      sim.command(1, { send: 3, n: 0 })
      sim.command(2, { send: 3, n: 1 })
      sim.runUntilIdle()
      reordered = nodes.get(3)!.received[0]!.n === 1
    }
    expect(reordered).toBe(true)
  })

  it('keeps latency within a uniform distribution and exactly at a constant one', () => {
    const uniform = cluster(1, [1, 2], { latencyMs: { min: 2, max: 3 } })
    for (let i = 0; i < 200; i++) uniform.sim.command(1, { send: 2, n: i })
    uniform.sim.runUntilIdle()
    for (const m of uniform.nodes.get(2)!.received) expect(m.at >= 2 && m.at <= 3).toBe(true)
    const constant = cluster(1, [1, 2], { latencyMs: 4 })
    constant.send(1, 2, 0)
    constant.sim.runUntilIdle()
    expect(constant.nodes.get(2)!.received[0]!.at).toBe(4)
  })

  it('gives log-normal latency the median it was configured with', () => {
    const { sim, nodes } = cluster(3, [1, 2], { latencyMs: { median: 2, sigma: 0.5 } })
    // Spaced far apart so FIFO never holds a message back behind the previous one.
    for (let i = 0; i < 2001; i++) sim.at(i * 100, 'send', () => sim.command(1, { send: 2, n: i }))
    sim.runUntilIdle()
    const latencies = nodes.get(2)!.received.map((m, i) => m.at - i * 100).sort((a, b) => a - b)
    expect(latencies[1000]!).toBeGreaterThan(1.85)
    expect(latencies[1000]!).toBeLessThan(2.15)
  })

  it('drops and traces messages across an isolation, in both directions, and heal restores delivery', () => {
    const { sim, nodes, records, send } = cluster(1, [1, 2, 3])
    sim.network.isolate(2)
    send(1, 2, 0)
    send(2, 3, 1)
    send(1, 3, 2)
    sim.runUntilIdle()
    expect(nodes.get(2)!.received).toEqual([])
    expect(nodes.get(3)!.received.map((m) => m.n)).toEqual([2])
    expect(drops(records).map((d) => [d.from, d.to, d.reason])).toEqual([[1, 2, 'isolated'], [2, 3, 'isolated']])
    sim.network.heal()
    send(1, 2, 3)
    sim.runUntilIdle()
    expect(nodes.get(2)!.received.map((m) => m.n)).toEqual([3])
  })

  it('drops messages between partition groups but not within them, and lets nodes in no group reach all', () => {
    const { sim, nodes, records, send } = cluster(1, [1, 2, 3, 'client'])
    sim.network.partition([[1], [2, 3]])
    send(1, 2, 0) // across: dropped
    send(2, 3, 1) // within: delivered
    send('client', 1, 2) // client is in no group: delivered
    send(3, 'client', 3) // delivered
    sim.runUntilIdle()
    expect(nodes.get(2)!.received).toEqual([])
    expect(nodes.get(3)!.received.map((m) => m.n)).toEqual([1])
    expect(nodes.get(1)!.received.map((m) => m.n)).toEqual([2])
    expect(nodes.get('client')!.received.map((m) => m.n)).toEqual([3])
    expect(drops(records).map((d) => d.reason)).toEqual(['partitioned'])
    expect(sim.network.faults().partition).toEqual([[1], [2, 3]])
  })

  it('blocks one way only', () => {
    const { sim, nodes, records, send } = cluster(1, [1, 2])
    sim.network.block(1, 2)
    send(1, 2, 0)
    send(2, 1, 1)
    sim.runUntilIdle()
    expect(nodes.get(2)!.received).toEqual([])
    expect(nodes.get(1)!.received.map((m) => m.n)).toEqual([1])
    expect(drops(records).map((d) => [d.from, d.to, d.reason])).toEqual([[1, 2, 'blocked']])
  })

  it('drops a message already in flight when a partition starts before it arrives', () => {
    const { sim, nodes, records, send } = cluster(1, [1, 2], { latencyMs: 10 })
    send(1, 2, 0)
    sim.runFor(5)
    sim.network.partition([[1], [2]])
    sim.runUntilIdle()
    expect(nodes.get(2)!.received).toEqual([])
    const [drop] = drops(records)
    expect(drop).toMatchObject({ from: 1, to: 2, reason: 'partitioned', sentAt: 0 })
    expect(records.find((r) => r.type === 'drop')!.time).toBe(10)
  })

  it('honours a loss probability statistically, and the losses replay for a fixed seed', () => {
    const run = (seed: number) => {
      const { sim, nodes, records } = cluster(seed, [1, 2], { lossProbability: 0.3 })
      for (let i = 0; i < 5000; i++) sim.command(1, { send: 2, n: i })
      sim.runUntilIdle()
      return { delivered: nodes.get(2)!.received.map((m) => m.n), lost: drops(records).filter((d) => d.reason === 'lost').length }
    }
    const first = run(8)
    expect(first.lost + first.delivered.length).toBe(5000)
    expect(first.lost / 5000).toBeGreaterThan(0.27)
    expect(first.lost / 5000).toBeLessThan(0.33)
    expect(run(8)).toEqual(first)
    expect(run(9).delivered).not.toEqual(first.delivered)
  })

  it('lets one link be overridden and the override removed', () => {
    const { sim, nodes, send } = cluster(1, [1, 2, 3], { latencyMs: 1 })
    sim.network.configureLink(1, 2, { latencyMs: 50 })
    send(1, 2, 0)
    send(1, 3, 1)
    send(2, 1, 2) // the reverse direction keeps the default
    sim.runUntilIdle()
    expect(nodes.get(2)!.received[0]!.at).toBe(50)
    expect(nodes.get(3)!.received[0]!.at).toBe(1)
    expect(nodes.get(1)!.received[0]!.at).toBe(1)
    sim.network.configureLink(1, 2, null)
    const start = sim.now
    send(1, 2, 3)
    sim.runUntilIdle()
    expect(nodes.get(2)!.received[1]!.at - start).toBe(1)
  })

  it('rejects bad network input, naming the value and what was expected', () => {
    expect(() => new Simulation({ seed: 1, network: { latencyMs: -1 } })).toThrow('network.latencyMs: expected a finite, non-negative number of milliseconds, got -1')
    expect(() => new Simulation({ seed: 1, network: { latencyMs: NaN } })).toThrow('got NaN')
    expect(() => new Simulation({ seed: 1, network: { latencyMs: { min: 3, max: 1 } } })).toThrow('network.latencyMs.max: expected a number of milliseconds >= min (3), got 1')
    expect(() => new Simulation({ seed: 1, network: { latencyMs: { median: 0, sigma: 1 } } })).toThrow('network.latencyMs.median')
    expect(() => new Simulation({ seed: 1, network: { lossProbability: 1.5 } })).toThrow('network.lossProbability: expected a probability between 0 and 1, got 1.5')
    expect(() => new Simulation({ seed: 1, network: { latency: 1 } as never })).toThrow('network.latency: expected one of the known keys')
    const { sim } = cluster(1, [1, 2])
    expect(() => sim.network.isolate(9)).toThrow('network.isolate(node): expected a known node id (1, 2), got 9')
    expect(() => sim.network.partition([[1]])).toThrow('expected an array of at least two groups')
    expect(() => sim.network.partition([[1], [1, 2]])).toThrow('expected each node in at most one group, got 1')
    expect(() => sim.network.partition([[1], []])).toThrow('network.partition(groups)[1]: expected a non-empty array of node ids')
    expect(() => sim.network.block(1, 1)).toThrow('network.block(to): expected a node other than `from`, got 1')
    expect(() => sim.network.configureLink(1, '2', {})).toThrow('network.configureLink(to): expected a known node id (1, 2), got "2"')
    expect(sim.network.faults()).toEqual({ isolated: [], partition: [], blocked: [] })
  })
})
