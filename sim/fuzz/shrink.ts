// Shrinking a failing fuzz run to a small scenario file. The failing seed's fault schedule
// becomes a scenario (the fuzz run's cluster, topic and workload; each fault and its undo
// as timeline steps), and fast-check's shrinker proposes smaller schedules (fewer faults,
// earlier and shorter ones). A candidate is kept when its scenario, run by the scenario
// engine, still shows the failure, so the printed file reproduces it by construction:
// the same engine, the same seed. `kafkasim fuzz --shrink` prints it.

import fc from 'fast-check'
import { stringify } from 'yaml'
import { CONTROLLER_ID } from '../cluster.ts'
import { runScenario } from '../scenario/engine.ts'
import { formatDuration } from '../scenario/duration.ts'
import type { Expectation, NodeRef, Scenario, Step } from '../scenario/types.ts'
import { CLIENT_ID, FUZZ_PROFILES, KEYS, PARTITIONS, PRODUCER_CONFIG, RECORDS_PER_SEC, TOPIC, type FuzzProfileName } from './fuzz.ts'
import type { ScheduledFault } from './schedule.ts'

const BROKERS = [1, 2, 3]

export interface ShrinkOptions {
  faultPhaseMs?: number
  settleTimeoutMs?: number
  /** Scenario runs the shrinker may spend (each is one simulated run). */
  maxRuns?: number
}

export interface ShrinkResult {
  /** Whether the full schedule, as a scenario, showed the failure (else nothing could be shrunk). */
  reproduced: boolean
  schedule: ScheduledFault[]
  scenario: Scenario
  /** The scenario as a ready-to-commit YAML file. */
  yaml: string
  runs: number
}

/** The expectation a profile's failure breaks (safe) or shows (the unsafe profiles' positive controls). */
function failureExpectation(profile: FuzzProfileName): Expectation {
  switch (FUZZ_PROFILES[profile].expect) {
    case 'nothing':
      return { lostWrites: 'none' }
    case 'loss':
      return { lostWrites: 'expected' }
    case 'duplicates-and-reorders':
      return { duplicates: 'expected' }
  }
}

const nodeRef = (node: string | number): NodeRef => (node === CONTROLLER_ID ? 'controller' : node)

/**
 * The timeline of a schedule, with fuzz.ts's applyFault rules: a crash of a crashed node and
 * a pause of a node that is not up do nothing, and each fault is undone after its duration
 * (within the fault phase; the scenario's recovery undoes the rest).
 */
export function scheduleToSteps(schedule: readonly ScheduledFault[], faultPhaseMs: number): Step[] {
  const events: { atMs: number; order: number; step: Step }[] = []
  // When each node's crash or pause ends, to skip faults applyFault would skip.
  const downUntil = new Map<string | number, { until: number; kind: 'crashed' | 'paused' }>()
  let order = 0
  const add = (atMs: number, step: Step) => events.push({ atMs, order: order++, step: { at: formatDuration(atMs), ...step } })
  for (const fault of [...schedule].sort((a, b) => a.atMs - b.atMs)) {
    const node = nodeRef(fault.node)
    const undoAt = Math.min(fault.atMs + fault.durationMs, faultPhaseMs)
    const down = downUntil.get(fault.node)
    const state = down && down.until > fault.atMs ? down.kind : 'up'
    switch (fault.kind) {
      case 'crash':
      case 'power-fail':
        if (state === 'crashed') continue
        // A paused node that crashes stays crashed until its restart.
        add(fault.atMs, fault.kind === 'crash' ? { crash: node } : { powerFail: node })
        if (undoAt > fault.atMs) add(undoAt, { restart: node })
        downUntil.set(fault.node, { until: undoAt > fault.atMs ? undoAt : Infinity, kind: 'crashed' })
        continue
      case 'pause':
        if (state !== 'up') continue
        add(fault.atMs, { pause: node })
        if (undoAt > fault.atMs) add(undoAt, { resume: node })
        downUntil.set(fault.node, { until: undoAt > fault.atMs ? undoAt : Infinity, kind: 'paused' })
        continue
      case 'isolate':
        add(fault.atMs, { isolate: node })
        if (undoAt > fault.atMs) add(undoAt, { rejoin: node })
        continue
      case 'partition':
        add(fault.atMs, { partition: [[node], BROKERS.filter((b) => b !== fault.node)] })
        if (undoAt > fault.atMs) add(undoAt, { heal: 'partition' })
        continue
      case 'block':
      case 'client-drop':
        add(fault.atMs, { block: { from: node, to: nodeRef(fault.to!) } })
        if (undoAt > fault.atMs) add(undoAt, { unblock: { from: node, to: nodeRef(fault.to!) } })
        continue
    }
  }
  return events.sort((a, b) => a.atMs - b.atMs || a.order - b.order).map((e) => e.step)
}

/** The fuzz run of `profile` and `seed` with this schedule, as a scenario. */
export function scheduleToScenario(profile: FuzzProfileName, seed: number, schedule: readonly ScheduledFault[], options: ShrinkOptions = {}): Scenario {
  const faultPhaseMs = options.faultPhaseMs ?? 60_000
  const settings = FUZZ_PROFILES[profile]
  return {
    name: `fuzz-${profile}-seed-${seed}`.toLowerCase().replace(/[^a-z0-9-]/g, '-'),
    description:
      `Shrunk by kafkasim fuzz --profile ${profile} --shrink from seed ${seed}: the fuzz run's cluster, topic and ` +
      `workload with ${schedule.length} fault(s) left of the failing schedule. ${describeProfile(profile)}`,
    seed,
    duration: formatDuration(faultPhaseMs),
    recover: { within: formatDuration(options.settleTimeoutMs ?? 120_000) },
    cluster: { brokers: BROKERS.length, config: { ...(settings.config as Record<string, string | number | boolean>) } },
    topics: [{ name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 }],
    clients: {
      producers: [{
        id: CLIENT_ID,
        topic: TOPIC,
        rate: RECORDS_PER_SEC,
        keys: { uniform: KEYS },
        stop: formatDuration(faultPhaseMs),
        config: { ...PRODUCER_CONFIG, ...(settings.producer as Record<string, string | number | boolean>) },
      }],
    },
    timeline: scheduleToSteps(schedule, faultPhaseMs),
    expect: [failureExpectation(profile)],
  }
}

function describeProfile(profile: FuzzProfileName): string {
  switch (FUZZ_PROFILES[profile].expect) {
    case 'nothing':
      return 'The profile must lose nothing: this scenario fails while the bug it found is there.'
    case 'loss':
      return 'These settings can lose acknowledged writes, and this schedule makes them.'
    case 'duplicates-and-reorders':
      return 'Retries without idempotence write duplicates, and this schedule makes them.'
  }
}

/** Whether the scenario shows the failure: its one expectation says so, and every step ran. */
function showsFailure(profile: FuzzProfileName, scenario: Scenario): boolean {
  const result = runScenario(scenario)
  const verdict = result.expectations[0]!
  const stepsRan = result.problems.every((p) => p.startsWith('recover:'))
  return stepsRan && (FUZZ_PROFILES[profile].expect === 'nothing' ? !verdict.passed : verdict.passed)
}

export function shrinkFailure(profile: FuzzProfileName, seed: number, schedule: readonly ScheduledFault[], options: ShrinkOptions = {}): ShrinkResult {
  const faultPhaseMs = options.faultPhaseMs ?? 60_000
  const maxRuns = options.maxRuns ?? 80
  let runs = 0
  const fails = (candidate: readonly ScheduledFault[]) => {
    runs++
    return showsFailure(profile, scheduleToScenario(profile, seed, candidate, options))
  }
  const finish = (reproduced: boolean, kept: readonly ScheduledFault[]): ShrinkResult => {
    const sorted = [...kept].sort((a, b) => a.atMs - b.atMs)
    const scenario = scheduleToScenario(profile, seed, sorted, options)
    return { reproduced, schedule: sorted, scenario, yaml: scenarioYaml(scenario), runs }
  }
  if (!fails(schedule)) return finish(false, schedule)

  // fast-check's shrinker over "a list of faults, each with a time and a duration": it
  // proposes dropping faults, then moving them earlier and making them shorter.
  const kinds = schedule.map(({ kind, node, to }) => ({ kind, node, ...(to !== undefined ? { to } : {}) }))
  const faultArb = fc.record({
    atMs: fc.integer({ min: 0, max: faultPhaseMs }),
    durationMs: fc.integer({ min: 1, max: Math.max(1, ...schedule.map((f) => f.durationMs)) }),
    what: fc.constantFrom(...kinds),
  })
  const listArb = fc.array(faultArb, { maxLength: schedule.length })
  type Shape = { atMs: number; durationMs: number; what: (typeof kinds)[number] }[]
  const toSchedule = (shape: Shape): ScheduledFault[] => shape.map((f) => ({ atMs: f.atMs, durationMs: f.durationMs, ...f.what }))
  let current: Shape = schedule.map((f, i) => ({ atMs: f.atMs, durationMs: f.durationMs, what: kinds[i]! }))
  let context: unknown = undefined
  let improved = true
  while (improved && runs < maxRuns) {
    improved = false
    for (const candidate of listArb.shrink(current, context)) {
      if (runs >= maxRuns) break
      if (fails(toSchedule(candidate.value))) {
        current = candidate.value
        context = candidate.context
        improved = true
        break
      }
    }
  }
  return finish(true, toSchedule(current))
}

/** A scenario as YAML, the explanation first. */
export function scenarioYaml(scenario: Scenario): string {
  return `# ${scenario.name}: written by kafkasim fuzz --shrink; commit it as it is.\n` + stringify(scenario, { lineWidth: 100, flowCollectionPadding: true })
}
