import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, lastLine } from './support/cli.ts'

describe('kafkasim CLI', () => {
  it('demo --seed 42 prints the same trace-hash every time as its last line, and --seed 43 another', async () => {
    const [a, b, c] = await Promise.all([cli('demo', '--seed', '42'), cli('demo', '--seed=42'), cli('demo', '--seed', '43')])
    expect(a.code).toBe(0)
    expect(lastLine(a.stdout)).toMatch(/^trace-hash: [0-9a-f]{16}$/)
    expect(lastLine(b.stdout)).toBe(lastLine(a.stdout))
    expect(lastLine(c.stdout)).toMatch(/^trace-hash: [0-9a-f]{16}$/)
    expect(lastLine(c.stdout)).not.toBe(lastLine(a.stdout))
    expect(a.stdout).toContain('events: ')
    expect(a.stdout).toMatch(/simulated time: \d+(\.\d+)? ms/)
    expect(a.stdout).toContain('become-leader')
    expect(a.stdout).toContain('history check: 0 acknowledged records lost, 0 duplicated')
  }, 30_000)

  it('demo --json ends with one JSON object carrying seed, events, simTimeMs and traceHash', async () => {
    const [json, plain] = await Promise.all([cli('demo', '--seed', '7', '--json'), cli('demo', '--seed', '7')])
    const result = JSON.parse(lastLine(json.stdout))
    expect(result).toEqual({ seed: 7, events: expect.any(Number), simTimeMs: expect.any(Number), traceHash: expect.stringMatching(/^[0-9a-f]{16}$/) })
    expect(`trace-hash: ${result.traceHash}`).toBe(lastLine(plain.stdout))
  }, 30_000)

  it('bad usage exits 2 and names the bad value', async () => {
    const cases = await Promise.all([
      cli('demo', '--seed', '-1'),
      cli('demo', '--seed', '1.5'),
      cli('demo', '--seed', 'abc'),
      cli('demo', '--seed'),
      cli('demo', '--sed', '1'),
      cli('frobnicate'),
      cli('bench', 'nosuchcase'),
      cli(),
    ])
    for (const c of cases) expect(c.code).toBe(2)
    expect(cases[0]!.stderr).toContain('--seed expected a non-negative integer, got "-1"')
    expect(cases[1]!.stderr).toContain('got "1.5"')
    expect(cases[2]!.stderr).toContain('got "abc"')
    expect(cases[3]!.stderr).toContain('--seed needs a value')
    expect(cases[4]!.stderr).toContain('unknown option --sed')
    expect(cases[5]!.stderr).toContain('unknown command "frobnicate"')
    expect(cases[6]!.stderr).toContain('unknown case "nosuchcase" (known: kernel, replication, e2e, groups, kafkajs)')
  }, 30_000)

  it('--help explains each command and exits 0', async () => {
    const [top, demo, bench] = await Promise.all([cli('--help'), cli('demo', '--help'), cli('bench', '--help')])
    expect(top.code).toBe(0)
    expect(top.stdout).toContain('demo')
    expect(demo.stdout).toContain('--seed')
    expect(bench.stdout).toContain('kernel')
  }, 30_000)

  it('run: the library passes with exit 0; --json ends with {scenarios, passed, failed, traceHashes}; --trace writes JSON Lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkasim-run-'))
    const trace = join(dir, 'out.jsonl')
    const scenario = join(import.meta.dirname, '..', 'scenarios', 'leader-failover-acks-all.yaml')
    const [lib, again] = await Promise.all([cli('run', join(import.meta.dirname, '..', 'scenarios'), '--quiet', '--json'), cli('run', scenario, '--json', '--trace', trace)])
    expect(lib.code).toBe(0)
    const summary = JSON.parse(lastLine(lib.stdout))
    expect(summary).toMatchObject({ scenarios: expect.any(Number), failed: 0 })
    expect(summary.passed).toBe(summary.scenarios)
    expect(again.code).toBe(0)
    expect(JSON.parse(lastLine(again.stdout)).traceHashes['leader-failover-acks-all@1']).toBe(summary.traceHashes['leader-failover-acks-all@1'])
    expect(again.stdout).toContain('PASS leader-failover-acks-all')
    expect(again.stdout).toContain('become-leader')
    expect(again.stdout).toMatch(/ok {3}lostWrites: none: 0 acknowledged writes lost \(expected none\)/)
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n')
    expect(JSON.parse(lines[0]!)).toEqual({ scenario, seed: 1 })
    expect(JSON.parse(lines[1]!)).toMatchObject({ time: expect.any(Number), type: expect.any(String) })
  }, 60_000)

  it('run: a wrong expectation exits 1 with the figures, and --junit names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkasim-run-'))
    const file = join(dir, 'wrong.yaml')
    writeFileSync(file, [
      'name: wrong-expectation',
      'description: acks=all with a leader crash cannot lose a write; this file says it will',
      'duration: 10s',
      'recover: { within: 60s }',
      'topics: [{ name: orders, partitions: 1, replicationFactor: 3 }]',
      'clients: { producers: [{ id: app, topic: orders, rate: 20, stop: 8s, config: { acks: all } }] }',
      'timeline: [{ at: 2s, crash: leader of orders-0 }]',
      'expect:',
      '  - lostWrites: expected',
      '  - duplicates: none',
      '',
    ].join('\n'))
    const junit = join(dir, 'out.xml')
    const result = await cli('run', file, '--junit', junit, '--seeds', '1..2')
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/FAIL lostWrites: expected: 0 acknowledged writes lost \(expected at least one\); \d+ acknowledged of \d+ sent/)
    expect(result.stdout).toContain('2 scenario run(s): 0 passed, 2 failed')
    const xml = readFileSync(junit, 'utf8')
    expect(xml).toContain('<testsuites name="kafkasim run" tests="4" failures="2" errors="0">')
    expect(xml).toMatch(/<testcase classname="wrong-expectation \(seed 2\)" name="lostWrites: expected" file="[^"]*wrong\.yaml"><failure message="0 acknowledged writes lost/)
  }, 60_000)

  it('run: a bad file or bad usage exits 2 naming the file, line and path; nothing runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkasim-run-'))
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'name: bad\ndescription: d\nduration: 10s\ntimeline:\n  - at: soon\n    crash: 1\n')
    const cases = await Promise.all([cli('run', bad), cli('run'), cli('run', join(dir, 'missing.yaml')), cli('run', bad, '--seeds', '5..1')])
    for (const c of cases) expect(c.code).toBe(2)
    expect(cases[0]!.stderr).toContain(`${bad}:5 timeline[0].at: expected a duration like "5s" or "250ms", got "soon"`)
    expect(cases[0]!.stdout).toBe('')
    expect(cases[1]!.stderr).toContain('kafkasim run: name at least one scenario file or directory')
    expect(cases[2]!.stderr).toContain('missing.yaml: no such file or directory')
    expect(cases[3]!.stderr).toContain('--seeds expected a range like "1..10"')
  }, 30_000)
})
