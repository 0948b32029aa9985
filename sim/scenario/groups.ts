// Consumer groups in scenarios: members that subscribe with a group.id (the group
// coordinator assigns them partitions), the steps that add and remove members, and the
// group expectations (a state within a time, lag at most N). Kept apart from the rest of
// the engine: everything here reads the groups through cluster.snapshot().groups.

import type { GroupSnapshot } from '../cluster.ts'
import type { RunContext } from './context.ts'
import { durationMs, formatDuration } from './duration.ts'
import { counted, ms, type ArmedExpectation } from './expectations.ts'
import { findReprocessed, shortValue } from '../checkers/history.ts'
import type { ConsumerGroupSpec, Expectation, GroupMemberSpec } from './types.ts'

/** The group state is read at most this often while a groupState expectation waits (a snapshot is not free). */
const GROUP_WATCH_INTERVAL_MS = 5

/** A group's members at the start, each with its settings (a bare id takes the group's). */
export function memberSpecs(group: ConsumerGroupSpec): GroupMemberSpec[] {
  if (typeof group.members === 'number') return Array.from({ length: group.members }, (_, i) => ({ id: `${group.id}-${i + 1}` }))
  return group.members.map((m) => (typeof m === 'string' ? { id: m } : m))
}

/** The client ids of a group's members at the start. */
export function memberIds(group: ConsumerGroupSpec): string[] {
  return memberSpecs(group).map((m) => m.id)
}

/**
 * Adds one member of `group` now: a consumer with group.id, subscribed to the group's
 * topics, running its poll loop; the member's own processing time and config (merged
 * over the group's) come first.
 */
export function addGroupMember(run: RunContext, group: ConsumerGroupSpec, member: GroupMemberSpec): void {
  const commit = group.commit ?? 'auto'
  const processing = member.processingPerRecord ?? group.processingPerRecord
  run.cluster.addConsumer(member.id, {
    // commit: auto is Kafka's default (enable.auto.commit=true); sync and none turn it off.
    config: { ...(group.config ?? {}), ...(member.config ?? {}), 'group.id': group.id, 'enable.auto.commit': commit === 'auto' },
    subscribe: group.topics,
    app: {
      pollIntervalMs: 100,
      processingMsPerRecord: processing ? durationMs(processing) : 0,
      ...(commit === 'sync' ? { commitAfterProcessing: true } : {}),
    },
  })
  run.memberGroups.set(member.id, group.id)
}

export function startGroups(run: RunContext, groups: readonly ConsumerGroupSpec[]): void {
  for (const group of groups) for (const member of memberSpecs(group)) addGroupMember(run, group, member)
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

/** A partition a member gave up in a rebalance, and when it was owned again in the group. */
interface Revocation {
  member: string
  partition: string
  atMs: number
  reassignedAtMs?: number
}

/** Counts the partitions the group's members revoke (onPartitionsRevoked) from `afterMs`, and how long each then had no owner. */
function watchRevocations(run: RunContext, groupId: string, afterMs: number): Revocation[] {
  const revocations: Revocation[] = []
  run.cluster.trace.subscribe((record) => {
    const data = record.data as { groupId?: unknown; partitions?: unknown }
    if (data.groupId !== groupId || !Array.isArray(data.partitions) || typeof record.node !== 'string') return
    const atMs = record.time - run.startMs
    if (record.type === 'consumer-partitions-revoked' && atMs >= afterMs) {
      for (const partition of data.partitions as string[]) revocations.push({ member: record.node, partition, atMs })
    } else if (record.type === 'consumer-partitions-assigned') {
      for (const partition of data.partitions as string[]) {
        for (const r of revocations) if (r.partition === partition && r.reassignedAtMs === undefined) r.reassignedAtMs = atMs
      }
    }
  })
  return revocations
}

export function armGroupExpectation(run: RunContext, e: Expectation, label: string): ArmedExpectation | null {
  if ('reprocessed' in e) {
    return { label, verdict: () => {
      const found = findReprocessed(run.cluster.history.consumers(), run.memberGroups)
      return counted(e.reprocessed, found.length, 'records received by two or more members of one group', '',
        found.map((r) => `${r.group}: ${r.partition} offset ${r.offset} ${shortValue(r.value)} read by ${r.deliveries.map((d) => `${d.consumer} at ${ms(d.atMs - run.startMs)}`).join(', then ')}`))
    } }
  }
  if ('revoked' in e) {
    const { group: groupId, atLeast, atMost, after } = e.revoked
    const afterMs = after ? durationMs(after) : 0
    const revocations = watchRevocations(run, groupId, afterMs)
    return { label, verdict: () => {
      const endMs = run.now
      const gaps = revocations.map((r) => (r.reassignedAtMs ?? endMs) - r.atMs)
      const longest = gaps.length === 0 ? 0 : Math.max(...gaps)
      const longestAt = revocations[gaps.indexOf(longest)]
      const partitions = [...new Set(revocations.map((r) => r.partition))].sort()
      const context = revocations.length === 0 ? '' : `${partitions.length} distinct (${partitions.slice(0, 12).join(', ')}); the longest without an owner: ${longestAt!.partition}, ${ms(longest)}`
      return counted({ ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) }, revocations.length,
        `partitions revoked from members of ${groupId}${after ? ` after ${after}` : ''}`, context,
        revocations.map((r) => `${r.member} revoked ${r.partition} at ${ms(r.atMs)}; ${r.reassignedAtMs === undefined ? 'no member owned it again by the end' : `owned again at ${ms(r.reassignedAtMs)}`}`))
    } }
  }
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
