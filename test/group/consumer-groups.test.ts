// Milestone 4: consumers in a group, end to end (subscribe, rebalances, commits, failover,
// the zombie member), checked from the brokers' group views and the trace.

import { describe, expect, it } from 'vitest'
import { assignmentOf, byType, groupView, runUntilStable } from './support.ts'
import type { Consumer, ConsumerOptions } from '../../core/client/consumer/consumer.ts'
import { GROUP_METADATA_TOPIC_NAME, offsetsPartitionFor } from '../../core/group/offsets-topic.ts'
import { createCluster, type Cluster } from '../../sim/cluster.ts'

const BASE = { 'offsets.topic.num.partitions': 3 }

function cluster(seed: number, config: Record<string, unknown> = {}, partitions = 3): Cluster {
  const c = createCluster({ seed, brokers: 3, config: { ...BASE, ...config }, traceCapacity: 200_000 })
  c.createTopic('t', { partitions, replicationFactor: 3 })
  return c
}

function member(c: Cluster, id: string, config: Record<string, unknown> = {}, extra: Omit<ConsumerOptions, 'bootstrapBrokers' | 'config'> = {}): Consumer {
  return c.addConsumer(id, {
    config: { 'group.id': 'g', 'auto.offset.reset': 'earliest', ...config },
    subscribe: ['t'],
    app: { pollIntervalMs: 100, processingMsPerRecord: 0 },
    ...extra,
  })
}

describe('a group of consumers', () => {
  it('shares the partitions, one owner each; a fourth member on three partitions gets none and stays idle', () => {
    const c = cluster(1)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 100 } })
    for (const id of ['c1', 'c2', 'c3', 'c4']) member(c, id)
    const view = runUntilStable(c, 4)
    const assignment = assignmentOf(view)
    const owned = Object.values(assignment).flat().sort()
    expect(owned).toEqual(['t-0', 't-1', 't-2']) // every partition, each once
    expect(Object.values(assignment).filter((tps) => tps.length === 0)).toHaveLength(1)
    c.advance(5000)
    const idle = Object.entries(assignment).find(([, tps]) => tps.length === 0)![0]
    expect(c.consumer(idle).stats.recordsConsumed).toBe(0)
    const total = Object.keys(assignment).reduce((sum, id) => sum + c.consumer(id).stats.recordsConsumed, 0)
    expect(total).toBeGreaterThan(0)
  })

  it('the default strategy [range, cooperative-sticky] rebalances EAGER; only cooperative-sticky makes it COOPERATIVE', () => {
    const c = cluster(2)
    const eager = member(c, 'c1')
    const coop = c.addConsumer('c2', { config: { 'group.id': 'other', 'partition.assignment.strategy': 'cooperative-sticky' }, subscribe: ['t'] })
    expect(eager.coordinator!.protocol).toBe('EAGER')
    expect(coop.coordinator!.protocol).toBe('COOPERATIVE')
  })

  it('a new member starts from the group\'s committed offsets; without one, from auto.offset.reset', () => {
    const c = cluster(3)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 200, stopAtMs: 3000 } })
    member(c, 'c1', { 'auto.commit.interval.ms': 500 })
    runUntilStable(c, 1)
    c.advance(6000)
    const committed = groupView(c)!.offsets
    expect(committed.map((o) => o.partition)).toEqual([0, 1, 2])
    c.sim.crash('c1')
    // A new member of the same group starts where the group committed: nothing before it again.
    const c2 = member(c, 'c2')
    c.advance(60_000) // c1's session times out, c2 gets every partition
    const used = byType(c, 'consumer-committed-offset-used', 'c2').map((r) => r.data as { partition: string; offset: number })
    expect(used.map((u) => u.partition).sort()).toEqual(['t-0', 't-1', 't-2'])
    for (const u of used) expect(u.offset).toBe(committed.find((o) => `t-${o.partition}` === u.partition)!.offset)
    const firstOffsets = new Map<number, number>()
    for (const r of c2.consumed) if (!firstOffsets.has(r.partition)) firstOffsets.set(r.partition, r.offset)
    for (const o of committed) if (firstOffsets.has(o.partition)) expect(firstOffsets.get(o.partition)).toBe(o.offset)
    // Another group has no offsets: with auto.offset.reset=latest it starts at the end and reads nothing old.
    const fresh = c.addConsumer('c3', { config: { 'group.id': 'fresh', 'auto.offset.reset': 'latest' }, subscribe: ['t'], app: { pollIntervalMs: 100, processingMsPerRecord: 0 } })
    c.advance(20_000)
    expect(fresh.stats.recordsConsumed).toBe(0)
    expect(fresh.assignment()).toHaveLength(3)
  })

  it('commitSync stores the positions; the outcome settles when the coordinator answers', () => {
    const c = cluster(4)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 100, stopAtMs: 2000 } })
    const consumer = member(c, 'c1', { 'enable.auto.commit': false })
    runUntilStable(c, 1)
    c.advance(5000)
    expect(groupView(c)!.offsets).toEqual([]) // nothing committed without auto-commit
    const outcome = c.sim.command<{ id: number; status: string }>('c1', { op: 'commitSync' })
    c.advance(1000)
    const settled = consumer.coordinator!.commits.find((o) => o.id === outcome.id)!
    expect(settled.status).toBe('committed')
    const positions = Object.fromEntries(consumer.allConsumed().map((p) => [`${p.topic}-${p.partition}`, p.offset]))
    expect(Object.fromEntries(groupView(c)!.offsets.map((o) => [`${o.topic}-${o.partition}`, o.offset]))).toEqual(positions)
  })
})

describe('eager and cooperative rebalancing, from the trace', () => {
  function rebalanceWhileConsuming(strategy: string, seed: number) {
    const c = cluster(seed, {}, 6)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 300 } })
    member(c, 'c1', { 'partition.assignment.strategy': strategy })
    member(c, 'c2', { 'partition.assignment.strategy': strategy })
    const before = assignmentOf(runUntilStable(c, 2))
    c.advance(3000)
    const joinAt = c.now
    member(c, 'c3', { 'partition.assignment.strategy': strategy })
    runUntilStable(c, 3)
    c.advance(15_000) // cooperative: the follow-up rebalance hands the revoked partitions on
    const after = assignmentOf(groupView(c)!)
    expect(Object.values(after).every((tps) => tps.length === 2)).toBe(true)
    // The partitions c1 kept through the rebalance.
    const kept = before.c1!.filter((tp) => after.c1!.includes(tp))
    const revoked = byType(c, 'consumer-partitions-revoked', 'c1').filter((r) => r.time >= joinAt).flatMap((r) => (r.data as { partitions: string[] }).partitions)
    return { c, joinAt, kept, revoked, before, after }
  }

  it('eager: every member gives up every partition before rejoining, even those it gets back', () => {
    const { kept, revoked, before } = rebalanceWhileConsuming('range', 5)
    expect(kept.length).toBeGreaterThan(0)
    expect(revoked.sort()).toEqual([...before.c1!].sort())
  })

  it('cooperative-sticky: only the partitions that move are revoked; the others keep being consumed through the rebalance', () => {
    const { c, joinAt, kept, revoked, before, after } = rebalanceWhileConsuming('cooperative-sticky', 5)
    expect(kept.length).toBeGreaterThan(0)
    expect(revoked.sort()).toEqual(before.c1!.filter((tp) => !after.c1!.includes(tp)).sort())
    for (const tp of kept) expect(revoked).not.toContain(tp)
    // Two rebalances: the first revokes, the follow-up hands the revoked partitions on.
    const generations = byType(c, 'group-generation').filter((r) => r.time >= joinAt).length
    expect(generations).toBeGreaterThanOrEqual(2)
    // c1 polled records of a kept partition while the group was rebalancing.
    const stableAgain = byType(c, 'group-stable').filter((r) => r.time >= joinAt).at(-1)!.time
    const polledDuring = byType(c, 'consumer-poll', 'c1').filter((r) => r.time > joinAt && r.time < stableAgain)
      .flatMap((r) => Object.keys((r.data as { partitions: Record<string, unknown> }).partitions))
    expect(polledDuring.some((tp) => kept.includes(tp))).toBe(true)
  })
})

describe('coordinator failover', () => {
  it('crashing the coordinator\'s broker: the group finds the new coordinator, keeps its committed offsets and resumes', () => {
    const c = cluster(6)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 100 } })
    member(c, 'c1', { 'auto.commit.interval.ms': 1000 })
    member(c, 'c2', { 'auto.commit.interval.ms': 1000 })
    runUntilStable(c, 2)
    c.advance(5000)
    const before = groupView(c)!
    const coordinator = before.coordinator
    c.crashBroker(coordinator)
    const crashAt = c.now
    // The new leader of the group's offsets partition reloads the group from its log ...
    const leaderOfGroupPartition = () => c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]!.partitions[offsetsPartitionFor('g', 3)]!.leader
    c.sim.runUntil(() => {
      const leader = leaderOfGroupPartition()
      return leader !== coordinator && c.brokerIds.includes(leader) && c.brokerNode(leader)?.snapshot().groups.some((g) => g.groupId === 'g') === true
    }, { timeoutMs: 60_000 })
    const after = groupView(c)!
    expect(after.offsetsPartition).toBe(offsetsPartitionFor('g', 3))
    for (const o of before.offsets) expect(after.offsets.find((a) => a.partition === o.partition)!.offset).toBeGreaterThanOrEqual(o.offset)
    // ... and the members find it once their requests to the dead one time out (request.timeout.ms: no RST from a crashed host here).
    const foundBy = new Set<string>()
    const stop = c.trace.subscribe((r) => {
      if (r.type === 'consumer-coordinator-found' && r.time > crashAt && (r.data as { coordinator: number }).coordinator === after.coordinator) foundBy.add(String(r.node))
    })
    c.sim.runUntil(() => foundBy.has('c1') && foundBy.has('c2'), { timeoutMs: 90_000 })
    stop()
    const consumedBefore = c.consumer('c1').stats.recordsConsumed + c.consumer('c2').stats.recordsConsumed
    c.advance(10_000)
    expect(c.consumer('c1').stats.recordsConsumed + c.consumer('c2').stats.recordsConsumed).toBeGreaterThan(consumedBefore)
    // Commits go to the new coordinator and move the offsets on.
    const commitsAtNew = byType(c, 'group-offsets-committed').filter((r) => r.node === after.coordinator && r.time > crashAt)
    expect(commitsAtNew.length).toBeGreaterThan(0)
    expect(groupView(c)!.state).toBe('Stable')
    expect(c.snapshot().topics[GROUP_METADATA_TOPIC_NAME]!.partitions[after.offsetsPartition]!.leader).toBe(after.coordinator)
  })
})

describe('the zombie member (a teaching case)', () => {
  it('a member that processes past max.poll.interval.ms leaves the group; its partitions move; its commit fails and the records are processed twice', () => {
    const c = cluster(7, {}, 1)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 50, stopAtMs: c.now + 10_000 } })
    c.advance(11_000) // ~500 records wait in t-0
    // Both commit by hand after each batch (commitSync, as a careful application does).
    const app = { pollIntervalMs: 100, processingMsPerRecord: 100, commitAfterProcessing: true }
    // c1 takes 100 ms per record: its first poll of up to 500 records is ~50 s of work, past max.poll.interval.ms (20 s).
    member(c, 'c1', { 'max.poll.interval.ms': 20_000, 'enable.auto.commit': false }, { app })
    member(c, 'c2', { 'max.poll.interval.ms': 20_000, 'enable.auto.commit': false }, { app: { ...app, processingMsPerRecord: 1 } })
    c.advance(120_000)
    expect(byType(c, 'consumer-poll-timeout', 'c1').length).toBeGreaterThan(0)
    expect(byType(c, 'consumer-left-group', 'c1')[0]!.data).toMatchObject({ reason: 'consumer poll timeout has expired' })
    // The zombie's commit of what it processed fails: the group has moved on without it.
    const failed = byType(c, 'consumer-commit-failed', 'c1')
    expect(failed.map((r) => (r.data as { error: string }).error)).toContain('CommitFailedException')
    // The partition's new owner started from the last committed offset: what c1 processed, it processes again.
    const c1Offsets = new Set(c.consumer('c1').consumed.map((r) => r.offset))
    const twice = c.consumer('c2').consumed.filter((r) => c1Offsets.has(r.offset))
    expect(twice.length).toBeGreaterThan(0)
  })
})

describe('static membership', () => {
  it('a static member restarted within session.timeout.ms gets its partitions back without a rebalance', () => {
    const c = cluster(8)
    member(c, 'c1', { 'group.instance.id': 'i-1', 'session.timeout.ms': 30_000 })
    member(c, 'c2', { 'group.instance.id': 'i-2', 'session.timeout.ms': 30_000 })
    const before = assignmentOf(runUntilStable(c, 2))
    const generation = groupView(c)!.generation
    c.sim.crash('c1')
    c.advance(5000)
    c.sim.restart('c1')
    c.advance(10_000)
    const view = groupView(c)!
    expect(view.state).toBe('Stable')
    expect(view.generation).toBe(generation)
    expect(assignmentOf(view)).toEqual(before)
    expect(c.consumer('c1').assignment().map((p) => `${p.topic}-${p.partition}`)).toEqual(before.c1)
  })
})

describe('bad group input', () => {
  it('an unknown assignor is refused when the consumer is created, naming the value; nothing is added', () => {
    const c = cluster(9)
    expect(() => member(c, 'c1', { 'partition.assignment.strategy': 'fair' })).toThrow(/partition.assignment.strategy.*fair/)
    expect(c.sim.nodeIds()).not.toContain('c1')
  })

  it('a session timeout outside the broker\'s bounds: INVALID_SESSION_TIMEOUT, the member never joins', () => {
    const c = cluster(10)
    const consumer = member(c, 'c1', { 'session.timeout.ms': 5000, 'heartbeat.interval.ms': 1000 })
    c.advance(10_000)
    expect(consumer.appErrors[0]).toMatchObject({ exception: 'InvalidSessionTimeoutException' })
    expect(groupView(c)).toBeUndefined()
  })

  it('subscribe without a group.id is InvalidGroupIdException', () => {
    const c = cluster(11)
    expect(() => c.addConsumer('c1', { subscribe: ['t'] })).toThrow(/InvalidGroupIdException/)
  })
})

describe('lag and describe', () => {
  it('snapshot().groups has each committed partition\'s offset, log end and lag; describeGroups and listGroups read the coordinators', () => {
    const c = cluster(12)
    c.addProducer('p', { workload: { topic: 't', recordsPerSec: 100, stopAtMs: c.now + 3000 } })
    c.advance(4000)
    member(c, 'c1', { 'enable.auto.commit': false })
    runUntilStable(c, 1)
    c.advance(3000)
    const hwNow = (p: number) => { const v = c.snapshot().topics.t!.partitions[p]!; return v.replicaLogs[v.leader]!.hw }
    const busiest = [0, 1, 2].sort((a, b) => hwNow(b) - hwNow(a))[0]!
    expect(hwNow(busiest)).toBeGreaterThan(1)
    c.sim.command('c1', { op: 'commitSync', offsets: [{ topic: 't', partition: busiest, offset: 1 }] })
    c.advance(1000)
    const snapshot = c.snapshot()
    const group = snapshot.groups.g!
    expect(group).toMatchObject({ state: 'Stable', protocolType: 'consumer', protocol: 'range', generation: 1 })
    expect(group.members.map((m) => m.clientId)).toEqual(['c1'])
    const hw = (p: number) => { const v = snapshot.topics.t!.partitions[p]!; return v.replicaLogs[v.leader]!.hw }
    expect(group.offsets[`t-${busiest}`]).toEqual({ committed: 1, logEndOffset: hw(busiest), lag: hw(busiest) - 1 })
    expect(group.lag).toBe(hw(busiest) - 1)
    const [described, unknown] = c.describeGroups(['g', 'nope'])
    expect(described).toMatchObject({ groupId: 'g', state: 'Stable', generation: 1, coordinator: group.coordinator })
    expect(unknown).toMatchObject({ groupId: 'nope', state: 'Dead', members: [] })
    expect(c.listGroups()).toEqual([{ groupId: 'g', state: 'Stable', protocolType: 'consumer' }])
    expect(() => c.describeGroups('g' as unknown as string[])).toThrow(/describeGroups/)
  })
})

describe('subscribing by pattern, and unsubscribing', () => {
  it('a pattern takes the matching topics (never __consumer_offsets) and follows a new one; unsubscribe leaves the group', () => {
    const c = cluster(13)
    c.createTopic('other', { partitions: 1, replicationFactor: 3 })
    const consumer = c.addConsumer('c1', {
      config: { 'group.id': 'g', 'metadata.max.age.ms': 1000 },
      subscribe: { pattern: 't.*|__consumer.*' },
      app: { pollIntervalMs: 100, processingMsPerRecord: 0 },
    })
    runUntilStable(c, 1)
    c.advance(3000)
    expect(consumer.assignment().map((p) => `${p.topic}-${p.partition}`)).toEqual(['t-0', 't-1', 't-2'])
    c.createTopic('t2', { partitions: 1, replicationFactor: 3 })
    c.advance(15_000)
    expect(consumer.assignment().map((p) => `${p.topic}-${p.partition}`)).toEqual(['t-0', 't-1', 't-2', 't2-0'])
    c.sim.command('c1', { op: 'unsubscribe' })
    c.advance(5000)
    expect(groupView(c)!.members).toEqual([])
    expect(byType(c, 'group-member-left', undefined).length).toBe(1)
    expect(() => c.sim.command('c1', { op: 'subscribe', pattern: '(' })).toThrow(/not a valid regular expression/)
  })
})

describe('a topic that grows', () => {
  it('the leader sees the new partition in its metadata and rebalances so that it is assigned', () => {
    const c = cluster(14)
    member(c, 'c1', { 'metadata.max.age.ms': 1000 })
    member(c, 'c2', { 'metadata.max.age.ms': 1000 })
    runUntilStable(c, 2)
    const generation = groupView(c)!.generation
    c.createPartitions('t', 4)
    c.advance(15_000)
    const view = groupView(c)!
    expect(view.generation).toBeGreaterThan(generation)
    expect(Object.values(assignmentOf(view)).flat().sort()).toEqual(['t-0', 't-1', 't-2', 't-3'])
  })
})
