// Consumer groups in scenarios: members that subscribe with a group.id (the group
// coordinator assigns them partitions), the steps that add and remove members, and the
// group expectations (a state within a time, lag at most N). Kept apart from the rest of
// the engine: everything here reads the groups through cluster.snapshot().groups.

import type { GroupSnapshot } from '../cluster.ts'
import type { RunContext } from './context.ts'
import { durationMs, formatDuration } from './duration.ts'
import type { ArmedExpectation } from './expectations.ts'
import type { ConsumerGroupSpec, Expectation } from './types.ts'

/** The group state is read at most this often while a groupState expectation waits (a snapshot is not free). */
const GROUP_WATCH_INTERVAL_MS = 5

/** The client ids of a group's members at the start. */
export function memberIds(group: ConsumerGroupSpec): string[] {
  return typeof group.members === 'number' ? Array.from({ length: group.members }, (_, i) => `${group.id}-${i + 1}`) : group.members
}

/** Adds one member of `group` now: a consumer with group.id, subscribed to the group's topics, running its poll loop. */
export function addGroupMember(run: RunContext, group: ConsumerGroupSpec, id: string): void {
  const commit = group.commit ?? 'auto'
  run.cluster.addConsumer(id, {
    // commit: auto is Kafka's default (enable.auto.commit=true); sync and none turn it off.
    config: { ...(group.config ?? {}), 'group.id': group.id, 'enable.auto.commit': commit === 'auto' },
    subscribe: group.topics,
    app: {
      pollIntervalMs: 100,
      processingMsPerRecord: group.processingPerRecord ? durationMs(group.processingPerRecord) : 0,
      ...(commit === 'sync' ? { commitAfterProcessing: true } : {}),
    },
  })
}

export function startGroups(run: RunContext, groups: readonly ConsumerGroupSpec[]): void {
  for (const group of groups) for (const id of memberIds(group)) addGroupMember(run, group, id)
}

/** The member leaves the group (KafkaConsumer.unsubscribe sends LeaveGroup); its process stays up, idle. */
export function removeGroupMember(run: RunContext, id: string): void {
  run.cluster.sim.command(id, { op: 'unsubscribe' })
}

function group(run: RunContext, id: string): GroupSnapshot | undefined {
  return run.cluster.snapshot().groups[id]
}

/** The broker coordinating a group now ("coordinator of group g"); throws when none does. */
export function coordinatorOf(run: RunContext, groupId: string): number {
  const found = group(run, groupId)
  if (!found) throw new Error(`coordinator of group ${groupId}: no live broker coordinates it now`)
  return found.coordinator
}

export function armGroupExpectation(run: RunContext, e: Expectation, label: string): ArmedExpectation | null {
  if ('groupState' in e) {
    const { group: groupId, is, within } = e.groupState
    if (within === undefined) {
      return { label, verdict: () => {
        const state = group(run, groupId)?.state ?? 'unknown (no coordinator)'
        return { passed: state === is, figures: `at the end group ${groupId} is ${state} (expected ${is})` }
      } }
    }
    const limitMs = durationMs(within)
    let reachedAtMs: number | undefined
    let lastState = 'unknown'
    let lastCheckMs = -Infinity
    const detach = run.cluster.sim.afterEachEvent(() => {
      if (run.now < lastCheckMs + GROUP_WATCH_INTERVAL_MS) return
      lastCheckMs = run.now
      lastState = group(run, groupId)?.state ?? 'unknown'
      if (lastState === is) {
        reachedAtMs = run.now
        detach()
      } else if (run.now > limitMs) detach()
    })
    return { label, verdict: () => {
      const passed = reachedAtMs !== undefined && reachedAtMs <= limitMs
      return {
        passed,
        figures: reachedAtMs === undefined
          ? `group ${groupId} was never ${is} within ${within} (last seen ${lastState})`
          : `group ${groupId} was ${is} at ${formatDuration(Math.round(reachedAtMs))} (expected within ${within})`,
      }
    } }
  }
  if ('lag' in e) {
    const { group: groupId, atMost, partition } = e.lag
    return { label, verdict: () => {
      const found = group(run, groupId)
      if (!found) return { passed: false, figures: `group ${groupId}: no live broker coordinates it at the end` }
      const lag = partition === undefined ? found.lag : found.offsets[partition]?.lag ?? null
      const where = partition === undefined ? `group ${groupId}` : `group ${groupId} on ${partition}`
      if (lag === null) return { passed: false, figures: `${where}: no committed offset or no known log end at the end` }
      return {
        passed: lag <= atMost,
        figures: `${where} lags ${lag} records at the end (expected at most ${atMost})`,
        details: Object.entries(found.offsets).map(([p, o]) => `${p}: committed ${o.committed}, log end ${o.logEndOffset ?? 'unknown'}, lag ${o.lag ?? 'unknown'}`).slice(0, 10),
      }
    } }
  }
  return null
}
