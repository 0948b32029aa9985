// The scenario format, as TypeScript types. A YAML scenario file parses to exactly this
// shape, and a TypeScript scenario is written in it directly (with a few TypeScript-only
// powers: a function as an action, a condition or an expectation). One format, one
// validator (schema.ts), one engine (engine.ts). scenarios/README.md explains each part.

import type { Cluster } from '../cluster.ts'
import type { HistoryReport } from '../checkers/history.ts'
import type { CheckerName } from '../checkers/invariants.ts'
import type { Duration } from './duration.ts'

export type { Duration } from './duration.ts'

/**
 * A node: a broker id (2), "controller", "leader of orders-0" or "coordinator of group g"
 * (resolved when the step runs), a client id ("app"), or a name an earlier step bound with `as`.
 */
export type NodeRef = number | string
/** A partition as Kafka tools print it: "orders-0". */
export type PartitionRef = string
/** Config with Kafka's names: { "min.insync.replicas": 2 }. */
export type ConfigMap = Record<string, string | number | boolean | null | string[]>

export interface Scenario {
  /** Lower-case words joined by "-": how reports and JUnit name it. */
  name: string
  /** The story in a paragraph: what happens, and why Kafka behaves so. */
  description: string
  /** The root seed (default 1); `kafkasim run --seed` overrides it. */
  seed?: number
  /** Simulated time the scenario runs, counted from when the cluster is up and the topics exist. */
  duration: Duration
  /** After `duration`, undo every fault (heal, heal disks, resume, restart) and require the cluster to settle within `within`. */
  recover?: { within: Duration }
  /** A file, beside the scenario, that pins its notable-event timeline (`kafkasim run --update-golden` writes it). */
  golden?: string
  cluster?: ClusterSpec
  topics?: TopicSpec[]
  clients?: ClientsSpec
  timeline?: Step[]
  expect?: Expectation[]
}

export interface ClusterSpec {
  /** Broker ids 1..brokers (default 3), plus one KRaft controller. */
  brokers?: number
  /**
   * "4.0" (default): Kafka 4.x. "0.10": as 4.0, but a restarted follower truncates its log to
   * its high watermark, as before KIP-101's leader epochs (Kafka 0.11).
   */
  version?: '4.0' | '0.10'
  config?: ConfigMap
  network?: NetworkSpec
  disk?: { writeback?: Duration | 'never' }
}

export type LatencySpec = Duration | { min: Duration; max: Duration } | { median: Duration; sigma: number }

export interface NetworkSpec {
  latency?: LatencySpec
  /** Probability that a message is lost, 0 to 1. */
  loss?: number
}

export interface TopicSpec {
  name: string
  /** Default 1. */
  partitions?: number
  /** Default 1 (Kafka's default.replication.factor). */
  replicationFactor?: number
  config?: ConfigMap
  /** Explicit replica lists, one per partition (kafka-topics --replica-assignment); replaces partitions and replicationFactor. */
  replicas?: number[][]
}

export type KeysSpec = 'none' | { uniform: number } | { skewed: number; exponent?: number } | { explicit: string[] }

export interface ProducerSpec {
  /** Its client.id, and the node's name. */
  id: string
  /** With `rate`: a steady workload to this topic. Without: the producer only sends bursts (`produce` steps). */
  topic?: string
  /** Records per simulated second. */
  rate?: number
  keys?: KeysSpec
  /** Value size in bytes (default 100). */
  valueBytes?: number
  /** When the workload starts (default at once). */
  start?: Duration
  /** When the workload stops (default: it runs to the end). */
  stop?: Duration
  /** Producer config with Kafka's names: { acks: all, enable.idempotence: false }. */
  config?: ConfigMap
}

export interface ConsumerSpec {
  id: string
  /** Partitions ("orders-0") or whole topics ("orders": every partition it has when the consumer starts). */
  assign: string[]
  /** How often the application polls (default 100ms). */
  pollInterval?: Duration
  /** Simulated time the application spends on each record (default 0ms). */
  processingPerRecord?: Duration
  /** When it starts (default at once). */
  start?: Duration
  config?: ConfigMap
}

/** A consumer group: `members` consumers with group.id `id`, subscribed to `topics` (sim/scenario/groups.ts). */
export interface ConsumerGroupSpec {
  /** The group.id. */
  id: string
  topics: string[]
  /** How many members start (named <id>-1, <id>-2, ...), or their client ids, or members with settings of their own. */
  members: number | (string | GroupMemberSpec)[]
  processingPerRecord?: Duration
  /** auto: enable.auto.commit; sync: commitSync after each poll's records; none: never commit. */
  commit?: 'auto' | 'sync' | 'none'
  config?: ConfigMap
  /** The members hand the records they cannot process to a dead-letter topic, and go on. */
  deadLetter?: DeadLetterSpec
}

/** One member with settings of its own: they replace the group's (config: merged over it). */
export interface GroupMemberSpec {
  id: string
  processingPerRecord?: Duration
  config?: ConfigMap
}

/**
 * The dead-letter-topic pattern: a record the application fails on (`when`) is sent, with
 * its key and value and headers naming where it came from, to `topic` by the producer
 * `producer`; the member goes on with the next record and commits past it as usual.
 */
export interface DeadLetterSpec {
  topic: string
  /** A declared producer (it needs no workload of its own). */
  producer: string
  /** The records the application fails on: exactly one test. */
  when: { keyIn: string[] } | { valueContains: string }
}

export interface ClientsSpec {
  producers?: ProducerSpec[]
  consumers?: ConsumerSpec[]
  groups?: ConsumerGroupSpec[]
}

/** What a TypeScript action, condition or expectation sees. */
export interface ScenarioContext {
  readonly cluster: Cluster
  /** Simulated ms since the scenario started. */
  readonly now: number
  /** The node a reference names now. Throws when it names none (no leader, say). */
  resolve(ref: NodeRef): number | string
  /** The history checker's report on the run so far. */
  history(): HistoryReport
}

export interface Verdict {
  passed: boolean
  /** The figures behind the verdict, in one line. */
  figures: string
  /** Examples: the records, offsets and times involved. */
  details?: string[]
}

// --- timeline -------------------------------------------------------------------------------

/** When a step runs: `at` a time, or `when` a condition holds (exactly one of the two). */
export interface Timing {
  at?: Duration
  when?: Condition
  /** With `when`: start watching the condition this long into the scenario (default at once). */
  after?: Duration
  /** With `when`: give up (and fail the scenario) if the condition has not held this long after `after`. */
  within?: Duration
  /** With `when`: act this long after the condition first holds (default at once). */
  delay?: Duration
}

export type Action =
  | { crash: NodeRef }
  | { powerFail: NodeRef }
  | { pause: NodeRef }
  | { resume: NodeRef }
  | { restart: NodeRef }
  /** The broker's disk turns slow: each request or timer that writes keeps it busy `write` long. */
  | { slowDisk: { broker: NodeRef; write: Duration } }
  /** The broker's disk is normal again. */
  | { healDisk: NodeRef }
  | { isolate: NodeRef }
  | { rejoin: NodeRef }
  | { partition: NodeRef[][] }
  | { block: { from: NodeRef; to: NodeRef } }
  | { unblock: { from: NodeRef; to: NodeRef } }
  /** all: every isolation, partition and block; partition: only the partition. */
  | { heal: 'all' | 'partition' }
  /** Latency and loss of every link, or of one directed link (from, to). */
  | { network: NetworkSpec & { from?: NodeRef; to?: NodeRef } }
  | { addProducer: ProducerSpec }
  | { stopProducer: string }
  | { addConsumer: ConsumerSpec }
  /** The consumer's process stops (what it read stays in the history). */
  | { removeConsumer: string }
  /** A new member of a declared group, with its settings. */
  | { addGroupMember: { group: string; id: string; processingPerRecord?: Duration; config?: ConfigMap } }
  /** The member leaves the group (unsubscribe: LeaveGroup); its process stays up, idle. */
  | { removeGroupMember: string }
  /** A burst: `count` records sent at once by a producer, to a topic, with one key or none, or to one partition. */
  | { produce: { producer: string; topic: string; count: number; key?: string; partition?: number } }
  | { createTopic: TopicSpec }
  | { deleteTopic: string }
  /** Grow a topic to `count` partitions (kafka-topics --alter --partitions). */
  | { addPartitions: { topic: string; count: number } }
  | { reassign: { partition: PartitionRef; replicas: number[] } }
  /** kafka-leader-election: preferred (back to the first replica) or unclean; default every partition. */
  | { electLeaders: { type?: 'preferred' | 'unclean'; partitions?: PartitionRef[] } }
  /** Topic config when `topic` is given, else the cluster-wide broker config. */
  | { alterConfig: { topic?: string; set?: ConfigMap; delete?: string[] } }
  /** TypeScript only. */
  | { run: (ctx: ScenarioContext) => void }

export type Step = Timing &
  Action & {
    /** Name the node this step acted on, for later steps and expectations ("old-leader"). */
    as?: string
    /** How the timeline names the step (default: from the action). */
    label?: string
    /** The step is expected to be refused with this Kafka error (an admin action). */
    expectError?: string
  }

export type BrokerState = 'alive' | 'fenced' | 'crashed' | 'paused' | 'isolated'

export type Condition =
  | { leader: { partition: PartitionRef; is?: NodeRef; isNot?: NodeRef } }
  | { isr: { partition: PartitionRef; size?: number; equals?: NodeRef[]; includes?: NodeRef; excludes?: NodeRef } }
  | { acknowledged: { producer: string; atLeast: number } }
  | { consumed: { consumer: string; atLeast: number } }
  | { broker: { id: NodeRef; is: BrokerState } }
  /** Every partition has a leader and a full ISR, replicas are level, and no record's outcome is pending. */
  | { settled: true }
  /** TypeScript only. */
  | { holds: (ctx: ScenarioContext) => boolean; label: string }

// --- expectations ---------------------------------------------------------------------------

/** none, expected (at least one), or bounds. */
export type Count = 'none' | 'expected' | { atLeast?: number; atMost?: number }

/** Every expectation may carry a label: how the report and JUnit name it (default: from what it says). */
export type Expectation = ExpectationKind & { label?: string }

export type ExpectationKind =
  | { lostWrites: Count }
  | { duplicates: Count }
  | { perKeyOrder: 'kept' | 'broken' }
  | { inconsistentOffsets: Count }
  | { pollSkips: Count }
  | { nonMonotonicPolls: Count }
  | { leader: { partition: PartitionRef; is?: NodeRef; isNot?: NodeRef; changesWithin?: Duration; after?: Duration; at?: Duration } }
  | { isr: { partition: PartitionRef; equals: NodeRef[]; at?: Duration } }
  | { errorObserved: { client: string; error: string; atLeast?: number; atMost?: number } }
  /** The group's committed offsets trail the log end by at most atMost records (all partitions, or one). */
  | { lag: { group: string; atMost: number; partition?: PartitionRef } }
  | { groupState: { group: string; is: 'Stable' | 'PreparingRebalance' | 'CompletingRebalance' | 'Empty' | 'Dead'; /** Reached within this of the start; without it: the state at the end. */ within?: Duration } }
  | { consumed: { consumer: string; atLeast?: number; atMost?: number } }
  | { acknowledged: { producer: string; atLeast?: number; atMost?: number } }
  | { invariants: 'none' | 'expected' | { expected: CheckerName[] } }
  /** Records (a partition's offset) that two or more members of one group received: processed twice. */
  | { reprocessed: Count }
  /** Partitions the group's members gave up in rebalances (onPartitionsRevoked), counted from `after`. */
  | { revoked: { group: string; atLeast?: number; atMost?: number; after?: Duration } }
  /** The group's dead-letter topic holds each record its members failed on exactly once, and nothing else. */
  | { deadLetters: { group: string } }
  /** TypeScript only. */
  | { check: (ctx: ScenarioContext) => Verdict }
