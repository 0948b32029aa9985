// Milestone 3: the classic group protocol at the coordinator, request by request
// (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, session expiry, static membership).

import { describe, expect, it } from 'vitest'
import type { DescribeGroupsResponse, HeartbeatResponse, JoinGroupResponse, LeaveGroupResponse, SyncGroupResponse } from '../../core/protocol.ts'
import { GROUP_METADATA_TOPIC_NAME, decodeCoordinatorRecord, offsetsPartitionFor } from '../../core/group/offsets-topic.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { addProbe, findCoordinator, joinRequest, request, responseOf, sendRequest } from './support.ts'

const G = 'g'

function setup(config: Record<string, unknown> = {}, seed = 1): { c: Cluster; coord: number } {
  const c = createCluster({ seed, brokers: 3, config: { 'offsets.topic.num.partitions': 3, 'group.initial.rebalance.delay.ms': 0, ...config } })
  addProbe(c, 'p1')
  addProbe(c, 'p2')
  addProbe(c, 'p3')
  return { c, coord: findCoordinator(c, 'p1', G) }
}

/** The two-step join of a new dynamic member: MEMBER_ID_REQUIRED, then the join with that id (sent, not awaited). */
function startJoin(c: Cluster, coord: number, probe: string, overrides: Parameters<typeof joinRequest>[1] = {}): number {
  const first = request<JoinGroupResponse>(c, probe, coord, joinRequest(G, overrides))
  expect(first.errorCode).toBe('MEMBER_ID_REQUIRED')
  expect(first.memberId).toMatch(/^c-/)
  return sendRequest(c, probe, coord, joinRequest(G, { ...overrides, memberId: first.memberId }))
}

function awaitResponse<T>(c: Cluster, probe: string, id: number, timeoutMs = 60_000): T {
  c.sim.runUntil(() => responseOf(c, probe, id) !== undefined, { timeoutMs, describe: () => `response ${id} of ${probe}` })
  return responseOf<T>(c, probe, id)!
}

function sync(c: Cluster, coord: number, probe: string, join: JoinGroupResponse, assignments: Record<string, unknown> = {}): number {
  return sendRequest(c, probe, coord, {
    type: 'SyncGroup', groupId: G, generationId: join.generationId, memberId: join.memberId, groupInstanceId: null,
    protocolType: join.protocolType, protocolName: join.protocolName,
    assignments: Object.entries(assignments).map(([memberId, assignment]) => ({ memberId, assignment })),
  })
}

function heartbeat(c: Cluster, coord: number, probe: string, memberId: string, generationId: number, groupInstanceId: string | null = null): string {
  return request<HeartbeatResponse>(c, probe, coord, { type: 'Heartbeat', groupId: G, generationId, memberId, groupInstanceId }).errorCode
}

function describeGroup(c: Cluster, coord: number) {
  return request<DescribeGroupsResponse>(c, 'p3', coord, { type: 'DescribeGroups', groups: [G] }).groups[0]!
}

/** One member joins and syncs: a Stable group of one. */
function singleMemberGroup(c: Cluster, coord: number): JoinGroupResponse {
  const join = awaitResponse<JoinGroupResponse>(c, 'p1', startJoin(c, coord, 'p1'))
  const synced = awaitResponse<SyncGroupResponse>(c, 'p1', sync(c, coord, 'p1', join, { [join.memberId]: { partitions: [0, 1] } }))
  expect(synced.errorCode).toBe('NONE')
  return join
}

describe('JoinGroup and SyncGroup', () => {
  it('a first member gets MEMBER_ID_REQUIRED, then generation 1 as leader with every subscription; SyncGroup makes the group Stable', () => {
    const { c, coord } = setup()
    const join = awaitResponse<JoinGroupResponse>(c, 'p1', startJoin(c, coord, 'p1'))
    expect(join).toMatchObject({ errorCode: 'NONE', generationId: 1, protocolType: 'consumer', protocolName: 'range' })
    expect(join.leader).toBe(join.memberId)
    expect(join.members).toEqual([{ memberId: join.memberId, groupInstanceId: null, metadata: { topics: ['t'] } }])
    expect(describeGroup(c, coord).groupState).toBe('CompletingRebalance')
    const synced = awaitResponse<SyncGroupResponse>(c, 'p1', sync(c, coord, 'p1', join, { [join.memberId]: { partitions: [0] } }))
    expect(synced).toMatchObject({ errorCode: 'NONE', assignment: { partitions: [0] } })
    const described = describeGroup(c, coord)
    expect(described.groupState).toBe('Stable')
    expect(described.members[0]!.memberAssignment).toEqual({ partitions: [0] })
    expect(heartbeat(c, coord, 'p1', join.memberId, 1)).toBe('NONE')
  })

  it('a second member starts a rebalance: the first hears REBALANCE_IN_PROGRESS, rejoins, and both get generation 2 with the same leader', () => {
    const { c, coord } = setup()
    const first = singleMemberGroup(c, coord)
    const secondJoin = startJoin(c, coord, 'p2')
    c.advance(10)
    expect(describeGroup(c, coord).groupState).toBe('PreparingRebalance')
    expect(heartbeat(c, coord, 'p1', first.memberId, 1)).toBe('REBALANCE_IN_PROGRESS')
    // SyncGroup during the join phase is refused too.
    expect(awaitResponse<SyncGroupResponse>(c, 'p1', sync(c, coord, 'p1', first)).errorCode).toBe('REBALANCE_IN_PROGRESS')
    const rejoin = awaitResponse<JoinGroupResponse>(c, 'p1', sendRequest(c, 'p1', coord, joinRequest(G, { memberId: first.memberId })))
    const second = awaitResponse<JoinGroupResponse>(c, 'p2', secondJoin)
    expect(rejoin.generationId).toBe(2)
    expect(second.generationId).toBe(2)
    expect(rejoin.leader).toBe(first.memberId)
    expect(second.leader).toBe(first.memberId)
    expect(rejoin.members.map((m) => m.memberId).sort()).toEqual([first.memberId, second.memberId].sort())
    expect(second.members).toEqual([]) // only the leader sees the subscriptions
    // The follower's SyncGroup waits for the leader's assignment.
    const followerSync = sync(c, coord, 'p2', second)
    c.advance(50)
    expect(responseOf(c, 'p2', followerSync)).toBeUndefined()
    sync(c, coord, 'p1', rejoin, { [first.memberId]: { partitions: [0] }, [second.memberId]: { partitions: [1] } })
    expect(awaitResponse<SyncGroupResponse>(c, 'p2', followerSync).assignment).toEqual({ partitions: [1] })
    expect(heartbeat(c, coord, 'p1', first.memberId, 1)).toBe('ILLEGAL_GENERATION')
    expect(heartbeat(c, coord, 'p1', first.memberId, 2)).toBe('NONE')
  })

  it('the protocol is chosen by vote among the assignors every member supports', () => {
    const { c, coord } = setup({ 'group.initial.rebalance.delay.ms': 1000 }) // all three join in the first join phase
    const a = startJoin(c, coord, 'p1', { protocols: [{ name: 'range', metadata: 1 }, { name: 'cooperative-sticky', metadata: 1 }] })
    const b = startJoin(c, coord, 'p2', { protocols: [{ name: 'cooperative-sticky', metadata: 2 }, { name: 'range', metadata: 2 }] })
    const third = request<JoinGroupResponse>(c, 'p3', coord, joinRequest(G, { protocols: [{ name: 'cooperative-sticky', metadata: 3 }] }))
    const cJoin = sendRequest(c, 'p3', coord, joinRequest(G, { memberId: third.memberId, protocols: [{ name: 'cooperative-sticky', metadata: 3 }] }))
    const responses = [awaitResponse<JoinGroupResponse>(c, 'p1', a), awaitResponse<JoinGroupResponse>(c, 'p2', b), awaitResponse<JoinGroupResponse>(c, 'p3', cJoin)]
    for (const r of responses) expect(r.protocolName).toBe('cooperative-sticky')
  })

  it('group.initial.rebalance.delay.ms holds the first join phase of an empty group', () => {
    const { c, coord } = setup({ 'group.initial.rebalance.delay.ms': 3000 })
    const id = startJoin(c, coord, 'p1')
    const start = c.now
    const join = awaitResponse<JoinGroupResponse>(c, 'p1', id)
    expect(join.errorCode).toBe('NONE')
    expect(c.now - start).toBeGreaterThanOrEqual(3000)
  })
})

describe('requests refused with Kafka\'s errors, and no member joined', () => {
  it('an empty group id is INVALID_GROUP_ID', () => {
    const { c, coord } = setup()
    expect(request<JoinGroupResponse>(c, 'p1', coord, joinRequest('')).errorCode).toBe('INVALID_GROUP_ID')
  })

  it('a session timeout outside [group.min.session.timeout.ms, group.max.session.timeout.ms] is INVALID_SESSION_TIMEOUT', () => {
    const { c, coord } = setup()
    expect(request<JoinGroupResponse>(c, 'p1', coord, joinRequest(G, { sessionTimeoutMs: 5999 })).errorCode).toBe('INVALID_SESSION_TIMEOUT')
    expect(request<JoinGroupResponse>(c, 'p1', coord, joinRequest(G, { sessionTimeoutMs: 1_800_001 })).errorCode).toBe('INVALID_SESSION_TIMEOUT')
    expect(describeGroup(c, coord).groupState).toBe('Dead') // no such group: nothing was created
  })

  it('no assignor in common with the members, or none at all, is INCONSISTENT_GROUP_PROTOCOL', () => {
    const { c, coord } = setup()
    const first = singleMemberGroup(c, coord)
    expect(request<JoinGroupResponse>(c, 'p2', coord, joinRequest(G, { protocols: [{ name: 'roundrobin', metadata: {} }] })).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL')
    expect(request<JoinGroupResponse>(c, 'p2', coord, joinRequest(G, { protocols: [] })).errorCode).toBe('INCONSISTENT_GROUP_PROTOCOL')
    const described = describeGroup(c, coord)
    expect(described.groupState).toBe('Stable')
    expect(described.members.map((m) => m.memberId)).toEqual([first.memberId])
  })

  it('an unknown member id is UNKNOWN_MEMBER_ID for JoinGroup, SyncGroup, Heartbeat and LeaveGroup', () => {
    const { c, coord } = setup()
    const first = singleMemberGroup(c, coord)
    expect(request<JoinGroupResponse>(c, 'p2', coord, joinRequest(G, { memberId: 'nobody' })).errorCode).toBe('UNKNOWN_MEMBER_ID')
    expect(awaitResponse<SyncGroupResponse>(c, 'p2', sync(c, coord, 'p2', { ...first, memberId: 'nobody' })).errorCode).toBe('UNKNOWN_MEMBER_ID')
    expect(heartbeat(c, coord, 'p2', 'nobody', 1)).toBe('UNKNOWN_MEMBER_ID')
    const leave = request<LeaveGroupResponse>(c, 'p2', coord, { type: 'LeaveGroup', groupId: G, members: [{ memberId: 'nobody', groupInstanceId: null }] })
    expect(leave.members[0]!.errorCode).toBe('UNKNOWN_MEMBER_ID')
  })
})

describe('leaving and expiring', () => {
  it('LeaveGroup of the only member: the group rebalances to Empty at the next generation', () => {
    const { c, coord } = setup()
    const first = singleMemberGroup(c, coord)
    const leave = request<LeaveGroupResponse>(c, 'p1', coord, { type: 'LeaveGroup', groupId: G, members: [{ memberId: first.memberId, groupInstanceId: null }] })
    expect(leave.members[0]!.errorCode).toBe('NONE')
    c.advance(10)
    expect(describeGroup(c, coord)).toMatchObject({ groupState: 'Empty', members: [] })
    expect(c.brokerNode(coord)!.snapshot().groups[0]!.generation).toBe(2)
  })

  it('a member that stops heartbeating is removed after session.timeout.ms; the others must rejoin', () => {
    const { c, coord } = setup()
    const first = singleMemberGroup(c, coord)
    const secondJoin = startJoin(c, coord, 'p2', { sessionTimeoutMs: 6000 })
    request<JoinGroupResponse>(c, 'p1', coord, joinRequest(G, { memberId: first.memberId }))
    const second = awaitResponse<JoinGroupResponse>(c, 'p2', secondJoin)
    const leaderJoin = { ...first, generationId: second.generationId }
    sync(c, coord, 'p1', leaderJoin, { [first.memberId]: {}, [second.memberId]: {} })
    awaitResponse<SyncGroupResponse>(c, 'p2', sync(c, coord, 'p2', second))
    // Only the first member keeps heartbeating.
    const start = c.now
    while (c.now - start < 7000) {
      c.advance(2000)
      if (heartbeat(c, coord, 'p1', first.memberId, second.generationId) !== 'NONE') break
    }
    expect(c.trace.events.some((r) => r.type === 'group-member-expired' && (r.data as { memberId: string }).memberId === second.memberId)).toBe(true)
    expect(heartbeat(c, coord, 'p1', first.memberId, second.generationId)).toBe('REBALANCE_IN_PROGRESS')
  })
})

describe('static membership (group.instance.id)', () => {
  it('a static member rejoining within the session timeout takes over its assignment without a rebalance; its old id is fenced', () => {
    const { c, coord } = setup()
    const first = request<JoinGroupResponse>(c, 'p1', coord, joinRequest(G, { groupInstanceId: 'i-1' }))
    expect(first.errorCode).toBe('NONE') // no MEMBER_ID_REQUIRED for a static member
    awaitResponse<SyncGroupResponse>(c, 'p1', sendRequest(c, 'p1', coord, {
      type: 'SyncGroup', groupId: G, generationId: first.generationId, memberId: first.memberId, groupInstanceId: 'i-1',
      protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: first.memberId, assignment: { partitions: [0, 1] } }],
    }))
    // The process restarts: same instance id, no member id.
    const rejoin = request<JoinGroupResponse>(c, 'p2', coord, joinRequest(G, { groupInstanceId: 'i-1' }))
    expect(rejoin.errorCode).toBe('NONE')
    expect(rejoin.memberId).not.toBe(first.memberId)
    expect(rejoin.generationId).toBe(first.generationId) // no new generation
    expect(rejoin.skipAssignment).toBe(true) // the leader must not reassign (KIP-814)
    const synced = awaitResponse<SyncGroupResponse>(c, 'p2', sendRequest(c, 'p2', coord, {
      type: 'SyncGroup', groupId: G, generationId: rejoin.generationId, memberId: rejoin.memberId, groupInstanceId: 'i-1', protocolType: 'consumer', protocolName: 'range', assignments: [],
    }))
    expect(synced.assignment).toEqual({ partitions: [0, 1] })
    expect(describeGroup(c, coord).groupState).toBe('Stable')
    expect(heartbeat(c, coord, 'p1', first.memberId, first.generationId, 'i-1')).toBe('FENCED_INSTANCE_ID')
    expect(c.trace.events.filter((r) => r.type === 'group-rebalance')).toHaveLength(1) // only the first join
  })
})

describe('group metadata in the offsets topic', () => {
  it('the assignment is written to the group\'s partition; a new coordinator reloads the group Stable with its generation and members', () => {
    const { c, coord } = setup({}, 7)
    const first = singleMemberGroup(c, coord)
    const partition = offsetsPartitionFor(G, 3)
    const log = c.brokerNode(coord)!.partitions.get(`${GROUP_METADATA_TOPIC_NAME}-${partition}`)!.log
    const groupRecords = log.batches().flatMap((b) => b.records.map((r) => decodeCoordinatorRecord(r.key, r.value))).filter((r) => r?.kind === 'group')
    expect(groupRecords.at(-1)).toMatchObject({ kind: 'group', groupId: G, value: { generation: 1, leader: first.memberId, members: [{ memberId: first.memberId, assignment: { partitions: [0, 1] } }] } })
    c.crashBroker(coord)
    const via = c.brokerIds.find((id) => id !== coord)!
    let next = findCoordinator(c, 'p3', G, via)
    while (next === coord) {
      c.advance(50)
      next = findCoordinator(c, 'p3', G, via)
    }
    c.advance(10)
    const described = describeGroup(c, next)
    expect(described.groupState).toBe('Stable')
    expect(described.members.map((m) => m.memberId)).toEqual([first.memberId])
    expect(heartbeat(c, next, 'p1', first.memberId, 1)).toBe('NONE')
  })
})
