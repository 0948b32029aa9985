// The visualizer's consumer-group inspector and scenario picker, in Node: the engine's view
// of the session's group (members, assignment, committed offsets and lag) follows what
// core's coordinator does as members come and go; the state-machine diagram is read from
// core's xstate machine (a different machine gives a different diagram); and scenarios
// run from the bundled library, while hostile scenario text only ever yields error lines.

import { setup } from 'xstate'
import { describe, expect, it } from 'vitest'
import { groupStateMachine } from '../../core/group/group-state-machine.ts'
import { checkHistory, committedLogs } from '../../sim/checkers/history.ts'
import { Engine } from '../../web/engine/engine.ts'
import { SCENARIO_TEXTS } from '../../web/engine/scenario-library.ts'
import { playScenario } from '../../web/engine/scenarios.ts'
import { DEFAULT_SETTINGS, linkFor, parseLink } from '../../web/engine/spec.ts'
import { assignmentLines } from '../../web/view/group-lines.ts'
import { groupMachineDiagram } from '../../web/view/group-machine.ts'
import type { ConsumerGroupView } from '../../sim/views.ts'
import { GROUP_ID } from '../../web/engine/actions.ts'

const clock = { now: () => performance.now() }

function group(view: { groups: ConsumerGroupView[] }): ConsumerGroupView {
  const g = view.groups.find((x) => x.groupId === GROUP_ID)
  if (!g) throw new Error(`no group ${GROUP_ID} in the view: ${JSON.stringify(view.groups.map((x) => x.groupId))}`)
  return g
}

/** Partition -> client id owning it, from the group view. */
function owners(g: ConsumerGroupView): Map<number, string> {
  const map = new Map<number, string>()
  for (const m of g.members) for (const p of m.partitions) {
    expect(map.has(p.partition), `partition ${p.partition} owned twice`).toBe(false)
    map.set(p.partition, m.clientId)
  }
  return map
}

describe('the consumer-groups inspector', () => {
  it('shows the members, the assignment, and committed offsets with lag as core\'s coordinator has them, and follows members joining and leaving', () => {
    const engine = new Engine({ seed: 31, settings: { ...DEFAULT_SETTINGS, partitions: 6, consumers: 2 }, actions: [] }, clock)
    let frame = engine.advance(15_000, 1e9, false)
    let g = group(frame.view)
    expect(g).toMatchObject({ state: 'Stable', protocolType: 'consumer' })
    expect(g.members.map((m) => m.clientId).sort()).toEqual(['consumer-1', 'consumer-2'])
    expect([...owners(g).keys()].sort()).toEqual([0, 1, 2, 3, 4, 5])
    // The group's view and each member's own view of its assignment agree.
    for (const c of frame.view.consumers) expect(c.assigned).toEqual([...owners(g)].filter(([, id]) => id === c.id).map(([p]) => p).sort((a, b) => a - b))
    // Auto-commit has committed offsets; lag is the leader's high watermark minus them.
    const committed = g.partitions.filter((p) => p.committed !== null)
    expect(committed.length).toBeGreaterThan(0)
    for (const p of committed) {
      expect(p.logEndOffset).not.toBeNull()
      expect(p.lag).toBe(Math.max(0, p.logEndOffset! - p.committed!))
      expect(p.owner).toBe(g.members.find((m) => m.partitions.some((x) => x.partition === p.partition))!.memberId)
    }
    const generation = g.generation

    // A third member joins: a rebalance, a new generation, the partitions shared by three.
    engine.act({ verb: 'add-consumer' })
    frame = engine.advance(30_000, 1e9, false)
    g = group(frame.view)
    expect(g.state).toBe('Stable')
    expect(g.generation).toBeGreaterThan(generation)
    expect(new Set(owners(g).values())).toEqual(new Set(['consumer-1', 'consumer-2', 'consumer-3']))

    // Two leave (unsubscribe: LeaveGroup): the last member owns everything.
    engine.act({ verb: 'remove-consumer', id: 'consumer-1' })
    engine.act({ verb: 'remove-consumer', id: 'consumer-3' })
    frame = engine.advance(45_000, 1e9, false)
    g = group(frame.view)
    expect(g.state).toBe('Stable')
    expect(g.members.map((m) => m.clientId)).toEqual(['consumer-2'])
    expect([...owners(g).values()]).toEqual(Array(6).fill('consumer-2'))
    // Per member, the history checker would see the partitions that moved away and back as
    // gaps and repeats; for the group as a whole (what the engine checks) nothing is skipped.
    const perMember = checkHistory(engine.liveRun.cluster.history, committedLogs(engine.liveRun.cluster))
    expect(perMember.consumerGaps + perMember.consumerDuplicates).toBeGreaterThan(0)
    expect(engine.liveRun.history!.consumerGaps).toBe(0)
    expect(frame.anomalies).toEqual([])

    // The drawing: one line per owned partition, from its owner.
    const lines = assignmentLines(g, frame.view.topic, 6)
    expect(lines.links).toHaveLength(6)
    expect(lines.partitions.every((p) => p.owned)).toBe(true)
  })

  it('has no group when no consumer runs', () => {
    const engine = new Engine({ seed: 32, settings: { ...DEFAULT_SETTINGS, consumers: 0 }, actions: [] }, clock)
    expect(engine.advance(10_000, 1e9, false).view.groups).toEqual([])
  })
})

describe('the state-machine diagram', () => {
  it("is read from core's xstate machine: every state and every transition, with guards", () => {
    const d = groupMachineDiagram()
    const names = Object.keys(groupStateMachine.root.states)
    expect(d.states.map((s) => s.name)).toEqual(names)
    expect(d.states.find((s) => s.initial)?.name).toBe('Empty')
    expect(d.states.filter((s) => s.final).map((s) => s.name)).toEqual(['Dead'])
    const transitions: string[] = []
    for (const [name, node] of Object.entries(groupStateMachine.root.states)) for (const [event, ts] of node.transitions) for (const t of ts) for (const target of t.target ?? []) transitions.push(`${name}-${event}->${target.key}`)
    // GROUP_DEAD, taken by every live state, is drawn once "from every state": expanded, the edges are the machine's transitions.
    const live = d.states.filter((s) => !s.final).map((s) => s.name)
    const drawn = d.edges.flatMap((e) => (e.from === '*' ? live : [e.from]).map((from) => `${from}-${e.label.split(' ')[0]}->${e.to}`))
    expect(drawn.sort()).toEqual(transitions.sort())
    expect(d.edges.filter((e) => e.from === '*').map((e) => e.label)).toEqual(['GROUP_DEAD (from every state)'])
    expect(d.edges.find((e) => e.from === 'PreparingRebalance' && e.to === 'CompletingRebalance')!.label).toBe('JOIN_COMPLETE [joinedMembersRemain]')
    // Every box inside the drawing.
    for (const s of d.states) {
      expect(s.x - d.boxWidth / 2).toBeGreaterThanOrEqual(0)
      expect(s.x + d.boxWidth / 2).toBeLessThanOrEqual(d.width)
      expect(s.y - d.boxHeight / 2).toBeGreaterThanOrEqual(0)
      expect(s.y + d.boxHeight / 2).toBeLessThanOrEqual(d.height)
    }
  })

  it('changes with the machine (a positive control: nothing is copied by hand)', () => {
    const other = setup({ types: { events: {} as { type: 'GO' } | { type: 'STOP' } } }).createMachine({
      id: 'other',
      initial: 'A',
      states: { A: { on: { GO: 'B' } }, B: { on: { GO: 'C', STOP: 'A' } }, C: { on: { STOP: 'End' } }, End: {} },
    })
    const d = groupMachineDiagram(other as unknown as typeof groupStateMachine)
    expect(d.id).toBe('other')
    expect(d.states.map((s) => s.name)).toEqual(['A', 'B', 'C', 'End'])
    expect(d.states.filter((s) => s.final).map((s) => s.name)).toEqual(['End'])
    expect(d.edges.map((e) => `${e.from}-${e.label}->${e.to}`)).toEqual(['A-GO->B', 'B-GO->C', 'B-STOP->A', 'C-STOP->End'])
  })
})

describe('the scenario picker', () => {
  it('bundles every scenario of scenarios/ by name', () => {
    expect(SCENARIO_TEXTS.size).toBeGreaterThanOrEqual(20)
    expect(SCENARIO_TEXTS.get('leader-failover-acks-all')).toContain('name: leader-failover-acks-all')
    for (const name of SCENARIO_TEXTS.keys()) expect(name).toMatch(/^[a-z0-9][a-z0-9-]*$/)
  })

  it('runs a library scenario with the engine of `kafkasim run`: its timeline at simulated times, its expectations decided', () => {
    const outcome = playScenario(SCENARIO_TEXTS.get('group-scale-out-idle-member')!, 'scenarios/group-scale-out-idle-member.yaml')
    if (!outcome.ok) throw new Error(outcome.issues.join('\n'))
    const p = outcome.playback
    expect(p).toMatchObject({ name: 'group-scale-out-idle-member', seed: 1, passed: true, problems: [] })
    expect(p.description).toContain('consumer group')
    expect(p.expectations.length).toBeGreaterThan(3)
    expect(p.expectations.every((e) => e.passed)).toBe(true)
    expect(p.timeline.length).toBeGreaterThan(5)
    for (let i = 1; i < p.timeline.length; i++) expect(p.timeline[i]!.atMs).toBeGreaterThanOrEqual(p.timeline[i - 1]!.atMs)
    expect(p.endMs).toBeGreaterThanOrEqual(p.timeline[p.timeline.length - 1]!.atMs)
    expect(p.endMs).toBeGreaterThan(30_000)
    // The same scenario, the same run.
    const again = playScenario(SCENARIO_TEXTS.get('group-scale-out-idle-member')!, 'again')
    expect(again.ok && again.playback.traceHash).toBe(p.traceHash)
  })

  it('reports a failing expectation as failed (a positive control for the green marks)', () => {
    const text = SCENARIO_TEXTS.get('leader-failover-acks-all')!.replace('atLeast: 2400 }\n  - consumed', 'atLeast: 999999 }\n  - consumed')
    expect(text).not.toBe(SCENARIO_TEXTS.get('leader-failover-acks-all'))
    const outcome = playScenario(text, 'edited.yaml')
    if (!outcome.ok) throw new Error(outcome.issues.join('\n'))
    expect(outcome.playback.passed).toBe(false)
    expect(outcome.playback.expectations.filter((e) => !e.passed).map((e) => e.label)).toEqual([expect.stringContaining('acknowledged')])
  })

  it('turns hostile or malformed text into error lines naming the place, never running it', () => {
    const cases: [string, RegExp][] = [
      ['name: x\ndescription: <script>alert(1)</script>\nduration: soon\n', /hostile\.yaml:3 duration: expected a duration/],
      ['a: [1, 2\n', /hostile\.yaml/],
      ['!!js/function "function () { globalThis.pwned = 1 }"\n', /hostile\.yaml/],
      [`${'['.repeat(200)}\n`, /nested deeper than/],
      ['', /hostile\.yaml/],
    ]
    for (const [text, message] of cases) {
      const outcome = playScenario(text, 'hostile.yaml')
      expect(outcome.ok, text).toBe(false)
      if (!outcome.ok) expect(outcome.issues.join('\n'), text).toMatch(message)
    }
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined()
  })

  it('reads a scenario name from a link, and writes it into a shared link', () => {
    expect(parseLink('?scenario=leader-failover-acks-all')).toMatchObject({ scenario: 'leader-failover-acks-all', errors: [] })
    expect(parseLink('?scenario=no-such-one')).toMatchObject({ scenario: 'no-such-one', errors: [] })
    const hostile = parseLink(`?scenario=${encodeURIComponent('"><img src=x onerror=alert(1)>')}`)
    expect(hostile.scenario).toBeNull()
    expect(hostile.errors.join(' ')).toContain('scenario must be the name of a scenario')
    const spec = parseLink('?seed=9').spec
    expect(parseLink(linkFor(spec, null, 'keys-keep-order'))).toMatchObject({ scenario: 'keys-keep-order', spec })
    expect(linkFor(spec, null, '<b>')).not.toContain('scenario')
  })
})
