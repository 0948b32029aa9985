// How a replica is drawn: its role as the controller's metadata states it (leader, in the
// ISR, out of it, or offline), and the numbers its bars show. Presentation only: the roles
// are read from the metadata, not decided here.

import type { LogLine } from '../engine/format.ts'
import type { BrokerView, ClusterView, PartitionView } from '../engine/view.ts'

export type ReplicaRole = 'leader' | 'in-sync' | 'out-of-sync' | 'offline'

export const ROLE_LABEL: Record<ReplicaRole, string> = {
  leader: 'leader',
  'in-sync': 'in-sync follower',
  'out-of-sync': 'out-of-sync follower',
  offline: 'offline',
}

export interface ReplicaTile {
  /** "orders-3@2": partition 3 on broker 2. */
  key: string
  partition: number
  label: string
  role: ReplicaRole
  leo: number | null
  hw: number | null
  /** The partition's largest LEO over its replicas (the bars' scale). */
  scale: number
  /** The broker still believes it leads, though the metadata names another leader (or none). */
  staleLeader: boolean
  leaderEpoch: number | null
  truncatedRecently: boolean
  description: string
}

export function replicaRole(p: PartitionView, broker: BrokerView): ReplicaRole {
  if (broker.process === 'crashed' || !p.logs[broker.id]) return 'offline'
  if (p.leader === broker.brokerId) return 'leader'
  if (p.isr.includes(broker.brokerId)) return 'in-sync'
  return 'out-of-sync'
}

export function partitionScale(p: PartitionView): number {
  let max = 0
  for (const log of Object.values(p.logs)) max = Math.max(max, log.leo)
  return max
}

/** Replica tiles for one broker, in partition order. */
export function tilesFor(view: ClusterView, broker: BrokerView, truncated: ReadonlySet<string>): ReplicaTile[] {
  const tiles: ReplicaTile[] = []
  for (const p of view.partitions) {
    if (!p.replicas.includes(broker.brokerId)) continue
    const role = replicaRole(p, broker)
    const log = p.logs[broker.id]
    const key = `${view.topic}-${p.partition}@${broker.brokerId}`
    const staleLeader = log !== undefined && log.role === 'leader' && p.leader !== broker.brokerId
    const scale = partitionScale(p)
    const parts = [`${view.topic}-${p.partition} on broker ${broker.brokerId}: ${ROLE_LABEL[role]}`]
    if (log) parts.push(`log end offset ${log.leo}, high watermark ${log.hw}`)
    if (log && scale > log.leo) parts.push(`${scale - log.leo} behind the longest replica`)
    if (staleLeader) parts.push(`still thinks it leads (epoch ${log!.leaderEpoch})`)
    tiles.push({
      key,
      partition: p.partition,
      label: String(p.partition),
      role,
      leo: log ? log.leo : null,
      hw: log ? log.hw : null,
      scale,
      staleLeader,
      leaderEpoch: log ? log.leaderEpoch : null,
      truncatedRecently: truncated.has(`${view.topic}-${p.partition}@${broker.brokerId}`),
      description: parts.join('; '),
    })
  }
  return tiles
}

/** Replicas ("orders-3@2") that truncated within `windowMs` before `nowMs`, from the event log. */
export function recentTruncations(log: readonly LogLine[], nowMs: number, windowMs: number): Set<string> {
  const out = new Set<string>()
  for (let i = log.length - 1; i >= 0; i--) {
    const line = log[i]!
    if (line.timeMs > nowMs) continue
    if (line.timeMs < nowMs - windowMs) break
    if (line.type === 'replica-truncated' && line.partition) out.add(`${line.partition}@${line.node}`)
  }
  return out
}

export interface RoleCounts {
  leader: number
  'in-sync': number
  'out-of-sync': number
  offline: number
}

export function roleCounts(tiles: readonly ReplicaTile[]): RoleCounts {
  const counts: RoleCounts = { leader: 0, 'in-sync': 0, 'out-of-sync': 0, offline: 0 }
  for (const t of tiles) counts[t.role]++
  return counts
}

/** A partition's health in words, for the topics table. */
export function partitionHealth(p: PartitionView, minIsr: number | null): string {
  if (p.leader < 0) return 'offline (no leader)'
  const problems: string[] = []
  if (p.isr.length < p.replicas.length) problems.push('under-replicated')
  if (minIsr !== null && p.isr.length < minIsr) problems.push('below min ISR')
  return problems.length === 0 ? 'healthy' : problems.join(', ')
}

/** How far a broker's replicas are behind the longest replica of their partitions, in records. */
export function behind(tiles: readonly ReplicaTile[]): { max: number; total: number } {
  let max = 0
  let total = 0
  for (const t of tiles) {
    if (t.leo === null) continue
    const gap = t.scale - t.leo
    max = Math.max(max, gap)
    total += gap
  }
  return { max, total }
}
