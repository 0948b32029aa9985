// The cluster as the UI draws it, built from a run: plain, structured-clonable data (it
// crosses from the worker to the page every frame). Everything here is read from the
// simulation and from core's state through snapshot() and sim/views.ts; no Kafka rule is
// decided here, only gathered.

import { CONTROLLER_ID, type BrokerStatus } from '../../sim/cluster.ts'
import { brokerReplicas, consumerGroups, topicConfig, type ConsumerGroupView } from '../../sim/views.ts'
import type { ConsumerStats, ProducerStats } from './clients.ts'
import type { Run, RunPosition } from './run.ts'
import { TOPIC } from './spec.ts'

export interface NodeView {
  /** "1".."9" for brokers, "controller-1". */
  id: string
  /** The process, as the simulation runs it. */
  process: 'up' | 'paused' | 'crashed'
  isolated: boolean
}

export interface BrokerView extends NodeView {
  brokerId: number
  /** cluster.snapshot()'s status: alive, crashed, paused, fenced or isolated. */
  status: BrokerStatus
  /** Whether the controller has it fenced (unknown while the controller is down: false). */
  fenced: boolean
}

export interface ControllerNodeView extends NodeView {
  metadataOffset: number | null
}

/** One replica as its broker holds it. */
export interface ReplicaLog {
  leo: number
  hw: number
  logStartOffset: number
  /** The broker's own belief. */
  role: 'leader' | 'follower'
  leaderEpoch: number
}

export interface PartitionView {
  partition: number
  /** From the controller's metadata; -1 for none. */
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  elr: number[]
  /** Per broker id, for running replicas. */
  logs: Record<string, ReplicaLog>
}

export interface ClusterView {
  position: RunPosition
  brokers: BrokerView[]
  controller: ControllerNodeView
  /** Whether `partitions` comes from a live controller (else from what the brokers last learned). */
  metadataFromController: boolean
  topic: string
  partitions: PartitionView[]
  network: { isolated: string[]; partition: string[][]; blocked: [string, string][] }
  producers: ProducerStats[]
  consumers: ConsumerStats[]
  /** Consumer groups, as their coordinators hold them (a group whose coordinator is down or loading is absent). */
  groups: ConsumerGroupView[]
  /** Effective topic config, null while the controller is down. */
  config: { minInsyncReplicas: number; uncleanElection: boolean } | null
}

export function clusterView(run: Run): ClusterView {
  const cluster = run.cluster
  const sim = cluster.sim
  const snapshot = cluster.snapshot()
  const faults = sim.network.faults()
  const isolated = new Set(faults.isolated.map(String))
  const controller = cluster.controller()
  const brokers: BrokerView[] = snapshot.brokers.map((b) => ({
    id: String(b.id),
    brokerId: b.id,
    process: sim.stateOf(b.id),
    isolated: isolated.has(String(b.id)),
    status: b.state,
    fenced: controller ? !controller.image.isUnfenced(b.id) : false,
  }))
  const replicas = brokerReplicas(cluster)
  const logsByPartition = new Map<number, Record<string, ReplicaLog>>()
  for (const r of replicas) {
    if (r.topic !== TOPIC) continue
    let logs = logsByPartition.get(r.partition)
    if (!logs) logsByPartition.set(r.partition, (logs = {}))
    logs[r.brokerId] = { leo: r.leo, hw: r.hw, logStartOffset: r.logStartOffset, role: r.role, leaderEpoch: r.leaderEpoch }
  }
  let partitions: PartitionView[]
  const topic = snapshot.topics[TOPIC]
  if (topic) {
    partitions = Object.entries(topic.partitions).map(([p, v]) => ({
      partition: Number(p),
      leader: v.leader,
      leaderEpoch: v.leaderEpoch,
      replicas: [...v.replicas],
      isr: [...v.isr],
      elr: [...v.elr],
      logs: logsByPartition.get(Number(p)) ?? {},
    }))
  } else {
    // The controller is down: show what the brokers hold, with no ISR or leader from metadata.
    partitions = [...logsByPartition.keys()].sort((a, b) => a - b).map((p) => ({
      partition: p,
      leader: -1,
      leaderEpoch: -1,
      replicas: Object.keys(logsByPartition.get(p)!).map(Number),
      isr: [],
      elr: [],
      logs: logsByPartition.get(p)!,
    }))
  }
  const config = topicConfig(cluster, TOPIC, ['min.insync.replicas', 'unclean.leader.election.enable'])
  return {
    position: run.position,
    brokers,
    controller: { id: CONTROLLER_ID, process: sim.stateOf(CONTROLLER_ID), isolated: isolated.has(CONTROLLER_ID), metadataOffset: snapshot.controller.metadataOffset },
    metadataFromController: topic !== undefined,
    topic: TOPIC,
    partitions,
    network: { isolated: faults.isolated.map(String), partition: faults.partition.map((g) => g.map(String)), blocked: faults.blocked.map(([a, b]) => [String(a), String(b)]) },
    producers: run.producers.map((p) => p.stats()),
    consumers: run.consumers.map((c) => c.stats()),
    groups: consumerGroups(snapshot),
    config: config ? { minInsyncReplicas: config['min.insync.replicas'] as number, uncleanElection: config['unclean.leader.election.enable'] as boolean } : null,
  }
}
