// The scenario engine: the TypeScript API (functions as actions, conditions and checks),
// steps at times and when conditions hold, role references, refusals expected or not,
// golden timelines, JUnit XML, and the library: every scenario passes, the same way twice.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../sim/scenario/engine.ts'
import { compareGolden, lineDiff } from '../../sim/scenario/golden.ts'
import { ScenarioInputError } from '../../sim/scenario/load.ts'
import { junitXml, xmlText } from '../../sim/scenario/report.ts'
import { collectScenarioFiles, runScenarioFiles } from '../../sim/scenario/runner.ts'
import type { Scenario } from '../../sim/scenario/types.ts'

const SCENARIOS = join(import.meta.dirname, '..', '..', 'scenarios')

const base: Scenario = {
  name: 'engine-test',
  description: 'a producer, a topic, a leader crash',
  duration: '20s',
  cluster: { config: { 'min.insync.replicas': 2 } },
  topics: [{ name: 'orders', partitions: 1, replicas: [[1, 2, 3]] }],
  clients: { producers: [{ id: 'app', topic: 'orders', rate: 50, config: { acks: 'all' } }] },
}

describe('scenario engine', () => {
  it('steps run when their condition holds; names bound with "as" are used later; TypeScript conditions and actions run', () => {
    const seen: string[] = []
    const result = runScenario({
      ...base,
      timeline: [
        { at: '2s', crash: 'leader of orders-0', as: 'old' },
        // Once another broker leads, bring the old leader back 1 s later.
        { when: { leader: { partition: 'orders-0', isNot: 'old' } }, delay: '1s', restart: 'old', label: 'restart the old leader' },
        { when: { holds: (ctx) => ctx.cluster.history.producers().get('app')!.length >= 500, label: '500 records sent' }, run: (ctx) => seen.push(`500 sent at ${ctx.now}`) },
      ],
      expect: [{ leader: { partition: 'orders-0', isNot: 1 } }, { lostWrites: 'none' }],
    })
    expect(result.problems).toEqual([])
    expect(result.passed).toBe(true)
    expect(seen).toHaveLength(1)
    expect(result.timeline.some((line) => line.includes('"label":"restart the old leader"'))).toBe(true)
    const restartAt = Number(result.timeline.find((line) => line.includes('"label":"restart the old leader"'))!.trim().split(' ')[0])
    const electedAt = Number(result.timeline.find((line) => line.includes('become-leader') && !line.includes('"leaderEpoch":0'))!.trim().split(' ')[0])
    // The condition reads the controller's image (a little before the broker's become-leader) at most once per simulated ms.
    expect(restartAt - electedAt).toBeGreaterThan(990)
    expect(restartAt - electedAt).toBeLessThan(1010)
  })

  it('a condition that never holds within its time is a problem that fails the run, and so is an unexpected refusal', () => {
    const result = runScenario({
      ...base,
      timeline: [
        { when: { isr: { partition: 'orders-0', size: 1 } }, within: '5s', crash: 2 },
        { at: '1s', restart: 3 },
      ],
    })
    expect(result.passed).toBe(false)
    expect(result.problems).toContain('timeline[0] (crash 2): the condition {"isr":{"partition":"orders-0","size":1}} did not hold within 5s after 0ms')
    expect(result.problems.find((p) => p.startsWith('timeline[1]'))).toMatch(/^timeline\[1\] \(restart 3\) at 1s: failed: .*3/)
  })

  it('expectError: a refusal with that error passes; success or another error is a problem', () => {
    const refused = runScenario({ ...base, timeline: [{ at: '1s', createTopic: { name: 'orders', partitions: 1 }, expectError: 'TOPIC_ALREADY_EXISTS' }] })
    expect(refused.problems).toEqual([])
    expect(refused.timeline.some((l) => l.includes('refused as expected: TOPIC_ALREADY_EXISTS'))).toBe(true)
    const other = runScenario({ ...base, timeline: [{ at: '1s', createTopic: { name: 'orders', partitions: 1 }, expectError: 'INVALID_REPLICATION_FACTOR' }] })
    expect(other.problems[0]).toMatch(/expected INVALID_REPLICATION_FACTOR, got TOPIC_ALREADY_EXISTS: Topic 'orders' already exists/)
    const succeeded = runScenario({ ...base, timeline: [{ at: '1s', createTopic: { name: 'fresh', partitions: 1 }, expectError: 'TOPIC_ALREADY_EXISTS' }] })
    expect(succeeded.problems[0]).toMatch(/expected it to be refused with TOPIC_ALREADY_EXISTS, but it succeeded$/)
  })

  it('a TypeScript scenario is checked like a YAML one before it runs', () => {
    expect(() => runScenario({ ...base, timeline: [{ at: '1s', crash: 9 }] })).toThrow(ScenarioInputError)
    expect(() => runScenario({ ...base, duration: 'forever' as never })).toThrow('engine-test duration: expected a duration like "5s" or "250ms", got "forever"')
  })

  it('one seed, one run: the same trace hash twice; another seed, another hash', () => {
    const a = runScenario({ ...base, timeline: [{ at: '2s', crash: 'leader of orders-0' }] })
    const b = runScenario({ ...base, timeline: [{ at: '2s', crash: 'leader of orders-0' }] })
    const c = runScenario({ ...base, timeline: [{ at: '2s', crash: 'leader of orders-0' }] }, { seed: 2 })
    expect(b.traceHash).toBe(a.traceHash)
    expect(b.timeline).toEqual(a.timeline)
    expect(c.traceHash).not.toBe(a.traceHash)
  })

  it('golden timelines: a match passes, a change fails with a readable diff, --update-golden rewrites', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkasim-golden-'))
    const file = join(dir, 'g.yaml')
    writeFileSync(file, `name: golden\ndescription: d\nduration: 5s\ngolden: g.golden.txt\ntopics: [{ name: t, partitions: 1, replicationFactor: 3 }]\ntimeline: [{ at: 1s, crash: 2 }]\n`)
    expect(runScenarioFiles([file])[0]!.result.problems[0]).toMatch(/golden file .*g\.golden\.txt does not exist \(write it with --update-golden\)/)
    const written = runScenarioFiles([file], { updateGolden: true })[0]!.result
    expect(written.passed).toBe(true)
    expect(readFileSync(join(dir, 'g.golden.txt'), 'utf8')).toBe(written.timeline.join('\n') + '\n')
    expect(runScenarioFiles([file])[0]!.result.passed).toBe(true)
    writeFileSync(file, readFileSync(file, 'utf8').replace('crash: 2', 'crash: 3'))
    const changed = runScenarioFiles([file])[0]!.result
    expect(changed.passed).toBe(false)
    expect(changed.problems[0]).toMatch(/^the timeline differs from golden file .*\(-golden \+now; --update-golden rewrites it\):$/)
    expect(changed.problems.some((p) => p.startsWith('- ') && p.includes('crash 2'))).toBe(true)
    expect(changed.problems.some((p) => p.startsWith('+ ') && p.includes('crash 3'))).toBe(true)
    expect(compareGolden(join(dir, 'g.golden.txt'), written.timeline)).toBeNull()
  })

  it('lineDiff shows removed and added lines with context', () => {
    expect(lineDiff(['a', 'b', 'c', 'd', 'e'], ['a', 'b', 'x', 'd', 'e'])).toEqual(['  a', '  b', '+ x', '- c', '  d', '  e'])
  })

  it('JUnit XML: one testcase per expectation, the failed one with its figures, everything escaped', () => {
    const result = runScenario({ ...base, duration: '3s', expect: [{ lostWrites: 'none' }, { acknowledged: { producer: 'app', atLeast: 1_000_000 }, label: 'a <wrong> "expectation" & more' }] })
    const xml = junitXml([{ file: 'scenarios/x.yaml', result }])
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="kafkasim run" tests="2" failures="1" errors="0">/)
    expect(xml).toContain('<testcase classname="engine-test (seed 1)" name="lostWrites: none" file="scenarios/x.yaml"></testcase>')
    expect(xml).toContain('name="a &lt;wrong&gt; &quot;expectation&quot; &amp; more" file="scenarios/x.yaml"><failure message="')
    expect(xml).toMatch(/records acknowledged to app \(expected at least 1000000\)/)
    // Well formed: every element that opens closes.
    for (const tag of ['testsuites', 'testsuite', 'testcase', 'failure']) expect(xml.split(`<${tag} `).length).toBe(xml.split(`</${tag}>`).length)
    expect(xmlText('a\u0001b')).toBe('a\uFFFDb')
  })

  it('the library: every scenario in scenarios/ passes, with the same trace hashes on a second run', () => {
    const files = collectScenarioFiles([SCENARIOS])
    expect(files.length).toBeGreaterThanOrEqual(15)
    const first = runScenarioFiles(files)
    for (const { file, result } of first) expect({ file, passed: result.passed, problems: result.problems, failed: result.expectations.filter((e) => !e.passed) }).toEqual({ file, passed: true, problems: [], failed: [] })
    const second = runScenarioFiles(files)
    expect(second.map((r) => r.result.traceHash)).toEqual(first.map((r) => r.result.traceHash))
    // Each file has its one-paragraph explanation.
    for (const { result } of first) expect(result.name).toMatch(/^[a-z0-9-]+$/)
  }, 60_000)
})
