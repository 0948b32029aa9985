// The leader epoch cache: for each leader epoch that wrote to this replica's log, the
// offset of its first record (KIP-101). Followers ask the leader for the end offset of
// their latest epoch and truncate to it, which is what keeps two replicas from holding
// different records at one offset after leadership changes.
//
// Semantics follow Kafka's LeaderEpochFileCache
// (storage/src/main/java/org/apache/kafka/storage/internals/epoch/LeaderEpochFileCache.java).
// Persisting the entries is the owner's job (PartitionLog writes them after each change).

import { requireEpoch, requireOffset } from './preconditions.ts'

/** OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH. */
export const UNDEFINED_EPOCH = -1
/** OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET. */
export const UNDEFINED_EPOCH_OFFSET = -1

export interface EpochEntry {
  readonly epoch: number
  readonly startOffset: number
}

export interface EpochEndOffset {
  readonly epoch: number
  readonly endOffset: number
}

export class LeaderEpochCache {
  /** Ascending by epoch and by start offset alike. */
  private readonly list: EpochEntry[] = []

  constructor(entries: readonly EpochEntry[] = []) {
    for (const entry of entries) this.assign(entry.epoch, entry.startOffset)
  }

  /**
   * Records that `epoch` starts at `startOffset`. The same epoch again is ignored, as in
   * Kafka, so every batch of an epoch may call this. A new epoch starting where the
   * latest one starts replaces it: that epoch never wrote a record (a leader assigned
   * its start and lost leadership before appending). Returns whether anything changed.
   *
   * Kafka tolerates an epoch lower than the latest, or a start offset below the latest
   * entry's, by dropping the conflicting entries. Here the log truncates the cache
   * before such an append can happen, so either one is a bug and throws.
   */
  assign(epoch: number, startOffset: number): boolean {
    requireEpoch(epoch, 'epoch')
    requireOffset(startOffset, 'startOffset')
    const latest = this.list.at(-1)
    if (latest !== undefined) {
      if (epoch < latest.epoch) {
        throw new Error(`leader epoch ${epoch} at offset ${startOffset} is below the latest epoch ${latest.epoch} (at ${latest.startOffset})`)
      }
      if (startOffset < latest.startOffset) {
        throw new Error(`leader epoch ${epoch} cannot start at offset ${startOffset}, below the latest entry (epoch ${latest.epoch} at ${latest.startOffset})`)
      }
      if (epoch === latest.epoch) return false
      if (startOffset === latest.startOffset) this.list.pop()
    }
    this.list.push({ epoch, startOffset })
    return true
  }

  latestEpoch(): number | undefined {
    return this.list.at(-1)?.epoch
  }

  earliestEntry(): EpochEntry | undefined {
    return this.list[0]
  }

  /**
   * The end offset of `requestedEpoch` (Kafka's LeaderEpochFileCache.endOffsetFor):
   * - the latest epoch ends at the log end offset;
   * - an older epoch ends where the first later epoch starts, answered with the largest
   *   known epoch not above the one requested (that is how a follower finds where its
   *   log and the leader's diverge);
   * - an epoch below every known one ends where the earliest known epoch starts, and is
   *   answered as requested (its records were deleted from the start of the log);
   * - UNDEFINED_EPOCH, or an epoch above every known one, is (UNDEFINED_EPOCH,
   *   UNDEFINED_EPOCH_OFFSET).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }
    if (requestedEpoch === this.latestEpoch()) return { epoch: requestedEpoch, endOffset: logEndOffset }
    const higherIndex = this.list.findIndex((entry) => entry.epoch > requestedEpoch)
    const higher = this.list[higherIndex]
    if (higher === undefined) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET }
    const floor = this.list[higherIndex - 1]
    if (floor === undefined) return { epoch: requestedEpoch, endOffset: higher.startOffset }
    return { epoch: floor.epoch, endOffset: higher.startOffset }
  }

  /** Removes every entry starting at or after `endOffset` (the log was truncated there). Returns whether anything changed. */
  truncateFromEnd(endOffset: number): boolean {
    const before = this.list.length
    while (this.list.length > 0 && this.list[this.list.length - 1]!.startOffset >= endOffset) this.list.pop()
    return this.list.length !== before
  }

  /**
   * The log now starts at `startOffset`: entries starting at or before it are dropped,
   * except that the last of them is kept with its start moved up to `startOffset`,
   * since its epoch still covers the first offsets of the log. Returns whether anything changed.
   */
  truncateFromStart(startOffset: number): boolean {
    let covering: EpochEntry | undefined
    let removed = 0
    while (this.list.length > 0 && this.list[0]!.startOffset <= startOffset) {
      covering = this.list.shift()
      removed++
    }
    if (covering === undefined) return false
    this.list.unshift({ epoch: covering.epoch, startOffset })
    return removed > 1 || covering.startOffset !== startOffset
  }

  clear(): void {
    this.list.length = 0
  }

  /** A copy of the entries, oldest first. */
  entries(): EpochEntry[] {
    return this.list.map((entry) => ({ epoch: entry.epoch, startOffset: entry.startOffset }))
  }
}
