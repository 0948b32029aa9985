// The producer configs the sandbox models, with Kafka 4.0's types, defaults and
// validators. Each default was checked in Apache Kafka's source; the comment beside it
// names the constant or the ConfigDef entry. The classes live at (paths in apache/kafka):
//   ProducerConfig       clients/src/main/java/org/apache/kafka/clients/producer/ProducerConfig.java
//                        (the static CONFIG block holds each define(name, type, default, validator))
//   CommonClientConfigs  clients/src/main/java/org/apache/kafka/clients/CommonClientConfigs.java
//   KafkaProducer        clients/src/main/java/org/apache/kafka/clients/producer/KafkaProducer.java
//                        (configureDeliveryTimeout)
// The checks across configs (idempotence, the delivery timeout) are in clients.ts.

import { COMMON_CLIENT_CONFIG_DEFS } from './common-client.ts'
import type { ConfigDef } from './types.ts'
import { INT_MAX } from './types.ts'

/** The acks values Kafka's validator takes (ValidString.in, case-sensitive), as strings. */
export const ACKS_VALUES = ['all', '-1', '0', '1'] as const

export const PRODUCER_CONFIG_DEFS = {
  'client.id': {
    // Kafka names an unnamed producer "producer-<n>" from a process-wide counter
    // (ProducerConfig.maybeOverrideClientId); the sandbox names its clients itself.
    type: 'string', default: '', // ProducerConfig CONFIG: define(CLIENT_ID_CONFIG, STRING, "")
    doc: 'A name the producer sends with every request, for the broker\'s logs and quotas.',
  },

  // Durability and delivery.
  'acks': {
    // Resolved to the number -1, 0 or 1 ("all" is -1), as ProducerConfig.parseAcks does.
    type: 'string', default: 'all', // ProducerConfig CONFIG: define(ACKS_CONFIG, STRING, "all", in("all", "-1", "0", "1"))
    validValues: ACKS_VALUES,
    doc: 'Acknowledgements a produce needs: 0 none, 1 the leader\'s, all (-1) every in-sync replica\'s.',
  },
  'enable.idempotence': {
    type: 'boolean', default: true, // ProducerConfig CONFIG: define(ENABLE_IDEMPOTENCE_CONFIG, BOOLEAN, true)
    doc: 'Write each record exactly once per partition despite retries; turned off when acks, ' +
      'retries or max.in.flight.requests.per.connection conflict and it was not set explicitly.',
  },
  'retries': {
    type: 'int', default: INT_MAX, // ProducerConfig CONFIG: Integer.MAX_VALUE, between(0, Integer.MAX_VALUE)
    min: 0, max: INT_MAX, bounds: 'kafka',
    doc: 'How many times a failed produce is retried (within delivery.timeout.ms).',
  },
  'max.in.flight.requests.per.connection': {
    type: 'int', default: 5, // ProducerConfig CONFIG: 5, atLeast(1)
    min: 1, bounds: 'kafka',
    doc: 'Produce requests a producer may have unanswered per broker; at most 5 with idempotence.',
  },
  'transactional.id': {
    type: 'string', default: null, // ProducerConfig CONFIG: define(TRANSACTIONAL_ID_CONFIG, STRING, null, NonEmptyString)
    doc: 'Id of a transactional producer; transactions are not modelled yet, so it must stay unset (null).',
  },

  // Batching.
  'batch.size': {
    type: 'int', default: 16384, // ProducerConfig CONFIG: 16384, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Largest batch the producer builds per partition (0 disables batching).',
  },
  'linger.ms': {
    // Raised from 0 to 5 in 4.0 (KIP-1030).
    type: 'long', default: 5, // ProducerConfig CONFIG: define(LINGER_MS_CONFIG, LONG, 5, atLeast(0))
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long a batch waits for more records before it is sent, unless it fills first.',
  },
  'buffer.memory': {
    type: 'long', default: 33554432, // ProducerConfig CONFIG: 32 * 1024 * 1024L, atLeast(0L)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Memory for records waiting to be sent; send() blocks up to max.block.ms when it is full.',
  },
  'max.request.size': {
    type: 'int', default: 1048576, // ProducerConfig CONFIG: 1024 * 1024, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'bytes',
    doc: 'Largest produce request, which also caps the size of one uncompressed batch.',
  },
  'compression.type': {
    type: 'string', default: 'none', // ProducerConfig CONFIG: CompressionType.NONE.name, in(Utils.enumOptions(CompressionType.class))
    validValues: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
    doc: 'Codec the producer compresses batches with (the sandbox records it but does not compress).',
  },

  // Timeouts and retry timing.
  'max.block.ms': {
    type: 'long', default: 60000, // ProducerConfig CONFIG: 60 * 1000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long send() may block waiting for metadata or buffer space.',
  },
  'request.timeout.ms': {
    type: 'int', default: 30000, // ProducerConfig CONFIG: 30 * 1000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How long the producer waits for an answer to a request before retrying or failing it.',
  },
  'delivery.timeout.ms': {
    // KafkaProducer.configureDeliveryTimeout: must be >= linger.ms + request.timeout.ms when
    // set; when left unset and smaller, it is raised to that sum (checked in clients.ts).
    type: 'int', default: 120000, // ProducerConfig CONFIG: 120 * 1000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'Upper bound on the time from send() to success or failure, retries included.',
  },
  ...COMMON_CLIENT_CONFIG_DEFS,
  'metadata.max.age.ms': {
    type: 'long', default: 300000, // ProducerConfig CONFIG: 5 * 60 * 1000, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'How often the producer refreshes metadata even when nothing seems to have changed.',
  },

  // Partitioning (the built-in partitioner, KIP-794).
  'partitioner.adaptive.partitioning.enable': {
    type: 'boolean', default: true, // ProducerConfig CONFIG: define(PARTITIONER_ADAPTIVE_PARTITIONING_ENABLE_CONFIG, BOOLEAN, true)
    doc: 'For keyless records, send more to partitions whose brokers answer faster.',
  },
  'partitioner.availability.timeout.ms': {
    type: 'long', default: 0, // ProducerConfig CONFIG: 0, atLeast(0)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'Treat a partition as unavailable when its broker has not taken a batch for this long (0: off).',
  },
  'partitioner.ignore.keys': {
    type: 'boolean', default: false, // ProducerConfig CONFIG: define(PARTITIONER_IGNORE_KEYS_CONFIG, BOOLEAN, false)
    doc: 'Partition keyed records as if they had no key (sticky), instead of by murmur2 hash.',
  },
} as const satisfies Record<string, ConfigDef>

export type ProducerConfigName = keyof typeof PRODUCER_CONFIG_DEFS
