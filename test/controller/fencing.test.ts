// Broker liveness at the controller: registration, heartbeats, session-timeout fencing and
// unfencing (ClusterControlManager, BrokerHeartbeatManager, ReplicationControlManager.
// handleBrokerFenced / handleBrokerUnfenced, QuorumController.maybeFenceStaleBroker), and
// the leader-driven ISR shrink of a live but lagging follower (Partition.maybeShrinkIsr).

import { describe, expect, it } from 'vitest'
import { REPLICA_FETCH_REQUEST_TIMEOUT_MS } from '../../core/broker/fetcher.ts'
import type { PartitionState } from '../../core/metadata/image.ts'
import { NO_LEADER, type RegisterBrokerRecord } from '../../core/metadata/records.ts'
import type { BrokerHeartbeatRequest } from '../../core/protocol.ts'
import { CONTROLLER_ID, createCluster, type Cluster } from '../../sim/cluster.ts'
import { changesOf, controllerPartition, fencingBatch, recordEvents, recordMetadata, runUntil } from './support.ts'

const NO_REBALANCE = { 'auto.leader.rebalance.enable': false }

function allPartitions(cluster: Cluster): PartitionState[] {
  return [...cluster.controller()!.image.topicsById.values()].flatMap((t) => [...t.partitions.values()])
}

function lastHeartbeatMs(cluster: Cluster, brokerId: number): number | null {
  return cluster.controller()!.snapshot().brokers.find((b) => b.id === brokerId)!.lastHeartbeatMs
}

/** Runs until the controller has just taken a heartbeat from `brokerId`: its session starts now. */
function untilHeartbeat(cluster: Cluster, brokerId: number): void {
  const seen = lastHeartbeatMs(cluster, brokerId)
  runUntil(cluster, () => lastHeartbeatMs(cluster, brokerId) !== seen, 5000, () => `no heartbeat from broker ${brokerId}`)
  expect(lastHeartbeatMs(cluster, brokerId)).toBe(cluster.now)
}

const isFenced = (cluster: Cluster, id: number) => !cluster.controller()!.image.isUnfenced(id)

describe('session-timeout fencing of a crashed broker', () => {
  it('fences it more than broker.session.timeout.ms and at most one check period (session/8) after its last heartbeat; it leaves every ISR and its leaderships move to the first live ISR replica in assignment order', () => {
    const cluster = createCluster({ seed: 201, brokers: 4, config: NO_REBALANCE })
    cluster.createTopic('t', { partitions: 8, replicationFactor: 3 })
    cluster.createTopic('u', { partitions: 4, replicationFactor: 2 })
    cluster.advance(1000)
    const victim = controllerPartition(cluster, 't', 0).leader
    untilHeartbeat(cluster, victim)
    const crashAt = cluster.now
    const before = new Map(allPartitions(cluster).map((p) => [`${p.topic}-${p.partition}`, p]))
    const batches = recordMetadata(cluster)
    const leaders = recordEvents(cluster, ['become-leader'])
    cluster.crashBroker(victim)
    runUntil(cluster, () => isFenced(cluster, victim), 15_000, () => `broker ${victim} still unfenced`)

    const config = cluster.controller()!.config
    const sessionMs = config['broker.session.timeout.ms']
    const fence = fencingBatch(batches, victim, true)!
    expect(fence.time - crashAt).toBeGreaterThan(sessionMs)
    expect(fence.time - crashAt).toBeLessThanOrEqual(sessionMs + sessionMs / 8)
    // handleBrokerFenced: the partition changes first, then the BrokerRegistrationChange.
    expect(fence.records.at(-1)).toMatchObject({ type: 'BrokerRegistrationChange', brokerId: victim, fenced: true })
    expect(fence.records.slice(0, -1).every((r) => r.type === 'PartitionChange')).toBe(true)

    cluster.advance(500)
    let moved = 0
    for (const after of allPartitions(cluster)) {
      const was = before.get(`${after.topic}-${after.partition}`)!
      expect(after.isr).not.toContain(victim)
      if (!was.isr.includes(victim)) {
        expect(after).toEqual(was)
        continue
      }
      expect(after.isr).toEqual(was.isr.filter((r) => r !== victim))
      expect(after.partitionEpoch).toBe(was.partitionEpoch + 1)
      if (was.leader === victim) {
        const expected = was.replicas.find((r) => r !== victim && was.isr.includes(r))
        expect(after.leader).toBe(expected)
        expect(after.leaderEpoch).toBe(was.leaderEpoch + 1)
        expect(leaders.some((e) => e.node === expected && e.data.topic === after.topic && e.data.partition === after.partition && e.data.leaderEpoch === after.leaderEpoch)).toBe(true)
        moved++
      } else {
        // A follower leaving the ISR bumps only the partition epoch (no leader epoch bump since MV 3.6, KAFKA-15021).
        expect(after.leader).toBe(was.leader)
        expect(after.leaderEpoch).toBe(was.leaderEpoch)
      }
    }
    expect(moved).toBeGreaterThan(0)
    expect(cluster.snapshot().brokers.find((b) => b.id === victim)!.state).toBe('crashed')
  })

  it('leaves the last ISR member in the ISR with leader -1; restarted, it re-registers with a new epoch, is unfenced once its metadata reaches its registration record, and leads again', () => {
    const cluster = createCluster({ seed: 202, brokers: 3, config: NO_REBALANCE })
    const topicId = cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.createTopic('solo', { assignments: [[1]] })
    cluster.advance(1000)
    cluster.crashBroker(2)
    cluster.crashBroker(3)
    runUntil(cluster, () => isFenced(cluster, 2) && isFenced(cluster, 3), 15_000, () => 'followers not fenced')
    expect(controllerPartition(cluster, 't')).toMatchObject({ leader: 1, isr: [1] })
    const lastOne = controllerPartition(cluster, 't')
    const oldEpoch = cluster.controller()!.image.brokers.get(1)!.brokerEpoch

    cluster.crashBroker(1)
    runUntil(cluster, () => isFenced(cluster, 1), 15_000, () => 'broker 1 not fenced')
    const leaderless = controllerPartition(cluster, 't')
    expect(leaderless).toMatchObject({ leader: NO_LEADER, isr: [1], leaderEpoch: lastOne.leaderEpoch + 1 })
    expect(controllerPartition(cluster, 'solo')).toMatchObject({ leader: NO_LEADER, isr: [1] })

    const batches = recordMetadata(cluster)
    const heartbeats: { time: number; request: BrokerHeartbeatRequest }[] = []
    cluster.trace.subscribe((r) => {
      const message = (r.data as { message?: { type?: string } }).message
      if (r.type === 'deliver' && r.node === CONTROLLER_ID && message?.type === 'BrokerHeartbeat') heartbeats.push({ time: r.time, request: message as BrokerHeartbeatRequest })
    })
    cluster.restartBroker(1)
    runUntil(cluster, () => controllerPartition(cluster, 't').leader === 1, 15_000, () => 'broker 1 does not lead again')

    const registration = batches.find((b) => b.records.some((r) => r.type === 'RegisterBroker'))!
    const record = registration.records.find((r): r is RegisterBrokerRecord => r.type === 'RegisterBroker')!
    const registrationOffset = registration.firstOffset + registration.records.indexOf(record)
    expect(record.brokerEpoch).toBeGreaterThan(oldEpoch)
    expect(record.fenced).toBe(true)
    expect(cluster.controller()!.image.brokers.get(1)!.brokerEpoch).toBe(record.brokerEpoch)
    expect(cluster.brokerNode(1)!.brokerEpoch).toBe(record.brokerEpoch)

    // Unfenced by the first heartbeat of the new epoch whose metadata offset reached the registration record.
    const unfence = fencingBatch(batches, 1, false)!
    const ofNewEpoch = heartbeats.filter((h) => h.request.brokerId === 1 && h.request.brokerEpoch === record.brokerEpoch)
    const unfencing = ofNewEpoch.find((h) => h.time === unfence.time)!
    expect(unfencing.request.currentMetadataOffset).toBeGreaterThanOrEqual(registrationOffset)
    for (const h of ofNewEpoch.filter((h) => h.time < unfence.time)) expect(h.request.currentMetadataOffset).toBeLessThan(registrationOffset)

    // handleBrokerUnfenced revisits the leaderless partitions in the same batch: broker 1 leads them again.
    expect(changesOf(unfence, topicId)).toEqual([{ type: 'PartitionChange', topicId, partitionId: 0, leader: 1 }])
    const back = controllerPartition(cluster, 't')
    expect(back).toMatchObject({ leader: 1, isr: [1], leaderEpoch: leaderless.leaderEpoch + 1, leaderRecoveryState: 'RECOVERED' })
    expect(controllerPartition(cluster, 'solo')).toMatchObject({ leader: 1, isr: [1] })
    cluster.advance(200)
    expect(cluster.brokerNode(1)!.partitions.get('t-0')!.isLeader).toBe(true)
  })

  it('refuses a restarted broker with DUPLICATE_BROKER_REGISTRATION while its old session is still valid, then registers it with a new epoch', () => {
    const cluster = createCluster({ seed: 203, brokers: 3, config: NO_REBALANCE })
    cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.advance(1000)
    const oldEpoch = cluster.controller()!.image.brokers.get(2)!.brokerEpoch
    untilHeartbeat(cluster, 2)
    const lastContact = cluster.now
    const rejected = recordEvents(cluster, ['broker-registration-rejected', 'broker-registration-failed'])
    const batches = recordMetadata(cluster)
    cluster.crashBroker(2)
    cluster.advance(100)
    cluster.restartBroker(2)
    runUntil(cluster, () => cluster.controller()!.image.brokers.get(2)!.brokerEpoch !== oldEpoch, 20_000, () => 'broker 2 never registered again')

    const sessionMs = cluster.controller()!.config['broker.session.timeout.ms']
    const atController = rejected.filter((e) => e.type === 'broker-registration-rejected')
    expect(atController.length).toBeGreaterThan(0)
    for (const e of atController) {
      expect(e.data).toEqual({ brokerId: 2, reason: 'DUPLICATE_BROKER_REGISTRATION' })
      expect(e.time).toBeLessThanOrEqual(lastContact + sessionMs)
    }
    expect(rejected.some((e) => e.node === 2 && e.type === 'broker-registration-failed' && e.data.errorCode === 'DUPLICATE_BROKER_REGISTRATION')).toBe(true)
    const registered = batches.find((b) => b.records.some((r) => r.type === 'RegisterBroker' && r.brokerId === 2))!
    expect(registered.time).toBeGreaterThan(lastContact + sessionMs)
    expect(cluster.controller()!.image.brokers.get(2)!.brokerEpoch).toBeGreaterThan(oldEpoch)
    runUntil(cluster, () => !isFenced(cluster, 2), 10_000, () => 'broker 2 not unfenced')
  })
})

describe('ISR shrink of a live but lagging follower', () => {
  it('removes a follower whose fetches get no answers after replica.lag.time.max.ms (checked every half of it), through AlterPartition from the leader, not through fencing', () => {
    const cluster = createCluster({ seed: 204, brokers: 3, config: NO_REBALANCE })
    const topicId = cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.addRawClient('producer', { workload: { partitions: [{ topic: 't', partition: 0 }], acks: 1, recordsPerSec: 50 } })
    cluster.advance(2000)
    expect(controllerPartition(cluster, 't').isr).toEqual([1, 2, 3])
    const batches = recordMetadata(cluster)
    const proposals = recordEvents(cluster, ['isr-shrink-proposed'])
    const blockedAt = cluster.now
    cluster.block(1, 3) // the leader's fetch responses to broker 3 are lost: it cannot catch up
    runUntil(cluster, () => !controllerPartition(cluster, 't').isr.includes(3), 60_000, () => 'broker 3 still in the ISR')

    const config = cluster.controller()!.config
    const lagMs = config['replica.lag.time.max.ms']
    const shrink = batches.find((b) => changesOf(b, topicId).some((c) => c.isr && !c.isr.includes(3)))!
    expect(shrink.cause).toBe('AlterPartition from broker 1')
    expect(changesOf(shrink, topicId)).toEqual([{ type: 'PartitionChange', topicId, partitionId: 0, isr: [1, 2] }])
    // Out of sync: not caught up for longer than the lag (the last caught-up fetch may precede
    // the block by up to one fetch wait); found by the check that runs every lag / 2.
    expect(shrink.time - blockedAt).toBeGreaterThan(lagMs - config['replica.fetch.wait.max.ms'])
    expect(shrink.time - blockedAt).toBeLessThanOrEqual(lagMs * 1.5 + 50)
    expect(proposals.some((e) => e.node === 1 && (e.data.outOfSync as number[]).includes(3) && e.time <= shrink.time)).toBe(true)
    // Still registered, unfenced, heartbeating: no fencing record was written for it.
    expect(isFenced(cluster, 3)).toBe(false)
    expect(fencingBatch(batches, 3, true)).toBeUndefined()
    expect(controllerPartition(cluster, 't')).toMatchObject({ leader: 1, isr: [1, 2] })

    // Healed, it rejoins once its unanswered fetch times out (replica.socket.timeout.ms) and it fetches again.
    cluster.heal()
    const rejoinMs = REPLICA_FETCH_REQUEST_TIMEOUT_MS + config['replica.fetch.backoff.ms'] + 5000
    runUntil(cluster, () => controllerPartition(cluster, 't').isr.includes(3), rejoinMs, () => 'broker 3 does not rejoin')
    expect(isFenced(cluster, 3)).toBe(false)
  })
})

describe('a paused broker', () => {
  it('is fenced once paused longer than the session timeout, and unfenced (same registration, no new epoch) when it resumes', () => {
    const cluster = createCluster({ seed: 205, brokers: 3, config: NO_REBALANCE })
    cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.advance(1000)
    const epoch = cluster.controller()!.image.brokers.get(1)!.brokerEpoch
    const batches = recordMetadata(cluster)
    cluster.pause(1)
    runUntil(cluster, () => isFenced(cluster, 1), 15_000, () => 'paused broker 1 not fenced')
    const lastContact = lastHeartbeatMs(cluster, 1)! // a heartbeat sent just before the pause may have landed after it
    const sessionMs = cluster.controller()!.config['broker.session.timeout.ms']
    const fencedAt = fencingBatch(batches, 1, true)!.time
    expect(fencedAt - lastContact).toBeGreaterThan(sessionMs)
    expect(fencedAt - lastContact).toBeLessThanOrEqual(sessionMs + sessionMs / 8)
    expect(controllerPartition(cluster, 't')).toMatchObject({ leader: 2, isr: [2, 3] })
    expect(cluster.snapshot().brokers[0]!.state).toBe('paused')

    cluster.advance(3000)
    cluster.resume(1)
    runUntil(cluster, () => !isFenced(cluster, 1), 10_000, () => 'resumed broker 1 not unfenced')
    expect(cluster.controller()!.image.brokers.get(1)!.brokerEpoch).toBe(epoch)
    expect(batches.some((b) => b.records.some((r) => r.type === 'RegisterBroker'))).toBe(false)
    // It rejoins the ISR through the new leader's AlterPartition; leadership stays where it went.
    runUntil(cluster, () => controllerPartition(cluster, 't').isr.includes(1), 10_000, () => 'broker 1 does not rejoin the ISR')
    expect(controllerPartition(cluster, 't').leader).toBe(2)
  })
})

describe('fencing with Eligible Leader Replicas on (KIP-966)', () => {
  it('members fenced out of an ISR below min ISR stay in the ELR; when the ISR is empty the first ELR member to return leads', () => {
    const cluster = createCluster({ seed: 206, brokers: 3, config: { ...NO_REBALANCE, 'eligible.leader.replicas.enable': true, 'min.insync.replicas': 2 } })
    cluster.createTopic('t', { assignments: [[1, 2, 3]] })
    cluster.advance(1000)
    const fence = (id: number) => {
      cluster.pause(id)
      runUntil(cluster, () => isFenced(cluster, id), 15_000, () => `broker ${id} not fenced`)
    }
    fence(3)
    expect(controllerPartition(cluster, 't')).toMatchObject({ leader: 1, isr: [1, 2], eligibleLeaderReplicas: [] })
    fence(2)
    expect(controllerPartition(cluster, 't')).toMatchObject({ leader: 1, isr: [1], eligibleLeaderReplicas: [2] })
    fence(1)
    const empty = controllerPartition(cluster, 't')
    expect(empty).toMatchObject({ leader: NO_LEADER, isr: [], lastKnownElr: [1] })
    expect([...empty.eligibleLeaderReplicas].sort()).toEqual([1, 2])
    // Broker 3 left while the ISR was still at min ISR: it is in neither list and is not electable.
    cluster.resume(3)
    runUntil(cluster, () => !isFenced(cluster, 3), 10_000, () => 'broker 3 not unfenced')
    expect(controllerPartition(cluster, 't').leader).toBe(NO_LEADER)
    cluster.resume(2)
    runUntil(cluster, () => controllerPartition(cluster, 't').leader !== NO_LEADER, 10_000, () => 'no leader after broker 2 returned')
    const led = controllerPartition(cluster, 't')
    expect(led).toMatchObject({ leader: 2, isr: [2], eligibleLeaderReplicas: [1], leaderRecoveryState: 'RECOVERED' })
    expect(led.isr.filter((r) => led.eligibleLeaderReplicas.includes(r))).toEqual([])
  })
})
