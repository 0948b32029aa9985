// KafkaJS's Kafka client (kafkajs src/index.js), bound to a simulated cluster:
// `new Kafka(cluster, { clientId, brokers, retry, logLevel, logCreator, ... })`, or
// `cluster.kafka({ clientId })`. Its producer() and admin() talk to the cluster on virtual
// time (virtual-time.ts); `brokers`, ssl, sasl and the connection timeouts are accepted
// for compatibility and have no effect: every client reaches every broker of the cluster.

import type { Cluster } from '../cluster.ts'
import { InputError, rejectUnknownKeys, requirePlainObject } from '../input.ts'
import { Admin, type AdminOptions } from './admin.ts'
import { Consumer, type ConsumerOptions } from './consumer.ts'
import { createLogger, logLevel as LOG_LEVELS, type LogCreator, type Logger, type LogLevel } from './logger.ts'
import { Producer, type FacadeHost, type ProducerOptions } from './producer.ts'
import { DEFAULT_RETRY, resolveRetry, type RetryOptions } from './retry.ts'
import { virtualTimeOf } from './virtual-time.ts'

export interface KafkaConfig {
  clientId?: string
  brokers?: string[] | (() => string[] | Promise<string[]>)
  retry?: RetryOptions
  logLevel?: LogLevel
  logCreator?: LogCreator
  ssl?: unknown
  sasl?: unknown
  connectionTimeout?: number
  authenticationTimeout?: number
  reauthenticationThreshold?: number
  requestTimeout?: number
  enforceRequestTimeout?: boolean
  socketFactory?: unknown
}

const CONFIG_KEYS = ['clientId', 'brokers', 'retry', 'logLevel', 'logCreator', 'ssl', 'sasl', 'connectionTimeout', 'authenticationTimeout', 'reauthenticationThreshold', 'requestTimeout', 'enforceRequestTimeout', 'socketFactory']

/** KafkaJS's default clientId (src/cluster/index.js). */
const DEFAULT_CLIENT_ID = 'kafkajs'

export class Kafka {
  private readonly host: FacadeHost
  private readonly rootLogger: Logger

  constructor(cluster: Cluster, config: KafkaConfig = {}) {
    const where = 'new Kafka(cluster, config)'
    requirePlainObject(config, where)
    rejectUnknownKeys(config as Record<string, unknown>, CONFIG_KEYS, where)
    const clientId = config.clientId ?? DEFAULT_CLIENT_ID
    if (typeof clientId !== 'string' || clientId.length === 0) throw new InputError(`${where}.clientId`, 'a non-empty string', clientId)
    const level = config.logLevel ?? LOG_LEVELS.INFO
    if (!Object.values(LOG_LEVELS).includes(level)) throw new InputError(`${where}.logLevel`, `one of logLevel.NOTHING/ERROR/WARN/INFO/DEBUG (${Object.values(LOG_LEVELS).join(', ')})`, level)
    if (config.logCreator !== undefined && typeof config.logCreator !== 'function') throw new InputError(`${where}.logCreator`, 'a function', config.logCreator)
    const retryOptions = config.retry ?? {}
    resolveRetry(retryOptions, DEFAULT_RETRY, `${where}.retry`) // checked now, merged per client
    this.rootLogger = createLogger(level, config.logCreator, () => cluster.now)
    const clock = virtualTimeOf(cluster.sim)
    // Node ids are the client id made safe ([A-Za-z0-9._-]) plus a role and a number.
    const base = clientId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)
    this.host = {
      cluster,
      clock,
      clientId,
      logger: this.rootLogger,
      retryOptions,
      random: (name) => cluster.sim.random.stream(`${name}:${base}`),
      newNodeId: (role) => reserveNodeId(cluster, `${base}-${role}`),
    }
  }

  producer(options?: ProducerOptions): Producer {
    return new Producer(this.host, options)
  }

  consumer(options: ConsumerOptions): Consumer {
    return new Consumer(this.host, options)
  }

  admin(options?: AdminOptions): Admin {
    return new Admin(this.host, options)
  }

  logger(): Logger {
    return this.rootLogger
  }
}

/** Node ids handed out per simulation: a producer makes its nodes lazily, at its first send. */
const reserved = new WeakMap<object, Set<string>>()

/**
 * `${prefix}-${n}` for the first n free both among the simulation's nodes and the ids
 * already handed out. A producer adds suffixes to its id (e.g. "-acks1") for its variants.
 */
function reserveNodeId(cluster: Cluster, prefix: string): string {
  let ids = reserved.get(cluster.sim)
  if (!ids) reserved.set(cluster.sim, (ids = new Set()))
  const nodes = cluster.sim.nodeIds().map(String)
  let n = 1
  const taken = (id: string) => ids.has(id) || nodes.some((node) => node === id || node.startsWith(`${id}-`))
  while (taken(`${prefix}-${n}`)) n++
  const id = `${prefix}-${n}`
  ids.add(id)
  return id
}

/** `cluster.kafka(config)`: a KafkaJS client bound to the cluster. */
export function kafka(cluster: Cluster, config: KafkaConfig = {}): Kafka {
  return new Kafka(cluster, config)
}
