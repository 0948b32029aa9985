// Producer and consumer configuration: parsing what users write (Kafka's own names and
// value forms), resolving it the way Kafka's ProducerConfig, ConsumerConfig and client
// constructors do, and describing the result. The tables of definitions are in
// producer.ts and consumer.ts; value parsing is parse.ts's, shared with the broker and
// topic configs.
//
// Parsing is all or nothing: the whole input is parsed and checked before anything is
// returned, and any unknown key, wrong type, out-of-range value or conflict between
// configs throws INVALID_CONFIG naming the source, the key, the value and what was
// expected. Where Kafka resolves a config from others instead of refusing it, so does the
// sandbox: enable.idempotence is turned off by a conflicting acks or retries when it was
// not set explicitly; an unset delivery.timeout.ms is raised to linger.ms +
// request.timeout.ms; enable.auto.commit is off without a group.id unless set.

import type { ConfigEntry } from '../config.ts'
import { BROKER_CONFIG_DEFS } from './broker.ts'
import { ASSIGNOR_CLASSES, CONSUMER_CONFIG_DEFS, GROUP_INSTANCE_ID_MAX_LENGTH, type ConsumerConfigName } from './consumer.ts'
import { InvalidConfigError, closestName, formatValue, parseValue } from './parse.ts'
import { PRODUCER_CONFIG_DEFS, type ProducerConfigName } from './producer.ts'
import { TOPIC_CONFIG_DEFS } from './topic.ts'
import type { ConfigDef, ConfigValue, ValueOf } from './types.ts'
import { INT_MAX } from './types.ts'

/** The acks a producer resolves to: -1 (all in-sync replicas), 0 (no answer), 1 (the leader). */
export type Acks = -1 | 0 | 1

/** A string config with a fixed set of values resolves to that union rather than to string. */
type ClientValueOf<D> = D extends { readonly type: 'string'; readonly validValues: readonly (infer V)[] }
  ? D extends { readonly default: null } ? V | null : V
  : ValueOf<D>

/** Every producer config, resolved (defaults filled in, cross-config rules applied), typed, keyed by Kafka's names, frozen. */
export type ProducerConfig = {
  readonly [K in ProducerConfigName]: K extends 'acks' ? Acks : ClientValueOf<(typeof PRODUCER_CONFIG_DEFS)[K]>
}

/** Every consumer config, resolved, typed, keyed by Kafka's names, frozen. */
export type ConsumerConfig = {
  readonly [K in ConsumerConfigName]: ClientValueOf<(typeof CONSUMER_CONFIG_DEFS)[K]>
}

export const PRODUCER_CONFIG_NAMES = Object.freeze(Object.keys(PRODUCER_CONFIG_DEFS).sort()) as readonly ProducerConfigName[]
export const CONSUMER_CONFIG_NAMES = Object.freeze(Object.keys(CONSUMER_CONFIG_DEFS).sort()) as readonly ConsumerConfigName[]

type Kind = 'producer' | 'consumer'

const DEFS: Record<Kind, Record<string, ConfigDef>> = { producer: PRODUCER_CONFIG_DEFS, consumer: CONSUMER_CONFIG_DEFS }
const NAMES: Record<Kind, readonly string[]> = { producer: PRODUCER_CONFIG_NAMES, consumer: CONSUMER_CONFIG_NAMES }

/**
 * The configs the user set (to a non-null value), kept on the frozen config as a
 * non-enumerable property so describe can tell a setting from a default even when the
 * value set equals Kafka's default.
 */
const EXPLICIT = Symbol('kafkasim.clientConfig.explicitlySet')

/** Parses a producer config: Kafka names to values, e.g. `{ acks: 'all', 'linger.ms': '10' }`. */
export function parseProducerConfig(input: unknown, source: string): ProducerConfig {
  const { values, given, raw } = parseClient(input, source, 'producer')
  resolveIdempotence(values, given, raw, source)
  resolveDeliveryTimeout(values, given, raw, source)
  return seal(values, given) as ProducerConfig
}

/** Parses a consumer config: Kafka names to values, e.g. `{ 'group.id': 'billing', 'auto.offset.reset': 'earliest' }`. */
export function parseConsumerConfig(input: unknown, source: string): ConsumerConfig {
  const { values, given, raw } = parseClient(input, source, 'consumer')
  resolveAutoCommit(values, given, raw, source)
  checkGroupProtocolConfigs(values, given, raw, source)
  checkHeartbeat(values, given, raw, source)
  return seal(values, given) as ConsumerConfig
}

/**
 * Every producer config with its value, sorted by name. `source` is 'default' for a value
 * Kafka chose (including one it derived, such as enable.idempotence turned off by acks=1)
 * and 'cluster' for one the user set: ConfigSource has no client-side value of its own.
 */
export function describeProducerConfig(config: ProducerConfig): readonly ConfigEntry[] {
  return describeClient(config, 'producer', DEFAULT_PRODUCER_CONFIG)
}

/** Every consumer config with its value and whether the user set it, as describeProducerConfig. */
export function describeConsumerConfig(config: ConsumerConfig): readonly ConfigEntry[] {
  return describeClient(config, 'consumer', DEFAULT_CONSUMER_CONFIG)
}

type Values = Record<string, ConfigValue>
type Outcome = { readonly ok: true; readonly value: ConfigValue } | { readonly ok: false; readonly problem: string }

/** Parses every entry of the input, then fills in the rest from the definitions' defaults. */
function parseClient(input: unknown, source: string, kind: Kind): { values: Values; given: ReadonlySet<string>; raw: Record<string, unknown> } {
  if (!isPlainObject(input)) throw new InvalidConfigError(source, null, input, 'expected an object of Kafka config names to values')
  const defs = DEFS[kind]
  const parsed = new Map<string, ConfigValue>()
  for (const key of Object.keys(input)) {
    const raw = input[key]
    if (raw === undefined) continue // an optional property left out, as TypeScript callers write them
    if (!Object.hasOwn(defs, key)) throw new InvalidConfigError(source, key, raw, unknownKeyProblem(key, kind))
    const outcome = parseOne(kind, key, raw)
    if (!outcome.ok) throw new InvalidConfigError(source, key, raw, outcome.problem)
    parsed.set(key, outcome.value)
  }
  const values: Values = {}
  for (const name of NAMES[kind]) {
    if (parsed.has(name)) {
      values[name] = parsed.get(name)!
      continue
    }
    const outcome = parseOne(kind, name, defs[name]!.default)
    // Unreachable: every default passes its own validator (a test checks it).
    if (!outcome.ok) throw new Error(`${kind} config ${name}: the default fails its own check: ${outcome.problem}`)
    values[name] = outcome.value
  }
  return { values, given: new Set(parsed.keys()), raw: input }
}

/** One value: the definition's validator (parse.ts), then the rules Kafka adds for a few configs. */
function parseOne(kind: Kind, name: string, raw: unknown): Outcome {
  const def = DEFS[kind][name]!
  const special = kind === 'producer' ? PRODUCER_VALUE_RULES[name] : CONSUMER_VALUE_RULES[name]
  return special ? special(def, raw) : standard(def, raw)
}

function standard(def: ConfigDef, raw: unknown): Outcome {
  const result = parseValue(def, raw)
  return result.ok ? result : { ok: false, problem: `expected ${result.expected}` }
}

type ValueRule = (def: ConfigDef, raw: unknown) => Outcome

const PRODUCER_VALUE_RULES: Partial<Record<string, ValueRule>> = {
  // ProducerConfig.parseAcks: "all" is -1; the resolved value is a number. The number forms
  // (-1, 0, 1) are taken too, as a TypeScript caller writes them.
  'acks': (def, raw) => {
    if (raw === -1 || raw === 0 || raw === 1) return { ok: true, value: raw === 0 ? 0 : raw }
    const result = standard(def, raw)
    if (!result.ok) return { ok: false, problem: `expected one of all, -1, 0, 1` }
    return { ok: true, value: result.value === 'all' ? -1 : Number(result.value) }
  },
  // Transactions are not modelled yet: the name is known, but only its default (null) is taken.
  'transactional.id': (def, raw) => {
    const result = standard(def, raw)
    if (!result.ok || result.value === null) return result
    return { ok: false, problem: 'expected null (unset): transactions are not modelled yet, so a transactional producer cannot be configured' }
  },
}

const ASSIGNOR_NAME_BY_CLASS: ReadonlyMap<string, string> = new Map(Object.entries(ASSIGNOR_CLASSES).map(([name, cls]) => [cls, name]))

const CONSUMER_VALUE_RULES: Partial<Record<string, ValueRule>> = {
  // ClassicKafkaConsumer: "The configured group.id should not be an empty string or whitespace."
  'group.id': (def, raw) => {
    const result = standard(def, raw)
    if (result.ok && result.value === '') {
      return { ok: false, problem: 'expected a non-empty string, or null for no group (Kafka\'s consumer refuses an empty or blank group.id)' }
    }
    return result
  },
  // NonEmptyString, then JoinGroupRequest.validateGroupInstanceId: like a topic name.
  'group.instance.id': (def, raw) => {
    const result = standard(def, raw)
    if (!result.ok || result.value === null) return result
    const id = result.value as string
    if (id === '' || id === '.' || id === '..' || id.length > GROUP_INSTANCE_ID_MAX_LENGTH || !/^[a-zA-Z0-9._-]+$/.test(id)) {
      return {
        ok: false,
        problem: `expected an id of 1 to ${GROUP_INSTANCE_ID_MAX_LENGTH} ASCII letters, digits, '.', '_' and '-' ` +
          '(not "." or ".."), or null for a dynamic member',
      }
    }
    return result
  },
  // CaseInsensitiveValidString: "CONSUMER" is "consumer".
  'group.protocol': (def, raw) => standard(def, typeof raw === 'string' ? raw.toLowerCase() : raw),
  // Class names (Kafka's form) or the assignors' own names; the resolved list holds the names.
  'partition.assignment.strategy': (def, raw) => {
    const listed = standard({ type: 'list', default: def.default, doc: def.doc }, raw)
    const items = listed.ok ? (listed.value as readonly string[]).map((item) => ASSIGNOR_NAME_BY_CLASS.get(item) ?? item) : null
    if (items === null || !items.every((item) => def.validValues!.includes(item))) {
      return {
        ok: false,
        problem: 'expected a list (comma-separated in a string) of assignors, each one of range, roundrobin, sticky, ' +
          'cooperative-sticky or its class (e.g. org.apache.kafka.clients.consumer.RangeAssignor); custom assignors are not modelled',
      }
    }
    return { ok: true, value: Object.freeze(items) }
  },
  // AutoOffsetResetStrategy: Kafka 4.0 also takes by_duration:<ISO-8601 duration> (KIP-1106).
  'auto.offset.reset': (def, raw) => {
    const result = standard(def, raw)
    if (!result.ok && typeof raw === 'string' && raw.trim().startsWith('by_duration')) {
      return { ok: false, problem: `${result.problem} (Kafka 4.0's by_duration:<duration>, KIP-1106, is not modelled yet)` }
    }
    return result
  },
}

/**
 * ProducerConfig.postProcessAndValidateIdempotenceConfigs (Kafka 4.0). With idempotence on
 * (by default or explicitly), retries=0 or acks other than all turn it off when
 * enable.idempotence was not set, and are refused when it was set to true; more than 5
 * requests in flight are refused either way (since 4.0, KAFKA-17927: 3.x turned
 * idempotence off instead). The checks run in Kafka's order: retries, acks, in-flight.
 */
function resolveIdempotence(values: Values, given: ReadonlySet<string>, raw: Record<string, unknown>, source: string): void {
  if (values['enable.idempotence'] !== true) return
  const explicit = given.has('enable.idempotence')
  const shown = (name: string): unknown => (given.has(name) ? raw[name] : values[name])
  const why = explicit ? ', since enable.idempotence is true' : ' while enable.idempotence is true (its default)'
  let disable = false
  if (values['retries'] === 0) {
    if (explicit) {
      throw new InvalidConfigError(source, 'retries', shown('retries'),
        `expected at least 1${why}: the idempotent producer must retry (set enable.idempotence=false for no retries)`)
    }
    disable = true
  }
  if (values['acks'] !== -1) {
    if (explicit) {
      throw new InvalidConfigError(source, 'acks', shown('acks'),
        `expected all (-1)${why}: the idempotent producer needs every in-sync replica's acknowledgement ` +
        '(set enable.idempotence=false for acks 0 or 1)')
    }
    disable = true
  }
  const inFlight = values['max.in.flight.requests.per.connection'] as number
  if (inFlight > 5) {
    throw new InvalidConfigError(source, 'max.in.flight.requests.per.connection', shown('max.in.flight.requests.per.connection'),
      `expected at most 5${why}: brokers remember only the last 5 batches of each producer to spot duplicates ` +
      '(set enable.idempotence=false for more)')
  }
  if (disable) values['enable.idempotence'] = false
}

/**
 * KafkaProducer.configureDeliveryTimeout: delivery.timeout.ms must be at least linger.ms +
 * request.timeout.ms (linger capped at Integer.MAX_VALUE, the sum too). Set explicitly
 * below that, Kafka throws "delivery.timeout.ms should be equal to or larger than
 * linger.ms + request.timeout.ms"; left unset, it is raised to the sum.
 */
function resolveDeliveryTimeout(values: Values, given: ReadonlySet<string>, raw: Record<string, unknown>, source: string): void {
  const linger = Math.min(values['linger.ms'] as number, INT_MAX)
  const request = values['request.timeout.ms'] as number
  const least = Math.min(linger + request, INT_MAX)
  if ((values['delivery.timeout.ms'] as number) >= least) return
  if (!given.has('delivery.timeout.ms')) {
    values['delivery.timeout.ms'] = least
    return
  }
  throw new InvalidConfigError(source, 'delivery.timeout.ms', raw['delivery.timeout.ms'],
    `expected at least linger.ms + request.timeout.ms (${linger} + ${request} = ${least}), ` +
    'so that a batch may linger and then wait for one answer before it expires')
}

/**
 * ConsumerConfig.maybeOverrideEnableAutoCommit: without a group.id there is nothing to
 * commit to, so enable.auto.commit resolves to false unless set, and true is refused.
 */
function resolveAutoCommit(values: Values, given: ReadonlySet<string>, raw: Record<string, unknown>, source: string): void {
  if (values['group.id'] !== null) return
  if (!given.has('enable.auto.commit')) {
    values['enable.auto.commit'] = false
  } else if (values['enable.auto.commit'] === true) {
    throw new InvalidConfigError(source, 'enable.auto.commit', raw['enable.auto.commit'],
      'expected false when group.id is null: a consumer outside any group has no offsets to commit')
  }
}

/** ConsumerConfig.CONSUMER_PROTOCOL_UNSUPPORTED_CONFIGS, in Kafka's order. */
const NOT_WITH_CONSUMER_PROTOCOL = ['partition.assignment.strategy', 'heartbeat.interval.ms', 'session.timeout.ms'] as const

/**
 * ConsumerConfig.checkUnsupportedConfigs: with group.protocol=consumer (KIP-848) the broker
 * assigns partitions and sets the session timeout and heartbeat interval (its
 * group.consumer.* configs), so setting any of these is refused ("... cannot be set when
 * group.protocol=CONSUMER"). Kafka counts a blank string as not set.
 */
function checkGroupProtocolConfigs(values: Values, given: ReadonlySet<string>, raw: Record<string, unknown>, source: string): void {
  if (values['group.protocol'] !== 'consumer') return
  const set = NOT_WITH_CONSUMER_PROTOCOL.filter((name) => given.has(name) && !(typeof raw[name] === 'string' && raw[name].trim() === ''))
  const first = set[0]
  if (first === undefined) return
  const others = set.length > 1 ? ` (nor can ${set.slice(1).join(' or ')}, also set)` : ''
  throw new InvalidConfigError(source, first, raw[first],
    `cannot be set when group.protocol=consumer${others}: with the KIP-848 protocol the broker assigns partitions ` +
    'and sets the session timeout and heartbeat interval (group.consumer.* broker configs)')
}

/**
 * Heartbeat's constructor: "Heartbeat must be set lower than the session timeout". Kafka
 * builds it with the classic protocol's coordinator, which exists only with a group.id.
 */
function checkHeartbeat(values: Values, given: ReadonlySet<string>, raw: Record<string, unknown>, source: string): void {
  if (values['group.id'] === null || values['group.protocol'] !== 'classic') return
  const heartbeat = values['heartbeat.interval.ms'] as number
  const session = values['session.timeout.ms'] as number
  if (heartbeat < session) return
  const why = 'so that the member heartbeats before its session expires'
  if (given.has('heartbeat.interval.ms') || !given.has('session.timeout.ms')) {
    throw new InvalidConfigError(source, 'heartbeat.interval.ms', given.has('heartbeat.interval.ms') ? raw['heartbeat.interval.ms'] : heartbeat,
      `expected less than session.timeout.ms (${session}), ${why}`)
  }
  throw new InvalidConfigError(source, 'session.timeout.ms', raw['session.timeout.ms'], `expected more than heartbeat.interval.ms (${heartbeat}), ${why}`)
}

function seal(values: Values, given: ReadonlySet<string>): Values {
  const explicit = Object.freeze([...given].filter((name) => values[name] !== null))
  Object.defineProperty(values, EXPLICIT, { value: explicit })
  return Object.freeze(values)
}

function describeClient(config: object, kind: Kind, defaults: object): readonly ConfigEntry[] {
  const values = config as Values
  const marked = (config as { [EXPLICIT]?: readonly string[] })[EXPLICIT]
  // A config rebuilt by hand (spread, JSON) lost the record: fall back to "differs from the default".
  const explicit = new Set(marked ?? NAMES[kind].filter((name) => formatValue(values[name]!) !== formatValue((defaults as Values)[name]!)))
  return Object.freeze(NAMES[kind].map((name) => Object.freeze({
    name,
    value: formatValue(values[name]!),
    source: explicit.has(name) ? 'cluster' : 'default',
    doc: DEFS[kind][name]!.doc,
  } satisfies ConfigEntry)))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function unknownKeyProblem(key: string, kind: Kind): string {
  const other: Kind = kind === 'producer' ? 'consumer' : 'producer'
  if (Object.hasOwn(DEFS[other], key)) return `is a ${other} config, not a ${kind} config`
  const broker = Object.hasOwn(BROKER_CONFIG_DEFS, key)
  const topic = Object.hasOwn(TOPIC_CONFIG_DEFS, key)
  if (broker && topic) return `is a broker and topic config, not a ${kind} config: set it in the cluster config or on the topic`
  if (broker) return `is a broker config, not a ${kind} config: set it in the cluster config`
  if (topic) return `is a topic config, not a ${kind} config: set it on the topic`
  const suggestion = closestName(key, NAMES[kind])
  return `is not a ${kind} config the sandbox models${suggestion ? ` (did you mean ${suggestion}?)` : ''}`
}

// The defaults come last: parsing them uses every table above.

/** Kafka's defaults for every producer config, resolved. */
export const DEFAULT_PRODUCER_CONFIG: ProducerConfig = parseProducerConfig({}, 'Kafka defaults')

/**
 * Kafka's defaults for every consumer config, resolved. With no group.id, enable.auto.commit
 * resolves to false (its definition's default, true, applies once a group.id is set).
 */
export const DEFAULT_CONSUMER_CONFIG: ConsumerConfig = parseConsumerConfig({}, 'Kafka defaults')
