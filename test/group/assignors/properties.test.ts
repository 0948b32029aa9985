import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { CLIENT_ASSIGNORS, clientAssignor, serverAssignor } from '../../../core/group/assignors/index.ts'
import { stickyAssign } from '../../../core/group/assignors/sticky.ts'
import type { AssignorMember, GroupAssignmentInput, TopicPartitionRef } from '../../../core/group/assignors/types.ts'
import type { ServerAssignmentInput } from '../../../core/group/assignors/server/types.ts'
import {
  checkEvenCounts,
  checkEvenPerTopic,
  checkKeepsOwned,
  checkNoImprovingMove,
  checkOrderIndependent,
  checkOwnership,
  checkWithheld,
  subscribedPartitions,
} from './checks.ts'

type Assign = (input: GroupAssignmentInput) => Map<string, TopicPartitionRef[]>

const TOPICS = ['a', 'b', 'c']
// "Aa"/"BB" (and their concatenations) share Java hash codes, so HashMap ties are exercised.
const IDS = ['Aa', 'BB', 'AaAa', 'BBBB', 'AaBB', 'c1', 'c2', 'c3', 'm-1', 'm-2', 'x']
const RUNS = { numRuns: 150 }

interface Scenario {
  input: GroupAssignmentInput
  homogeneous: boolean
}

const arbShape = fc.record({
  counts: fc.tuple(fc.nat(7), fc.nat(7), fc.nat(7)),
  ids: fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 6 }),
  subs: fc.array(fc.subarray(TOPICS, { minLength: 1 }), { minLength: 6, maxLength: 6 }),
  homogeneous: fc.boolean(),
})

interface Shape {
  counts: [number, number, number]
  ids: string[]
  subs: string[][]
  homogeneous: boolean
}

function baseGroup(shape: Shape): Scenario {
  const partitionsPerTopic = new Map(TOPICS.map((t, i) => [t, shape.counts[i]!]))
  const members: AssignorMember[] = shape.ids.map((id, i) => ({
    memberId: id,
    groupInstanceId: null,
    topics: shape.homogeneous ? shape.subs[0]! : shape.subs[i]!,
    ownedPartitions: [],
    generation: -1,
    rackId: null,
  }))
  return { input: { members, partitionsPerTopic }, homogeneous: shape.homogeneous || shape.ids.length === 1 }
}

/** Owned partitions from a real earlier assignment of an overlapping group: disjoint claims, as after a leave/join. */
const arbConsistent: fc.Arbitrary<Scenario> = fc
  .tuple(arbShape, fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 5 }))
  .map(([shape, previousIds, generation]) => {
    const now = baseGroup(shape)
    const topicsOf = new Map(now.input.members.map((m) => [m.memberId, m.topics]))
    const before: GroupAssignmentInput = {
      partitionsPerTopic: now.input.partitionsPerTopic,
      members: previousIds.map((id) => ({ memberId: id, groupInstanceId: null, topics: topicsOf.get(id) ?? now.input.members[0]!.topics, ownedPartitions: [], generation: -1, rackId: null })),
    }
    const previous = stickyAssign(before).assignment
    const members = now.input.members.map((m) => (previous.has(m.memberId) ? { ...m, ownedPartitions: previous.get(m.memberId)!, generation } : m))
    return { input: { ...now.input, members }, homogeneous: now.homogeneous }
  })

/** Arbitrary claims: overlapping, stale, for unsubscribed or missing topics, any generation. */
const arbArbitrary: fc.Arbitrary<Scenario> = fc
  .tuple(arbShape, fc.array(fc.tuple(fc.array(fc.tuple(fc.constantFrom(...TOPICS, 'gone'), fc.nat(8)), { maxLength: 6 }), fc.integer({ min: -1, max: 3 })), { minLength: 6, maxLength: 6 }))
  .map(([shape, claims]) => {
    const s = baseGroup(shape)
    const members = s.input.members.map((m, i) => {
      const unique = new Map(claims[i]![0].map(([topic, partition]) => [`${topic}-${partition}`, { topic, partition }]))
      return { ...m, ownedPartitions: [...unique.values()], generation: claims[i]![1] }
    })
    return { input: { ...s.input, members }, homogeneous: s.homogeneous }
  })

const arbAny = fc.oneof(arbConsistent, arbArbitrary)

function holds(check: (s: Scenario) => string | null): (s: Scenario) => void {
  return (s) => {
    const violation = check(s)
    if (violation !== null) throw new Error(violation)
  }
}

function fails(arb: fc.Arbitrary<Scenario>, check: (s: Scenario) => string | null): boolean {
  return fc.check(fc.property(arb, holds(check)), { numRuns: 300, seed: 7 }).failed
}

const assignOf = (name: string): Assign => (input) => clientAssignor(name)!.assign(input)
const toServer = (input: GroupAssignmentInput): ServerAssignmentInput => ({
  partitionsPerTopic: input.partitionsPerTopic,
  members: input.members.map((m) => ({ memberId: m.memberId, instanceId: null, rackId: null, subscribedTopics: m.topics, assignedPartitions: m.ownedPartitions })),
})
const serverAssignOf = (name: string): Assign => (input) => serverAssignor(name)!.assign(toServer(input))

// Deliberately broken assignors, each the positive control of one property.
const broken = {
  dropsOne: ((input) => {
    const r = assignOf('roundrobin')(input)
    for (const list of r.values()) if (list.length > 0) return list.pop(), r
    return r
  }) as Assign,
  ignoresSubscriptions: ((input) => {
    const all = subscribedPartitions(input).map((k) => ({ topic: k.slice(0, k.lastIndexOf('-')), partition: Number(k.slice(k.lastIndexOf('-') + 1)) }))
    const r = new Map(input.members.map((m) => [m.memberId, [] as TopicPartitionRef[]]))
    all.forEach((tp, i) => r.get(input.members[i % input.members.length]!.memberId)!.push(tp))
    return r
  }) as Assign,
  allToFirst: ((input) => {
    const r = new Map(input.members.map((m) => [m.memberId, [] as TopicPartitionRef[]]))
    const first = [...input.members].sort((x, y) => (x.memberId < y.memberId ? -1 : 1))[0]!
    for (const tp of assignOf('range')(input).values()) r.get(first.memberId)!.push(...tp)
    return r
  }) as Assign,
  inputOrder: ((input) => {
    // Round robin over the members in the order given, not sorted.
    const r = new Map(input.members.map((m) => [m.memberId, [] as TopicPartitionRef[]]))
    let i = 0
    for (const k of subscribedPartitions(input).sort()) {
      const topic = k.slice(0, k.lastIndexOf('-'))
      while (!input.members[i % input.members.length]!.topics.includes(topic)) i++
      r.get(input.members[i++ % input.members.length]!.memberId)!.push({ topic, partition: Number(k.slice(k.lastIndexOf('-') + 1)) })
    }
    return r
  }) as Assign,
}

describe('assignment properties over random groups', () => {
  it('lists the four client assignors', () => {
    expect(CLIENT_ASSIGNORS).toEqual(['range', 'roundrobin', 'sticky', 'cooperative-sticky'])
    expect(clientAssignor('nope')).toBeUndefined()
  })

  for (const name of ['range', 'roundrobin', 'sticky']) {
    it(`${name}: every subscribed partition assigned exactly once, only to subscribers, every member present`, () => {
      fc.assert(fc.property(arbAny, holds((s) => checkOwnership(s.input, assignOf(name)(s.input), true))), RUNS)
    })
  }
  it('uniform and server range: the same', () => {
    for (const name of ['uniform', 'range']) fc.assert(fc.property(arbConsistent, holds((s) => checkOwnership(s.input, serverAssignOf(name)(s.input), true))), RUNS)
  })
  it('positive controls: a dropped partition and a non-subscriber are caught', () => {
    expect(fails(arbAny, (s) => checkOwnership(s.input, broken.dropsOne(s.input), true))).toBe(true)
    expect(fails(arbAny, (s) => checkOwnership(s.input, broken.ignoresSubscriptions(s.input), true))).toBe(true)
  })

  it('cooperative-sticky: at most once, only to subscribers; withheld are exactly the partitions another member owns now', () => {
    const coop = assignOf('cooperative-sticky')
    fc.assert(
      fc.property(
        arbConsistent,
        holds((s) => checkOwnership(s.input, coop(s.input), false) ?? checkWithheld(s.input.members, stickyAssign(s.input).assignment, coop(s.input))),
      ),
      RUNS,
    )
    // With conflicting claims: still at most once, and nothing withheld that nobody else claims.
    fc.assert(
      fc.property(
        arbArbitrary,
        holds((s) => {
          const r = coop(s.input)
          const bad = checkOwnership(s.input, r, false)
          if (bad !== null) return bad
          const given = new Set([...r.values()].flat().map((tp) => `${tp.topic}-${tp.partition}`))
          for (const [id, list] of stickyAssign(s.input).assignment) {
            for (const tp of list) {
              const k = `${tp.topic}-${tp.partition}`
              if (!given.has(k) && !s.input.members.some((m) => m.memberId !== id && m.ownedPartitions.some((o) => o.topic === tp.topic && o.partition === tp.partition))) {
                return `${k} withheld from ${id} though no other member claims it`
              }
            }
          }
          return null
        }),
      ),
      RUNS,
    )
  })
  it('positive control: an assignor that withholds nothing is caught', () => {
    expect(fails(arbConsistent, (s) => checkWithheld(s.input.members, stickyAssign(s.input).assignment, assignOf('sticky')(s.input)))).toBe(true)
  })

  it('balance: roundrobin, sticky and uniform even with identical subscriptions; sticky and uniform leave no improving move otherwise; range even per topic', () => {
    fc.assert(
      fc.property(
        arbAny,
        holds((s) => {
          if (s.homogeneous) {
            return checkEvenCounts(assignOf('roundrobin')(s.input)) ?? checkEvenCounts(assignOf('sticky')(s.input))
          }
          return checkNoImprovingMove(s.input, assignOf('sticky')(s.input))
        }),
      ),
      RUNS,
    )
    fc.assert(
      fc.property(
        arbConsistent,
        holds((s) => {
          const u = serverAssignOf('uniform')(s.input)
          return (s.homogeneous ? checkEvenCounts(u) : checkNoImprovingMove(s.input, u)) ?? checkEvenPerTopic(s.input, assignOf('range')(s.input)) ?? checkEvenPerTopic(s.input, serverAssignOf('range')(s.input))
        }),
      ),
      RUNS,
    )
  })
  it('positive control: an assignor giving everything to one member is caught', () => {
    expect(fails(arbAny, (s) => (s.homogeneous ? checkEvenCounts(broken.allToFirst(s.input)) : checkNoImprovingMove(s.input, broken.allToFirst(s.input))))).toBe(true)
    expect(fails(arbAny, (s) => checkEvenPerTopic(s.input, broken.allToFirst(s.input)))).toBe(true)
  })

  it('determinism: the same input gives the same result, whatever the order of the members', () => {
    for (const name of CLIENT_ASSIGNORS) fc.assert(fc.property(arbAny, holds((s) => checkOrderIndependent(assignOf(name), s.input))), { numRuns: 60 })
    for (const name of ['uniform', 'range']) fc.assert(fc.property(arbConsistent, holds((s) => checkOrderIndependent(serverAssignOf(name), s.input))), { numRuns: 60 })
  })
  it('positive control: an assignor that follows the input order is caught', () => {
    expect(fails(arbAny, (s) => checkOrderIndependent(broken.inputOrder, s.input))).toBe(true)
  })

  it('stickiness: with identical subscriptions each member keeps min(owned, floor(P/M)) of its partitions', () => {
    const homogeneous = arbConsistent.filter((s) => s.homogeneous)
    for (const assign of [assignOf('sticky'), assignOf('cooperative-sticky'), serverAssignOf('uniform')]) {
      fc.assert(fc.property(homogeneous, holds((s) => checkKeepsOwned(s.input, assign(s.input)))), RUNS)
    }
  })
  it('positive control: roundrobin, which ignores what members own, is caught', () => {
    expect(fails(arbConsistent.filter((s) => s.homogeneous), (s) => checkKeepsOwned(s.input, assignOf('roundrobin')(s.input)))).toBe(true)
  })
})
