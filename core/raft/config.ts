// KRaft's quorum timing (raft/src/main/java/org/apache/kafka/raft/QuorumConfig.java), with
// Kafka 4.x's defaults. The controller integration maps the controller.quorum.* configs
// onto this; until then tests pass overrides directly.

import { describeValue } from '../describe.ts'

export interface RaftConfig {
  /** controller.quorum.election.timeout.ms: a voter that knows no leader starts an election after this plus a random amount up to it. */
  readonly electionTimeoutMs: number
  /** controller.quorum.fetch.timeout.ms: a follower that has not heard from its leader this long starts an election. */
  readonly fetchTimeoutMs: number
  /** controller.quorum.election.backoff.max.ms: the cap on a failed candidate's exponential backoff. */
  readonly electionBackoffMaxMs: number
  /** controller.quorum.request.timeout.ms: an unanswered request (Fetch, BeginQuorumEpoch) is sent again after this. */
  readonly requestTimeoutMs: number
  /** controller.quorum.retry.backoff.ms: the pause before a request that failed is sent again. */
  readonly retryBackoffMs: number
}

export const DEFAULT_RAFT_CONFIG: RaftConfig = Object.freeze({
  electionTimeoutMs: 1000,
  fetchTimeoutMs: 2000,
  electionBackoffMaxMs: 1000,
  requestTimeoutMs: 2000,
  retryBackoffMs: 20,
})

/** KafkaRaftClient.RETRY_BACKOFF_BASE_MS: the unit of the election backoffs. */
export const RETRY_BACKOFF_BASE_MS = 100
/** KafkaRaftClient.MAX_FETCH_WAIT_MS: how long the leader parks a Fetch that finds nothing new. */
export const MAX_FETCH_WAIT_MS = 500
/** LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR: the leader resigns when a majority has not fetched for fetch timeout x 1.5. */
export const CHECK_QUORUM_TIMEOUT_FACTOR = 1.5
/** How many log entries one Fetch response carries at most (Kafka bounds it by bytes, 8 MiB). */
export const MAX_FETCH_ENTRIES = 500

const CONFIG_KEYS = Object.keys(DEFAULT_RAFT_CONFIG) as (keyof RaftConfig)[]

/** Kafka's defaults with `overrides` on top; each value must be a positive integer number of ms. */
export function resolveRaftConfig(overrides: Partial<RaftConfig> = {}, where = 'raft config'): RaftConfig {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    throw new Error(`${where}: expected an object of quorum timings, got ${describeValue(overrides)}`)
  }
  for (const key of Object.keys(overrides)) {
    if (!(CONFIG_KEYS as string[]).includes(key)) {
      throw new Error(`${where}: unknown key "${key}", expected one of ${CONFIG_KEYS.join(', ')}`)
    }
  }
  const config = { ...DEFAULT_RAFT_CONFIG, ...overrides }
  for (const key of CONFIG_KEYS) {
    const value = config[key]
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`${where}.${key}: expected a positive integer number of ms, got ${describeValue(value)}`)
    }
  }
  return Object.freeze(config)
}
