// What a KRaft leader tracks about its epoch (raft/src/main/java/org/apache/kafka/raft/
// LeaderState.java): each voter's and observer's fetch offset, the high watermark, which
// voters have acknowledged the epoch, and the check-quorum window.

import type { NodeId } from '../node.ts'

export interface ReplicaProgress {
  /** The replica's log end offset as its last valid Fetch reported it; -1 until then. */
  endOffset: number
  /** When its last Fetch arrived (simulated ms), or -1. */
  lastFetchMs: number
}

export class LeaderState {
  readonly voterProgress = new Map<NodeId, ReplicaProgress>()
  readonly observerProgress = new Map<NodeId, ReplicaProgress>()
  /** Voters that have not yet answered BeginQuorumEpoch nor fetched in this epoch. */
  readonly unacknowledged = new Set<NodeId>()
  /** Voters that fetched since the check-quorum window last restarted (LeaderState.fetchedVoters). */
  private readonly fetchedVoters = new Set<NodeId>()
  private hw: number | null = null

  constructor(
    readonly localId: NodeId,
    readonly epoch: number,
    /** The offset of this epoch's LeaderChange record: the HW only moves once it is committed. */
    readonly epochStartOffset: number,
    voters: readonly NodeId[],
    readonly grantingVoters: readonly NodeId[],
  ) {
    for (const voter of voters) {
      this.voterProgress.set(voter, { endOffset: -1, lastFetchMs: -1 })
      if (voter !== localId) this.unacknowledged.add(voter)
    }
  }

  get highWatermark(): number | null {
    return this.hw
  }

  /** The leader's own log end offset, once its appends are flushed. Returns whether the HW moved. */
  updateLocalEndOffset(endOffset: number): boolean {
    this.voterProgress.get(this.localId)!.endOffset = endOffset
    return this.maybeAdvanceHighWatermark()
  }

  /**
   * A replica fetched from `fetchOffset`, which proves it holds everything below it
   * (LeaderState.updateReplicaState). Returns whether the HW moved.
   */
  updateReplica(replicaId: NodeId, fetchOffset: number, nowMs: number): boolean {
    const voter = this.voterProgress.get(replicaId)
    if (voter === undefined) {
      const observer = this.observerProgress.get(replicaId) ?? { endOffset: -1, lastFetchMs: -1 }
      observer.endOffset = fetchOffset
      observer.lastFetchMs = nowMs
      this.observerProgress.set(replicaId, observer)
      return false
    }
    voter.endOffset = fetchOffset
    voter.lastFetchMs = nowMs
    return this.maybeAdvanceHighWatermark()
  }

  /** A voter showed it follows this epoch (BeginQuorumEpoch answered, or a Fetch). */
  acknowledge(voterId: NodeId): void {
    this.unacknowledged.delete(voterId)
  }

  /**
   * Records a voter's fetch for check-quorum. Returns true when a majority (the leader
   * included) has now fetched within the window, which restarts it
   * (LeaderState.updateCheckQuorumForFollowingVoter).
   */
  recordFetchForCheckQuorum(voterId: NodeId): boolean {
    if (!this.voterProgress.has(voterId) || voterId === this.localId) return false
    this.fetchedVoters.add(voterId)
    if (this.fetchedVoters.size + 1 >= this.majority()) {
      this.fetchedVoters.clear()
      return true
    }
    return false
  }

  /** Whether the leader alone is a majority (a single voter never fails check-quorum). */
  isOnlyVoter(): boolean {
    return this.voterProgress.size === 1
  }

  majority(): number {
    return Math.floor(this.voterProgress.size / 2) + 1
  }

  /** Voters other than the leader, those with the longest logs first: the order in which they should stand (EndQuorumEpoch). */
  preferredSuccessors(): NodeId[] {
    return [...this.voterProgress.entries()]
      .filter(([id]) => id !== this.localId)
      .sort((a, b) => b[1].endOffset - a[1].endOffset)
      .map(([id]) => id)
  }

  /**
   * The HW is the largest offset a majority of voters has reached: the voters' end offsets
   * in descending order, taken at index size / 2. It moves only forward, and only past this
   * epoch's first record: a leader cannot know an older epoch's entries are committed until
   * one of its own is (LeaderState.maybeUpdateHighWatermark).
   */
  private maybeAdvanceHighWatermark(): boolean {
    const offsets = [...this.voterProgress.values()].map((p) => p.endOffset).sort((a, b) => b - a)
    const candidate = offsets[Math.floor(offsets.length / 2)]!
    if (candidate <= this.epochStartOffset) return false
    if (this.hw !== null && candidate <= this.hw) return false
    this.hw = candidate
    return true
  }
}
