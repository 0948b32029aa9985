// Read-only views over a Cluster that observers need and `snapshot()` does not offer: each
// broker's own picture of the replicas it holds, a partition's records with which replicas
// hold each one and whether it is committed, the controller's metadata log, a topic's
// effective config, and which acknowledged records a partition's leader no longer holds.
// They read node state and never change it; the web app, lessons and reports share them.

import type { Broker } from '../core/broker/broker.ts'
import type { Partition } from '../core/broker/partition.ts'
import type { PartitionState } from '../core/metadata/image.ts'
import type { MetadataLogEntry } from '../core/metadata/records.ts'
import type { LogRecord, RecordBatch, RecordHeader } from '../core/records.ts'
import type { Cluster, ClusterSnapshot, GroupSnapshot } from './cluster.ts'

/** A replica as the broker holding it sees it (which may differ from the controller's view). */
export interface BrokerReplicaView {
  brokerId: number
  topic: string
  partition: number
  /** The broker's own role: a broker cut off from the controller may still think it leads. */
  role: 'leader' | 'follower'
  /** The leader this broker knows of, -1 for none. */
  leaderId: number
  leaderEpoch: number
  leo: number
  hw: number
  logStartOffset: number
  /** The leader's committed ISR, only on a broker that leads. */
  isr?: readonly number[]
  /** An ISR change the leader has asked the controller for and not yet heard back about. */
  pendingIsrChange?: 'pending-expand' | 'pending-shrink'
}

/** Every replica on every running broker, by broker id then partition. */
export function brokerReplicas(cluster: Cluster): BrokerReplicaView[] {
  const out: BrokerReplicaView[] = []
  for (const brokerId of cluster.brokerIds) {
    const broker = cluster.brokerNode(brokerId)
    if (!broker) continue
    for (const p of sortedPartitions(broker)) {
      const view: BrokerReplicaView = {
        brokerId,
        topic: p.topic,
        partition: p.partition,
        role: p.role,
        leaderId: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        leo: p.log.logEndOffset,
        hw: p.log.highWatermark,
        logStartOffset: p.log.logStartOffset,
      }
      if (p.isLeader) {
        view.isr = p.isr
        if (p.isrState.kind !== 'committed') view.pendingIsrChange = p.isrState.kind
      }
      out.push(view)
    }
  }
  return out
}

function sortedPartitions(broker: Broker): Partition[] {
  return [...broker.partitions.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
}

/** Whether a replica holds the record at an offset: the same one as the reference, another one, or none. */
export type Holding = 'same' | 'different' | 'missing'

export interface RecordView {
  offset: number
  key: string | null
  value: string | null
  headers: readonly RecordHeader[]
  /** CreateTime, simulated ms. */
  timestamp: number
  /** The epoch of the leader that appended it. */
  leaderEpoch: number
  /** Per running replica (broker id): does it hold this record? */
  holders: Record<string, Holding>
  /** Below the leader's high watermark: committed, visible to consumers, never to be lost by a clean election. */
  committed: boolean
}

export interface PartitionRecordsView {
  topic: string
  partition: number
  /** The controller's leader, -1 for none (or while the controller is down). */
  leader: number
  replicas: readonly number[]
  /** Brokers whose replica is running and readable. */
  readable: number[]
  /** The reference log's start and end, and the HW commitment is judged by. */
  logStartOffset: number
  logEndOffset: number
  highWatermark: number
  /** Where the reference log came from: the leader, or (without a leader) the longest replica. */
  reference: number | null
  records: RecordView[]
}

/**
 * A page of a partition's records, offsets [fromOffset, fromOffset + limit), merged over
 * every running replica. Each record is the reference replica's (the leader's, else the
 * longest log's) or, beyond its end, the first replica holding one; `holders` says which
 * replicas hold that same record. Commitment is judged by the leader's high watermark
 * (without a leader: the highest HW of any replica).
 */
export function partitionRecords(cluster: Cluster, topic: string, partition: number, fromOffset: number, limit: number): PartitionRecordsView {
  const key = `${topic}-${partition}`
  const state = controllerState(cluster, topic, partition)
  const replicas = state?.replicas ?? replicasFromBrokers(cluster, key)
  const leader = state?.leader ?? -1
  const logs = new Map<number, Partition>()
  for (const brokerId of replicas) {
    const p = cluster.brokerNode(brokerId)?.partitions.get(key)
    if (p) logs.set(brokerId, p)
  }
  let reference: number | null = logs.has(leader) ? leader : null
  if (reference === null) {
    for (const [brokerId, p] of logs) if (reference === null || p.log.logEndOffset > logs.get(reference)!.log.logEndOffset) reference = brokerId
  }
  const ref = reference === null ? undefined : logs.get(reference)
  let highWatermark = 0
  if (logs.has(leader)) highWatermark = logs.get(leader)!.log.highWatermark
  else for (const p of logs.values()) highWatermark = Math.max(highWatermark, p.log.highWatermark)
  let logStartOffset = ref ? ref.log.logStartOffset : 0
  let logEndOffset = 0
  for (const p of logs.values()) logEndOffset = Math.max(logEndOffset, p.log.logEndOffset)
  if (!ref) logStartOffset = 0
  const from = Math.max(0, Math.floor(fromOffset))
  const to = Math.min(logEndOffset, from + Math.max(0, Math.floor(limit)))
  const byReplica = new Map<number, Map<number, { batch: RecordBatch; record: LogRecord }>>()
  for (const [brokerId, p] of logs) byReplica.set(brokerId, recordsInRange(p.log.batches(), from, to))
  const order = reference === null ? [...logs.keys()] : [reference, ...[...logs.keys()].filter((b) => b !== reference)]
  const records: RecordView[] = []
  for (let offset = from; offset < to; offset++) {
    let chosen: { batch: RecordBatch; record: LogRecord } | undefined
    for (const brokerId of order) {
      chosen = byReplica.get(brokerId)!.get(offset)
      if (chosen) break
    }
    if (!chosen) continue // compacted away everywhere, or below every log's start
    const holders: Record<string, Holding> = {}
    for (const brokerId of logs.keys()) {
      const held = byReplica.get(brokerId)!.get(offset)
      holders[brokerId] = !held ? 'missing' : sameRecord(held, chosen) ? 'same' : 'different'
    }
    records.push({
      offset,
      key: chosen.record.key,
      value: chosen.record.value,
      headers: chosen.record.headers,
      timestamp: chosen.record.timestamp,
      leaderEpoch: chosen.batch.partitionLeaderEpoch,
      holders,
      committed: offset < highWatermark,
    })
  }
  return { topic, partition, leader, replicas, readable: [...logs.keys()], logStartOffset, logEndOffset, highWatermark, reference, records }
}

/** The partition as the controller's image has it; undefined while the controller is down. */
function controllerState(cluster: Cluster, topic: string, partition: number): PartitionState | undefined {
  return cluster.controller()?.image.topic(topic)?.partitions.get(partition)
}

/** Without the controller: the brokers that hold a replica (what they last learned). */
function replicasFromBrokers(cluster: Cluster, key: string): number[] {
  for (const id of cluster.brokerIds) {
    const replicas = cluster.brokerNode(id)?.partitions.get(key)?.replicas
    if (replicas && replicas.length > 0) return [...replicas]
  }
  return []
}

function recordsInRange(batches: readonly RecordBatch[], from: number, to: number): Map<number, { batch: RecordBatch; record: LogRecord }> {
  const out = new Map<number, { batch: RecordBatch; record: LogRecord }>()
  if (to <= from) return out
  // Batches are in offset order: skip to the first that may reach `from`.
  let lo = 0
  let hi = batches.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    const b = batches[mid]!
    if (b.baseOffset + b.lastOffsetDelta < from) lo = mid + 1
    else hi = mid
  }
  for (let i = lo; i < batches.length; i++) {
    const batch = batches[i]!
    if (batch.baseOffset >= to) break
    for (const record of batch.records) {
      const offset = batch.baseOffset + record.offsetDelta
      if (offset >= from && offset < to) out.set(offset, { batch, record })
    }
  }
  return out
}

function sameRecord(a: { batch: RecordBatch; record: LogRecord }, b: { batch: RecordBatch; record: LogRecord }): boolean {
  if (a.record === b.record) return true
  return (
    a.batch.partitionLeaderEpoch === b.batch.partitionLeaderEpoch &&
    a.record.key === b.record.key &&
    a.record.value === b.record.value &&
    a.record.timestamp === b.record.timestamp
  )
}

/** Up to `max` entries of the controller's metadata log from `fromOffset` on; null while the controller is down. */
export function metadataLog(cluster: Cluster, fromOffset: number, max: number): { entries: MetadataLogEntry[]; endOffset: number } | null {
  const controller = cluster.controller()
  if (!controller) return null
  return { entries: controller.metadataLogEntries(Math.max(0, Math.floor(fromOffset)), Math.max(0, Math.floor(max))), endOffset: controller.image.offset + 1 }
}

/** The effective values of a topic's configs, as the controller resolves them; null while it is down or the topic is unknown. */
export function topicConfig(cluster: Cluster, topic: string, names: readonly string[]): Record<string, unknown> | null {
  const controller = cluster.controller()
  if (!controller || !controller.image.topic(topic)) return null
  const config = controller.topicConfig(topic) as unknown as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const name of names) out[name] = config[name]
  return out
}

/** An acknowledged record, as a client saw its acknowledgement. */
export interface AcknowledgedRecord {
  offset: number
  value: string | null
  acks: number
}

/**
 * The acknowledged records the partition's current leader does not hold at their offset:
 * lost writes. Null when there is no leader to ask (no verdict yet). Records below the
 * leader's log start (deleted by retention) are not counted as lost.
 */
export function acknowledgedMissing(cluster: Cluster, topic: string, partition: number, acknowledged: readonly AcknowledgedRecord[]): AcknowledgedRecord[] | null {
  const state = controllerState(cluster, topic, partition)
  if (!state || state.leader < 0) return null
  const p = cluster.brokerNode(state.leader)?.partitions.get(`${topic}-${partition}`)
  if (!p || !p.isLeader) return null
  const values = new Map<number, string | null>()
  for (const batch of p.log.batches()) for (const r of batch.records) values.set(batch.baseOffset + r.offsetDelta, r.value)
  return acknowledged.filter((a) => a.offset >= p.log.logStartOffset && (!values.has(a.offset) || values.get(a.offset) !== a.value))
}

/**
 * Whether the partition's current leader holds `value` at `offset`: true, false (a lost
 * write, if it was acknowledged), or null when there is no leader to ask. Offsets below
 * the leader's log start (deleted by retention) count as held.
 */
export function leaderHolds(cluster: Cluster, topic: string, partition: number, offset: number, value: string | null): boolean | null {
  const state = controllerState(cluster, topic, partition)
  if (!state || state.leader < 0) return null
  const p = cluster.brokerNode(state.leader)?.partitions.get(`${topic}-${partition}`)
  if (!p || !p.isLeader) return null
  const log = p.log
  if (offset < log.logStartOffset) return true
  if (offset >= log.logEndOffset) return false
  for (const batch of log.read(offset, 0, log.logEndOffset)) {
    for (const r of batch.records) if (batch.baseOffset + r.offsetDelta === offset) return r.value === value
  }
  return false
}

/** A member of a consumer group, as its coordinator holds it. */
export interface GroupMemberView {
  memberId: string
  clientId: string
  groupInstanceId: string | null
  /** The partitions the leader's assignment gave it (the consumer protocol's Assignment); empty while none is synced. */
  partitions: { topic: string; partition: number }[]
}

/** A partition the group owns or has committed: who owns it, its committed offset and lag. */
export interface GroupPartitionView {
  topic: string
  partition: number
  /** The member assigned it in the current generation, null for none. */
  owner: string | null
  /** The group's committed offset (OffsetCommit), null when none is committed. */
  committed: number | null
  /** The partition leader's high watermark (what a consumer can read), null when unknown. */
  logEndOffset: number | null
  /** logEndOffset - committed, null when either is unknown. */
  lag: number | null
}

/** A group as its coordinator holds it (cluster.snapshot()'s GroupSnapshot), with the members' assignments read and a row per partition. */
export type ConsumerGroupView = Pick<GroupSnapshot, 'state' | 'protocolType' | 'protocol' | 'generation' | 'leader' | 'coordinator' | 'lag'> & {
  groupId: string
  members: GroupMemberView[]
  partitions: GroupPartitionView[]
}

/** The consumer protocol's Assignment carried by SyncGroup ({ partitions: [{ topic, partition }] }); anything else reads as none. */
function assignedPartitions(assignment: unknown): { topic: string; partition: number }[] {
  const partitions = (assignment as { partitions?: unknown } | null)?.partitions
  if (!Array.isArray(partitions)) return []
  return partitions
    .filter((p): p is { topic: string; partition: number } => typeof p?.topic === 'string' && Number.isInteger(p?.partition))
    .map((p) => ({ topic: p.topic, partition: p.partition }))
}

/**
 * Every consumer group the live coordinators hold, from a cluster snapshot: members with
 * their assigned partitions, and per partition its owner, committed offset and lag.
 */
export function consumerGroups(snapshot: ClusterSnapshot): ConsumerGroupView[] {
  return Object.entries(snapshot.groups).map(([groupId, g]) => {
    const members = g.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, groupInstanceId: m.groupInstanceId, partitions: assignedPartitions(m.assignment) }))
    const rows = new Map<string, GroupPartitionView>()
    const row = (topic: string, partition: number): GroupPartitionView => {
      const key = `${topic}-${partition}`
      let r = rows.get(key)
      if (!r) {
        const state = snapshot.topics[topic]?.partitions[partition]
        const logEndOffset = state ? (state.replicaLogs[state.leader]?.hw ?? null) : null
        rows.set(key, (r = { topic, partition, owner: null, committed: null, logEndOffset, lag: null }))
      }
      return r
    }
    for (const m of members) for (const p of m.partitions) row(p.topic, p.partition).owner = m.memberId
    for (const [key, o] of Object.entries(g.offsets)) {
      const dash = key.lastIndexOf('-')
      const r = row(key.slice(0, dash), Number(key.slice(dash + 1)))
      r.committed = o.committed
      r.logEndOffset = o.logEndOffset
      r.lag = o.lag
    }
    const partitions = [...rows.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
    return { groupId, state: g.state, protocolType: g.protocolType, protocol: g.protocol, generation: g.generation, leader: g.leader, coordinator: g.coordinator, members, partitions, lag: g.lag }
  })
}
