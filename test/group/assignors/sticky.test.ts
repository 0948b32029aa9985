import { describe, expect, it } from 'vitest'
import { clientAssignor } from '../../../core/group/assignors/index.ts'
import { member, names, topics } from './helpers.ts'

const sticky = clientAssignor('sticky')!
const cooperative = clientAssignor('cooperative-sticky')!
const own = (topic: string, ...ps: number[]): string[] => ps.map((p) => `${topic}-${p}`)

describe('sticky assignor, all subscriptions equal (ConstrainedAssignmentBuilder)', () => {
  it('first assignment: round robin by member id up to minQuota, then one extra each (Kafka javadoc example)', () => {
    const result = sticky.assign({
      members: ['C2', 'C0', 'C1'].map((id) => member(id, ['t0', 't1', 't2', 't3'])),
      partitionsPerTopic: topics(['t0', 2], ['t1', 2], ['t2', 2], ['t3', 2]),
    })
    expect(names(result)).toEqual({ C0: ['t0-0', 't1-1', 't3-0'], C1: ['t0-1', 't2-0', 't3-1'], C2: ['t1-0', 't2-1'] })
  })

  it('after a member leaves, the others keep all they had and share its partitions', () => {
    // Continues the example above: C1 leaves; minQuota = maxQuota = 4.
    const everything = ['t0', 't1', 't2', 't3']
    const result = sticky.assign({
      members: [
        member('C0', everything, { owned: ['t0-0', 't1-1', 't3-0'], generation: 1 }),
        member('C2', everything, { owned: ['t1-0', 't2-1'], generation: 1 }),
      ],
      partitionsPerTopic: topics(['t0', 2], ['t1', 2], ['t2', 2], ['t3', 2]),
    })
    expect(names(result)).toEqual({ C0: ['t0-0', 't0-1', 't1-1', 't3-0'], C2: ['t1-0', 't2-0', 't2-1', 't3-1'] })
  })

  it('a joining member takes only the partitions the others must give up', () => {
    const result = sticky.assign({
      members: [member('a', ['t'], { owned: own('t', 0, 1, 2, 3, 4, 5), generation: 3 }), member('b', ['t'])],
      partitionsPerTopic: topics(['t', 6]),
    })
    expect(names(result)).toEqual({ a: own('t', 0, 1, 2), b: own('t', 3, 4, 5) })
  })

  it("walks members in Java HashMap order to decide who keeps maxQuota: c3, c1, c2 for ids c1, c2, c3", () => {
    // "c1".hashCode() = 3118 (bucket 14), "c2" = 3119 (15), "c3" = 3120 (0). 7 partitions over 3
    // members: one member may keep 3. c3 is walked first and keeps 3; c1 must drop to 2.
    const result = sticky.assign({
      members: [
        member('c1', ['t'], { owned: own('t', 3, 4, 5), generation: 1 }),
        member('c2', ['t'], { owned: own('t', 6), generation: 1 }),
        member('c3', ['t'], { owned: own('t', 0, 1, 2), generation: 1 }),
      ],
      partitionsPerTopic: topics(['t', 7]),
    })
    expect(names(result)).toEqual({ c1: own('t', 3, 4), c2: own('t', 5, 6), c3: own('t', 0, 1, 2) })
  })

  it('a claim from a newer generation beats an older one; equal generations cancel both', () => {
    const result = sticky.assign({
      members: [
        member('old', ['t'], { owned: own('t', 0, 1), generation: 4 }),
        member('new', ['t'], { owned: own('t', 1, 2), generation: 5 }),
        member('twin', ['t'], { owned: own('t', 2, 3), generation: 5 }),
      ],
      partitionsPerTopic: topics(['t', 6]),
    })
    // t-1 goes to "new" (generation 5 over 4); t-2 is claimed by "new" and "twin" in generation
    // 5, so neither keeps it. Kept: old [0], new [1], twin [3]; all are under minQuota 2, so
    // 2, 4 and 5 go round robin in member id order: new, old, twin.
    expect(names(result)).toEqual({ new: own('t', 1, 2), old: own('t', 0, 4), twin: own('t', 3, 5) })
  })

  it('more members than partitions: the extras are present with nothing', () => {
    const result = sticky.assign({ members: ['a', 'b', 'c'].map((id) => member(id, ['t'])), partitionsPerTopic: topics(['t', 2]) })
    expect(names(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: [] })
  })
})

describe('sticky assignor, different subscriptions (GeneralAssignmentBuilder)', () => {
  const ppt = topics(['t0', 1], ['t1', 2], ['t2', 3])

  it('balances within what each member may take (Kafka javadoc example)', () => {
    const result = sticky.assign({
      members: [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])],
      partitionsPerTopic: ppt,
    })
    expect(names(result)).toEqual({ C0: ['t0-0'], C1: ['t1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] })
  })

  it('when C0 leaves, moves only its partition (round robin would move three)', () => {
    const result = sticky.assign({
      members: [
        member('C1', ['t0', 't1'], { owned: ['t1-0', 't1-1'], generation: 1 }),
        member('C2', ['t0', 't1', 't2'], { owned: ['t2-0', 't2-1', 't2-2'], generation: 1 }),
      ],
      partitionsPerTopic: ppt,
    })
    expect(names(result)).toEqual({ C1: ['t0-0', 't1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] })
  })

  it('gives a partition back to its owner of an older generation when that evens the counts', () => {
    // A (generation 2) holds all of x; C claimed x-0 in generation 1 (stale, so A keeps it for
    // now); B is new. Balancing moves x-0 to C, its previous owner, where the least loaded rule
    // alone would pick B; then x-1 and x-2 go to the least loaded, B.
    const result = sticky.assign({
      members: [
        member('A', ['x', 'y'], { owned: ['x-0', 'x-1', 'x-2', 'x-3'], generation: 2 }),
        member('B', ['x']),
        member('C', ['x'], { owned: ['x-0'], generation: 1 }),
      ],
      partitionsPerTopic: topics(['x', 4], ['y', 1]),
    })
    expect(names(result)).toEqual({ A: ['x-3', 'y-0'], B: ['x-1', 'x-2'], C: ['x-0'] })
  })

  it('revokes what a member no longer subscribes and gives it to a subscriber', () => {
    const result = sticky.assign({
      members: [member('a', ['x'], { owned: ['x-0', 'y-0'], generation: 2 }), member('b', ['x', 'y'], { owned: ['x-1'], generation: 2 })],
      partitionsPerTopic: topics(['x', 2], ['y', 1]),
    })
    expect(names(result)).toEqual({ a: ['x-0'], b: ['x-1', 'y-0'] })
  })
})

describe('cooperative-sticky assignor (CooperativeStickyAssignor.java)', () => {
  it('supports COOPERATIVE and EAGER; sticky supports EAGER', () => {
    expect(cooperative.supportedProtocols).toEqual(['COOPERATIVE', 'EAGER'])
    expect(sticky.supportedProtocols).toEqual(['EAGER'])
  })

  it('withholds partitions that change owner; the follow-up rebalance hands them out', () => {
    const ppt = topics(['t', 4])
    const first = cooperative.assign({ members: [member('c1', ['t'], { owned: own('t', 0, 1, 2, 3), generation: 1 }), member('c2', ['t'])], partitionsPerTopic: ppt })
    // The eager sticky result would be c1 [0, 1], c2 [2, 3]; 2 and 3 move, so c2 gets them only
    // after c1 has revoked them.
    expect(names(first)).toEqual({ c1: own('t', 0, 1), c2: [] })
    const second = cooperative.assign({
      members: [member('c1', ['t'], { owned: own('t', 0, 1), generation: 2 }), member('c2', ['t'], { owned: [], generation: 2 })],
      partitionsPerTopic: ppt,
    })
    expect(names(second)).toEqual({ c1: own('t', 0, 1), c2: own('t', 2, 3) })
  })

  it('withholds moved partitions in the general case too (computed from owned partitions)', () => {
    const result = cooperative.assign({
      members: [member('a', ['x'], { owned: ['x-0', 'y-0'], generation: 2 }), member('b', ['x', 'y'], { owned: ['x-1'], generation: 2 })],
      partitionsPerTopic: topics(['x', 2], ['y', 1]),
    })
    expect(names(result)).toEqual({ a: ['x-0'], b: ['x-1'] })
  })

  it('withholds a partition two members claimed in the same generation', () => {
    const result = cooperative.assign({
      members: [member('a', ['t'], { owned: own('t', 0, 1), generation: 3 }), member('b', ['t'], { owned: own('t', 1), generation: 3 })],
      partitionsPerTopic: topics(['t', 2]),
    })
    // Sticky alone gives a [0], b [1]; t-1 was doubly claimed, so it is treated as moving.
    expect(names(result)).toEqual({ a: own('t', 0), b: [] })
  })
})
