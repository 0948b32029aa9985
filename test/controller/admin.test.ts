// Topic administration at the controller (core/controller/admin.ts) against Kafka's
// ReplicationControlManager.createTopics / deleteTopics / createPartitions and
// ConfigurationControlManager: each refusal carries Kafka's error name and writes nothing
// (the request is validated in full before any record is produced).

import seedrandom from 'seedrandom'
import { describe, expect, it } from 'vitest'
import { runAdminCommand, type AdminContext } from '../../core/controller/admin.ts'
import { KafkaError } from '../../core/errors.ts'
import { MetadataImage } from '../../core/metadata/image.ts'
import { CONTROLLER_ID, createCluster, type Cluster } from '../../sim/cluster.ts'
import { recordEvents, recordMetadata } from './support.ts'

/** Runs a call that must be refused; returns the error after checking that nothing was written. */
function refused(cluster: Cluster, call: () => unknown): KafkaError {
  const controller = cluster.controller()!
  const offset = controller.image.offset
  const topics = [...controller.image.topicIdsByName.keys()]
  const partitions = [...controller.image.topicsById.values()].map((t) => t.partitions.size)
  const written: unknown[] = []
  const stop = cluster.trace.subscribe((r) => {
    if (r.node === CONTROLLER_ID && r.type === 'metadata-records') written.push(r.data)
  })
  let error: unknown
  try {
    call()
  } catch (e) {
    error = e
  } finally {
    stop()
  }
  expect(error).toBeInstanceOf(KafkaError)
  expect(controller.image.offset).toBe(offset)
  expect(cluster.snapshot().controller.metadataOffset).toBe(offset)
  expect([...controller.image.topicIdsByName.keys()]).toEqual(topics)
  expect([...controller.image.topicsById.values()].map((t) => t.partitions.size)).toEqual(partitions)
  expect(written).toEqual([])
  return error as KafkaError
}

describe('createTopic refusals (ReplicationControlManager.createTopics): Kafka error name, nothing created', () => {
  const cluster = createCluster({ seed: 101, brokers: 3 })
  cluster.createTopic('taken', { partitions: 1, replicationFactor: 1 })
  cluster.createTopic('a.b', { partitions: 1, replicationFactor: 1 })

  it('TOPIC_ALREADY_EXISTS for a name in use', () => {
    const error = refused(cluster, () => cluster.createTopic('taken', { partitions: 3, replicationFactor: 2 }))
    expect(error.code).toBe('TOPIC_ALREADY_EXISTS')
    expect(error.message).toContain("Topic 'taken' already exists.")
  })

  it('INVALID_REPLICATION_FACTOR for RF above the registered brokers, naming both numbers', () => {
    const brokers = cluster.brokerIds.length
    const rf = brokers + 1
    const error = refused(cluster, () => cluster.createTopic('big', { partitions: 1, replicationFactor: rf }))
    expect(error.code).toBe('INVALID_REPLICATION_FACTOR')
    expect(error.message).toContain(
      `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers} broker(s) are registered.`,
    )
  })

  it('INVALID_REPLICATION_FACTOR for RF 0 and RF below -1 (-1 means the default)', () => {
    for (const replicationFactor of [0, -2]) {
      const error = refused(cluster, () => cluster.createTopic('rf', { partitions: 1, replicationFactor }))
      expect(error.code).toBe('INVALID_REPLICATION_FACTOR')
      expect(error.message).toContain('Replication factor must be larger than 0, or -1 to use the default value.')
    }
  })

  it('INVALID_PARTITIONS for 0 partitions and a count below -1', () => {
    for (const partitions of [0, -2]) {
      const error = refused(cluster, () => cluster.createTopic('parts', { partitions, replicationFactor: 1 }))
      expect(error.code).toBe('INVALID_PARTITIONS')
      expect(error.message).toContain('Number of partitions was set to an invalid non-positive value.')
    }
  })

  it('INVALID_TOPIC_EXCEPTION for names Topic.validate refuses: empty, "." and "..", illegal characters, longer than 249', () => {
    for (const name of ['', '.', '..', 'a b', 'a/b', 'ü', 'tab\t', 'x'.repeat(250)]) {
      const error = refused(cluster, () => cluster.createTopic(name, { partitions: 1, replicationFactor: 1 }))
      expect(error.code, JSON.stringify(name)).toBe('INVALID_TOPIC_EXCEPTION')
    }
    // The limits themselves are legal.
    cluster.createTopic('x'.repeat(249), { partitions: 1, replicationFactor: 1 })
    cluster.createTopic('Az09._-', { partitions: 1, replicationFactor: 1 })
  })

  it("INVALID_TOPIC_EXCEPTION for a name that collides with an existing one once '.' and '_' are unified", () => {
    const error = refused(cluster, () => cluster.createTopic('a_b', { partitions: 1, replicationFactor: 1 }))
    expect(error.code).toBe('INVALID_TOPIC_EXCEPTION')
    expect(error.message).toContain("Topic 'a_b' collides with existing topic: a.b")
  })

  it('INVALID_CONFIG for an unknown key and for an ill-typed value, the message naming the key and the value', () => {
    const unknown = refused(cluster, () => cluster.createTopic('cfg', { partitions: 1, replicationFactor: 1, config: { 'retention.msec': 1000 } }))
    expect(unknown.code).toBe('INVALID_CONFIG')
    expect(unknown.message).toContain('retention.msec')
    const illTyped = refused(cluster, () => cluster.createTopic('cfg', { partitions: 1, replicationFactor: 1, config: { 'retention.ms': 'soon' } }))
    expect(illTyped.code).toBe('INVALID_CONFIG')
    expect(illTyped.message).toContain('retention.ms')
    expect(illTyped.message).toContain('"soon"')
    const outOfRange = refused(cluster, () => cluster.createTopic('cfg', { partitions: 1, replicationFactor: 1, config: { 'min.insync.replicas': 0 } }))
    expect(outOfRange.code).toBe('INVALID_CONFIG')
    expect(outOfRange.message).toContain('min.insync.replicas')
  })

  it('INVALID_REPLICA_ASSIGNMENT for manual assignments with an unregistered broker, a duplicate, mixed sizes or an empty list', () => {
    const bad = [[[1, 9]], [[1, 1]], [[1, 2], [3]], [[]], []]
    for (const assignments of bad) {
      const error = refused(cluster, () => cluster.createTopic('manual', { assignments }))
      expect(error.code, JSON.stringify(assignments)).toBe('INVALID_REPLICA_ASSIGNMENT')
    }
  })

  // ReplicationControlManager.createTopic: "A manual partition assignment was specified, but
  // replication factor was not set to -1." (and the same for numPartitions), INVALID_REQUEST.
  it('INVALID_REQUEST for a manual assignment given together with a partition count or a replication factor', () => {
    for (const options of [{ partitions: 3, assignments: [[1, 2]] }, { replicationFactor: 3, assignments: [[1, 2]] }]) {
      const error = refused(cluster, () => cluster.createTopic('both', options))
      expect(error.code).toBe('INVALID_REQUEST')
    }
  })
})

describe('createTopic (defaults, overrides, manual assignments)', () => {
  it('uses num.partitions and default.replication.factor when the request leaves them out (or says -1)', () => {
    const plain = createCluster({ seed: 102, brokers: 3 })
    plain.createTopic('d')
    const kafkaDefaults = plain.controller()!.image.topic('d')!
    expect(kafkaDefaults.partitions.size).toBe(plain.controller()!.config['num.partitions'])
    expect(kafkaDefaults.partitions.get(0)!.replicas).toHaveLength(plain.controller()!.config['default.replication.factor'])

    const configured = createCluster({ seed: 102, brokers: 3, config: { 'num.partitions': 4, 'default.replication.factor': 2 } })
    configured.createTopic('d')
    configured.createTopic('e', { partitions: -1, replicationFactor: -1 })
    configured.createTopic('f', { partitions: 2 })
    for (const [name, partitions] of [['d', 4], ['e', 4], ['f', 2]] as const) {
      const topic = configured.controller()!.image.topic(name)!
      expect(topic.partitions.size).toBe(partitions)
      for (const p of topic.partitions.values()) expect(p.replicas).toHaveLength(2)
    }
  })

  it('writes the Topic record, its Config records, then one Partition record per partition (leader = first active replica, epochs 0)', () => {
    const cluster = createCluster({ seed: 103, brokers: 3 })
    const batches = recordMetadata(cluster)
    const topicId = cluster.createTopic('orders', { partitions: 3, replicationFactor: 2, config: { 'retention.ms': 60000 } })
    expect(batches).toHaveLength(1)
    const records = batches[0]!.records
    expect(records.map((r) => r.type)).toEqual(['Topic', 'Config', 'Partition', 'Partition', 'Partition'])
    expect(records[0]).toEqual({ type: 'Topic', name: 'orders', topicId })
    expect(records[1]).toEqual({ type: 'Config', resourceType: 'topic', resourceName: 'orders', name: 'retention.ms', value: '60000' })
    records.slice(2).forEach((r, i) => {
      if (r.type !== 'Partition') throw new Error('not a partition record')
      expect(r).toMatchObject({ topicId, partitionId: i, isr: r.replicas, leader: r.replicas[0], leaderEpoch: 0, partitionEpoch: 0, leaderRecoveryState: 'RECOVERED' })
    })
  })

  it('stores config overrides and makes them effective at the controller and on the brokers; other topics keep the cluster value', () => {
    const cluster = createCluster({ seed: 104, brokers: 3, config: { 'log.retention.ms': 3_600_000 } })
    cluster.createTopic('short', { partitions: 1, replicationFactor: 3, config: { 'retention.ms': 60000, 'cleanup.policy': 'compact', 'min.insync.replicas': 2 } })
    cluster.createTopic('plain', { partitions: 1, replicationFactor: 3 })
    const controller = cluster.controller()!
    expect(Object.fromEntries(controller.image.topicConfigs.get('short')!)).toEqual({ 'retention.ms': '60000', 'cleanup.policy': 'compact', 'min.insync.replicas': '2' })
    expect(controller.topicConfig('short')).toMatchObject({ 'retention.ms': 60000, 'cleanup.policy': ['compact'], 'min.insync.replicas': 2 })
    expect(controller.topicConfig('plain')['retention.ms']).toBe(3_600_000)
    expect(controller.topicConfig('plain')['min.insync.replicas']).toBe(controller.config['min.insync.replicas'])
    cluster.advance(500)
    for (const id of cluster.brokerIds) {
      expect(cluster.brokerNode(id)!.topicConfig('short')['retention.ms']).toBe(60000)
      expect(cluster.brokerNode(id)!.topicConfig('plain')['retention.ms']).toBe(3_600_000)
    }
  })

  it('places a manual assignment as given, and the leader is the first active replica of each list', () => {
    const cluster = createCluster({ seed: 105, brokers: 3 })
    cluster.createTopic('manual', { assignments: [[3, 1], [2, 3], [1, 2]] })
    const topic = cluster.controller()!.image.topic('manual')!
    expect([...topic.partitions.values()].map((p) => [p.replicas, p.leader])).toEqual([
      [[3, 1], 3],
      [[2, 3], 2],
      [[1, 2], 1],
    ])
  })

  it('with a fenced broker: placement gives it follower slots only, and the ISR of a new partition holds only active replicas', () => {
    const cluster = createCluster({ seed: 106, brokers: 3, config: { 'auto.leader.rebalance.enable': false } })
    cluster.crashBroker(3)
    cluster.sim.runUntil(() => !cluster.controller()!.image.isUnfenced(3), { timeoutMs: 15_000 })
    cluster.createTopic('spread', { partitions: 6, replicationFactor: 3 })
    for (const p of cluster.controller()!.image.topic('spread')!.partitions.values()) {
      expect(p.replicas).toHaveLength(3)
      expect(p.replicas.indexOf(3)).toBe(2) // after both unfenced brokers
      expect(p.isr).toEqual(p.replicas.filter((r) => r !== 3))
      expect(p.leader).toBe(p.replicas[0])
    }
    cluster.createTopic('manual', { assignments: [[3, 1, 2]] })
    const manual = cluster.controller()!.image.topic('manual')!.partitions.get(0)!
    expect(manual).toMatchObject({ replicas: [3, 1, 2], isr: [1, 2], leader: 1 })
    // Every replica fenced: refused, nothing written.
    const error = refused(cluster, () => cluster.createTopic('dead', { assignments: [[3]] }))
    expect(error.code).toBe('INVALID_REPLICA_ASSIGNMENT')
  })
})

describe('createTopic when every broker is fenced (placement through ReplicationControlManager)', () => {
  function fencedContext(): AdminContext {
    const image = new MetadataImage()
    ;[1, 2, 3].forEach((brokerId, offset) => image.replay({ offset, record: { type: 'RegisterBroker', brokerId, incarnationId: `i${brokerId}`, brokerEpoch: offset, fenced: true } }))
    return {
      image,
      clusterConfigInput: () => ({}),
      defaultPartitions: 1,
      defaultReplicationFactor: 1,
      random: seedrandom.alea('fenced') as () => number,
      newTopicId: () => 'BBBBBBBBBBBBBBBBBBBBBB',
      change: () => {
        throw new Error('no partition changes expected')
      },
      isActive: (r) => image.isUnfenced(r),
      uncleanElectionEnabled: () => false,
    }
  }

  it('refuses with INVALID_REPLICATION_FACTOR and writes no record', () => {
    const { result, records } = runAdminCommand(fencedContext(), { op: 'createTopic', name: 't', partitions: 1, replicationFactor: 3 })
    expect(result.errorCode).toBe('INVALID_REPLICATION_FACTOR')
    expect(result.errorMessage).toContain('All brokers are currently fenced.')
    expect(records).toEqual([])
  })

  // ReplicationControlManager.createTopic wraps every InvalidReplicationFactorException of the
  // placer the same way: "Unable to replicate the partition " + replicationFactor + " time(s): " + e.getMessage().
  it('says "Unable to replicate the partition 3 time(s): All brokers are currently fenced." as Kafka does', () => {
    const { result } = runAdminCommand(fencedContext(), { op: 'createTopic', name: 't', partitions: 1, replicationFactor: 3 })
    expect(result.errorMessage).toBe('Unable to replicate the partition 3 time(s): All brokers are currently fenced.')
  })
})

describe('deleteTopic', () => {
  it('writes one RemoveTopic record; the topic, its configs and every replica (on each broker, on disk) are gone', () => {
    const cluster = createCluster({ seed: 107, brokers: 3 })
    const topicId = cluster.createTopic('gone', { partitions: 2, replicationFactor: 3, config: { 'retention.ms': 60000 } })
    cluster.createTopic('kept', { partitions: 1, replicationFactor: 3 })
    cluster.advance(500)
    const replicaHolders = [...cluster.controller()!.image.topic('gone')!.partitions.values()].map((p) => ({ partition: p.partition, replicas: [...p.replicas] }))
    for (const { partition, replicas } of replicaHolders) {
      for (const id of replicas) expect(cluster.sim.storageOf(id).read(`gone-${partition}/partition.metadata`)).toBe(topicId)
    }
    const batches = recordMetadata(cluster)
    const deleted = recordEvents(cluster, ['replica-deleted'])
    cluster.deleteTopic('gone')
    expect(batches.map((b) => b.records)).toEqual([[{ type: 'RemoveTopic', topicId }]])
    const image = cluster.controller()!.image
    expect(image.topic('gone')).toBeUndefined()
    expect(image.topicsById.has(topicId)).toBe(false)
    expect(image.topicConfigs.has('gone')).toBe(false)
    expect(image.topic('kept')).toBeDefined()
    cluster.advance(500)
    for (const { partition, replicas } of replicaHolders) {
      for (const id of replicas) {
        expect(cluster.brokerNode(id)!.partitions.has(`gone-${partition}`)).toBe(false)
        expect(cluster.sim.storageOf(id).read(`gone-${partition}/partition.metadata`)).toBeUndefined()
        expect(cluster.sim.storageOf(id).logNames().filter((n) => n.startsWith(`gone-${partition}/`))).toEqual([])
        expect(deleted.some((e) => e.node === id && e.data.topic === 'gone' && e.data.partition === partition)).toBe(true)
      }
    }
    for (const id of cluster.brokerIds) expect(cluster.brokerNode(id)!.partitions.has('kept-0')).toBe(true)
    expect(cluster.snapshot().topics.gone).toBeUndefined()
  })

  it('refuses an unknown topic with UNKNOWN_TOPIC_OR_PARTITION and writes nothing', () => {
    const cluster = createCluster({ seed: 108, brokers: 1 })
    expect(refused(cluster, () => cluster.deleteTopic('nope')).code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })
})

describe('createPartitions', () => {
  it('adds partitions with the topic’s replication factor; existing partitions are untouched; brokers open the new ones', () => {
    const cluster = createCluster({ seed: 109, brokers: 4 })
    const topicId = cluster.createTopic('grow', { partitions: 2, replicationFactor: 3 })
    cluster.advance(200)
    const before = [...cluster.controller()!.image.topic('grow')!.partitions.values()]
    const batches = recordMetadata(cluster)
    cluster.createPartitions('grow', 5)
    // One Partition record per new partition, and nothing else (no Topic record).
    expect(batches).toHaveLength(1)
    expect(batches[0]!.records.map((r) => r.type === 'Partition' && r.partitionId)).toEqual([2, 3, 4])
    const topic = cluster.controller()!.image.topic('grow')!
    expect(topic.topicId).toBe(topicId)
    expect(topic.partitions.size).toBe(5)
    for (const p of before) expect(topic.partitions.get(p.partition)).toEqual(p)
    for (const id of [2, 3, 4]) {
      const p = topic.partitions.get(id)!
      expect(p.replicas).toHaveLength(before[0]!.replicas.length)
      expect(new Set(p.replicas).size).toBe(p.replicas.length)
      expect(p).toMatchObject({ isr: p.replicas, leader: p.replicas[0], leaderEpoch: 0, partitionEpoch: 0 })
    }
    cluster.advance(500)
    for (const id of [2, 3, 4]) {
      const p = topic.partitions.get(id)!
      for (const r of p.replicas) expect(cluster.brokerNode(r)!.partitions.get(`grow-${id}`)?.role).toBe(r === p.leader ? 'leader' : 'follower')
    }
  })

  it('refuses a count that is not an increase with INVALID_PARTITIONS, and an unknown topic with UNKNOWN_TOPIC_OR_PARTITION; nothing written', () => {
    const cluster = createCluster({ seed: 110, brokers: 2 })
    cluster.createTopic('t', { partitions: 3, replicationFactor: 2 })
    const same = refused(cluster, () => cluster.createPartitions('t', 3))
    expect(same.code).toBe('INVALID_PARTITIONS')
    expect(same.message).toContain('Topic already has 3 partition(s).')
    const fewer = refused(cluster, () => cluster.createPartitions('t', 2))
    expect(fewer.code).toBe('INVALID_PARTITIONS')
    expect(fewer.message).toContain('The topic t currently has 3 partition(s); 2 would not be an increase.')
    expect(refused(cluster, () => cluster.createPartitions('nope', 4)).code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
  })

  it('validates manual assignments for the new partitions: one per new partition, the topic’s replication factor', () => {
    const cluster = createCluster({ seed: 111, brokers: 3 })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 2 })
    const admin = (assignments: number[][]) => () => {
      const result = cluster.sim.command<{ errorCode: string; errorMessage?: string }>(CONTROLLER_ID, { op: 'createPartitions', name: 't', count: 3, assignments })
      if (result.errorCode !== 'NONE') throw new KafkaError(result.errorCode as never, result.errorMessage ?? '')
    }
    const tooFew = refused(cluster, admin([[1, 2]]))
    expect(tooFew.code).toBe('INVALID_REPLICA_ASSIGNMENT')
    expect(tooFew.message).toContain('Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.')
    expect(refused(cluster, admin([[1, 2], [3]])).code).toBe('INVALID_REPLICA_ASSIGNMENT')
    expect(refused(cluster, admin([[1, 2], [3, 3]])).code).toBe('INVALID_REPLICA_ASSIGNMENT')
    admin([[3, 1], [2, 3]])()
    const topic = cluster.controller()!.image.topic('t')!
    expect([1, 2].map((p) => topic.partitions.get(p)!.replicas)).toEqual([[3, 1], [2, 3]])
  })
})

describe('alterConfigs (incrementalAlterConfigs)', () => {
  it('a topic override takes effect at the controller and on the brokers; deleting it falls back to the cluster value; a bad value writes nothing', () => {
    const cluster = createCluster({ seed: 112, brokers: 2 })
    cluster.createTopic('t', { partitions: 1, replicationFactor: 2 })
    const clusterValue = cluster.controller()!.topicConfig('t')['retention.ms']
    cluster.alterConfigs({ type: 'topic', name: 't' }, { 'retention.ms': 1234 })
    expect(cluster.controller()!.topicConfig('t')['retention.ms']).toBe(1234)
    cluster.advance(500)
    for (const id of cluster.brokerIds) expect(cluster.brokerNode(id)!.topicConfig('t')['retention.ms']).toBe(1234)
    const error = refused(cluster, () => cluster.alterConfigs({ type: 'topic', name: 't' }, { 'retention.ms': 'later' }))
    expect(error.code).toBe('INVALID_CONFIG')
    expect(refused(cluster, () => cluster.alterConfigs({ type: 'topic', name: 'nope' }, { 'retention.ms': 1 })).code).toBe('UNKNOWN_TOPIC_OR_PARTITION')
    cluster.alterConfigs({ type: 'topic', name: 't' }, {}, ['retention.ms'])
    expect(cluster.controller()!.topicConfig('t')['retention.ms']).toBe(clusterValue)
  })
})
