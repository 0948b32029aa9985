// The shape of a configuration definition, and the TypeScript types a table of them
// yields. Kafka describes each config with a ConfigDef entry (name, type, default,
// validator, doc: clients/src/main/java/org/apache/kafka/common/config/ConfigDef.java);
// the sandbox keeps the same facts as data so that the parser, the web app and the CLI
// all read one table.

/** Kafka's ConfigDef types that the sandbox's configs use (ConfigDef.Type, lower-cased). */
export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list'

/** Units as Kafka names them in its config names and docs. */
export type ConfigUnit = 'ms' | 'seconds' | 'minutes' | 'hours' | 'bytes' | 'messages' | 'percent'

/**
 * Who imposes a config's bounds. 'kafka': Kafka 4.0's own validator (a ConfigDef range or
 * a check in KafkaConfig.validateValues). 'sandbox': Kafka defines none and would accept
 * the value, then hang or fail later at run time (a zero heartbeat interval, zero fetcher
 * threads); the sandbox refuses such values up front instead of modelling the failure.
 */
export type BoundsSource = 'kafka' | 'sandbox'

/**
 * Java's Long.MAX_VALUE (2^63 - 1), Kafka's "never" for flush.messages, flush.ms and
 * friends. A double cannot hold 2^63 - 1; the nearest double is 2^63, which this constant
 * is. It compares greater than every count or time a simulation reaches, parses from the
 * string "9223372036854775807" (and from the number literal, which is the same double),
 * and describes itself as "9223372036854775807", as Kafka prints it.
 */
export const LONG_MAX_VALUE = 2 ** 63
export const LONG_MAX_VALUE_STRING = '9223372036854775807'

/** Java's int range: Kafka parses INT configs with Integer.parseInt. */
export const INT_MIN = -(2 ** 31)
export const INT_MAX = 2 ** 31 - 1

export type ConfigValue = number | boolean | string | readonly string[] | null

export interface ConfigDef {
  readonly type: ConfigType
  /** Kafka 4.0's default; null where Kafka's default is null (the config is "not set"). */
  readonly default: ConfigValue
  readonly doc: string
  readonly unit?: ConfigUnit
  /** Inclusive bounds for int, long and double configs. */
  readonly min?: number
  readonly max?: number
  /** Allowed values of a list's elements (or of a string). */
  readonly validValues?: readonly string[]
  /** Present when min or max is set: whose rule the bounds are. */
  readonly bounds?: BoundsSource
}

/** A broker config that is the cluster-wide default of a topic config (kafka-configs' "synonym"). */
export interface BrokerConfigDef extends ConfigDef {
  readonly feeds?: string
}

/**
 * Where a topic config's default comes from when the topic does not override it: the
 * broker configs in precedence order, the first one set wins (Kafka's
 * ServerTopicConfigSynonyms.ALL_TOPIC_CONFIG_SYNONYMS), with its value multiplied by
 * `toMs` when the broker config counts minutes or hours.
 */
export interface BrokerSynonym {
  readonly name: string
  readonly toMs?: number
}

export interface TopicConfigDef extends ConfigDef {
  readonly brokerSynonyms: readonly BrokerSynonym[]
}

/** The TypeScript type of a resolved value of definition D. */
type BaseValueOf<D> = D extends { readonly type: 'boolean' }
  ? boolean
  : D extends { readonly type: 'string' }
    ? string
    : D extends { readonly type: 'list'; readonly validValues: readonly (infer V)[] }
      ? readonly V[]
      : D extends { readonly type: 'list' }
        ? readonly string[]
        : number

export type ValueOf<D> = D extends { readonly default: null } ? BaseValueOf<D> | null : BaseValueOf<D>

/** Every config of a table, resolved and typed, keyed by Kafka's names. */
export type ConfigValues<Defs> = { readonly [K in keyof Defs]: ValueOf<Defs[K]> }
