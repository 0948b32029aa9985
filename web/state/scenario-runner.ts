// Runs scenarios for the picker: in a Web Worker of their own (scenario-worker.ts), started
// on first use, or with `?worker=0` on the page's thread (the runner module is then loaded
// on first use). Stopping a run ends its worker; the next run starts a fresh one.

import type { ScenarioOutcome } from '../engine/scenarios.ts'
import type { ScenarioReply, ScenarioRequest } from '../engine/scenario-worker.ts'

export class StoppedError extends Error {
  constructor() {
    super('the scenario run was stopped')
  }
}

export class ScenarioRunner {
  private worker: Worker | null = null
  private nextId = 1
  private waiting: { id: number; resolve: (outcome: ScenarioOutcome) => void; reject: (error: Error) => void } | null = null

  constructor(private readonly inWorker: boolean) {}

  async run(text: string, source: string): Promise<ScenarioOutcome> {
    if (!this.inWorker) {
      const { playScenario } = await import('../engine/scenarios.ts')
      return playScenario(text, source)
    }
    this.stop()
    const worker = this.worker ?? this.start()
    const id = this.nextId++
    return new Promise<ScenarioOutcome>((resolve, reject) => {
      this.waiting = { id, resolve, reject }
      worker.postMessage({ id, text, source } satisfies ScenarioRequest)
    })
  }

  /** Stops the run under way, if any (its promise rejects with StoppedError). */
  stop(): void {
    if (!this.waiting) return
    this.waiting.reject(new StoppedError())
    this.waiting = null
    this.worker?.terminate()
    this.worker = null
  }

  private start(): Worker {
    const worker = new Worker(new URL('../engine/scenario-worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (event: MessageEvent<ScenarioReply>) => {
      const waiting = this.waiting
      if (!waiting || waiting.id !== event.data.id) return
      this.waiting = null
      waiting.resolve(event.data.outcome)
    }
    worker.onerror = (event) => {
      const waiting = this.waiting
      this.waiting = null
      this.worker = null
      worker.terminate()
      waiting?.reject(new Error(`the scenario worker failed: ${event.message}`))
    }
    this.worker = worker
    return worker
  }
}
