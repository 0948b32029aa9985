// Loading a scenario: YAML text -> a checked Scenario, or a ScenarioInputError listing every
// problem as `file:line path: expected ..., got ...`. Everything is checked before anything
// runs (the schema, then references between parts, then Kafka configs), so a bad file never
// half-runs. No file access here (the browser uses it too): runner.ts reads files. Hostile input is bounded: the text's size, YAML aliases (yaml's maxAliasCount),
// nesting depth (the YAML parser reports it; the schema never recurses deeper than the format).

import { LineCounter, parseDocument, type Document } from 'yaml'
import { describeValue } from '../../core/describe.ts'
import { formatPath, validate, type Issue, type Path } from './schema-kit.ts'
import { SCENARIO_SCHEMA } from './schema.ts'
import { checkReferences } from './references.ts'
import type { Scenario } from './types.ts'

const MAX_TEXT_CHARS = 1_000_000
/** yaml's own guard against "billion laughs": an alias may expand to at most this many nodes. */
const MAX_ALIAS_COUNT = 100
/** Deeper than any scenario needs; checked on the text, before the YAML parser recurses into it. */
const MAX_NESTING = 64
/** Issues listed before "... and N more". */
const MAX_LISTED = 20

/** A scenario that cannot run as written. `issues` are the lines of the message, each naming a file, line and path. */
export class ScenarioInputError extends Error {
  override name = 'ScenarioInputError'
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    const shown = issues.slice(0, MAX_LISTED)
    const more = issues.length > MAX_LISTED ? [`... and ${issues.length - MAX_LISTED} more`] : []
    super([...shown, ...more].join('\n'))
  }
}

/** One issue as a line: `file:14 timeline[3].at: expected a duration like "5s", got "soon"`. */
export function formatIssue(source: string, issue: Issue, line?: number): string {
  const where = line === undefined ? source : `${source}:${line}`
  const what = issue.expected !== undefined ? `expected ${issue.expected}, got ${describeValue(issue.value)}` : issue.message
  return `${where} ${formatPath(issue.path)}: ${what}`
}

/** Validates a scenario written in TypeScript (or parsed from anywhere); throws ScenarioInputError. */
export function checkScenario(value: unknown, source: string, lineOf: (path: Path) => number | undefined = () => undefined): Scenario {
  let issues = validate(SCENARIO_SCHEMA, value)
  // References (broker ids, topics, clients) mean something only once the shapes are right.
  if (issues.length === 0) issues = checkReferences(value as Scenario)
  if (issues.length > 0) throw new ScenarioInputError(source, issues.map((issue) => formatIssue(source, issue, lineOf(issue.path))))
  return value as Scenario
}

/** Parses and checks YAML text; `source` names it in errors (a file path). */
export function parseScenario(text: string, source: string): Scenario {
  const { value, lineOf } = parseYamlText(text, source)
  return checkScenario(value, source, lineOf)
}

/**
 * YAML text parsed under the guards above (size, nesting, aliases), and the line of any path
 * in it; throws ScenarioInputError. Lessons (sim/lessons/load.ts) parse their files with it too.
 */
export function parseYamlText(text: string, source: string): { value: unknown; lineOf: (path: Path) => number | undefined } {
  if (typeof text !== 'string') throw new ScenarioInputError(source, [`${source}: expected YAML text, got ${describeValue(text)}`])
  if (text.length > MAX_TEXT_CHARS) throw new ScenarioInputError(source, [`${source}: expected at most ${MAX_TEXT_CHARS} characters of YAML, got ${text.length}`])
  const deep = tooDeep(text)
  if (deep !== null) throw new ScenarioInputError(source, [`${source}:${deep} refused: nested deeper than ${MAX_NESTING} levels`])
  const lineCounter = new LineCounter()
  let doc: Document
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  } catch (error) {
    throw new ScenarioInputError(source, [`${source}: not YAML: ${(error as Error).message}`])
  }
  if (doc.errors.length > 0) {
    throw new ScenarioInputError(
      source,
      doc.errors.map((e) => `${source}:${lineCounter.linePos(e.pos[0]).line} ${firstLine(e.message)}`),
    )
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    // yaml throws ReferenceError for an alias bomb, RangeError for a too-deep structure.
    throw new ScenarioInputError(source, [`${source}: refused: ${firstLine((error as Error).message)}`])
  }
  const lineOf = (path: Path): number | undefined => {
    // The deepest node the path reaches (a missing key points at its parent).
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined
      if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line
    }
    return undefined
  }
  return { value, lineOf }
}

/**
 * The line where the text nests deeper than MAX_NESTING (flow brackets, or a block line's
 * indentation and "- " markers), or null. Brackets inside quoted strings count too: no
 * scenario comes near the limit either way.
 */
function tooDeep(text: string): number | null {
  let depth = 0
  let line = 1
  let lineStart = true
  let indent = 0
  /** "- " markers on this line: `a: - - - x` nests as deep as indentation does. */
  let dashes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 10) {
      line++
      lineStart = true
      indent = 0
      dashes = 0
      continue
    }
    if (c === 45 && text.charCodeAt(i + 1) === 32 && ++dashes > MAX_NESTING * 2) return line
    if (lineStart) {
      // Leading spaces and "- " markers: each level of block nesting adds at least one.
      if (c === 32 || c === 45) {
        if (++indent > MAX_NESTING * 2) return line
        continue
      }
      lineStart = false
    }
    if (c === 91 || c === 123) {
      if (++depth > MAX_NESTING) return line
    } else if (c === 93 || c === 125) depth = Math.max(0, depth - 1)
  }
  return null
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 300)
}
