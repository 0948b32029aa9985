// Running a scenario for the visualizer: the same engine as `kafkasim run`
// (sim/scenario/engine.ts), on a seeded cluster of its own. The text (a library scenario,
// see scenario-library.ts, or a file the user picked) is only ever parsed as YAML data and
// checked against the scenario schema (sim/scenario/load.ts); what is wrong with it comes
// back as plain lines of text, which the page shows as text.
//
// The engine runs a scenario to its end in one go (it has no pause), so the page plays
// the finished run back on a clock of its own: the timeline's lines appear at their
// simulated times, and the expectations, which the engine decides at the end of the run,
// turn green or red when the playback clock reaches that end.

import { runScenario } from '../../sim/scenario/engine.ts'
import type { ExpectationResult } from '../../sim/scenario/expectations.ts'
import { parseScenario, ScenarioInputError } from '../../sim/scenario/load.ts'

export interface ScenarioLine {
  /** Simulated ms (the cluster's clock). */
  atMs: number
  text: string
}

export interface ScenarioPlayback {
  name: string
  description: string
  seed: number
  /** Where it came from: a library name or the user's file name. */
  source: string
  timeline: ScenarioLine[]
  expectations: ExpectationResult[]
  /** Steps refused, conditions that never held, a cluster that did not settle. */
  problems: string[]
  passed: boolean
  /** Simulated ms of the last trace record: where the run ended and the verdicts were given. */
  endMs: number
  events: number
  traceHash: string
}

export type ScenarioOutcome = { ok: true; playback: ScenarioPlayback } | { ok: false; source: string; issues: string[] }

/** Timeline lines start with the record's time ("  2008.842 ms ..."); a line without one belongs with the line before. */
const LINE_TIME = /^\s*([0-9]+(?:\.[0-9]+)?) ms\b/

/** Parses, checks and runs a scenario's YAML text; never throws for bad text (the issues come back). */
export function playScenario(text: string, source: string): ScenarioOutcome {
  let scenario
  try {
    scenario = parseScenario(text, source)
  } catch (error) {
    if (error instanceof ScenarioInputError) return { ok: false, source, issues: [...error.issues] }
    throw error
  }
  let lastMs = 0
  let result
  try {
    result = runScenario(scenario, { source, onTrace: (record) => (lastMs = record.time) })
  } catch (error) {
    // A check that only the run can make (a Kafka config the cluster refuses, ...).
    return { ok: false, source, issues: [`${source}: the scenario could not run: ${error instanceof Error ? error.message : String(error)}`] }
  }
  let atMs = 0
  const timeline = result.timeline.map((line) => {
    const time = LINE_TIME.exec(line)
    if (time) atMs = Number(time[1])
    return { atMs, text: line }
  })
  return {
    ok: true,
    playback: {
      name: result.name,
      description: scenario.description,
      seed: result.seed,
      source,
      timeline,
      expectations: result.expectations,
      problems: result.problems,
      passed: result.passed,
      endMs: lastMs,
      events: result.events,
      traceHash: result.traceHash,
    },
  }
}
