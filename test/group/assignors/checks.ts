// Invariant checkers for assignments. Each returns a description of the first violation, or
// null. Kept apart from the property tests so that their positive controls exercise the same code.

import type { AssignorMember, GroupAssignmentInput, TopicPartitionRef } from '../../../core/group/assignors/types.ts'

type Assignment = Map<string, TopicPartitionRef[]>
const key = (tp: TopicPartitionRef): string => `${tp.topic}-${tp.partition}`

/** The partitions some member subscribes to, of topics the cluster knows. */
export function subscribedPartitions(input: GroupAssignmentInput): string[] {
  const topics = new Set(input.members.flatMap((m) => m.topics))
  const out: string[] = []
  for (const t of topics) for (let p = 0; p < (input.partitionsPerTopic.get(t) ?? 0); p++) out.push(`${t}-${p}`)
  return out
}

/** Every member present; no partition twice; only subscribers; `complete`: every subscribed partition assigned. */
export function checkOwnership(input: GroupAssignmentInput, result: Assignment, complete: boolean): string | null {
  const byId = new Map(input.members.map((m) => [m.memberId, m]))
  for (const m of input.members) if (!result.has(m.memberId)) return `member ${m.memberId} missing from the result`
  const seen = new Map<string, string>()
  for (const [id, list] of result) {
    const m = byId.get(id)
    if (m === undefined) return `result names unknown member ${id}`
    for (const tp of list) {
      if (!m.topics.includes(tp.topic)) return `${key(tp)} given to ${id}, which does not subscribe ${tp.topic}`
      if (tp.partition >= (input.partitionsPerTopic.get(tp.topic) ?? 0)) return `${key(tp)} does not exist`
      const other = seen.get(key(tp))
      if (other !== undefined) return `${key(tp)} given to both ${other} and ${id}`
      seen.set(key(tp), id)
    }
  }
  if (complete) for (const k of subscribedPartitions(input)) if (!seen.has(k)) return `${k} assigned to nobody`
  return null
}

function counts(result: Assignment): Map<string, number> {
  return new Map([...result].map(([id, l]) => [id, l.length]))
}

/** Counts differ by at most one (for groups whose members subscribe the same topics). */
export function checkEvenCounts(result: Assignment): string | null {
  const c = [...counts(result).values()]
  if (c.length === 0) return null
  const min = Math.min(...c)
  const max = Math.max(...c)
  return max - min <= 1 ? null : `counts range from ${min} to ${max}`
}

/**
 * Kafka's isBalanced for different subscriptions: no partition could move to another subscriber
 * of its topic holding at least two fewer partitions than its owner.
 */
export function checkNoImprovingMove(input: GroupAssignmentInput, result: Assignment): string | null {
  const c = counts(result)
  for (const [owner, list] of result) {
    for (const tp of list) {
      for (const m of input.members) {
        if (m.memberId !== owner && m.topics.includes(tp.topic) && c.get(m.memberId)! + 1 < c.get(owner)!) {
          return `${key(tp)} could move from ${owner} (${c.get(owner)}) to ${m.memberId} (${c.get(m.memberId)})`
        }
      }
    }
  }
  return null
}

/** Per topic, its subscribers' counts of that topic differ by at most one (range's promise). */
export function checkEvenPerTopic(input: GroupAssignmentInput, result: Assignment): string | null {
  for (const topic of new Set(input.members.flatMap((m) => m.topics))) {
    if (!input.partitionsPerTopic.has(topic)) continue
    const c = input.members.filter((m) => m.topics.includes(topic)).map((m) => result.get(m.memberId)!.filter((tp) => tp.topic === topic).length)
    if (Math.max(...c) - Math.min(...c) > 1) return `topic ${topic}: subscriber counts ${c.join(', ')}`
  }
  return null
}

/**
 * Stickiness with identical subscriptions and disjoint claims: each member keeps at least
 * min(its valid owned partitions, floor(P / M)) of them.
 */
export function checkKeepsOwned(input: GroupAssignmentInput, result: Assignment): string | null {
  const total = subscribedPartitions(input).length
  const minQuota = Math.floor(total / input.members.length)
  for (const m of input.members) {
    const owned = new Set(m.ownedPartitions.filter((tp) => m.topics.includes(tp.topic) && tp.partition < (input.partitionsPerTopic.get(tp.topic) ?? 0)).map(key))
    const kept = result.get(m.memberId)!.filter((tp) => owned.has(key(tp))).length
    if (kept < Math.min(owned.size, minQuota)) return `${m.memberId} kept ${kept} of its ${owned.size} partitions; minQuota ${minQuota}`
  }
  return null
}

/**
 * Cooperative result against the eager sticky one, for disjoint claims: the result is the eager
 * one minus the withheld partitions, and a partition is withheld exactly when a member other
 * than its new owner owns it now.
 */
export function checkWithheld(members: AssignorMember[], eager: Assignment, cooperative: Assignment): string | null {
  const ownerNow = new Map<string, string>()
  for (const m of members) for (const tp of m.ownedPartitions) ownerNow.set(key(tp), m.memberId)
  for (const [id, list] of eager) {
    const given = new Set(cooperative.get(id)!.map(key))
    for (const tp of list) {
      const movesFromOther = ownerNow.has(key(tp)) && ownerNow.get(key(tp)) !== id
      if (movesFromOther && given.has(key(tp))) return `${key(tp)} moves from ${ownerNow.get(key(tp))} to ${id} but was not withheld`
      if (!movesFromOther && !given.has(key(tp))) return `${key(tp)} withheld from ${id} though no other member owns it`
    }
    const eagerKeys = new Set(list.map(key))
    for (const k of given) if (!eagerKeys.has(k)) return `${k} given to ${id} by the cooperative result only`
  }
  return null
}

/** Same input, and the members in another order: the same assignment. */
export function checkOrderIndependent(assign: (input: GroupAssignmentInput) => Assignment, input: GroupAssignmentInput): string | null {
  const canonical = (a: Assignment): string => JSON.stringify([...a].sort(([x], [y]) => (x < y ? -1 : 1)).map(([id, l]) => [id, l.map(key).sort()]))
  const first = canonical(assign(input))
  if (canonical(assign(input)) !== first) return 'two runs on the same input differ'
  const reversed = canonical(assign({ ...input, members: [...input.members].reverse() }))
  if (reversed !== first) return 'reversing the member order changes the assignment'
  return null
}
