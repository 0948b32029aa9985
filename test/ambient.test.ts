// core/, sim/ and scenarios/ own time and randomness: they never reach for the wall clock
// or ambient randomness. The one exception is the CLI's real-time adapter, by name.

import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const DETERMINISTIC_DIRS = ['core', 'sim', 'scenarios']
/** The real-time adapter the benchmarks use (see its header). */
const ALLOWED = new Set(['sim/cli/wallclock.ts'])

const FORBIDDEN: { name: string; pattern: RegExp }[] = [
  { name: 'Date', pattern: /\bDate\s*(\.|\()|\bnew\s+Date\b/ },
  { name: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { name: 'setTimeout', pattern: /\bsetTimeout\b/ },
  { name: 'setInterval', pattern: /\bsetInterval\b/ },
  { name: 'setImmediate', pattern: /\bsetImmediate\b/ },
  { name: 'performance.now', pattern: /\bperformance\b/ },
  { name: 'process.hrtime', pattern: /\bhrtime\b/ },
  { name: 'crypto randomness', pattern: /\bgetRandomValues\b|\brandomUUID\b|\brandomBytes\b|\brandomInt\b/ },
]

/** Lines of `source` that use a forbidden API, ignoring comments. */
export function ambientUses(source: string): string[] {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '')
  const hits: string[] = []
  withoutComments.split('\n').forEach((line, i) => {
    for (const { name, pattern } of FORBIDDEN) if (pattern.test(line)) hits.push(`line ${i + 1}: ${name}: ${line.trim()}`)
  })
  return hits
}

function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path))
    else if (/\.(ts|js|mjs|svelte)$/.test(entry)) out.push(path)
  }
  return out
}

describe('no wall clock or ambient randomness in the deterministic code', () => {
  it('core/, sim/ and scenarios/ use none of Date, Math.random, timers, performance.now or crypto randomness', () => {
    const offenders: string[] = []
    for (const dir of DETERMINISTIC_DIRS) {
      let files: string[] = []
      try {
        files = sourceFiles(join(ROOT, dir))
      } catch {
        continue // the folder may not exist yet
      }
      for (const file of files) {
        const path = relative(ROOT, file).split('\\').join('/')
        if (ALLOWED.has(path)) continue
        for (const hit of ambientUses(readFileSync(file, 'utf8'))) offenders.push(`${path} ${hit}`)
      }
    }
    expect(offenders).toEqual([])
  })

  it('scans real files: the kernel itself is among them', () => {
    expect(sourceFiles(join(ROOT, 'sim')).map((f) => relative(ROOT, f))).toContain(join('sim', 'simulation.ts'))
  })

  it('positive control: the scanner flags every forbidden use, and not the same words in comments', () => {
    const offending = [
      'const t = Date.now()',
      'const d = new Date()',
      'const r = Math.random()',
      'setTimeout(() => {}, 10)',
      'const i = setInterval(f, 1)',
      'setImmediate(f)',
      'const p = performance.now()',
      'crypto.getRandomValues(buffer)',
      'const id = crypto.randomUUID()',
      'const t = process.hrtime.bigint()',
    ]
    for (const line of offending) expect(ambientUses(line), line).toHaveLength(1)
    expect(ambientUses('// we never call Date.now() or Math.random()\n/* setTimeout */ const x = 1')).toEqual([])
    expect(ambientUses('const updatedAt = now')).toEqual([])
  })

  it('the allowed adapter really is the only file that reads the wall clock', () => {
    expect(ambientUses(readFileSync(join(ROOT, 'sim/cli/wallclock.ts'), 'utf8')).length).toBeGreaterThan(0)
  })
})
