// One replica of a KRaft quorum: KIP-595's Raft with KIP-996's pre-vote, as
// raft/src/main/java/org/apache/kafka/raft/KafkaRaftClient.java runs it, with the states
// of QuorumState.java (Unattached, Prospective, Candidate, Leader, Follower, Resigned).
//
// A host (a controller, a broker, a test node) owns the RaftNode and routes to it the
// messages isRaftMessage() recognises and the timers whose name starts with "raft:". The
// RaftNode acts only through the NodeContext: messages, timers, its random stream, trace
// events and the disk. Voters elect a leader and replicate by fetching from it; observers
// (brokers) fetch the same way but never vote and do not count towards the high watermark.

import type { NodeContext, NodeId, TimerId } from '../node.ts'
import { describeValue } from '../describe.ts'
import { CHECK_QUORUM_TIMEOUT_FACTOR, MAX_FETCH_ENTRIES, MAX_FETCH_WAIT_MS, resolveRaftConfig, type RaftConfig } from './config.ts'
import {
  binaryExponentialElectionBackoffMs,
  canGrantVote,
  isLogUpToDate,
  randomElectionTimeoutMs,
  strictExponentialElectionBackoffMs,
  type RaftRole,
} from './election.ts'
import { LeaderState } from './leader-state.ts'
import { RAFT_LOG_NAME, RaftLog, type RaftDataEntry, type RaftEntry, type RaftSnapshot } from './log.ts'
import type {
  BeginQuorumEpochRequest,
  EndQuorumEpochRequest,
  FetchRequest,
  FetchResponse,
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  RaftError,
  RaftMessage,
  VoteRequest,
  VoteResponse,
} from './messages.ts'
import { isRaftMessage } from './messages.ts'

export type { RaftRole } from './election.ts'

/** What the state machine above the quorum (the controller, a broker's metadata image) is told (RaftClient.Listener). */
export interface RaftListener<T, S> {
  /** Committed data entries, in offset order, each delivered once per process lifetime. */
  handleCommit(entries: readonly RaftDataEntry<T>[]): void
  /** Replace the state with this snapshot; the commits that follow continue from its end offset. */
  handleLoadSnapshot(snapshot: RaftSnapshot<S>): void
  /**
   * The known leader changed. For the local node becoming leader this fires only once the
   * listener has been given every entry before the epoch's start, as in Kafka, so an active
   * controller never acts before replaying its predecessors' decisions.
   */
  handleLeaderChange(leader: LeaderAndEpoch): void
}

export interface LeaderAndEpoch {
  readonly epoch: number
  readonly leaderId: NodeId | null
}

export interface RaftNodeOptions<T, S> {
  /** The voter ids (controller.quorum.voters / bootstrap): a static set in this model. */
  readonly voters: readonly NodeId[]
  readonly config?: Partial<RaftConfig>
  readonly listener?: RaftListener<T, S>
  /** The log's name on the node's disk. */
  readonly logName?: string
}

export type RaftAppendResult =
  | { readonly ok: true; readonly baseOffset: number; readonly lastOffset: number }
  | { readonly ok: false; readonly error: 'NOT_LEADER_OR_FOLLOWER'; readonly leader: LeaderAndEpoch }

/** A plain-JSON view of one replica, for snapshot() views and the invariant checkers. */
export interface RaftNodeView {
  readonly id: NodeId
  readonly isVoter: boolean
  readonly role: RaftRole
  readonly epoch: number
  readonly leaderId: NodeId | null
  readonly votedId: NodeId | null
  readonly highWatermark: number | null
  readonly logStartOffset: number
  readonly logEndOffset: number
  readonly lastEpoch: number
  readonly snapshot: { readonly endOffset: number; readonly epoch: number } | null
}

/** The election state on disk (QuorumStateStore's quorum-state file), written and flushed before anyone hears of it. */
interface ElectionState {
  readonly epoch: number
  readonly votedId: NodeId | null
  readonly leaderId: NodeId | null
}

const TIMER_PREFIX = 'raft:'
const ELECTION_TIMER = 'raft:election'
const FETCH_TIMEOUT_TIMER = 'raft:fetch-timeout'
const FETCH_SEND_TIMER = 'raft:fetch-send'
const REQUEST_TIMEOUT_TIMER = 'raft:request-timeout'
const CHECK_QUORUM_TIMER = 'raft:check-quorum'
const BEGIN_EPOCH_TIMER = 'raft:begin-quorum-epoch'
const PARKED_FETCH_TIMER = 'raft:parked-fetch'

interface ParkedFetch {
  readonly from: NodeId
  readonly request: FetchRequest
  readonly timer: TimerId
}

export class RaftNode<T = unknown, S = unknown> {
  readonly id: NodeId
  readonly voters: readonly NodeId[]
  readonly isVoter: boolean
  readonly config: RaftConfig
  private readonly log: RaftLog<T, S>
  private readonly stateKey: string
  private readonly listener: RaftListener<T, S> | undefined

  private role: RaftRole = 'unattached'
  private epoch = 0
  private leaderId: NodeId | null = null
  private votedId: NodeId | null = null
  private highWatermark: number | null = null

  /** Timers of the current state, by name; all cancelled on every transition. */
  private readonly stateTimers = new Map<string, TimerId>()
  private nextCorrelationId: number
  /** Prospective and Candidate: the current election's requests and answers. */
  private readonly electionRequests = new Set<number>()
  private readonly granted = new Set<NodeId>()
  private readonly rejected = new Set<NodeId>()
  /** Failed elections in a row (CandidateState/ProspectiveState.retries), for the backoff. */
  private retries = 0
  private backingOff = false
  /** Follower: whether a Fetch to this epoch's leader has been answered (FollowerState.hasFetchedFromLeader). */
  private hasFetchedFromLeader = false
  private fetchInFlight: { readonly correlationId: number; readonly to: NodeId } | null = null
  private leaderState: LeaderState | null = null
  private readonly parkedFetches = new Map<NodeId, ParkedFetch>()
  /** The listener's next expected offset (ListenerContext.nextExpectedOffset). */
  private nextCommitOffset = 0
  private lastFiredLeader: LeaderAndEpoch | null = null

  constructor(
    private readonly ctx: NodeContext,
    options: RaftNodeOptions<T, S>,
  ) {
    this.id = ctx.id
    if (!Array.isArray(options?.voters) || options.voters.length === 0) {
      throw new Error(`RaftNode ${describeValue(ctx.id)}: options.voters must be a non-empty array of node ids, got ${describeValue(options?.voters)}`)
    }
    if (new Set(options.voters).size !== options.voters.length) {
      throw new Error(`RaftNode ${describeValue(ctx.id)}: options.voters has a duplicate id: ${describeValue(options.voters)}`)
    }
    this.voters = [...options.voters]
    this.isVoter = this.voters.includes(this.id)
    this.config = resolveRaftConfig(options.config, `RaftNode ${describeValue(ctx.id)} options.config`)
    this.listener = options.listener
    const logName = options.logName ?? RAFT_LOG_NAME
    this.log = new RaftLog<T, S>(ctx.storage, logName)
    this.stateKey = `${logName}.quorum-state`
    // Correlation ids start at a random point per process, so that an answer meant for a
    // previous incarnation is never taken for this one's.
    this.nextCorrelationId = Math.floor(ctx.random() * 2 ** 30)
  }

  // --- host interface --------------------------------------------------------------------

  /**
   * Starts from what the disk kept (QuorumState.initialize): a node that was leader comes
   * back Resigned (it must not vote again in that epoch), one that knew a leader follows it,
   * anyone else is Unattached. A sole voter elects itself at once.
   */
  start(): void {
    const stored = this.ctx.storage.read<ElectionState>(this.stateKey)
    if (stored !== undefined) {
      this.epoch = stored.epoch
      this.votedId = stored.votedId
      this.leaderId = stored.leaderId
    }
    if (this.leaderId !== null && this.leaderId === this.id && this.isVoter) {
      this.becomeResigned([])
    } else if (this.leaderId !== null) {
      this.becomeFollower(this.epoch, this.leaderId)
    } else {
      this.becomeUnattached(this.epoch, this.votedId, null)
    }
  }

  /** Handles a Raft message; returns false (and does nothing) for any other message. */
  handleMessage(from: NodeId, message: { readonly type: string }): boolean {
    if (!isRaftMessage(message)) return false
    const m = message as RaftMessage<T, S>
    switch (m.type) {
      case 'raft.vote':
        this.onVoteRequest(from, m)
        break
      case 'raft.vote-response':
        this.onVoteResponse(from, m)
        break
      case 'raft.begin-quorum-epoch':
        this.onBeginQuorumEpoch(from, m)
        break
      case 'raft.begin-quorum-epoch-response':
        if (!this.maybeHandleCommonResponse(m.epoch, m.leaderId) && m.error === 'NONE') this.leaderState?.acknowledge(from)
        break
      case 'raft.end-quorum-epoch':
        this.onEndQuorumEpoch(from, m)
        break
      case 'raft.end-quorum-epoch-response':
        this.maybeHandleCommonResponse(m.epoch, m.leaderId)
        break
      case 'raft.fetch':
        this.onFetchRequest(from, m)
        break
      case 'raft.fetch-response':
        this.onFetchResponse(from, m)
        break
      case 'raft.fetch-snapshot':
        this.onFetchSnapshotRequest(from, m)
        break
      case 'raft.fetch-snapshot-response':
        this.onFetchSnapshotResponse(from, m)
        break
    }
    return true
  }

  /** Handles a timer this node set; returns false for a timer whose name is not a Raft one. */
  handleTimer(name: string, data: unknown, timer: TimerId): boolean {
    if (!name.startsWith(TIMER_PREFIX)) return false
    if (name === PARKED_FETCH_TIMER) {
      const replicaId = data as NodeId
      const parked = this.parkedFetches.get(replicaId)
      if (parked !== undefined && parked.timer === timer) {
        this.parkedFetches.delete(replicaId)
        this.answerFetch(parked.from, parked.request)
      }
      return true
    }
    if (this.stateTimers.get(name) !== timer) return true
    this.stateTimers.delete(name)
    switch (name) {
      case ELECTION_TIMER:
        this.onElectionTimeout()
        break
      case FETCH_TIMEOUT_TIMER:
        this.onFetchTimeout()
        break
      case FETCH_SEND_TIMER:
        this.sendFetch()
        break
      case REQUEST_TIMEOUT_TIMER:
        this.fetchInFlight = null
        this.scheduleFetch(this.config.retryBackoffMs)
        break
      case CHECK_QUORUM_TIMER:
        // A majority has not fetched for fetch timeout x 1.5: this leader may be cut off (KIP-595
        // check quorum). KafkaRaftClient.pollLeader: transitionToResigned(nonLeaderVotersByDescendingFetchOffset()).
        this.becomeResigned(this.leaderState!.preferredSuccessors())
        break
      case BEGIN_EPOCH_TIMER:
        this.sendBeginQuorumEpoch()
        break
    }
    return true
  }

  // --- the API the state machine above uses ----------------------------------------------

  /**
   * Appends data entries as the leader of `epoch` (RaftClient.prepareAppend): refused when
   * this node is not that epoch's leader, so a deposed leader can never write. The entries
   * are flushed before the call returns; they are committed once the HW passes them.
   */
  append(epoch: number, payloads: readonly T[]): RaftAppendResult {
    if (this.role !== 'leader' || epoch !== this.epoch || this.leaderState === null) {
      return { ok: false, error: 'NOT_LEADER_OR_FOLLOWER', leader: this.leaderAndEpoch() }
    }
    if (payloads.length === 0) throw new Error(`RaftNode ${describeValue(this.id)}: append needs at least one payload`)
    const baseOffset = this.log.endOffset
    this.log.append(payloads.map((payload, i) => ({ offset: baseOffset + i, epoch, kind: 'data' as const, payload })))
    this.afterLeaderAppend()
    return { ok: true, baseOffset, lastOffset: this.log.endOffset - 1 }
  }

  /**
   * Takes a snapshot of the state machine at `endOffset` (it must hold exactly the entries
   * below it, all committed and all already given to the listener) and drops the log
   * behind it. Returns false when it would not be newer than the latest snapshot.
   */
  createSnapshot(endOffset: number, state: S): boolean {
    const hw = this.highWatermark ?? 0
    if (!Number.isSafeInteger(endOffset) || endOffset > hw || endOffset > this.nextCommitOffset) {
      throw new Error(
        `RaftNode ${describeValue(this.id)}: snapshot end offset ${describeValue(endOffset)} must be an integer at most the high watermark (${hw}) and the listener's position (${this.nextCommitOffset})`,
      )
    }
    return this.log.createSnapshot(endOffset, state)
  }

  /** Resigns the leadership gracefully (a controlled shutdown): the voters with the longest logs are asked to stand first. */
  resign(): void {
    if (this.role !== 'leader' || this.leaderState === null) return
    this.becomeResigned(this.leaderState.preferredSuccessors())
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return { epoch: this.epoch, leaderId: this.role === 'resigned' ? null : this.leaderId }
  }

  isLeader(): boolean {
    return this.role === 'leader'
  }

  get currentEpoch(): number {
    return this.epoch
  }

  get currentRole(): RaftRole {
    return this.role
  }

  get committedOffset(): number | null {
    return this.highWatermark
  }

  /** The log's entries, for views and checkers; a read-only view, not a copy. */
  entryAt(offset: number): RaftEntry<T> | undefined {
    return this.log.entryAt(offset)
  }

  view(): RaftNodeView {
    const snapshot = this.log.snapshot
    return {
      id: this.id,
      isVoter: this.isVoter,
      role: this.role,
      epoch: this.epoch,
      leaderId: this.leaderId,
      votedId: this.votedId,
      highWatermark: this.highWatermark,
      logStartOffset: this.log.startOffset,
      logEndOffset: this.log.endOffset,
      lastEpoch: this.log.lastEpoch,
      snapshot: snapshot === null ? null : { endOffset: snapshot.endOffset, epoch: snapshot.epoch },
    }
  }

  // --- transitions ---------------------------------------------------------------------

  private transition(role: RaftRole, epoch: number, leaderId: NodeId | null, votedId: NodeId | null): void {
    if (epoch < this.epoch) throw new Error(`RaftNode ${describeValue(this.id)}: epoch may not go back from ${this.epoch} to ${epoch}`)
    for (const timer of this.stateTimers.values()) this.ctx.cancelTimer(timer)
    this.stateTimers.clear()
    if (this.role === 'leader' && role !== 'leader') this.failParkedFetches()
    this.electionRequests.clear()
    this.granted.clear()
    this.rejected.clear()
    this.backingOff = false
    this.fetchInFlight = null
    this.hasFetchedFromLeader = false
    this.leaderState = null
    // The HW stays across transitions, as QuorumState hands it from state to state.
    const changed = epoch !== this.epoch || leaderId !== this.leaderId || votedId !== this.votedId
    this.role = role
    this.epoch = epoch
    this.leaderId = leaderId
    this.votedId = votedId
    if (changed) {
      const state: ElectionState = { epoch, votedId, leaderId }
      this.ctx.storage.write(this.stateKey, state)
      this.ctx.storage.flush()
    }
    this.ctx.emit('raft.transition', { role, epoch, leaderId, votedId })
    this.maybeFireLeaderChange()
  }

  /** Unattached: an epoch with no known leader (maybe a vote cast). Voters wait an election timeout; observers look for the leader. */
  private becomeUnattached(epoch: number, votedId: NodeId | null, leaderId: NodeId | null): void {
    this.transition('unattached', epoch, leaderId, votedId)
    if (this.isVoter) {
      if (this.voters.length === 1) {
        this.becomeProspective()
        return
      }
      this.setStateTimer(ELECTION_TIMER, this.randomElectionTimeoutMs())
    } else {
      this.sendFetch()
    }
  }

  /**
   * Prospective (KIP-996): asks the other voters whether they would vote for it, without
   * bumping the epoch, so that a voter cut off from a healthy leader cannot disrupt it.
   */
  private becomeProspective(): void {
    this.transition('prospective', this.epoch, this.leaderId, this.votedId)
    this.granted.add(this.id)
    if (this.maybeWinElection()) return
    this.setStateTimer(ELECTION_TIMER, this.randomElectionTimeoutMs())
    this.requestVotes(true)
  }

  /** Candidate: a new epoch, a vote for itself on disk, then VoteRequests. */
  private becomeCandidate(): void {
    this.transition('candidate', this.epoch + 1, null, this.id)
    this.granted.add(this.id)
    if (this.maybeWinElection()) return
    this.setStateTimer(ELECTION_TIMER, this.randomElectionTimeoutMs())
    this.requestVotes(false)
  }

  /**
   * Leader: writes the LeaderChange record first (the HW can only move once an entry of
   * the new epoch is committed, KafkaRaftClient.onBecomeLeader), tells the voters with
   * BeginQuorumEpoch, and starts the check-quorum window.
   */
  private becomeLeader(): void {
    const grantingVoters = [...this.granted]
    this.transition('leader', this.epoch, this.id, this.id)
    this.retries = 0
    const epochStartOffset = this.log.endOffset
    const leader = new LeaderState(this.id, this.epoch, epochStartOffset, this.voters, grantingVoters)
    this.leaderState = leader
    this.log.append([{ offset: epochStartOffset, epoch: this.epoch, kind: 'leader-change', leaderId: this.id, grantingVoters }])
    this.afterLeaderAppend()
    this.sendBeginQuorumEpoch()
    if (!leader.isOnlyVoter()) this.setStateTimer(CHECK_QUORUM_TIMER, this.checkQuorumTimeoutMs())
  }

  private becomeFollower(epoch: number, leaderId: NodeId): void {
    const wasFollowingSame = this.role === 'follower' && this.epoch === epoch && this.leaderId === leaderId
    if (wasFollowingSame) return
    this.transition('follower', epoch, leaderId, this.epoch === epoch ? this.votedId : null)
    this.retries = 0
    this.setStateTimer(FETCH_TIMEOUT_TIMER, this.config.fetchTimeoutMs)
    this.sendFetch()
  }

  /**
   * Resigned: a leader that gave up its epoch (check quorum failed, or a graceful
   * resignation). It tells the voters with EndQuorumEpoch, answers no Fetch, grants no vote
   * in this epoch, and after an election timeout is Unattached in the next epoch.
   */
  private becomeResigned(preferredSuccessors: readonly NodeId[]): void {
    this.transition('resigned', this.epoch, this.id, this.votedId)
    for (const voter of this.voters) {
      if (voter === this.id) continue
      const request: EndQuorumEpochRequest = {
        type: 'raft.end-quorum-epoch',
        correlationId: this.correlationId(),
        epoch: this.epoch,
        leaderId: this.id,
        preferredSuccessors,
      }
      this.ctx.send(voter, request)
    }
    this.setStateTimer(ELECTION_TIMER, this.randomElectionTimeoutMs())
  }

  private onElectionTimeout(): void {
    switch (this.role) {
      case 'unattached':
        this.becomeProspective()
        break
      case 'prospective':
        this.afterProspectiveLoss()
        break
      case 'candidate':
        if (this.backingOff) {
          this.becomeProspective()
        } else {
          this.startBackoff()
        }
        break
      case 'resigned':
        // KafkaRaftClient.pollResigned (4.x): after an election timeout, move to the next epoch
        // unattached, so that nothing still in flight from the resigned epoch is mistaken for current.
        this.becomeUnattached(this.epoch + 1, null, null)
        break
      default:
        break
    }
  }

  /** A lost or timed-out pre-vote goes back to following the known leader, else to Unattached (ProspectiveState's lifetime). */
  private afterProspectiveLoss(): void {
    this.retries++
    if (this.leaderId !== null && this.leaderId !== this.id) {
      const leaderId = this.leaderId
      this.transition('follower', this.epoch, leaderId, this.votedId)
      this.setStateTimer(FETCH_TIMEOUT_TIMER, this.config.fetchTimeoutMs)
      this.sendFetch()
    } else {
      const votedId = this.votedId
      this.transition('unattached', this.epoch, null, votedId)
      this.setStateTimer(ELECTION_TIMER, this.randomElectionTimeoutMs())
    }
  }

  /** A candidate that lost backs off for binaryExponentialElectionBackoffMs, then stands again via pre-vote. */
  private startBackoff(): void {
    this.backingOff = true
    this.retries++
    this.cancelStateTimer(ELECTION_TIMER)
    this.setStateTimer(ELECTION_TIMER, binaryExponentialElectionBackoffMs(this.config, this.retries, this.ctx.random()))
  }

  private onFetchTimeout(): void {
    if (this.role !== 'follower') return
    if (this.isVoter) {
      // FollowerState.hasFetchTimeoutExpired: the leader may be gone; find out by pre-vote.
      this.becomeProspective()
    } else {
      // An observer looks for the leader among all voters again.
      this.becomeUnattached(this.epoch, null, null)
    }
  }

  // --- votes ---------------------------------------------------------------------------

  private requestVotes(preVote: boolean): void {
    for (const voter of this.voters) {
      if (voter === this.id) continue
      const correlationId = this.correlationId()
      this.electionRequests.add(correlationId)
      const request: VoteRequest = {
        type: 'raft.vote',
        correlationId,
        epoch: this.epoch,
        candidateId: this.id,
        lastEpoch: this.log.lastEpoch,
        endOffset: this.log.endOffset,
        preVote,
      }
      this.ctx.send(voter, request)
    }
  }

  private maybeWinElection(): boolean {
    if (this.granted.size < this.majority()) return false
    if (this.role === 'prospective') this.becomeCandidate()
    else if (this.role === 'candidate') this.becomeLeader()
    return true
  }

  /** KafkaRaftClient.handleVoteRequest, with QuorumState's canGrantVote rules for each state. */
  private onVoteRequest(from: NodeId, request: VoteRequest): void {
    const respond = (error: RaftError, voteGranted: boolean): void => {
      const response: VoteResponse = {
        type: 'raft.vote-response',
        correlationId: request.correlationId,
        error,
        epoch: this.epoch,
        leaderId: this.role === 'resigned' ? null : this.leaderId,
        voteGranted,
        preVote: request.preVote,
      }
      this.ctx.send(from, response)
    }
    if (!this.isVoter || !this.voters.includes(request.candidateId)) {
      respond('NOT_LEADER_OR_FOLLOWER', false)
      return
    }
    if (request.epoch < this.epoch) {
      respond('FENCED_LEADER_EPOCH', false)
      return
    }
    if (!request.preVote && request.epoch > this.epoch) this.becomeUnattached(request.epoch, null, null)
    const upToDate = isLogUpToDate(request, { lastEpoch: this.log.lastEpoch, endOffset: this.log.endOffset })
    const voter = { id: this.id, role: this.role, votedId: this.votedId, leaderId: this.leaderId, hasFetchedFromLeader: this.hasFetchedFromLeader }
    const granted = canGrantVote(voter, request.candidateId, upToDate, request.preVote)
    if (granted && !request.preVote && this.votedId === null && (this.role === 'unattached' || this.role === 'prospective')) {
      // The vote is on disk before the candidate hears of it.
      this.becomeUnattached(this.epoch, request.candidateId, this.leaderId)
    }
    respond('NONE', granted)
  }

  private onVoteResponse(from: NodeId, response: VoteResponse): void {
    if (!this.electionRequests.has(response.correlationId)) {
      this.maybeHandleCommonResponse(response.epoch, response.leaderId)
      return
    }
    this.electionRequests.delete(response.correlationId)
    if (this.maybeHandleCommonResponse(response.epoch, response.leaderId)) return
    const expectPreVote = this.role === 'prospective'
    if ((this.role !== 'prospective' && this.role !== 'candidate') || response.preVote !== expectPreVote) return
    // A pre-vote is not binding, so a grant from a voter still in an older epoch counts too.
    if (response.error !== 'NONE' || !(response.epoch === this.epoch || (response.preVote && response.epoch < this.epoch))) return
    if (response.voteGranted) {
      this.granted.add(from)
      this.maybeWinElection()
      return
    }
    this.rejected.add(from)
    if (this.rejected.size >= this.majority()) {
      // A majority said no: this election is lost (EpochElection.isVoteRejected).
      if (this.role === 'prospective') this.afterProspectiveLoss()
      else if (!this.backingOff) this.startBackoff()
    }
  }

  // --- leader discovery ----------------------------------------------------------------

  /**
   * KafkaRaftClient.maybeHandleCommonResponse / maybeTransition: a response from a higher
   * epoch moves this node there (following the leader it names, else unattached); one from
   * this epoch that names a leader this node did not know makes it follow that leader.
   * Returns true when the node changed state (the response is then stale for the old one).
   */
  private maybeHandleCommonResponse(epoch: number, leaderId: NodeId | null): boolean {
    if (epoch > this.epoch) {
      if (leaderId !== null && leaderId !== this.id) this.becomeFollower(epoch, leaderId)
      else this.becomeUnattached(epoch, null, null)
      return true
    }
    // Only a node that knows no leader for this epoch learns one here (KafkaRaftClient.maybeTransition:
    // !quorum.hasLeader()); a Prospective still remembers the leader it lost.
    if (epoch === this.epoch && leaderId !== null && this.leaderId === null && leaderId !== this.id) {
      this.becomeFollower(epoch, leaderId)
      return true
    }
    return false
  }

  private onBeginQuorumEpoch(from: NodeId, request: BeginQuorumEpochRequest): void {
    let error: RaftError = 'NONE'
    if (request.epoch < this.epoch) {
      error = 'FENCED_LEADER_EPOCH'
    } else if (request.epoch > this.epoch || (this.role !== 'leader' && this.role !== 'follower' && this.role !== 'resigned')) {
      this.becomeFollower(request.epoch, request.leaderId)
    } else if (this.role === 'leader' || this.leaderId !== request.leaderId) {
      throw new Error(`RaftNode ${describeValue(this.id)}: two leaders in epoch ${request.epoch}: ${describeValue(this.leaderId)} and ${describeValue(request.leaderId)}`)
    }
    this.ctx.send(from, { type: 'raft.begin-quorum-epoch-response', correlationId: request.correlationId, error, epoch: this.epoch, leaderId: this.leaderId })
  }

  /**
   * EndQuorumEpoch: the leader resigned. A follower of it stands after a backoff that grows
   * with its place among the preferred successors (strictExponentialElectionBackoffMs),
   * and no longer refuses pre-votes on the resigned leader's behalf.
   */
  private onEndQuorumEpoch(from: NodeId, request: EndQuorumEpochRequest): void {
    let error: RaftError = 'NONE'
    if (request.epoch < this.epoch) {
      error = 'FENCED_LEADER_EPOCH'
    } else {
      if (request.epoch > this.epoch) this.becomeFollower(request.epoch, request.leaderId)
      if (this.role === 'follower' && this.leaderId === request.leaderId) {
        this.hasFetchedFromLeader = false
        const position = request.preferredSuccessors.indexOf(this.id)
        this.cancelStateTimer(FETCH_TIMEOUT_TIMER)
        this.setStateTimer(FETCH_TIMEOUT_TIMER, strictExponentialElectionBackoffMs(this.config, position, request.preferredSuccessors.length))
      }
    }
    this.ctx.send(from, { type: 'raft.end-quorum-epoch-response', correlationId: request.correlationId, error, epoch: this.epoch, leaderId: this.leaderId })
  }

  private sendBeginQuorumEpoch(): void {
    const leader = this.leaderState
    if (leader === null) return
    for (const voter of leader.unacknowledged) {
      const request: BeginQuorumEpochRequest = { type: 'raft.begin-quorum-epoch', correlationId: this.correlationId(), epoch: this.epoch, leaderId: this.id }
      this.ctx.send(voter, request)
    }
    // Kafka sends BeginQuorumEpoch again to a voter that has not answered within the request timeout.
    if (leader.unacknowledged.size > 0) this.setStateTimer(BEGIN_EPOCH_TIMER, this.config.requestTimeoutMs)
  }

  // --- fetch: the leader's side --------------------------------------------------------

  /** KafkaRaftClient.handleFetchRequest. */
  private onFetchRequest(from: NodeId, request: FetchRequest): void {
    const error = this.validateLeaderOnlyRequest(request.epoch)
    if (error !== 'NONE') {
      this.ctx.send(from, this.fetchResponse(request, error, [], null, null))
      return
    }
    const leader = this.leaderState!
    this.recordVoterFetch(request.replicaId)
    const position = this.log.validateFetchPosition(request.fetchOffset, request.lastFetchedEpoch)
    if (position.kind === 'snapshot') {
      this.ctx.send(from, this.fetchResponse(request, 'NONE', [], null, position.snapshotId))
      return
    }
    if (position.kind === 'diverging') {
      this.ctx.send(from, this.fetchResponse(request, 'NONE', [], { epoch: position.epoch, endOffset: position.endOffset }, null))
      return
    }
    const earlier = this.parkedFetches.get(request.replicaId)
    if (earlier !== undefined) {
      this.parkedFetches.delete(request.replicaId)
      this.ctx.cancelTimer(earlier.timer)
    }
    if (leader.updateReplica(request.replicaId, request.fetchOffset, this.ctx.now)) this.onLeaderHighWatermarkChange()
    const hw = leader.highWatermark ?? -1
    if (request.fetchOffset < this.log.endOffset || request.maxWaitMs === 0 || hw > request.highWatermark) {
      this.answerFetch(from, request)
      return
    }
    // Nothing new: park the fetch until an append or an HW change, or MAX_FETCH_WAIT_MS (the fetch purgatory).
    const timer = this.ctx.setTimer(Math.min(request.maxWaitMs, MAX_FETCH_WAIT_MS), PARKED_FETCH_TIMER, request.replicaId)
    this.parkedFetches.set(request.replicaId, { from, request, timer })
  }

  /** A voter fetched in this epoch: it has acknowledged the leader, and counts for check quorum. */
  private recordVoterFetch(replicaId: NodeId): void {
    const leader = this.leaderState!
    if (!leader.voterProgress.has(replicaId)) return
    leader.acknowledge(replicaId)
    if (leader.recordFetchForCheckQuorum(replicaId)) {
      this.cancelStateTimer(CHECK_QUORUM_TIMER)
      this.setStateTimer(CHECK_QUORUM_TIMER, this.checkQuorumTimeoutMs())
    }
  }

  private validateLeaderOnlyRequest(epoch: number): RaftError {
    if (epoch < this.epoch) return 'FENCED_LEADER_EPOCH'
    if (epoch > this.epoch) return 'UNKNOWN_LEADER_EPOCH'
    if (this.role !== 'leader') return 'NOT_LEADER_OR_FOLLOWER'
    return 'NONE'
  }

  private answerFetch(to: NodeId, request: FetchRequest): void {
    if (this.role !== 'leader') {
      this.ctx.send(to, this.fetchResponse(request, 'NOT_LEADER_OR_FOLLOWER', [], null, null))
      return
    }
    const entries = request.fetchOffset < this.log.endOffset ? this.log.read(request.fetchOffset, MAX_FETCH_ENTRIES) : []
    this.ctx.send(to, this.fetchResponse(request, 'NONE', entries, null, null))
  }

  private fetchResponse(
    request: FetchRequest,
    error: RaftError,
    entries: readonly RaftEntry<T>[],
    divergingEpoch: FetchResponse<T>['divergingEpoch'],
    snapshotId: FetchResponse<T>['snapshotId'],
  ): FetchResponse<T> {
    return {
      type: 'raft.fetch-response',
      correlationId: request.correlationId,
      error,
      epoch: this.epoch,
      leaderId: this.role === 'resigned' ? null : this.leaderId,
      // A new leader knows no HW until an entry of its own epoch is committed.
      highWatermark: this.leaderState?.highWatermark ?? -1,
      logStartOffset: this.log.startOffset,
      entries,
      divergingEpoch,
      snapshotId,
    }
  }

  private afterLeaderAppend(): void {
    this.ctx.storage.flush()
    const leader = this.leaderState!
    if (leader.updateLocalEndOffset(this.log.endOffset)) this.onLeaderHighWatermarkChange()
    // New entries complete every parked fetch (fetchPurgatory.maybeComplete).
    this.completeParkedFetches()
  }

  private onLeaderHighWatermarkChange(): void {
    this.setHighWatermark(this.leaderState!.highWatermark!)
    // Followers learn the new HW at once (fetchPurgatory.completeAll in onUpdateLeaderHighWatermark).
    this.completeParkedFetches()
  }

  private completeParkedFetches(): void {
    const parked = [...this.parkedFetches.values()]
    this.parkedFetches.clear()
    for (const fetch of parked) {
      this.ctx.cancelTimer(fetch.timer)
      this.answerFetch(fetch.from, fetch.request)
    }
  }

  private failParkedFetches(): void {
    const parked = [...this.parkedFetches.values()]
    this.parkedFetches.clear()
    for (const fetch of parked) {
      this.ctx.cancelTimer(fetch.timer)
      this.ctx.send(fetch.from, this.fetchResponse(fetch.request, 'NOT_LEADER_OR_FOLLOWER', [], null, null))
    }
  }

  private onFetchSnapshotRequest(from: NodeId, request: FetchSnapshotRequest): void {
    let error = this.validateLeaderOnlyRequest(request.epoch)
    const snapshot = this.log.snapshot
    if (error === 'NONE' && (snapshot === null || snapshot.endOffset !== request.snapshotId.endOffset || snapshot.epoch !== request.snapshotId.epoch)) {
      error = 'SNAPSHOT_NOT_FOUND'
    }
    // A FetchSnapshot shows the voter follows this leader just as a Fetch does.
    if (error === 'NONE') this.recordVoterFetch(request.replicaId)
    const response: FetchSnapshotResponse<S> = {
      type: 'raft.fetch-snapshot-response',
      correlationId: request.correlationId,
      error,
      epoch: this.epoch,
      leaderId: this.role === 'resigned' ? null : this.leaderId,
      snapshot: error === 'NONE' ? snapshot : null,
    }
    this.ctx.send(from, response)
  }

  // --- fetch: the follower's and observer's side ----------------------------------------

  /** Followers fetch from their leader; an observer that knows none asks a random voter (maybeSendAnyVoterFetch). */
  private sendFetch(): void {
    if (this.fetchInFlight !== null) return
    this.cancelStateTimer(FETCH_SEND_TIMER)
    let to: NodeId
    if (this.role === 'follower' && this.leaderId !== null) {
      to = this.leaderId
    } else if (!this.isVoter && this.role === 'unattached') {
      to = this.voters[Math.floor(this.ctx.random() * this.voters.length)]!
    } else {
      return
    }
    const correlationId = this.correlationId()
    const request: FetchRequest = {
      type: 'raft.fetch',
      correlationId,
      replicaId: this.id,
      epoch: this.epoch,
      fetchOffset: this.log.endOffset,
      lastFetchedEpoch: this.log.lastEpoch,
      highWatermark: this.highWatermark ?? -1,
      maxWaitMs: MAX_FETCH_WAIT_MS,
    }
    this.fetchInFlight = { correlationId, to }
    this.cancelStateTimer(REQUEST_TIMEOUT_TIMER)
    this.setStateTimer(REQUEST_TIMEOUT_TIMER, this.config.requestTimeoutMs)
    this.ctx.send(to, request)
  }

  private sendFetchSnapshot(snapshotId: { endOffset: number; epoch: number }): void {
    const correlationId = this.correlationId()
    this.fetchInFlight = { correlationId, to: this.leaderId! }
    this.cancelStateTimer(REQUEST_TIMEOUT_TIMER)
    this.setStateTimer(REQUEST_TIMEOUT_TIMER, this.config.requestTimeoutMs)
    const request: FetchSnapshotRequest = { type: 'raft.fetch-snapshot', correlationId, replicaId: this.id, epoch: this.epoch, snapshotId }
    this.ctx.send(this.leaderId!, request)
  }

  private scheduleFetch(delayMs: number): void {
    if (this.fetchInFlight !== null || this.stateTimers.has(FETCH_SEND_TIMER)) return
    this.setStateTimer(FETCH_SEND_TIMER, delayMs)
  }

  /** Accepts the answer to the one request in flight, and only that one. */
  private takeInFlight(correlationId: number): boolean {
    if (this.fetchInFlight === null || this.fetchInFlight.correlationId !== correlationId) return false
    this.fetchInFlight = null
    this.cancelStateTimer(REQUEST_TIMEOUT_TIMER)
    return true
  }

  /** KafkaRaftClient.handleFetchResponse. */
  private onFetchResponse(from: NodeId, response: FetchResponse<T>): void {
    if (!this.takeInFlight(response.correlationId)) return
    if (this.maybeHandleCommonResponse(response.epoch, response.leaderId)) return
    if (response.error !== 'NONE' || this.role !== 'follower' || from !== this.leaderId || response.epoch !== this.epoch) {
      this.scheduleFetch(this.config.retryBackoffMs)
      return
    }
    this.hasFetchedFromLeader = true
    this.cancelStateTimer(FETCH_TIMEOUT_TIMER)
    this.setStateTimer(FETCH_TIMEOUT_TIMER, this.config.fetchTimeoutMs)
    if (response.divergingEpoch !== null) {
      const truncateTo = this.log.truncationOffsetFor(response.divergingEpoch)
      if (this.highWatermark !== null && truncateTo < this.highWatermark) {
        throw new Error(`RaftNode ${describeValue(this.id)}: told to truncate to ${truncateTo}, below its high watermark ${this.highWatermark}`)
      }
      this.log.truncateTo(truncateTo)
      this.ctx.emit('raft.truncate', { offset: truncateTo, epoch: this.epoch })
      this.sendFetch()
      return
    }
    if (response.snapshotId !== null) {
      this.sendFetchSnapshot(response.snapshotId)
      return
    }
    const first = response.entries[0]
    if (first !== undefined) {
      if (first.offset !== this.log.endOffset) {
        this.sendFetch()
        return
      }
      this.log.append(response.entries)
      // The next Fetch reports this offset as on disk, so it must be.
      this.ctx.storage.flush()
    }
    if (response.highWatermark >= 0) this.setHighWatermark(Math.min(response.highWatermark, this.log.endOffset))
    this.sendFetch()
  }

  private onFetchSnapshotResponse(from: NodeId, response: FetchSnapshotResponse<S>): void {
    if (!this.takeInFlight(response.correlationId)) return
    if (this.maybeHandleCommonResponse(response.epoch, response.leaderId)) return
    if (response.error !== 'NONE' || response.snapshot === null || this.role !== 'follower' || from !== this.leaderId) {
      this.scheduleFetch(this.config.retryBackoffMs)
      return
    }
    this.hasFetchedFromLeader = true
    this.cancelStateTimer(FETCH_TIMEOUT_TIMER)
    this.setStateTimer(FETCH_TIMEOUT_TIMER, this.config.fetchTimeoutMs)
    this.log.installSnapshot(response.snapshot)
    this.ctx.emit('raft.snapshot-installed', { endOffset: response.snapshot.endOffset, epoch: response.snapshot.epoch })
    // A snapshot holds only committed entries.
    if (this.highWatermark === null || this.highWatermark < response.snapshot.endOffset) this.setHighWatermark(response.snapshot.endOffset)
    else this.updateListenerProgress()
    this.sendFetch()
  }

  // --- the high watermark and the listener ---------------------------------------------

  private setHighWatermark(offset: number): void {
    if (offset === this.highWatermark) return
    this.highWatermark = offset
    this.updateListenerProgress()
  }

  /** KafkaRaftClient.updateListenersProgress: a snapshot first when the listener is behind the log start, then the committed entries. */
  private updateListenerProgress(): void {
    const hw = this.highWatermark
    if (hw === null || this.listener === undefined) {
      this.maybeFireLeaderChange()
      return
    }
    const snapshot = this.log.snapshot
    if (this.nextCommitOffset < hw && snapshot !== null && (this.nextCommitOffset === 0 || this.nextCommitOffset < this.log.startOffset)) {
      this.listener.handleLoadSnapshot(snapshot)
      this.nextCommitOffset = snapshot.endOffset
    }
    const end = Math.min(hw, this.log.endOffset)
    if (this.nextCommitOffset < end) {
      const committed: RaftDataEntry<T>[] = []
      for (const entry of this.log.read(this.nextCommitOffset, end - this.nextCommitOffset)) {
        if (entry.kind === 'data') committed.push(entry)
      }
      this.nextCommitOffset = end
      if (committed.length > 0) this.listener.handleCommit(committed)
    }
    this.maybeFireLeaderChange()
  }

  /** ListenerContext.maybeFireLeaderChange: the local leadership is announced only once the listener has read up to the epoch's start. */
  private maybeFireLeaderChange(): void {
    if (this.listener === undefined) return
    const current = this.leaderAndEpoch()
    if (this.lastFiredLeader !== null && this.lastFiredLeader.epoch === current.epoch && this.lastFiredLeader.leaderId === current.leaderId) return
    if (this.role === 'leader' && (this.leaderState === null || this.nextCommitOffset < this.leaderState.epochStartOffset)) return
    this.lastFiredLeader = current
    this.listener.handleLeaderChange(current)
  }

  // --- helpers -------------------------------------------------------------------------

  private majority(): number {
    return Math.floor(this.voters.length / 2) + 1
  }

  private randomElectionTimeoutMs(): number {
    return randomElectionTimeoutMs(this.config, this.ctx.random())
  }

  private checkQuorumTimeoutMs(): number {
    return Math.floor(this.config.fetchTimeoutMs * CHECK_QUORUM_TIMEOUT_FACTOR)
  }

  private correlationId(): number {
    return this.nextCorrelationId++
  }

  private setStateTimer(name: string, delayMs: number): void {
    this.stateTimers.set(name, this.ctx.setTimer(delayMs, name))
  }

  private cancelStateTimer(name: string): void {
    const timer = this.stateTimers.get(name)
    if (timer === undefined) return
    this.ctx.cancelTimer(timer)
    this.stateTimers.delete(name)
  }
}
