// A small schema language for the scenario format: one description of the format that
// both validates a parsed file (every problem named by its path, what was expected and
// what was found) and prints the JSON Schema editors use for completion
// (scenarios/schema.json). Keeping one source means the two cannot drift apart.
//
// The schema is not recursive, so validating never recurses deeper than the format does,
// whatever the input: a deeply nested value fails at the first level that expected a scalar.

import { closestName } from '../../core/config/parse.ts'
import { DURATION_EXPECTED, DURATION_PATTERN, parseDurationMs } from './duration.ts'

interface Described {
  /** Shown by editors on hover, and in the JSON Schema. */
  description?: string
}

export type SchemaNode =
  | ({ kind: 'string'; pattern?: string; enum?: readonly string[]; maxLength?: number; expected?: string } & Described)
  | ({ kind: 'integer'; min: number; max: number } & Described)
  | ({ kind: 'number'; min: number; max: number } & Described)
  | ({ kind: 'boolean' } & Described)
  | ({ kind: 'duration'; maxMs: number } & Described)
  | ({ kind: 'const'; value: string | boolean } & Described)
  | ObjectNode
  | ({ kind: 'array'; items: SchemaNode; minItems?: number; maxItems: number; expected?: string } & Described)
  | ({ kind: 'map'; values: SchemaNode; maxEntries: number; keyPattern?: string; keyExpected?: string } & Described)
  | ({ kind: 'union'; options: readonly SchemaNode[]; expected: string } & Described)
  /** TypeScript scenarios only (a YAML file cannot hold a function); left out of the JSON Schema. */
  | ({ kind: 'function'; expected: string } & Described)

export interface ObjectNode extends Described {
  kind: 'object'
  /** What the object is, for messages: "a timeline step". */
  what: string
  fields: Readonly<Record<string, Field>>
  /** Groups of keys of which exactly one must be present, e.g. at/when, or the step's action. */
  exactlyOne?: readonly { keys: readonly string[]; what: string }[]
}

export interface Field {
  schema: SchemaNode
  required?: boolean
}

export type PathPart = string | number
export type Path = readonly PathPart[]

export interface Issue {
  path: Path
  /** "expected ..., got ..." when `expected` is set; else `message` stands alone. */
  expected?: string
  value?: unknown
  message?: string
}

/** timeline[3].at, cluster.config["min.insync.replicas"] */
export function formatPath(path: Path): string {
  let out = ''
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out === '' ? part : `.${part}`
    else out += `[${JSON.stringify(part)}]`
  }
  return out === '' ? '(top level)' : out
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** What a node expects, in words. */
export function expectedOf(node: SchemaNode): string {
  switch (node.kind) {
    case 'string':
      if (node.expected) return node.expected
      if (node.enum) return `one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}`
      return 'a string'
    case 'integer':
      return `an integer from ${node.min} to ${node.max}`
    case 'number':
      return `a number from ${node.min} to ${node.max}`
    case 'boolean':
      return 'true or false'
    case 'duration':
      return DURATION_EXPECTED
    case 'const':
      return JSON.stringify(node.value)
    case 'object':
      return `an object (${node.what})`
    case 'array':
      return node.expected ?? `a list of ${expectedOf(node.items)}`
    case 'map':
      return `a map of names to ${expectedOf(node.values)}`
    case 'union':
    case 'function':
      return node.expected
  }
}

/** The known name a typo was probably meant as (long input is not compared: the edit distance is quadratic). */
function suggest(name: string, candidates: readonly string[]): string | undefined {
  return name.length <= 64 ? closestName(name, candidates) : undefined
}

type Shape = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'function' | 'other'

function shapeOf(value: unknown): Shape {
  if (typeof value === 'string') return 'string'
  if (typeof value === 'number') return 'number'
  if (typeof value === 'boolean') return 'boolean'
  if (typeof value === 'function') return 'function'
  if (Array.isArray(value)) return 'array'
  if (isPlainObject(value)) return 'object'
  return 'other'
}

function claims(node: SchemaNode, shape: Shape): boolean {
  switch (node.kind) {
    case 'string':
    case 'duration':
      return shape === 'string'
    case 'integer':
    case 'number':
      return shape === 'number'
    case 'boolean':
      return shape === 'boolean'
    case 'const':
      return shape === typeof node.value
    case 'object':
    case 'map':
      return shape === 'object'
    case 'array':
      return shape === 'array'
    case 'function':
      return shape === 'function'
    case 'union':
      return node.options.some((o) => claims(o, shape))
  }
}

/** Every problem with `value` against `node`, each at its path. Empty when it conforms. */
export function validate(node: SchemaNode, value: unknown, path: Path = []): Issue[] {
  const issues: Issue[] = []
  check(node, value, path, issues)
  return issues
}

const fail = (issues: Issue[], path: Path, expected: string, value: unknown) => {
  issues.push({ path, expected, value })
}

function check(node: SchemaNode, value: unknown, path: Path, issues: Issue[]): void {
  switch (node.kind) {
    case 'string':
      if (typeof value !== 'string') return fail(issues, path, expectedOf(node), value)
      if (node.enum && !node.enum.includes(value)) {
        const near = suggest(value, node.enum)
        return fail(issues, path, `${expectedOf(node)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`, value)
      }
      if (value.length > (node.maxLength ?? 10_000)) return fail(issues, path, `${expectedOf(node)} of at most ${node.maxLength ?? 10_000} characters`, value)
      if (node.pattern && !new RegExp(node.pattern).test(value)) return fail(issues, path, expectedOf(node), value)
      return
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < node.min || value > node.max) fail(issues, path, expectedOf(node), value)
      return
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value) || value < node.min || value > node.max) fail(issues, path, expectedOf(node), value)
      return
    case 'boolean':
      if (typeof value !== 'boolean') fail(issues, path, expectedOf(node), value)
      return
    case 'duration': {
      const ms = parseDurationMs(value)
      if (ms === null) return fail(issues, path, expectedOf(node), value)
      if (ms > node.maxMs) fail(issues, path, `a duration of at most ${node.maxMs / 1000}s`, value)
      return
    }
    case 'const':
      if (value !== node.value) fail(issues, path, expectedOf(node), value)
      return
    case 'function':
      if (typeof value !== 'function') fail(issues, path, node.expected, value)
      return
    case 'array':
      if (!Array.isArray(value)) return fail(issues, path, expectedOf(node), value)
      if (value.length < (node.minItems ?? 0)) return fail(issues, path, `${expectedOf(node)} with at least ${node.minItems} item(s)`, value)
      if (value.length > node.maxItems) return fail(issues, path, `${expectedOf(node)} with at most ${node.maxItems} items`, `a list of ${value.length}`)
      value.forEach((item, i) => check(node.items, item, [...path, i], issues))
      return
    case 'map': {
      if (!isPlainObject(value)) return fail(issues, path, expectedOf(node), value)
      const keys = Object.keys(value)
      if (keys.length > node.maxEntries) return fail(issues, path, `${expectedOf(node)} with at most ${node.maxEntries} entries`, `a map of ${keys.length}`)
      for (const key of keys) {
        if (node.keyPattern && !new RegExp(node.keyPattern).test(key)) fail(issues, [...path, key], node.keyExpected ?? 'a valid name', key)
        else check(node.values, value[key], [...path, key], issues)
      }
      return
    }
    case 'object':
      return checkObject(node, value, path, issues)
    case 'union': {
      const shape = shapeOf(value)
      const candidates = candidatesFor(node, value, shape)
      if (candidates.length === 0) return fail(issues, path, node.expected, value)
      let best: Issue[] | null = null
      for (const candidate of candidates) {
        const found = validate(candidate, value, path)
        if (found.length === 0) return
        best ??= found
      }
      // One plausible reading: its own, more precise complaint. Several: the union's.
      if (candidates.length === 1) issues.push(...best!)
      else fail(issues, path, node.expected, value)
      return
    }
  }
}

/** The options of a union that could be meant: same shape, and for objects, the one whose keys fit. */
function candidatesFor(node: Extract<SchemaNode, { kind: 'union' }>, value: unknown, shape: Shape): SchemaNode[] {
  const options = node.options.filter((o) => claims(o, shape))
  if (shape !== 'object' || options.length <= 1) return options
  const keys = Object.keys(value as object)
  const fields = (o: SchemaNode) => (o.kind === 'object' ? Object.keys(o.fields) : [])
  const fitting = options.filter((o) => o.kind !== 'object' || keys.every((k) => fields(o).includes(k)))
  if (fitting.length > 0) return fitting
  const overlapping = options.filter((o) => o.kind === 'object' && keys.some((k) => fields(o).includes(k)))
  return overlapping.length === 1 ? overlapping : options
}

function checkObject(node: ObjectNode, value: unknown, path: Path, issues: Issue[]): void {
  if (!isPlainObject(value)) return fail(issues, path, expectedOf(node), value)
  const known = Object.keys(node.fields)
  for (const key of Object.keys(value)) {
    const field = node.fields[key]
    if (!field) {
      const near = suggest(key, known)
      issues.push({ path: [...path, key], message: `unknown key ${JSON.stringify(key)} in ${node.what}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; known keys: ${known.join(', ')}` })
      continue
    }
    if (value[key] === undefined) continue
    check(field.schema, value[key], [...path, key], issues)
  }
  for (const [key, field] of Object.entries(node.fields)) {
    if (field.required && value[key] === undefined) issues.push({ path: [...path, key], message: `missing; expected ${expectedOf(field.schema)}` })
  }
  for (const group of node.exactlyOne ?? []) {
    const present = group.keys.filter((k) => value[k] !== undefined)
    if (present.length === 0) issues.push({ path, message: `${node.what} needs one of ${group.keys.join(', ')} (${group.what})` })
    else if (present.length > 1) issues.push({ path: [...path, present[1]!], message: `${node.what} takes only one of ${group.keys.join(', ')} (${group.what}); it has ${present.join(' and ')}` })
  }
}

// --- JSON Schema ------------------------------------------------------------------------------

type Json = Record<string, unknown>

/** The JSON Schema (draft 2020-12) of `node`; TypeScript-only parts (functions) are left out. */
export function toJsonSchema(node: SchemaNode): Json | null {
  const described = (json: Json): Json => (node.description ? { description: node.description, ...json } : json)
  switch (node.kind) {
    case 'string':
      return described({ type: 'string', ...(node.enum ? { enum: [...node.enum] } : {}), ...(node.pattern ? { pattern: node.pattern } : {}) })
    case 'integer':
      return described({ type: 'integer', minimum: node.min, maximum: node.max })
    case 'number':
      return described({ type: 'number', minimum: node.min, maximum: node.max })
    case 'boolean':
      return described({ type: 'boolean' })
    case 'duration':
      return described({ type: 'string', pattern: DURATION_PATTERN })
    case 'const':
      return described({ const: node.value })
    case 'function':
      return null
    case 'array':
      return described({ type: 'array', items: toJsonSchema(node.items) ?? {}, ...(node.minItems ? { minItems: node.minItems } : {}), maxItems: node.maxItems })
    case 'map':
      return described({
        type: 'object',
        ...(node.keyPattern ? { propertyNames: { pattern: node.keyPattern } } : {}),
        additionalProperties: toJsonSchema(node.values) ?? {},
        maxProperties: node.maxEntries,
      })
    case 'union': {
      const options = node.options.map(toJsonSchema).filter((o): o is Json => o !== null)
      return described(options.length === 1 ? options[0]! : { anyOf: options })
    }
    case 'object': {
      const properties: Json = {}
      const required: string[] = []
      for (const [key, field] of Object.entries(node.fields)) {
        const schema = toJsonSchema(field.schema)
        if (schema === null) continue
        properties[key] = schema
        if (field.required) required.push(key)
      }
      const groups = (node.exactlyOne ?? [])
        .map((g) => g.keys.filter((k) => k in properties))
        .filter((keys) => keys.length > 0)
        .map((keys) => ({ oneOf: keys.map((k) => ({ required: [k] })) }))
      return described({
        type: 'object',
        properties,
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
        ...(groups.length > 0 ? { allOf: groups } : {}),
      })
    }
  }
}
