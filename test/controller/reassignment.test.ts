// Partition reassignment (ReplicationControlManager.alterPartitionReassignments,
// PartitionReassignmentReplicas, PartitionReassignmentRevert, and
// PartitionChangeBuilder.completeReassignmentIfNeeded): replicas = target + removing while
// the new replicas catch up; completion once the ISR holds every target replica, in the
// same record that adds the last one; cancel reverts.

import { describe, expect, it } from 'vitest'
import { KafkaError } from '../../core/errors.ts'
import type { AlterPartitionResponse } from '../../core/protocol.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { changesOf, controllerPartition, logsOnDisk, recordEvents, recordMetadata, runUntil } from './support.ts'

const NO_REBALANCE = { 'auto.leader.rebalance.enable': false }

function refusedReassignment(cluster: Cluster, reassignments: Parameters<Cluster['reassignPartitions']>[0]): KafkaError {
  const offset = cluster.controller()!.image.offset
  let error: unknown
  try {
    cluster.reassignPartitions(reassignments)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(KafkaError)
  expect(cluster.controller()!.image.offset).toBe(offset)
  return error as KafkaError
}

/** A cluster with topic `name` on [1, 2, 3] led by 1, holding `records` records on every replica. */
function withData(seed: number, name: string, records: number): Cluster {
  const cluster = createCluster({ seed, brokers: 4, config: NO_REBALANCE })
  cluster.createTopic(name, { assignments: [[1, 2, 3]] })
  cluster.addRawClient('client')
  cluster.advance(200)
  cluster.sim.command('client', { op: 'produce', topic: name, partition: 0, values: Array.from({ length: records }, (_, i) => `v${i}`), acks: -1 })
  runUntil(cluster, () => [1, 2, 3].every((id) => cluster.snapshot().topics[name]!.partitions['0']!.replicaLogs[id]?.hw === records), 5000, () => 'records not replicated')
  return cluster
}

describe('alterPartitionReassignments', () => {
  it('adds the new replicas (replicas = target + removing), waits until they are in the ISR, then drops the old ones in the record that completes it', () => {
    const cluster = withData(401, 'r', 20)
    const topicId = cluster.snapshot().topics.r!.topicId
    const before = controllerPartition(cluster, 'r')
    const target = [2, 3, 4]
    const batches = recordMetadata(cluster)
    const responsesToLeader: AlterPartitionResponse[] = []
    cluster.trace.subscribe((r) => {
      const message = (r.data as { message?: { type?: string } }).message
      if (r.type === 'deliver' && r.node === before.leader && message?.type === 'AlterPartitionResponse') responsesToLeader.push(message as AlterPartitionResponse)
    })
    const deleted = recordEvents(cluster, ['replica-deleted'])

    expect(cluster.reassignPartitions([{ topic: 'r', partition: 0, replicas: target }])).toEqual([{ topic: 'r', partition: 0, errorCode: 'NONE' }])
    const removing = before.replicas.filter((r) => !target.includes(r)).sort()
    const adding = target.filter((r) => !before.replicas.includes(r)).sort()
    const started = controllerPartition(cluster, 'r')
    expect(started).toMatchObject({
      replicas: [...target, ...removing],
      addingReplicas: adding,
      removingReplicas: removing,
      isr: before.isr,
      leader: before.leader,
      leaderEpoch: before.leaderEpoch, // a superset of the old replicas: no leader epoch bump
      partitionEpoch: before.partitionEpoch + 1,
    })

    runUntil(cluster, () => controllerPartition(cluster, 'r').addingReplicas.length === 0, 10_000, () => 'the reassignment did not complete')
    const done = controllerPartition(cluster, 'r')
    expect(done.replicas).toEqual(target)
    expect([...done.isr].sort()).toEqual([...target].sort())
    expect(done.removingReplicas).toEqual([])
    expect(done.leader).toBe(target.find((r) => done.isr.includes(r)))
    expect(done.leaderEpoch).toBe(before.leaderEpoch + 1)

    // Until completion no record touched the replica set; the completing one is the AlterPartition adding the last new replica.
    const changes = batches.flatMap((b) => changesOf(b, topicId).map((c) => ({ cause: b.cause, change: c })))
    const completing = changes.findIndex(({ change }) => change.replicas !== undefined && change.addingReplicas?.length === 0)
    expect(changes.slice(1, completing).every(({ change }) => change.replicas === undefined)).toBe(true)
    expect(changes[completing]!.cause).toBe(`AlterPartition from broker ${before.leader}`)
    expect(changes[completing]!.change).toMatchObject({ replicas: target, addingReplicas: [], removingReplicas: [], leader: done.leader })

    cluster.advance(500)
    // The old leader's AlterPartition was applied, but leadership went elsewhere: NEW_LEADER_ELECTED.
    expect(responsesToLeader.at(-1)!.partitions).toMatchObject([{ errorCode: 'NEW_LEADER_ELECTED', leaderId: done.leader }])
    // The new replica holds the data; the removed one deleted its replica, on disk too.
    const view = cluster.snapshot().topics.r!.partitions['0']!
    for (const id of adding) expect(view.replicaLogs[id]!.leo).toBe(view.replicaLogs[done.leader]!.leo)
    for (const id of removing) {
      expect(cluster.brokerNode(id)!.partitions.has('r-0')).toBe(false)
      expect(logsOnDisk(cluster, id, 'r-0')).toEqual([])
      expect(deleted.some((e) => e.node === id && e.data.topic === 'r' && e.data.reason === 'no longer a replica')).toBe(true)
    }
  })

  it('completes at once when the target is already in the ISR: a reorder changes only the replica order; a shrink drops replicas with a leader epoch bump', () => {
    const cluster = withData(402, 'r', 5)
    const before = controllerPartition(cluster, 'r')
    cluster.reassignPartitions([{ topic: 'r', partition: 0, replicas: [3, 2, 1] }])
    const reordered = controllerPartition(cluster, 'r')
    expect(reordered).toMatchObject({ replicas: [3, 2, 1], addingReplicas: [], removingReplicas: [], leader: before.leader, leaderEpoch: before.leaderEpoch })
    cluster.reassignPartitions([{ topic: 'r', partition: 0, replicas: [3, 2] }])
    const shrunk = controllerPartition(cluster, 'r')
    expect(shrunk).toMatchObject({ replicas: [3, 2], isr: reordered.isr.filter((r) => r !== 1), addingReplicas: [], removingReplicas: [] })
    expect(shrunk.leaderEpoch).toBe(reordered.leaderEpoch + 1)
    expect(shrunk.leader).toBe([3, 2].find((r) => shrunk.isr.includes(r)))
    cluster.advance(500)
    expect(cluster.brokerNode(1)!.partitions.has('r-0')).toBe(false)
  })

  it('cancelling (replicas null) reverts: the adding replicas leave the replica list and the ISR, and delete their replica', () => {
    const cluster = withData(403, 'c', 10)
    const before = controllerPartition(cluster, 'c')
    cluster.block(4, before.leader) // broker 4's fetches never reach the leader: it cannot join the ISR
    cluster.reassignPartitions([{ topic: 'c', partition: 0, replicas: [2, 3, 4] }])
    cluster.advance(2000)
    const moving = controllerPartition(cluster, 'c')
    expect(moving.addingReplicas).toEqual([4])
    expect(moving.isr).not.toContain(4)
    expect(cluster.brokerNode(4)!.partitions.has('c-0')).toBe(true)

    const batches = recordMetadata(cluster)
    expect(cluster.reassignPartitions([{ topic: 'c', partition: 0, replicas: null }])).toEqual([{ topic: 'c', partition: 0, errorCode: 'NONE' }])
    expect(batches).toHaveLength(1)
    const reverted = controllerPartition(cluster, 'c')
    // PartitionReassignmentRevert: replicas = current less adding (in the current order), ISR = current ISR less adding.
    expect(reverted.replicas).toEqual(moving.replicas.filter((r) => !moving.addingReplicas.includes(r)))
    expect([...reverted.replicas].sort()).toEqual([...before.replicas].sort())
    expect(reverted).toMatchObject({ addingReplicas: [], removingReplicas: [], isr: moving.isr, leader: moving.leader })
    // Broker 4 left the replica set: the leader epoch bumps.
    expect(reverted.leaderEpoch).toBe(moving.leaderEpoch + 1)

    cluster.heal()
    cluster.advance(1000)
    expect(cluster.brokerNode(4)!.partitions.has('c-0')).toBe(false)
    expect(logsOnDisk(cluster, 4, 'c-0')).toEqual([])
    expect(controllerPartition(cluster, 'c').replicas).not.toContain(4)
  })

  it('refuses: NO_REASSIGNMENT_IN_PROGRESS to cancel nothing, INVALID_REPLICA_ASSIGNMENT for an unregistered or duplicate broker, UNKNOWN_TOPIC_OR_PARTITION; a request with one refusal writes nothing', () => {
    const cluster = createCluster({ seed: 404, brokers: 3, config: NO_REBALANCE })
    cluster.createTopic('t', { partitions: 2, replicationFactor: 2 })
    cluster.advance(200)
    expect(refusedReassignment(cluster, [{ topic: 't', partition: 0, replicas: null }]).code).toBe('NO_REASSIGNMENT_IN_PROGRESS')
    expect(refusedReassignment(cluster, [{ topic: 't', partition: 0, replicas: [1, 9] }]).code).toBe('INVALID_REPLICA_ASSIGNMENT')
    expect(refusedReassignment(cluster, [{ topic: 't', partition: 0, replicas: [1, 1] }]).code).toBe('INVALID_REPLICA_ASSIGNMENT')
    expect(refusedReassignment(cluster, [{ topic: 't', partition: 5, replicas: [1, 2] }]).code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    expect(refusedReassignment(cluster, [{ topic: 'nope', partition: 0, replicas: [1, 2] }]).code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    const p1 = controllerPartition(cluster, 't', 1)
    const error = refusedReassignment(cluster, [
      { topic: 't', partition: 1, replicas: [...p1.replicas].reverse() },
      { topic: 't', partition: 0, replicas: null },
    ])
    expect(error.code).toBe('NO_REASSIGNMENT_IN_PROGRESS')
    expect(controllerPartition(cluster, 't', 1)).toEqual(p1)
  })
})
