import { describe, expect, it } from 'vitest'
import { KafkaError } from '../core/errors.ts'
import { createCluster } from '../sim/cluster.ts'
import { TimeoutError } from '../sim/simulation.ts'

describe('createCluster', () => {
  it('starts a controller and brokers 1..N, all registered and unfenced', () => {
    const cluster = createCluster({ seed: 1, brokers: 4 })
    const snapshot = cluster.snapshot()
    expect(snapshot.brokers).toEqual([1, 2, 3, 4].map((id) => ({ id, state: 'alive' })))
    expect(snapshot.controller).toMatchObject({ id: 'controller-1', state: 'alive' })
    expect(cluster.now).toBeGreaterThan(0)
  })

  it("snapshot() shows each partition's leader, epochs, replicas, ISR, ELR and every live replica's log ends", () => {
    const cluster = createCluster({ seed: 2 })
    cluster.createTopic('orders', { partitions: 2, replicationFactor: 3 })
    cluster.addRawClient('app')
    cluster.advance(50)
    cluster.sim.command('app', { op: 'produce', topic: 'orders', partition: 1, values: ['x', 'y'], acks: -1 })
    cluster.advance(1000)
    const partition = cluster.snapshot().topics.orders!.partitions['1']!
    expect(partition.replicas).toHaveLength(3)
    expect(partition.isr).toEqual(partition.replicas)
    expect(partition.elr).toEqual([])
    expect(partition.replicas).toContain(partition.leader)
    for (const broker of partition.replicas) expect(partition.replicaLogs[broker]).toEqual({ leo: 2, hw: 2, logStartOffset: 0 })
    expect(JSON.parse(JSON.stringify(cluster.snapshot()))).toEqual(cluster.snapshot())
  })

  it('shows crashed, paused, isolated and fenced brokers as such', () => {
    const cluster = createCluster({ seed: 3, brokers: 4 })
    cluster.crashBroker(1)
    cluster.pause(2)
    cluster.isolate(3)
    expect(cluster.snapshot().brokers.map((b) => b.state)).toEqual(['crashed', 'paused', 'isolated', 'alive'])
    cluster.heal()
    cluster.resume(2)
    cluster.advance(12_000)
    expect(cluster.snapshot().brokers[0]!.state).toBe('crashed')
    cluster.restartBroker(1)
    cluster.advance(200)
    // Restarted, registered again, not yet caught up and unfenced.
    expect(['fenced', 'alive']).toContain(cluster.snapshot().brokers[0]!.state)
  })

  it('gives the same trace hash for the same seed and calls, and another for another seed', () => {
    const run = (seed: number) => {
      const cluster = createCluster({ seed })
      cluster.createTopic('t', { partitions: 3, replicationFactor: 3 })
      cluster.addRawClient('c', { workload: { partitions: [0, 1, 2].map((partition) => ({ topic: 't', partition })), acks: -1, recordsPerSec: 100 } })
      cluster.advance(2000)
      cluster.crashBroker(2)
      cluster.advance(15_000)
      return cluster.trace.hash()
    }
    expect(run(11)).toBe(run(11))
    expect(run(12)).not.toBe(run(11))
  })

  it('runUntil rejects with the reason when the condition does not hold in time', async () => {
    const cluster = createCluster({ seed: 4 })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 3 })
    const leader = () => cluster.snapshot().topics.t!.partitions['0']!.leader
    await expect(cluster.runUntil(() => leader() === -1, { timeoutMs: 1000, describe: () => `leader is ${leader()}` })).rejects.toThrow(TimeoutError)
    await expect(cluster.runUntil(() => false, { timeoutMs: 10, describe: () => `leader is ${leader()}` })).rejects.toThrow(/leader is \d/)
  })

  it('rejects bad options, naming the value, before starting anything', () => {
    expect(() => createCluster({ seed: -1 })).toThrow('createCluster(options).seed: expected a non-negative integer seed, got -1')
    expect(() => createCluster({ seed: 1, brokers: 0 })).toThrow('createCluster(options).brokers: expected an integer from 1 to 64, got 0')
    expect(() => createCluster({ seed: 1, brokers: 2.5 })).toThrow('got 2.5')
    expect(() => createCluster({ seed: 1, brokrs: 3 } as never)).toThrow('createCluster(options).brokrs: expected one of the known keys')
    expect(() => createCluster({ seed: 1, config: { 'min.insync.replica': 2 } })).toThrow(KafkaError)
    expect(() => createCluster({ seed: 1, config: { 'min.insync.replicas': 'two' } })).toThrow(/INVALID_CONFIG: cluster config: min.insync.replicas: expected an integer >= 1, got "two"/)
    const cluster = createCluster({ seed: 1 })
    expect(() => cluster.crashBroker(7)).toThrow('crashBroker(id): expected a broker id (1, 2, 3), got 7')
    expect(() => cluster.createTopic('t', { partitons: 3 } as never)).toThrow('createTopic("t", options).partitons: expected one of the known keys')
  })
})
