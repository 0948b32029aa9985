// Broker and topic configuration: parsing what users write (Kafka's own names and value
// forms), resolving a topic's effective config the way Kafka does, and describing both
// as `kafka-configs --describe --all` would. The tables of definitions are in
// core/config/broker.ts and core/config/topic.ts; value parsing is in core/config/parse.ts.
//
// Parsing is all or nothing: the whole input is parsed and checked before anything is
// returned, and any unknown key, wrong type or out-of-range value throws INVALID_CONFIG
// naming the source, the key, the value and what was expected.

import { BROKER_CONFIG_DEFS, type BrokerConfigName } from './config/broker.ts'
import { InvalidConfigError, closestName, formatValue, parseValue } from './config/parse.ts'
import { TOPIC_CONFIG_DEFS, type TopicConfigName } from './config/topic.ts'
import type { BrokerConfigDef, ConfigDef, ConfigValue, ConfigValues, TopicConfigDef } from './config/types.ts'

export { BROKER_CONFIG_DEFS, type BrokerConfigName } from './config/broker.ts'
export { InvalidConfigError, expectedText } from './config/parse.ts'
export { SEGMENT_BYTES_MIN, TOPIC_CONFIG_DEFS, type TopicConfigName } from './config/topic.ts'
export { INT_MAX, INT_MIN, LONG_MAX_VALUE, LONG_MAX_VALUE_STRING } from './config/types.ts'
export type { BoundsSource, BrokerConfigDef, BrokerSynonym, ConfigDef, ConfigType, ConfigUnit, ConfigValue, TopicConfigDef } from './config/types.ts'
export { ACKS_VALUES, PRODUCER_CONFIG_DEFS, type ProducerConfigName } from './config/producer.ts'
export { ASSIGNOR_CLASSES, CONSUMER_CONFIG_DEFS, GROUP_INSTANCE_ID_MAX_LENGTH, type AssignorName, type ConsumerConfigName } from './config/consumer.ts'
export {
  CONSUMER_CONFIG_NAMES, DEFAULT_CONSUMER_CONFIG, DEFAULT_PRODUCER_CONFIG, PRODUCER_CONFIG_NAMES, describeConsumerConfig,
  describeProducerConfig, parseConsumerConfig, parseProducerConfig, type Acks, type ConsumerConfig, type ProducerConfig,
} from './config/clients.ts'

/** Every broker config, resolved (defaults filled in), typed, keyed by Kafka's names, frozen. */
export type BrokerConfig = ConfigValues<typeof BROKER_CONFIG_DEFS>
/** Every topic config, resolved: the topic's overrides over the broker's defaults. */
export type TopicConfig = ConfigValues<typeof TOPIC_CONFIG_DEFS>
/** The topic configs a topic sets itself (only those), frozen. */
export type TopicConfigOverrides = Partial<TopicConfig>

/** Where a described value comes from: Kafka's default, the cluster (broker) config, or the topic. */
export type ConfigSource = 'default' | 'cluster' | 'topic'

export interface ConfigEntry {
  readonly name: string
  /** As kafka-configs prints it ("604800000", "compact,delete", "9223372036854775807"); null when unset. */
  readonly value: string | null
  readonly source: ConfigSource
  readonly doc: string
  /** For a topic config taken from the broker: the broker config that supplied it (e.g. log.retention.hours). */
  readonly synonym?: BrokerConfigName
}

export const BROKER_CONFIG_NAMES = Object.freeze(Object.keys(BROKER_CONFIG_DEFS).sort()) as readonly BrokerConfigName[]
export const TOPIC_CONFIG_NAMES = Object.freeze(Object.keys(TOPIC_CONFIG_DEFS).sort()) as readonly TopicConfigName[]

export function isBrokerConfigName(name: string): name is BrokerConfigName {
  return Object.hasOwn(BROKER_CONFIG_DEFS, name)
}

export function isTopicConfigName(name: string): name is TopicConfigName {
  return Object.hasOwn(TOPIC_CONFIG_DEFS, name)
}

const brokerDef = (name: BrokerConfigName): BrokerConfigDef => BROKER_CONFIG_DEFS[name]
const topicDef = (name: TopicConfigName): TopicConfigDef => TOPIC_CONFIG_DEFS[name]

/**
 * The broker configs the user set (to a non-null value), kept on the frozen BrokerConfig
 * as a non-enumerable property so describe can tell 'cluster' from 'default' even when
 * the value set equals Kafka's default, as kafka-configs does.
 */
const EXPLICIT = Symbol('kafkasim.config.explicitlySet')

/** Parses a cluster (broker) config: Kafka names to values, e.g. `{ 'min.insync.replicas': 2 }`. */
export function parseBrokerConfig(input: unknown, source: string): BrokerConfig {
  const given = parseEntries(input, source, 'broker') as Map<BrokerConfigName, ConfigValue>
  const values = {} as Record<BrokerConfigName, ConfigValue>
  for (const name of BROKER_CONFIG_NAMES) values[name] = given.has(name) ? given.get(name)! : brokerDef(name).default
  checkBrokerRules(values as BrokerConfig, given, input as Record<string, unknown>, source)
  const explicit = [...given].filter(([, value]) => value !== null).map(([name]) => name)
  Object.defineProperty(values, EXPLICIT, { value: Object.freeze(explicit) })
  return Object.freeze(values) as BrokerConfig
}

/** Parses a topic's config overrides, e.g. `{ 'retention.ms': '60000', 'cleanup.policy': 'compact' }`. */
export function parseTopicConfigOverrides(input: unknown, source: string): TopicConfigOverrides {
  const given = parseEntries(input, source, 'topic')
  const overrides: Record<string, ConfigValue> = {}
  for (const name of TOPIC_CONFIG_NAMES) if (given.has(name)) overrides[name] = given.get(name)!
  return Object.freeze(overrides) as TopicConfigOverrides
}

/** Kafka's defaults for every broker config. */
export const DEFAULT_BROKER_CONFIG: BrokerConfig = parseBrokerConfig({}, 'Kafka defaults')

/**
 * A topic's effective config: each topic config from the topic's override, else from the
 * first of its broker synonyms that is set (log.retention.ms, then log.retention.minutes,
 * then log.retention.hours for retention.ms, and so on).
 */
export function effectiveTopicConfig(broker: BrokerConfig, overrides: TopicConfigOverrides): TopicConfig {
  const config = {} as Record<TopicConfigName, ConfigValue>
  for (const name of TOPIC_CONFIG_NAMES) {
    const override = overrides[name]
    config[name] = override !== undefined ? override : fromBroker(broker, name).value
  }
  return Object.freeze(config) as TopicConfig
}

/** Every broker config with its value and whether the cluster config set it. */
export function describeBrokerConfigs(broker: BrokerConfig): readonly ConfigEntry[] {
  const explicit = explicitlySet(broker)
  return Object.freeze(BROKER_CONFIG_NAMES.map((name) => Object.freeze({
    name,
    value: formatValue(broker[name]),
    source: explicit.has(name) ? 'cluster' : 'default',
    doc: brokerDef(name).doc,
  } satisfies ConfigEntry)))
}

/** Every topic config of a topic, with where its value comes from (`kafka-configs --describe --all`). */
export function describeTopicConfigs(broker: BrokerConfig, overrides: TopicConfigOverrides): readonly ConfigEntry[] {
  const explicit = explicitlySet(broker)
  return Object.freeze(TOPIC_CONFIG_NAMES.map((name) => {
    const doc = topicDef(name).doc
    const override = overrides[name]
    if (override !== undefined) return Object.freeze({ name, value: formatValue(override), source: 'topic', doc } satisfies ConfigEntry)
    const { value, synonym } = fromBroker(broker, name)
    const source: ConfigSource = explicit.has(synonym) ? 'cluster' : 'default'
    return Object.freeze({ name, value: formatValue(value), source, doc, synonym } satisfies ConfigEntry)
  }))
}

/** The value a topic config takes from the broker, and the broker config it came from. */
function fromBroker(broker: BrokerConfig, name: TopicConfigName): { value: ConfigValue; synonym: BrokerConfigName } {
  const synonyms = topicDef(name).brokerSynonyms
  for (const synonym of synonyms) {
    const brokerName = synonym.name as BrokerConfigName
    const raw = broker[brokerName]
    if (raw === null) continue
    let value: ConfigValue = synonym.toMs !== undefined && typeof raw === 'number' ? raw * synonym.toMs : raw
    // KafkaConfig.logRetentionTimeMillis: any negative broker retention means unlimited, -1.
    if (name === 'retention.ms' && typeof value === 'number' && value < 0) value = -1
    return { value, synonym: brokerName }
  }
  // Unreachable for a parsed BrokerConfig: each topic config's last synonym has a non-null default.
  return { value: topicDef(name).default, synonym: synonyms[synonyms.length - 1]!.name as BrokerConfigName }
}

function explicitlySet(broker: BrokerConfig): ReadonlySet<string> {
  const explicit = (broker as unknown as { [EXPLICIT]?: readonly string[] })[EXPLICIT]
  if (explicit) return new Set(explicit)
  // A BrokerConfig rebuilt by hand (spread, JSON) lost the record: fall back to "differs from the default".
  return new Set(BROKER_CONFIG_NAMES.filter((name) => formatValue(broker[name]) !== formatValue(brokerDef(name).default)))
}

/** Parses every entry of an input object; throws on the first bad one, so nothing is half-applied. */
function parseEntries(input: unknown, source: string, kind: 'broker' | 'topic'): Map<string, ConfigValue> {
  if (!isPlainObject(input)) throw new InvalidConfigError(source, null, input, 'expected an object of Kafka config names to values')
  const defs: Record<string, ConfigDef> = kind === 'broker' ? BROKER_CONFIG_DEFS : TOPIC_CONFIG_DEFS
  const parsed = new Map<string, ConfigValue>()
  for (const key of Object.keys(input)) {
    const raw = input[key]
    if (raw === undefined) continue // an optional property left out, as TypeScript callers write them
    const def = Object.hasOwn(defs, key) ? defs[key] : undefined
    if (def === undefined) throw new InvalidConfigError(source, key, raw, unknownKeyProblem(key, kind))
    const result = parseValue(def, raw)
    if (!result.ok) throw new InvalidConfigError(source, key, raw, `expected ${result.expected}`)
    parsed.set(key, result.value)
  }
  return parsed
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function unknownKeyProblem(key: string, kind: 'broker' | 'topic'): string {
  if (kind === 'broker' && isTopicConfigName(key)) {
    const synonyms = topicDef(key).brokerSynonyms.map((s) => s.name).join(' / ')
    return `is a topic config, not a broker config; its cluster-wide default is ${synonyms}`
  }
  if (kind === 'topic' && isBrokerConfigName(key)) {
    const feeds = brokerDef(key).feeds
    return feeds ? `is a broker config; the topic config is ${feeds}` : 'is a broker config, not a topic config'
  }
  const suggestion = closestName(key, kind === 'broker' ? BROKER_CONFIG_NAMES : TOPIC_CONFIG_NAMES)
  return `is not a ${kind} config the sandbox models${suggestion ? ` (did you mean ${suggestion}?)` : ''}`
}

/**
 * Kafka's checks across broker configs (KafkaConfig.validateValues), and of the topic
 * defaults they make. Errors show the value as the user wrote it (`input`) when they set it.
 */
function checkBrokerRules(
  config: BrokerConfig,
  given: ReadonlyMap<BrokerConfigName, ConfigValue>,
  input: Record<string, unknown>,
  source: string,
): void {
  const shown = (name: BrokerConfigName): unknown => (given.has(name) ? input[name] : config[name])
  const wait = config['replica.fetch.wait.max.ms']
  const lag = config['replica.lag.time.max.ms']
  if (wait > lag) {
    const why = 'so that a follower parked in a fetch is not dropped from the ISR'
    if (given.has('replica.fetch.wait.max.ms') || !given.has('replica.lag.time.max.ms')) {
      throw new InvalidConfigError(source, 'replica.fetch.wait.max.ms', shown('replica.fetch.wait.max.ms'), `expected at most replica.lag.time.max.ms (${lag}), ${why}`)
    }
    throw new InvalidConfigError(source, 'replica.lag.time.max.ms', shown('replica.lag.time.max.ms'), `expected at least replica.fetch.wait.max.ms (${wait}), ${why}`)
  }

  checkConsumerGroupRules(config, shown, source)

  const retention = fromBroker(config, 'retention.ms')
  if (retention.value === 0) {
    const unit = brokerDef(retention.synonym).unit ?? 'ms'
    throw new InvalidConfigError(source, retention.synonym, shown(retention.synonym),
      `expected a positive number of ${unit === 'ms' ? 'milliseconds' : unit}, or -1 for unlimited`)
  }

  // Kafka builds the default LogConfig from these at startup, so each must pass the topic config's validator.
  for (const name of TOPIC_CONFIG_NAMES) {
    const { value, synonym } = fromBroker(config, name)
    const result = parseValue(topicDef(name), value)
    if (!result.ok) {
      throw new InvalidConfigError(source, synonym, shown(synonym), `expected ${result.expected} (it is the default of the topic config ${name})`)
    }
  }
}

/**
 * GroupCoordinatorConfig's constructor (Kafka 4.0): each group.consumer.* default lies within
 * its min and max, and the heartbeat interval is below the session timeout; the classic
 * protocol cannot be disabled. The message names the value the user set when only one of the
 * pair was set.
 */
function checkConsumerGroupRules(config: BrokerConfig, shown: (name: BrokerConfigName) => unknown, source: string): void {
  if (!config['group.coordinator.rebalance.protocols'].includes('classic')) {
    throw new InvalidConfigError(source, 'group.coordinator.rebalance.protocols', shown('group.coordinator.rebalance.protocols'),
      'expected a list that includes classic (disabling the classic protocol is not supported)')
  }
  if (config['group.consumer.assignors'].length === 0) {
    throw new InvalidConfigError(source, 'group.consumer.assignors', shown('group.consumer.assignors'), 'expected at least one assignor (uniform, range)')
  }
  for (const kind of ['heartbeat.interval', 'session.timeout'] as const) {
    const min = `group.consumer.min.${kind}.ms` as const
    const max = `group.consumer.max.${kind}.ms` as const
    const value = `group.consumer.${kind}.ms` as const
    if (config[max] < config[min]) throw new InvalidConfigError(source, max, shown(max), `expected at least ${min} (${config[min]})`)
    if (config[value] < config[min]) throw new InvalidConfigError(source, value, shown(value), `expected at least ${min} (${config[min]})`)
    if (config[value] > config[max]) throw new InvalidConfigError(source, value, shown(value), `expected at most ${max} (${config[max]})`)
  }
  const session = config['group.consumer.session.timeout.ms']
  if (config['group.consumer.heartbeat.interval.ms'] >= session) {
    throw new InvalidConfigError(source, 'group.consumer.heartbeat.interval.ms', shown('group.consumer.heartbeat.interval.ms'),
      `expected less than group.consumer.session.timeout.ms (${session})`)
  }
}
