// The replicated log of a KRaft quorum (__cluster_metadata-0): entries with an offset and
// the epoch of the leader that wrote them, the leader epoch cache, truncation from the end
// (divergence) and from the start (behind a snapshot), and the latest snapshot of the
// state machine. Rules from raft/src/main/java/org/apache/kafka/raft/ReplicatedLog.java and
// core/src/main/scala/kafka/raft/KafkaMetadataLog.scala.
//
// On disk: the entries of the current segment in a DurableLog, a small meta file naming the
// segment and its base offset, and the snapshot file. Dropping the log's prefix writes a
// new segment with the remaining entries, points the meta file at it and deletes the old
// one, so a crash part-way leaves either the old layout or the new one.
//
// Simplification: Kafka keeps every snapshot and deletes segments behind the latest one
// only after metadata.log.retention; here the log start moves up to a snapshot at once.

import type { DurableLog, NodeId, Storage } from '../node.ts'
import { LeaderEpochCache, UNDEFINED_EPOCH } from '../log/epoch-cache.ts'

export const RAFT_LOG_NAME = '__cluster_metadata-0'

export interface RaftDataEntry<T> {
  readonly offset: number
  readonly epoch: number
  readonly kind: 'data'
  readonly payload: T
}

/** The LeaderChangeMessage control record a new leader writes first in its epoch (ControlRecordType.LEADER_CHANGE). */
export interface RaftLeaderChangeEntry {
  readonly offset: number
  readonly epoch: number
  readonly kind: 'leader-change'
  readonly leaderId: NodeId
  /** The voters that granted the election (LeaderChangeMessage.GrantingVoters). */
  readonly grantingVoters: readonly NodeId[]
}

export type RaftEntry<T> = RaftDataEntry<T> | RaftLeaderChangeEntry

/** A snapshot's id: it holds the state after every entry below `endOffset`, the last of which has `epoch`. */
export interface SnapshotId {
  readonly endOffset: number
  readonly epoch: number
}

export interface RaftSnapshot<S> extends SnapshotId {
  readonly state: S
}

/** What ReplicatedLog.validateOffsetAndEpoch makes of a follower's (fetch offset, last fetched epoch). */
export type FetchPosition =
  | { readonly kind: 'valid' }
  | { readonly kind: 'diverging'; readonly epoch: number; readonly endOffset: number }
  | { readonly kind: 'snapshot'; readonly snapshotId: SnapshotId }

interface LogMeta {
  readonly baseOffset: number
  readonly segment: string
}

/** A read-only look at a log on a disk, without taking it over: for checkers and views of crashed nodes. */
export interface StoredRaftLog<T, S> {
  readonly startOffset: number
  readonly entries: readonly RaftEntry<T>[]
  readonly snapshot: RaftSnapshot<S> | null
}

export function readStoredRaftLog<T, S>(storage: Storage, name = RAFT_LOG_NAME): StoredRaftLog<T, S> {
  const meta = storage.read<LogMeta>(`${name}.meta`)
  const snapshot = storage.read<RaftSnapshot<S>>(`${name}.snapshot`) ?? null
  if (meta === undefined || !storage.hasLog(meta.segment)) return { startOffset: meta?.baseOffset ?? 0, entries: [], snapshot }
  return { startOffset: meta.baseOffset, entries: storage.log<RaftEntry<T>>(meta.segment).entries(), snapshot }
}

export class RaftLog<T, S> {
  private meta: LogMeta
  private segment: DurableLog<RaftEntry<T>>
  private latestSnapshot: RaftSnapshot<S> | null
  private readonly epochs = new LeaderEpochCache()

  constructor(
    private readonly storage: Storage,
    private readonly name = RAFT_LOG_NAME,
  ) {
    this.latestSnapshot = storage.read<RaftSnapshot<S>>(`${name}.snapshot`) ?? null
    const meta = storage.read<LogMeta>(`${name}.meta`)
    this.meta = meta ?? { baseOffset: 0, segment: `${name}@0` }
    if (meta === undefined) this.storage.write(`${name}.meta`, this.meta)
    this.segment = storage.log<RaftEntry<T>>(this.meta.segment)
    // A crash between writing a new segment and deleting the old one leaves a stray segment.
    for (const logName of storage.logNames()) {
      if (logName.startsWith(`${name}@`) && logName !== this.meta.segment) storage.deleteLog(logName)
    }
    for (const entry of this.segment.entries()) this.epochs.assign(entry.epoch, entry.offset)
  }

  /** The first offset still in the log; below it only the snapshot remains. */
  get startOffset(): number {
    return this.meta.baseOffset
  }

  /** The offset the next entry gets (the log end offset, LEO). */
  get endOffset(): number {
    return this.meta.baseOffset + this.segment.length
  }

  /** The epoch of the last entry, else of the snapshot, else 0 (ReplicatedLog.lastFetchedEpoch). */
  get lastEpoch(): number {
    return this.epochs.latestEpoch() ?? this.latestSnapshot?.epoch ?? 0
  }

  get snapshot(): RaftSnapshot<S> | null {
    return this.latestSnapshot
  }

  entryAt(offset: number): RaftEntry<T> | undefined {
    return this.segment.at(offset - this.meta.baseOffset)
  }

  /** Up to `max` entries from `offset` on (offset must be within [start, end]). */
  read(offset: number, max: number): RaftEntry<T>[] {
    if (offset < this.startOffset || offset > this.endOffset) {
      throw new Error(`raft log read at offset ${offset}: outside the log [${this.startOffset}, ${this.endOffset})`)
    }
    const entries: RaftEntry<T>[] = []
    for (let o = offset; o < this.endOffset && entries.length < max; o++) entries.push(this.entryAt(o)!)
    return entries
  }

  /** Appends entries that continue the log exactly (the caller flushes before telling anyone). */
  append(entries: readonly RaftEntry<T>[]): void {
    for (const entry of entries) {
      if (entry.offset !== this.endOffset) {
        throw new Error(`raft log append: entry offset ${entry.offset} does not continue the log ending at ${this.endOffset}`)
      }
      if (entry.epoch < this.lastEpoch) {
        throw new Error(`raft log append: entry epoch ${entry.epoch} at offset ${entry.offset} is below the log's last epoch ${this.lastEpoch}`)
      }
      this.segment.append(entry)
      this.epochs.assign(entry.epoch, entry.offset)
    }
  }

  /** Drops every entry at `offset` and beyond (a follower's log diverged from the leader's). */
  truncateTo(offset: number): void {
    if (offset < this.startOffset) throw new Error(`raft log truncation to ${offset}: below the log start ${this.startOffset}`)
    if (offset >= this.endOffset) return
    this.segment.truncate(offset - this.meta.baseOffset)
    this.epochs.truncateFromEnd(offset)
  }

  /**
   * The end offset of `epoch` in this log and the largest epoch <= it that the log knows
   * (KafkaMetadataLog.endOffsetForEpoch over LeaderEpochFileCache.endOffsetFor): what a
   * leader answers a follower whose last fetched epoch is `epoch`.
   */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    const answer = this.epochs.endOffsetFor(epoch, this.endOffset)
    if (answer.epoch === UNDEFINED_EPOCH) return { epoch: this.lastEpoch, endOffset: this.endOffset }
    const snapshot = this.latestSnapshot
    if (snapshot !== null && answer.epoch === epoch && answer.endOffset === this.startOffset && epoch < (this.epochs.earliestEntry()?.epoch ?? 0)) {
      // The epoch is older than any entry left: the snapshot at the log start is where it ends.
      return { epoch: snapshot.epoch, endOffset: snapshot.endOffset }
    }
    return answer
  }

  /** ReplicatedLog.validateOffsetAndEpoch: may a follower at (offset, epoch) continue from here? */
  validateFetchPosition(offset: number, epoch: number): FetchPosition {
    if (this.startOffset === 0 && offset === 0) return { kind: 'valid' }
    const snapshot = this.latestSnapshot
    if (snapshot !== null && (offset < this.startOffset || (offset === this.startOffset && epoch !== snapshot.epoch) || epoch < snapshot.epoch)) {
      return { kind: 'snapshot', snapshotId: { endOffset: snapshot.endOffset, epoch: snapshot.epoch } }
    }
    const end = this.endOffsetForEpoch(epoch)
    if (end.epoch !== epoch || end.endOffset < offset) return { kind: 'diverging', epoch: end.epoch, endOffset: end.endOffset }
    return { kind: 'valid' }
  }

  /**
   * Where a follower truncates on a diverging-epoch answer (KafkaMetadataLog.truncateToEndOffset):
   * the smaller of the leader's end offset for that epoch and this log's own.
   */
  truncationOffsetFor(diverging: { epoch: number; endOffset: number }): number {
    const own = this.endOffsetForEpoch(diverging.epoch)
    return Math.max(this.startOffset, Math.min(own.endOffset, diverging.endOffset, this.endOffset))
  }

  /**
   * Stores `state` as the snapshot of every entry below `endOffset` and drops those
   * entries. The caller guarantees they are committed. Returns false when the snapshot
   * would not be newer than the latest one.
   */
  createSnapshot(endOffset: number, state: S): boolean {
    if (endOffset > this.endOffset || endOffset < this.startOffset) {
      throw new Error(`raft snapshot at offset ${endOffset}: outside the log [${this.startOffset}, ${this.endOffset}]`)
    }
    if (this.latestSnapshot !== null && endOffset <= this.latestSnapshot.endOffset) return false
    if (endOffset === 0) return false
    const last = this.entryAt(endOffset - 1)
    const epoch = last?.epoch ?? this.latestSnapshot?.epoch ?? 0
    this.writeSnapshot({ endOffset, epoch, state })
    this.dropPrefix(endOffset)
    return true
  }

  /**
   * Installs a snapshot fetched from the leader (KafkaRaftClient.handleFetchSnapshotResponse,
   * then ReplicatedLog.truncateToLatestSnapshot): the log keeps the entries after it when they
   * continue it, and starts over at its end offset otherwise.
   */
  installSnapshot(snapshot: RaftSnapshot<S>): void {
    if (this.latestSnapshot !== null && snapshot.endOffset <= this.latestSnapshot.endOffset) return
    this.writeSnapshot(snapshot)
    const last = this.entryAt(snapshot.endOffset - 1)
    if (snapshot.endOffset <= this.endOffset && last !== undefined && last.epoch === snapshot.epoch) {
      this.dropPrefix(snapshot.endOffset)
    } else {
      this.replaceSegment(snapshot.endOffset, [])
    }
  }

  private writeSnapshot(snapshot: RaftSnapshot<S>): void {
    this.latestSnapshot = snapshot
    this.storage.write(`${this.name}.snapshot`, snapshot)
    this.storage.flush()
  }

  private dropPrefix(newStartOffset: number): void {
    if (newStartOffset <= this.startOffset) return
    this.replaceSegment(newStartOffset, this.read(newStartOffset, Infinity))
  }

  private replaceSegment(baseOffset: number, entries: readonly RaftEntry<T>[]): void {
    const old = this.meta.segment
    const segment = `${this.name}@${baseOffset}`
    if (segment === old) throw new Error(`raft log: segment ${segment} already in use`)
    if (this.storage.hasLog(segment)) this.storage.deleteLog(segment)
    const log = this.storage.log<RaftEntry<T>>(segment)
    for (const entry of entries) log.append(entry)
    this.meta = { baseOffset, segment }
    this.storage.write(`${this.name}.meta`, this.meta)
    this.storage.flush()
    this.storage.deleteLog(old)
    this.segment = log
    this.epochs.clear()
    for (const entry of entries) this.epochs.assign(entry.epoch, entry.offset)
  }
}
