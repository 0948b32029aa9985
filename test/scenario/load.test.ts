// Loading scenario files: every problem is named by file, line, path and what was expected;
// hostile input (wrong types, unknown keys, huge numbers, deep nesting, alias bombs,
// unknown broker ids, negative times) is refused with a ScenarioInputError, never a crash
// or a hang; and the published JSON Schema is the one the validator uses.

import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { describe, expect, it } from 'vitest'
import { parseScenario, ScenarioInputError } from '../../sim/scenario/load.ts'
import { scenarioJsonSchemaText } from '../../sim/scenario/schema.ts'

const VALID = `name: small
description: one broker crash
duration: 10s
cluster:
  brokers: 3
topics:
  - { name: orders, partitions: 2, replicationFactor: 3 }
clients:
  producers:
    - { id: app, topic: orders, rate: 10 }
timeline:
  - at: 1s
    crash: leader of orders-0
    as: old
  - at: 5s
    restart: old
expect:
  - lostWrites: none
`

function refusal(text: string, file = 'scenarios/x.yaml'): string {
  try {
    parseScenario(text, file)
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioInputError)
    return (error as Error).message
  }
  throw new Error('expected a ScenarioInputError')
}

describe('scenario loading', () => {
  it('a valid file loads as the Scenario it says', () => {
    const scenario = parseScenario(VALID, 'x.yaml')
    expect(scenario.name).toBe('small')
    expect(scenario.timeline![0]).toEqual({ at: '1s', crash: 'leader of orders-0', as: 'old' })
  })

  it('names the file, line and path of a bad duration, and what was expected', () => {
    const text = VALID.replace('  - at: 5s', '  - at: soon')
    expect(refusal(text)).toBe('scenarios/x.yaml:15 timeline[1].at: expected a duration like "5s" or "250ms", got "soon"')
  })

  it('unknown keys are refused with the closest known name', () => {
    const message = refusal(VALID.replace('    crash: leader of orders-0', '    crahs: leader of orders-0'))
    expect(message).toContain('scenarios/x.yaml:13 timeline[0].crahs: unknown key "crahs" in a timeline step (did you mean "crash"?)')
    expect(refusal(VALID.replace('duration: 10s', 'duratoin: 10s'))).toContain('(did you mean "duration"?)')
  })

  it('broker ids, topics, partitions, clients and bound names are checked against the scenario', () => {
    const message = refusal(
      VALID.replace('crash: leader of orders-0', 'crash: 7').replace('restart: old', 'restart: nobody').replace('lostWrites: none', 'consumed: { consumer: ghost, atLeast: 1 }'),
    )
    expect(message).toContain('timeline[0].crash: no broker 7: the cluster has brokers 1 to 3')
    expect(message).toContain('timeline[1].restart: no node "nobody"')
    expect(message).toContain('expect[0].consumed.consumer: no client "ghost"')
    expect(refusal(VALID.replace('leader of orders-0', 'leader of orders-5'))).toContain('no partition orders-5: topic orders has partitions 0 to 1')
    expect(refusal(VALID.replace('replicationFactor: 3', 'replicationFactor: 4'))).toContain('a replication factor of 4 needs 4 brokers; the cluster has 3')
    const groups = VALID.replace('    - { id: app, topic: orders, rate: 10 }', '    - { id: app, topic: orders, rate: 10 }\n  groups:\n    - { id: g, topics: [nope], members: 2 }').replace('lostWrites: none', 'lag: { group: h, atMost: 1 }')
    expect(refusal(groups)).toContain('clients.groups[0].topics[0]: no topic "nope"')
    expect(refusal(groups)).toContain('expect[0].lag.group: no group "h" (known: g)')
  })

  it("Kafka configs are checked with Kafka's rules before anything runs", () => {
    const message = refusal(VALID.replace('  brokers: 3', '  brokers: 3\n  config: { min.insync.replicas: 0 }'))
    expect(message).toMatch(/^scenarios\/x\.yaml:6 cluster\.config: INVALID_CONFIG/)
    expect(refusal(VALID.replace('rate: 10 }', 'rate: 10, config: { acks: "2" } }'))).toContain('clients.producers[0].config: ')
  })

  it('negative times, huge numbers and wrong types are refused with what was expected', () => {
    expect(refusal(VALID.replace('at: 1s', 'at: -1s'))).toContain('timeline[0].at: expected a duration like "5s" or "250ms", got "-1s"')
    expect(refusal(VALID.replace('brokers: 3', 'brokers: 1e308'))).toContain('cluster.brokers: expected an integer from 1 to 64, got 1e+308')
    expect(refusal(VALID.replace('duration: 10s', 'duration: 99999999h'))).toContain('duration: expected a duration of at most 86400s')
    expect(refusal(VALID.replace('partitions: 2', 'partitions: "two"'))).toContain('topics[0].partitions: expected an integer from 1 to 1000, got "two"')
    expect(refusal('- just\n- a list\n')).toContain('(top level): expected an object (a scenario)')
  })

  it('YAML syntax errors, duplicate keys, alias bombs and deep nesting are refused, quickly', () => {
    expect(refusal('name: [unclosed\n')).toMatch(/^scenarios\/x\.yaml:\d+ /)
    expect(refusal('name: a\nname: b\n')).toMatch(/^scenarios\/x\.yaml:2 .*unique/i)
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n'
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i)
      const next = String.fromCharCode(98 + i)
      bomb += `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]\n`
    }
    expect(refusal(bomb)).toContain('refused: Excessive alias count')
    expect(refusal(`name: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`)).toMatch(/scenarios\/x\.yaml:1 /)
    expect(refusal('x'.repeat(1_000_001))).toContain('expected at most 1000000 characters')
  })

  it('scenarios/scenario.schema.json is what the validator\'s schema prints (one source of truth)', () => {
    const committed = readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', 'scenario.schema.json'), 'utf8')
    expect(committed).toBe(scenarioJsonSchemaText())
    const schema = JSON.parse(committed)
    expect(schema.required).toEqual(['name', 'description', 'duration'])
    expect(Object.keys(schema.properties.timeline.items.properties)).toContain('crash')
  })

  it('10,000 hostile files: each is refused with a ScenarioInputError naming where, never a crash or a hang', () => {
    // Start from a valid scenario and break it: replace a value anywhere with something
    // hostile, add unknown keys, or wrap it in deep nesting and aliases.
    const base = parseScenario(VALID, 'x.yaml') as unknown as Record<string, unknown>
    const hostileValue = fc.oneof(
      fc.constantFrom(null, true, -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1.5, '', 'soon', '-5s', '1e3s', 'leader of nowhere-0', 99, 'controller'),
      fc.string({ maxLength: 20 }),
      fc.double(),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
      fc.integer({ min: 1, max: 200 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth))),
    )
    const paths: (string | number)[][] = [
      ['name'], ['description'], ['duration'], ['seed'], ['cluster', 'brokers'], ['cluster', 'config'], ['cluster', 'network'],
      ['topics', 0, 'name'], ['topics', 0, 'partitions'], ['topics', 0, 'replicationFactor'], ['topics', 0, 'replicas'],
      ['clients', 'producers', 0, 'rate'], ['clients', 'producers', 0, 'keys'], ['clients', 'producers', 0, 'topic'],
      ['timeline', 0, 'at'], ['timeline', 0, 'crash'], ['timeline', 1, 'restart'], ['timeline', 0, 'bogus'], ['expect', 0, 'lostWrites'], ['expect', 0],
      ['timeline'], ['expect'], ['topics'], ['unknownKey'],
    ]
    const setIn = (root: Record<string, unknown>, path: (string | number)[], value: unknown) => {
      let node = root as Record<string | number, unknown>
      for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>
      node[path.at(-1)!] = value
    }
    const asText = fc.oneof(
      // One value broken.
      fc.tuple(fc.constantFrom(...paths), hostileValue).map(([path, value]) => {
        const copy = structuredClone(base)
        setIn(copy, path, value)
        return stringify(copy)
      }),
      // Raw text: deep flow nesting, alias chains, broken YAML.
      fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('[', '{a: ', '- ')).map(([n, open]) => `name: ${open.repeat(n)}\n`),
      fc.integer({ min: 2, max: 12 }).map((levels) => {
        let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n'
        for (let i = 1; i < levels; i++) text += `a${i}: &a${i} [${Array(10).fill(i === 1 ? '*a' : `*a${i - 1}`).join(', ')}]\n`
        return text
      }),
      fc.string({ maxLength: 60 }),
    )
    fc.assert(
      fc.property(asText, (text) => {
        let error: unknown
        try {
          parseScenario(text, 'hostile.yaml')
        } catch (e) {
          error = e
        }
        // The only file that may load is one the break left valid (e.g. a seed of 0).
        if (error === undefined) return
        expect(error).toBeInstanceOf(ScenarioInputError)
        const message = (error as Error).message
        expect(message.startsWith('hostile.yaml')).toBe(true)
        expect(message.length).toBeLessThan(20_000)
      }),
      { numRuns: 10_000, seed: 20_251_125 },
    )
  }, 60_000)
})

const GROUPS = `name: g
description: groups with members of their own
duration: 5s
topics:
  - { name: orders, partitions: 2, replicationFactor: 1 }
  - { name: orders-dlt, partitions: 1, replicationFactor: 1 }
clients:
  producers:
    - { id: writer }
  groups:
    - id: billing
      topics: [orders]
      members: [billing-1, { id: billing-slow, processingPerRecord: 50ms, config: { max.poll.records: 10 } }]
      deadLetter: { topic: orders-dlt, producer: writer, when: { valueContains: poison } }
`

describe('group settings in scenario files', () => {
  it('members with settings of their own and a dead-letter topic load as written', () => {
    const scenario = parseScenario(GROUPS, 'x.yaml')
    expect(scenario.clients!.groups![0]!.members).toEqual(['billing-1', { id: 'billing-slow', processingPerRecord: '50ms', config: { 'max.poll.records': 10 } }])
  })

  it('refuses a bad member config, an unknown dead-letter producer, a dead-letter topic the group reads, and deadLetters on a group without one', () => {
    expect(refusal(GROUPS.replace('max.poll.records: 10', 'max.poll.records: 0'))).toMatch(/^scenarios\/x\.yaml:13 clients\.groups\[0\]\.members\[1\]\.config: .*max\.poll\.records/)
    expect(refusal(GROUPS.replace('producer: writer', 'producer: nobody'))).toContain('clients.groups[0].deadLetter.producer: no producer "nobody" in clients.producers (known: writer)')
    expect(refusal(GROUPS.replace('topic: orders-dlt, producer', 'topic: orders, producer'))).toContain('clients.groups[0].deadLetter.topic: the dead-letter topic "orders" is one the group reads')
    expect(refusal(GROUPS.replace('when: { valueContains: poison }', 'when: { valueContains: poison, keyIn: [a] }'))).toContain('clients.groups[0].deadLetter.when')
    expect(refusal(GROUPS.replace('      deadLetter: { topic: orders-dlt, producer: writer, when: { valueContains: poison } }\n', '') + 'expect:\n  - deadLetters: { group: billing }\n'))
      .toContain('expect[0].deadLetters.group: group "billing" has no deadLetter')
    expect(refusal(GROUPS + 'expect:\n  - revoked: { group: nope }\n')).toContain('expect[0].revoked.group: no group "nope"')
    expect(refusal(GROUPS + 'expect:\n  - revoked: { group: billing, atLeast: 3, atMost: 1 }\n')).toContain('expect[0].revoked: atLeast (3) is above atMost (1)')
    expect(refusal(GROUPS + 'timeline:\n  - { at: 1s, addGroupMember: { group: billing, id: b3, config: { session.timeout.ms: soon } } }\n')).toContain('timeline[0].addGroupMember.config')
  })
})

describe('the library entry point', () => {
  it('exports the scenario API: parseScenario, runScenario and the shared shortValue', async () => {
    const kafkasim = await import('../../index.ts')
    const scenario = kafkasim.parseScenario(VALID, 'x.yaml')
    expect(kafkasim.runScenario({ ...scenario, duration: '1s', timeline: [] }).expectations.map((e) => e.passed)).toEqual([true])
    expect(kafkasim.shortValue('app-301:' + 'x'.repeat(90))).toBe('"app-301:…"')
    expect(kafkasim.shortValue(null)).toBe('null')
  })
})
