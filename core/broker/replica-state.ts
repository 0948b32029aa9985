// What a leader knows about one follower of a partition, from the follower's fetches
// (core/src/main/scala/kafka/cluster/Replica.scala). The follower's fetch offset stands
// in for its log end offset; lastCaughtUpTimeMs decides whether it is still in sync.

export const UNKNOWN_OFFSET = -1

export class ReplicaState {
  logStartOffset = UNKNOWN_OFFSET
  logEndOffset = UNKNOWN_OFFSET
  /** The largest leader LEO seen at this follower's previous fetches. */
  lastFetchLeaderLogEndOffset = 0
  lastFetchTimeMs = 0
  lastCaughtUpTimeMs = 0
  /** The broker epoch the follower's last fetch carried, null before any. */
  brokerEpoch: number | null = null

  constructor(readonly brokerId: number) {}

  /** Caught up: at the leader's end, or at it within the last replica.lag.time.max.ms. */
  isCaughtUp(leaderEndOffset: number, nowMs: number, replicaLagTimeMaxMs: number): boolean {
    return leaderEndOffset === this.logEndOffset || nowMs - this.lastCaughtUpTimeMs <= replicaLagTimeMaxMs
  }

  /**
   * Replica.updateFetchStateOrThrow. `leaderEndOffset` is the leader's LEO taken before
   * the fetch read anything, so appends racing the fetch cannot keep a follower out of sync.
   * lastCaughtUpTimeMs never goes backwards.
   */
  updateFetchState(fetchOffset: number, followerStartOffset: number, fetchTimeMs: number, leaderEndOffset: number, brokerEpoch: number): void {
    if (fetchOffset >= leaderEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, fetchTimeMs)
    } else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) {
      this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs)
    }
    this.logStartOffset = followerStartOffset
    this.logEndOffset = fetchOffset
    this.lastFetchLeaderLogEndOffset = Math.max(leaderEndOffset, this.lastFetchLeaderLogEndOffset)
    this.lastFetchTimeMs = fetchTimeMs
    this.brokerEpoch = brokerEpoch
  }

  /** Replica.resetReplicaState, when this broker takes a new leader epoch. */
  reset(nowMs: number, leaderEpochStartOffset: number, isNewLeader: boolean, inIsr: boolean): void {
    this.lastCaughtUpTimeMs = inIsr ? nowMs : 0
    if (isNewLeader) {
      // A new leader knows nothing of its followers until they fetch from it.
      this.logStartOffset = UNKNOWN_OFFSET
      this.logEndOffset = UNKNOWN_OFFSET
      this.lastFetchLeaderLogEndOffset = UNKNOWN_OFFSET
      this.lastFetchTimeMs = 0
      this.brokerEpoch = null
    } else {
      this.lastFetchLeaderLogEndOffset = leaderEpochStartOffset
      this.lastFetchTimeMs = inIsr ? nowMs : 0
    }
  }
}
