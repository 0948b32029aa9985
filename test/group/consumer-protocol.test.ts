// The consumer group protocol (KIP-848, group.protocol=consumer): ConsumerGroupHeartbeat at the
// coordinator request by request, and consumers end to end (incremental reconciliation, fencing,
// static members, offset commits with the member epoch), checked from the brokers' views and the trace.

import { describe, expect, it } from 'vitest'
import type { Consumer } from '../../core/client/consumer/consumer.ts'
import type { ConsumerGroupHeartbeatResponse, OffsetCommitResponse, OffsetFetchResponse } from '../../core/protocol.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { GROUP_METADATA_TOPIC_NAME, offsetsPartitionFor } from '../../core/group/offsets-topic.ts'
import { ConsumerGroup } from '../../core/group/consumer-group.ts'
import type { JoinGroupResponse } from '../../core/protocol.ts'
import { addProbe, assignmentOf, byType, findCoordinator, groupView, joinRequest, request, runUntilStable, type ProbeRequest } from './support.ts'

const G = 'g'
const BASE = { 'offsets.topic.num.partitions': 3 }

function cluster(seed = 1, config: Record<string, unknown> = {}, partitions = 6): Cluster {
  const c = createCluster({ seed, brokers: 3, config: { ...BASE, ...config }, traceCapacity: 200_000 })
  c.createTopic('t', { partitions, replicationFactor: 3 })
  return c
}

function member(c: Cluster, id: string, config: Record<string, unknown> = {}): Consumer {
  return c.addConsumer(id, {
    config: { 'group.id': G, 'group.protocol': 'consumer', 'auto.offset.reset': 'earliest', ...config },
    subscribe: ['t'],
    app: { pollIntervalMs: 100, processingMsPerRecord: 0 },
  })
}

describe('consumers with group.protocol=consumer', () => {
  it('three members share six partitions, two each, by the broker\'s uniform assignor; the group is Stable at its group epoch', () => {
    const c = cluster()
    member(c, 'c1')
    member(c, 'c2')
    member(c, 'c3')
    const view = runUntilStable(c, 3)
    expect(view.type).toBe('consumer')
    expect(view.protocol).toBe('uniform')
    const sizes = Object.values(assignmentOf(view)).map((a) => a.length)
    expect(sizes).toEqual([2, 2, 2])
    expect(new Set(Object.values(assignmentOf(view)).flat()).size).toBe(6)
    expect(view.assignmentEpoch).toBe(view.groupEpoch)
    for (const m of view.members) expect(m.memberEpoch).toBe(view.groupEpoch)
    expect(byType(c, 'consumer-join-group')).toHaveLength(0)
  })
})

function setupProbes(config: Record<string, unknown> = {}): { c: Cluster; coord: number } {
  const c = cluster(1, config)
  addProbe(c, 'p1')
  addProbe(c, 'p2')
  return { c, coord: findCoordinator(c, 'p1', G) }
}

type Heartbeat = Omit<Extract<ProbeRequest, { type: 'ConsumerGroupHeartbeat' }>, 'type'>

function hb(c: Cluster, probe: string, coord: number, fields: Partial<Heartbeat>): ConsumerGroupHeartbeatResponse {
  const joining = (fields.memberEpoch ?? 0) === 0
  return request<ConsumerGroupHeartbeatResponse>(c, probe, coord, {
    type: 'ConsumerGroupHeartbeat',
    groupId: G,
    memberId: `${probe}-id`,
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: joining ? 30_000 : -1,
    subscribedTopicNames: joining ? ['t'] : null,
    serverAssignor: null,
    topicPartitions: joining ? [] : null,
    clientId: probe,
    ...fields,
  })
}

const keys = (r: ConsumerGroupHeartbeatResponse): string[] => (r.assignment?.topicPartitions ?? []).map((p) => `${p.topic}-${p.partition}`).sort()
const owned = (r: ConsumerGroupHeartbeatResponse) => r.assignment!.topicPartitions.map((p) => ({ ...p }))

describe('ConsumerGroupHeartbeat at the coordinator', () => {
  it('a first member gets epoch 1 and every partition, with the broker\'s heartbeat interval; the group goes Empty -> Stable', () => {
    const { c, coord } = setupProbes()
    const r = hb(c, 'p1', coord, {})
    expect(r.errorCode).toBe('NONE')
    expect(r.memberEpoch).toBe(1)
    expect(r.heartbeatIntervalMs).toBe(5000)
    expect(keys(r)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'])
    expect(groupView(c)).toMatchObject({ type: 'consumer', state: 'Stable', groupEpoch: 1, assignmentEpoch: 1 })
    const states = byType(c, 'consumer-group-state').map((r) => `${String(r.data.from)}->${String(r.data.to)}`)
    expect(states).toEqual(['Empty->Stable'])
    // A heartbeat with nothing new sends no assignment.
    const again = hb(c, 'p1', coord, { memberEpoch: 1, topicPartitions: owned(r) })
    expect(again).toMatchObject({ errorCode: 'NONE', memberEpoch: 1, assignment: null })
  })

  it('a second member waits in UNRELEASED_PARTITIONS until the first revokes (Reconciling), then both are Stable at epoch 2', () => {
    const { c, coord } = setupProbes()
    const first = hb(c, 'p1', coord, {})
    const second = hb(c, 'p2', coord, {})
    // Epoch 2's target gives p2 three partitions, all still owned by p1: it gets none yet.
    expect(second).toMatchObject({ errorCode: 'NONE', memberEpoch: 2 })
    expect(keys(second)).toEqual([])
    expect(groupView(c)!.state).toBe('Reconciling')
    expect(groupView(c)!.members.find((m) => m.memberId === 'p2-id')!.memberState).toBe('UNRELEASED_PARTITIONS')
    // p1 is told to keep three: it stays at epoch 1 until it has revoked the other three.
    const told = hb(c, 'p1', coord, { memberEpoch: 1, topicPartitions: owned(first) })
    expect(told.memberEpoch).toBe(1)
    expect(keys(told)).toHaveLength(3)
    expect(groupView(c)!.members.find((m) => m.memberId === 'p1-id')!.memberState).toBe('UNREVOKED_PARTITIONS')
    // Still reporting the revoked ones: nothing moves.
    expect(hb(c, 'p2', coord, { memberEpoch: 2, topicPartitions: [] }).assignment).toBeNull()
    const acked = hb(c, 'p1', coord, { memberEpoch: 1, topicPartitions: owned(told) })
    expect(acked.memberEpoch).toBe(2)
    const released = hb(c, 'p2', coord, { memberEpoch: 2, topicPartitions: [] })
    expect(keys(released)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'].filter((k) => !keys(told).includes(k)))
    hb(c, 'p2', coord, { memberEpoch: 2, topicPartitions: owned(released) })
    expect(groupView(c)).toMatchObject({ state: 'Stable', groupEpoch: 2, assignmentEpoch: 2 })
  })

  it('a member that leaves (epoch -1) bumps the group epoch: Assigning until the next heartbeat computes the target; the last leaves it Empty', () => {
    const { c, coord } = setupProbes()
    const a = hb(c, 'p1', coord, {})
    hb(c, 'p1', coord, { memberEpoch: a.memberEpoch, topicPartitions: owned(a) })
    const b = hb(c, 'p2', coord, {})
    expect(hb(c, 'p2', coord, { memberEpoch: -1 })).toMatchObject({ errorCode: 'NONE', memberEpoch: -1 })
    expect(groupView(c)).toMatchObject({ state: 'Assigning', groupEpoch: 3, assignmentEpoch: 2 })
    const back = hb(c, 'p1', coord, { memberEpoch: 1, topicPartitions: owned(a) })
    expect(back.memberEpoch).toBe(3)
    expect(groupView(c)).toMatchObject({ state: 'Stable', groupEpoch: 3, assignmentEpoch: 3 })
    expect(b.memberEpoch).toBe(2)
    hb(c, 'p1', coord, { memberEpoch: -1 })
    expect(groupView(c)).toMatchObject({ state: 'Empty', members: [] })
  })

  it('answers Kafka\'s errors: FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID, INVALID_REQUEST, UNSUPPORTED_ASSIGNOR', () => {
    const { c, coord } = setupProbes()
    const a = hb(c, 'p1', coord, {})
    expect(hb(c, 'p1', coord, { memberEpoch: a.memberEpoch + 1, topicPartitions: owned(a) }).errorCode).toBe('FENCED_MEMBER_EPOCH')
    expect(hb(c, 'p2', coord, { memberEpoch: 3, topicPartitions: [] }).errorCode).toBe('UNKNOWN_MEMBER_ID')
    expect(hb(c, 'p2', coord, { memberId: '' })).toMatchObject({ errorCode: 'INVALID_REQUEST', errorMessage: 'MemberId can\'t be empty.' })
    expect(hb(c, 'p2', coord, { topicPartitions: [{ topic: 't', partition: 0 }] }).errorCode).toBe('INVALID_REQUEST')
    expect(hb(c, 'p2', coord, { subscribedTopicNames: [] }).errorCode).toBe('INVALID_REQUEST')
    expect(hb(c, 'p2', coord, { memberEpoch: -3 }).errorCode).toBe('INVALID_REQUEST')
    expect(hb(c, 'p2', coord, { groupId: '' }).errorCode).toBe('INVALID_GROUP_ID')
    expect(hb(c, 'p2', coord, { serverAssignor: 'sticky' })).toMatchObject({ errorCode: 'UNSUPPORTED_ASSIGNOR' })
    // None of the refused members joined.
    expect(groupView(c)!.members.map((m) => m.memberId)).toEqual(['p1-id'])
  })

  it('a member may name the range assignor (group.remote.assignor); GROUP_MAX_SIZE_REACHED past group.consumer.max.size', () => {
    const { c, coord } = setupProbes({ 'group.consumer.max.size': 1 })
    expect(hb(c, 'p1', coord, { serverAssignor: 'range' }).errorCode).toBe('NONE')
    expect(groupView(c)!.protocol).toBe('range')
    expect(hb(c, 'p2', coord, {}).errorCode).toBe('GROUP_MAX_SIZE_REACHED')
    expect(groupView(c)!.members).toHaveLength(1)
  })

  it('UNSUPPORTED_VERSION when group.coordinator.rebalance.protocols leaves out consumer', () => {
    const { c, coord } = setupProbes({ 'group.coordinator.rebalance.protocols': 'classic' })
    expect(hb(c, 'p1', coord, {}).errorCode).toBe('UNSUPPORTED_VERSION')
  })

  it('static members: UNRELEASED_INSTANCE_ID while the instance is in use; after a leave with epoch -2 a new member id takes its place, epoch and partitions without a new group epoch', () => {
    const { c, coord } = setupProbes()
    const a = hb(c, 'p1', coord, { instanceId: 'i1' })
    expect(hb(c, 'p2', coord, { instanceId: 'i1' }).errorCode).toBe('UNRELEASED_INSTANCE_ID')
    expect(hb(c, 'p1', coord, { instanceId: 'i1', memberEpoch: -2 })).toMatchObject({ errorCode: 'NONE', memberEpoch: -2 })
    expect(groupView(c)!.members[0]).toMatchObject({ memberId: 'p1-id', memberEpoch: -2 })
    const back = hb(c, 'p2', coord, { instanceId: 'i1' })
    expect(back).toMatchObject({ errorCode: 'NONE', memberId: 'p2-id', memberEpoch: a.memberEpoch })
    expect(keys(back)).toEqual(keys(a))
    expect(groupView(c)).toMatchObject({ state: 'Stable', groupEpoch: 1 })
  })

  it('a member that stops heartbeating is fenced after group.consumer.session.timeout.ms and its partitions go to the others', () => {
    const { c, coord } = setupProbes()
    const sentAt = c.now
    const a = hb(c, 'p1', coord, {})
    let b = hb(c, 'p2', coord, {})
    let bOwned = owned(b)
    // p2 heartbeats every 4 s; p1 never again.
    while (byType(c, 'consumer-group-member-fenced').length === 0 && c.now - sentAt < 60_000) {
      c.advance(4000)
      b = hb(c, 'p2', coord, { memberEpoch: b.memberEpoch, topicPartitions: bOwned })
      if (b.assignment) bOwned = owned(b)
    }
    const fenced = byType(c, 'consumer-group-member-fenced')[0]!
    expect(fenced.data.memberId).toBe('p1-id')
    expect(fenced.time - sentAt).toBeGreaterThanOrEqual(45_000)
    expect(fenced.time - sentAt).toBeLessThan(46_000)
    expect(hb(c, 'p1', coord, { memberEpoch: a.memberEpoch, topicPartitions: owned(a) }).errorCode).toBe('UNKNOWN_MEMBER_ID')
    b = hb(c, 'p2', coord, { memberEpoch: b.memberEpoch, topicPartitions: bOwned })
    if (b.assignment) bOwned = owned(b)
    expect(bOwned.map((p) => `${p.topic}-${p.partition}`).sort()).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'])
  })

  it('a member that does not revoke within its rebalance timeout is fenced', () => {
    const { c, coord } = setupProbes()
    const a = hb(c, 'p1', coord, { rebalanceTimeoutMs: 8000 })
    hb(c, 'p2', coord, {})
    hb(c, 'p1', coord, { memberEpoch: a.memberEpoch, topicPartitions: owned(a) }) // told to revoke three, never does
    const start = c.now
    // Keep p1's session alive: it heartbeats, still owning everything.
    while (byType(c, 'consumer-group-member-fenced').length === 0 && c.now - start < 20_000) {
      hb(c, 'p1', coord, { memberEpoch: a.memberEpoch, topicPartitions: owned(a) })
      c.advance(2000)
    }
    const fenced = byType(c, 'consumer-group-member-fenced')[0]!
    expect(fenced.data).toMatchObject({ memberId: 'p1-id' })
    expect(String(fenced.data.reason)).toContain('rebalance timeout (8000 ms)')
  })

  it('OffsetCommit and OffsetFetch take the member\'s current epoch only: STALE_MEMBER_EPOCH otherwise, UNKNOWN_MEMBER_ID for a non-member', () => {
    const { c, coord } = setupProbes()
    const a = hb(c, 'p1', coord, {})
    const commit = (memberId: string, epoch: number) => request<OffsetCommitResponse>(c, 'p2', coord, {
      type: 'OffsetCommit', groupId: G, generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null,
      partitions: [{ topic: 't', partition: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: '' }],
    }).partitions[0]!.errorCode
    expect(commit('p1-id', a.memberEpoch + 1)).toBe('STALE_MEMBER_EPOCH')
    expect(commit('nobody', a.memberEpoch)).toBe('UNKNOWN_MEMBER_ID')
    expect(commit('', -1)).toBe('UNKNOWN_MEMBER_ID')
    expect(commit('p1-id', a.memberEpoch)).toBe('NONE')
    expect(groupView(c)!.offsets).toEqual([{ topic: 't', partition: 0, offset: 5, leaderEpoch: -1, metadata: '' }])
    // OffsetFetch: a member must send its current epoch; -1 (an admin tool) may read.
    const fetch = (memberId: string | undefined, memberEpoch: number | undefined) => request<OffsetFetchResponse>(c, 'p2', coord, {
      type: 'OffsetFetch', groupId: G, partitions: [{ topic: 't', partition: 0 }], ...(memberId === undefined ? {} : { memberId }), ...(memberEpoch === undefined ? {} : { memberEpoch }),
    })
    expect(fetch('p1-id', a.memberEpoch + 1).errorCode).toBe('STALE_MEMBER_EPOCH')
    expect(fetch('nobody', 1).errorCode).toBe('UNKNOWN_MEMBER_ID')
    expect(fetch(undefined, -1).partitions[0]!.committedOffset).toBe(5)
    expect(fetch('p1-id', a.memberEpoch).partitions[0]!.committedOffset).toBe(5)
  })
})

describe('incremental reconciliation, end to end', () => {
  it('a member joining a Stable group moves only the partitions the uniform assignor moves; the others are consumed throughout', () => {
    const c = cluster(3)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 200 } })
    member(c, 'c1')
    member(c, 'c2')
    const before = assignmentOf(runUntilStable(c, 2))
    expect(Object.values(before).map((a) => a.length)).toEqual([3, 3])
    c.advance(3000)
    const joinAt = c.now
    member(c, 'c3')
    const after = assignmentOf(runUntilStable(c, 3))
    const stableAt = c.now
    c.advance(1000) // the last heartbeat's response reaches c3
    // The uniform assignor keeps two of each member's three and gives c3 one from each.
    for (const id of ['c1', 'c2']) {
      expect(after[id]!.length).toBe(2)
      for (const tp of after[id]!) expect(before[id]).toContain(tp)
    }
    const moved = [...before.c1!, ...before.c2!].filter((tp) => !after.c1!.includes(tp) && !after.c2!.includes(tp)).sort()
    expect(after.c3).toEqual(moved)
    // Only the moved partitions were revoked, each once, by its owner ...
    const revoked = byType(c, 'consumer-partitions-revoked').filter((r) => r.time >= joinAt).flatMap((r) => r.data.partitions as string[]).sort()
    expect(revoked).toEqual(moved)
    // ... and c3 was given each only after its owner had revoked it.
    for (const tp of moved) {
      const revokedAt = byType(c, 'consumer-partitions-revoked').find((r) => r.time >= joinAt && (r.data.partitions as string[]).includes(tp))!.time
      const givenAt = byType(c, 'consumer-partitions-assigned', 'c3').find((r) => (r.data.partitions as string[]).includes(tp))!.time
      expect(givenAt).toBeGreaterThan(revokedAt)
    }
    // The kept partitions were polled while the group reconciled.
    for (const id of ['c1', 'c2']) {
      const polled = byType(c, 'consumer-poll', id).filter((r) => r.time > joinAt && r.time < stableAt).flatMap((r) => Object.keys((r.data as { partitions: Record<string, unknown> }).partitions))
      for (const tp of after[id]!) expect(polled, `${id} ${tp}`).toContain(tp)
    }
    // No JoinGroup, no SyncGroup, no client-side assignment.
    expect(byType(c, 'consumer-join-group')).toHaveLength(0)
    expect(byType(c, 'consumer-assignment-computed')).toHaveLength(0)
  })

  it('a paused member is fenced after the broker\'s session timeout; its partitions move; resumed, it loses them and rejoins with a new epoch', () => {
    const c = cluster(4)
    member(c, 'c1')
    member(c, 'c2')
    const before = runUntilStable(c, 2)
    c.pause('c2')
    const pausedAt = c.now
    c.sim.runUntil(() => byType(c, 'consumer-group-member-fenced').length > 0, { timeoutMs: 60_000 })
    const fenced = byType(c, 'consumer-group-member-fenced')[0]!
    expect(fenced.time - pausedAt).toBeGreaterThan(40_000)
    expect(fenced.time - pausedAt).toBeLessThanOrEqual(45_000)
    const alone = runUntilStable(c, 1)
    expect(assignmentOf(alone).c1).toHaveLength(6)
    c.resume('c2')
    c.sim.runUntil(() => byType(c, 'consumer-partitions-lost', 'c2').length > 0, { timeoutMs: 30_000 })
    const back = runUntilStable(c, 2)
    const c2 = back.members.find((m) => m.clientId === 'c2')!
    expect(c2.memberEpoch).toBeGreaterThan(before.groupEpoch!)
    expect(back.groupEpoch).toBeGreaterThan(alone.groupEpoch!)
  })

  it('auto-commits carry the member epoch and are accepted', () => {
    const c = cluster(5)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 100 } })
    member(c, 'c1', { 'group.instance.id': 'host-1', 'auto.commit.interval.ms': 1000 })
    member(c, 'c2', { 'group.instance.id': 'host-2' })
    const before = runUntilStable(c, 2)
    c.advance(5000)
    const committed = byType(c, 'group-offsets-committed').filter((r) => r.data.memberId === before.members.find((m) => m.clientId === 'c1')!.memberId)
    expect(committed.length).toBeGreaterThan(0)
    expect(committed.every((r) => r.data.generationId === before.groupEpoch)).toBe(true)
    expect(byType(c, 'group-offset-commit-rejected')).toHaveLength(0)
  })
})

describe('describe and snapshots', () => {
  it('describeGroups and snapshot().groups show the type, state, epochs and members\' epochs', () => {
    const c = cluster(6)
    member(c, 'c1')
    runUntilStable(c, 1)
    const [described] = c.describeGroups([G])
    expect(described).toMatchObject({ type: 'consumer', state: 'Stable', protocolType: 'consumer', protocol: 'uniform', groupEpoch: 1, assignmentEpoch: 1 })
    const snap = c.snapshot().groups[G]!
    expect(snap).toMatchObject({ type: 'consumer', state: 'Stable', protocolType: 'consumer', groupEpoch: 1, assignmentEpoch: 1 })
    expect(snap.members[0]).toMatchObject({ clientId: 'c1', memberEpoch: 1, memberState: 'STABLE' })
  })
})

describe('the two protocols share the group namespace', () => {
  it('a JoinGroup to a consumer group with members gets INCONSISTENT_GROUP_PROTOCOL; a ConsumerGroupHeartbeat to a classic group with members GROUP_ID_NOT_FOUND', () => {
    const { c, coord } = setupProbes()
    hb(c, 'p1', coord, {})
    expect(request<JoinGroupResponse>(c, 'p2', coord, joinRequest(G)).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL')
    const other = 'classic-g'
    const classicCoord = findCoordinator(c, 'p2', other)
    const first = request<JoinGroupResponse>(c, 'p2', classicCoord, joinRequest(other))
    request<JoinGroupResponse>(c, 'p2', classicCoord, joinRequest(other, { memberId: first.memberId }), 60_000)
    expect(hb(c, 'p1', classicCoord, { groupId: other }).errorCode).toBe('GROUP_ID_NOT_FOUND')
  })
})

describe('coordinator failover', () => {
  it('the consumer group is rebuilt from its record on the new coordinator: epochs, assignments and offsets survive, and the members carry on', () => {
    const c = cluster(7)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 100 } })
    member(c, 'c1', { 'auto.commit.interval.ms': 1000 })
    member(c, 'c2', { 'auto.commit.interval.ms': 1000 })
    const before = runUntilStable(c, 2)
    c.advance(5000)
    c.crashBroker(before.coordinator)
    const leader = () => c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]!.partitions[offsetsPartitionFor(G, 3)]!.leader
    c.sim.runUntil(() => leader() !== before.coordinator && groupView(c)?.coordinator === leader(), { timeoutMs: 60_000 })
    const reloaded = groupView(c)!
    expect(reloaded).toMatchObject({ type: 'consumer', groupEpoch: before.groupEpoch, assignmentEpoch: before.assignmentEpoch })
    expect(assignmentOf(reloaded)).toEqual(assignmentOf(before))
    expect(reloaded.offsets.length).toBeGreaterThan(0)
    const consumed = c.consumer('c1').stats.recordsConsumed + c.consumer('c2').stats.recordsConsumed
    c.advance(40_000)
    const after = groupView(c)!
    expect(after.state).toBe('Stable')
    expect(after.groupEpoch).toBe(before.groupEpoch) // no member was lost: no rebalance
    expect(c.consumer('c1').stats.recordsConsumed + c.consumer('c2').stats.recordsConsumed).toBeGreaterThan(consumed)
    expect(byType(c, 'consumer-member-fenced')).toHaveLength(0)
  })

  it('a group that is unloaded is Dead', () => {
    const group = new ConsumerGroup(G, 0)
    expect(group.state).toBe('Empty')
    group.dead = true
    expect(group.state).toBe('Dead')
  })
})

describe('the consumer\'s fatal errors', () => {
  it('an assignor the broker does not offer: poll() throws UnsupportedAssignorException and the member never joins', () => {
    const c = cluster(8)
    const consumer = member(c, 'c1', { 'group.remote.assignor': 'sticky' })
    c.advance(10_000)
    expect(byType(c, 'consumer-group-heartbeat-rejected').map((r) => r.data.errorCode)).toContain('UNSUPPORTED_ASSIGNOR')
    expect(() => consumer.coordinator!.poll()).toThrow(/UnsupportedAssignorException/)
    expect(groupView(c)?.members ?? []).toHaveLength(0)
  })
})
