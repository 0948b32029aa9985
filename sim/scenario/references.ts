// The checks a schema cannot make: that the parts of a scenario refer to each other
// correctly (broker ids within the cluster, topics and partitions that exist, clients that
// were declared, names bound before use) and that every config is one Kafka accepts. Run on
// a scenario whose shape the schema has already passed; every problem becomes an Issue.

import { parseBrokerConfig, parseTopicConfigOverrides } from '../../core/config.ts'
import { parseConsumerConfig, parseProducerConfig } from '../../core/config/clients.ts'
import { ERROR_CODES } from '../../core/errors.ts'
import { memberSpecs } from './groups.ts'
import type { Issue, Path } from './schema-kit.ts'
import type { Condition, Expectation, NodeRef, Scenario, Step } from './types.ts'

const DEFAULT_BROKERS = 3
const LEADER_OF = /^leader of (.+)-(\d+)$/
export const COORDINATOR_OF = /^coordinator of group (.+)$/
/** In leader conditions and expectations: the partition has no leader. */
export const NO_LEADER = 'none'

/** "orders-0" -> { topic, partition }. The schema has checked the pattern. */
export function splitPartition(ref: string): { topic: string; partition: number } {
  const dash = ref.lastIndexOf('-')
  return { topic: ref.slice(0, dash), partition: Number(ref.slice(dash + 1)) }
}

export function checkReferences(scenario: Scenario): Issue[] {
  const issues: Issue[] = []
  const brokers = scenario.cluster?.brokers ?? DEFAULT_BROKERS
  const partitionsOf = new Map<string, number>()
  const clients = new Set<string>()
  const bound = new Set<string>()
  const groups = new Set<string>()
  const problem = (path: Path, message: string) => issues.push({ path, message })
  const kafka = (path: Path, check: () => void) => {
    try {
      check()
    } catch (error) {
      problem(path, (error as Error).message)
    }
  }

  const checkBroker = (id: number, path: Path) => {
    if (id > brokers) problem(path, `no broker ${id}: the cluster has brokers 1 to ${brokers}`)
  }
  const checkTopic = (topic: string, path: Path) => {
    if (!partitionsOf.has(topic)) problem(path, `no topic ${JSON.stringify(topic)} (known: ${[...partitionsOf.keys()].join(', ') || 'none'})`)
  }
  const checkPartition = (ref: string, path: Path) => {
    const { topic, partition } = splitPartition(ref)
    const count = partitionsOf.get(topic)
    if (count === undefined) checkTopic(topic, path)
    else if (partition >= count) problem(path, `no partition ${ref}: topic ${topic} has partitions 0 to ${count - 1}`)
  }
  const checkNode = (ref: NodeRef, path: Path) => {
    if (typeof ref === 'number') return checkBroker(ref, path)
    if (ref === 'controller' || clients.has(ref) || bound.has(ref)) return
    const leaderOf = LEADER_OF.exec(ref)
    if (leaderOf) return checkPartition(`${leaderOf[1]}-${leaderOf[2]}`, path)
    const coordinatorOf = COORDINATOR_OF.exec(ref)
    if (coordinatorOf) return checkGroup(coordinatorOf[1]!, path)
    problem(path, `no node ${JSON.stringify(ref)}: expected a broker id, "controller", "leader of <topic>-<partition>", "coordinator of group <id>", a client id (${[...clients].join(', ') || 'none'}) or a name bound with "as" (${[...bound].join(', ') || 'none'})`)
  }
  const checkGroup = (id: string, path: Path) => {
    if (!groups.has(id)) problem(path, `no group ${JSON.stringify(id)} (known: ${[...groups].join(', ') || 'none'})`)
  }
  const checkClient = (id: string, path: Path) => {
    if (!clients.has(id)) problem(path, `no client ${JSON.stringify(id)} (known: ${[...clients].join(', ') || 'none'})`)
  }
  const addClient = (id: string, path: Path) => {
    if (clients.has(id)) problem(path, `client id ${JSON.stringify(id)} is used twice`)
    clients.add(id)
  }
  const addTopic = (topic: NonNullable<Scenario['topics']>[number], path: Path, refusalExpected = false) => {
    if (partitionsOf.has(topic.name) && !refusalExpected) problem([...path, 'name'], `topic ${JSON.stringify(topic.name)} is declared twice`)
    const rf = topic.replicationFactor ?? 1
    if (topic.replicas) topic.replicas.forEach((list, p) => list.forEach((id, i) => checkBroker(id, [...path, 'replicas', p, i])))
    else if (rf > brokers && !refusalExpected) problem([...path, 'replicationFactor'], `a replication factor of ${rf} needs ${rf} brokers; the cluster has ${brokers} (INVALID_REPLICATION_FACTOR)`)
    if (topic.config) kafka([...path, 'config'], () => parseTopicConfigOverrides(topic.config, `topic ${topic.name}`))
    partitionsOf.set(topic.name, topic.replicas?.length ?? topic.partitions ?? 1)
  }
  const addProducer = (producer: NonNullable<NonNullable<Scenario['clients']>['producers']>[number], path: Path) => {
    addClient(producer.id, [...path, 'id'])
    if (producer.topic !== undefined) checkTopic(producer.topic, [...path, 'topic'])
    if (producer.rate !== undefined && producer.topic === undefined) problem([...path, 'rate'], 'a rate needs a topic to send to')
    if (producer.config) kafka([...path, 'config'], () => parseProducerConfig(producer.config, `producer ${producer.id} config`))
  }
  const addConsumer = (consumer: NonNullable<NonNullable<Scenario['clients']>['consumers']>[number], path: Path) => {
    addClient(consumer.id, [...path, 'id'])
    consumer.assign.forEach((ref, i) => (partitionsOf.has(ref) ? undefined : checkPartition(ref, [...path, 'assign', i])))
    if (consumer.config) kafka([...path, 'config'], () => parseConsumerConfig(consumer.config, `consumer ${consumer.id} config`))
  }

  if (scenario.cluster?.config) kafka(['cluster', 'config'], () => parseBrokerConfig(scenario.cluster!.config, 'cluster config'))
  scenario.topics?.forEach((t, i) => addTopic(t, ['topics', i]))
  scenario.clients?.producers?.forEach((p, i) => addProducer(p, ['clients', 'producers', i]))
  const producers = new Set((scenario.clients?.producers ?? []).map((p) => p.id))
  const deadLetterGroups = new Set<string>()
  scenario.clients?.consumers?.forEach((c, i) => addConsumer(c, ['clients', 'consumers', i]))
  scenario.clients?.groups?.forEach((g, i) => {
    const path = ['clients', 'groups', i]
    if (groups.has(g.id)) problem([...path, 'id'], `group ${JSON.stringify(g.id)} is declared twice`)
    groups.add(g.id)
    g.topics.forEach((t, j) => checkTopic(t, [...path, 'topics', j]))
    memberSpecs(g).forEach((m, j) => {
      const at = typeof g.members === 'number' ? [...path, 'members'] : [...path, 'members', j]
      addClient(m.id, at)
      if (m.config) kafka([...at, 'config'], () => parseConsumerConfig({ ...g.config, ...m.config, 'group.id': g.id }, `member ${m.id} config`))
    })
    if (g.config) kafka([...path, 'config'], () => parseConsumerConfig({ ...g.config, 'group.id': g.id }, `group ${g.id} config`))
    if (g.deadLetter) {
      checkTopic(g.deadLetter.topic, [...path, 'deadLetter', 'topic'])
      if (g.topics.includes(g.deadLetter.topic)) problem([...path, 'deadLetter', 'topic'], `the dead-letter topic ${JSON.stringify(g.deadLetter.topic)} is one the group reads: its records would fail again`)
      if (!producers.has(g.deadLetter.producer)) problem([...path, 'deadLetter', 'producer'], `no producer ${JSON.stringify(g.deadLetter.producer)} in clients.producers (known: ${[...producers].join(', ') || 'none'})`)
    }
    if (g.deadLetter) deadLetterGroups.add(g.id)
  })

  const checkCondition = (condition: Condition, path: Path) => {
    if ('leader' in condition) {
      checkPartition(condition.leader.partition, [...path, 'leader', 'partition'])
      for (const key of ['is', 'isNot'] as const) if (condition.leader[key] !== undefined && condition.leader[key] !== NO_LEADER) checkNode(condition.leader[key]!, [...path, 'leader', key])
    } else if ('isr' in condition) {
      checkPartition(condition.isr.partition, [...path, 'isr', 'partition'])
      condition.isr.equals?.forEach((ref, i) => checkNode(ref, [...path, 'isr', 'equals', i]))
      for (const key of ['includes', 'excludes'] as const) if (condition.isr[key] !== undefined) checkNode(condition.isr[key]!, [...path, 'isr', key])
    } else if ('acknowledged' in condition) checkClient(condition.acknowledged.producer, [...path, 'acknowledged', 'producer'])
    else if ('consumed' in condition) checkClient(condition.consumed.consumer, [...path, 'consumed', 'consumer'])
    else if ('broker' in condition) checkNode(condition.broker.id, [...path, 'broker', 'id'])
  }

  const checkStep = (step: Step, path: Path) => {
    const s = step as Step & Record<string, unknown>
    if (step.when) checkCondition(step.when as Condition, [...path, 'when'])
    if ('at' in step && (step.after !== undefined || step.within !== undefined || step.delay !== undefined)) {
      problem(path, 'after, within and delay go with "when", not with "at"')
    }
    for (const key of ['crash', 'powerFail', 'pause', 'resume', 'restart', 'isolate', 'rejoin', 'healDisk'] as const) {
      if (s[key] !== undefined) checkNode(s[key] as NodeRef, [...path, key])
    }
    if ('slowDisk' in step) checkNode(step.slowDisk.broker, [...path, 'slowDisk', 'broker'])
    if ('partition' in step && Array.isArray(step.partition)) step.partition.forEach((group, g) => group.forEach((ref, i) => checkNode(ref, [...path, 'partition', g, i])))
    for (const key of ['block', 'unblock'] as const) {
      const pair = s[key] as { from: NodeRef; to: NodeRef } | undefined
      if (pair) {
        checkNode(pair.from, [...path, key, 'from'])
        checkNode(pair.to, [...path, key, 'to'])
      }
    }
    if ('network' in step) {
      if ((step.network.from === undefined) !== (step.network.to === undefined)) problem([...path, 'network'], 'a link needs both from and to (or neither, for every link)')
      if (step.network.from !== undefined) checkNode(step.network.from, [...path, 'network', 'from'])
      if (step.network.to !== undefined) checkNode(step.network.to, [...path, 'network', 'to'])
    }
    if ('addProducer' in step) addProducer(step.addProducer, [...path, 'addProducer'])
    if ('stopProducer' in step) checkClient(step.stopProducer, [...path, 'stopProducer'])
    if ('addConsumer' in step) addConsumer(step.addConsumer, [...path, 'addConsumer'])
    if ('removeConsumer' in step) checkClient(step.removeConsumer, [...path, 'removeConsumer'])
    if ('addGroupMember' in step) {
      checkGroup(step.addGroupMember.group, [...path, 'addGroupMember', 'group'])
      addClient(step.addGroupMember.id, [...path, 'addGroupMember', 'id'])
      const config = step.addGroupMember.config
      const groupConfig = scenario.clients?.groups?.find((g) => g.id === step.addGroupMember.group)?.config
      if (config) kafka([...path, 'addGroupMember', 'config'], () => parseConsumerConfig({ ...groupConfig, ...config, 'group.id': step.addGroupMember.group }, `member ${step.addGroupMember.id} config`))
    }
    if ('removeGroupMember' in step) checkClient(step.removeGroupMember, [...path, 'removeGroupMember'])
    if ('produce' in step) {
      checkClient(step.produce.producer, [...path, 'produce', 'producer'])
      checkTopic(step.produce.topic, [...path, 'produce', 'topic'])
      if (step.produce.partition !== undefined) checkPartition(`${step.produce.topic}-${step.produce.partition}`, [...path, 'produce', 'partition'])
    }
    if ('createTopic' in step) addTopic(step.createTopic, [...path, 'createTopic'], step.expectError !== undefined)
    if ('deleteTopic' in step) checkTopic(step.deleteTopic, [...path, 'deleteTopic'])
    if ('addPartitions' in step) {
      checkTopic(step.addPartitions.topic, [...path, 'addPartitions', 'topic'])
      const before = partitionsOf.get(step.addPartitions.topic)
      if (before !== undefined && step.addPartitions.count > before) partitionsOf.set(step.addPartitions.topic, step.addPartitions.count)
    }
    if ('reassign' in step) {
      checkPartition(step.reassign.partition, [...path, 'reassign', 'partition'])
      step.reassign.replicas.forEach((id, i) => checkBroker(id, [...path, 'reassign', 'replicas', i]))
    }
    if ('electLeaders' in step) step.electLeaders.partitions?.forEach((ref, i) => checkPartition(ref, [...path, 'electLeaders', 'partitions', i]))
    if ('alterConfig' in step) {
      const { topic, set, delete: remove } = step.alterConfig
      if (topic !== undefined) checkTopic(topic, [...path, 'alterConfig', 'topic'])
      if (set) kafka([...path, 'alterConfig', 'set'], () => (topic === undefined ? parseBrokerConfig(set, 'broker config') : parseTopicConfigOverrides(set, `topic ${topic}`)))
      if (!set && !remove) problem([...path, 'alterConfig'], 'a config change needs set or delete')
    }
    if (step.expectError !== undefined && !Object.hasOwn(ERROR_CODES, step.expectError)) problem([...path, 'expectError'], `no Kafka error named ${JSON.stringify(step.expectError)}`)
    if (step.as !== undefined) {
      if (clients.has(step.as) || bound.has(step.as)) problem([...path, 'as'], `the name ${JSON.stringify(step.as)} is already in use`)
      bound.add(step.as)
    }
  }
  scenario.timeline?.forEach((step, i) => checkStep(step, ['timeline', i]))

  const checkExpectation = (e: Expectation, path: Path) => {
    const bounded = (b: { atLeast?: number; atMost?: number }, at: Path) => {
      if (b.atLeast !== undefined && b.atMost !== undefined && b.atLeast > b.atMost) problem(at, `atLeast (${b.atLeast}) is above atMost (${b.atMost})`)
    }
    for (const key of ['lostWrites', 'duplicates', 'inconsistentOffsets', 'pollSkips', 'nonMonotonicPolls', 'reprocessed'] as const) {
      const value = (e as Record<string, unknown>)[key]
      if (typeof value === 'object' && value !== null) bounded(value, [...path, key])
    }
    if ('leader' in e) {
      checkPartition(e.leader.partition, [...path, 'leader', 'partition'])
      // "none": no leader (-1), as kafka-topics --describe prints it.
      for (const key of ['is', 'isNot'] as const) if (e.leader[key] !== undefined && e.leader[key] !== NO_LEADER) checkNode(e.leader[key]!, [...path, 'leader', key])
      const kinds = ['is', 'isNot', 'changesWithin'].filter((k) => (e.leader as Record<string, unknown>)[k] !== undefined)
      if (kinds.length !== 1) problem([...path, 'leader'], `a leader expectation takes exactly one of is, isNot, changesWithin; it has ${kinds.join(' and ') || 'none'}`)
      if (e.leader.after !== undefined && e.leader.changesWithin === undefined) problem([...path, 'leader', 'after'], '"after" goes with changesWithin')
      if (e.leader.at !== undefined && e.leader.changesWithin !== undefined) problem([...path, 'leader', 'at'], '"at" goes with is or isNot')
    }
    if ('isr' in e) {
      checkPartition(e.isr.partition, [...path, 'isr', 'partition'])
      e.isr.equals.forEach((ref, i) => checkNode(ref, [...path, 'isr', 'equals', i]))
    }
    if ('errorObserved' in e) {
      checkClient(e.errorObserved.client, [...path, 'errorObserved', 'client'])
      const error = e.errorObserved.error
      if (!Object.hasOwn(ERROR_CODES, error) && !/^[A-Z][A-Za-z]*Exception$/.test(error)) problem([...path, 'errorObserved', 'error'], `no Kafka error named ${JSON.stringify(error)} (a name like NOT_ENOUGH_REPLICAS, or a client exception like OffsetOutOfRangeException)`)
      bounded(e.errorObserved, [...path, 'errorObserved'])
    }
    if ('consumed' in e) {
      checkClient(e.consumed.consumer, [...path, 'consumed', 'consumer'])
      bounded(e.consumed, [...path, 'consumed'])
    }
    if ('groupState' in e) checkGroup(e.groupState.group, [...path, 'groupState', 'group'])
    if ('revoked' in e) {
      checkGroup(e.revoked.group, [...path, 'revoked', 'group'])
      bounded(e.revoked, [...path, 'revoked'])
    }
    if ('deadLetters' in e) {
      checkGroup(e.deadLetters.group, [...path, 'deadLetters', 'group'])
      if (groups.has(e.deadLetters.group) && !deadLetterGroups.has(e.deadLetters.group)) problem([...path, 'deadLetters', 'group'], `group ${JSON.stringify(e.deadLetters.group)} has no deadLetter`)
    }
    if ('lag' in e) {
      checkGroup(e.lag.group, [...path, 'lag', 'group'])
      if (e.lag.partition !== undefined) checkPartition(e.lag.partition, [...path, 'lag', 'partition'])
    }
    if ('acknowledged' in e) {
      checkClient(e.acknowledged.producer, [...path, 'acknowledged', 'producer'])
      bounded(e.acknowledged, [...path, 'acknowledged'])
    }
  }
  scenario.expect?.forEach((e, i) => checkExpectation(e, ['expect', i]))
  return issues
}
