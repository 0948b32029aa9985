// Milestone 1: the coordinator's placement, __consumer_offsets, and offsets committed by a
// consumer outside group management (generation -1, as a manually assigned consumer does).

import { describe, expect, it } from 'vitest'
import type { OffsetCommitResponse } from '../../core/protocol.ts'
import { GROUP_METADATA_TOPIC_NAME, decodeCoordinatorRecord, offsetsPartitionFor } from '../../core/group/offsets-topic.ts'
import { createCluster } from '../../sim/cluster.ts'
import { OFFSETS_TEST_CONFIG, addProbe, commitOffsets, fetchCommitted, findCoordinator, probeCluster, request, responseOf, sendRequest } from './support.ts'

const CONFIG = OFFSETS_TEST_CONFIG

describe('coordinator placement', () => {
  it('is partition abs(groupId.hashCode()) % offsets.topic.num.partitions, as Java computes it', () => {
    expect(offsetsPartitionFor('hello', 50)).toBe(99162322 % 50) // "hello".hashCode() = 99162322
    expect(offsetsPartitionFor('Aa', 7)).toBe(offsetsPartitionFor('BB', 7)) // equal Java hash codes (2112)
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0) // hashCode() is Integer.MIN_VALUE: Utils.abs gives 0
  })

  it('the first FindCoordinator creates __consumer_offsets (compacted, offsets.topic.* sized); the answer is its partition leader', () => {
    const c = probeCluster()
    expect(c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]).toBeUndefined()
    const coordinator = findCoordinator(c, 'probe', 'g1')
    const topic = c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]!
    expect(Object.keys(topic.partitions)).toHaveLength(3)
    for (const p of Object.values(topic.partitions)) expect(p.replicas).toHaveLength(3)
    expect(c.controller()!.topicConfig(GROUP_METADATA_TOPIC_NAME)['cleanup.policy']).toEqual(['compact'])
    expect(coordinator).toBe(topic.partitions[offsetsPartitionFor('g1', 3)]!.leader)
    expect(c.trace.events.some((r) => r.type === 'offsets-topic-create-requested')).toBe(true)
  })

  it('creation fails while fewer brokers than offsets.topic.replication.factor exist: COORDINATOR_NOT_AVAILABLE', () => {
    const c = createCluster({ seed: 2, brokers: 2, config: CONFIG })
    addProbe(c, 'probe')
    for (let i = 0; i < 3; i++) {
      const r = request<{ errorCode: string }>(c, 'probe', 1, { type: 'FindCoordinator', key: 'g' })
      expect(r.errorCode).toBe('COORDINATOR_NOT_AVAILABLE')
      c.advance(3000)
    }
    expect(c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]).toBeUndefined()
    expect(c.trace.events.find((r) => r.type === 'offsets-topic-create-failed')?.data).toMatchObject({ errorCode: 'INVALID_REPLICATION_FACTOR' })
  })
})

describe('offsets of a consumer outside group management', () => {
  it('are committed as records of the group\'s offsets partition and fetched back', () => {
    const c = probeCluster()
    const coordinator = findCoordinator(c, 'probe', 'g1')
    expect(commitOffsets(c, coordinator, 'g1', { 0: 5, 1: 7 }).partitions.map((p) => p.errorCode)).toEqual(['NONE', 'NONE'])
    const fetched = fetchCommitted(c, coordinator, 'g1')
    expect(fetched.errorCode).toBe('NONE')
    expect(fetched.partitions.map((p) => p.committedOffset)).toEqual([5, 7])
    // The records are in the log of the group's partition, committed (below the HW).
    const log = c.brokerNode(coordinator)!.partitions.get(`${GROUP_METADATA_TOPIC_NAME}-${offsetsPartitionFor('g1', 3)}`)!.log
    const records = log.batches().flatMap((b) => b.records.map((r) => decodeCoordinatorRecord(r.key, r.value)))
    expect(records).toContainEqual(expect.objectContaining({ kind: 'offset', groupId: 'g1', topic: 't', partition: 1, value: expect.objectContaining({ offset: 7 }) }))
    expect(log.highWatermark).toBe(log.logEndOffset)
  })

  it('a group without commits has offset -1; another group\'s offsets are its own', () => {
    const c = probeCluster()
    const coordinator = findCoordinator(c, 'probe', 'g1')
    commitOffsets(c, coordinator, 'g1', { 0: 3 })
    const other = findCoordinator(c, 'probe', 'g2')
    expect(fetchCommitted(c, other, 'g2').partitions.map((p) => p.committedOffset)).toEqual([-1, -1])
  })

  it('a broker that does not coordinate the group answers NOT_COORDINATOR; an empty group id is INVALID_GROUP_ID', () => {
    const c = probeCluster()
    const coordinator = findCoordinator(c, 'probe', 'g1')
    const other = c.brokerIds.find((id) => id !== coordinator)!
    expect(commitOffsets(c, other, 'g1', { 0: 1 }).partitions[0]!.errorCode).toBe('NOT_COORDINATOR')
    expect(fetchCommitted(c, other, 'g1').errorCode).toBe('NOT_COORDINATOR')
    expect(commitOffsets(c, coordinator, '', { 0: 1 }).partitions[0]!.errorCode).toBe('INVALID_GROUP_ID')
  })

  it('a member-less commit with a generation to a group that does not exist is ILLEGAL_GENERATION', () => {
    const c = probeCluster()
    const coordinator = findCoordinator(c, 'probe', 'g1')
    const r = request<OffsetCommitResponse>(c, 'probe', coordinator, {
      type: 'OffsetCommit', groupId: 'g1', generationIdOrMemberEpoch: 3, memberId: 'm', groupInstanceId: null,
      partitions: [{ topic: 't', partition: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }],
    })
    expect(r.partitions[0]!.errorCode).toBe('ILLEGAL_GENERATION')
  })

  it('metadata longer than offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE for that partition only', () => {
    const c = createCluster({ seed: 3, brokers: 3, config: { ...CONFIG, 'offset.metadata.max.bytes': 4 } })
    c.createTopic('t', { partitions: 2, replicationFactor: 3 })
    addProbe(c, 'probe')
    const coordinator = findCoordinator(c, 'probe', 'g1')
    const r = request<OffsetCommitResponse>(c, 'probe', coordinator, {
      type: 'OffsetCommit', groupId: 'g1', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      partitions: [
        { topic: 't', partition: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: 'too long' },
        { topic: 't', partition: 1, committedOffset: 2, committedLeaderEpoch: -1, committedMetadata: 'ok' },
      ],
    })
    expect(r.partitions.map((p) => p.errorCode)).toEqual(['OFFSET_METADATA_TOO_LARGE', 'NONE'])
    expect(fetchCommitted(c, coordinator, 'g1').partitions.map((p) => p.committedOffset)).toEqual([-1, 2])
  })

  it('a commit the followers cannot replicate fails after offsets.commit.timeout.ms with COORDINATOR_NOT_AVAILABLE, and is not visible', () => {
    const c = probeCluster(4)
    const coordinator = findCoordinator(c, 'probe', 'g1')
    commitOffsets(c, coordinator, 'g1', { 0: 1 })
    for (const id of c.brokerIds) if (id !== coordinator) c.block(id, coordinator) // no follower fetch reaches the leader
    const start = c.now
    const id = sendRequest(c, 'probe', coordinator, {
      type: 'OffsetCommit', groupId: 'g1', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
      partitions: [{ topic: 't', partition: 0, committedOffset: 9, committedLeaderEpoch: -1, committedMetadata: '' }],
    })
    c.sim.runUntil(() => responseOf(c, 'probe', id) !== undefined, { timeoutMs: 20_000 })
    expect(responseOf<OffsetCommitResponse>(c, 'probe', id)!.partitions[0]!.errorCode).toBe('COORDINATOR_NOT_AVAILABLE')
    expect(c.now - start).toBeGreaterThanOrEqual(5000) // offsets.commit.timeout.ms default
    expect(fetchCommitted(c, coordinator, 'g1').partitions[0]!.committedOffset).toBe(1)
  })

  it('survive the coordinator\'s crash: the new leader of the partition reloads them from its log', () => {
    const c = probeCluster(5)
    const coordinator = findCoordinator(c, 'probe', 'g1')
    commitOffsets(c, coordinator, 'g1', { 0: 11, 1: 12 })
    c.crashBroker(coordinator)
    let next = coordinator
    c.sim.runUntil(() => {
      const leader = c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]!.partitions[offsetsPartitionFor('g1', 3)]!.leader
      next = leader
      return leader !== coordinator && leader !== -1
    }, { timeoutMs: 30_000 })
    const via = c.brokerIds.find((id) => id !== coordinator)!
    // The broker asked learns of the new leader from the metadata log within moments.
    let found = findCoordinator(c, 'probe', 'g1', via)
    while (found === coordinator) {
      c.advance(50)
      found = findCoordinator(c, 'probe', 'g1', via)
    }
    expect(found).toBe(next)
    let fetched = fetchCommitted(c, next, 'g1')
    while (fetched.errorCode === 'COORDINATOR_LOAD_IN_PROGRESS') fetched = fetchCommitted(c, next, 'g1')
    expect(fetched.partitions.map((p) => p.committedOffset)).toEqual([11, 12])
    const loaded = c.trace.events.filter((r) => r.type === 'group-coordinator-loaded' && r.node === next)
    expect(loaded.length).toBeGreaterThan(0)
  })
})
