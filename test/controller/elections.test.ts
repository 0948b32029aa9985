// Leader elections the controller runs besides fencing: automatic preferred-leader
// balancing (QuorumController's electPreferred task, ReplicationControlManager.
// maybeBalancePartitionLeaders), the ElectLeaders API (ReplicationControlManager.
// electLeaders: PREFERRED and UNCLEAN), and unclean.leader.election.enable (topic override
// over the cluster value, the periodic electUnclean task, the ElectLeaders UNCLEAN that
// ignores the flag).

import { describe, expect, it } from 'vitest'
import { NO_LEADER } from '../../core/metadata/records.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { changesOf, controllerPartition, recordEvents, recordMetadata, runUntil, type MetadataBatch } from './support.ts'

/** unclean.leader.election.interval.ms: an internal Kafka config, 5 minutes. */
const UNCLEAN_ELECTION_INTERVAL_MS = 300_000

const isFenced = (cluster: Cluster, id: number) => !cluster.controller()!.image.isUnfenced(id)

function untilFenced(cluster: Cluster, ...ids: number[]): void {
  runUntil(cluster, () => ids.every((id) => isFenced(cluster, id)), 15_000, () => `not all of ${ids.join(', ')} fenced`)
}

function untilInIsr(cluster: Cluster, topic: string, id: number, timeoutMs = 15_000): void {
  runUntil(cluster, () => controllerPartition(cluster, topic).isr.includes(id), timeoutMs, () => `broker ${id} not back in the ISR of ${topic}`)
}

/** The time the batch that put `id` back into the ISR of the topic was written. */
function rejoinTime(batches: readonly MetadataBatch[], topicId: string, id: number): number {
  return batches.find((b) => changesOf(b, topicId).some((c) => c.isr?.includes(id)))!.time
}

describe('automatic preferred leader balancing (auto.leader.rebalance.enable)', () => {
  it('gives leadership back to the preferred replica within leader.imbalance.check.interval.seconds after it rejoins the ISR', () => {
    const cluster = createCluster({ seed: 301, brokers: 3 })
    const config = cluster.controller()!.config
    expect(config['auto.leader.rebalance.enable']).toBe(true) // Kafka's default
    const topicId = cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.advance(1000)
    cluster.crashBroker(1)
    untilFenced(cluster, 1)
    const moved = controllerPartition(cluster, 't')
    expect(moved.leader).toBe(2)
    const batches = recordMetadata(cluster)
    cluster.restartBroker(1)
    untilInIsr(cluster, 't', 1)
    const rejoinedAt = rejoinTime(batches, topicId, 1)
    expect(controllerPartition(cluster, 't').leader).toBe(2) // rejoining alone moves nothing
    const intervalMs = config['leader.imbalance.check.interval.seconds'] * 1000
    runUntil(cluster, () => controllerPartition(cluster, 't').leader === 1, 2 * intervalMs, () => 'leadership not back on broker 1')
    const back = batches.find((b) => changesOf(b, topicId).some((c) => c.leader === 1))!
    expect(back.cause).toBe('preferred leader election (auto.leader.rebalance.enable)')
    expect(back.time).toBeGreaterThanOrEqual(rejoinedAt)
    expect(back.time - rejoinedAt).toBeLessThanOrEqual(intervalMs)
    expect(changesOf(back, topicId)).toEqual([{ type: 'PartitionChange', topicId, partitionId: 0, leader: 1 }])
    expect(controllerPartition(cluster, 't').leaderEpoch).toBe(moved.leaderEpoch + 1)
  })

  it('with auto.leader.rebalance.enable=false, leadership stays where fencing moved it', () => {
    const cluster = createCluster({ seed: 302, brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
    cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.advance(1000)
    cluster.crashBroker(1)
    untilFenced(cluster, 1)
    cluster.restartBroker(1)
    untilInIsr(cluster, 't', 1)
    cluster.advance(3 * cluster.controller()!.config['leader.imbalance.check.interval.seconds'] * 1000)
    expect(controllerPartition(cluster, 't').leader).toBe(2)
  })
})

describe('electLeaders PREFERRED (ReplicationControlManager.electLeader)', () => {
  it('answers ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE (writing nothing), or elects replicas[0] with a leader epoch bump', () => {
    const cluster = createCluster({ seed: 303, brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
    const topicId = cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.createTopic('other', { partitions: 3, replicationFactor: 3 })
    cluster.advance(1000)
    const batches = recordMetadata(cluster)
    const tp = [{ topic: 't', partition: 0 }]

    expect(cluster.electLeaders('PREFERRED', tp)).toEqual([{ topic: 't', partition: 0, errorCode: 'ELECTION_NOT_NEEDED' }])
    // A whole-cluster request leaves out the partitions that needed nothing.
    expect(cluster.electLeaders('PREFERRED', null)).toEqual([])
    expect(batches).toEqual([])

    cluster.crashBroker(1)
    untilFenced(cluster, 1)
    const moved = controllerPartition(cluster, 't')
    expect(moved.leader).not.toBe(1)
    const written = batches.length
    const unavailable = cluster.electLeaders('PREFERRED', tp)!
    expect(unavailable).toMatchObject([{ topic: 't', partition: 0, errorCode: 'PREFERRED_LEADER_NOT_AVAILABLE' }])
    expect(batches.length).toBe(written)
    expect(controllerPartition(cluster, 't')).toEqual(moved)

    cluster.restartBroker(1)
    untilInIsr(cluster, 't', 1)
    const before = controllerPartition(cluster, 't')
    const leaders = recordEvents(cluster, ['become-leader'])
    expect(cluster.electLeaders('PREFERRED', tp)).toEqual([{ topic: 't', partition: 0, errorCode: 'NONE' }])
    expect(changesOf(batches.at(-1)!, topicId)).toEqual([{ type: 'PartitionChange', topicId, partitionId: 0, leader: 1 }])
    const after = controllerPartition(cluster, 't')
    expect(after).toMatchObject({ leader: before.replicas[0], leaderEpoch: before.leaderEpoch + 1, isr: before.isr })
    cluster.advance(200)
    expect(leaders.some((e) => e.node === 1 && e.data.topic === 't' && e.data.leaderEpoch === after.leaderEpoch)).toBe(true)

    expect(cluster.electLeaders('PREFERRED', [{ topic: 't', partition: 7 }, { topic: 'nope', partition: 0 }])!.map((p) => p.errorCode)).toEqual([
      'UNKNOWN_TOPIC_OR_PARTITION',
      'UNKNOWN_TOPIC_OR_PARTITION',
    ])
  })
})

describe('unclean leader election', () => {
  it('the topic override unclean.leader.election.enable=true elects the first live out-of-sync replica when the ISR has no live member; with false the partition stays leaderless until electLeaders UNCLEAN, which ignores the flag', () => {
    const cluster = createCluster({ seed: 304, brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
    expect(cluster.controller()!.config['unclean.leader.election.enable']).toBe(false) // Kafka's default
    const dirtyId = cluster.createTopic('dirty', { assignments: [[1, 2, 3]], config: { 'unclean.leader.election.enable': true } })
    const cleanId = cluster.createTopic('clean', { assignments: [[1, 2, 3]] })
    cluster.addRawClient('producer', {
      workload: { partitions: [{ topic: 'dirty', partition: 0 }, { topic: 'clean', partition: 0 }], acks: 1, recordsPerSec: 50 },
    })
    cluster.advance(2000)
    // The followers' fetches stop reaching the leader: after replica.lag.time.max.ms the ISR is {1}.
    cluster.block(2, 1)
    cluster.block(3, 1)
    runUntil(cluster, () => ['dirty', 'clean'].every((t) => controllerPartition(cluster, t).isr.length === 1), 60_000, () => 'ISRs did not shrink to the leader')
    const dirtyBefore = controllerPartition(cluster, 'dirty')
    const cleanBefore = controllerPartition(cluster, 'clean')
    expect(dirtyBefore.isr).toEqual([1])

    const batches = recordMetadata(cluster)
    cluster.crashBroker(1)
    cluster.heal()
    untilFenced(cluster, 1)
    const fence = batches.find((b) => b.cause.startsWith('fence broker 1'))!
    // Election UNCLEAN inside handleBrokerFenced: the first live replica in assignment order, ISR = {it}, RECOVERING.
    const uncleanLeader = dirtyBefore.replicas.find((r) => r !== 1 && !isFenced(cluster, r))!
    expect(changesOf(fence, dirtyId)).toEqual([{ type: 'PartitionChange', topicId: dirtyId, partitionId: 0, leader: uncleanLeader, isr: [uncleanLeader], leaderRecoveryState: 'RECOVERING' }])
    expect(controllerPartition(cluster, 'dirty')).toMatchObject({ leader: uncleanLeader, isr: [uncleanLeader], leaderEpoch: dirtyBefore.leaderEpoch + 1 })
    expect(changesOf(fence, cleanId)).toEqual([{ type: 'PartitionChange', topicId: cleanId, partitionId: 0, leader: NO_LEADER }])

    // With the flag off nothing elects it, not even the periodic unclean election.
    cluster.advance(UNCLEAN_ELECTION_INTERVAL_MS + 10_000)
    expect(controllerPartition(cluster, 'clean')).toMatchObject({ leader: NO_LEADER, isr: [1], leaderEpoch: cleanBefore.leaderEpoch + 1 })
    expect(cluster.electLeaders('UNCLEAN', [{ topic: 'dirty', partition: 0 }])).toEqual([{ topic: 'dirty', partition: 0, errorCode: 'ELECTION_NOT_NEEDED' }])

    expect(cluster.electLeaders('UNCLEAN', [{ topic: 'clean', partition: 0 }])).toEqual([{ topic: 'clean', partition: 0, errorCode: 'NONE' }])
    expect(controllerPartition(cluster, 'clean')).toMatchObject({ leader: uncleanLeader, isr: [uncleanLeader], leaderRecoveryState: 'RECOVERING' })

    // KIP-704: the new leader reports RECOVERED with its next AlterPartition, when the ISR grows.
    runUntil(cluster, () => controllerPartition(cluster, 'dirty').isr.length > 1, 60_000, () => 'the ISR of dirty does not grow')
    expect(controllerPartition(cluster, 'dirty').leaderRecoveryState).toBe('RECOVERED')
  })

  it('the cluster-level unclean.leader.election.enable=true elects a returning out-of-sync replica; a topic override of false wins, until it is set to true and the periodic unclean election (every 5 min) runs', () => {
    const cluster = createCluster({ seed: 305, brokers: 3, config: { 'auto.leader.rebalance.enable': false, 'unclean.leader.election.enable': true } })
    const onId = cluster.createTopic('on', { assignments: [[1, 2, 3]] })
    cluster.createTopic('off', { assignments: [[1, 2, 3]], config: { 'unclean.leader.election.enable': false } })
    cluster.advance(1000)
    cluster.crashBroker(2)
    cluster.crashBroker(3)
    untilFenced(cluster, 2, 3)
    cluster.crashBroker(1)
    untilFenced(cluster, 1)
    // No live replica at all: leaderless, ISR {1}, whatever the flag.
    for (const t of ['on', 'off']) expect(controllerPartition(cluster, t)).toMatchObject({ leader: NO_LEADER, isr: [1] })

    const batches = recordMetadata(cluster)
    cluster.restartBroker(2)
    runUntil(cluster, () => !isFenced(cluster, 2), 15_000, () => 'broker 2 not unfenced')
    const unfence = batches.find((b) => b.cause === 'unfence broker 2')!
    expect(changesOf(unfence, onId)).toEqual([{ type: 'PartitionChange', topicId: onId, partitionId: 0, leader: 2, isr: [2], leaderRecoveryState: 'RECOVERING' }])
    expect(controllerPartition(cluster, 'off').leader).toBe(NO_LEADER)

    cluster.advance(1000)
    const enabledAt = cluster.now
    cluster.alterConfigs({ type: 'topic', name: 'off' }, { 'unclean.leader.election.enable': true })
    expect(controllerPartition(cluster, 'off').leader).toBe(NO_LEADER) // the flag alone elects no one
    runUntil(cluster, () => controllerPartition(cluster, 'off').leader !== NO_LEADER, UNCLEAN_ELECTION_INTERVAL_MS + 1000, () => 'off still leaderless')
    const periodic = batches.find((b) => b.cause === 'unclean leader election (unclean.leader.election.enable)')!
    expect(periodic.time - enabledAt).toBeLessThanOrEqual(UNCLEAN_ELECTION_INTERVAL_MS)
    expect(controllerPartition(cluster, 'off')).toMatchObject({ leader: 2, isr: [2], leaderRecoveryState: 'RECOVERING' })
  })

  it('electLeaders UNCLEAN answers ELIGIBLE_LEADERS_NOT_AVAILABLE when no replica is live, and writes nothing', () => {
    const cluster = createCluster({ seed: 306, brokers: 2, config: { 'auto.leader.rebalance.enable': false } })
    cluster.createTopic('t', { assignments: [[1, 2]] })
    cluster.advance(1000)
    cluster.crashBroker(2)
    untilFenced(cluster, 2)
    cluster.crashBroker(1)
    untilFenced(cluster, 1)
    const batches = recordMetadata(cluster)
    expect(cluster.electLeaders('UNCLEAN', [{ topic: 't', partition: 0 }])).toMatchObject([{ topic: 't', partition: 0, errorCode: 'ELIGIBLE_LEADERS_NOT_AVAILABLE' }])
    expect(batches).toEqual([])
  })
})
