// The scenario engine: one run of a checked Scenario on a fresh seeded cluster. YAML files
// and TypeScript scenarios both come here (one engine). The run: start the cluster and the
// topics, start the clients, play the timeline (steps at times, or when conditions hold),
// run for `duration`, optionally undo every fault and wait for the cluster to settle, then
// give each expectation's verdict. Everything is simulated time: one seed, one run.

import { KafkaError } from '../../core/errors.ts'
import { InvariantCheckers } from '../checkers/invariants.ts'
import { Cluster, CONTROLLER_ID } from '../cluster.ts'
import { isNotable } from '../demo/run.ts'
import { unsettled } from '../fuzz/fuzz.ts'
import { formatRecord, type TraceRecord } from '../trace.ts'
import { addConsumer, addProducer, addTopic, applyAction, linkSpec } from './actions.ts'
import { RunContext } from './context.ts'
import { durationMs, formatDuration } from './duration.ts'
import { armExpectation, describeExpectation, type ExpectationResult } from './expectations.ts'
import { armDeadLetterExpectation, isDeadLetterAction, startDeadLetters } from './dead-letters.ts'
import { armGroupExpectation, startGroups } from './groups.ts'
import { checkScenario } from './load.ts'
import type { Condition, Scenario, Step } from './types.ts'

export const DEFAULT_SEED = 1
/** How long the topics may take to get leaders before the scenario's clock starts. */
const TOPICS_READY_TIMEOUT_MS = 30_000
/** Conditions (`when`) are checked after events, at most once per simulated millisecond. */
const CONDITION_CHECK_INTERVAL_MS = 1

/** Client trace records worth a line in the scenario's timeline, beside the cluster's notable ones. */
const CLIENT_NOTABLE = new Set(['producer-batch-failed', 'consumer-error', 'consumer-offset-out-of-range', 'consumer-truncation-detected', 'consumer-poll-timeout', 'consumer-commit-failed'])

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number
  /** Sees every trace record from when the cluster is up (for `--trace out.jsonl`). */
  onTrace?: (record: TraceRecord) => void
  /** Names the scenario in errors (its file). */
  source?: string
}

export interface ScenarioResult {
  name: string
  seed: number
  passed: boolean
  /** The notable events, one line each: what a golden file pins. */
  timeline: string[]
  /** Steps that failed, conditions that never held, a cluster that did not settle. */
  problems: string[]
  expectations: ExpectationResult[]
  traceHash: string
  events: number
  /** Simulated ms the scenario ran, from its start. */
  simTimeMs: number
}

/** What the timeline calls a step when it has no label. */
export function describeStep(step: Step): string {
  if (step.label !== undefined) return step.label
  const [action, value] = Object.entries(step).find(([k]) => !['at', 'when', 'after', 'within', 'delay', 'as', 'label', 'expectError'].includes(k))!
  if (typeof value === 'function') return action
  return `${action} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`
}

function describeCondition(condition: Condition): string {
  if ('holds' in condition) return condition.label
  return JSON.stringify(condition)
}

function conditionHolds(run: RunContext, condition: Condition): boolean {
  try {
    if ('leader' in condition) {
      const leader = run.partitionState(condition.leader.partition)?.leader
      if (leader === undefined) return false
      if (condition.leader.is !== undefined) return leader === run.resolveLeader(condition.leader.is)
      if (condition.leader.isNot !== undefined) return leader !== run.resolveLeader(condition.leader.isNot)
      return leader >= 0
    }
    if ('isr' in condition) {
      const isr = run.partitionState(condition.isr.partition)?.isr
      if (isr === undefined) return false
      const { size, equals, includes, excludes } = condition.isr
      if (size !== undefined && isr.length !== size) return false
      if (equals !== undefined) {
        const ids = equals.map((ref) => run.resolve(ref))
        if (ids.length !== isr.length || !ids.every((id) => isr.includes(id as number))) return false
      }
      if (includes !== undefined && !isr.includes(run.resolve(includes) as number)) return false
      if (excludes !== undefined && isr.includes(run.resolve(excludes) as number)) return false
      return true
    }
    if ('acknowledged' in condition) {
      const outcomes = run.cluster.history.producers().get(condition.acknowledged.producer) ?? []
      let acked = 0
      for (const o of outcomes) if (o.status === 'acked') acked++
      return acked >= condition.acknowledged.atLeast
    }
    if ('consumed' in condition) return (run.cluster.history.consumers().get(condition.consumed.consumer)?.length ?? 0) >= condition.consumed.atLeast
    if ('broker' in condition) {
      const id = run.resolve(condition.broker.id)
      return run.cluster.snapshot().brokers.find((b) => b.id === id)?.state === condition.broker.is
    }
    if ('settled' in condition) return unsettled(run.cluster) === null
    return condition.holds(run)
  } catch {
    // A reference that names nothing now (no leader yet): the condition does not hold yet.
    return false
  }
}

interface Watcher {
  index: number
  step: Step
  condition: Condition
  afterMs: number
  deadlineMs: number
}

export function runScenario(input: Scenario, options: RunOptions = {}): ScenarioResult {
  const source = options.source ?? (typeof input?.name === 'string' ? input.name : 'scenario')
  const scenario = checkScenario(input, source)
  const seed = options.seed ?? scenario.seed ?? DEFAULT_SEED
  const spec = scenario.cluster ?? {}
  const cluster = new Cluster({
    seed,
    brokers: spec.brokers ?? 3,
    config: spec.config ?? {},
    traceCapacity: 1000,
    ...(spec.network ? { network: linkSpec(spec.network) } : {}),
    ...(spec.disk?.writeback !== undefined ? { disk: { writebackDelayMs: spec.disk.writeback === 'never' ? null : durationMs(spec.disk.writeback) } } : {}),
    ...(spec.version === '0.10' ? { legacyTruncateToHighWatermarkOnRestart: true } : {}),
  })
  const timeline: string[] = []
  const problems: string[] = []
  cluster.trace.subscribe((record) => {
    if ((isNotable(record) || CLIENT_NOTABLE.has(record.type)) && !isDeadLetterAction(record)) timeline.push(formatRecord(record))
    options.onTrace?.(record)
  })

  // The topics, and their leaders, before the scenario's clock starts.
  for (const topic of scenario.topics ?? []) addTopic(cluster, topic)
  const partitions = (scenario.topics ?? []).flatMap((t) => Array.from({ length: t.replicas?.length ?? t.partitions ?? 1 }, (_, p) => ({ topic: t.name, partition: p })))
  const leaderless = () => partitions.filter(({ topic, partition }) => {
    const leader = cluster.controller()?.image.topic(topic)?.partitions.get(partition)?.leader ?? -1
    return leader < 0 || cluster.brokerNode(leader)?.partitions.get(`${topic}-${partition}`)?.isLeader !== true
  }).map(({ topic, partition }) => `${topic}-${partition}`)
  cluster.sim.runUntil(() => leaderless().length === 0, { timeoutMs: TOPICS_READY_TIMEOUT_MS, describe: () => `partitions without a leader: ${leaderless().join(', ')}` })

  const run = new RunContext(cluster, cluster.now)
  const start = run.startMs
  const checkers = scenario.expect?.some((e) => 'invariants' in e) ? new InvariantCheckers(cluster) : null
  for (const producer of scenario.clients?.producers ?? []) addProducer(run, producer)
  for (const consumer of scenario.clients?.consumers ?? []) {
    const at = consumer.start ? durationMs(consumer.start) : 0
    if (at === 0) addConsumer(run, consumer)
    else cluster.sim.at(start + at, `start consumer ${consumer.id}`, () => addConsumer(run, consumer))
  }
  for (const group of scenario.clients?.groups ?? []) run.groups.set(group.id, group)
  const deadLetters = startDeadLetters(run)
  startGroups(run, scenario.clients?.groups ?? [])
  const armed = (scenario.expect ?? []).map((e) => armGroupExpectation(run, e, describeExpectation(e)) ?? armDeadLetterExpectation(run, e, describeExpectation(e), deadLetters) ?? armExpectation(run, e))

  const execute = (index: number, step: Step) => {
    const where = `timeline[${index}] (${describeStep(step)}) at ${formatDuration(run.now)}`
    try {
      const node = applyAction(run, step)
      if (step.as !== undefined && node !== undefined) run.bound.set(step.as, node)
      if (step.expectError !== undefined) problems.push(`${where}: expected it to be refused with ${step.expectError}, but it succeeded`)
    } catch (error) {
      const code = error instanceof KafkaError ? error.code : undefined
      if (step.expectError !== undefined && code === step.expectError) {
        timeline.push(`${' '.repeat(10)}   refused as expected: ${code}: ${(error as Error).message}`)
        return
      }
      problems.push(`${where}: ${step.expectError !== undefined ? `expected ${step.expectError}, got ` : 'failed: '}${(error as Error).message}`)
    }
  }

  const watchers: Watcher[] = []
  ;(scenario.timeline ?? []).forEach((step, index) => {
    if (step.at !== undefined) {
      cluster.sim.at(start + durationMs(step.at), describeStep(step), () => execute(index, step))
      return
    }
    const afterMs = step.after ? durationMs(step.after) : 0
    watchers.push({ index, step, condition: step.when!, afterMs, deadlineMs: step.within ? afterMs + durationMs(step.within) : Infinity })
  })
  let lastCheckMs = -Infinity
  const detachWatchers = cluster.sim.afterEachEvent(() => {
    if (watchers.length === 0 || cluster.now < lastCheckMs + CONDITION_CHECK_INTERVAL_MS) return
    lastCheckMs = cluster.now
    for (let i = 0; i < watchers.length; i++) {
      const w = watchers[i]!
      if (run.now < w.afterMs) continue
      const missed = run.now > w.deadlineMs
      if (!missed && !conditionHolds(run, w.condition)) continue
      watchers.splice(i--, 1)
      if (missed) {
        problems.push(`timeline[${w.index}] (${describeStep(w.step)}): the condition ${describeCondition(w.condition)} did not hold within ${w.step.within} after ${formatDuration(w.afterMs)}`)
        continue
      }
      const delayMs = w.step.delay ? durationMs(w.step.delay) : 0
      cluster.sim.at(cluster.now + delayMs, describeStep(w.step), () => execute(w.index, w.step))
    }
  })

  cluster.advance(durationMs(scenario.duration))
  detachWatchers()
  for (const w of watchers) problems.push(`timeline[${w.index}] (${describeStep(w.step)}): the condition ${describeCondition(w.condition)} never held in ${scenario.duration}`)

  if (scenario.recover) recover(cluster, durationMs(scenario.recover.within), problems)
  checkers?.stop()
  const end = { history: run.history(), violations: checkers ? checkers.violations : null }
  const expectations = armed.map((a) => ({ label: a.label, ...a.verdict(end) }))
  return {
    name: scenario.name,
    seed,
    passed: problems.length === 0 && expectations.every((e) => e.passed),
    timeline,
    problems,
    expectations,
    traceHash: cluster.trace.hash(),
    events: cluster.sim.eventCount,
    simTimeMs: Math.round((cluster.now - start) * 1000) / 1000,
  }
}

/** Undoes every fault (network, slow disks, pauses, crashed brokers and controller) and waits for the cluster to settle. */
function recover(cluster: Cluster, withinMs: number, problems: string[]): void {
  // Settled includes "no record's outcome pending": workloads stop so that in-flight records can finish.
  for (const producer of cluster.history.producers().keys()) {
    if (cluster.sim.hasNode(producer) && cluster.sim.stateOf(producer) === 'up') cluster.sim.command(producer, { op: 'stopWorkload' })
  }
  cluster.heal()
  for (const node of [CONTROLLER_ID, ...cluster.brokerIds]) {
    const state = cluster.sim.stateOf(node)
    if (cluster.sim.diskWriteMsOf(node) > 0) cluster.sim.slowDisk(node, 0)
    if (state === 'paused') cluster.resume(node)
    if (state === 'crashed') cluster.sim.restart(node)
  }
  try {
    cluster.sim.runUntil(() => unsettled(cluster) === null, { timeoutMs: withinMs, describe: () => unsettled(cluster) ?? 'settled' })
  } catch {
    problems.push(`recover: the cluster did not settle within ${formatDuration(withinMs)}: ${unsettled(cluster)}`)
  }
}
