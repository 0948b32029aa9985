// Golden timelines: a scenario may pin its notable-event timeline in a file beside it.
// A run compares its timeline with the file; `kafkasim run --update-golden` rewrites it.
// A difference is shown as a readable line diff (the first differences, with context).

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const CONTEXT_LINES = 2
const MAX_DIFF_LINES = 40

export function goldenPath(scenarioFile: string, golden: string): string {
  return join(dirname(scenarioFile), golden)
}

export function goldenText(timeline: readonly string[]): string {
  return timeline.join('\n') + '\n'
}

/** Null when the file matches; else why not, as lines. */
export function compareGolden(path: string, timeline: readonly string[]): string[] | null {
  if (!existsSync(path)) return [`golden file ${path} does not exist (write it with --update-golden)`]
  const expected = readFileSync(path, 'utf8')
  const actual = goldenText(timeline)
  if (expected === actual) return null
  return [`the timeline differs from golden file ${path} (-golden +now; --update-golden rewrites it):`, ...lineDiff(expected.split('\n'), actual.split('\n'))]
}

export function writeGolden(path: string, timeline: readonly string[]): void {
  writeFileSync(path, goldenText(timeline))
}

/**
 * A line diff by longest common subsequence, shown as hunks with context. Quadratic in
 * the lines compared, so long inputs are trimmed to their differing middle first.
 */
export function lineDiff(before: readonly string[], after: readonly string[]): string[] {
  let head = 0
  while (head < before.length && head < after.length && before[head] === after[head]) head++
  let tail = 0
  while (tail < before.length - head && tail < after.length - head && before[before.length - 1 - tail] === after[after.length - 1 - tail]) tail++
  const a = before.slice(head, before.length - tail).slice(0, 2000)
  const b = after.slice(head, after.length - tail).slice(0, 2000)
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0))
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!)
  const out: string[] = []
  for (let k = Math.max(0, head - CONTEXT_LINES); k < head; k++) out.push(`  ${before[k]}`)
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`)
      i++
      j++
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${b[j++]}`)
    else out.push(`- ${a[i++]}`)
  }
  for (let k = before.length - tail; k < Math.min(before.length, before.length - tail + CONTEXT_LINES); k++) out.push(`  ${before[k]}`)
  return out.length > MAX_DIFF_LINES ? [...out.slice(0, MAX_DIFF_LINES), `... ${out.length - MAX_DIFF_LINES} more diff lines`] : out
}
