// DeleteGroups at the group coordinator (GroupCoordinatorService.deleteGroups,
// GroupCoordinatorShard.deleteGroups, ClassicGroup/ConsumerGroup.validateDeleteGroup): each
// group's error, the tombstones written for its offsets and metadata, and a new coordinator
// that replays the log and does not bring a deleted group back.

import { describe, expect, it } from 'vitest'
import type { ErrorName } from '../../core/errors.ts'
import { DEFAULT_BROKER_CONFIG } from '../../core/config.ts'
import { GroupCoordinator, type CoordinatorHost } from '../../core/group/coordinator.ts'
import { GROUP_METADATA_TOPIC_NAME, decodeCoordinatorRecord, offsetsPartitionFor } from '../../core/group/offsets-topic.ts'
import type { DeleteGroupsResponse, DescribeGroupsResponse, GroupResponse, JoinGroupResponse } from '../../core/protocol.ts'
import type { Cluster } from '../../sim/cluster.ts'
import { readCommitted } from '../../sim/shell/views.ts'
import { OFFSETS_TEST_CONFIG, commitOffsets, fetchCommitted, findCoordinator, joinRequest, probeCluster, request } from './support.ts'

const PARTITIONS = OFFSETS_TEST_CONFIG['offsets.topic.num.partitions']

function deleteGroups(c: Cluster, to: number, groupIds: string[]): DeleteGroupsResponse['results'] {
  return request<DeleteGroupsResponse>(c, 'probe', to, { type: 'DeleteGroups', groupIds }).results
}

function stateOf(c: Cluster, to: number, groupId: string): string {
  return request<DescribeGroupsResponse>(c, 'probe', to, { type: 'DescribeGroups', groups: [groupId] }).groups[0]!.groupState
}

/** Another group id whose offsets live in the same __consumer_offsets partition as `groupId` (so the same coordinator serves it). */
function neighbourOf(groupId: string, prefix = 'n'): string {
  for (let i = 0; ; i++) if (`${prefix}${i}` !== groupId && offsetsPartitionFor(`${prefix}${i}`, PARTITIONS) === offsetsPartitionFor(groupId, PARTITIONS)) return `${prefix}${i}`
}

describe('DeleteGroups', () => {
  it('answers each group on its own: INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, NONE', () => {
    const c = probeCluster(1)
    const coordinator = findCoordinator(c, 'probe', 'busy')
    // A member joins 'busy' (MEMBER_ID_REQUIRED first, then again with its id): the group has a member.
    const first = request<JoinGroupResponse>(c, 'probe', coordinator, joinRequest('busy'))
    expect(first.errorCode).toBe('MEMBER_ID_REQUIRED')
    expect(request<JoinGroupResponse>(c, 'probe', coordinator, joinRequest('busy', { memberId: first.memberId })).errorCode).toBe('NONE')
    const idle = neighbourOf('busy') // same coordinator
    const nobody = neighbourOf('busy', 'nobody')
    commitOffsets(c, coordinator, idle, { 0: 4 })
    expect(deleteGroups(c, coordinator, ['', 'busy', nobody, idle])).toEqual([
      { groupId: '', errorCode: 'INVALID_GROUP_ID' },
      { groupId: 'busy', errorCode: 'NON_EMPTY_GROUP' },
      { groupId: nobody, errorCode: 'GROUP_ID_NOT_FOUND' },
      { groupId: idle, errorCode: 'NONE' },
    ])
    expect(stateOf(c, coordinator, 'busy')).toBe('CompletingRebalance')
    expect(stateOf(c, coordinator, idle)).toBe('Dead')
    // Deleted once: a second request finds no group.
    expect(deleteGroups(c, coordinator, [idle])).toEqual([{ groupId: idle, errorCode: 'GROUP_ID_NOT_FOUND' }])
  })

  it('a group this broker does not coordinate is NOT_COORDINATOR, and nothing is deleted', () => {
    const c = probeCluster(2)
    const coordinator = findCoordinator(c, 'probe', 'g1')
    commitOffsets(c, coordinator, 'g1', { 0: 7 })
    const other = c.brokerIds.find((id) => id !== coordinator)!
    expect(deleteGroups(c, other, ['g1'])).toEqual([{ groupId: 'g1', errorCode: 'NOT_COORDINATOR' }])
    expect(fetchCommitted(c, coordinator, 'g1').partitions[0]!.committedOffset).toBe(7)
  })

  it.each([3, 4, 5, 6, 7, 8])('writes tombstones for every offset and the group; a new coordinator replays them and the group stays deleted (seed %i)', (seed) => {
    const c = probeCluster(seed)
    const coordinator = findCoordinator(c, 'probe', 'g1')
    const kept = neighbourOf('g1') // positive control: a group of the same partition that is not deleted comes back
    commitOffsets(c, coordinator, 'g1', { 0: 11, 1: 12 })
    commitOffsets(c, coordinator, kept, { 0: 21 })
    expect(deleteGroups(c, coordinator, ['g1'])).toEqual([{ groupId: 'g1', errorCode: 'NONE' }])
    expect(fetchCommitted(c, coordinator, 'g1').partitions.map((p) => p.committedOffset)).toEqual([-1, -1])
    const partition = offsetsPartitionFor('g1', PARTITIONS)
    const tombstones = c.trace.events.filter((e) => e.type === 'group-deleted' && e.node === coordinator)
    expect(tombstones.map((e) => e.data)).toEqual([{ groupId: 'g1', offsetsPartition: partition, offsets: 2 }])

    c.crashBroker(coordinator)
    const via = c.brokerIds.find((id) => id !== coordinator)!
    let next = findCoordinator(c, 'probe', 'g1', via)
    while (next === coordinator) {
      c.advance(50)
      next = findCoordinator(c, 'probe', 'g1', via)
    }
    let fetched = fetchCommitted(c, next, 'g1')
    while (fetched.errorCode === 'COORDINATOR_LOAD_IN_PROGRESS') fetched = fetchCommitted(c, next, 'g1')
    expect(fetched.partitions.map((p) => p.committedOffset)).toEqual([-1, -1])
    expect(fetchCommitted(c, next, kept).partitions[0]!.committedOffset).toBe(21)
    expect(stateOf(c, next, 'g1')).toBe('Dead')
    expect(stateOf(c, next, kept)).toBe('Empty')
    expect(deleteGroups(c, next, ['g1'])).toEqual([{ groupId: 'g1', errorCode: 'GROUP_ID_NOT_FOUND' }])
    // The new leader's log holds g1's offsets, then their tombstones (null values) and the group's.
    c.advance(1_000) // the new leader's high watermark catches up with its log end once the follower fetches
    const g1Records = readCommitted(c, GROUP_METADATA_TOPIC_NAME, partition, 0)!.records
      .map((r) => decodeCoordinatorRecord(r.key, r.value))
      .filter((r) => r?.groupId === 'g1')
      .map((r) => [r!.kind, r!.kind === 'offset' ? r!.partition : null, r!.value === null ? 'tombstone' : 'value'])
    expect(g1Records).toEqual([['offset', 0, 'value'], ['offset', 1, 'value'], ['offset', 0, 'tombstone'], ['offset', 1, 'tombstone'], ['group', null, 'tombstone']])
  })
})

// --- the coordinator alone, on a host that never fires its timers -----------------------------

function lonelyCoordinator(append: CoordinatorHost['append'], writeStatus: CoordinatorHost['writeStatus']) {
  const responses: GroupResponse[] = []
  const host: CoordinatorHost = {
    brokerId: 1,
    now: () => 0,
    config: () => ({ ...DEFAULT_BROKER_CONFIG, 'offsets.topic.num.partitions': 1 }),
    random: () => 0.5,
    emit: () => {},
    setTimer: () => 1 as never,
    cancelTimer: () => {},
    respond: (_to, response) => void responses.push(response),
    append,
    writeStatus,
    partitionCount: () => undefined,
  }
  return { coordinator: new GroupCoordinator(host), responses }
}

describe('DeleteGroups at a lone coordinator', () => {
  it('is COORDINATOR_LOAD_IN_PROGRESS while the partition loads', () => {
    const { coordinator, responses } = lonelyCoordinator(() => ({ requiredOffset: 1 }), () => ({ done: true, errorCode: 'NONE' }))
    coordinator.onBecomeLeader(0, 1) // the load timer never fires here
    coordinator.handleDeleteGroups('probe', { type: 'DeleteGroups', correlationId: 1, groupIds: ['g'] })
    expect(responses).toEqual([{ type: 'DeleteGroupsResponse', correlationId: 1, results: [{ groupId: 'g', errorCode: 'COORDINATOR_LOAD_IN_PROGRESS' }] }])
  })

  it.each<[ErrorName, ErrorName]>([
    ['NOT_LEADER_OR_FOLLOWER', 'NOT_COORDINATOR'],
    ['NOT_ENOUGH_REPLICAS', 'COORDINATOR_NOT_AVAILABLE'],
    ['REQUEST_TIMED_OUT', 'COORDINATOR_NOT_AVAILABLE'],
  ])('a write that fails with %s answers %s and keeps the group', (writeError, answered) => {
    let failWrites = false
    const appended: { key: string | null; value: string | null }[][] = []
    const { coordinator, responses } = lonelyCoordinator(
      (_p, records) => {
        appended.push(records.map((r) => ({ key: r.key, value: r.value })))
        return failWrites ? { errorCode: writeError } : { requiredOffset: appended.length }
      },
      () => ({ done: true, errorCode: 'NONE' }),
    )
    coordinator.onBecomeLeader(0, 1)
    coordinator.onTimer('group-load', { partition: 0, leaderEpoch: 1 }, () => [])
    coordinator.handleOffsetCommit('probe', {
      type: 'OffsetCommit', correlationId: 1, groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      partitions: [{ topic: 't', partition: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: '' }],
    })
    failWrites = true
    coordinator.handleDeleteGroups('probe', { type: 'DeleteGroups', correlationId: 2, groupIds: ['g'] })
    expect(responses.at(-1)).toEqual({ type: 'DeleteGroupsResponse', correlationId: 2, results: [{ groupId: 'g', errorCode: answered }] })
    // The tombstones it tried to write: the offset's, then the group's.
    expect(appended.at(-1)!.map((r) => [decodeCoordinatorRecord(r.key, r.value)?.kind, r.value])).toEqual([['offset', null], ['group', null]])
    expect(coordinator.views().map((g) => [g.groupId, g.offsets.length])).toEqual([['g', 1]])
    failWrites = false
    coordinator.handleDeleteGroups('probe', { type: 'DeleteGroups', correlationId: 3, groupIds: ['g'] })
    expect(responses.at(-1)).toEqual({ type: 'DeleteGroupsResponse', correlationId: 3, results: [{ groupId: 'g', errorCode: 'NONE' }] })
    expect(coordinator.views()).toEqual([])
  })
})
