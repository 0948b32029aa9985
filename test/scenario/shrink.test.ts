// Fuzz shrinking: a failing acks1 seed's fault schedule shrinks to fewer faults, printed as
// a scenario YAML file that, loaded and run as it is, shows the loss again.

import { describe, expect, it } from 'vitest'
import { runFuzz } from '../../sim/fuzz/fuzz.ts'
import { scheduleToSteps, shrinkFailure } from '../../sim/fuzz/shrink.ts'
import { runScenario } from '../../sim/scenario/engine.ts'
import { parseScenario } from '../../sim/scenario/load.ts'

describe('fuzz shrinking', () => {
  it('an acks1 loss shrinks to a smaller schedule whose printed scenario reproduces the loss', () => {
    const faultPhaseMs = 20_000
    const report = runFuzz({ profile: 'acks1', seeds: 20, stopAtFirstFailure: true, faultPhaseMs })
    const failure = report.firstFailure!
    expect(failure.lostWrites).toBeGreaterThan(0)
    const shrunk = shrinkFailure('acks1', failure.seed, failure.schedule, { faultPhaseMs, maxRuns: 25 })
    expect(shrunk.reproduced).toBe(true)
    expect(shrunk.schedule.length).toBeLessThan(failure.schedule.length)
    expect(shrunk.yaml).toMatch(/^# fuzz-acks1-seed-\d+: written by kafkasim fuzz --shrink; commit it as it is\.\n/)
    const scenario = parseScenario(shrunk.yaml, 'shrunk.yaml')
    expect(scenario.expect).toEqual([{ lostWrites: 'expected' }])
    const result = runScenario(scenario)
    expect(result.problems.filter((p) => !p.startsWith('recover:'))).toEqual([])
    expect(result.expectations[0]!.passed).toBe(true)
    expect(result.expectations[0]!.figures).toMatch(/^[1-9]\d* acknowledged writes lost/)
  }, 60_000)

  it("faults become steps with applyFault's rules: undone after their duration, a second crash of a crashed node left out", () => {
    const steps = scheduleToSteps([
      { atMs: 1000, kind: 'crash', node: 1, durationMs: 5000 },
      { atMs: 2000, kind: 'crash', node: 1, durationMs: 500 },
      { atMs: 3000, kind: 'client-drop', node: 'producer-1', to: 2, durationMs: 100 },
      { atMs: 9000, kind: 'pause', node: 'controller-1', durationMs: 5000 },
    ], 10_000)
    expect(steps).toEqual([
      { at: '1s', crash: 1 },
      { at: '3s', block: { from: 'producer-1', to: 2 } },
      { at: '3100ms', unblock: { from: 'producer-1', to: 2 } },
      { at: '6s', restart: 1 },
      { at: '9s', pause: 'controller' },
      { at: '10s', resume: 'controller' },
    ])
  })
})
