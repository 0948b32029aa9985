// The scenario format as one schema (schema-kit.ts): it validates YAML and TypeScript
// scenarios alike, and prints scenarios/scenario.schema.json for editors (a test checks
// the committed file equals what this prints). types.ts is the same format as types.

import { ALL_CHECKERS } from '../checkers/invariants.ts'
import { toJsonSchema, type Field, type ObjectNode, type SchemaNode } from './schema-kit.ts'

const DAY_MS = 86_400_000
/** Limits keep a hostile file from asking for a run that never ends or never fits in memory. */
const MAX_BROKERS = 64
const MAX_PARTITIONS = 1000
const MAX_LIST = 1000

const str = (description?: string, extra: Partial<Extract<SchemaNode, { kind: 'string' }>> = {}): SchemaNode => ({ kind: 'string', maxLength: 200, ...(description ? { description } : {}), ...extra })
const int = (min: number, max: number, description?: string): SchemaNode => ({ kind: 'integer', min, max, ...(description ? { description } : {}) })
const duration = (description?: string): SchemaNode => ({ kind: 'duration', maxMs: DAY_MS, ...(description ? { description } : {}) })
const list = (items: SchemaNode, maxItems = MAX_LIST, minItems = 0): SchemaNode => ({ kind: 'array', items, maxItems, minItems })
const req = (schema: SchemaNode): Field => ({ schema, required: true })
const opt = (schema: SchemaNode): Field => ({ schema })
const obj = (what: string, fields: Record<string, Field>, extra: Partial<ObjectNode> = {}): ObjectNode => ({ kind: 'object', what, fields, ...extra })
const fn = (expected: string): SchemaNode => ({ kind: 'function', expected })

const NAME_PATTERN = '^[A-Za-z0-9._-]{1,64}$'
const NAME_EXPECTED = 'a name of 1 to 64 letters, digits, ".", "_" or "-"'
const name = (description?: string): SchemaNode => str(description, { pattern: NAME_PATTERN, expected: NAME_EXPECTED })
const PARTITION_PATTERN = '^[A-Za-z0-9._-]{1,64}-(0|[1-9][0-9]{0,3})$'
const partition = (description = 'a partition as Kafka tools print it: "orders-0"'): SchemaNode => str(description, { pattern: PARTITION_PATTERN, expected: 'a partition like "orders-0"' })


const nodeRef: SchemaNode = {
  kind: 'union',
  expected: 'a broker id, "controller", "leader of <topic>-<partition>", "coordinator of group <id>", a client id or a name bound with "as"',
  description: 'A node: a broker id (2), "controller", "leader of orders-0" or "coordinator of group g" (resolved when the step runs), a client id, or a name an earlier step bound with "as".',
  options: [int(1, MAX_BROKERS), str(undefined, { maxLength: 100 })],
}

const configValue: SchemaNode = {
  kind: 'union',
  expected: 'a string, number, true/false, null or a list of strings',
  options: [str(undefined, { maxLength: 10_000 }), { kind: 'number', min: -Number.MAX_VALUE, max: Number.MAX_VALUE }, { kind: 'boolean' }, list(str(), 100)],
}
const configMap = (description: string): SchemaNode => ({ kind: 'map', values: configValue, maxEntries: 200, keyPattern: '^[a-z0-9._-]{1,100}$', keyExpected: 'a config name like "min.insync.replicas"', description })

const latency: SchemaNode = {
  kind: 'union',
  expected: 'a duration, {min, max} or {median, sigma}',
  options: [
    duration(),
    obj('a latency range', { min: req(duration()), max: req(duration()) }),
    obj('a log-normal latency', { median: req(duration()), sigma: req({ kind: 'number', min: 0, max: 10 }) }),
  ],
}
const networkFields = { latency: opt(latency), loss: opt({ kind: 'number', min: 0, max: 1, description: 'Probability that a message is lost, 0 to 1.' }) }

const topic = obj('a topic', {
  name: req(name()),
  partitions: opt(int(1, MAX_PARTITIONS, 'Default 1.')),
  replicationFactor: opt(int(1, MAX_BROKERS, 'Default 1.')),
  config: opt(configMap('Topic config with Kafka names.')),
  replicas: opt(list(list(int(1, MAX_BROKERS), MAX_BROKERS, 1), MAX_PARTITIONS, 1)),
})

const keys: SchemaNode = {
  kind: 'union',
  expected: '"none", {uniform: N}, {skewed: N, exponent} or {explicit: [keys]}',
  options: [
    { kind: 'const', value: 'none' },
    obj('uniform keys', { uniform: req(int(1, 1_000_000)) }),
    obj('skewed keys', { skewed: req(int(1, 1_000_000)), exponent: opt({ kind: 'number', min: 0, max: 10 }) }),
    obj('explicit keys', { explicit: req(list(str(), 10_000, 1)) }),
  ],
}

const producerFields: Record<string, Field> = {
  id: req(name('Its client.id.')),
  topic: opt(name('With rate: a steady workload to this topic.')),
  rate: opt({ kind: 'number', min: 0.001, max: 100_000, description: 'Records per simulated second.' }),
  keys: opt(keys),
  valueBytes: opt(int(0, 1_048_576)),
  start: opt(duration('When the workload starts (default at once).')),
  stop: opt(duration('When the workload stops (default: at the end).')),
  config: opt(configMap('Producer config with Kafka names.')),
}
const producer = obj('a producer', producerFields)

const consumer = obj('a consumer', {
  id: req(name()),
  assign: req(list(str('A partition ("orders-0") or a whole topic ("orders").'), MAX_PARTITIONS, 1)),
  pollInterval: opt(duration('Default 100ms.')),
  processingPerRecord: opt(duration('Default 0ms.')),
  start: opt(duration('When it starts (default at once).')),
  config: opt(configMap('Consumer config with Kafka names.')),
})

/** A member's own settings: they replace the group's (config is merged over the group's). */
const memberSettings = {
  processingPerRecord: opt(duration('This member\'s processing time per record.')),
  config: opt(configMap('This member\'s consumer config, merged over the group\'s.')),
}
const member: SchemaNode = {
  kind: 'union',
  expected: 'a client id or {id, processingPerRecord?, config?}',
  options: [name(), obj('a group member', { id: req(name()), ...memberSettings })],
}
const deadLetter = obj('a dead-letter topic', {
  topic: req(name('Where the records the application fails on go.')),
  producer: req(name('A declared producer that sends them.')),
  when: req({
    kind: 'union',
    expected: '{keyIn: [keys]} or {valueContains: "text"}',
    options: [
      obj('records with these keys', { keyIn: req(list(str(), 1000, 1)) }),
      obj('records whose value contains this text', { valueContains: req(str(undefined, { pattern: '\\S', expected: 'a text that is not blank' })) }),
    ],
  }),
}, { description: 'The members send the records they fail on to this topic, and go on (the dead-letter-topic pattern).' })

const groupFields: Record<string, Field> = {
  id: req(name('The group.id.')),
  topics: req(list(name(), 100, 1)),
  members: req({ kind: 'union', expected: 'a number of members, or a list of client ids or {id, processingPerRecord?, config?}', options: [int(1, 100), list(member, 100, 1)] }),
  processingPerRecord: opt(duration()),
  commit: opt(str(undefined, { enum: ['auto', 'sync', 'none'] })),
  config: opt(configMap('Consumer config with Kafka names.')),
  deadLetter: opt(deadLetter),
}
const group = obj('a consumer group', groupFields)

const brokerState = str(undefined, { enum: ['alive', 'fenced', 'crashed', 'paused', 'isolated'] })

const count: SchemaNode = {
  kind: 'union',
  expected: '"none", "expected" or {atLeast, atMost}',
  options: [str(undefined, { enum: ['none', 'expected'] }), obj('count bounds', { atLeast: opt(int(0, 1e9)), atMost: opt(int(0, 1e9)) })],
}

const condition: SchemaNode = {
  kind: 'union',
  expected: 'a condition: leader, isr, acknowledged, consumed, broker or settled',
  options: [
    obj('a leader condition', { leader: req(obj('a leader condition', { partition: req(partition()), is: opt(nodeRef), isNot: opt(nodeRef) })) }),
    obj('an ISR condition', {
      isr: req(obj('an ISR condition', { partition: req(partition()), size: opt(int(0, MAX_BROKERS)), equals: opt(list(nodeRef, MAX_BROKERS)), includes: opt(nodeRef), excludes: opt(nodeRef) })),
    }),
    obj('an acknowledged condition', { acknowledged: req(obj('an acknowledged condition', { producer: req(name()), atLeast: req(int(0, 1e9)) })) }),
    obj('a consumed condition', { consumed: req(obj('a consumed condition', { consumer: req(name()), atLeast: req(int(0, 1e9)) })) }),
    obj('a broker condition', { broker: req(obj('a broker condition', { id: req(nodeRef), is: req(brokerState) })) }),
    obj('a settled condition', { settled: req({ kind: 'const', value: true }) }),
    obj('a TypeScript condition', { holds: req(fn('a function (ctx) => boolean')), label: req(str()) }),
  ],
}

const pair = (what: string) => obj(what, { from: req(nodeRef), to: req(nodeRef) })

/** Every action a step can take: its key, and what it holds. */
export const ACTIONS: Record<string, SchemaNode> = {
  crash: nodeRef,
  powerFail: nodeRef,
  pause: nodeRef,
  resume: nodeRef,
  restart: nodeRef,
  slowDisk: obj('a slow disk', {
    broker: req(nodeRef),
    write: req(duration('How long the broker stays busy after each message or timer that writes to its disk (an append, a truncation, an fsync).')),
  }),
  healDisk: nodeRef,
  isolate: nodeRef,
  rejoin: nodeRef,
  partition: list(list(nodeRef, 100, 1), 10, 2),
  block: pair('a one-way block'),
  unblock: pair('a one-way block'),
  heal: str(undefined, { enum: ['all', 'partition'] }),
  network: obj('a network change', { ...networkFields, from: opt(nodeRef), to: opt(nodeRef) }),
  addProducer: producer,
  stopProducer: name(),
  addConsumer: consumer,
  removeConsumer: name(),
  addGroupMember: obj('a new group member', { group: req(name()), id: req(name()), ...memberSettings }),
  removeGroupMember: name(),
  produce: obj('a burst', { producer: req(name()), topic: req(name()), count: req(int(1, 100_000)), key: opt(str()), partition: opt(int(0, MAX_PARTITIONS - 1)) }),
  createTopic: topic,
  deleteTopic: name(),
  addPartitions: obj('a partition increase', { topic: req(name()), count: req(int(1, MAX_PARTITIONS)) }),
  reassign: obj('a reassignment', { partition: req(partition()), replicas: req(list(int(1, MAX_BROKERS), MAX_BROKERS, 1)) }),
  electLeaders: obj('a leader election', { type: opt(str(undefined, { enum: ['preferred', 'unclean'] })), partitions: opt(list(partition(), MAX_PARTITIONS)) }),
  alterConfig: obj('a config change', { topic: opt(name()), set: opt(configMap('Config to set.')), delete: opt(list(str(), 200)) }),
  run: fn('a function (ctx) => void (TypeScript scenarios only)'),
}

const step = obj(
  'a timeline step',
  {
    at: opt(duration('When, counted from the start of the scenario.')),
    when: opt(condition),
    after: opt(duration('Start watching the condition this long in (default at once).')),
    within: opt(duration('Fail if the condition has not held this long after "after".')),
    delay: opt(duration('Act this long after the condition first holds.')),
    ...Object.fromEntries(Object.entries(ACTIONS).map(([key, schema]) => [key, opt(schema)])),
    as: opt(name('Name the node this step acted on, for later steps and expectations.')),
    label: opt(str()),
    expectError: opt(str('The step is expected to be refused with this Kafka error.', { pattern: '^[A-Z_]{1,80}$', expected: 'a Kafka error name like "NOT_ENOUGH_REPLICAS"' })),
  },
  { exactlyOne: [{ keys: ['at', 'when'], what: 'when the step runs' }, { keys: Object.keys(ACTIONS), what: 'what the step does' }] },
)

const bounds = { atLeast: opt(int(0, 1e9)), atMost: opt(int(0, 1e9)) }

/** Every expectation: its key, and what it holds. */
export const EXPECTATIONS: Record<string, SchemaNode> = {
  lostWrites: count,
  duplicates: count,
  perKeyOrder: str(undefined, { enum: ['kept', 'broken'] }),
  inconsistentOffsets: count,
  pollSkips: count,
  nonMonotonicPolls: count,
  leader: obj('a leader expectation', { partition: req(partition()), is: opt(nodeRef), isNot: opt(nodeRef), changesWithin: opt(duration()), after: opt(duration()), at: opt(duration()) }),
  isr: obj('an ISR expectation', { partition: req(partition()), equals: req(list(nodeRef, MAX_BROKERS)), at: opt(duration()) }),
  errorObserved: obj('an error expectation', { client: req(name()), error: req(str(undefined, { pattern: '^[A-Za-z_]{1,80}$', expected: 'a Kafka error name like "NOT_ENOUGH_REPLICAS"' })), ...bounds }),
  consumed: obj('a consumed expectation', { consumer: req(name()), ...bounds }),
  acknowledged: obj('an acknowledged expectation', { producer: req(name()), ...bounds }),
  invariants: {
    kind: 'union',
    expected: '"none", "expected" or {expected: [checker names]}',
    options: [str(undefined, { enum: ['none', 'expected'] }), obj('expected invariant violations', { expected: req(list(str(undefined, { enum: ALL_CHECKERS }), ALL_CHECKERS.length, 1)) })],
  },
  lag: obj('a lag expectation', { group: req(name()), atMost: req(int(0, 1e12)), partition: opt(partition()) }),
  groupState: obj('a group state expectation', { group: req(name()), is: req(str(undefined, { enum: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'] })), within: opt(duration()) }),
  reprocessed: count,
  revoked: obj('a revoked-partitions expectation', { group: req(name()), ...bounds, after: opt(duration('Count from this time (default the start).')) }),
  deadLetters: obj('a dead-letter expectation', { group: req(name()) }),
  check: fn('a function (ctx) => Verdict (TypeScript scenarios only)'),
}

const expectation = obj(
  'an expectation',
  { ...Object.fromEntries(Object.entries(EXPECTATIONS).map(([key, schema]) => [key, opt(schema)])), label: opt(str()) },
  { exactlyOne: [{ keys: Object.keys(EXPECTATIONS), what: 'what is expected' }] },
)

export const SCENARIO_SCHEMA: ObjectNode = obj(
  'a scenario',
  {
    name: req(str('Lower-case words joined by "-".', { pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', expected: 'lower-case words joined by "-", like "acks1-lost-write"', maxLength: 100 })),
    description: req(str('The story in a paragraph: what happens, and why Kafka behaves so.', { maxLength: 5000 })),
    seed: opt(int(0, Number.MAX_SAFE_INTEGER, 'The root seed (default 1); kafkasim run --seed overrides it.')),
    duration: req(duration('Simulated time the scenario runs, from when the cluster is up and the topics exist.')),
    recover: opt(obj('a recovery', { within: req(duration()) }, { description: 'After duration: undo every fault and require the cluster to settle within this.' })),
    golden: opt(str('A file beside the scenario pinning its notable-event timeline.', { pattern: '^[A-Za-z0-9._-]{1,100}$', expected: 'a file name beside the scenario, like "x.golden.txt"' })),
    cluster: opt(
      obj('the cluster', {
        brokers: opt(int(1, MAX_BROKERS, 'Broker ids 1..brokers (default 3), plus one KRaft controller.')),
        version: opt(str('"4.0" (default), or "0.10": a restarted follower truncates to its high watermark, as before KIP-101.', { enum: ['4.0', '0.10'] })),
        config: opt(configMap('Broker (cluster) config with Kafka names.')),
        network: opt(obj('the network', networkFields)),
        disk: opt(obj('the disks', { writeback: opt({ kind: 'union', expected: 'a duration or "never"', options: [duration(), { kind: 'const', value: 'never' }] }) })),
      }),
    ),
    topics: opt(list(topic, 100)),
    clients: opt(obj('the clients', { producers: opt(list(producer, 100)), consumers: opt(list(consumer, 100)), groups: opt(list(group, 100)) })),
    timeline: opt(list(step)),
    expect: opt(list(expectation)),
  },
  { description: 'A kafkasim scenario: a cluster, clients, a timeline of actions and faults, and expectations.' },
)

/** scenarios/scenario.schema.json, as text. */
export function scenarioJsonSchemaText(): string {
  const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'kafkasim scenario', ...toJsonSchema(SCENARIO_SCHEMA) }
  return JSON.stringify(schema, null, 2) + '\n'
}
