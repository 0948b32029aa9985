// Builders and a compact notation for assignor tests: "t-0" is partition 0 of topic t.

import type { AssignorMember, TopicPartitionRef } from '../../../core/group/assignors/types.ts'
import type { ServerAssignorMember } from '../../../core/group/assignors/server/types.ts'

export function tp(text: string): TopicPartitionRef {
  const i = text.lastIndexOf('-')
  return { topic: text.slice(0, i), partition: Number(text.slice(i + 1)) }
}

export function member(
  memberId: string,
  topics: string[],
  opts: { owned?: string[]; generation?: number; instance?: string } = {},
): AssignorMember {
  return {
    memberId,
    groupInstanceId: opts.instance ?? null,
    topics,
    ownedPartitions: (opts.owned ?? []).map(tp),
    generation: opts.generation ?? -1,
    rackId: null,
  }
}

export function serverMember(memberId: string, subscribedTopics: string[], assigned: string[] = []): ServerAssignorMember {
  return { memberId, instanceId: null, rackId: null, subscribedTopics, assignedPartitions: assigned.map(tp) }
}

/** memberId -> sorted "topic-partition" names, for toEqual against a hand-written expectation. */
export function names(assignment: Map<string, TopicPartitionRef[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [id, list] of assignment) {
    out[id] = list.map((t) => `${t.topic}-${t.partition}`).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  }
  return out
}

export function topics(...entries: Array<[string, number]>): Map<string, number> {
  return new Map(entries)
}
