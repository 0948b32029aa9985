// Validation of everything a user hands the simulation. An error names the value, where
// it came from and what was expected; nothing is clamped and nothing is half-applied.

import { describeValue } from '../core/describe.ts'

export class InputError extends Error {
  override name = 'InputError'
  constructor(
    /** Where the value came from, e.g. `Simulation({seed})` or `setTimer(delayMs)`. */
    readonly where: string,
    readonly expected: string,
    readonly value: unknown,
  ) {
    super(`${where}: expected ${expected}, got ${describeValue(value)}`)
  }
}


export function requireSeed(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError(where, 'a non-negative integer seed', value)
  }
  return value
}

/** A finite duration in simulated milliseconds, zero allowed. */
export function requireDurationMs(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InputError(where, 'a finite, non-negative number of milliseconds', value)
  }
  return value
}

export function requirePositiveMs(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InputError(where, 'a finite, positive number of milliseconds', value)
  }
  return value
}

export function requireProbability(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InputError(where, 'a probability between 0 and 1', value)
  }
  return value
}

export function requirePositiveInteger(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InputError(where, 'a positive integer', value)
  }
  return value
}

export function requireNonEmptyString(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InputError(where, 'a non-empty string', value)
  }
  return value
}

export function requirePlainObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(where, 'an object', value)
  }
  return value as Record<string, unknown>
}

/** Rejects keys the caller did not expect, so a typo never silently does nothing. */
export function rejectUnknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new InputError(`${where}.${key}`, `one of the known keys (${known.join(', ')})`, key)
    }
  }
}
