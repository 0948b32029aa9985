// `kafkasim run`'s work, apart from the command line: find the scenario files, check them
// all before running any, run each for each seed, compare or write golden files, and
// collect what the report, the JUnit file and the JSON line need.

import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { runScenario, DEFAULT_SEED, type ScenarioResult } from './engine.ts'
import { compareGolden, goldenPath, writeGolden } from './golden.ts'
import { parseScenario, ScenarioInputError } from './load.ts'
import type { TraceRecord } from '../trace.ts'
import type { Scenario } from './types.ts'

const SCENARIO_FILE = /\.ya?ml$/
/** Lessons (scenarios/lessons/, sim/lessons/) are YAML in another format: a directory walk leaves them out. */
const LESSONS_DIR = 'lessons'
/** Guards a directory walk against a huge tree (and symlink loops: links are not followed). */
const MAX_FILES = 10_000

/** The scenario files named, directories walked for *.yaml and *.yml (not into lessons/), sorted; throws ScenarioInputError for a missing path. */
export function collectScenarioFiles(paths: readonly string[]): string[] {
  const files: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== LESSONS_DIR) walk(path)
      }
      else if (entry.isFile() && SCENARIO_FILE.test(entry.name)) files.push(path)
      if (files.length > MAX_FILES) throw new ScenarioInputError(dir, [`${dir}: more than ${MAX_FILES} scenario files`])
    }
  }
  for (const path of paths) {
    let stat
    try {
      stat = statSync(path)
    } catch {
      throw new ScenarioInputError(path, [`${path}: no such file or directory`])
    }
    if (stat.isDirectory()) walk(path)
    else files.push(path)
  }
  return files
}

/** Reads and checks a scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ScenarioInputError(path, [`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`])
  }
  return parseScenario(text, path)
}

export interface FileRun {
  file: string
  result: ScenarioResult
}

export interface RunFilesOptions {
  /** Seeds to run each scenario with; default each scenario's own. */
  seeds?: readonly number[]
  updateGolden?: boolean
  onTrace?: (file: string, seed: number, record: TraceRecord) => void
  /** Called as each run finishes (for streaming output). */
  onResult?: (run: FileRun) => void
}

/** Loads every file first (a bad one stops everything before anything runs), then runs them. */
export function runScenarioFiles(files: readonly string[], options: RunFilesOptions = {}): FileRun[] {
  const problems: string[] = []
  const loaded: { file: string; scenario: Scenario }[] = []
  for (const file of files) {
    try {
      loaded.push({ file, scenario: loadScenarioFile(file) })
    } catch (error) {
      if (!(error instanceof ScenarioInputError)) throw error
      problems.push(...error.issues)
    }
  }
  if (problems.length > 0) throw new ScenarioInputError(files.join(', '), problems)
  const runs: FileRun[] = []
  for (const { file, scenario } of loaded) {
    for (const seed of options.seeds ?? [scenario.seed ?? DEFAULT_SEED]) {
      const result = runScenario(scenario, { seed, source: file, ...(options.onTrace ? { onTrace: (r: TraceRecord) => options.onTrace!(file, seed, r) } : {}) })
      // A golden file pins the run of the scenario's own seed.
      if (scenario.golden !== undefined && seed === (scenario.seed ?? DEFAULT_SEED)) {
        const path = goldenPath(file, scenario.golden)
        if (options.updateGolden) writeGolden(path, result.timeline)
        else {
          const diff = compareGolden(path, result.timeline)
          if (diff) {
            result.problems.push(...diff)
            result.passed = false
          }
        }
      }
      const run = { file, result }
      runs.push(run)
      options.onResult?.(run)
    }
  }
  return runs
}
