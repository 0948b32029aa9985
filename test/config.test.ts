import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  BROKER_CONFIG_DEFS,
  BROKER_CONFIG_NAMES,
  DEFAULT_BROKER_CONFIG,
  INT_MAX,
  INT_MIN,
  InvalidConfigError,
  LONG_MAX_VALUE,
  SEGMENT_BYTES_MIN,
  TOPIC_CONFIG_DEFS,
  TOPIC_CONFIG_NAMES,
  describeBrokerConfigs,
  describeTopicConfigs,
  effectiveTopicConfig,
  parseBrokerConfig,
  parseTopicConfigOverrides,
  type BrokerConfig,
  type ConfigDef,
  type ConfigEntry,
  type TopicConfig,
  type TopicConfigOverrides,
} from '../core/config.ts'
import { parseValue } from '../core/config/parse.ts'
import { describeValue as describeInput } from '../core/describe.ts'
import { KafkaError } from '../core/errors.ts'

const LONG_MAX = LONG_MAX_VALUE
const brokerDefs: Record<string, ConfigDef> = BROKER_CONFIG_DEFS
const topicDefs: Record<string, ConfigDef> = TOPIC_CONFIG_DEFS

/** Kafka 4.0's type and default of every broker config the sandbox models, as read in Kafka's source. */
const KAFKA_BROKER_DEFAULTS: [string, string, unknown][] = [
  ['broker.heartbeat.interval.ms', 'int', 2000],
  ['broker.session.timeout.ms', 'int', 9000],
  ['replica.lag.time.max.ms', 'long', 30000],
  ['replica.fetch.wait.max.ms', 'int', 500],
  ['replica.fetch.min.bytes', 'int', 1],
  ['replica.fetch.max.bytes', 'int', 1048576],
  ['replica.fetch.response.max.bytes', 'int', 10485760],
  ['replica.fetch.backoff.ms', 'int', 1000],
  ['replica.high.watermark.checkpoint.interval.ms', 'long', 5000],
  ['num.replica.fetchers', 'int', 1],
  ['min.insync.replicas', 'int', 1],
  ['unclean.leader.election.enable', 'boolean', false],
  ['eligible.leader.replicas.enable', 'boolean', false],
  ['default.replication.factor', 'int', 1],
  ['num.partitions', 'int', 1],
  ['message.max.bytes', 'int', 1048588],
  ['log.segment.bytes', 'int', 1073741824],
  ['log.roll.hours', 'int', 168],
  ['log.roll.ms', 'long', null],
  ['log.retention.hours', 'int', 168],
  ['log.retention.minutes', 'int', null],
  ['log.retention.ms', 'long', null],
  ['log.retention.bytes', 'long', -1],
  ['log.retention.check.interval.ms', 'long', 300000],
  ['log.cleanup.policy', 'list', ['delete']],
  ['log.cleaner.delete.retention.ms', 'long', 86400000],
  ['log.cleaner.min.compaction.lag.ms', 'long', 0],
  ['log.cleaner.min.cleanable.ratio', 'double', 0.5],
  ['log.cleaner.backoff.ms', 'long', 15000],
  ['log.flush.interval.messages', 'long', LONG_MAX],
  ['log.flush.interval.ms', 'long', null],
  ['log.flush.scheduler.interval.ms', 'long', LONG_MAX],
  ['auto.leader.rebalance.enable', 'boolean', true],
  ['leader.imbalance.check.interval.seconds', 'long', 300],
  ['leader.imbalance.per.broker.percentage', 'int', 10],
  ['auto.create.topics.enable', 'boolean', true],
  ['delete.topic.enable', 'boolean', true],
  ['offsets.topic.num.partitions', 'int', 50],
  ['offsets.topic.replication.factor', 'int', 3],
  ['offsets.topic.segment.bytes', 'int', 104857600],
  ['offsets.commit.timeout.ms', 'int', 5000],
  ['offset.metadata.max.bytes', 'int', 4096],
  ['group.initial.rebalance.delay.ms', 'int', 3000],
  ['group.min.session.timeout.ms', 'int', 6000],
  ['group.max.session.timeout.ms', 'int', 1800000],
  ['group.max.size', 'int', 2147483647],
  ['group.coordinator.rebalance.protocols', 'list', ['classic', 'consumer']],
  ['group.consumer.session.timeout.ms', 'int', 45000],
  ['group.consumer.min.session.timeout.ms', 'int', 45000],
  ['group.consumer.max.session.timeout.ms', 'int', 60000],
  ['group.consumer.heartbeat.interval.ms', 'int', 5000],
  ['group.consumer.min.heartbeat.interval.ms', 'int', 5000],
  ['group.consumer.max.heartbeat.interval.ms', 'int', 15000],
  ['group.consumer.max.size', 'int', 2147483647],
  ['group.consumer.assignors', 'list', ['uniform', 'range']],
]

/** Kafka 4.0's type and default of every topic config the sandbox models. */
const KAFKA_TOPIC_DEFAULTS: [string, string, unknown][] = [
  ['cleanup.policy', 'list', ['delete']],
  ['retention.ms', 'long', 604800000],
  ['retention.bytes', 'long', -1],
  ['segment.bytes', 'int', 1073741824],
  ['segment.ms', 'long', 604800000],
  ['delete.retention.ms', 'long', 86400000],
  ['min.compaction.lag.ms', 'long', 0],
  ['min.cleanable.dirty.ratio', 'double', 0.5],
  ['max.message.bytes', 'int', 1048588],
  ['min.insync.replicas', 'int', 1],
  ['unclean.leader.election.enable', 'boolean', false],
  ['flush.messages', 'long', LONG_MAX],
  ['flush.ms', 'long', LONG_MAX],
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

describe('defaults match Kafka 4.0', () => {
  it.each(KAFKA_BROKER_DEFAULTS)('broker %s is a %s defaulting to %s', (name, type, value) => {
    expect(brokerDefs[name]?.type).toBe(type)
    expect(DEFAULT_BROKER_CONFIG[name as keyof BrokerConfig]).toEqual(value)
  })

  it.each(KAFKA_TOPIC_DEFAULTS)('topic %s is a %s defaulting to %s', (name, type, value) => {
    expect(topicDefs[name]?.type).toBe(type)
    expect(topicDefs[name]?.default).toEqual(value)
    // The broker's defaults must resolve to the topic's own defaults: it checks every synonym chain.
    expect(effectiveTopicConfig(DEFAULT_BROKER_CONFIG, {})[name as keyof TopicConfig]).toEqual(value)
  })

  it('the tables above cover every modelled config, and nothing else', () => {
    expect(KAFKA_BROKER_DEFAULTS.map(([n]) => n).sort()).toEqual([...BROKER_CONFIG_NAMES])
    expect(KAFKA_TOPIC_DEFAULTS.map(([n]) => n).sort()).toEqual([...TOPIC_CONFIG_NAMES])
  })

  it('every definition has a one-line doc, valid bounds, and a default its own validator accepts', () => {
    for (const [name, def] of [...Object.entries(brokerDefs), ...Object.entries(topicDefs)]) {
      expect(def.doc, name).toMatch(/^[A-Z].*\.\)?$/)
      expect(def.doc, name).not.toContain('\n')
      if (def.min !== undefined || def.max !== undefined) expect(def.bounds, name).toMatch(/^(kafka|sandbox)$/)
      expect(parseValue(def, def.default), name).toEqual({ ok: true, value: def.default })
    }
  })

  it('broker configs that feed a topic config are exactly that topic config\'s synonyms', () => {
    const fromBrokers = Object.entries(BROKER_CONFIG_DEFS)
      .flatMap(([name, def]) => ('feeds' in def ? [`${def.feeds} <- ${name}`] : []))
      .sort()
    const fromTopics = Object.entries(TOPIC_CONFIG_DEFS)
      .flatMap(([name, def]) => def.brokerSynonyms.map((s) => `${name} <- ${s.name}`))
      .sort()
    expect(fromBrokers).toEqual(fromTopics)
  })

  it('gates ELR behind a switch that is off, and says Kafka 4.0 uses a feature for it', () => {
    expect(DEFAULT_BROKER_CONFIG['eligible.leader.replicas.enable']).toBe(false)
    expect(BROKER_CONFIG_DEFS['eligible.leader.replicas.enable'].doc).toContain('eligible.leader.replicas.version')
  })

  it('returns frozen configs, lists included', () => {
    const broker = parseBrokerConfig({ 'log.cleanup.policy': 'compact,delete' }, 'cluster config')
    expect(Object.isFrozen(broker)).toBe(true)
    expect(Object.isFrozen(broker['log.cleanup.policy'])).toBe(true)
    expect(() => { (broker as { 'min.insync.replicas': number })['min.insync.replicas'] = 3 }).toThrow(TypeError)
    const overrides = parseTopicConfigOverrides({ 'retention.ms': 1 }, 'topic t')
    expect(Object.isFrozen(overrides)).toBe(true)
    expect(Object.isFrozen(effectiveTopicConfig(broker, overrides))).toBe(true)
  })

  it('types every value by its Kafka type', () => {
    expectTypeOf(DEFAULT_BROKER_CONFIG['min.insync.replicas']).toEqualTypeOf<number>()
    expectTypeOf(DEFAULT_BROKER_CONFIG['log.retention.ms']).toEqualTypeOf<number | null>()
    expectTypeOf(DEFAULT_BROKER_CONFIG['unclean.leader.election.enable']).toEqualTypeOf<boolean>()
    expectTypeOf(DEFAULT_BROKER_CONFIG['log.cleanup.policy']).toEqualTypeOf<readonly ('compact' | 'delete')[]>()
    expectTypeOf<TopicConfig['retention.ms']>().toEqualTypeOf<number>()
    expectTypeOf<TopicConfigOverrides['cleanup.policy']>().toEqualTypeOf<readonly ('compact' | 'delete')[] | undefined>()
  })
})

describe('string forms parse like typed forms', () => {
  const same: [string, unknown, unknown][] = [
    ['replica.lag.time.max.ms', '60000', 60000],
    ['replica.lag.time.max.ms', ' 60000 ', 60000],
    ['replica.lag.time.max.ms', '+60000', 60000],
    ['log.retention.bytes', '-1', -1],
    ['min.insync.replicas', '2', 2],
    ['unclean.leader.election.enable', 'true', true],
    ['unclean.leader.election.enable', ' TRUE ', true],
    ['auto.create.topics.enable', 'False', false],
    ['log.cleanup.policy', 'compact,delete', ['compact', 'delete']],
    ['log.cleanup.policy', ' compact , delete ', ['compact', 'delete']],
    ['log.cleanup.policy', 'compact', ['compact']],
    ['log.cleanup.policy', '', []],
    ['log.cleaner.min.cleanable.ratio', '0.25', 0.25],
    ['log.cleaner.min.cleanable.ratio', '.25', 0.25],
    ['log.cleaner.min.cleanable.ratio', '25e-2', 0.25],
    ['log.cleaner.min.cleanable.ratio', '1', 1],
    ['log.flush.interval.messages', '9223372036854775807', LONG_MAX],
    ['log.flush.interval.messages', 9223372036854775807, LONG_MAX], // the literal is the double 2^63
    ['log.flush.interval.messages', 9223372036854775807n, LONG_MAX],
    ['log.retention.ms', '9007199254740991', Number.MAX_SAFE_INTEGER],
  ]

  it.each(same)('%s = %o parses to %o', (key, text, typed) => {
    expect(parseBrokerConfig({ [key]: text }, 'cluster config')[key as keyof BrokerConfig]).toEqual(typed)
  })

  it('parses topic overrides from strings as kafka-configs --add-config would pass them', () => {
    const overrides = parseTopicConfigOverrides(
      { 'retention.ms': '60000', 'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.1', 'unclean.leader.election.enable': 'true' },
      'topic orders',
    )
    expect(overrides).toEqual({ 'retention.ms': 60000, 'cleanup.policy': ['compact', 'delete'], 'min.cleanable.dirty.ratio': 0.1, 'unclean.leader.election.enable': true })
  })

  it('null leaves a nullable config unset, and undefined is the same as leaving the key out', () => {
    expect(parseBrokerConfig({ 'log.retention.ms': null, 'num.partitions': undefined }, 'cluster config')).toEqual(DEFAULT_BROKER_CONFIG)
  })

  it('any in-range integer parses the same from a number and from its decimal string', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: INT_MAX }), fc.maxSafeInteger(), (n, m) => {
      const typed = parseBrokerConfig({ 'num.partitions': n, 'log.retention.bytes': m }, 'cluster config')
      const text = parseBrokerConfig({ 'num.partitions': String(n), 'log.retention.bytes': String(m) }, 'cluster config')
      expect(text).toEqual(typed)
    }))
  })
})

describe('bad input is INVALID_CONFIG naming source, key, value and expectation', () => {
  it('says exactly what was wrong', () => {
    expect(invalid(() => parseBrokerConfig({ 'min.insync.replicas': 'two' }, 'cluster config')).message)
      .toBe('INVALID_CONFIG: cluster config: min.insync.replicas: expected an integer >= 1, got "two"')
  })

  const bad: [string, unknown, string][] = [
    ['min.insync.replicas', '12abc', 'an integer >= 1'],
    ['min.insync.replicas', '1.5', 'an integer >= 1'],
    ['min.insync.replicas', 1.5, 'an integer >= 1'],
    ['min.insync.replicas', '1e3', 'an integer >= 1'],
    ['min.insync.replicas', '0x10', 'an integer >= 1'],
    ['min.insync.replicas', '', 'an integer >= 1'],
    ['min.insync.replicas', NaN, 'an integer >= 1'],
    ['min.insync.replicas', Infinity, 'an integer >= 1'],
    ['min.insync.replicas', true, 'an integer >= 1'],
    ['min.insync.replicas', [2], 'an integer >= 1'],
    ['min.insync.replicas', { value: 2 }, 'an integer >= 1'],
    ['min.insync.replicas', null, 'an integer >= 1'],
    ['min.insync.replicas', 0, 'an integer >= 1'],
    ['min.insync.replicas', '-1', 'an integer >= 1'],
    ['num.partitions', 2 ** 31, "an integer >= 1 within Java's int range (-2147483648 to 2147483647)"],
    ['num.partitions', '2147483648', "an integer >= 1 within Java's int range"],
    ['log.retention.bytes', '9223372036854775808', "an integer within Java's long range"],
    ['log.retention.bytes', '9007199254740993', 'an integer the sandbox can hold exactly'],
    ['log.retention.bytes', 2 ** 60, 'an integer the sandbox can hold exactly'],
    ['log.retention.ms', 2 ** 64, "an integer within Java's long range, or null for unset"],
    ['log.retention.ms', 'forever', 'an integer, or null for unset'],
    ['unclean.leader.election.enable', 'yes', 'true or false'],
    ['unclean.leader.election.enable', 1, 'true or false'],
    ['unclean.leader.election.enable', '', 'true or false'],
    ['log.cleanup.policy', 'compact,foo', 'a list (comma-separated in a string) of items each one of compact, delete'],
    ['log.cleanup.policy', 'Delete', 'items each one of compact, delete'],
    ['log.cleanup.policy', 'compact,,delete', 'items each one of compact, delete'],
    ['log.cleanup.policy', ['compact', 3], 'items each one of compact, delete'],
    ['log.cleanup.policy', 7, 'items each one of compact, delete'],
    ['log.cleaner.min.cleanable.ratio', 'NaN', 'a number between 0 and 1'],
    ['log.cleaner.min.cleanable.ratio', 'Infinity', 'a number between 0 and 1'],
    ['log.cleaner.min.cleanable.ratio', '0.5d', 'a number between 0 and 1'],
    ['log.cleaner.min.cleanable.ratio', 1.5, 'a number between 0 and 1'],
    ['log.cleaner.min.cleanable.ratio', -0.1, 'a number between 0 and 1'],
    ['log.segment.bytes', SEGMENT_BYTES_MIN - 1, `an integer >= ${SEGMENT_BYTES_MIN}`],
    ['log.roll.ms', 0, 'an integer >= 1'],
    ['broker.heartbeat.interval.ms', 0, 'an integer >= 1'],
    ['num.replica.fetchers', 0, 'an integer >= 1'],
    ['leader.imbalance.per.broker.percentage', 101, 'an integer between 0 and 100'],
  ]

  it.each(bad)('%s = %j is refused (expected %s)', (key, value, expected) => {
    const error = invalid(() => parseBrokerConfig({ 'num.partitions': 3, [key]: value }, 'cluster config'))
    expect(error.message).toMatch(new RegExp(`^INVALID_CONFIG: cluster config: ${key.replaceAll('.', '\\.')}: expected `))
    expect(error.message).toContain(expected)
    expect(error.message).toContain(`got ${describeInput(value)}`)
    expect(error).toMatchObject({ source: 'cluster config', key, value })
  })

  it('refuses bad topic overrides the same way', () => {
    const error = invalid(() => parseTopicConfigOverrides({ 'retention.ms': -2 }, 'topic orders'))
    expect(error.message).toBe('INVALID_CONFIG: topic orders: retention.ms: expected an integer >= -1, got -2')
    expect(invalid(() => parseTopicConfigOverrides({ 'flush.ms': '1.5' }, 'topic orders')).message).toContain('flush.ms: expected an integer >= 0, got "1.5"')
  })

  it('refuses unknown keys, suggesting the name meant', () => {
    expect(invalid(() => parseBrokerConfig({ 'min.insync.replica': 2 }, 'cluster config')).message)
      .toBe('INVALID_CONFIG: cluster config: min.insync.replica: is not a broker config the sandbox models (did you mean min.insync.replicas?), got 2')
    expect(invalid(() => parseBrokerConfig({ 'zookeeper.connect': 'localhost:2181' }, 'cluster config')).message)
      .toBe('INVALID_CONFIG: cluster config: zookeeper.connect: is not a broker config the sandbox models, got "localhost:2181"')
    expect(invalid(() => parseTopicConfigOverrides({ 'retention.msec': 5 }, 'topic t')).message).toContain('did you mean retention.ms?')
  })

  it('points a topic config given to the broker, or a broker config given to a topic, at the right name', () => {
    expect(invalid(() => parseBrokerConfig({ 'retention.ms': 60000 }, 'cluster config')).message)
      .toContain('retention.ms: is a topic config, not a broker config; its cluster-wide default is log.retention.ms / log.retention.minutes / log.retention.hours, got 60000')
    expect(invalid(() => parseTopicConfigOverrides({ 'log.retention.ms': 60000 }, 'topic t')).message)
      .toContain('log.retention.ms: is a broker config; the topic config is retention.ms, got 60000')
    expect(invalid(() => parseTopicConfigOverrides({ 'num.partitions': 3 }, 'topic t')).message)
      .toContain('num.partitions: is a broker config, not a topic config, got 3')
  })

  it('refuses keys that only look like config names, such as __proto__ from JSON', () => {
    const error = invalid(() => parseBrokerConfig(JSON.parse('{"__proto__": {"min.insync.replicas": 3}}'), 'cluster config'))
    expect(error.key).toBe('__proto__')
  })

  it.each([null, undefined, [], 'min.insync.replicas=2', 42, new Map([['min.insync.replicas', 2]])])('refuses %j as a whole config', (input) => {
    const error = invalid(() => parseBrokerConfig(input, 'cluster config'))
    expect(error.message).toBe(`INVALID_CONFIG: cluster config: expected an object of Kafka config names to values, got ${describeInput(input)}`)
    expect(error.key).toBeNull()
  })

  it('applies Kafka\'s checks across configs (KafkaConfig.validateValues)', () => {
    expect(invalid(() => parseBrokerConfig({ 'replica.fetch.wait.max.ms': 40000 }, 'cluster config')).message)
      .toMatch(/^INVALID_CONFIG: cluster config: replica\.fetch\.wait\.max\.ms: expected at most replica\.lag\.time\.max\.ms \(30000\), .*, got 40000$/)
    expect(invalid(() => parseBrokerConfig({ 'replica.lag.time.max.ms': 100 }, 'cluster config')).message)
      .toMatch(/replica\.lag\.time\.max\.ms: expected at least replica\.fetch\.wait\.max\.ms \(500\), .*, got 100$/)
    // GroupCoordinatorConfig's constructor.
    expect(invalid(() => parseBrokerConfig({ 'group.consumer.min.heartbeat.interval.ms': 45000, 'group.consumer.max.heartbeat.interval.ms': 60000, 'group.consumer.heartbeat.interval.ms': 50000, 'group.consumer.session.timeout.ms': 50000 }, 'cluster config')).message)
      .toBe('INVALID_CONFIG: cluster config: group.consumer.heartbeat.interval.ms: expected less than group.consumer.session.timeout.ms (50000), got 50000')
    expect(invalid(() => parseBrokerConfig({ 'group.consumer.heartbeat.interval.ms': 4000 }, 'cluster config')).message)
      .toContain('group.consumer.heartbeat.interval.ms: expected at least group.consumer.min.heartbeat.interval.ms (5000), got 4000')
    expect(invalid(() => parseBrokerConfig({ 'group.consumer.session.timeout.ms': 70000 }, 'cluster config')).message)
      .toContain('group.consumer.session.timeout.ms: expected at most group.consumer.max.session.timeout.ms (60000), got 70000')
    expect(invalid(() => parseBrokerConfig({ 'group.consumer.max.session.timeout.ms': '40000' }, 'cluster config')).message)
      .toContain('group.consumer.max.session.timeout.ms: expected at least group.consumer.min.session.timeout.ms (45000), got "40000"')
    expect(invalid(() => parseBrokerConfig({ 'group.coordinator.rebalance.protocols': 'consumer' }, 'cluster config')).message)
      .toContain('group.coordinator.rebalance.protocols: expected a list that includes classic')
    expect(invalid(() => parseBrokerConfig({ 'group.consumer.assignors': [] }, 'cluster config')).message)
      .toContain('group.consumer.assignors: expected at least one assignor')
    expect(parseBrokerConfig({ 'group.consumer.session.timeout.ms': 50000, 'group.consumer.heartbeat.interval.ms': 10000 }, 'cluster config')['group.consumer.session.timeout.ms']).toBe(50000)
    expect(invalid(() => parseBrokerConfig({ 'log.retention.hours': 0 }, 'cluster config')).message)
      .toContain('log.retention.hours: expected a positive number of hours, or -1 for unlimited, got 0')
    expect(invalid(() => parseBrokerConfig({ 'log.retention.hours': 5, 'log.retention.minutes': '0' }, 'cluster config')).message)
      .toContain('log.retention.minutes: expected a positive number of minutes, or -1 for unlimited, got "0"')
    expect(invalid(() => parseBrokerConfig({ 'log.retention.ms': 0 }, 'cluster config')).message)
      .toContain('log.retention.ms: expected a positive number of milliseconds, or -1 for unlimited, got 0')
    // A zero that loses to a higher-precedence setting is never used, so Kafka accepts it.
    expect(parseBrokerConfig({ 'log.retention.hours': 0, 'log.retention.ms': 1000 }, 'cluster config')['log.retention.hours']).toBe(0)
    expect(invalid(() => parseBrokerConfig({ 'log.flush.interval.ms': -1 }, 'cluster config')).message)
      .toContain('log.flush.interval.ms: expected an integer >= 0 (it is the default of the topic config flush.ms), got -1')
  })

  it('applies nothing when any key is bad: the input is untouched and no later parse sees it', () => {
    const input = { 'min.insync.replicas': 2, 'num.partitions': 6, 'default.replication.factor': 'three' }
    const copy = structuredClone(input)
    invalid(() => parseBrokerConfig(input, 'cluster config'))
    expect(input).toEqual(copy)
    expect(parseBrokerConfig({}, 'cluster config')).toEqual(DEFAULT_BROKER_CONFIG)
    expect(DEFAULT_BROKER_CONFIG['min.insync.replicas']).toBe(1)
  })
})

describe('a topic\'s effective config follows Kafka\'s precedence', () => {
  const retention = (brokerInput: object, topicInput: object = {}) => {
    const broker = parseBrokerConfig(brokerInput, 'cluster config')
    const overrides = parseTopicConfigOverrides(topicInput, 'topic t')
    return { value: effectiveTopicConfig(broker, overrides)['retention.ms'], described: entry(describeTopicConfigs(broker, overrides), 'retention.ms') }
  }

  it('takes the 7-day default from log.retention.hours when nothing is set', () => {
    expect(retention({})).toEqual({ value: 604800000, described: expect.objectContaining({ value: '604800000', source: 'default', synonym: 'log.retention.hours' }) })
  })

  it('uses log.retention.hours alone', () => {
    expect(retention({ 'log.retention.hours': 1 })).toEqual({ value: 3600000, described: expect.objectContaining({ source: 'cluster', synonym: 'log.retention.hours' }) })
  })

  it('lets log.retention.minutes override log.retention.hours', () => {
    expect(retention({ 'log.retention.hours': 1, 'log.retention.minutes': 5 }).value).toBe(300000)
  })

  it('lets log.retention.ms override both', () => {
    expect(retention({ 'log.retention.hours': 1, 'log.retention.minutes': 5, 'log.retention.ms': 1234 })).toEqual({
      value: 1234, described: expect.objectContaining({ value: '1234', source: 'cluster', synonym: 'log.retention.ms' }),
    })
  })

  it('lets the topic override all of them', () => {
    const got = retention({ 'log.retention.hours': 1, 'log.retention.minutes': 5, 'log.retention.ms': 1234 }, { 'retention.ms': 42 })
    expect(got.value).toBe(42)
    expect(got.described).toEqual({ name: 'retention.ms', value: '42', source: 'topic', doc: TOPIC_CONFIG_DEFS['retention.ms'].doc })
  })

  it('turns any negative broker retention into -1, unlimited', () => {
    expect(retention({ 'log.retention.ms': -5 }).value).toBe(-1)
    expect(retention({ 'log.retention.hours': -2 }).value).toBe(-1)
    expect(retention({ 'log.retention.minutes': -1, 'log.retention.hours': 3 }).value).toBe(-1)
  })

  const chains: [string, object, unknown, string][] = [
    ['segment.ms', { 'log.roll.hours': 2 }, 7200000, 'log.roll.hours'],
    ['segment.ms', { 'log.roll.hours': 2, 'log.roll.ms': 100 }, 100, 'log.roll.ms'],
    ['segment.bytes', { 'log.segment.bytes': 2097152 }, 2097152, 'log.segment.bytes'],
    ['cleanup.policy', { 'log.cleanup.policy': 'compact' }, ['compact'], 'log.cleanup.policy'],
    ['max.message.bytes', { 'message.max.bytes': 5000 }, 5000, 'message.max.bytes'],
    ['delete.retention.ms', { 'log.cleaner.delete.retention.ms': 10 }, 10, 'log.cleaner.delete.retention.ms'],
    ['min.compaction.lag.ms', { 'log.cleaner.min.compaction.lag.ms': 10 }, 10, 'log.cleaner.min.compaction.lag.ms'],
    ['min.cleanable.dirty.ratio', { 'log.cleaner.min.cleanable.ratio': 0.1 }, 0.1, 'log.cleaner.min.cleanable.ratio'],
    ['retention.bytes', { 'log.retention.bytes': 1000 }, 1000, 'log.retention.bytes'],
    ['flush.messages', { 'log.flush.interval.messages': 1 }, 1, 'log.flush.interval.messages'],
    ['flush.ms', { 'log.flush.interval.ms': 1000 }, 1000, 'log.flush.interval.ms'],
    ['flush.ms', { 'log.flush.scheduler.interval.ms': 5000 }, 5000, 'log.flush.scheduler.interval.ms'],
    ['flush.ms', { 'log.flush.interval.ms': 1000, 'log.flush.scheduler.interval.ms': 5000 }, 1000, 'log.flush.interval.ms'],
    ['min.insync.replicas', { 'min.insync.replicas': 2 }, 2, 'min.insync.replicas'],
    ['unclean.leader.election.enable', { 'unclean.leader.election.enable': true }, true, 'unclean.leader.election.enable'],
  ]

  it.each(chains)('%s comes from the cluster config %j', (name, brokerInput, value, synonym) => {
    const broker = parseBrokerConfig(brokerInput, 'cluster config')
    expect(effectiveTopicConfig(broker, {})[name as keyof TopicConfig]).toEqual(value)
    expect(entry(describeTopicConfigs(broker, {}), name)).toMatchObject({ source: 'cluster', synonym })
  })

  it('flush.ms falls back to log.flush.scheduler.interval.ms, Long.MAX_VALUE by default', () => {
    expect(entry(describeTopicConfigs(DEFAULT_BROKER_CONFIG, {}), 'flush.ms')).toMatchObject({
      value: '9223372036854775807', source: 'default', synonym: 'log.flush.scheduler.interval.ms',
    })
  })

  it('a topic override wins over every broker setting, config by config', () => {
    const broker = parseBrokerConfig({ 'min.insync.replicas': 2, 'log.cleanup.policy': 'compact', 'unclean.leader.election.enable': true }, 'cluster config')
    const overrides = parseTopicConfigOverrides({ 'min.insync.replicas': 1, 'cleanup.policy': 'delete', 'unclean.leader.election.enable': 'false' }, 'topic t')
    expect(effectiveTopicConfig(broker, overrides)).toMatchObject({ 'min.insync.replicas': 1, 'cleanup.policy': ['delete'], 'unclean.leader.election.enable': false })
  })
})

describe('segment.bytes minimum (KIP-1030: 1 MiB)', () => {
  it('refuses one byte less than 1 MiB at both levels and takes 1 MiB', () => {
    expect(SEGMENT_BYTES_MIN).toBe(1048576)
    expect(invalid(() => parseTopicConfigOverrides({ 'segment.bytes': 1048575 }, 'topic t')).message)
      .toBe('INVALID_CONFIG: topic t: segment.bytes: expected an integer >= 1048576, got 1048575')
    expect(invalid(() => parseBrokerConfig({ 'log.segment.bytes': '14' }, 'cluster config')).message)
      .toBe('INVALID_CONFIG: cluster config: log.segment.bytes: expected an integer >= 1048576, got "14"')
    expect(parseTopicConfigOverrides({ 'segment.bytes': '1048576' }, 'topic t')['segment.bytes']).toBe(1048576)
    expect(parseBrokerConfig({ 'log.segment.bytes': 1048576 }, 'cluster config')['log.segment.bytes']).toBe(1048576)
  })
})

describe('describe', () => {
  it('lists every broker config with its source, sorted by name, as kafka-configs prints values', () => {
    const broker = parseBrokerConfig({ 'min.insync.replicas': 1, 'log.cleanup.policy': ['compact', 'delete'] }, 'cluster config')
    const entries = describeBrokerConfigs(broker)
    expect(entries.map((e) => e.name)).toEqual([...BROKER_CONFIG_NAMES])
    // Set explicitly to its default value: still the cluster's setting, as kafka-configs reports it.
    expect(entry(entries, 'min.insync.replicas')).toMatchObject({ value: '1', source: 'cluster' })
    expect(entry(entries, 'log.cleanup.policy')).toMatchObject({ value: 'compact,delete', source: 'cluster' })
    expect(entry(entries, 'log.retention.ms')).toMatchObject({ value: null, source: 'default' })
    expect(entry(entries, 'log.flush.interval.messages')).toMatchObject({ value: '9223372036854775807', source: 'default' })
    expect(entry(entries, 'unclean.leader.election.enable')).toEqual({
      name: 'unclean.leader.election.enable', value: 'false', source: 'default', doc: BROKER_CONFIG_DEFS['unclean.leader.election.enable'].doc,
    })
  })

  it('falls back to comparing with the defaults for a BrokerConfig rebuilt by hand', () => {
    const rebuilt = { ...parseBrokerConfig({ 'num.partitions': 6, 'min.insync.replicas': 1 }, 'cluster config') }
    const entries = describeBrokerConfigs(rebuilt)
    expect(entry(entries, 'num.partitions').source).toBe('cluster')
    expect(entry(entries, 'min.insync.replicas').source).toBe('default')
  })
})

/** A valid typed value for a definition (any of them, bounds respected). */
function typedValue(def: ConfigDef): fc.Arbitrary<unknown> {
  let arb: fc.Arbitrary<unknown>
  switch (def.type) {
    case 'int':
      arb = fc.integer({ min: def.min ?? INT_MIN, max: def.max ?? INT_MAX })
      break
    case 'long':
      arb = fc.oneof(fc.maxSafeInteger().filter((n) => n >= (def.min ?? -Infinity)), fc.constant(LONG_MAX))
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

/** The typed value or the string kafka-configs would carry for it. */
function anyForm(def: ConfigDef): fc.Arbitrary<unknown> {
  const asText = (v: unknown): unknown =>
    v === null ? null : v === LONG_MAX ? '9223372036854775807' : Array.isArray(v) ? v.join(',') : String(v)
  return fc.tuple(typedValue(def), fc.boolean()).map(([v, text]) => (text ? asText(v) : v))
}

function inputArb(defs: Record<string, ConfigDef>, exclude: (name: string, value: unknown) => boolean = () => false) {
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, def] of Object.entries(defs)) model[name] = anyForm(def).filter((v) => !exclude(name, v))
  return fc.record(model, { requiredKeys: [] })
}

/** The group.consumer.* timing configs, which GroupCoordinatorConfig checks against each other. */
const CONSUMER_GROUP_TIMING = [
  'group.consumer.min.heartbeat.interval.ms', 'group.consumer.heartbeat.interval.ms', 'group.consumer.min.session.timeout.ms',
  'group.consumer.max.heartbeat.interval.ms', 'group.consumer.session.timeout.ms', 'group.consumer.max.session.timeout.ms',
] as const

/**
 * A valid set of the six: six sorted integers, assigned in the order above, satisfy
 * min <= value <= max for both pairs; heartbeat < session needs the 2nd below the 5th. Each key
 * is then kept or dropped; a dropped key takes Kafka's default, so the set is re-checked with
 * the defaults filled in (most draws keep all six or drop all six, which always pass).
 */
const consumerGroupTimingArb = fc
  .tuple(fc.array(fc.integer({ min: 1, max: INT_MAX }), { minLength: 6, maxLength: 6 }), fc.constantFrom('all', 'none', 'some'), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }))
  .map(([values, keep, someKept]) => {
    const sorted = [...values].sort((a, b) => a - b)
    const chosen: Record<string, number> = {}
    CONSUMER_GROUP_TIMING.forEach((name, i) => {
      if (keep === 'all' || (keep === 'some' && someKept[i])) chosen[name] = sorted[i]!
    })
    return chosen
  })
  .filter((chosen) => {
    const v = (name: (typeof CONSUMER_GROUP_TIMING)[number]) => chosen[name] ?? (BROKER_CONFIG_DEFS[name].default as number)
    return v('group.consumer.min.heartbeat.interval.ms') <= v('group.consumer.heartbeat.interval.ms') &&
      v('group.consumer.heartbeat.interval.ms') <= v('group.consumer.max.heartbeat.interval.ms') &&
      v('group.consumer.min.session.timeout.ms') <= v('group.consumer.session.timeout.ms') &&
      v('group.consumer.session.timeout.ms') <= v('group.consumer.max.session.timeout.ms') &&
      v('group.consumer.heartbeat.interval.ms') < v('group.consumer.session.timeout.ms')
  })

// Values Kafka's cross-config checks refuse (tested above); the generators keep clear of them.
const brokerInputArb = fc.tuple(
  inputArb(Object.fromEntries(Object.entries(brokerDefs).filter(([name]) => !(CONSUMER_GROUP_TIMING as readonly string[]).includes(name))), (name, v) =>
    (name.startsWith('log.retention.') && name !== 'log.retention.bytes' && name !== 'log.retention.check.interval.ms' && Number(v) === 0) ||
    (name === 'log.flush.interval.ms' && v !== null && Number(v) < 0) ||
    (name === 'group.coordinator.rebalance.protocols' && !String(v).includes('classic')) ||
    (name === 'group.consumer.assignors' && String(v) === ''),
  ),
  consumerGroupTimingArb,
).map(([input, timing]) => {
  return { ...input, ...timing } as Record<string, unknown>
}).filter((input) => {
  const wait = Number(input['replica.fetch.wait.max.ms'] ?? 500)
  const lag = Number(input['replica.lag.time.max.ms'] ?? 30000)
  return wait <= lag
})

describe('round trip: any valid config parses, describes, and parses back to itself', () => {
  it('broker configs', () => {
    fc.assert(fc.property(brokerInputArb, (input) => {
      const broker = parseBrokerConfig(input, 'cluster config')
      const described = describeBrokerConfigs(broker)
      const fromCluster = Object.fromEntries(described.filter((e) => e.source === 'cluster').map((e) => [e.name, e.value]))
      const again = parseBrokerConfig(fromCluster, 'described config')
      expect(again).toEqual(broker)
      expect(describeBrokerConfigs(again)).toEqual(described)
      // Every non-null key the user gave is reported as the cluster's, with the value given.
      for (const [name, value] of Object.entries(input)) {
        if (value !== null) expect(entry(described, name).source).toBe('cluster')
      }
    }), { numRuns: 300 })
  })

  it('topic overrides, and the effective config they make', () => {
    fc.assert(fc.property(brokerInputArb, inputArb(topicDefs), (brokerInput, topicInput) => {
      const broker = parseBrokerConfig(brokerInput, 'cluster config')
      const overrides = parseTopicConfigOverrides(topicInput, 'topic t')
      const described = describeTopicConfigs(broker, overrides)
      const fromTopic = Object.fromEntries(described.filter((e) => e.source === 'topic').map((e) => [e.name, e.value]))
      const again = parseTopicConfigOverrides(fromTopic, 'described topic')
      expect(again).toEqual(overrides)
      expect(Object.keys(again).sort()).toEqual(Object.keys(topicInput).sort())
      const effective = effectiveTopicConfig(broker, again)
      expect(effective).toEqual(effectiveTopicConfig(broker, overrides))
      // Every effective value is valid for its topic config, and describe shows it.
      for (const name of TOPIC_CONFIG_NAMES) {
        expect(parseValue(TOPIC_CONFIG_DEFS[name], effective[name]).ok).toBe(true)
        expect(entry(described, name).value).toBe(entry(describeTopicConfigs(broker, again), name).value)
      }
    }), { numRuns: 300 })
  })

  it('typed and string forms of the same values give the same config', () => {
    fc.assert(fc.property(brokerInputArb, (input) => {
      const asText = Object.fromEntries(Object.entries(input).map(([k, v]) => [
        k, v === null ? null : v === LONG_MAX ? '9223372036854775807' : Array.isArray(v) ? v.join(',') : String(v),
      ]))
      expect(parseBrokerConfig(asText, 'as text')).toEqual(parseBrokerConfig(input, 'as given'))
    }), { numRuns: 200 })
  })
})
