import { describe, expect, it } from 'vitest'
import type { NodeContext, NodeId } from '../core/node.ts'
import { Simulation, TimeoutError } from '../sim/simulation.ts'
import type { TraceRecord } from '../sim/trace.ts'
import { ScriptedNode } from './support/nodes.ts'

function setup(ids: NodeId[] = [1, 2], options: Partial<ConstructorParameters<typeof Simulation>[0]> = {}) {
  const sim = new Simulation({ seed: 1, network: { latencyMs: 1 }, ...options })
  const live = new Map<NodeId, ScriptedNode>()
  for (const id of ids) sim.addNode(id, (ctx) => {
    const node = new ScriptedNode(ctx)
    live.set(id, node)
    return node
  })
  const records: TraceRecord[] = []
  sim.trace.subscribe((r) => records.push(r))
  return { sim, live, records, node: (id: NodeId) => live.get(id)! }
}

describe('simulation clock and running', () => {
  it('moves the clock only to event times, runFor ends exactly at its end time', () => {
    const { sim, node } = setup()
    sim.command(1, { timer: 't', delayMs: 7.5 })
    sim.runFor(5)
    expect(sim.now).toBe(5)
    expect(node(1).fired).toEqual([])
    sim.runFor(5)
    expect(node(1).fired).toEqual([{ name: 't', at: 7.5 }])
    expect(sim.now).toBe(10)
  })

  it('runs events due at the same time in the order they were scheduled', () => {
    const { sim } = setup()
    const order: string[] = []
    for (const label of ['a', 'b', 'c', 'd']) sim.at(3, label, () => order.push(label))
    sim.at(1, 'first', () => order.push('first'))
    sim.runUntilIdle()
    expect(order).toEqual(['first', 'a', 'b', 'c', 'd'])
  })

  it('step() processes one event and reports when nothing is left', () => {
    const { sim } = setup()
    sim.at(2, 'x', () => {})
    expect(sim.step()).toBe(true)
    expect(sim.now).toBe(2)
    expect(sim.step()).toBe(false)
  })

  it('runUntil stops as soon as the condition holds', () => {
    const { sim, node } = setup()
    for (let i = 0; i < 5; i++) sim.command(1, { timer: `t${i}`, delayMs: i + 1 })
    sim.runUntil(() => node(1).fired.length === 3, { timeoutMs: 100 })
    expect(sim.now).toBe(3)
  })

  it('runUntil throws a TimeoutError with the reason when the condition does not hold in time', () => {
    const { sim } = setup()
    sim.command(1, { timer: 'late', delayMs: 500 })
    const attempt = () => sim.runUntil(() => false, { timeoutMs: 100, describe: () => 'partition orders-3 has no leader' })
    expect(attempt).toThrow(TimeoutError)
    expect(sim.now).toBe(100)
    expect(() => sim.runUntil(() => false, { timeoutMs: 100, describe: () => 'partition orders-3 has no leader' })).toThrow(
      /condition not met within 100 ms \(from 100 ms to 200 ms, \d+ events\): partition orders-3 has no leader/,
    )
  })

  it('runUntil says so when nothing is left to happen', () => {
    const { sim } = setup()
    sim.runUntilIdle()
    expect(() => sim.runUntil(() => false, { timeoutMs: 1000 })).toThrow(/then nothing left to happen/)
  })

  it('runUntilIdle refuses to spin forever on periodic work', () => {
    const sim = new Simulation({ seed: 1 })
    sim.addNode('ticker', (ctx: NodeContext) => ({
      start: () => void ctx.setTimer(1, 'tick'),
      onMessage: () => {},
      onTimer: () => void ctx.setTimer(1, 'tick'),
    }))
    expect(() => sim.runUntilIdle({ maxEvents: 1000 })).toThrow('runUntilIdle: still busy after 1000 events')
  })
})

describe('timers', () => {
  it('fire once, in order, and a cancelled timer never fires', () => {
    const { sim, node } = setup()
    sim.command(1, { timer: 'a', delayMs: 3 })
    sim.command(1, { timer: 'b', delayMs: 1 })
    sim.command(1, { timer: 'c', delayMs: 2 })
    sim.runFor(1.5)
    sim.command(1, { cancel: 'c' })
    sim.runUntilIdle()
    expect(node(1).fired.map((f) => f.name)).toEqual(['b', 'a'])
    expect(sim.snapshot().nodes[0]!.pendingTimers).toBe(0)
  })

  it('cancelling a fired or unknown timer does nothing, even when its slot was reused', () => {
    const sim = new Simulation({ seed: 1 })
    const fired: string[] = []
    let first = 0
    sim.addNode('n', (ctx) => ({
      start: () => {
        first = ctx.setTimer(1, 'first')
      },
      onMessage: () => {},
      onTimer: (name) => {
        fired.push(name)
        if (name === 'first') {
          ctx.setTimer(1, 'second') // likely reuses the first timer's pooled event
          ctx.cancelTimer(first) // the first already fired: must not cancel 'second'
          ctx.cancelTimer(123456789)
        }
      },
    }))
    sim.runUntilIdle()
    expect(fired).toEqual(['first', 'second'])
  })

  it('rejects a negative, NaN or infinite delay and an empty name, naming the value', () => {
    const sim = new Simulation({ seed: 1 })
    let ctx!: NodeContext
    sim.addNode('n', (c) => {
      ctx = c
      return { onMessage: () => {}, onTimer: () => {} }
    })
    expect(() => ctx.setTimer(-1, 'x')).toThrow('node "n" setTimer(delayMs) for "x": expected a finite, non-negative number of milliseconds, got -1')
    expect(() => ctx.setTimer(NaN, 'x')).toThrow('got NaN')
    expect(() => ctx.setTimer(Infinity, 'x')).toThrow('got Infinity')
    expect(() => ctx.setTimer(1, '')).toThrow('setTimer(name): expected a non-empty string, got ""')
    expect(() => ctx.cancelTimer(-3)).toThrow('cancelTimer(timer): expected a timer id returned by setTimer, got -3')
  })
})

describe('crash, power loss, restart, pause', () => {
  it('a crash drops volatile state and pending timers; restart rebuilds the node from its disk, page cache included', () => {
    const { sim, node, records } = setup()
    sim.command(1, { timer: 'pending', delayMs: 10 })
    sim.command(1, { write: 'k', value: 'unflushed' })
    sim.command(1, { append: 'log', value: 1 })
    sim.runFor(1)
    const before = node(1)
    sim.crash(1)
    expect(sim.stateOf(1)).toBe('crashed')
    expect(sim.instanceOf(1)).toBeUndefined()
    sim.runFor(20)
    expect(before.fired).toEqual([])
    sim.restart(1)
    const after = node(1)
    expect(after).not.toBe(before)
    expect(after.started).toBe(1)
    expect(after.ctx.storage.read('k')).toBe('unflushed')
    expect([...after.ctx.storage.log('log').entries()]).toEqual([1])
    sim.runFor(20)
    expect(after.fired).toEqual([])
    expect(records.map((r) => r.type)).toContain('crash')
    expect(records.map((r) => r.type)).toContain('restart')
    expect(sim.snapshot().nodes[0]).toMatchObject({ id: 1, state: 'up', incarnation: 1 })
  })

  it('a power loss drops everything written since the last flush', () => {
    const { sim, node } = setup()
    sim.command(1, { write: 'k', value: 'flushed' })
    sim.command(1, { flush: true })
    sim.command(1, { write: 'k', value: 'unflushed' })
    sim.runFor(1)
    sim.powerFail(1)
    sim.restart(1)
    expect(node(1).ctx.storage.read('k')).toBe('flushed')
  })

  it("the operating system's writeback makes writes durable after writebackDelayMs", () => {
    const { sim, node, records } = setup([1], { disk: { writebackDelayMs: 100 } })
    sim.command(1, { write: 'k', value: 'v' })
    sim.runFor(99)
    expect(sim.snapshot().nodes[0]!.unflushedWrites).toBe(true)
    sim.runFor(2)
    expect(sim.snapshot().nodes[0]!.unflushedWrites).toBe(false)
    expect(records.filter((r) => r.type === 'writeback').map((r) => r.time)).toEqual([100])
    sim.powerFail(1)
    sim.restart(1)
    expect(node(1).ctx.storage.read('k')).toBe('v')
  })

  it('messages to a crashed node are dropped and traced, and messages sent before a restart never reach the new incarnation', () => {
    const { sim, node, records } = setup([1, 2], { network: { latencyMs: 5 } })
    sim.crash(2)
    sim.command(1, { send: 2, n: 1 })
    sim.runFor(10)
    sim.command(1, { send: 2, n: 2 })
    sim.runFor(1)
    sim.restart(2)
    sim.runFor(10)
    expect(node(2).received).toEqual([])
    const reasons = records.filter((r) => r.type === 'drop').map((r) => (r.data as { reason: string }).reason)
    expect(reasons).toEqual(['node-down', 'node-restarted'])
  })

  it('a paused node processes nothing until resumed, then everything that arrived, in order, at the resume time', () => {
    const { sim, node } = setup()
    sim.command(1, { timer: 'gc-delayed', delayMs: 3 })
    sim.runFor(0.5)
    sim.pause(1)
    sim.command(2, { send: 1, n: 1 })
    sim.command(2, { send: 1, n: 2 })
    sim.runFor(10)
    expect(node(1).received).toEqual([])
    expect(node(1).fired).toEqual([])
    sim.resume(1)
    sim.runFor(0)
    expect(node(1).fired).toEqual([{ name: 'gc-delayed', at: 10.5 }])
    expect(node(1).received.map((m) => [m.n, m.at])).toEqual([[1, 10.5], [2, 10.5]])
  })

  it('a crash during a pause loses what was waiting, and traces the lost messages', () => {
    const { sim, node, records } = setup()
    sim.pause(1)
    sim.command(2, { send: 1, n: 1 })
    sim.runFor(5)
    sim.crash(1)
    sim.restart(1)
    sim.runFor(5)
    expect(node(1).received).toEqual([])
    expect(records.filter((r) => r.type === 'drop').map((r) => (r.data as { reason: string }).reason)).toEqual(['node-down'])
  })

  it('refuses transitions that make no sense, naming the node and its state', () => {
    const { sim } = setup()
    expect(() => sim.restart(1)).toThrow('cannot restart node 1: it is up (expected crashed)')
    expect(() => sim.resume(1)).toThrow('cannot resume node 1: it is up (expected paused)')
    sim.crash(1)
    expect(() => sim.crash(1)).toThrow('cannot crash node 1: it is crashed (expected up or paused)')
    expect(() => sim.pause(1)).toThrow('cannot pause node 1: it is crashed (expected up)')
    expect(() => sim.command(1, {})).toThrow('command to node 1: the node is crashed')
  })

  it("commands run at once and return the node's answer; a paused node cannot take one", () => {
    const sim = new Simulation({ seed: 1 })
    sim.addNode('admin', (ctx) => ({ onMessage: () => {}, onTimer: () => {}, onCommand: (c) => ({ echoed: c, at: ctx.now }) }))
    sim.runFor(3)
    expect(sim.command('admin', 'ping')).toEqual({ echoed: 'ping', at: 3 })
    expect(sim.trace.events.at(-1)).toMatchObject({ type: 'command', node: 'admin', data: { command: 'ping' } })
    sim.pause('admin')
    expect(() => sim.command('admin', 'ping')).toThrow('command to node "admin": the node is paused')
  })

  it('a context from a crashed incarnation cannot act', () => {
    const { sim, node } = setup()
    const old = node(1).ctx
    sim.crash(1)
    expect(() => old.send(2, { type: 'x' })).toThrow("node 1: a crashed incarnation's context was used")
  })
})

describe('bad input', () => {
  it.each([[-1], [1.5], [NaN], ['7'], [undefined]])('rejects the seed %s', (seed) => {
    expect(() => new Simulation({ seed } as never)).toThrow(/Simulation\(options\)\.seed: expected a non-negative integer seed, got/)
  })

  it('rejects unknown options, node ids and scheduling in the past, naming the value', () => {
    expect(() => new Simulation({ seed: 1, sed: 2 } as never)).toThrow('Simulation(options).sed: expected one of the known keys (seed, network, traceCapacity, disk), got "sed"')
    expect(() => new Simulation({ seed: 1, traceCapacity: -5 })).toThrow('traceCapacity: expected a non-negative integer number of records, got -5')
    expect(() => new Simulation({ seed: 1, disk: { writebackDelayMs: -1 } })).toThrow('disk.writebackDelayMs: expected a finite, non-negative number of milliseconds, got -1')
    const { sim } = setup()
    expect(() => sim.crash(3)).toThrow('crash(node): expected a known node id (1, 2), got 3')
    expect(() => sim.command('1', {})).toThrow('command(node): expected a known node id (1, 2), got "1"')
    expect(() => sim.addNode(1, () => new ScriptedNode(null as never))).toThrow('addNode(id): expected a node id not yet used, got 1')
    expect(() => sim.addNode('1', () => new ScriptedNode(null as never))).toThrow('addNode(id): expected a node id not yet used, got "1"')
    expect(() => sim.addNode(-2, () => new ScriptedNode(null as never))).toThrow('addNode(id): expected a non-negative integer or a non-empty string, got -2')
    sim.runFor(10)
    expect(() => sim.at(5, 'late', () => {})).toThrow('at(timeMs) for "late": expected a finite time not in the past (now is 10 ms), got 5')
    expect(() => sim.after(-1, 'x', () => {})).toThrow('after(delayMs) for "x": expected a finite, non-negative number of milliseconds, got -1')
    expect(() => sim.runFor(NaN)).toThrow('runFor(durationMs): expected a finite, non-negative number of milliseconds, got NaN')
    expect(() => sim.runUntil(() => true, { timeoutMs: -1 })).toThrow('runUntil(options.timeoutMs): expected a finite, non-negative number of milliseconds, got -1')
  })

  it('rejects a message without a type and a send to an unknown node from inside a node', () => {
    const sim = new Simulation({ seed: 1 })
    let ctx!: NodeContext
    sim.addNode(1, (c) => {
      ctx = c
      return { onMessage: () => {}, onTimer: () => {} }
    })
    expect(() => ctx.send(2, { type: 'x' })).toThrow('node 1 send(to): expected a known node id (1), got 2')
    expect(() => ctx.send(1, {} as never)).toThrow('node 1 send(message): expected an object with a string `type`, got {}')
    expect(() => ctx.emit('deliver', {})).toThrow('node 1 emit(type): expected a non-empty event type that is not a kernel trace type, got "deliver"')
  })
})

describe('trace', () => {
  it('records typed events with time, seq and node; the ring buffer keeps the newest, the hash covers all', () => {
    const small = setup([1, 2], { traceCapacity: 5 })
    for (let i = 0; i < 10; i++) small.sim.command(1, { send: 2, n: i })
    small.sim.runUntilIdle()
    const events = small.sim.trace.events
    expect(events).toHaveLength(5)
    expect(events.map((e) => e.seq)).toEqual([...Array(5).keys()].map((i) => small.sim.trace.count - 5 + i))
    expect(events.at(-1)).toMatchObject({ type: 'deliver', node: 2, data: { from: 1, message: { type: 'numbered', n: 9 } } })
    expect(small.records.slice(-5)).toEqual(events)
    const big = setup([1, 2], { traceCapacity: 1000 })
    for (let i = 0; i < 10; i++) big.sim.command(1, { send: 2, n: i })
    big.sim.runUntilIdle()
    expect(big.sim.trace.hash()).toBe(small.sim.trace.hash())
  })

  it('exports the buffer as JSON Lines', () => {
    const { sim } = setup()
    sim.command(1, { send: 2, n: 7 })
    sim.runUntilIdle()
    const lines = sim.trace.toJSONL().trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines.at(-1)).toEqual({ time: 1, seq: sim.trace.count - 1, node: 2, type: 'deliver', data: { from: 1, message: { type: 'numbered', n: 7 }, sentAt: 0 } })
    expect(lines.map((l) => l.type)).toEqual(['start', 'start', 'command', 'deliver'])
  })

  it('the hash changes with any recorded difference: a node event, a time, a message type', () => {
    const run = (variant: number) => {
      const sim = new Simulation({ seed: 1, network: { latencyMs: 1 } })
      sim.addNode(1, (ctx) => ({
        start: () => {
          ctx.emit('hello', { variant: variant === 1 ? 1 : 0 })
          ctx.setTimer(variant === 2 ? 2 : 1, 'go')
        },
        onMessage: () => {},
        onTimer: () => ctx.send(1, { type: variant === 3 ? 'other' : 'ping' }),
      }))
      sim.runUntilIdle()
      return sim.trace.hash()
    }
    const hashes = [0, 1, 2, 3].map(run)
    expect(new Set(hashes).size).toBe(4)
    expect(run(0)).toBe(hashes[0])
  })
})
