// The partition assignors by name: the client-side ones a consumer lists in
// partition.assignment.strategy (classic protocol), and the broker-side ones of KIP-848
// (group.remote.assignor / group.consumer.assignors, group.protocol=consumer).

import { rangeAssignor } from './range.ts'
import { roundRobinAssignor } from './roundrobin.ts'
import { cooperativeStickyAssignor, stickyAssignor } from './sticky.ts'
import type { ConsumerPartitionAssignor } from './types.ts'
import { serverRangeAssignor } from './server/range.ts'
import { uniformAssignor } from './server/uniform.ts'
import type { ServerPartitionAssignor } from './server/types.ts'

export type { AssignorMember, ConsumerPartitionAssignor, GroupAssignmentInput, RebalanceProtocol, TopicPartitionRef } from './types.ts'
export type { ServerAssignmentInput, ServerAssignorMember, ServerPartitionAssignor } from './server/types.ts'

const CLIENT: readonly ConsumerPartitionAssignor[] = [rangeAssignor, roundRobinAssignor, stickyAssignor, cooperativeStickyAssignor]
const SERVER: readonly ServerPartitionAssignor[] = [uniformAssignor, serverRangeAssignor]

export const CLIENT_ASSIGNORS: readonly string[] = CLIENT.map((a) => a.name)
export const SERVER_ASSIGNORS: readonly string[] = SERVER.map((a) => a.name)

export function clientAssignor(name: string): ConsumerPartitionAssignor | undefined {
  return CLIENT.find((a) => a.name === name)
}

export function serverAssignor(name: string): ServerPartitionAssignor | undefined {
  return SERVER.find((a) => a.name === name)
}
