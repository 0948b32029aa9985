import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const BIN = join(import.meta.dirname, '..', 'sim', 'cli', 'kafkasim.js')
const run = promisify(execFile)

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!

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
    expect(cases[6]!.stderr).toContain('unknown case "nosuchcase" (known: kernel, replication, e2e, groups)')
  }, 30_000)

  it('--help explains each command and exits 0', async () => {
    const [top, demo, bench] = await Promise.all([cli('--help'), cli('demo', '--help'), cli('bench', '--help')])
    expect(top.code).toBe(0)
    expect(top.stdout).toContain('demo')
    expect(demo.stdout).toContain('--seed')
    expect(bench.stdout).toContain('kernel')
  }, 30_000)
})
