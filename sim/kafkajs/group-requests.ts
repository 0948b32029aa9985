// Consumer-group admin requests over the simulated network: the path an admin client
// (KafkaJS's admin, Java's KafkaAdminClient behind kafka-consumer-groups) takes. A
// GroupRequestClient node sends one request at a time to a broker and keeps the answer;
// the operations below (findCoordinator, listGroups, describeGroup, fetchOffsets,
// commitOffsets, deleteGroup) are generators that yield the requests they need and read the answers,
// so that the KafkaJS facade runs them on virtual time (runGroupOpAsync) and the shell runs
// them synchronously (runGroupOpSync) with one copy of the protocol logic.
//
// Retries follow the admin client: FindCoordinator is asked again after
// COORDINATOR_NOT_AVAILABLE (the first request creates __consumer_offsets), and a
// coordinator's NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or COORDINATOR_LOAD_IN_PROGRESS
// sends the caller back to FindCoordinator after retry.backoff.ms (100 ms), as
// KafkaAdminClient's coordinator lookups do (clients/.../admin/internals/CoordinatorStrategy.java).
// A request that gets no answer within request.timeout.ms is tried on another broker.

import { KafkaError, type ErrorName } from '../../core/errors.ts'
import type { Message, NodeContext, NodeId, SimNode, TimerId } from '../../core/node.ts'
import {
  firstCorrelationId,
  type DeleteGroupsResponse,
  type DescribedGroup,
  type DescribeGroupsResponse,
  type FindCoordinatorResponse,
  type GroupResponse,
  type ListGroupsResponse,
  type OffsetCommitResponse,
  type OffsetFetchResponse,
} from '../../core/protocol.ts'
import type { Cluster } from '../cluster.ts'
import type { VirtualTime } from './virtual-time.ts'

/** request.timeout.ms of the admin client (KafkaJS requestTimeout and Java's default: 30 s). */
export const ADMIN_REQUEST_TIMEOUT_MS = 30_000
/** retry.backoff.ms between coordinator lookups. */
const RETRY_BACKOFF_MS = 100
/** How many lookups before giving up (about default.api.timeout.ms, 60 s, of backoffs and timeouts). */
const MAX_ATTEMPTS = 50

const RETRY_WITH_NEW_COORDINATOR: ReadonlySet<ErrorName> = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS'])

/** What a request got: the broker's response, or nothing within the request timeout. */
export type Answer = GroupResponse | { type: 'RequestTimedOut' }

/** A group request as the operations build it: the node adds the correlation id. */
type RequestBody = { type: 'FindCoordinator'; key: string } | { type: 'ListGroups' } | { type: 'DescribeGroups'; groups: readonly string[] } | { type: 'DeleteGroups'; groupIds: readonly string[] } | { type: 'OffsetFetch'; groupId: string; partitions: readonly { topic: string; partition: number }[] | null } | { type: 'OffsetCommit'; groupId: string; generationIdOrMemberEpoch: number; memberId: string; groupInstanceId: string | null; partitions: readonly { topic: string; partition: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string }[] }

type Step = { kind: 'request'; to: number; request: RequestBody } | { kind: 'sleep'; ms: number }

/** A group operation: yields requests (answered with an Answer) and sleeps (answered with null). */
export type GroupOp<T> = Generator<Step, T, Answer | null>

/** The client node: one outstanding request per send command, each answer kept by correlation id. */
export class GroupRequestClient implements SimNode {
  private nextCorrelationId: number
  private readonly timers = new Map<number, TimerId>()
  readonly answers = new Map<number, Answer>()

  constructor(
    private readonly ctx: NodeContext,
    private readonly requestTimeoutMs: number,
  ) {
    this.nextCorrelationId = firstCorrelationId(ctx)
  }

  onCommand(command: unknown): unknown {
    const c = command as { op: string; to?: number; request?: RequestBody; correlationId?: number }
    if (c.op === 'send') {
      const correlationId = this.nextCorrelationId++
      this.timers.set(correlationId, this.ctx.setTimer(this.requestTimeoutMs, 'admin-request-timeout', correlationId))
      const request = { ...c.request!, correlationId }
      this.ctx.send(c.to!, request)
      return correlationId
    }
    if (c.op === 'take') {
      const answer = this.answers.get(c.correlationId!)
      this.answers.delete(c.correlationId!)
      return answer
    }
    throw new Error(`GroupRequestClient: unknown command ${JSON.stringify(c.op)} (expected send or take)`)
  }

  onMessage(_from: NodeId, message: Message): void {
    const correlationId = (message as { correlationId?: number }).correlationId
    if (correlationId === undefined || !this.timers.has(correlationId)) return
    this.ctx.cancelTimer(this.timers.get(correlationId)!)
    this.timers.delete(correlationId)
    this.answers.set(correlationId, message as GroupResponse)
  }

  onTimer(_name: string, data: unknown): void {
    const correlationId = data as number
    if (!this.timers.delete(correlationId)) return
    this.answers.set(correlationId, { type: 'RequestTimedOut' })
  }
}

/** The cluster's admin request node, added on first use (one per cluster, shared by the facade and the shell). */
export function groupRequestClient(cluster: Cluster): string {
  const id = 'admin-group-requests'
  if (!cluster.sim.hasNode(id)) cluster.sim.addNode(id, (ctx) => new GroupRequestClient(ctx, ADMIN_REQUEST_TIMEOUT_MS))
  else if (cluster.sim.stateOf(id) === 'crashed') cluster.sim.restart(id)
  return id
}

/** Brokers a client could reach now (a metadata response lists the live ones). */
function liveBrokers(cluster: Cluster): number[] {
  return cluster.brokerIds.filter((id) => cluster.sim.stateOf(id) === 'up')
}

// --- running an operation ----------------------------------------------------------------

/** Sends a request step from the cluster's request node: whether it is answered yet, and the answer. */
function sendStep(cluster: Cluster, step: Extract<Step, { kind: 'request' }>): { answered: () => boolean; take: () => Answer } {
  const node = groupRequestClient(cluster)
  const correlationId = cluster.sim.command<number>(node, { op: 'send', to: step.to, request: step.request })
  const client = cluster.sim.instanceOf<GroupRequestClient>(node)!
  return { answered: () => client.answers.has(correlationId), take: () => cluster.sim.command<Answer>(node, { op: 'take', correlationId }) }
}

/** Runs an operation to its end, running the simulation synchronously (the shell). */
export function runGroupOpSync<T>(cluster: Cluster, op: GroupOp<T>): T {
  for (let next = op.next(null); ; ) {
    if (next.done) return next.value
    const step = next.value
    if (step.kind === 'sleep') {
      cluster.sim.runFor(step.ms)
      next = op.next(null)
    } else {
      const { answered, take } = sendStep(cluster, step)
      cluster.sim.runUntil(answered, { timeoutMs: ADMIN_REQUEST_TIMEOUT_MS + 1 })
      next = op.next(take())
    }
  }
}

/** Runs an operation on virtual time (the KafkaJS facade): the simulation runs while it waits. */
export async function runGroupOpAsync<T>(cluster: Cluster, clock: VirtualTime, op: GroupOp<T>): Promise<T> {
  for (let next = op.next(null); ; ) {
    if (next.done) return next.value
    const step = next.value
    if (step.kind === 'sleep') {
      await clock.sleep(step.ms, 'admin: retry backoff')
      next = op.next(null)
    } else {
      const { answered, take } = sendStep(cluster, step)
      await clock.until(answered, { timeoutMs: ADMIN_REQUEST_TIMEOUT_MS + 1, onTimeout: () => new Error(`admin: no answer to ${step.request.type} from broker ${step.to}`) })
      next = op.next(take())
    }
  }
}

// --- the operations ----------------------------------------------------------------------

/** FindCoordinator until a broker names the group's coordinator. */
export function* findCoordinator(cluster: Cluster, groupId: string): GroupOp<number> {
  let lastError: ErrorName | 'REQUEST_TIMED_OUT' = 'COORDINATOR_NOT_AVAILABLE'
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const brokers = liveBrokers(cluster)
    if (brokers.length === 0) throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'no broker is running')
    const answer = yield { kind: 'request', to: brokers[attempt % brokers.length]!, request: { type: 'FindCoordinator', key: groupId } }
    if (answer?.type === 'FindCoordinatorResponse') {
      const response = answer as FindCoordinatorResponse
      if (response.errorCode === 'NONE') return response.nodeId
      if (!RETRY_WITH_NEW_COORDINATOR.has(response.errorCode)) throw new KafkaError(response.errorCode, response.errorMessage ?? `FindCoordinator for group ${groupId} failed`)
      lastError = response.errorCode
    } else {
      lastError = 'REQUEST_TIMED_OUT'
    }
    yield { kind: 'sleep', ms: RETRY_BACKOFF_MS }
  }
  throw new KafkaError(lastError === 'REQUEST_TIMED_OUT' ? 'REQUEST_TIMED_OUT' : lastError, `no coordinator found for group ${groupId} after ${MAX_ATTEMPTS} attempts`)
}

/**
 * Sends a request to the group's coordinator; asks FindCoordinator again when the answer
 * says the coordinator moved or is loading (`groupError` reads that error from the answer).
 */
function* toCoordinator<R extends GroupResponse>(cluster: Cluster, groupId: string, request: RequestBody, groupError: (response: R) => ErrorName): GroupOp<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const coordinator = yield* findCoordinator(cluster, groupId)
    const answer = yield { kind: 'request', to: coordinator, request }
    if (answer && answer.type !== 'RequestTimedOut') {
      const response = answer as R
      if (!RETRY_WITH_NEW_COORDINATOR.has(groupError(response))) return response
    }
    yield { kind: 'sleep', ms: RETRY_BACKOFF_MS }
  }
  throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `${request.type} for group ${groupId}: the coordinator did not answer after ${MAX_ATTEMPTS} attempts`)
}

/** ListGroups on every live broker (each answers for the groups it coordinates), merged and sorted. */
export function* listGroups(cluster: Cluster): GroupOp<{ groupId: string; protocolType: string; groupState: string }[]> {
  const groups = new Map<string, { groupId: string; protocolType: string; groupState: string }>()
  for (const broker of liveBrokers(cluster)) {
    for (let attempt = 0; ; attempt++) {
      const answer = yield { kind: 'request', to: broker, request: { type: 'ListGroups' } }
      if (answer?.type === 'ListGroupsResponse') {
        const response = answer as ListGroupsResponse
        if (response.errorCode === 'NONE') {
          for (const g of response.groups) groups.set(g.groupId, g)
          break
        }
        if (response.errorCode !== 'COORDINATOR_LOAD_IN_PROGRESS' || attempt >= MAX_ATTEMPTS) throw new KafkaError(response.errorCode, `ListGroups on broker ${broker} failed`)
      } else if (attempt >= 2) {
        break // a broker that stopped answering has no groups to report
      }
      yield { kind: 'sleep', ms: RETRY_BACKOFF_MS }
    }
  }
  return [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
}

/** DescribeGroups for one group at its coordinator (Dead with no members when it does not exist). */
export function* describeGroup(cluster: Cluster, groupId: string): GroupOp<DescribedGroup & { coordinator: number }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const coordinator = yield* findCoordinator(cluster, groupId)
    const answer = yield { kind: 'request', to: coordinator, request: { type: 'DescribeGroups', groups: [groupId] } }
    if (answer?.type === 'DescribeGroupsResponse') {
      const group = (answer as DescribeGroupsResponse).groups[0]!
      if (!RETRY_WITH_NEW_COORDINATOR.has(group.errorCode)) return { ...group, coordinator }
    }
    yield { kind: 'sleep', ms: RETRY_BACKOFF_MS }
  }
  throw new KafkaError('COORDINATOR_NOT_AVAILABLE', `DescribeGroups for group ${groupId}: the coordinator did not answer after ${MAX_ATTEMPTS} attempts`)
}

/** OffsetFetch: the group's committed offsets (every partition it has one for when `partitions` is null). */
export function* fetchGroupOffsets(cluster: Cluster, groupId: string, partitions: readonly { topic: string; partition: number }[] | null): GroupOp<OffsetFetchResponse['partitions']> {
  const response = yield* toCoordinator<OffsetFetchResponse>(cluster, groupId, { type: 'OffsetFetch', groupId, partitions }, (r) => r.errorCode)
  if (response.errorCode !== 'NONE') throw new KafkaError(response.errorCode, `OffsetFetch for group ${groupId} failed`)
  return response.partitions
}

/**
 * OffsetCommit from outside the group (generation -1, no member id), as
 * Admin.alterConsumerGroupOffsets sends it: the coordinator accepts it only while the group
 * is Empty (or does not exist yet), otherwise UNKNOWN_MEMBER_ID (ClassicGroup.validateOffsetCommit).
 */
export function* commitGroupOffsets(cluster: Cluster, groupId: string, offsets: readonly { topic: string; partition: number; offset: number }[]): GroupOp<void> {
  const partitions = offsets.map((o) => ({ topic: o.topic, partition: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: '' }))
  const request: RequestBody = { type: 'OffsetCommit', groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, partitions }
  const response = yield* toCoordinator<OffsetCommitResponse>(cluster, groupId, request, (r) => r.partitions.find((p) => p.errorCode !== 'NONE')?.errorCode ?? 'NONE')
  const failed = response.partitions.find((p) => p.errorCode !== 'NONE')
  if (failed) throw new KafkaError(failed.errorCode, `OffsetCommit for group ${groupId}, ${failed.topic}-${failed.partition} failed`)
}

/**
 * DeleteGroups for one group at its coordinator: the group's error code (NONE when it was
 * deleted; GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, INVALID_GROUP_ID, ... otherwise). The admin
 * client looks the coordinator up again after NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and
 * COORDINATOR_LOAD_IN_PROGRESS (clients/.../admin/internals/DeleteConsumerGroupsHandler.java).
 */
export function* deleteGroup(cluster: Cluster, groupId: string): GroupOp<ErrorName> {
  const errorOf = (r: DeleteGroupsResponse) => r.results.find((g) => g.groupId === groupId)?.errorCode ?? 'UNKNOWN_SERVER_ERROR'
  const response = yield* toCoordinator<DeleteGroupsResponse>(cluster, groupId, { type: 'DeleteGroups', groupIds: [groupId] }, errorOf)
  return errorOf(response)
}
