// Scenario results as people and CI systems read them: a readable report (the notable
// timeline, then each expectation with pass/fail and its figures), and JUnit XML.

import type { ScenarioResult } from './engine.ts'

/** The lines `kafkasim run` prints for one scenario run. */
export function formatResult(result: ScenarioResult, file: string, options: { timeline: boolean } = { timeline: true }): string[] {
  const lines = [`${result.passed ? 'PASS' : 'FAIL'} ${result.name} (${file}, seed ${result.seed}): ${result.events} events, ${result.simTimeMs} ms simulated, trace-hash ${result.traceHash}`]
  if (options.timeline) for (const line of result.timeline) lines.push(`  ${line}`)
  for (const problem of result.problems) lines.push(`  ! ${problem}`)
  for (const e of result.expectations) {
    lines.push(`  ${e.passed ? 'ok  ' : 'FAIL'} ${e.label}: ${e.figures}`)
    for (const detail of e.details ?? []) lines.push(`         ${detail}`)
  }
  return lines
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }

/** Text safe inside an XML attribute or element: escaped, and without the control characters XML 1.0 forbids. */
export function xmlText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!)
}

export interface JUnitEntry {
  file: string
  result: ScenarioResult
}

/** One testsuite per scenario run, one testcase per expectation (plus one for the timeline's problems, if any). */
export function junitXml(entries: readonly JUnitEntry[]): string {
  const suites: string[] = []
  let tests = 0
  let failures = 0
  for (const { file, result } of entries) {
    const cases: string[] = []
    const add = (name: string, failure: string | null, body: string) => {
      tests++
      if (failure !== null) failures++
      const inner = failure === null ? '' : `<failure message="${xmlText(failure)}">${xmlText(body)}</failure>`
      cases.push(`    <testcase classname="${xmlText(`${result.name} (seed ${result.seed})`)}" name="${xmlText(name)}" file="${xmlText(file)}">${inner}</testcase>`)
    }
    if (result.problems.length > 0) add('timeline', result.problems[0]!, result.problems.join('\n'))
    for (const e of result.expectations) add(e.label, e.passed ? null : e.figures, [e.figures, ...(e.details ?? [])].join('\n'))
    const failed = cases.filter((c) => c.includes('<failure')).length
    suites.push(`  <testsuite name="${xmlText(`${result.name} (seed ${result.seed})`)}" tests="${cases.length}" failures="${failed}" errors="0">\n${cases.join('\n')}\n  </testsuite>`)
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="kafkasim run" tests="${tests}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`
}
