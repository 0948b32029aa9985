// kafkasim's library entry point (../shared/API.md): createCluster and the simulation
// kernel it runs on.

export { createCluster, Cluster, CONTROLLER_ID, type ClusterOptions, type ClusterSnapshot, type PartitionView, type ReplicaLogView, type TopicOptions, type BrokerStatus } from './sim/cluster.ts'
export { InvariantCheckers, ALL_CHECKERS, type CheckerName, type Violation } from './sim/checkers/invariants.ts'
export { runFuzz, runFuzzSeed, FUZZ_PROFILES, type FuzzOptions, type FuzzProfileName, type FuzzReport, type SeedResult } from './sim/fuzz/fuzz.ts'
export { ERROR_CODES, KafkaError, type ErrorName } from './core/errors.ts'
export { BROKER_CONFIG_NAMES, TOPIC_CONFIG_NAMES, describeBrokerConfigs, describeTopicConfigs, parseBrokerConfig, parseTopicConfigOverrides, type BrokerConfig, type TopicConfig } from './core/config.ts'
export { RawClient, type RawClientOptions, type RawCommand, type ProduceOutcome, type FetchOutcome } from './core/client/raw-client.ts'
export { Producer, type ProducerCommand, type ProducerOptions, type ProducerStats, type SendRecord } from './core/client/producer/producer.ts'
export type { RecordOutcome } from './core/client/producer/accumulator.ts'
export type { KeyDistribution, ProducerWorkload } from './core/client/producer/workload.ts'
export { Consumer, InvalidOffsetError, type ConsumedRecord, type ConsumerApp, type ConsumerCommand, type ConsumerOptions, type ConsumerStats, type TopicPartition } from './core/client/consumer/consumer.ts'
export { ClientError, type ClientExceptionName } from './core/client/errors.ts'
export type { Partitioner, PartitionerCluster } from './core/client/partitioner.ts'
export { parseProducerConfig, parseConsumerConfig, PRODUCER_CONFIG_NAMES, CONSUMER_CONFIG_NAMES, type ProducerConfig, type ConsumerConfig } from './core/config.ts'
export { HistoryRecorder } from './sim/history.ts'
export { checkHistory, committedLogs, findReprocessed, historyFailed, shortValue, type HistoryReport, type LoggedRecord, type LostWrite, type ReprocessedRecord } from './sim/checkers/history.ts'
// Scenarios as data (sim/scenario/, scenarios/README.md): one engine for YAML files and TypeScript.
export { runScenario, DEFAULT_SEED, type RunOptions, type ScenarioResult } from './sim/scenario/engine.ts'
export { parseScenario, checkScenario, ScenarioInputError } from './sim/scenario/load.ts'
export type { Scenario, Step, Expectation, Condition, ScenarioContext, Verdict } from './sim/scenario/types.ts'

export type { DurableLog, Message, NodeContext, NodeFactory, NodeId, SimNode, Storage, TimerId, TraceData } from './core/node.ts'
export { InputError } from './sim/input.ts'
export type { LatencySpec, LinkSpec, NetworkFaults } from './sim/network.ts'
export { DEFAULT_LATENCY_MS, DEFAULT_LOSS_PROBABILITY } from './sim/network.ts'
export { RandomStream, RandomStreams } from './sim/random.ts'
export {
  DEFAULT_WRITEBACK_DELAY_MS,
  Simulation,
  TimeoutError,
  type NodeSnapshot,
  type NodeState,
  type SimulationOptions,
  type SimulationSnapshot,
} from './sim/simulation.ts'
export { DEFAULT_TRACE_CAPACITY, KERNEL_TRACE_TYPES, formatRecord, type DropReason, type KernelTraceData, type KernelTraceType, type TraceRecord } from './sim/trace.ts'
export { runDemo, type DemoResult } from './sim/demo/run.ts'

// The KafkaJS-compatible facade (sim/kafkajs/): `cluster.kafka({ clientId })` or `new Kafka(cluster, config)`.
export {
  Kafka,
  CompressionTypes,
  ConfigResourceTypes,
  Partitioners,
  logLevel,
  Producer as KafkaJSProducer,
  Admin as KafkaJSAdmin,
  Consumer as KafkaJSConsumer,
  virtualTimeOf,
  type KafkaConfig,
  type Message as KafkaJSMessage,
  type RecordMetadata as KafkaJSRecordMetadata,
  type RetryOptions as KafkaJSRetryOptions,
} from './sim/kafkajs/index.ts'
export * from './sim/kafkajs/errors.ts'
// Kafka's command-line tools on a simulated cluster (sim/shell/).
export { runShellCommand, SHELL_TOOLS, type ToolOutput } from './sim/shell/shell.ts'
// Guided lessons (sim/lessons/, scenarios/lessons/README.md): scenarios with narrated steps.
export { parseLesson, checkLesson, loadLessonFile } from './sim/lessons/load.ts'
export { runLesson, type LessonResult } from './sim/lessons/runner.ts'
export { LessonSession } from './sim/lessons/session.ts'
export type { Lesson } from './sim/lessons/types.ts'
