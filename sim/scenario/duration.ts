// Durations as scenario files write them: a number and a unit ("250ms", "5s", "2m", "1h").
// One spelling per value: no bare numbers (is 5000 ms or s?), no sign, no exponent.

export type DurationUnit = 'ms' | 's' | 'm' | 'h'
/** A duration as written in a scenario, e.g. "5s" or "250ms". */
export type Duration = `${number}${DurationUnit}`

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** The pattern the JSON Schema publishes, and the parser uses. */
export const DURATION_PATTERN = '^(0|[1-9][0-9]{0,8})(\\.[0-9]{1,3})?(ms|s|m|h)$'
const DURATION = new RegExp(DURATION_PATTERN)

export const DURATION_EXPECTED = 'a duration like "5s" or "250ms"'

/** Milliseconds, or null when `text` is not a duration. */
export function parseDurationMs(text: unknown): number | null {
  if (typeof text !== 'string') return null
  const match = DURATION.exec(text)
  if (!match) return null
  const unit = match[3] as DurationUnit
  // Whole and fractional parts apart, so that "0.1s" is exactly 100 ms.
  const whole = Number(match[1])
  const fraction = match[2] === undefined ? 0 : Number(match[2].slice(1)) / 10 ** (match[2].length - 1)
  const ms = whole * UNIT_MS[unit] + Math.round(fraction * UNIT_MS[unit] * 1000) / 1000
  return ms
}

/** The milliseconds of a duration already validated; throws if it is not one. */
export function durationMs(text: Duration | string): number {
  const ms = parseDurationMs(text)
  if (ms === null) throw new Error(`not a duration: ${JSON.stringify(text)}`)
  return ms
}

/** The shortest way to write `ms` (whole seconds as "5s", else milliseconds: "250ms", "1234.5ms"). */
export function formatDuration(ms: number): Duration {
  if (ms >= 1000 && Number.isInteger(ms / 1000)) return `${ms / 1000}s`
  return `${Math.round(ms * 1000) / 1000}ms`
}
