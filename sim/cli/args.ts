// Command-line parsing for `kafkasim`: `--name value`, `--name=value`, boolean flags and
// positional arguments, checked against what each command declares. Bad usage is a
// UsageError (exit code 2) naming the argument and what was expected.

export class UsageError extends Error {
  override name = 'UsageError'
}

export interface OptionSpec {
  /** Takes a value (`--seed 42`) or is a flag (`--json`). */
  kind: 'value' | 'flag'
  description: string
}

export interface ParsedArgs {
  positional: string[]
  values: Map<string, string>
  flags: Set<string>
}

export function parseArgs(argv: readonly string[], options: Readonly<Record<string, OptionSpec>>, command: string): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], values: new Map(), flags: new Set() }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('--')) {
      parsed.positional.push(arg)
      continue
    }
    const equals = arg.indexOf('=')
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals)
    const spec = options[name]
    if (!spec) {
      const known = Object.keys(options).map((o) => `--${o}`).join(', ')
      throw new UsageError(`kafkasim ${command}: unknown option --${name} (known: ${known || 'none'})`)
    }
    if (spec.kind === 'flag') {
      if (equals >= 0) throw new UsageError(`kafkasim ${command}: --${name} is a flag and takes no value, got "${arg.slice(equals + 1)}"`)
      parsed.flags.add(name)
      continue
    }
    let value: string | undefined
    if (equals >= 0) value = arg.slice(equals + 1)
    else value = argv[++i]
    if (value === undefined || (equals < 0 && value.startsWith('--'))) {
      throw new UsageError(`kafkasim ${command}: --${name} needs a value`)
    }
    if (parsed.values.has(name)) throw new UsageError(`kafkasim ${command}: --${name} given twice`)
    parsed.values.set(name, value)
  }
  return parsed
}

/** A non-negative integer given as text: digits only, no sign, no exponent, no fraction. */
export function parseSeedArg(text: string, option: string, command: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(`kafkasim ${command}: ${option} expected a non-negative integer, got "${text}"`)
  }
  return value
}

export function formatOptions(options: Readonly<Record<string, OptionSpec>>): string {
  return Object.entries(options)
    .map(([name, spec]) => `  --${(spec.kind === 'value' ? `${name} <value>` : name).padEnd(20)} ${spec.description}`)
    .join('\n')
}

/** A seed range "A..B" (inclusive, A <= B, at most `maxCount` seeds). */
export function parseSeedRangeArg(text: string, option: string, command: string, maxCount = 10_000): number[] {
  const match = /^(\d+)\.\.(\d+)$/.exec(text)
  const from = match ? Number(match[1]) : NaN
  const to = match ? Number(match[2]) : NaN
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > to || to - from + 1 > maxCount) {
    throw new UsageError(`kafkasim ${command}: ${option} expected a range like "1..10" (from <= to, at most ${maxCount} seeds), got "${text}"`)
  }
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}
