// The lesson format's validation: every problem named by file, line, path and reason, before
// anything runs; and the expression language, which refuses a hostile placeholder instead of
// executing it.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ScenarioInputError } from '../../sim/scenario/load.ts'
import { ExpressionError, evaluate, parseExpression, formatValue } from '../../sim/lessons/expression.ts'
import { parseLesson, placeholdersIn } from '../../sim/lessons/load.ts'
import { figureHelp, readFigure, type FigureReader } from '../../sim/lessons/figures.ts'

const GOOD = `name: tiny
title: A tiny lesson
description: One topic, one producer.
topics:
  - { name: orders, partitions: 2, replicationFactor: 3 }
clients:
  producers:
    - { id: app, topic: orders, rate: 50 }
steps:
  - title: Watch
    text: "Broker {{leader('orders', 0)}} leads orders-0."
    until: "acknowledged('app') >= 10"
  - title: Crash it
    action:
      ask: Crash the leader.
      check: "size(crashedLeaders('orders')) > 0"
      answer:
        - { crash: leader of orders-0 }
    explain: "{{lostWrites}} lost."
`

/** The lesson's text with one line replaced, and the error lines parseLesson gives for it. */
function issuesOf(text: string): string[] {
  try {
    parseLesson(text, 'lessons/bad.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioInputError)
    return [...(error as ScenarioInputError).issues]
  }
  throw new Error('expected the lesson to be refused')
}

describe('lesson files', () => {
  it('a good lesson loads', () => {
    const lesson = parseLesson(GOOD, 'lessons/tiny.yaml')
    expect(lesson.steps.map((s) => s.title)).toEqual(['Watch', 'Crash it'])
  })

  it('an unknown placeholder figure is named with its file, line, path and the nearest known name', () => {
    const issues = issuesOf(GOOD.replace("{{lostWrites}} lost.", "{{lostWrite}} lost."))
    expect(issues).toEqual([expect.stringMatching(/^lessons\/bad\.yaml:19 steps\[1\]\.explain: placeholder \{\{lostWrite\}\}: unknown figure "lostWrite" in lostWrite \(did you mean "lostWrites"\?\)/)])
  })

  it('a check on a broker that does not exist fails validation, naming the broker and the cluster', () => {
    const issues = issuesOf(GOOD.replace(`check: "size(crashedLeaders('orders')) > 0"`, `check: "brokerState(9) == 'crashed'"`))
    expect(issues).toEqual([`lessons/bad.yaml:16 steps[1].action.check: brokerState(9): no broker 9: the cluster has brokers 1 to 3`])
  })

  it('a step with neither text nor action fails validation', () => {
    const issues = issuesOf(GOOD.replace(`    text: "Broker {{leader('orders', 0)}} leads orders-0."\n`, ''))
    expect(issues).toEqual(['lessons/bad.yaml:10 steps[0]: a step needs text, an action or a challenge'])
  })

  it('a scripted answer naming a broker that does not exist is reported where the answer is written', () => {
    const issues = issuesOf(GOOD.replace('{ crash: leader of orders-0 }', '{ crash: 7 }'))
    expect(issues).toEqual(['lessons/bad.yaml:18 steps[1].action.answer[0].crash: no broker 7: the cluster has brokers 1 to 3'])
  })

  it('unknown keys, bad durations, a partition out of range and an unclosed placeholder are each named', () => {
    const text = GOOD.replace('  - title: Watch\n', '  - title: Watch\n    runFr: 5s\n')
      .replace(`until: "acknowledged('app') >= 10"`, `until: "logEnd('orders', 2) >= 10"\n    within: soon`)
      .replace('"{{lostWrites}} lost."', '"{{lostWrites lost."')
    const issues = issuesOf(text)
    expect(issues.some((i) => /^lessons\/bad\.yaml:11 steps\[0\]\.runFr: unknown key "runFr" in a lesson step \(did you mean "runFor"\?\)/.test(i))).toBe(true)
    expect(issues.some((i) => /^lessons\/bad\.yaml:\d+ steps\[0\]\.within: expected a duration like "5s" or "250ms", got "soon"/.test(i))).toBe(true)
    // The schema stops at shapes; once the shapes are right the references are checked.
    const fixed = text.replace('within: soon', 'within: 5s').replace('    runFr: 5s\n', '')
    const later = issuesOf(fixed)
    expect(later).toContain("lessons/bad.yaml:12 steps[0].until: logEnd('orders', 2): no partition 2: topic orders has partitions 0 to 1")
    expect(later.some((i) => /steps\[1\]\.explain: a placeholder opened with \{\{ is never closed/.test(i))).toBe(true)
  })

  it('a challenge and an action in one step, or until with runFor, are refused', () => {
    const text = GOOD.replace(`    until: "acknowledged('app') >= 10"`, `    until: "acknowledged('app') >= 10"\n    runFor: 2s`)
    expect(issuesOf(text)).toEqual(['lessons/bad.yaml:13 steps[0].runFor: a step runs "until" a check holds or "runFor" a time, not both'])
  })

  it('a Kafka config the producer would refuse is caught by the scenario checks', () => {
    const issues = issuesOf(GOOD.replace('{ id: app, topic: orders, rate: 50 }', '{ id: app, topic: orders, rate: 50, config: { acks: "2" } }'))
    expect(issues).toHaveLength(1)
    expect(issues[0]).toMatch(/^lessons\/bad\.yaml:8 clients\.producers\[0\]\.config: .*acks/)
  })
})

describe('placeholders and checks', () => {
  it('a hostile placeholder is refused at load with the reason, never run', () => {
    for (const hostile of [
      "{{constructor.constructor('return process')()}}",
      '{{process.exit(1)}}',
      "{{this['x']}}",
      '{{`${1}`}}',
      '{{a = 1}}',
    ]) {
      const issues = issuesOf(GOOD.replace('"{{lostWrites}} lost."', JSON.stringify(hostile)))
      expect(issues).toHaveLength(1)
      expect(issues[0]).toMatch(/^lessons\/bad\.yaml:19 steps\[1\]\.explain: placeholder \{\{.*\}\}: (column \d+: unexpected|unknown figure)/)
    }
  })

  it('names that exist on every JavaScript object are not figures', () => {
    const reader = {} as FigureReader
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(() => evaluate(parseExpression(name), (n, args) => readFigure(reader, n, args))).toThrow(new ExpressionError(`unknown figure "${name}"`))
    }
  })

  it('parsing any text either gives a tree or an ExpressionError, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          parseExpression(text)
        } catch (error) {
          expect(error).toBeInstanceOf(ExpressionError)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('evaluates comparisons, and/or/not and arithmetic; none compares as nothing', () => {
    const figures: Record<string, unknown> = { a: 3, b: 5, n: null, l: [1, 2, 3] }
    const run = (text: string) => evaluate(parseExpression(text), (name) => figures[name] as never)
    expect(run('a < b and not (a == b)')).toBe(true)
    expect(run('b - a + 1')).toBe(3)
    expect(run("a >= 3 or 'x' == 'y'")).toBe(true)
    expect(run('n > 0')).toBe(false)
    expect(run('n < 0')).toBe(false)
    expect(run('n == none')).toBe(true)
    expect(run('n + 1')).toBe(null)
    expect(() => run('a and true')).toThrow(/"and" needs true or false/)
    expect(() => run("a < 'x'")).toThrow(/"<" needs numbers/)
    expect(formatValue(run('l'))).toBe('1, 2, 3')
    expect(formatValue(run('n'))).toBe('none')
  })

  it('finds each placeholder in Markdown and refuses nesting beyond the limit', () => {
    expect(placeholdersIn('ISR {{ isr("orders", 0) }}, lost {{lostWrites}}').map((p) => p.text)).toEqual(['isr("orders", 0)', 'lostWrites'])
    expect(() => parseExpression('('.repeat(40) + '1' + ')'.repeat(40))).toThrow(/nested deeper than 16 levels/)
    expect(() => parseExpression('x'.repeat(301))).toThrow(/longer than 300 characters/)
  })
})

describe('the lessons README', () => {
  it('lists every figure with what it reads, as the code describes it', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', 'lessons', 'README.md'), 'utf8')
    for (const { usage, about } of figureHelp()) expect(readme).toContain(`| \`${usage}\` | ${about} |`)
  })
})
