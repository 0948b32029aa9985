// A Web Worker of its own for scenario runs, started the first time a scenario is picked:
// the scenario engine and the YAML parser load only then (they are not part of the page's
// first load), a long scenario never holds up the session's engine, and a run can be
// stopped by ending this worker.

import { playScenario, type ScenarioOutcome } from './scenarios.ts'

export interface ScenarioRequest {
  id: number
  text: string
  source: string
}

export interface ScenarioReply {
  id: number
  outcome: ScenarioOutcome
}

const scope = self as unknown as {
  postMessage(message: ScenarioReply): void
  onmessage: ((event: MessageEvent<ScenarioRequest>) => void) | null
}

scope.onmessage = (event) => {
  const { id, text, source } = event.data
  let outcome: ScenarioOutcome
  try {
    outcome = playScenario(String(text), String(source))
  } catch (error) {
    outcome = { ok: false, source: String(source), issues: [`${String(source)}: ${error instanceof Error ? error.message : String(error)}`] }
  }
  scope.postMessage({ id, outcome })
}
