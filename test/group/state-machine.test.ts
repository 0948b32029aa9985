// Milestone 2: the classic group's state machine (ClassicGroupState's valid transitions).

import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  IllegalGroupTransitionError,
  groupStateOf,
  initialGroupState,
  stepGroupState,
  type GroupEvent,
  type GroupStateName,
} from '../../core/group/group-state-machine.ts'

const STATES: GroupStateName[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']
const EVENTS: GroupEvent[] = [
  { type: 'PREPARE_REBALANCE', reason: 'test' },
  { type: 'JOIN_COMPLETE', memberCount: 2 },
  { type: 'JOIN_COMPLETE', memberCount: 0 },
  { type: 'SYNC_COMPLETE' },
  { type: 'GROUP_DEAD' },
]

/** Kafka's ClassicGroupState: each state's valid previous states. */
const VALID_PREVIOUS: Record<GroupStateName, GroupStateName[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
}

describe('group state machine', () => {
  it('a new group is Empty at generation 0', () => {
    const s = initialGroupState()
    expect(groupStateOf(s)).toBe('Empty')
    expect(s.context.generationId).toBe(0)
  })

  const legal: [GroupStateName, GroupEvent, GroupStateName][] = [
    ['Empty', EVENTS[0]!, 'PreparingRebalance'],
    ['PreparingRebalance', EVENTS[1]!, 'CompletingRebalance'],
    ['PreparingRebalance', EVENTS[2]!, 'Empty'],
    ['CompletingRebalance', EVENTS[3]!, 'Stable'],
    ['CompletingRebalance', EVENTS[0]!, 'PreparingRebalance'],
    ['Stable', EVENTS[0]!, 'PreparingRebalance'],
    ['Empty', EVENTS[4]!, 'Dead'],
    ['PreparingRebalance', EVENTS[4]!, 'Dead'],
    ['CompletingRebalance', EVENTS[4]!, 'Dead'],
    ['Stable', EVENTS[4]!, 'Dead'],
    ['Dead', EVENTS[4]!, 'Dead'],
  ]
  for (const [from, event, to] of legal) {
    it(`${from} --${event.type}${event.type === 'JOIN_COMPLETE' ? `(${event.memberCount} members)` : ''}--> ${to}`, () => {
      const next = stepGroupState('g', initialGroupState(from, 4), event)
      expect(groupStateOf(next)).toBe(to)
      // Only the end of a join phase starts a new generation (ClassicGroup.initNextGeneration).
      expect(next.context.generationId).toBe(event.type === 'JOIN_COMPLETE' ? 5 : 4)
    })
  }

  it('every other event is an illegal transition: an error naming the state and the event, the state unchanged', () => {
    for (const from of STATES) {
      for (const event of EVENTS) {
        if (legal.some(([f, e]) => f === from && e === event)) continue
        const before = initialGroupState(from, 1)
        let error: unknown
        try {
          stepGroupState('g1', before, event)
        } catch (e) {
          error = e
        }
        expect(error, `${from} + ${event.type}`).toBeInstanceOf(IllegalGroupTransitionError)
        expect((error as Error).message).toContain(`event ${event.type} in state ${from}`)
        expect((error as Error).message).toContain('"g1"')
        expect(groupStateOf(before)).toBe(from)
      }
    }
  })

  it('any sequence of legal steps only makes transitions Kafka allows, and generations never decrease', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...EVENTS), { maxLength: 60 }), (events) => {
      let s = initialGroupState()
      for (const event of events) {
        if (!s.can(event)) continue
        const next = stepGroupState('g', s, event)
        expect(VALID_PREVIOUS[groupStateOf(next)]).toContain(groupStateOf(s))
        expect(next.context.generationId).toBeGreaterThanOrEqual(s.context.generationId)
        s = next
      }
    }))
  })
})
