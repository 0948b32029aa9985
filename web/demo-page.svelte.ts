// The demo page's state: which seed, and the run it gave. The page runs the very same
// demo as `kafkasim demo`, in the browser, so the trace hashes can be compared.

import { runDemo, type DemoResult } from '../sim/demo/run.ts'
import { formatRecord } from '../sim/trace.ts'

export const DEFAULT_SEED = 42

/** Reads `?seed=N` from a query string: a non-negative integer, or an explanation. */
export function seedFromQuery(search: string): { seed: number } | { error: string } {
  const text = new URLSearchParams(search).get('seed')
  if (text === null) return { seed: DEFAULT_SEED }
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    return { error: `The address's seed parameter must be a non-negative integer; got "${text}". Showing seed ${DEFAULT_SEED}.` }
  }
  return { seed: Number(text) }
}

export class DemoPage {
  seed = $state(DEFAULT_SEED)
  seedInput = $state(String(DEFAULT_SEED))
  inputError = $state('')
  result = $state.raw<DemoResult | null>(null)
  lines = $derived(this.result ? this.result.notable.map(formatRecord) : [])

  /** Runs the demo for the seed typed in, if it is a valid seed. */
  runInput(): void {
    const parsed = seedFromQuery(`?seed=${encodeURIComponent(this.seedInput.trim())}`)
    if ('error' in parsed) {
      this.inputError = `Seed must be a non-negative integer; got "${this.seedInput}".`
      return
    }
    this.inputError = ''
    this.run(parsed.seed)
  }

  run(seed: number): void {
    this.seed = seed
    this.seedInput = String(seed)
    this.result = runDemo(seed)
  }
}
