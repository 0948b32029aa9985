// One seed and one sequence of calls give one metadata log: the controller's decisions
// (placement, topic ids, fencing times, elections, reassignments) replay exactly, and so
// does the whole trace.

import { describe, expect, it } from 'vitest'
import { createCluster } from '../../sim/cluster.ts'
import { recordMetadata, type MetadataBatch } from './support.ts'

function run(seed: number): { batches: MetadataBatch[]; hash: string; snapshot: unknown; log: unknown } {
  const cluster = createCluster({ seed, brokers: 4 })
  const batches = recordMetadata(cluster)
  cluster.createTopic('orders', { partitions: 6, replicationFactor: 3 })
  cluster.createTopic('audit', { partitions: 2, replicationFactor: 2, config: { 'unclean.leader.election.enable': true } })
  cluster.addRawClient('producer', {
    workload: { partitions: [0, 1, 2, 3, 4, 5].map((partition) => ({ topic: 'orders', partition })), acks: -1, recordsPerSec: 100 },
  })
  cluster.advance(2000)
  const victim = cluster.snapshot().topics.orders!.partitions['0']!.leader
  cluster.crashBroker(victim)
  cluster.advance(12_000)
  cluster.restartBroker(victim)
  cluster.advance(5000)
  cluster.electLeaders('PREFERRED', null)
  const p1 = cluster.snapshot().topics.orders!.partitions['1']!
  const spare = cluster.brokerIds.find((id) => !p1.replicas.includes(id))!
  cluster.reassignPartitions([{ topic: 'orders', partition: 1, replicas: [spare, ...p1.replicas.slice(1)] }])
  cluster.createPartitions('audit', 4)
  cluster.advance(5000)
  const controller = cluster.controller()!
  return { batches, hash: cluster.trace.hash(), snapshot: cluster.snapshot(), log: [...controller.image.topicsById.values()].map((t) => [t.name, t.topicId, [...t.partitions.values()]]) }
}

describe('determinism of the controller', () => {
  it('the same seed and the same calls give the same metadata log, the same controller image and the same trace hash', () => {
    const first = run(501)
    const second = run(501)
    expect(first.batches.length).toBeGreaterThan(5)
    expect(second.batches).toEqual(first.batches)
    expect(second.log).toEqual(first.log)
    expect(second.snapshot).toEqual(first.snapshot)
    expect(second.hash).toBe(first.hash)
  })

  it('another seed gives another run (other topic ids, another trace hash)', () => {
    const a = run(501)
    const b = run(502)
    expect(b.hash).not.toBe(a.hash)
    const topicIds = (r: ReturnType<typeof run>) => r.batches.flatMap((batch) => batch.records.filter((rec) => rec.type === 'Topic').map((rec) => rec.type === 'Topic' && rec.topicId))
    expect(topicIds(b)).not.toEqual(topicIds(a))
  })
})

describe('the controller is its metadata log', () => {
  it('a crashed and restarted controller replays its log into the same image, and gives every broker a full session from activation (no fencing for the downtime)', () => {
    const cluster = createCluster({ seed: 503, brokers: 3 })
    cluster.createTopic('t', { partitions: 3, replicationFactor: 3, config: { 'retention.ms': 60000 } })
    cluster.advance(2000)
    const image = (c = cluster.controller()!) => ({
      offset: c.image.offset,
      brokers: [...c.image.brokers.values()],
      topics: [...c.image.topicsById.values()].map((t) => [t.name, t.topicId, [...t.partitions.values()]]),
      configs: [...c.image.topicConfigs].map(([name, values]) => [name, [...values]]),
    })
    const before = image()
    const sessionMs = cluster.controller()!.config['broker.session.timeout.ms']
    const batches = recordMetadata(cluster)
    cluster.sim.crash('controller-1')
    cluster.advance(sessionMs) // no broker can heartbeat meanwhile
    cluster.sim.restart('controller-1')
    expect(image()).toEqual(before)
    cluster.advance(2 * sessionMs)
    expect(batches).toEqual([])
    for (const id of cluster.brokerIds) expect(cluster.controller()!.image.isUnfenced(id)).toBe(true)
    expect(cluster.controller()!.topicConfig('t')['retention.ms']).toBe(60000)
  })
})
