// The topic configs that shape one partition's log, by Kafka's names with units last
// (segment.bytes -> segmentBytes). Defaults are Kafka 4.x's
// (storage/.../log/LogConfig.java, server-common/.../config/ServerLogConfigs.java).

export type CleanupPolicy = 'delete' | 'compact'

export interface LogConfig {
  /** segment.bytes: the active segment rolls before an append would take it past this. */
  readonly segmentBytes: number
  /** segment.ms: the active segment rolls once a batch is this much newer than its first batch. */
  readonly segmentMs: number
  /** retention.ms: -1 keeps segments forever. */
  readonly retentionMs: number
  /** retention.bytes: -1 means no size limit. */
  readonly retentionBytes: number
  /** cleanup.policy: retention applies with 'delete', the cleaner with 'compact'; both may be set. */
  readonly cleanupPolicy: readonly CleanupPolicy[]
  /** delete.retention.ms: how long the cleaner keeps a tombstone after it first kept it. */
  readonly deleteRetentionMs: number
  /** min.compaction.lag.ms: segments holding a record younger than this are not cleaned. */
  readonly minCompactionLagMs: number
  /** max.message.bytes: the largest batch a leader accepts (MESSAGE_TOO_LARGE beyond). */
  readonly maxMessageBytes: number
}

export const DEFAULT_LOG_CONFIG: LogConfig = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: ['delete'],
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCompactionLagMs: 0,
  maxMessageBytes: 1024 * 1024 + 12,
}

export function isCompacted(config: LogConfig): boolean {
  return config.cleanupPolicy.includes('compact')
}

export function isDeleteRetained(config: LogConfig): boolean {
  return config.cleanupPolicy.includes('delete')
}

/**
 * Throws an Error naming the first field that is out of range. Kafka 4.x's broker-wide
 * log.segment.bytes must be at least 1 MiB; the sandbox accepts any positive size so
 * that a lesson can show segments rolling after a few records.
 */
export function validateLogConfig(config: LogConfig): LogConfig {
  const atLeast = (name: keyof LogConfig, value: number, min: number): void => {
    if (!Number.isSafeInteger(value) || value < min) {
      throw new Error(`LogConfig.${name} must be an integer >= ${min}, got ${String(value)}`)
    }
  }
  atLeast('segmentBytes', config.segmentBytes, 1)
  atLeast('segmentMs', config.segmentMs, 1)
  atLeast('retentionMs', config.retentionMs, -1)
  atLeast('retentionBytes', config.retentionBytes, -1)
  atLeast('deleteRetentionMs', config.deleteRetentionMs, 0)
  atLeast('minCompactionLagMs', config.minCompactionLagMs, 0)
  atLeast('maxMessageBytes', config.maxMessageBytes, 0)
  if (!Array.isArray(config.cleanupPolicy) || config.cleanupPolicy.some((p) => p !== 'delete' && p !== 'compact')) {
    throw new Error(`LogConfig.cleanupPolicy must list 'delete' and/or 'compact', got ${JSON.stringify(config.cleanupPolicy)}`)
  }
  return config
}
