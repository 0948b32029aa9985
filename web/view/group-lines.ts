// The assignment drawing of the consumer-groups inspector: members in a column on the
// left, the topic's partitions on the right, a line from each member to each partition
// the group's current assignment gives it.

import type { ConsumerGroupView } from '../../sim/views.ts'

export interface AssignmentLines {
  width: number
  height: number
  memberWidth: number
  partitionWidth: number
  members: { memberId: string; clientId: string; y: number }[]
  partitions: { partition: number; y: number; owned: boolean }[]
  links: { memberId: string; partition: number; path: string }[]
}

const WIDTH = 400
const MEMBER_W = 150
const PARTITION_W = 78
const PARTITION_STEP = 16
const MEMBER_STEP = 30
const PAD = 10

export function assignmentLines(group: ConsumerGroupView, topic: string, partitionCount: number): AssignmentLines {
  const height = Math.max(PAD * 2 + partitionCount * PARTITION_STEP, PAD * 2 + group.members.length * MEMBER_STEP)
  const partitionY = (p: number) => PAD + PARTITION_STEP / 2 + p * PARTITION_STEP
  // Members are spread over the height, so lines fan out rather than bunch at the top.
  const memberStep = group.members.length > 0 ? (height - PAD * 2) / group.members.length : MEMBER_STEP
  const members = group.members.map((m, i) => ({ memberId: m.memberId, clientId: m.clientId, y: PAD + memberStep * (i + 0.5) }))
  const owned = new Set<number>()
  const links: AssignmentLines['links'] = []
  const x1 = 2 + MEMBER_W
  const x2 = WIDTH - PARTITION_W - 2
  group.members.forEach((m, i) => {
    for (const p of m.partitions) {
      if (p.topic !== topic || p.partition < 0 || p.partition >= partitionCount) continue
      owned.add(p.partition)
      const y1 = members[i]!.y
      const y2 = partitionY(p.partition)
      const mid = (x1 + x2) / 2
      links.push({ memberId: m.memberId, partition: p.partition, path: `M ${x1} ${y1.toFixed(1)} C ${mid} ${y1.toFixed(1)}, ${mid} ${y2.toFixed(1)}, ${x2} ${y2.toFixed(1)}` })
    }
  })
  const partitions = Array.from({ length: partitionCount }, (_, p) => ({ partition: p, y: partitionY(p), owned: owned.has(p) }))
  return { width: WIDTH, height, memberWidth: MEMBER_W, partitionWidth: PARTITION_W, members, partitions, links }
}
