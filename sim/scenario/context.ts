// What a running scenario knows: the cluster, when the scenario started, the names steps
// bound with `as`, and the readings every part of the engine shares (who leads a partition,
// which replicas are in sync, what errors each client has seen).

import type { PartitionState } from '../../core/metadata/image.ts'
import type { NodeId } from '../../core/node.ts'
import { checkHistory, committedLogs, type HistoryReport } from '../checkers/history.ts'
import { CONTROLLER_ID, type Cluster } from '../cluster.ts'
import type { TraceRecord } from '../trace.ts'
import { coordinatorOf as coordinatorOfGroup } from './groups.ts'
import { COORDINATOR_OF, NO_LEADER, splitPartition } from './references.ts'
import type { ConsumerGroupSpec } from './types.ts'
import type { NodeRef, ScenarioContext } from './types.ts'

const LEADER_OF = /^leader of (.+-\d+)$/

/** A client error seen in the trace: its name, and when first. */
interface SeenError {
  count: number
  firstAtMs: number
}

/** Trace records that carry an error a client saw, and how to read its name. */
function errorOf(record: TraceRecord): string | null {
  const data = record.data as Record<string, unknown>
  switch (record.type) {
    case 'producer-retry':
      return typeof data.errorCode === 'string' ? data.errorCode : null
    case 'producer-batch-failed':
      return typeof data.error === 'string' ? data.error : null
    case 'consumer-error':
      return typeof data.exception === 'string' ? data.exception : null
    case 'consumer-offset-out-of-range':
      return 'OFFSET_OUT_OF_RANGE'
    case 'consumer-commit-failed':
      // CommitFailedException (the member was removed from the group), RebalanceInProgressException, ...
      return typeof data.error === 'string' ? data.error : null
    default:
      return null
  }
}

export class RunContext implements ScenarioContext {
  readonly bound = new Map<string, NodeId>()
  /** The scenario's consumer groups, by id (addGroupMember copies their settings). */
  readonly groups = new Map<string, ConsumerGroupSpec>()
  /** Each group member's client id -> its group.id (reprocessed records are counted per group). */
  readonly memberGroups = new Map<string, string>()
  /** Bursts sent so far (produce steps), to keep their values unique. */
  bursts = 0
  /** Client id -> error name -> what was seen. */
  private readonly errors = new Map<string, Map<string, SeenError>>()

  constructor(
    readonly cluster: Cluster,
    /** Simulated ms when the scenario's clock started. */
    readonly startMs: number,
  ) {
    cluster.trace.subscribe((record) => this.onTrace(record))
  }

  get now(): number {
    return this.cluster.now - this.startMs
  }

  /** The leader a leader condition or expectation names: a node, or -1 for "none". */
  resolveLeader(ref: NodeRef): NodeId {
    return ref === NO_LEADER ? -1 : this.resolve(ref)
  }

  /** The node a reference names now; throws an Error saying why when it names none. */
  resolve(ref: NodeRef): NodeId {
    if (typeof ref === 'number') return ref
    if (ref === 'controller') return CONTROLLER_ID
    const bound = this.bound.get(ref)
    if (bound !== undefined) return bound
    const leaderOf = LEADER_OF.exec(ref)
    if (leaderOf) {
      const state = this.partitionState(leaderOf[1]!)
      if (!state) throw new Error(`${ref}: the controller knows no such partition now (is it down?)`)
      if (state.leader < 0) throw new Error(`${ref}: the partition has no leader now`)
      return state.leader
    }
    const coordinatorOf = COORDINATOR_OF.exec(ref)
    if (coordinatorOf) return coordinatorOfGroup(this, coordinatorOf[1]!)
    if (this.cluster.sim.hasNode(ref)) return ref
    throw new Error(`no node ${JSON.stringify(ref)}`)
  }

  /** The controller's view of a partition ("orders-0"), or undefined while the controller is down. */
  partitionState(ref: string): PartitionState | undefined {
    const { topic, partition } = splitPartition(ref)
    const image = this.cluster.controller()?.image
    const t = image?.topic(topic)
    return t?.partitions.get(partition)
  }

  history(): HistoryReport {
    return checkHistory(this.cluster.history, committedLogs(this.cluster))
  }

  /** How often `client` saw `error` (a Kafka error name or a client exception), and when first. */
  errorsSeen(client: string, error: string): SeenError | undefined {
    return this.errors.get(client)?.get(error)
  }

  private onTrace(record: TraceRecord): void {
    const error = errorOf(record)
    if (error === null || typeof record.node !== 'string') return
    let byName = this.errors.get(record.node)
    if (!byName) this.errors.set(record.node, (byName = new Map()))
    const seen = byName.get(error)
    if (seen) seen.count++
    else byName.set(error, { count: 1, firstAtMs: record.time - this.startMs })
  }
}
