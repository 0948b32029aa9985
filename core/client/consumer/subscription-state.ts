// What the consumer knows about each partition it is assigned: where it is (the position),
// whether that position is known, being reset, being validated or usable, and whether the
// user paused it. After Kafka's SubscriptionState
// (clients/src/main/java/org/apache/kafka/clients/consumer/internals/SubscriptionState.java,
// its TopicPartitionState and FetchStates).
//
// A partition's fetch state, as Kafka's FetchStates:
//   INITIALIZING      assigned, no position yet (a group's committed offset or a reset decides it)
//   AWAIT_RESET       a ListOffsets per the reset strategy (earliest, latest) will set the position
//   AWAIT_VALIDATION  the leader changed: the position is checked against the new leader's log
//                     for truncation (KIP-320) before records from it are returned
//   FETCHING          the position is valid; records may be fetched and returned
//
// Assignments come from the user (assign) today. A group coordinator, when it comes, drives
// the same table: assignFromSubscribed for its assignments, seekValidated with the committed
// offsets it fetched, and allConsumed() for what to commit.

import { ClientError } from '../errors.ts'

export interface TopicPartition {
  topic: string
  partition: number
}

export type FetchState = 'INITIALIZING' | 'AWAIT_RESET' | 'AWAIT_VALIDATION' | 'FETCHING'

/** auto.offset.reset, or the strategy a seekToBeginning / seekToEnd asked for. */
export type OffsetResetStrategy = 'earliest' | 'latest' | 'none'

/** The leader the consumer last saw for the partition, and its epoch (-1 when unknown). */
export interface LeaderAndEpoch {
  leaderId: number
  epoch: number
}

/**
 * SubscriptionState.FetchPosition: the next offset to return, the leader epoch of the
 * record before it (null when unknown: after a seek or a reset), and the leader it is read from.
 */
export interface FetchPosition {
  offset: number
  offsetEpoch: number | null
  currentLeader: LeaderAndEpoch
}

export const NO_LEADER: LeaderAndEpoch = Object.freeze({ leaderId: -1, epoch: -1 })

/** The partition's key in every map: "topic-partition", as Kafka prints a TopicPartition. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`
}

export class TopicPartitionState {
  fetchState: FetchState = 'INITIALIZING'
  position: FetchPosition | null = null
  paused = false
  resetStrategy: OffsetResetStrategy | null = null
  /** No reset or validation request before this time (a failed one backs off). */
  nextRetryTimeMs: number | null = null
  /** No fetch before this time (after a fetch error or timeout, retry.backoff.ms). */
  fetchBackoffUntilMs = 0
  highWatermark: number | null = null
  logStartOffset: number | null = null
  /**
   * An error the application must hear from poll() (OffsetOutOfRangeException with
   * auto.offset.reset=none, or a detected truncation): the partition is not fetched again
   * until a seek or a new assignment clears it.
   */
  error: ClientError | null = null

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get key(): string {
    return tpKey(this.topic, this.partition)
  }

  /** FetchStates.hasValidPosition: only FETCHING has a position records may be returned from. */
  get hasValidPosition(): boolean {
    return this.fetchState === 'FETCHING'
  }

  /** TopicPartitionState.isFetchable, plus the sandbox's own fetch backoff and sticky error. */
  isFetchable(nowMs: number): boolean {
    return !this.paused && this.error === null && nowMs >= this.fetchBackoffUntilMs &&
      (this.fetchState === 'FETCHING' || this.fetchState === 'AWAIT_VALIDATION')
  }

  awaitingRetryBackoff(nowMs: number): boolean {
    return this.nextRetryTimeMs !== null && nowMs < this.nextRetryTimeMs
  }

  /** seekValidated: straight to FETCHING at `position`. */
  seekValidated(position: FetchPosition): void {
    this.fetchState = 'FETCHING'
    this.position = position
    this.resetStrategy = null
    this.nextRetryTimeMs = null
    this.fetchBackoffUntilMs = 0
    this.error = null
  }

  /** reset: AWAIT_RESET with the strategy; the position is gone until the ListOffsets answer. */
  reset(strategy: OffsetResetStrategy): void {
    this.fetchState = 'AWAIT_RESET'
    this.position = null
    this.resetStrategy = strategy
    this.nextRetryTimeMs = null
    this.error = null
  }

  /**
   * maybeValidatePosition: the leader changed. A position that knows the epoch of its last
   * record must be validated against the new leader (KIP-320); one that does not is simply
   * moved to the new leader. Returns whether the partition now awaits validation.
   */
  maybeValidatePosition(leader: LeaderAndEpoch): boolean {
    if (this.fetchState === 'AWAIT_RESET' || this.fetchState === 'INITIALIZING' || this.position === null) return false
    if (leader.leaderId < 0) return false
    const current = this.position.currentLeader
    if (current.leaderId === leader.leaderId && current.epoch === leader.epoch) return this.fetchState === 'AWAIT_VALIDATION'
    this.position = { ...this.position, currentLeader: { ...leader } }
    this.nextRetryTimeMs = null
    this.fetchState = this.position.offsetEpoch !== null && leader.epoch >= 0 ? 'AWAIT_VALIDATION' : 'FETCHING'
    return this.fetchState === 'AWAIT_VALIDATION'
  }

  completeValidation(): void {
    if (this.fetchState === 'AWAIT_VALIDATION' && this.position !== null) this.fetchState = 'FETCHING'
  }
}

export class SubscriptionState {
  /** In assignment order (Kafka keeps a PartitionStates, and fetches in its order). */
  private readonly assignment = new Map<string, TopicPartitionState>()
  private subscriptionType: 'NONE' | 'USER_ASSIGNED' | 'AUTO_TOPICS' = 'NONE'
  /** Bumped on every assignment change, as Kafka's assignmentId. */
  assignmentId = 0

  constructor(readonly defaultResetStrategy: OffsetResetStrategy) {}

  get hasDefaultOffsetResetPolicy(): boolean {
    return this.defaultResetStrategy !== 'none'
  }

  get hasNoSubscriptionOrUserAssignment(): boolean {
    return this.subscriptionType === 'NONE'
  }

  /**
   * assignFromUser: the new assignment replaces the old; a partition kept keeps its state
   * (position, pause), a new one starts INITIALIZING. Returns whether anything changed.
   */
  assignFromUser(partitions: readonly TopicPartition[]): boolean {
    if (this.subscriptionType === 'AUTO_TOPICS') throw new ClientError('IllegalStateException', 'Subscription to topics, partitions and pattern are mutually exclusive')
    this.subscriptionType = 'USER_ASSIGNED'
    return this.setAssignment(partitions)
  }

  /** assignFromSubscribed: the partitions the group gave this member (consumer-coordinator.ts). */
  assignFromSubscribed(partitions: readonly TopicPartition[]): boolean {
    if (this.subscriptionType === 'USER_ASSIGNED') throw new ClientError('IllegalArgumentException', 'Attempt to dynamically assign partitions while manual assignment in use')
    this.subscriptionType = 'AUTO_TOPICS'
    return this.setAssignment(partitions)
  }

  /** subscribe(topics | pattern): the group will assign the partitions (assignFromSubscribed). */
  subscribe(): void {
    if (this.subscriptionType === 'USER_ASSIGNED') throw new ClientError('IllegalStateException', 'Subscription to topics, partitions and pattern are mutually exclusive')
    this.subscriptionType = 'AUTO_TOPICS'
  }

  /** unsubscribe: no assignment at all (assign([]) comes here, as in Kafka). */
  unsubscribe(): void {
    this.assignment.clear()
    this.subscriptionType = 'NONE'
    this.assignmentId++
  }

  private setAssignment(partitions: readonly TopicPartition[]): boolean {
    const keys = new Set(partitions.map((p) => tpKey(p.topic, p.partition)))
    if (keys.size === this.assignment.size && [...keys].every((k) => this.assignment.has(k))) return false
    const next = new Map<string, TopicPartitionState>()
    for (const p of partitions) {
      const key = tpKey(p.topic, p.partition)
      if (next.has(key)) continue
      next.set(key, this.assignment.get(key) ?? new TopicPartitionState(p.topic, p.partition))
    }
    this.assignment.clear()
    for (const [key, state] of next) this.assignment.set(key, state)
    this.assignmentId++
    return true
  }

  isAssigned(topic: string, partition: number): boolean {
    return this.assignment.has(tpKey(topic, partition))
  }

  stateOrNull(topic: string, partition: number): TopicPartitionState | undefined {
    return this.assignment.get(tpKey(topic, partition))
  }

  stateByKey(key: string): TopicPartitionState | undefined {
    return this.assignment.get(key)
  }

  /** assignedState: IllegalStateException "No current assignment for partition t-0" when not assigned. */
  assignedState(topic: string, partition: number): TopicPartitionState {
    const state = this.assignment.get(tpKey(topic, partition))
    if (!state) throw new ClientError('IllegalStateException', `No current assignment for partition ${tpKey(topic, partition)}`)
    return state
  }

  /** Every assigned partition's state, in assignment order. */
  states(): IterableIterator<TopicPartitionState> {
    return this.assignment.values()
  }

  assignedPartitions(): TopicPartition[] {
    return [...this.assignment.values()].map((s) => ({ topic: s.topic, partition: s.partition }))
  }

  get size(): number {
    return this.assignment.size
  }

  /** movePartitionToEnd: a partition that erred goes to the back of the fetch order. */
  movePartitionToEnd(key: string): void {
    const state = this.assignment.get(key)
    if (!state) return
    this.assignment.delete(key)
    this.assignment.set(key, state)
  }

  /** resetInitializingPositions: INITIALIZING partitions go to AWAIT_RESET, or are returned when the policy is none. */
  resetInitializingPositions(mayReset: (key: string) => boolean = () => true): TopicPartitionState[] {
    const withNoOffsets: TopicPartitionState[] = []
    for (const state of this.assignment.values()) {
      // A group member's partition first waits for the group's committed offset (mayReset false meanwhile).
      if (state.fetchState !== 'INITIALIZING' || !mayReset(state.key)) continue
      if (this.defaultResetStrategy === 'none') withNoOffsets.push(state)
      else state.reset(this.defaultResetStrategy)
    }
    return withNoOffsets
  }

  /** allConsumed: each partition's position, what a commit would store (for the group coordinator to come). */
  allConsumed(): { topic: string; partition: number; offset: number; leaderEpoch: number | null }[] {
    const result: { topic: string; partition: number; offset: number; leaderEpoch: number | null }[] = []
    for (const state of this.assignment.values()) {
      if (state.hasValidPosition && state.position) {
        result.push({ topic: state.topic, partition: state.partition, offset: state.position.offset, leaderEpoch: state.position.offsetEpoch })
      }
    }
    return result
  }
}
