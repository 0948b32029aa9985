// The KafkaJS-compatible facade: KafkaJS 2.x's API over a simulated cluster, on virtual
// time. Code written for KafkaJS runs against the sandbox by changing its import and the
// construction of Kafka (see README.md, "KafkaJS on a simulated cluster").

export { Kafka, kafka, type KafkaConfig } from './kafka.ts'
export { Producer, CompressionTypes, PRODUCER_EVENTS, type Message, type ProducerOptions, type ProducerRecord, type ProducerBatch, type RecordMetadata, type IHeaders } from './producer.ts'
export { Consumer, type ConsumerOptions, type ConsumerRunConfig, type EachBatchPayload, type EachMessagePayload, type KafkaMessage, type Batch } from './consumer.ts'
export { Admin, ConfigResourceTypes, type ITopicConfig, type PartitionMetadata } from './admin.ts'
export { Partitioners, type CreatePartitioner, type PartitionerArgs } from './partitioners.ts'
export { logLevel, type LogCreator, type LogEntry, type Logger, type LogLevel } from './logger.ts'
export { DEFAULT_RETRY, type RetryOptions } from './retry.ts'
export { VirtualTime, virtualTimeOf } from './virtual-time.ts'
export { InstrumentationEmitter, type InstrumentationEvent } from './events.ts'
export * from './errors.ts'
