// KafkaJS 2.2.4's error classes (kafkajs src/errors.js), with the same names, hierarchy and
// fields, so that code written against KafkaJS (`instanceof KafkaJSNumberOfRetriesExceeded`,
// `error.retriable`, `error.type`) behaves the same against the simulated cluster.

import { type ErrorName } from '../../core/errors.ts'
import { kafkaJsErrorCode, type KafkaJsErrorCode } from './error-codes.ts'

type Cause = { cause?: unknown }

/** A message, or an error whose message is taken (KafkaJS: `this.message = e.message || e`). */
type MessageOrError = string | { message: string }

function messageOf(e: MessageOrError): string {
  return typeof e === 'string' ? e : e.message
}

export class KafkaJSError extends Error {
  retriable: boolean
  override cause: unknown
  constructor(e: MessageOrError, { retriable = true, cause }: { retriable?: boolean } & Cause = {}) {
    super(messageOf(e))
    this.name = 'KafkaJSError'
    this.retriable = retriable
    this.cause = cause
  }
}

export class KafkaJSNonRetriableError extends KafkaJSError {
  constructor(e: MessageOrError, { cause }: Cause = {}) {
    super(e, { retriable: false, cause })
    this.name = 'KafkaJSNonRetriableError'
  }
}

/** A Kafka error code in a response: `type` is KafkaJS's name for it, `code` Kafka's number. */
export class KafkaJSProtocolError extends KafkaJSError {
  readonly type: string
  readonly code: number
  constructor(e: KafkaJsErrorCode | KafkaJSProtocolError, { retriable = e.retriable }: { retriable?: boolean } = {}) {
    super(e, { retriable })
    this.type = e.type
    this.code = e.code
    this.name = 'KafkaJSProtocolError'
  }

  /** The error KafkaJS raises for a response carrying the sandbox error `name`. */
  static fromErrorName(name: ErrorName): KafkaJSProtocolError {
    return new KafkaJSProtocolError(kafkaJsErrorCode(name))
  }
}

export class KafkaJSOffsetOutOfRange extends KafkaJSProtocolError {
  readonly topic: string
  readonly partition: number
  constructor(e: KafkaJsErrorCode | KafkaJSProtocolError, { topic, partition }: { topic: string; partition: number }) {
    super(e)
    this.topic = topic
    this.partition = partition
    this.name = 'KafkaJSOffsetOutOfRange'
  }
}

export class KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError {
  readonly retryCount: number
  readonly retryTime: number
  constructor(e: Error, { retryCount, retryTime }: { retryCount: number; retryTime: number }) {
    super(e, { cause: e })
    this.retryCount = retryCount
    this.retryTime = retryTime
    this.name = 'KafkaJSNumberOfRetriesExceeded'
  }
}

export class KafkaJSConnectionError extends KafkaJSError {
  readonly broker: string | undefined
  constructor(e: MessageOrError, { broker }: { broker?: string } = {}) {
    super(e)
    this.broker = broker
    this.name = 'KafkaJSConnectionError'
  }
}

export class KafkaJSRequestTimeoutError extends KafkaJSError {
  readonly broker: string | undefined
  constructor(e: MessageOrError, { broker }: { broker?: string } = {}) {
    super(e)
    this.broker = broker
    this.name = 'KafkaJSRequestTimeoutError'
  }
}

export class KafkaJSMetadataNotLoaded extends KafkaJSError {
  constructor(e: MessageOrError) {
    super(e)
    this.name = 'KafkaJSMetadataNotLoaded'
  }
}

export class KafkaJSNotImplemented extends KafkaJSNonRetriableError {
  constructor(e: MessageOrError) {
    super(e)
    this.name = 'KafkaJSNotImplemented'
  }
}

export class KafkaJSTimeout extends KafkaJSNonRetriableError {
  constructor(e: MessageOrError) {
    super(e)
    this.name = 'KafkaJSTimeout'
  }
}

export class KafkaJSCreateTopicError extends KafkaJSProtocolError {
  readonly topic: string
  constructor(e: KafkaJsErrorCode | KafkaJSProtocolError, topicName: string) {
    super(e)
    this.topic = topicName
    this.name = 'KafkaJSCreateTopicError'
  }
}

/** admin.deleteGroups: the groups that could not be deleted, each { groupId, errorCode, error }. */
export class KafkaJSDeleteGroupsError extends KafkaJSError {
  readonly groups: readonly { groupId: string; errorCode: number; error: KafkaJSProtocolError }[]
  constructor(e: MessageOrError, groups: readonly { groupId: string; errorCode: number; error: KafkaJSProtocolError }[] = []) {
    super(e)
    this.groups = groups
    this.name = 'KafkaJSDeleteGroupsError'
  }
}

/** Not a KafkaJSError, as in KafkaJS: several per-topic errors of one admin request. */
export class KafkaJSAggregateError extends Error {
  readonly errors: readonly Error[]
  constructor(message: string, errors: readonly Error[]) {
    super(message)
    this.errors = errors
    this.name = 'KafkaJSAggregateError'
  }
}
