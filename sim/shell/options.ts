// Command lines as the Kafka tools read them: words split as a POSIX shell splits them
// (quotes and backslashes), then options parsed as joptsimple parses them (`--name value`
// or `--name=value`; an option given twice keeps every value), with joptsimple's and
// CommandLineUtils' messages for bad usage (apache/kafka server-common
// .../server/util/CommandLineUtils.java).

/** A usage error of one tool: its message goes to stderr and the tool exits with 1. */
export class ToolUsageError extends Error {
  override name = 'ToolUsageError'
}

/** A command line joptsimple cannot parse (an unknown option, an option without its argument). */
export class OptionParseError extends ToolUsageError {
  override name = 'OptionParseError'
}

/** Splits a command line into words: '...' and "..." quote, a backslash escapes the next character. */
export function splitWords(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i]
      else word += c
      continue
    }
    if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i]
      inWord = true
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new ToolUsageError(`unterminated ${quote === '"' ? 'double' : 'single'} quote in: ${line}`)
  if (inWord) words.push(word)
  return words
}

export type OptionKind = 'flag' | 'value'

export interface ParsedOptions {
  has(name: string): boolean
  /** The last value given, or undefined. */
  value(name: string): string | undefined
  /** Every value given, in order. */
  values(name: string): string[]
}

/** joptsimple's parse: unknown options and options without their argument are errors. */
export function parseOptions(args: readonly string[], spec: Readonly<Record<string, OptionKind>>): ParsedOptions {
  const found = new Map<string, string[]>()
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (!arg.startsWith('--') || arg === '--') throw new ToolUsageError(`Found non-option argument "${arg}"; every argument of this tool is an --option`)
    const equals = arg.indexOf('=')
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals)
    const kind = spec[name]
    if (kind === undefined) throw new OptionParseError(`${name} is not a recognized option`)
    const list = found.get(name) ?? []
    found.set(name, list)
    if (kind === 'flag') {
      if (equals >= 0) throw new OptionParseError(`Option ${name} does not take an argument`)
      continue
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++i]
    if (value === undefined || (equals < 0 && value.startsWith('--'))) throw new OptionParseError(`Option ${name} requires an argument`)
    list.push(value)
  }
  return {
    has: (name) => found.has(name),
    value: (name) => found.get(name)?.at(-1),
    values: (name) => [...(found.get(name) ?? [])],
  }
}

/** CommandLineUtils.checkRequiredArgs. */
export function requireOption(options: ParsedOptions, name: string): string {
  const value = options.value(name)
  if (!options.has(name)) throw new ToolUsageError(`Missing required argument "[${name}]"`)
  return value ?? ''
}

/** CommandLineUtils.checkInvalidArgs: `used` may not be combined with any of `invalid`. */
export function rejectCombination(options: ParsedOptions, used: string, invalid: readonly string[]): void {
  if (!options.has(used)) return
  for (const other of invalid) if (options.has(other)) throw new ToolUsageError(`Option "[${used}]" can't be used with option "[${other}]"`)
}

/** An integer option as joptsimple converts it (ofType(Integer.class)). */
export function integerOption(options: ParsedOptions, name: string): number | undefined {
  const text = options.value(name)
  if (text === undefined) return undefined
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Math.abs(Number(text)) > 2_147_483_647) {
    throw new ToolUsageError(`Cannot parse argument '${text}' of option ${name}`)
  }
  return Number(text)
}
