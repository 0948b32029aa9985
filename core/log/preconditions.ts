// Preconditions of the log's API. A broken one is a bug in the caller (a broker), not
// something a Kafka client could cause, so it throws a plain Error naming the value.

export function requireOffset(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer offset, got ${String(value)}`)
  }
  return value
}

export function requireEpoch(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer leader epoch, got ${String(value)}`)
  }
  return value
}

export function requireInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${String(value)}`)
  return value
}

export function requireTimeMs(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new Error(`${name} must be a finite number of simulated ms, got ${String(value)}`)
  }
  return value
}
