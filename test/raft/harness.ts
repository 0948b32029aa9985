// A small quorum on the real sim kernel: 1, 3 or 5 voters and some observers, each a
// RaftNode hosted by a test node whose state machine is the list of committed payloads.
// Faults come from the kernel (crash, power loss, pause) and its network (isolation,
// partitions); invariants are checked after every event.

import type { Message, NodeContext, NodeId, SimNode, TimerId } from '../../core/node.ts'
import type { RaftConfig } from '../../core/raft/config.ts'
import { checkRaftInvariants, emptyRaftHistory, recordRaftHistory, type RaftHistory, type RaftReplicaObservation } from '../../core/raft/invariants.ts'
import { readStoredRaftLog, type RaftDataEntry, type RaftSnapshot } from '../../core/raft/log.ts'
import { RaftNode, type LeaderAndEpoch, type RaftListener } from '../../core/raft/raft-node.ts'
import type { LinkSpec } from '../../sim/network.ts'
import { Simulation } from '../../sim/simulation.ts'
import type { TraceRecord } from '../../sim/trace.ts'

/** The test state machine: every committed payload, in order. */
export interface AppliedState {
  readonly applied: readonly number[]
}

export class RaftTestNode implements SimNode, RaftListener<number, AppliedState> {
  readonly raft: RaftNode<number, AppliedState>
  applied: number[] = []
  /** The offset after the last entry applied (or the loaded snapshot's end). */
  appliedEndOffset = 0
  readonly leaderChanges: LeaderAndEpoch[] = []
  /** How many payloads were applied when each leader change fired. */
  readonly appliedAtLeaderChange: number[] = []
  snapshotsLoaded = 0

  constructor(
    readonly ctx: NodeContext,
    voters: readonly NodeId[],
    config: Partial<RaftConfig>,
  ) {
    this.raft = new RaftNode<number, AppliedState>(ctx, { voters, config, listener: this })
  }

  start(): void {
    this.raft.start()
  }

  onMessage(from: NodeId, message: Message): void {
    if (!this.raft.handleMessage(from, message)) throw new Error(`unexpected message ${message.type}`)
  }

  onTimer(name: string, data: unknown, timer: TimerId): void {
    if (!this.raft.handleTimer(name, data, timer)) throw new Error(`unexpected timer ${name}`)
  }

  snapshot(): unknown {
    return this.raft.view()
  }

  handleCommit(entries: readonly RaftDataEntry<number>[]): void {
    for (const entry of entries) {
      if (entry.offset < this.appliedEndOffset) throw new Error(`node ${String(this.ctx.id)}: offset ${entry.offset} committed twice`)
      this.applied.push(entry.payload)
      this.appliedEndOffset = entry.offset + 1
    }
  }

  handleLoadSnapshot(snapshot: RaftSnapshot<AppliedState>): void {
    this.applied = [...snapshot.state.applied]
    this.appliedEndOffset = snapshot.endOffset
    this.snapshotsLoaded++
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.leaderChanges.push(leader)
    this.appliedAtLeaderChange.push(this.applied.length)
  }

  /** Snapshots the state machine as it is (KafkaRaftClient.createSnapshot at the applied offset). */
  takeSnapshot(): boolean {
    if (this.appliedEndOffset === 0) return false
    return this.raft.createSnapshot(this.appliedEndOffset, { applied: [...this.applied] })
  }
}

export interface QuorumOptions {
  seed: number
  voters: 1 | 3 | 5
  observers?: number
  config?: Partial<RaftConfig>
  /** Check the invariants after every event (default true). */
  checkInvariants?: boolean
  network?: LinkSpec
}

export class TestQuorum {
  readonly sim: Simulation
  readonly voterIds: string[]
  readonly observerIds: string[]
  history: RaftHistory = emptyRaftHistory()
  readonly violations: string[] = []
  private nextPayload = 1
  /** Payloads a leader accepted (not necessarily committed). */
  readonly appended: number[] = []
  /** The replicas' Raft trace events (transitions, truncations, snapshot installs), in order. */
  readonly events: TraceRecord[] = []

  constructor(options: QuorumOptions) {
    this.sim = new Simulation({ seed: options.seed, ...(options.network ? { network: options.network } : {}) })
    this.sim.trace.subscribe((record) => {
      if (record.type.startsWith('raft.')) this.events.push(record)
    })
    this.voterIds = Array.from({ length: options.voters }, (_, i) => `c${i + 1}`)
    this.observerIds = Array.from({ length: options.observers ?? 0 }, (_, i) => `o${i + 1}`)
    const config = options.config ?? {}
    for (const id of [...this.voterIds, ...this.observerIds]) {
      this.sim.addNode(id, (ctx) => new RaftTestNode(ctx, this.voterIds, config))
    }
    if (options.checkInvariants ?? true) {
      this.sim.afterEachEvent(() => this.check(false))
    }
  }

  get ids(): string[] {
    return [...this.voterIds, ...this.observerIds]
  }

  node(id: NodeId): RaftTestNode | undefined {
    return this.sim.stateOf(id) === 'crashed' ? undefined : this.sim.instanceOf<RaftTestNode>(id)
  }

  /** Every replica as the checkers see it: live state when up or paused, the disk when crashed. */
  observe(): RaftReplicaObservation[] {
    return this.ids.map((id) => {
      const stored = readStoredRaftLog<number, AppliedState>(this.sim.storageOf(id))
      const node = this.node(id)
      const view = node?.raft.view()
      return {
        id,
        isVoter: this.voterIds.includes(id),
        role: view?.role ?? null,
        epoch: view?.epoch ?? null,
        highWatermark: view?.highWatermark ?? null,
        logStartOffset: stored.startOffset,
        entries: stored.entries,
        snapshot: stored.snapshot === null ? null : { endOffset: stored.snapshot.endOffset, epoch: stored.snapshot.epoch },
      }
    })
  }

  check(full: boolean): void {
    const replicas = this.observe()
    const found = checkRaftInvariants(this.history, replicas, full)
    if (found.length > 0 && this.violations.length < 20) this.violations.push(...found.map((v) => `at ${this.sim.now} ms: ${v}`))
    this.history = recordRaftHistory(this.history, replicas)
  }

  /** The nodes that are up and think they lead. */
  leaders(): RaftTestNode[] {
    return this.ids.map((id) => (this.sim.stateOf(id) === 'up' ? this.node(id) : undefined)).filter((n): n is RaftTestNode => n?.raft.isLeader() ?? false)
  }

  /** Appends the next payload through the current leader, if there is exactly one. Returns the payload or null. */
  appendThroughLeader(): number | null {
    const leaders = this.leaders()
    if (leaders.length !== 1) return null
    const raft = leaders[0]!.raft
    const payload = this.nextPayload
    const result = raft.append(raft.currentEpoch, [payload])
    if (!result.ok) return null
    this.nextPayload++
    this.appended.push(payload)
    return payload
  }

  /**
   * Exactly one leader, followed by every up voter and observer in its epoch, its HW
   * past its epoch's first record, and every up replica caught up to it.
   */
  converged(): boolean {
    const leaders = this.leaders()
    if (leaders.length !== 1) return false
    const leader = leaders[0]!.raft.view()
    if (leader.highWatermark === null || leader.highWatermark < leader.logEndOffset) return false
    for (const id of this.ids) {
      if (this.sim.stateOf(id) !== 'up') return false
      const view = this.node(id)!.raft.view()
      if (view.epoch !== leader.epoch || view.leaderId !== leader.id) return false
      if (view.highWatermark !== leader.highWatermark || view.logEndOffset !== leader.logEndOffset) return false
    }
    return true
  }

  /** Runs until converged(), or throws naming every replica's state. */
  settle(timeoutMs = 20_000): void {
    this.sim.runUntil(() => this.converged(), { timeoutMs, describe: () => this.describe() })
  }

  /** The transitions traced so far, as [node, role, epoch]. */
  transitions(): { node: NodeId; role: string; epoch: number; time: number }[] {
    return this.events
      .filter((e) => e.type === 'raft.transition')
      .map((e) => ({ node: e.node!, role: e.data.role as string, epoch: e.data.epoch as number, time: e.time }))
  }

  describe(): string {
    return this.ids
      .map((id) => {
        const state = this.sim.stateOf(id)
        const view = this.node(id)?.raft.view()
        return view === undefined ? `${id}: ${state}` : `${id}: ${state} ${view.role} e${view.epoch} leader=${String(view.leaderId)} hw=${String(view.highWatermark)} leo=${view.logEndOffset}`
      })
      .join('; ')
  }
}
