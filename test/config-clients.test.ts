import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  ASSIGNOR_CLASSES,
  CONSUMER_CONFIG_DEFS,
  CONSUMER_CONFIG_NAMES,
  DEFAULT_CONSUMER_CONFIG,
  DEFAULT_PRODUCER_CONFIG,
  INT_MAX,
  INT_MIN,
  InvalidConfigError,
  LONG_MAX_VALUE,
  PRODUCER_CONFIG_DEFS,
  PRODUCER_CONFIG_NAMES,
  describeConsumerConfig,
  describeProducerConfig,
  parseConsumerConfig,
  parseProducerConfig,
  type Acks,
  type ConfigDef,
  type ConfigEntry,
  type ConsumerConfig,
  type ProducerConfig,
} from '../core/config.ts'
import { parseValue } from '../core/config/parse.ts'
import { describeValue as describeInput } from '../core/describe.ts'
import { KafkaError } from '../core/errors.ts'

const LONG_MAX = LONG_MAX_VALUE
const producerDefs: Record<string, ConfigDef> = PRODUCER_CONFIG_DEFS
const consumerDefs: Record<string, ConfigDef> = CONSUMER_CONFIG_DEFS

/**
 * Kafka 4.0's type and default of every producer config the sandbox models, as read in
 * Kafka's source (ProducerConfig's CONFIG block, CommonClientConfigs), and the value the
 * sandbox resolves it to when nothing is set.
 */
const KAFKA_PRODUCER_DEFAULTS: [string, string, unknown, unknown][] = [
  ['client.id', 'string', '', ''],
  ['acks', 'string', 'all', -1],
  ['enable.idempotence', 'boolean', true, true],
  ['retries', 'int', INT_MAX, INT_MAX],
  ['max.in.flight.requests.per.connection', 'int', 5, 5],
  ['transactional.id', 'string', null, null],
  ['batch.size', 'int', 16384, 16384],
  ['linger.ms', 'long', 5, 5],
  ['buffer.memory', 'long', 33554432, 33554432],
  ['max.request.size', 'int', 1048576, 1048576],
  ['compression.type', 'string', 'none', 'none'],
  ['max.block.ms', 'long', 60000, 60000],
  ['request.timeout.ms', 'int', 30000, 30000],
  ['delivery.timeout.ms', 'int', 120000, 120000],
  ['retry.backoff.ms', 'long', 100, 100],
  ['retry.backoff.max.ms', 'long', 1000, 1000],
  ['metadata.max.age.ms', 'long', 300000, 300000],
  ['partitioner.adaptive.partitioning.enable', 'boolean', true, true],
  ['partitioner.availability.timeout.ms', 'long', 0, 0],
  ['partitioner.ignore.keys', 'boolean', false, false],
]

/**
 * The same for the consumer (ConsumerConfig's CONFIG block). partition.assignment.strategy
 * is Kafka's [RangeAssignor, CooperativeStickyAssignor] under the assignors' own names;
 * enable.auto.commit defaults to true but resolves to false without a group.id.
 */
const KAFKA_CONSUMER_DEFAULTS: [string, string, unknown, unknown][] = [
  ['client.id', 'string', '', ''],
  ['group.id', 'string', null, null],
  ['group.instance.id', 'string', null, null],
  ['group.remote.assignor', 'string', null, null],
  ['group.protocol', 'string', 'classic', 'classic'],
  ['partition.assignment.strategy', 'list', ['range', 'cooperative-sticky'], ['range', 'cooperative-sticky']],
  ['session.timeout.ms', 'int', 45000, 45000],
  ['heartbeat.interval.ms', 'int', 3000, 3000],
  ['max.poll.interval.ms', 'int', 300000, 300000],
  ['auto.offset.reset', 'string', 'latest', 'latest'],
  ['enable.auto.commit', 'boolean', true, false],
  ['auto.commit.interval.ms', 'int', 5000, 5000],
  ['isolation.level', 'string', 'read_uncommitted', 'read_uncommitted'],
  ['allow.auto.create.topics', 'boolean', true, true],
  ['fetch.min.bytes', 'int', 1, 1],
  ['fetch.max.wait.ms', 'int', 500, 500],
  ['fetch.max.bytes', 'int', 52428800, 52428800],
  ['max.partition.fetch.bytes', 'int', 1048576, 1048576],
  ['max.poll.records', 'int', 500, 500],
  ['request.timeout.ms', 'int', 30000, 30000],
  ['default.api.timeout.ms', 'int', 60000, 60000],
  ['retry.backoff.ms', 'long', 100, 100],
  ['retry.backoff.max.ms', 'long', 1000, 1000],
  ['metadata.max.age.ms', 'long', 300000, 300000],
]

/** Runs fn, expects INVALID_CONFIG, and returns the error. */
function invalid(fn: () => unknown): InvalidConfigError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaError)
    expect(error).toBeInstanceOf(InvalidConfigError)
    expect((error as KafkaError).code).toBe('INVALID_CONFIG')
    return error as InvalidConfigError
  }
  throw new Error('expected INVALID_CONFIG, nothing was thrown')
}

const entry = (entries: readonly ConfigEntry[], name: string): ConfigEntry => entries.find((e) => e.name === name)!
const producer = (input: object): ProducerConfig => parseProducerConfig(input, 'producer app')
const consumer = (input: object): ConsumerConfig => parseConsumerConfig(input, 'consumer app')

describe('defaults match Kafka 4.0', () => {
  it.each(KAFKA_PRODUCER_DEFAULTS)('producer %s is a %s defaulting to %j (resolved %j)', (name, type, kafkaDefault, resolved) => {
    expect(producerDefs[name]?.type).toBe(type)
    expect(producerDefs[name]?.default).toEqual(kafkaDefault)
    expect(DEFAULT_PRODUCER_CONFIG[name as keyof ProducerConfig]).toEqual(resolved)
  })

  it.each(KAFKA_CONSUMER_DEFAULTS)('consumer %s is a %s defaulting to %j (resolved %j)', (name, type, kafkaDefault, resolved) => {
    expect(consumerDefs[name]?.type).toBe(type)
    expect(consumerDefs[name]?.default).toEqual(kafkaDefault)
    expect(DEFAULT_CONSUMER_CONFIG[name as keyof ConsumerConfig]).toEqual(resolved)
  })

  it('the tables above cover every modelled config, and nothing else', () => {
    expect(KAFKA_PRODUCER_DEFAULTS.map(([n]) => n).sort()).toEqual([...PRODUCER_CONFIG_NAMES])
    expect(KAFKA_CONSUMER_DEFAULTS.map(([n]) => n).sort()).toEqual([...CONSUMER_CONFIG_NAMES])
  })

  it('every definition has a one-line doc, valid bounds, and a default its own validator accepts', () => {
    for (const [name, def] of [...Object.entries(producerDefs), ...Object.entries(consumerDefs)]) {
      expect(def.doc, name).toMatch(/^[A-Z].*\.\)?$/)
      expect(def.doc, name).not.toContain('\n')
      if (def.min !== undefined || def.max !== undefined) expect(def.bounds, name).toMatch(/^(kafka|sandbox)$/)
      expect(parseValue(def, def.default), name).toEqual({ ok: true, value: def.default })
    }
  })

  it('the defaults are a valid, explicitly empty parse', () => {
    expect(producer({})).toEqual(DEFAULT_PRODUCER_CONFIG)
    expect(consumer({})).toEqual(DEFAULT_CONSUMER_CONFIG)
    expect(describeProducerConfig(DEFAULT_PRODUCER_CONFIG).every((e) => e.source === 'default')).toBe(true)
    expect(describeConsumerConfig(DEFAULT_CONSUMER_CONFIG).every((e) => e.source === 'default')).toBe(true)
  })

  it('enable.auto.commit is true once there is a group', () => {
    expect(consumer({ 'group.id': 'billing' })['enable.auto.commit']).toBe(true)
  })

  it('says in the transactional.id doc that transactions are not modelled yet', () => {
    expect(PRODUCER_CONFIG_DEFS['transactional.id'].doc).toContain('not modelled yet')
  })

  it('returns frozen configs, lists included', () => {
    const p = producer({ acks: '1' })
    expect(Object.isFrozen(p)).toBe(true)
    expect(() => { (p as { acks: number }).acks = 0 }).toThrow(TypeError)
    for (const c of [DEFAULT_CONSUMER_CONFIG, consumer({ 'partition.assignment.strategy': 'range' })]) {
      expect(Object.isFrozen(c)).toBe(true)
      expect(Object.isFrozen(c['partition.assignment.strategy'])).toBe(true)
    }
    expect(Object.isFrozen(describeProducerConfig(p))).toBe(true)
    expect(Object.isFrozen(entry(describeConsumerConfig(DEFAULT_CONSUMER_CONFIG), 'group.id'))).toBe(true)
  })

  it('types every value by its Kafka type, string choices as unions', () => {
    expectTypeOf(DEFAULT_PRODUCER_CONFIG.acks).toEqualTypeOf<Acks>()
    expectTypeOf<Acks>().toEqualTypeOf<-1 | 0 | 1>()
    expectTypeOf(DEFAULT_PRODUCER_CONFIG['linger.ms']).toEqualTypeOf<number>()
    expectTypeOf(DEFAULT_PRODUCER_CONFIG['enable.idempotence']).toEqualTypeOf<boolean>()
    expectTypeOf(DEFAULT_PRODUCER_CONFIG['client.id']).toEqualTypeOf<string>()
    expectTypeOf(DEFAULT_PRODUCER_CONFIG['transactional.id']).toEqualTypeOf<string | null>()
    expectTypeOf(DEFAULT_PRODUCER_CONFIG['compression.type']).toEqualTypeOf<'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'>()
    expectTypeOf(DEFAULT_CONSUMER_CONFIG['group.id']).toEqualTypeOf<string | null>()
    expectTypeOf(DEFAULT_CONSUMER_CONFIG['auto.offset.reset']).toEqualTypeOf<'earliest' | 'latest' | 'none'>()
    expectTypeOf(DEFAULT_CONSUMER_CONFIG['isolation.level']).toEqualTypeOf<'read_uncommitted' | 'read_committed'>()
    expectTypeOf(DEFAULT_CONSUMER_CONFIG['group.protocol']).toEqualTypeOf<'classic' | 'consumer'>()
    expectTypeOf(DEFAULT_CONSUMER_CONFIG['partition.assignment.strategy'])
      .toEqualTypeOf<readonly ('range' | 'roundrobin' | 'sticky' | 'cooperative-sticky')[]>()
    expectTypeOf(DEFAULT_CONSUMER_CONFIG['session.timeout.ms']).toEqualTypeOf<number>()
  })
})

describe('string forms parse like typed forms', () => {
  const producerSame: [string, unknown, unknown][] = [
    ['acks', 'all', -1],
    ['acks', ' all ', -1],
    ['acks', '-1', -1],
    ['acks', -1, -1],
    ['acks', '0', 0],
    ['acks', 0, 0],
    ['acks', -0, 0],
    ['acks', '1', 1],
    ['acks', 1, 1],
    ['linger.ms', '10', 10],
    ['linger.ms', ' +10 ', 10],
    ['linger.ms', '9223372036854775807', LONG_MAX],
    ['retries', '2147483647', INT_MAX],
    ['retries', '0', 0],
    ['enable.idempotence', 'FALSE', false],
    ['partitioner.ignore.keys', ' true ', true],
    ['compression.type', 'zstd', 'zstd'],
    ['compression.type', ' lz4 ', 'lz4'],
    ['client.id', ' app ', 'app'],
    ['transactional.id', null, null],
    ['buffer.memory', 67108864n, 67108864],
  ]

  it.each(producerSame)('producer %s = %o parses to %o', (key, text, typed) => {
    // Idempotence off, so that acks 0 and 1 and retries 0 stand alone.
    expect(producer({ 'enable.idempotence': key === 'enable.idempotence' ? text : false, [key]: text })[key as keyof ProducerConfig]).toEqual(typed)
  })

  const consumerSame: [string, unknown, unknown][] = [
    ['group.id', 'billing', 'billing'],
    ['group.id', ' billing ', 'billing'],
    ['group.instance.id', 'host-1.a_b', 'host-1.a_b'],
    ['group.protocol', 'consumer', 'consumer'],
    ['group.protocol', 'CONSUMER', 'consumer'],
    ['group.protocol', ' Classic ', 'classic'],
    ['auto.offset.reset', 'earliest', 'earliest'],
    ['auto.offset.reset', ' none ', 'none'],
    ['isolation.level', 'read_committed', 'read_committed'],
    ['enable.auto.commit', 'false', false],
    ['session.timeout.ms', '10000', 10000],
    ['fetch.max.bytes', '1048576', 1048576],
    ['retry.backoff.max.ms', '9223372036854775807', LONG_MAX],
    ['partition.assignment.strategy', 'range', ['range']],
    ['partition.assignment.strategy', 'roundrobin, sticky', ['roundrobin', 'sticky']],
    ['partition.assignment.strategy', ['cooperative-sticky'], ['cooperative-sticky']],
    ['partition.assignment.strategy', 'org.apache.kafka.clients.consumer.RangeAssignor', ['range']],
    [
      'partition.assignment.strategy',
      'org.apache.kafka.clients.consumer.RangeAssignor,org.apache.kafka.clients.consumer.CooperativeStickyAssignor',
      ['range', 'cooperative-sticky'],
    ],
    ['partition.assignment.strategy', ['org.apache.kafka.clients.consumer.RoundRobinAssignor', 'sticky'], ['roundrobin', 'sticky']],
    ['partition.assignment.strategy', '', []],
  ]

  it.each(consumerSame)('consumer %s = %o parses to %o', (key, text, typed) => {
    expect(consumer({ [key]: text })[key as keyof ConsumerConfig]).toEqual(typed)
  })

  it('every assignor class resolves to its own name', () => {
    for (const [name, cls] of Object.entries(ASSIGNOR_CLASSES)) {
      expect(consumer({ 'partition.assignment.strategy': cls })['partition.assignment.strategy']).toEqual([name])
    }
  })

  it('null leaves a nullable config unset, and undefined is the same as leaving the key out', () => {
    expect(producer({ 'transactional.id': null, 'linger.ms': undefined })).toEqual(DEFAULT_PRODUCER_CONFIG)
    expect(consumer({ 'group.id': null, 'group.instance.id': null, 'fetch.min.bytes': undefined })).toEqual(DEFAULT_CONSUMER_CONFIG)
  })

  it('parses a whole properties-style config as a Kafka client would take it', () => {
    const p = producer({ 'client.id': 'orders-app', acks: 'all', 'linger.ms': '20', 'batch.size': '65536', 'compression.type': 'lz4', 'enable.idempotence': 'true' })
    expect(p).toMatchObject({ 'client.id': 'orders-app', acks: -1, 'linger.ms': 20, 'batch.size': 65536, 'compression.type': 'lz4', 'enable.idempotence': true })
    const c = consumer({ 'group.id': 'billing', 'auto.offset.reset': 'earliest', 'enable.auto.commit': 'false', 'max.poll.records': '100' })
    expect(c).toMatchObject({ 'group.id': 'billing', 'auto.offset.reset': 'earliest', 'enable.auto.commit': false, 'max.poll.records': 100 })
  })
})

describe('bad input is INVALID_CONFIG naming source, key, value and expectation', () => {
  it('says exactly what was wrong', () => {
    expect(invalid(() => producer({ 'linger.ms': 'soon' })).message)
      .toBe('INVALID_CONFIG: producer app: linger.ms: expected an integer >= 0, got "soon"')
    expect(invalid(() => producer({ acks: 2 })).message)
      .toBe('INVALID_CONFIG: producer app: acks: expected one of all, -1, 0, 1, got 2')
    expect(invalid(() => consumer({ 'auto.offset.reset': 'smallest' })).message)
      .toBe('INVALID_CONFIG: consumer app: auto.offset.reset: expected one of earliest, latest, none, got "smallest"')
  })

  const producerBad: [string, unknown, string][] = [
    ['acks', 'ALL', 'one of all, -1, 0, 1'],
    ['acks', 'All', 'one of all, -1, 0, 1'],
    ['acks', 2, 'one of all, -1, 0, 1'],
    ['acks', '-2', 'one of all, -1, 0, 1'],
    ['acks', 1.5, 'one of all, -1, 0, 1'],
    ['acks', '', 'one of all, -1, 0, 1'],
    ['acks', null, 'one of all, -1, 0, 1'],
    ['acks', true, 'one of all, -1, 0, 1'],
    ['acks', ['all'], 'one of all, -1, 0, 1'],
    ['linger.ms', -1, 'an integer >= 0'],
    ['linger.ms', '1.5', 'an integer >= 0'],
    ['linger.ms', '5ms', 'an integer >= 0'],
    ['linger.ms', '9223372036854775808', "within Java's long range"],
    ['batch.size', 2 ** 31, "an integer >= 0 within Java's int range"],
    ['batch.size', -1, 'an integer >= 0'],
    ['retries', -1, 'an integer between 0 and 2147483647'],
    ['retries', '2147483648', "within Java's int range"],
    ['max.in.flight.requests.per.connection', 0, 'an integer >= 1'],
    ['request.timeout.ms', -5, 'an integer >= 0'],
    ['delivery.timeout.ms', NaN, 'an integer >= 0'],
    ['buffer.memory', {}, 'an integer >= 0'],
    ['enable.idempotence', 'yes', 'true or false'],
    ['enable.idempotence', 1, 'true or false'],
    ['enable.idempotence', null, 'true or false'],
    ['partitioner.ignore.keys', '', 'true or false'],
    ['compression.type', 'GZIP', 'one of none, gzip, snappy, lz4, zstd'],
    ['compression.type', 'brotli', 'one of none, gzip, snappy, lz4, zstd'],
    ['client.id', 42, 'a string'],
    ['client.id', null, 'a string'],
    ['transactional.id', 'orders-tx', 'null (unset): transactions are not modelled yet'],
    ['transactional.id', '', 'null (unset): transactions are not modelled yet'],
    ['transactional.id', 7, 'a string, or null for unset'],
  ]

  it.each(producerBad)('producer %s = %j is refused (expected %s)', (key, value, expected) => {
    const error = invalid(() => producer({ 'enable.idempotence': false, [key]: value }))
    expect(error.message).toMatch(new RegExp(`^INVALID_CONFIG: producer app: ${key.replaceAll('.', '\\.')}: expected `))
    expect(error.message).toContain(expected)
    expect(error.message).toContain(`got ${describeInput(value)}`)
    expect(error).toMatchObject({ source: 'producer app', key, value })
  })

  const consumerBad: [string, unknown, string][] = [
    ['group.id', '', 'a non-empty string, or null for no group'],
    ['group.id', '   ', 'a non-empty string, or null for no group'],
    ['group.id', 5, 'a string, or null for unset'],
    ['group.instance.id', '', "ASCII letters, digits, '.', '_' and '-'"],
    ['group.instance.id', '.', '(not "." or "..")'],
    ['group.instance.id', '..', '(not "." or "..")'],
    ['group.instance.id', 'host 1', "ASCII letters, digits, '.', '_' and '-'"],
    ['group.instance.id', 'höst', "ASCII letters, digits, '.', '_' and '-'"],
    ['group.instance.id', 'a'.repeat(250), 'an id of 1 to 249'],
    ['group.protocol', 'generic', 'one of classic, consumer'],
    ['group.protocol', 1, 'one of classic, consumer'],
    ['partition.assignment.strategy', 'range,foo', 'each one of range, roundrobin, sticky, cooperative-sticky or its class'],
    ['partition.assignment.strategy', 'com.example.MyAssignor', 'custom assignors are not modelled'],
    ['partition.assignment.strategy', 'Range', 'each one of range, roundrobin, sticky, cooperative-sticky'],
    ['partition.assignment.strategy', 'range,,sticky', 'each one of range'],
    ['partition.assignment.strategy', ['range', 1], 'each one of range'],
    ['partition.assignment.strategy', 3, 'each one of range'],
    ['auto.offset.reset', 'Earliest', 'one of earliest, latest, none'],
    ['auto.offset.reset', 'by_duration:PT1H', "Kafka 4.0's by_duration:<duration>, KIP-1106, is not modelled yet"],
    ['isolation.level', 'READ_COMMITTED', 'one of read_uncommitted, read_committed'],
    ['enable.auto.commit', 'on', 'true or false'],
    ['session.timeout.ms', 0, 'an integer >= 1'],
    ['heartbeat.interval.ms', 0, 'an integer >= 1'],
    ['max.poll.records', 0, 'an integer >= 1'],
    ['max.poll.interval.ms', '0', 'an integer >= 1'],
    ['fetch.min.bytes', -1, 'an integer >= 0'],
    ['fetch.max.bytes', '50MiB', 'an integer >= 0'],
    ['fetch.max.wait.ms', 0.5, 'an integer >= 0'],
    ['auto.commit.interval.ms', -1, 'an integer >= 0'],
    ['default.api.timeout.ms', 2 ** 31, "within Java's int range"],
    ['metadata.max.age.ms', -1, 'an integer >= 0'],
    ['allow.auto.create.topics', 'maybe', 'true or false'],
  ]

  it.each(consumerBad)('consumer %s = %j is refused (expected %s)', (key, value, expected) => {
    const error = invalid(() => consumer({ 'group.id': key === 'group.id' ? value : 'g', [key]: value }))
    expect(error.message).toMatch(new RegExp(`^INVALID_CONFIG: consumer app: ${key.replaceAll('.', '\\.')}: expected `))
    expect(error.message).toContain(expected)
    expect(error.message).toContain(`got ${describeInput(value)}`)
    expect(error).toMatchObject({ source: 'consumer app', key, value })
  })

  it('refuses unknown keys, suggesting the name meant', () => {
    expect(invalid(() => producer({ 'linger.msec': 5 })).message)
      .toBe('INVALID_CONFIG: producer app: linger.msec: is not a producer config the sandbox models (did you mean linger.ms?), got 5')
    expect(invalid(() => consumer({ 'groupid': 'g' })).message).toContain('groupid: is not a consumer config the sandbox models (did you mean group.id?)')
    expect(invalid(() => producer({ 'key.serializer': 'org.apache.kafka.common.serialization.StringSerializer' })).message)
      .toContain('key.serializer: is not a producer config the sandbox models')
  })

  it('points out a broker or topic config given to a client', () => {
    expect(invalid(() => producer({ 'min.insync.replicas': 2 })).message)
      .toBe('INVALID_CONFIG: producer app: min.insync.replicas: is a broker and topic config, not a producer config: set it in the cluster config or on the topic, got 2')
    expect(invalid(() => consumer({ 'replica.lag.time.max.ms': 1000 })).message)
      .toContain('replica.lag.time.max.ms: is a broker config, not a consumer config: set it in the cluster config, got 1000')
    expect(invalid(() => producer({ 'retention.ms': 1000 })).message)
      .toContain('retention.ms: is a topic config, not a producer config: set it on the topic, got 1000')
  })

  it('points out a consumer config given to the producer, and the other way round', () => {
    expect(invalid(() => producer({ 'group.id': 'billing' })).message)
      .toBe('INVALID_CONFIG: producer app: group.id: is a consumer config, not a producer config, got "billing"')
    expect(invalid(() => consumer({ acks: 'all' })).message).toContain('acks: is a producer config, not a consumer config')
    expect(invalid(() => consumer({ 'compression.type': 'gzip' })).message).toContain('compression.type: is a producer config, not a consumer config')
  })

  it('refuses keys that only look like config names, such as __proto__ from JSON', () => {
    expect(invalid(() => producer(JSON.parse('{"__proto__": {"acks": "1"}}'))).key).toBe('__proto__')
    expect(invalid(() => consumer(JSON.parse('{"constructor": 1}'))).key).toBe('constructor')
  })

  it.each([null, undefined, [], 'acks=all', 42, new Map([['acks', 'all']])])('refuses %j as a whole config', (input) => {
    for (const [parse, source] of [[parseProducerConfig, 'producer p'], [parseConsumerConfig, 'consumer c']] as const) {
      const error = invalid(() => parse(input, source))
      expect(error.message).toBe(`INVALID_CONFIG: ${source}: expected an object of Kafka config names to values, got ${describeInput(input)}`)
      expect(error.key).toBeNull()
    }
  })

  it('applies nothing when any key is bad: the input is untouched and no later parse sees it', () => {
    const input = { 'linger.ms': 50, acks: '1', 'batch.size': 'big' }
    const copy = structuredClone(input)
    invalid(() => producer(input))
    expect(input).toEqual(copy)
    expect(producer({})).toEqual(DEFAULT_PRODUCER_CONFIG)
    expect(DEFAULT_PRODUCER_CONFIG['linger.ms']).toBe(5)
    const consumerInput = { 'group.id': 'g', 'partition.assignment.strategy': ['range'], 'heartbeat.interval.ms': 90000 }
    const consumerCopy = structuredClone(consumerInput)
    invalid(() => consumer(consumerInput))
    expect(consumerInput).toEqual(consumerCopy)
    expect(DEFAULT_CONSUMER_CONFIG['partition.assignment.strategy']).toEqual(['range', 'cooperative-sticky'])
  })
})

describe('idempotence (ProducerConfig.postProcessAndValidateIdempotenceConfigs, Kafka 4.0)', () => {
  it('is on by default, with acks=all, retries and 5 in flight', () => {
    expect(DEFAULT_PRODUCER_CONFIG).toMatchObject({ 'enable.idempotence': true, acks: -1, retries: INT_MAX, 'max.in.flight.requests.per.connection': 5 })
  })

  it.each([['0', 0], ['1', 1], [0, 0], [1, 1]] as const)('acks=%j with enable.idempotence unset turns idempotence off', (acks, resolved) => {
    const p = producer({ acks })
    expect(p.acks).toBe(resolved)
    expect(p['enable.idempotence']).toBe(false)
    // Kafka chose the value, so describe reports it as a default.
    expect(entry(describeProducerConfig(p), 'enable.idempotence')).toMatchObject({ value: 'false', source: 'default' })
  })

  it.each([['0'], ['1'], [1]] as const)('acks=%j with enable.idempotence=true is refused, naming both', (acks) => {
    const error = invalid(() => producer({ 'enable.idempotence': 'true', acks }))
    expect(error).toMatchObject({ key: 'acks', value: acks })
    expect(error.message).toMatch(/^INVALID_CONFIG: producer app: acks: expected all \(-1\), since enable\.idempotence is true: .*, got /)
  })

  it('acks=all (or -1) with enable.idempotence=true is fine', () => {
    expect(producer({ 'enable.idempotence': true, acks: 'all' })).toMatchObject({ 'enable.idempotence': true, acks: -1 })
    expect(producer({ 'enable.idempotence': true, acks: -1 })['enable.idempotence']).toBe(true)
  })

  it('acks 0 or 1 with enable.idempotence=false is fine', () => {
    expect(producer({ 'enable.idempotence': false, acks: '0' })).toMatchObject({ 'enable.idempotence': false, acks: 0 })
  })

  it('retries=0 with enable.idempotence unset turns idempotence off; with it true, is refused', () => {
    expect(producer({ retries: 0 })).toMatchObject({ retries: 0, 'enable.idempotence': false })
    const error = invalid(() => producer({ retries: '0', 'enable.idempotence': true }))
    expect(error).toMatchObject({ key: 'retries', value: '0' })
    expect(error.message).toMatch(/retries: expected at least 1, since enable\.idempotence is true: .*, got "0"$/)
    expect(producer({ retries: 1, 'enable.idempotence': true })['enable.idempotence']).toBe(true)
    expect(producer({ retries: 0, 'enable.idempotence': false })['enable.idempotence']).toBe(false)
  })

  it('more than 5 requests in flight is refused whenever idempotence is on, even by default (KAFKA-17927, 4.0)', () => {
    const byDefault = invalid(() => producer({ 'max.in.flight.requests.per.connection': 6 }))
    expect(byDefault).toMatchObject({ key: 'max.in.flight.requests.per.connection', value: 6 })
    expect(byDefault.message).toMatch(/expected at most 5 while enable\.idempotence is true \(its default\): .*set enable\.idempotence=false for more\), got 6$/)
    expect(invalid(() => producer({ 'max.in.flight.requests.per.connection': '10', 'enable.idempotence': true })).message)
      .toMatch(/max\.in\.flight\.requests\.per\.connection: expected at most 5, since enable\.idempotence is true: .*, got "10"$/)
    expect(producer({ 'max.in.flight.requests.per.connection': 5 })['enable.idempotence']).toBe(true)
    expect(producer({ 'max.in.flight.requests.per.connection': 6, 'enable.idempotence': false })['max.in.flight.requests.per.connection']).toBe(6)
  })

  it('checks in Kafka\'s order: acks=1 turning idempotence off does not excuse 6 in flight', () => {
    expect(invalid(() => producer({ acks: 1, 'max.in.flight.requests.per.connection': 6 })).key).toBe('max.in.flight.requests.per.connection')
    expect(invalid(() => producer({ retries: 0, acks: 1, 'enable.idempotence': true })).key).toBe('retries')
  })
})

describe('delivery.timeout.ms >= linger.ms + request.timeout.ms (KafkaProducer.configureDeliveryTimeout)', () => {
  it('refuses an explicit delivery timeout below the sum, naming all three', () => {
    expect(invalid(() => producer({ 'delivery.timeout.ms': 30004 })).message).toBe(
      'INVALID_CONFIG: producer app: delivery.timeout.ms: expected at least linger.ms + request.timeout.ms (5 + 30000 = 30005), ' +
        'so that a batch may linger and then wait for one answer before it expires, got 30004',
    )
    expect(invalid(() => producer({ 'delivery.timeout.ms': '100000', 'linger.ms': 80000 })).message)
      .toContain('(80000 + 30000 = 110000)')
  })

  it('takes a delivery timeout equal to the sum', () => {
    expect(producer({ 'delivery.timeout.ms': 30005 })['delivery.timeout.ms']).toBe(30005)
    expect(producer({ 'delivery.timeout.ms': 1000, 'linger.ms': 0, 'request.timeout.ms': 1000 })['delivery.timeout.ms']).toBe(1000)
  })

  it('raises an unset delivery timeout to the sum, as Kafka does for backward compatibility', () => {
    const p = producer({ 'linger.ms': 100000 })
    expect(p['delivery.timeout.ms']).toBe(130000)
    expect(entry(describeProducerConfig(p), 'delivery.timeout.ms')).toMatchObject({ value: '130000', source: 'default' })
    expect(producer({ 'request.timeout.ms': 200000 })['delivery.timeout.ms']).toBe(200005)
  })

  it('caps linger.ms and the sum at Integer.MAX_VALUE', () => {
    expect(producer({ 'linger.ms': LONG_MAX })['delivery.timeout.ms']).toBe(INT_MAX)
    expect(producer({ 'linger.ms': 2 ** 40, 'delivery.timeout.ms': INT_MAX })['delivery.timeout.ms']).toBe(INT_MAX)
    expect(invalid(() => producer({ 'linger.ms': 2 ** 40, 'delivery.timeout.ms': INT_MAX - 1 })).message)
      .toContain(`(${INT_MAX} + 30000 = ${INT_MAX})`)
  })
})

describe('consumer rules across configs', () => {
  it('without a group.id, enable.auto.commit resolves to false, and true is refused (maybeOverrideEnableAutoCommit)', () => {
    expect(consumer({})['enable.auto.commit']).toBe(false)
    expect(consumer({ 'enable.auto.commit': false })['enable.auto.commit']).toBe(false)
    expect(invalid(() => consumer({ 'enable.auto.commit': 'true' })).message).toBe(
      'INVALID_CONFIG: consumer app: enable.auto.commit: expected false when group.id is null: ' +
        'a consumer outside any group has no offsets to commit, got "true"',
    )
    expect(invalid(() => consumer({ 'group.id': null, 'enable.auto.commit': true })).key).toBe('enable.auto.commit')
    expect(consumer({ 'group.id': 'g', 'enable.auto.commit': true })['enable.auto.commit']).toBe(true)
    expect(consumer({ 'group.id': 'g', 'enable.auto.commit': false })['enable.auto.commit']).toBe(false)
  })

  it.each(['partition.assignment.strategy', 'heartbeat.interval.ms', 'session.timeout.ms'])(
    'group.protocol=consumer refuses %s, which the broker decides (KIP-848)', (key) => {
      const value = key === 'partition.assignment.strategy' ? 'range' : 10000
      const error = invalid(() => consumer({ 'group.id': 'g', 'group.protocol': 'consumer', [key]: value }))
      expect(error).toMatchObject({ key, value })
      expect(error.message).toMatch(new RegExp(`^INVALID_CONFIG: consumer app: ${key.replaceAll('.', '\\.')}: cannot be set when group\\.protocol=consumer: `))
      // The classic protocol takes each of them.
      expect(consumer({ 'group.id': 'g', 'group.protocol': 'classic', [key]: value })[key as keyof ConsumerConfig]).toEqual(key === 'partition.assignment.strategy' ? ['range'] : 10000)
    },
  )

  it('group.protocol=consumer names every such config set, in Kafka\'s order, and lets a blank one pass', () => {
    const error = invalid(() => consumer({ 'group.protocol': 'CONSUMER', 'session.timeout.ms': 10000, 'partition.assignment.strategy': ['sticky'] }))
    expect(error.key).toBe('partition.assignment.strategy')
    expect(error.message).toContain('cannot be set when group.protocol=consumer (nor can session.timeout.ms, also set)')
    const c = consumer({ 'group.id': 'g', 'group.protocol': 'consumer', 'partition.assignment.strategy': ' ' })
    expect(c).toMatchObject({ 'group.protocol': 'consumer', 'partition.assignment.strategy': [] })
    expect(consumer({ 'group.id': 'g', 'group.protocol': 'consumer' })['session.timeout.ms']).toBe(45000)
  })

  it('with a group, heartbeat.interval.ms must be below session.timeout.ms (Heartbeat\'s constructor)', () => {
    expect(invalid(() => consumer({ 'group.id': 'g', 'heartbeat.interval.ms': 45000 })).message).toBe(
      'INVALID_CONFIG: consumer app: heartbeat.interval.ms: expected less than session.timeout.ms (45000), ' +
        'so that the member heartbeats before its session expires, got 45000',
    )
    expect(invalid(() => consumer({ 'group.id': 'g', 'session.timeout.ms': '3000' })).message)
      .toMatch(/session\.timeout\.ms: expected more than heartbeat\.interval\.ms \(3000\), .*, got "3000"$/)
    const both = invalid(() => consumer({ 'group.id': 'g', 'session.timeout.ms': 1000, 'heartbeat.interval.ms': 2000 }))
    expect(both).toMatchObject({ key: 'heartbeat.interval.ms', value: 2000 })
    expect(consumer({ 'group.id': 'g', 'session.timeout.ms': 3001 })['session.timeout.ms']).toBe(3001)
    expect(consumer({ 'group.id': 'g', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 2000 })['heartbeat.interval.ms']).toBe(2000)
  })

  it('without a group there is no coordinator and no heartbeat, so Kafka does not compare them', () => {
    expect(consumer({ 'heartbeat.interval.ms': 50000 })['heartbeat.interval.ms']).toBe(50000)
  })

  it('takes group.instance.id without a group.id, as Kafka does (the consumer then joins no group)', () => {
    expect(consumer({ 'group.instance.id': 'host-1' })).toMatchObject({ 'group.id': null, 'group.instance.id': 'host-1' })
    expect(consumer({ 'group.id': 'g', 'group.instance.id': 'a'.repeat(249) })['group.instance.id']).toHaveLength(249)
  })
})

describe('describe', () => {
  it('lists every producer config, sorted, with its source, as Kafka prints values', () => {
    const p = producer({ 'linger.ms': 5, acks: 'all', 'compression.type': 'zstd', 'transactional.id': null })
    const entries = describeProducerConfig(p)
    expect(entries.map((e) => e.name)).toEqual([...PRODUCER_CONFIG_NAMES])
    // Set explicitly to its default value: still the user's setting.
    expect(entry(entries, 'linger.ms')).toMatchObject({ value: '5', source: 'cluster' })
    expect(entry(entries, 'acks')).toMatchObject({ value: '-1', source: 'cluster' })
    expect(entry(entries, 'compression.type')).toMatchObject({ value: 'zstd', source: 'cluster' })
    expect(entry(entries, 'transactional.id')).toMatchObject({ value: null, source: 'default' })
    expect(entry(entries, 'retries')).toEqual({ name: 'retries', value: '2147483647', source: 'default', doc: PRODUCER_CONFIG_DEFS.retries.doc })
  })

  it('lists every consumer config, sorted, lists comma-separated', () => {
    const c = consumer({ 'group.id': 'billing', 'partition.assignment.strategy': 'org.apache.kafka.clients.consumer.RangeAssignor' })
    const entries = describeConsumerConfig(c)
    expect(entries.map((e) => e.name)).toEqual([...CONSUMER_CONFIG_NAMES])
    expect(entry(entries, 'partition.assignment.strategy')).toMatchObject({ value: 'range', source: 'cluster' })
    expect(entry(describeConsumerConfig(DEFAULT_CONSUMER_CONFIG), 'partition.assignment.strategy')).toMatchObject({ value: 'range,cooperative-sticky', source: 'default' })
    expect(entry(entries, 'group.id')).toMatchObject({ value: 'billing', source: 'cluster' })
    expect(entry(entries, 'enable.auto.commit')).toMatchObject({ value: 'true', source: 'default' })
    expect(entry(entries, 'group.instance.id')).toMatchObject({ value: null, source: 'default' })
  })

  it('falls back to comparing with the defaults for a config rebuilt by hand', () => {
    const rebuilt = { ...producer({ 'linger.ms': 20, 'batch.size': 16384 }) }
    expect(entry(describeProducerConfig(rebuilt), 'linger.ms').source).toBe('cluster')
    expect(entry(describeProducerConfig(rebuilt), 'batch.size').source).toBe('default')
    const rebuiltConsumer = JSON.parse(JSON.stringify(consumer({ 'fetch.min.bytes': 1024 }))) as ConsumerConfig
    expect(entry(describeConsumerConfig(rebuiltConsumer), 'fetch.min.bytes')).toMatchObject({ value: '1024', source: 'cluster' })
    expect(entry(describeConsumerConfig(rebuiltConsumer), 'fetch.max.bytes').source).toBe('default')
  })
})

/** A valid typed value for a definition (any of them, bounds respected). */
function typedValue(def: ConfigDef): fc.Arbitrary<unknown> {
  let arb: fc.Arbitrary<unknown>
  switch (def.type) {
    case 'int':
      arb = fc.oneof(fc.integer({ min: def.min ?? -1000, max: Math.min(def.max ?? INT_MAX, 200_000) }), fc.integer({ min: def.min ?? INT_MIN, max: def.max ?? INT_MAX }))
      break
    case 'long':
      arb = fc.oneof(fc.integer({ min: def.min ?? -1000, max: 200_000 }), fc.maxSafeInteger().filter((n) => n >= (def.min ?? -Infinity)), fc.constant(LONG_MAX))
      break
    case 'double':
      arb = fc.double({ min: def.min ?? -1e12, max: def.max ?? 1e12, noNaN: true, noDefaultInfinity: true })
      break
    case 'boolean':
      arb = fc.boolean()
      break
    case 'string':
      arb = def.validValues ? fc.constantFrom(...def.validValues) : fc.string()
      break
    case 'list':
      arb = fc.shuffledSubarray([...(def.validValues ?? ['a', 'b'])])
      break
  }
  return def.default === null ? fc.option(arb, { nil: null }) : arb
}

const asText = (v: unknown): unknown => (v === null ? null : v === LONG_MAX ? '9223372036854775807' : Array.isArray(v) ? v.join(',') : String(v))

/** The typed value or the string a properties file would carry for it. */
function anyForm(arb: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(arb, fc.boolean()).map(([v, text]) => (text ? asText(v) : v))
}

const idArb = fc.stringMatching(/^[a-zA-Z0-9._-]{1,20}$/).filter((s) => s !== '.' && s !== '..')

/** Inputs any of whose keys may be missing; values valid one by one, not necessarily together. */
function inputArb(defs: Record<string, ConfigDef>, special: Record<string, fc.Arbitrary<unknown>>) {
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, def] of Object.entries(defs)) model[name] = special[name] ?? anyForm(typedValue(def))
  return fc.record(model, { requiredKeys: [] })
}

// Kafka's rules across configs (tested above), restated, so the generators keep clear of them.
const num = (v: unknown, fallback: number): number => (v === undefined || v === null ? fallback : v === '9223372036854775807' ? LONG_MAX : Number(v))
const bool = (v: unknown): boolean | undefined => (v === undefined ? undefined : String(v).toLowerCase() === 'true')
const acksOf = (v: unknown): number => (v === undefined || v === 'all' ? -1 : Number(v))

function producerValid(input: Record<string, unknown>): boolean {
  const idempotence = bool(input['enable.idempotence'])
  if (idempotence !== false) {
    if (idempotence === true && (num(input['retries'], INT_MAX) === 0 || acksOf(input['acks']) !== -1)) return false
    if (num(input['max.in.flight.requests.per.connection'], 5) > 5) return false
  }
  if (input['delivery.timeout.ms'] !== undefined) {
    const least = Math.min(Math.min(num(input['linger.ms'], 5), INT_MAX) + num(input['request.timeout.ms'], 30000), INT_MAX)
    if (num(input['delivery.timeout.ms'], 120000) < least) return false
  }
  return true
}

function consumerValid(input: Record<string, unknown>): boolean {
  const group = input['group.id'] ?? null
  if (group === null && bool(input['enable.auto.commit']) === true) return false
  const protocol = String(input['group.protocol'] ?? 'classic').toLowerCase()
  const isSet = (name: string): boolean => input[name] !== undefined && !(typeof input[name] === 'string' && input[name].trim() === '')
  if (protocol === 'consumer' && ['partition.assignment.strategy', 'heartbeat.interval.ms', 'session.timeout.ms'].some(isSet)) return false
  if (group !== null && protocol === 'classic' && num(input['heartbeat.interval.ms'], 3000) >= num(input['session.timeout.ms'], 45000)) return false
  return true
}

const producerInputArb = inputArb(producerDefs, {
  'acks': fc.constantFrom('all', '-1', '0', '1', -1, 0, 1),
  'retries': anyForm(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: INT_MAX }))),
  'max.in.flight.requests.per.connection': anyForm(fc.integer({ min: 1, max: 8 })),
  'transactional.id': fc.constant(null),
  'client.id': fc.string(),
}).filter(producerValid)

const assignorArb = fc.shuffledSubarray([...Object.keys(ASSIGNOR_CLASSES), ...Object.values(ASSIGNOR_CLASSES)], { maxLength: 4 })

const consumerInputArb = inputArb(consumerDefs, {
  'group.id': fc.option(idArb, { nil: null }),
  'group.instance.id': fc.option(idArb, { nil: null }),
  'group.protocol': fc.constantFrom('classic', 'consumer', 'CONSUMER', 'Classic'),
  'partition.assignment.strategy': anyForm(assignorArb),
  'session.timeout.ms': anyForm(fc.integer({ min: 1, max: 100_000 })),
  'heartbeat.interval.ms': anyForm(fc.integer({ min: 1, max: 100_000 })),
}).filter(consumerValid)

describe('round trip: any valid config parses, describes, and parses back to itself', () => {
  function roundTrip<C>(input: Record<string, unknown>, parse: (input: unknown, source: string) => C, describeConfig: (config: C) => readonly ConfigEntry[]): void {
    const config = parse(input, 'generated config')
    const described = describeConfig(config)
    const set = Object.fromEntries(described.filter((e) => e.source !== 'default').map((e) => [e.name, e.value]))
    const again = parse(set, 'described config')
    expect(again).toEqual(config)
    expect(describeConfig(again)).toEqual(described)
    // Every non-null key the user gave is reported as the user's.
    for (const [name, value] of Object.entries(input)) {
      if (value !== null) expect(entry(described, name).source, name).toBe('cluster')
    }
  }

  it('producer configs', () => {
    fc.assert(fc.property(producerInputArb, (input) => roundTrip(input, parseProducerConfig, describeProducerConfig)), { numRuns: 300 })
  })

  it('consumer configs', () => {
    fc.assert(fc.property(consumerInputArb, (input) => roundTrip(input, parseConsumerConfig, describeConsumerConfig)), { numRuns: 300 })
  })

  it('typed and string forms of the same values give the same config', () => {
    const text = (input: Record<string, unknown>) => Object.fromEntries(Object.entries(input).map(([k, v]) => [k, asText(v)]))
    fc.assert(fc.property(producerInputArb, (input) => {
      expect(parseProducerConfig(text(input), 'as text')).toEqual(parseProducerConfig(input, 'as given'))
    }), { numRuns: 200 })
    fc.assert(fc.property(consumerInputArb, (input) => {
      expect(parseConsumerConfig(text(input), 'as text')).toEqual(parseConsumerConfig(input, 'as given'))
    }), { numRuns: 200 })
  })

  it('a generated input that breaks a rule across configs is refused, never half-applied', () => {
    const anyProducer = inputArb(producerDefs, { 'acks': fc.constantFrom('all', '0', '1'), 'transactional.id': fc.constant(null) })
    fc.assert(fc.property(anyProducer, (input) => {
      if (producerValid(input)) expect(() => parseProducerConfig(input, 'p')).not.toThrow()
      else invalid(() => parseProducerConfig(input, 'p'))
    }), { numRuns: 300 })
  })
})
