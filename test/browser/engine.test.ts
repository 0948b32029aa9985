// The visualizer's engine, in Node: whatever the page does (play in frames of any size,
// step, jump back and forth, act in between), a replay of the session from its seed and
// recorded actions goes through the same events: the trace hashes match. And links: a
// session survives its link, and bad links are named, never thrown.

import { describe, expect, it } from 'vitest'
import { RandomStreams } from '../../sim/random.ts'
import { actionFromText, actionToText, type NodeVerb } from '../../web/engine/actions.ts'
import { Engine, type Task } from '../../web/engine/engine.ts'
import type { Frame } from '../../web/engine/protocol.ts'
import { Run } from '../../web/engine/run.ts'
import { DEFAULT_SETTINGS, linkFor, parseLink, type SessionSpec } from '../../web/engine/spec.ts'

const clock = { now: () => performance.now() }

function finish(task: Task): Frame {
  for (;;) {
    const next = task.next()
    if (next.done) {
      if (next.value.kind !== 'frame') throw new Error(`expected a frame, got ${next.value.kind}`)
      return next.value.frame
    }
  }
}

function replayHash(spec: SessionSpec, events: number): string {
  const run = Run.fromSpec(spec)
  run.advance({ events, timeMs: Infinity })
  expect(run.actionErrors).toEqual([])
  return run.cluster.trace.hash()
}

describe('the engine', () => {
  it('replays a session to the same trace, however the page played it', () => {
    const verbs: NodeVerb[] = ['crash', 'power-fail', 'restart', 'pause', 'resume', 'isolate', 'rejoin']
    for (let seed = 0; seed < 16; seed++) {
      const random = new RandomStreams(seed).stream('engine-test')
      const engine = new Engine({ seed, settings: { ...DEFAULT_SETTINGS }, actions: [] }, clock)
      let t = 3000
      for (let i = 0; i < 40; i++) {
        t += random.uniform(1, 800)
        const r = random.next()
        if (r < 0.45) engine.advance(t, 1e9, false)
        else if (r < 0.55) engine.step()
        else if (r < 0.6) finish(engine.jumpTask({ timeMs: Math.max(0, engine.liveRun.position.timeMs - random.uniform(0, 3000)) }))
        else if (r < 0.64) finish(engine.jumpTask({ events: Math.max(0, engine.liveRun.position.events - 1) }))
        else if (r < 0.68) finish(engine.jumpTask({ seq: Math.floor(engine.liveRun.position.seq * random.next()) }))
        else {
          const view = engine.frame(null).view
          const broker = random.pick(view.brokers)
          const legal = verbs.filter((v) =>
            v === 'crash' || v === 'power-fail' ? broker.process !== 'crashed' : v === 'restart' ? broker.process === 'crashed' : v === 'pause' ? broker.process === 'up' : v === 'resume' ? broker.process === 'paused' : v === 'isolate' ? !broker.isolated : broker.isolated,
          )
          engine.act({ verb: random.pick(legal), node: broker.brokerId })
        }
      }
      const live = engine.frame(null)
      expect(replayHash(engine.session, live.position.events), `seed ${seed}`).toBe(live.traceHash)
    }
  })

  it('goes back and forth in time to exact positions, reusing runs as checkpoints', () => {
    const engine = new Engine({ seed: 11, settings: { ...DEFAULT_SETTINGS }, actions: [] }, clock)
    engine.advance(8000, 1e9, false)
    const leader = engine.frame(null).view.partitions[0]!.leader
    engine.act({ verb: 'crash', node: leader })
    const head = engine.advance(40_000, 1e9, false)
    expect(head.view.partitions[0]!.leader).not.toBe(leader)

    const back = finish(engine.jumpTask({ timeMs: 7000 }))
    expect(back.position.timeMs).toBe(7000)
    expect(back.view.partitions[0]!.leader).toBe(leader)
    expect(back.checkpoints).toContain(head.position.timeMs)

    const bySeq = finish(engine.jumpTask({ seq: 5000 }))
    expect(bySeq.position.seq).toBeGreaterThan(5000)
    const stepBack = finish(engine.jumpTask({ events: bySeq.position.events - 1 }))
    expect(stepBack.position.events).toBe(bySeq.position.events - 1)

    const again = finish(engine.jumpTask({ events: head.position.events, timeMs: head.position.timeMs }))
    expect(again.traceHash).toBe(head.traceHash)
    expect(again.position).toEqual(head.position)
  })

  it('acting in the past starts a new timeline: later actions and runs are dropped', () => {
    const engine = new Engine({ seed: 5, settings: { ...DEFAULT_SETTINGS }, actions: [] }, clock)
    engine.advance(6000, 1e9, false)
    engine.act({ verb: 'crash', node: 1 })
    engine.advance(20_000, 1e9, false)
    engine.act({ verb: 'restart', node: 1 })
    engine.advance(30_000, 1e9, false)
    finish(engine.jumpTask({ timeMs: 10_000 }))
    engine.act({ verb: 'pause', node: 2 })
    expect(engine.session.actions.map((a) => a.action.verb)).toEqual(['crash', 'pause'])
    const frame = engine.advance(25_000, 1e9, false)
    expect(frame.checkpoints.every((t) => t <= 25_000)).toBe(true)
    expect(replayHash(engine.session, frame.position.events)).toBe(frame.traceHash)
  })
})

describe('session links', () => {
  it('carry the seed, settings, actions and position exactly', () => {
    const engine = new Engine({ seed: 77, settings: { ...DEFAULT_SETTINGS, brokers: 4, partitions: 9, replicationFactor: 3, minInsyncReplicas: 1, uncleanElection: true, producers: 1, acks: 0, recordsPerSec: 33, consumers: 2, checks: false }, actions: [] }, clock)
    engine.advance(5000.123, 1e9, false)
    engine.act({ verb: 'partition', groups: [[1, 'controller'], [2, 3, 4]] })
    engine.step()
    engine.act({ verb: 'set-config', name: 'unclean.leader.election.enable', value: false })
    engine.act({ verb: 'add-producer', acks: -1, rate: 7, lingerMs: 0, keys: 'skewed' })
    engine.act({ verb: 'set-producer', id: 'producer-2', acks: 1, lingerMs: 20, keys: 'none' })
    engine.act({ verb: 'remove-consumer', id: 'consumer-1' })
    const frame = engine.advance(9000, 1e9, false)
    const link = linkFor(engine.session, { timeMs: frame.position.timeMs, events: frame.position.events })
    const parsed = parseLink(link)
    expect(parsed.errors).toEqual([])
    expect(parsed.spec).toEqual(engine.session)
    expect(parsed.position).toEqual({ timeMs: frame.position.timeMs, events: frame.position.events })
    for (const a of engine.session.actions) expect(actionFromText(actionToText(a), { brokers: 4, replicationFactor: 3, maxTimeMs: 1e9 })).toEqual(a)
  })

  it('name what is wrong with a bad link and fall back to defaults, never throwing', () => {
    const cases: [string, string][] = [
      ['?seed=-1', 'seed must be a non-negative integer; got "-1"'],
      ['?seed=1e3', 'seed must be a non-negative integer; got "1e3"'],
      ['?brokers=0', 'brokers must be an integer from 1 to 9; got "0"'],
      ['?brokers=2&rf=3', 'rf must be an integer from 1 to the number of brokers; got "3". Using 2.'],
      ['?acks=2', 'acks must be "all", "1" or "0"; got "2"'],
      ['?actions=1@1:crash:7', 'broker 7 does not exist (brokers are 1 to 3)'],
      ['?actions=1@1:crash', '"crash" takes 1 argument, got 0'],
      ['?actions=5@9:heal~4@10:heal', 'actions must be in the order they were taken'],
      ['?actions=1@1:set-config:retention.ms:1', 'cannot be changed here'],
      ['?keys=zipf', 'keys must be "none", "uniform", "skewed"; got "zipf"'],
      ['?linger=-1', 'linger must be an integer from 0 to 60000 (linger.ms); got "-1"'],
      ['?actions=1@1:add-producer:all:5:5:zipf', 'expected keys none, uniform, skewed, got "zipf"'],
      ['?actions=1@1:add-producer:all:5', '"add-producer" takes 4 arguments, got 2'],
      ['?actions=1_1:heal', 'expected <time ms>@<events>:<verb>'],
      ['?actions=99999999999@1:heal', 'beyond the 21600000 ms a session may last'],
      ['?t=-5', 't (where to open the run) must be a time'],
      ['?e=5', 'e (an event count) only counts together with t'],
      ['?scenario=x.yaml', 'scenario must be the name of a scenario in scenarios/ (lowercase letters, digits and "-", like "leader-failover-acks-all"); got "x.yaml"'],
      ['?scenario=%3Cb%3E', 'scenario must be the name of a scenario in scenarios/'],
      ['?seed=1&seed=2', 'appears more than once'],
      ['?%3Cscript%3E=1', 'Unknown parameter "<script>"'],
    ]
    for (const [query, message] of cases) {
      const parsed = parseLink(query)
      expect(parsed.errors.join(' | '), query).toContain(message)
    }
    expect(parseLink('?brokers=1').spec.settings).toMatchObject({ brokers: 1, replicationFactor: 1, minInsyncReplicas: 1 })
    expect(parseLink('').errors).toEqual([])
  })
})

describe('the clients the engine runs', () => {
  it("are core's producer and consumer: records are batched, acknowledged, consumed, and the history checker finds nothing wrong", () => {
    const engine = new Engine({ seed: 21, settings: { ...DEFAULT_SETTINGS, consumers: 2 }, actions: [] }, clock)
    const frame = engine.advance(12_000, 1e9, false)
    const run = engine.liveRun
    expect(frame.view.producers.map((p) => p.id)).toEqual(['producer-1', 'producer-2'])
    for (const p of frame.view.producers) {
      expect(p).toMatchObject({ acks: -1, lingerMs: 5, keys: 'uniform', idempotent: true, failed: 0 })
      expect(p.acked).toBeGreaterThan(50)
      // The producer client's own record outcomes, kept by the cluster's history recorder.
      expect(run.cluster.history.producerOutcomes(p.id).filter((o) => o.status === 'acked')).toHaveLength(p.acked)
    }
    // The two consumers are members of one group: between them they own every partition, each exactly once.
    const owned = frame.view.consumers.flatMap((c) => c.assigned)
    expect([...owned].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5])
    for (const c of frame.view.consumers) {
      expect(c.assigned.length).toBeGreaterThan(0)
      expect(c.member).toMatchObject({ state: 'STABLE' })
      expect(c.consumed).toBeGreaterThan(30)
      expect(run.cluster.history.consumerRecords(c.id)).toHaveLength(c.consumed)
    }
    expect(frame.view.consumers.reduce((sum, c) => sum + c.consumed, 0)).toBeGreaterThan(150)
    expect(run.history).toMatchObject({ duplicates: 0, reorders: 0, consumerGaps: 0, consumerDuplicates: 0 })
    expect(frame.anomalies).toEqual([])
  })

  it("refuse a config core's parser refuses, naming it, and record nothing", () => {
    const engine = new Engine({ seed: 22, settings: { ...DEFAULT_SETTINGS }, actions: [] }, clock)
    engine.advance(3000, 1e9, false)
    const before = engine.frame(null)
    expect(() => engine.act({ verb: 'set-producer', id: 'producer-1', acks: 1, lingerMs: -5, keys: 'none' })).toThrow(/linger\.ms.*-5/)
    expect(() => engine.act({ verb: 'add-producer', acks: -1, rate: 5, lingerMs: Number.NaN, keys: 'none' })).toThrow(/linger\.ms/)
    expect(engine.session.actions).toEqual([])
    const after = engine.frame(null)
    expect(after.view.producers.map((p) => [p.id, p.active])).toEqual(before.view.producers.map((p) => [p.id, p.active]))
    expect(after.traceHash).toBe(before.traceHash)
  })

  it('restart a producer with a new config in its place, and stop consumers by unsubscribing them', () => {
    const engine = new Engine({ seed: 23, settings: { ...DEFAULT_SETTINGS }, actions: [] }, clock)
    engine.advance(3000, 1e9, false)
    engine.act({ verb: 'set-producer', id: 'producer-1', acks: 1, lingerMs: 20, keys: 'skewed' })
    engine.act({ verb: 'remove-consumer', id: 'consumer-1' })
    const consumedAtStop = engine.frame(null).view.consumers[0]!.consumed
    const frame = engine.advance(8000, 1e9, false)
    const [old, , fresh] = frame.view.producers
    expect(old).toMatchObject({ id: 'producer-1', active: false })
    // acks=1 without an explicit enable.idempotence turns idempotence off, as Kafka's ProducerConfig does.
    expect(fresh).toMatchObject({ id: 'producer-3', active: true, acks: 1, lingerMs: 20, keys: 'skewed', idempotent: false })
    expect(fresh!.acked).toBeGreaterThan(0)
    expect(frame.view.consumers[0]).toMatchObject({ active: false, consumed: consumedAtStop })
    expect(replayHash(engine.session, frame.position.events)).toBe(frame.traceHash)
  })

  it('raise the history checker\'s findings as anomalies, at the same events in a replay', () => {
    // acks=1 (idempotence off, five requests in flight): the leader of orders-0 is cut off
    // for 15 s; the producer's requests to it time out and are retried behind later ones.
    const engine = new Engine({ seed: 2, settings: { ...DEFAULT_SETTINGS, acks: 1, minInsyncReplicas: 1, recordsPerSec: 200, lingerMs: 0, producers: 1, checks: false }, actions: [] }, clock)
    const leader = engine.advance(5000, 1e9, false).view.partitions[0]!.leader
    engine.act({ verb: 'isolate', node: leader })
    engine.advance(20_000, 1e9, false)
    engine.act({ verb: 'rejoin', node: leader })
    const frame = engine.advance(60_000, 1e9, false)
    const found = frame.anomalies.filter((a) => a.kind === 'history')
    expect(found.map((a) => a.name)).toContain('reorder')
    const reorder = found.find((a) => a.name === 'reorder')!
    expect(reorder.partition).toMatch(/^orders-[0-5]$/)
    expect(reorder.message).toContain(`in ${reorder.partition}`)
    expect(engine.liveRun.history!.reorders).toBeGreaterThan(0)
    const replay = Run.fromSpec(engine.session)
    replay.advance({ events: frame.position.events, timeMs: Infinity })
    expect(replay.anomalies).toEqual(engine.liveRun.anomalies)
  })
})
