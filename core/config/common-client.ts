// Configs every Kafka client shares (CommonClientConfigs.java), defined once for the
// producer's and the consumer's tables.

import type { ConfigDef } from './types.ts'

export const COMMON_CLIENT_CONFIG_DEFS = {
  'retry.backoff.ms': {
    type: 'long', default: 100, // CommonClientConfigs.DEFAULT_RETRY_BACKOFF_MS, atLeast(0L)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'First wait before a retry; it doubles per failure up to retry.backoff.max.ms (with 20% jitter).',
  },
  'retry.backoff.max.ms': {
    // Below retry.backoff.ms it becomes a constant backoff (CommonClientConfigs.warnDisablingExponentialBackoff only warns).
    type: 'long', default: 1000, // CommonClientConfigs.DEFAULT_RETRY_BACKOFF_MAX_MS, atLeast(0L)
    min: 0, bounds: 'kafka', unit: 'ms',
    doc: 'Longest wait between retries.',
  },
} as const satisfies Record<string, ConfigDef>
