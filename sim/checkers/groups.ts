// Consumer group checkers (issue 5): they read the trace the coordinators and consumers
// write, never the nodes' state, and never change anything.
//
// - single-owner-per-generation: no partition is assigned to two members of one generation
//   (from the assignments the members received: consumer-assignment-received).
// - generations-grow: a group's Stable generations strictly increase (group-stable), and a
//   member never joins a generation older than one it joined before (consumer-joined).
// - committed-offsets-monotonic: a group's committed offset of a partition never goes back
//   (group-offsets-committed), unless a member of the group seeked (consumer-seek resets
//   the floor of the partitions it names).
// - convergence (checkGroupConvergence, run after churn stops): the group reaches Stable
//   with every partition of its topics assigned, within a bound of simulated time.
// The consumer protocol (KIP-848) has no generations; its members carry member epochs:
// - single-owner-per-generation also reads its consumers' consumer-assignment-received, whose
//   generationId is the member epoch: no partition goes to two members at one member epoch.
// - single-owner-at-once: from the coordinator's committed member assignments
//   (consumer-group-member-assignment, consumer-group-member-removed), no partition is owned,
//   or still being revoked, by two members of a group at the same time.
// - generations-grow also checks that a consumer group's epoch only grows (consumer-group-epoch).

import type { Cluster } from '../cluster.ts'
import type { TraceRecord } from '../trace.ts'

export type GroupCheckerName = 'single-owner-per-generation' | 'single-owner-at-once' | 'generations-grow' | 'committed-offsets-monotonic' | 'convergence'

export interface GroupViolation {
  checker: GroupCheckerName
  timeMs: number
  message: string
  state: Record<string, unknown>
}

export class GroupCheckers {
  readonly violations: GroupViolation[] = []
  /** group -> generation -> partition -> the member (client) it was given to. */
  private readonly owners = new Map<string, Map<number, Map<string, string>>>()
  private readonly lastStable = new Map<string, number>()
  private readonly joinedGeneration = new Map<string, number>()
  /** group -> partition -> the highest committed offset seen. */
  private readonly committed = new Map<string, Map<string, number>>()
  /** consumer client id -> its group, for seeks. */
  private readonly groupOfClient = new Map<string, string>()
  private detach: (() => void) | null = null
  /** Consumer groups: group -> partition -> the member that owns it now (per the coordinator). */
  private readonly ownerNow = new Map<string, Map<string, string>>()
  private readonly groupEpoch = new Map<string, number>()

  constructor(private readonly maxViolations = 100) {}

  /** Checks every trace record the cluster writes from now on. */
  attach(cluster: Cluster): this {
    this.detach = cluster.trace.subscribe((record) => this.observe(record))
    return this
  }

  stop(): void {
    this.detach?.()
    this.detach = null
  }

  observe(record: TraceRecord): void {
    const data = record.data as Record<string, unknown>
    switch (record.type) {
      case 'consumer-assignment-received':
        return this.onAssignment(record, data as { groupId: string; generationId: number; assigned: string[] })
      case 'consumer-joined': {
        const { groupId, generationId } = data as { groupId: string; generationId: number }
        const client = String(record.node)
        this.groupOfClient.set(client, groupId)
        const key = `${groupId}\u0000${client}`
        const before = this.joinedGeneration.get(key)
        if (before !== undefined && generationId < before) {
          this.report('generations-grow', record, `${client} joined generation ${generationId} of group ${groupId} after generation ${before}`, { groupId, client, before, generationId })
        }
        this.joinedGeneration.set(key, Math.max(before ?? generationId, generationId))
        return
      }
      case 'group-stable': {
        const { groupId, generationId } = data as { groupId: string; generationId: number }
        const before = this.lastStable.get(groupId)
        if (before !== undefined && generationId <= before) {
          this.report('generations-grow', record, `group ${groupId} became Stable at generation ${generationId} after Stable generation ${before}`, { groupId, before, generationId })
        }
        this.lastStable.set(groupId, Math.max(before ?? generationId, generationId))
        return
      }
      case 'group-offsets-committed': {
        const { groupId, offsets } = data as { groupId: string; offsets: Record<string, number> }
        let floors = this.committed.get(groupId)
        if (!floors) this.committed.set(groupId, (floors = new Map()))
        for (const [partition, offset] of Object.entries(offsets)) {
          const floor = floors.get(partition)
          if (floor !== undefined && offset < floor) {
            this.report('committed-offsets-monotonic', record, `group ${groupId} committed ${partition} at ${offset}, below its earlier commit ${floor}`, { groupId, partition, floor, offset, by: data.memberId })
          }
          floors.set(partition, Math.max(floor ?? offset, offset))
        }
        return
      }
      case 'consumer-group-member-assignment':
        return this.onMemberAssignment(record, data as { groupId: string; memberId: string; memberEpoch: number; assigned: string[]; pendingRevocation: string[] })
      case 'consumer-group-member-removed': {
        const owners = this.ownerNow.get(data.groupId as string)
        if (owners) for (const [partition, owner] of [...owners]) if (owner === data.memberId) owners.delete(partition)
        return
      }
      case 'consumer-group-epoch': {
        const { groupId, groupEpoch } = data as { groupId: string; groupEpoch: number }
        const before = this.groupEpoch.get(groupId)
        if (before !== undefined && groupEpoch <= before) {
          this.report('generations-grow', record, `consumer group ${groupId} moved to epoch ${groupEpoch} after epoch ${before}`, { groupId, before, groupEpoch })
        }
        this.groupEpoch.set(groupId, Math.max(before ?? groupEpoch, groupEpoch))
        return
      }
      case 'group-deleted': {
        // DeleteGroups removed the group and its offsets: a group later made under the same id
        // starts over (generation, epoch and committed offsets from nothing).
        const groupId = data.groupId as string
        for (const map of [this.owners, this.lastStable, this.committed, this.ownerNow, this.groupEpoch]) map.delete(groupId)
        for (const key of [...this.joinedGeneration.keys()]) if (key.startsWith(`${groupId}\u0000`)) this.joinedGeneration.delete(key)
        return
      }
      case 'consumer-seek': {
        const groupId = this.groupOfClient.get(String(record.node))
        const floors = groupId === undefined ? undefined : this.committed.get(groupId)
        if (!floors) return
        const named = (data.partitions as string[] | undefined) ?? (typeof data.partition === 'string' ? [data.partition] : [])
        for (const partition of named) floors.delete(partition)
        return
      }
    }
  }

  private onAssignment(record: TraceRecord, data: { groupId: string; generationId: number; assigned: string[] }): void {
    if (data.generationId < 0) return
    const client = String(record.node)
    this.groupOfClient.set(client, data.groupId)
    let generations = this.owners.get(data.groupId)
    if (!generations) this.owners.set(data.groupId, (generations = new Map()))
    let owners = generations.get(data.generationId)
    if (!owners) generations.set(data.generationId, (owners = new Map()))
    for (const partition of data.assigned) {
      const owner = owners.get(partition)
      if (owner !== undefined && owner !== client) {
        this.report('single-owner-per-generation', record, `${partition} of group ${data.groupId} was given to ${owner} and ${client} in generation ${data.generationId}`, {
          groupId: data.groupId,
          generationId: data.generationId,
          partition,
          owners: [owner, client],
        })
      }
      owners.set(partition, client)
    }
  }

  private onMemberAssignment(record: TraceRecord, data: { groupId: string; memberId: string; memberEpoch: number; assigned: string[]; pendingRevocation: string[] }): void {
    let owners = this.ownerNow.get(data.groupId)
    if (!owners) this.ownerNow.set(data.groupId, (owners = new Map()))
    for (const [partition, owner] of [...owners]) if (owner === data.memberId) owners.delete(partition)
    for (const partition of [...data.assigned, ...data.pendingRevocation]) {
      const owner = owners.get(partition)
      if (owner !== undefined && owner !== data.memberId) {
        this.report('single-owner-at-once', record, `${partition} of consumer group ${data.groupId} was given to ${data.memberId} (epoch ${data.memberEpoch}) while ${owner} still owned it`, {
          groupId: data.groupId,
          partition,
          owners: [owner, data.memberId],
          memberEpoch: data.memberEpoch,
        })
      }
      owners.set(partition, data.memberId)
    }
  }

  private report(checker: GroupCheckerName, record: TraceRecord, message: string, state: Record<string, unknown>): void {
    if (this.violations.length >= this.maxViolations) return
    this.violations.push({ checker, timeMs: record.time, message, state })
  }
}

/**
 * Convergence: runs the cluster up to `boundMs` until the group is Stable with every
 * partition of `topics` assigned once; returns null, or the reason it did not get there.
 */
export function checkGroupConvergence(cluster: Cluster, groupId: string, topics: readonly string[], boundMs: number): string | null {
  const status = (): string | null => {
    const snapshot = cluster.snapshot()
    const group = snapshot.groups[groupId]
    if (!group) return `group ${groupId} has no live, loaded coordinator`
    if (group.state !== 'Stable') return `group ${groupId} is ${group.state} (generation ${group.generation})`
    if (group.members.length === 0) return `group ${groupId} has no members`
    const assigned = group.members.flatMap((m) => ((m.assignment as { partitions?: { topic: string; partition: number }[] } | null)?.partitions ?? []).map((p) => `${p.topic}-${p.partition}`))
    const expected = topics.flatMap((t) => Object.keys(snapshot.topics[t]?.partitions ?? {}).map((p) => `${t}-${p}`))
    const missing = expected.filter((p) => !assigned.includes(p))
    if (missing.length > 0) return `group ${groupId} is Stable but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not assigned`
    if (new Set(assigned).size !== assigned.length) return `group ${groupId} assigns a partition twice`
    return null
  }
  const deadline = cluster.now + boundMs
  let reason = status()
  while (reason !== null && cluster.now < deadline) {
    cluster.advance(Math.min(500, deadline - cluster.now))
    reason = status()
  }
  return reason === null ? null : `${reason} after ${boundMs} ms without churn`
}
