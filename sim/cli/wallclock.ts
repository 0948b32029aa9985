// The real-time adapter: the only place in sim/ that reads the wall clock or the
// process's memory, and only the CLI's benchmarks use it. The simulation itself never
// does (a test holds that); a benchmark needs real time by definition.

import { performance } from 'node:perf_hooks'

export function wallNowMs(): number {
  return performance.now()
}

export function heapUsedMb(): number {
  return Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10
}
