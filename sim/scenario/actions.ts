// What each timeline action does to the cluster: the operator verbs of sim/cluster.ts, with
// node references resolved when the step runs. Returns the node the step acted on (for `as`).

import { KafkaError } from '../../core/errors.ts'
import type { NodeId } from '../../core/node.ts'
import type { SendRecord } from '../../core/client/producer/producer.ts'
import type { KeyDistribution } from '../../core/client/producer/workload.ts'
import type { Cluster } from '../cluster.ts'
import type { LinkSpec } from '../network.ts'
import type { Simulation } from '../simulation.ts'
import { durationMs } from './duration.ts'
import type { RunContext } from './context.ts'
import { addGroupMember, removeGroupMember } from './groups.ts'
import { splitPartition } from './references.ts'
import type { ConsumerSpec, KeysSpec, LatencySpec, NetworkSpec, ProducerSpec, Step, TopicSpec } from './types.ts'

export function linkSpec(spec: NetworkSpec): LinkSpec {
  const link: LinkSpec = {}
  if (spec.latency !== undefined) link.latencyMs = latencyMs(spec.latency)
  if (spec.loss !== undefined) link.lossProbability = spec.loss
  return link
}

function latencyMs(spec: LatencySpec): NonNullable<LinkSpec['latencyMs']> {
  if (typeof spec === 'string') return durationMs(spec)
  if ('median' in spec) return { median: durationMs(spec.median), sigma: spec.sigma }
  return { min: durationMs(spec.min), max: durationMs(spec.max) }
}

function keyDistribution(keys: KeysSpec | undefined): KeyDistribution {
  if (keys === undefined || keys === 'none') return { kind: 'none' }
  if ('uniform' in keys) return { kind: 'uniform', keys: keys.uniform }
  if ('skewed' in keys) return { kind: 'skewed', keys: keys.skewed, exponent: keys.exponent ?? 1 }
  return { kind: 'explicit', keys: keys.explicit }
}

export function addTopic(cluster: Cluster, topic: TopicSpec): void {
  cluster.createTopic(topic.name, {
    ...(topic.replicas ? { assignments: topic.replicas } : { partitions: topic.partitions ?? 1, replicationFactor: topic.replicationFactor ?? 1 }),
    ...(topic.config ? { config: topic.config } : {}),
  })
}

export function addProducer(run: RunContext, spec: ProducerSpec): void {
  const options: Parameters<RunContext['cluster']['addProducer']>[1] = { config: spec.config ?? {} }
  if (spec.topic !== undefined && spec.rate !== undefined) {
    options.workload = {
      topic: spec.topic,
      recordsPerSec: spec.rate,
      keys: keyDistribution(spec.keys),
      valueBytes: spec.valueBytes ?? 100,
      startAtMs: run.startMs + (spec.start ? durationMs(spec.start) : 0),
      ...(spec.stop !== undefined ? { stopAtMs: run.startMs + durationMs(spec.stop) } : {}),
    }
  }
  run.cluster.addProducer(spec.id, options)
}

/** Adds a consumer now; whole topics in `assign` mean every partition the topic has now. */
export function addConsumer(run: RunContext, spec: ConsumerSpec): void {
  const assignment = spec.assign.flatMap((ref) => {
    const topic = run.cluster.controller()?.image.topic(ref)
    if (topic) return [...topic.partitions.keys()].sort((a, b) => a - b).map((partition) => ({ topic: ref, partition }))
    return [splitPartition(ref)]
  })
  run.cluster.addConsumer(spec.id, {
    config: spec.config ?? {},
    assignment,
    app: {
      pollIntervalMs: spec.pollInterval ? durationMs(spec.pollInterval) : 100,
      processingMsPerRecord: spec.processingPerRecord ? durationMs(spec.processingPerRecord) : 0,
    },
  })
}

/** A burst's records; `burst` counts the run's bursts, so every value is unique (the history checker matches on values). */
function burstRecords(burst: number, producer: string, topic: string, count: number, key: string | undefined, partition: number | undefined): SendRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic,
    key: key ?? null,
    value: `${producer}-burst${burst}-${i}:`,
    ...(partition !== undefined ? { partition } : {}),
  }))
}

/** The steps that act on one node: the simulation's verbs for a crash, a pause, a cut. */
const NODE_VERBS: readonly [string, (sim: Simulation, id: NodeId) => void][] = [
  ['crash', (sim, id) => sim.crash(id)],
  ['powerFail', (sim, id) => sim.powerFail(id)],
  ['pause', (sim, id) => sim.pause(id)],
  ['resume', (sim, id) => sim.resume(id)],
  ['restart', (sim, id) => sim.restart(id)],
  ['isolate', (sim, id) => sim.network.isolate(id)],
  ['rejoin', (sim, id) => sim.network.rejoin(id)],
]

/** Does what the step says; throws (a KafkaError, an InputError or an Error) when it cannot. */
export function applyAction(run: RunContext, step: Step): NodeId | undefined {
  const { cluster } = run
  const sim = cluster.sim
  const s = step as Step & Record<string, unknown>
  for (const [verb, act] of NODE_VERBS) {
    if (!(verb in s)) continue
    const id = run.resolve(s[verb] as number | string)
    act(sim, id)
    return id
  }
  if ('slowDisk' in step && step.slowDisk) {
    const id = run.resolve(step.slowDisk.broker)
    sim.slowDisk(id, durationMs(step.slowDisk.write))
    return id
  }
  if ('healDisk' in step) {
    const id = run.resolve(step.healDisk)
    sim.slowDisk(id, 0)
    return id
  }
  if ('partition' in step && Array.isArray(step.partition)) {
    cluster.partition(step.partition.map((group) => group.map((ref) => run.resolve(ref))))
    return undefined
  }
  if ('block' in step && step.block) {
    cluster.block(run.resolve(step.block.from), run.resolve(step.block.to))
    return run.resolve(step.block.from)
  }
  if ('unblock' in step && step.unblock) {
    sim.network.unblock(run.resolve(step.unblock.from), run.resolve(step.unblock.to))
    return undefined
  }
  if ('heal' in step) {
    if (step.heal === 'partition') sim.network.clearPartition()
    else cluster.heal()
    return undefined
  }
  if ('network' in step && step.network) {
    const link = linkSpec(step.network)
    if (step.network.from !== undefined && step.network.to !== undefined) sim.network.configureLink(run.resolve(step.network.from), run.resolve(step.network.to), link)
    else sim.network.configure(link)
    return undefined
  }
  if ('addProducer' in step) {
    addProducer(run, step.addProducer)
    return step.addProducer.id
  }
  if ('stopProducer' in step) {
    sim.command(step.stopProducer, { op: 'stopWorkload' })
    return step.stopProducer
  }
  if ('addConsumer' in step) {
    addConsumer(run, step.addConsumer)
    return step.addConsumer.id
  }
  if ('removeConsumer' in step) {
    sim.crash(step.removeConsumer)
    return step.removeConsumer
  }
  if ('addGroupMember' in step) {
    const { group, ...member } = step.addGroupMember
    addGroupMember(run, run.groups.get(group)!, member)
    return step.addGroupMember.id
  }
  if ('removeGroupMember' in step) {
    removeGroupMember(run, step.removeGroupMember)
    return step.removeGroupMember
  }
  if ('produce' in step) {
    const { producer, topic, count, key, partition } = step.produce
    cluster.producer(producer).send(burstRecords(run.bursts++, producer, topic, count, key, partition))
    return producer
  }
  if ('createTopic' in step) {
    addTopic(cluster, step.createTopic)
    return undefined
  }
  if ('deleteTopic' in step) {
    cluster.deleteTopic(step.deleteTopic)
    return undefined
  }
  if ('addPartitions' in step) {
    cluster.createPartitions(step.addPartitions.topic, step.addPartitions.count)
    return undefined
  }
  if ('reassign' in step) {
    cluster.reassignPartitions([{ ...splitPartition(step.reassign.partition), replicas: step.reassign.replicas }])
    return undefined
  }
  if ('electLeaders' in step) {
    const partitions = step.electLeaders.partitions?.map(splitPartition) ?? null
    const results = cluster.electLeaders(step.electLeaders.type === 'unclean' ? 'UNCLEAN' : 'PREFERRED', partitions) ?? []
    // Named partitions: a refusal is the step's outcome (kafka-leader-election prints it per partition).
    const refused = partitions ? results.find((r) => r.errorCode !== 'NONE') : undefined
    if (refused) throw new KafkaError(refused.errorCode, refused.errorMessage ?? `election for ${refused.topic}-${refused.partition} refused`)
    return undefined
  }
  if ('alterConfig' in step) {
    const { topic, set, delete: remove } = step.alterConfig
    cluster.alterConfigs(topic === undefined ? { type: 'broker', name: '' } : { type: 'topic', name: topic }, set ?? {}, remove ?? [])
    return undefined
  }
  if ('run' in step) {
    step.run(run)
    return undefined
  }
  throw new Error('a timeline step with no action')
}
