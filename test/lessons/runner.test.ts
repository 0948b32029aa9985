// Running lessons headless: every lesson in scenarios/lessons passes with its scripted
// answers; the figures an explanation quotes are the run's own (checked against the trace);
// and a lesson that cannot pass fails with the lesson, the step and the figures named.

import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runScenario } from '../../sim/scenario/engine.ts'
import type { TraceRecord } from '../../sim/trace.ts'
import { LESSONS_DIR } from '../../sim/lessons/command.ts'
import { loadLessonFile, parseLesson } from '../../sim/lessons/load.ts'
import { lessonScenario, runLesson } from '../../sim/lessons/runner.ts'
import { LessonSession } from '../../sim/lessons/session.ts'

const STAGE = `name: tiny
title: A tiny lesson
description: One partition, three replicas, one producer.
topics:
  - { name: orders, partitions: 1, replicationFactor: 3 }
clients:
  producers:
    - { id: app, topic: orders, rate: 100, config: { acks: all } }
steps:
`

describe('the lessons in scenarios/lessons', () => {
  const files = readdirSync(LESSONS_DIR).filter((f) => f.endsWith('.yaml')).sort()

  it('are at least three, each of 3 to 8 steps', () => {
    expect(files.length).toBeGreaterThanOrEqual(3)
    for (const file of files) {
      const steps = loadLessonFile(join(LESSONS_DIR, file)).steps.length
      expect(steps).toBeGreaterThanOrEqual(3)
      expect(steps).toBeLessThanOrEqual(8)
    }
  })

  it.each(files)('%s passes with its scripted answers, every step explained with figures from the run', (file) => {
    const lesson = loadLessonFile(join(LESSONS_DIR, file))
    const result = runLesson(lesson, { source: file })
    expect(result.failure).toBeUndefined()
    expect(result.passed).toBe(true)
    expect(result.steps.every((s) => s.status === 'done')).toBe(true)
    for (const [i, step] of lesson.steps.entries()) {
      if (step.explain === undefined) continue
      const explanation = result.steps[i]!.explanation!
      expect(explanation).not.toMatch(/\{\{|cannot read/)
      expect(explanation).toMatch(/\d/)
    }
  }, 60_000)
})

/** Runs a lesson with a session of our own, keeping the trace to compare its figures with. */
function runWithTrace(text: string, seed: number) {
  const lesson = parseLesson(text, 'tiny.yaml')
  const session = new LessonSession(lesson, true)
  const trace: TraceRecord[] = []
  const result = runScenario(lessonScenario(lesson, session), { seed, onTrace: (r) => trace.push(r) })
  const start = trace.find((r) => r.type === 'action' && (r.data as { label?: string }).label === 'lesson tiny starts')!
  return { session, trace, startMs: start.time, result }
}

describe('figures', () => {
  const text = STAGE + `  - title: Watch
    text: The producer writes.
    until: "acknowledged('app') >= 150"
    within: 20s
    explain: "acked={{acknowledged('app')}} leader={{leader('orders', 0)}} epoch={{leaderEpoch('orders', 0)}}"
  - title: Crash the leader
    action:
      ask: Crash the leader.
      check: "size(crashedLeaders('orders')) > 0"
      answer:
        - { crash: leader of orders-0 }
    until: "leader('orders', 0) != none and brokerState(leader('orders', 0)) == 'alive'"
    within: 30s
    explain: "crashed={{crashedLeaders('orders')}} leader={{leader('orders', 0)}} epoch={{leaderEpoch('orders', 0)}}"
`

  it.each([1, 7])('quoted figures follow the run (seed %i): they match the trace at the moment each step ended', (seed) => {
    const { session, trace, startMs } = runWithTrace(text, seed)
    expect(session.finished).toBe(true)
    const [watch, crash] = session.progress
    const upTo = (lessonMs: number) => trace.filter((r) => r.time <= startMs + lessonMs)
    const acked = (records: TraceRecord[]) => records.filter((r) => r.type === 'producer-batch-acked' && r.node === 'app').reduce((n, r) => n + (r.data as { records: number }).records, 0)
    const lastLeader = (records: TraceRecord[]) => records.filter((r) => r.type === 'become-leader' && (r.data as { topic: string }).topic === 'orders').at(-1)!
    const first = upTo(watch!.endedAtMs!)
    const firstLeader = lastLeader(first)
    expect(watch!.explanation).toBe(`acked=${acked(first)} leader=${firstLeader.node} epoch=${(firstLeader.data as { leaderEpoch: number }).leaderEpoch}`)
    expect(acked(first)).toBeGreaterThanOrEqual(150)
    const crashed = upTo(crash!.endedAtMs!).find((r) => r.type === 'crash' && typeof r.node === 'number')!
    // The controller elects; the broker it chose says so (become-leader) once the metadata reaches it.
    const secondLeader = trace.find((r) => r.time > crashed.time && r.type === 'become-leader' && (r.data as { topic: string }).topic === 'orders')!
    expect(crashed.node).toBe(firstLeader.node)
    expect(secondLeader.node).not.toBe(crashed.node)
    expect(crash!.explanation).toBe(`crashed=${crashed.node} leader=${secondLeader.node} epoch=${(secondLeader.data as { leaderEpoch: number }).leaderEpoch}`)
  }, 60_000)

  it('one seed replays one lesson: the same trace and the same explanations', () => {
    const lesson = parseLesson(text, 'tiny.yaml')
    const a = runLesson(lesson, { seed: 3 })
    const b = runLesson(lesson, { seed: 3 })
    expect(a.traceHash).toBe(b.traceHash)
    expect(a.steps.map((s) => s.explanation)).toEqual(b.steps.map((s) => s.explanation))
  }, 60_000)
})

describe('a lesson that cannot pass', () => {
  it('a wrong scripted answer fails the step, naming the lesson, the step, the check, the figures it read and the answer', () => {
    const lesson = parseLesson(STAGE + `  - title: Crash broker 1
    action:
      ask: Crash broker 1.
      check: "brokerState(1) == 'crashed'"
      within: 3s
      answer:
        - { crash: 2 }
  - title: Never reached
    text: Unreachable.
`, 'tiny.yaml')
    const result = runLesson(lesson)
    expect(result.passed).toBe(false)
    expect(result.failure).toBe(
      `lesson tiny, step 1 of 2 "Crash broker 1": the action's check brokerState(1) == 'crashed' did not hold within 3s (from 0.0 s to 3.0 s); figures now: brokerState(1) = alive; the scripted answer was: crash 2`,
    )
    expect(result.steps.map((s) => s.status)).toEqual(['failed', 'pending'])
  }, 60_000)

  it('a check that can never hold (a planted one) fails at its bound', () => {
    const lesson = parseLesson(STAGE + `  - title: Lose a write with acks=all
    text: It cannot happen here.
    until: "lostWrites > 0"
    within: 2s
`, 'tiny.yaml')
    const result = runLesson(lesson)
    expect(result.passed).toBe(false)
    expect(result.failure).toMatch(/^lesson tiny, step 1 of 1 "Lose a write with acks=all": the "until" check lostWrites > 0 did not hold within 2s \(from 0\.0 s to 2\.0 s\); figures now: lostWrites = 0$/)
  }, 60_000)

  it('a scripted answer the cluster refuses fails the step with the reason', () => {
    const lesson = parseLesson(STAGE + `  - title: Crash twice
    action:
      ask: Crash broker 1 twice.
      check: "brokerState(1) == 'crashed'"
      answer:
        - { crash: 1 }
        - { after: 1s, crash: 1 }
    runFor: 5s
`, 'tiny.yaml')
    const result = runLesson(lesson)
    expect(result.passed).toBe(false)
    // The check held at once, so the step was running when the second crash was refused.
    expect(result.failure).toMatch(/^lesson tiny, step 1 of 1 "Crash twice": the scripted answer crash 1 \(after 1s\) failed: .*crash/)
  }, 60_000)
})
