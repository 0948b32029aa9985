// The classic group's state machine, as an xstate v5 machine, after Kafka's
// group-coordinator/src/main/java/org/apache/kafka/coordinator/group/classic/ClassicGroupState.java
// (each state lists its valid previous states) and ClassicGroup.transitionTo/initNextGeneration.
//
//   Empty               --PREPARE_REBALANCE-->  PreparingRebalance
//   PreparingRebalance  --JOIN_COMPLETE-->      CompletingRebalance (members left) | Empty (none)
//   CompletingRebalance --SYNC_COMPLETE-->      Stable
//   CompletingRebalance --PREPARE_REBALANCE-->  PreparingRebalance
//   Stable              --PREPARE_REBALANCE-->  PreparingRebalance
//   any                 --GROUP_DEAD-->         Dead
//
// The machine has no timers of its own: the coordinator steps it (stepGroupState) when a
// request, a timer of its node context, or a write's completion says so. An event the
// current state does not accept is a bug in the coordinator: stepGroupState throws an error
// naming the state and the event, as ClassicGroup.assertValidTransition does.

import { assign, getNextSnapshot, setup, type SnapshotFrom } from 'xstate'

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export type GroupEvent =
  | { type: 'PREPARE_REBALANCE'; reason: string }
  /** The join phase ended; memberCount is how many members the new generation has. */
  | { type: 'JOIN_COMPLETE'; memberCount: number }
  | { type: 'SYNC_COMPLETE' }
  /** The group was deleted, or its coordinator unloaded it (it moved to another broker). */
  | { type: 'GROUP_DEAD' }

export interface GroupMachineContext {
  /** Bumped by every completed join phase (ClassicGroup.initNextGeneration), even to an Empty group. */
  generationId: number
}

export const groupStateMachine = setup({
  types: {
    context: {} as GroupMachineContext,
    events: {} as GroupEvent,
    input: {} as { generationId: number },
  },
  guards: {
    joinedMembersRemain: ({ event }) => event.type === 'JOIN_COMPLETE' && event.memberCount > 0,
  },
  actions: {
    nextGeneration: assign({ generationId: ({ context }) => context.generationId + 1 }),
  },
}).createMachine({
  id: 'classic-group',
  initial: 'Empty',
  context: ({ input }) => ({ generationId: input.generationId }),
  states: {
    Empty: {
      on: { PREPARE_REBALANCE: 'PreparingRebalance', GROUP_DEAD: 'Dead' },
    },
    PreparingRebalance: {
      on: {
        JOIN_COMPLETE: [
          { guard: 'joinedMembersRemain', target: 'CompletingRebalance', actions: 'nextGeneration' },
          { target: 'Empty', actions: 'nextGeneration' },
        ],
        GROUP_DEAD: 'Dead',
      },
    },
    CompletingRebalance: {
      on: { SYNC_COMPLETE: 'Stable', PREPARE_REBALANCE: 'PreparingRebalance', GROUP_DEAD: 'Dead' },
    },
    Stable: {
      on: { PREPARE_REBALANCE: 'PreparingRebalance', GROUP_DEAD: 'Dead' },
    },
    Dead: {
      // ClassicGroupState.DEAD lists DEAD among its valid previous states.
      on: { GROUP_DEAD: 'Dead' },
    },
  },
})

export type GroupSnapshot = SnapshotFrom<typeof groupStateMachine>

/** A group's state as the machine holds it: new groups start Empty at generation 0. */
export function initialGroupState(state: GroupStateName = 'Empty', generationId = 0): GroupSnapshot {
  // A group loaded from the offsets topic starts where its last record left it
  // (Empty without members, Stable with them: GroupMetadataManager.replay).
  return groupStateMachine.resolveState({ value: state, context: { generationId } })
}

export class IllegalGroupTransitionError extends Error {
  override name = 'IllegalGroupTransitionError'
  constructor(
    readonly groupId: string,
    readonly state: GroupStateName,
    readonly event: GroupEvent['type'],
  ) {
    super(`group ${JSON.stringify(groupId)}: illegal transition: event ${event} in state ${state} (ClassicGroupState's valid previous states forbid it)`)
  }
}

/** Steps the machine; throws IllegalGroupTransitionError for an event the state does not accept. */
export function stepGroupState(groupId: string, snapshot: GroupSnapshot, event: GroupEvent): GroupSnapshot {
  if (!snapshot.can(event)) throw new IllegalGroupTransitionError(groupId, snapshot.value as GroupStateName, event.type)
  return getNextSnapshot(groupStateMachine, snapshot, event)
}

export function groupStateOf(snapshot: GroupSnapshot): GroupStateName {
  return snapshot.value as GroupStateName
}
