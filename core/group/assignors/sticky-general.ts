// The sticky assignors' general algorithm, used when members subscribe different topics.
// Source: AbstractStickyAssignor.GeneralAssignmentBuilder (clients/src/main/java/org/apache/
// kafka/clients/consumer/internals/AbstractStickyAssignor.java, Kafka 4.x), without racks.
//
// 1. Keep every valid owned partition whose member still subscribes its topic.
// 2. Give each unassigned partition (topics with the fewest potential members first) to the
//    subscriber holding the fewest partitions (ties by member id).
// 3. While the assignment is not balanced (some member could take a partition from one that has
//    two or more than it), move partitions: back to their previous-generation owner when that
//    evens things, else to the least loaded subscriber; undo such moves if the balance score
//    (the sum of count differences over all pairs) did not improve.
// "Balanced" here is Kafka's: no single partition can move to a member of its topic that has at
// least two fewer. With different subscriptions that is not always the global optimum.

import type { TopicPartitionRef } from './types.ts'
import { compareStrings, compareTopicThenPartition, partitionKey, refKey } from './common.ts'
import { PartitionMovements } from './partition-movements.ts'
import type { StickyResult } from './sticky-constrained.ts'
import { previousAssignment, removePartition } from './sticky-ownership.ts'
import type { OwnedPartitions, PreviousOwner, StickyGroup } from './sticky-ownership.ts'

export function generalAssign(group: StickyGroup, owned: OwnedPartitions): StickyResult {
  return new GeneralAssignmentBuilder(group, owned).build()
}

class GeneralAssignmentBuilder {
  private readonly currentAssignment: Map<string, TopicPartitionRef[]>
  private readonly topic2AllPotentialConsumers = new Map<string, string[]>()
  private readonly consumer2AllPotentialTopics = new Map<string, string[]>()
  private readonly currentPartitionConsumer = new Map<string, string>()
  /** TreeSet<String> sortedCurrentSubscriptions: which members it holds; the order is computed. */
  private readonly sortedMembers = new Set<string>()
  private readonly movements = new PartitionMovements()
  private readonly totalPartitions: number
  private sortedAllPartitions: TopicPartitionRef[]
  private revocationRequired = false

  constructor(
    private readonly group: StickyGroup,
    private readonly owned: OwnedPartitions,
  ) {
    this.currentAssignment = new Map([...owned.consumerToOwnedPartitions].map(([id, list]) => [id, [...list]]))
    for (const topic of group.partitionsPerTopic.keys()) this.topic2AllPotentialConsumers.set(topic, [])
    let total = 0
    for (const count of group.partitionsPerTopic.values()) total += count
    this.totalPartitions = total
    for (const member of group.members) {
      const topics = member.topics.filter((t) => group.partitionsPerTopic.has(t))
      this.consumer2AllPotentialTopics.set(member.memberId, topics)
      for (const t of topics) this.topic2AllPotentialConsumers.get(t)!.push(member.memberId)
      if (!this.currentAssignment.has(member.memberId)) this.currentAssignment.set(member.memberId, [])
    }
    for (const [id, list] of this.currentAssignment) for (const tp of list) this.currentPartitionConsumer.set(refKey(tp), id)
    // TopicComparator: fewest potential consumers first, then by name.
    const sortedTopics = [...this.topic2AllPotentialConsumers.keys()].sort(
      (a, b) => this.topic2AllPotentialConsumers.get(a)!.length - this.topic2AllPotentialConsumers.get(b)!.length || compareStrings(a, b),
    )
    this.sortedAllPartitions = sortedTopics.flatMap((topic) =>
      Array.from({ length: group.partitionsPerTopic.get(topic)! }, (_, p) => ({ topic, partition: p })),
    )
  }

  build(): StickyResult {
    const prevAssignment = previousAssignment(this.group, this.owned.maxGeneration)
    const assigned = this.assignOwnedPartitions()
    const unassigned = this.sortedAllPartitions.filter((tp) => !assigned.has(refKey(tp)))
    for (const id of this.currentAssignment.keys()) this.sortedMembers.add(id)
    this.balance(prevAssignment, unassigned)
    for (const list of this.currentAssignment.values()) list.sort(compareTopicThenPartition)
    return { assignment: this.currentAssignment, partitionsTransferringOwnership: null }
  }

  /** SubscriptionComparator order: fewest partitions first, then member id. */
  private sorted(): string[] {
    return [...this.sortedMembers].sort((a, b) => this.sizeOf(a) - this.sizeOf(b) || compareStrings(a, b))
  }

  private sizeOf(member: string): number {
    return this.currentAssignment.get(member)!.length
  }

  private assignOwnedPartitions(): Set<string> {
    const assigned = new Set<string>()
    for (const [consumer, list] of this.currentAssignment) {
      const member = this.group.byId.get(consumer)!
      for (const tp of [...list]) {
        if (!this.topic2AllPotentialConsumers.has(tp.topic)) {
          removePartition(list, refKey(tp))
          this.currentPartitionConsumer.delete(refKey(tp))
        } else if (!member.topics.includes(tp.topic)) {
          // No longer subscribed: it must be revoked, so only added partitions move at first.
          removePartition(list, refKey(tp))
          this.revocationRequired = true
        } else {
          assigned.add(refKey(tp))
        }
      }
    }
    return assigned
  }

  private isBalanced(): boolean {
    const order = this.sorted()
    if (order.length === 0) return true
    const min = this.sizeOf(order[0]!)
    const max = this.sizeOf(order[order.length - 1]!)
    if (min >= max - 1) return true
    const owner = new Map<string, string>()
    for (const [id, list] of this.currentAssignment) for (const tp of list) owner.set(refKey(tp), id)
    for (const consumer of order) {
      const count = this.sizeOf(consumer)
      const topics = this.consumer2AllPotentialTopics.get(consumer)!
      if (count === this.maxAssignmentSize(topics)) continue
      const mine = new Set(this.currentAssignment.get(consumer)!.map(refKey))
      for (const topic of topics) {
        for (let p = 0; p < this.group.partitionsPerTopic.get(topic)!; p++) {
          const key = partitionKey(topic, p)
          if (mine.has(key)) continue
          const other = owner.get(key)
          // A partition held by a member outside the reassignment scope counts as immovable.
          if (other === undefined || !this.currentAssignment.has(other)) continue
          if (count + 1 < this.sizeOf(other)) return false
        }
      }
    }
    return true
  }

  private maxAssignmentSize(topics: readonly string[]): number {
    if (topics.length === this.group.partitionsPerTopic.size) return this.totalPartitions
    return topics.reduce((sum, t) => sum + this.group.partitionsPerTopic.get(t)!, 0)
  }

  private static balanceScore(assignment: Map<string, TopicPartitionRef[]>): number {
    const sizes = [...assignment.values()].map((l) => l.length)
    let score = 0
    for (let i = 0; i < sizes.length; i++) for (let j = i + 1; j < sizes.length; j++) score += Math.abs(sizes[i]! - sizes[j]!)
    return score
  }

  private assignToLeastLoaded(tp: TopicPartitionRef): void {
    for (const consumer of this.sorted()) {
      if (this.consumer2AllPotentialTopics.get(consumer)!.includes(tp.topic)) {
        this.currentAssignment.get(consumer)!.push(tp)
        this.currentPartitionConsumer.set(refKey(tp), consumer)
        return
      }
    }
  }

  private canTopicParticipate(topic: string): boolean {
    return this.topic2AllPotentialConsumers.get(topic)!.length >= 2
  }

  private canConsumerParticipate(consumer: string): boolean {
    const current = this.currentAssignment.get(consumer)!
    const max = this.maxAssignmentSize(this.consumer2AllPotentialTopics.get(consumer)!)
    if (current.length < max) return true
    return current.some((tp) => this.canTopicParticipate(tp.topic))
  }

  private balance(prevAssignment: Map<string, PreviousOwner>, unassignedIn: TopicPartitionRef[]): void {
    const order = this.sorted()
    const initializing = order.length === 0 || this.sizeOf(order[order.length - 1]!) === 0

    for (const tp of unassignedIn) {
      if (this.topic2AllPotentialConsumers.get(tp.topic)!.length === 0) continue
      this.assignToLeastLoaded(tp)
    }

    // Only topics with two or more potential members, and members that could change, take part.
    const reassignable = (tp: TopicPartitionRef): boolean => this.canTopicParticipate(tp.topic)
    this.sortedAllPartitions = this.sortedAllPartitions.filter(reassignable)
    const unassigned = unassignedIn.filter(reassignable)
    const fixedAssignments = new Map<string, TopicPartitionRef[]>()
    for (const consumer of this.consumer2AllPotentialTopics.keys()) {
      if (!this.canConsumerParticipate(consumer)) {
        this.sortedMembers.delete(consumer)
        fixedAssignments.set(consumer, this.currentAssignment.get(consumer)!)
        this.currentAssignment.delete(consumer)
      }
    }

    const preBalance = new Map([...this.currentAssignment].map(([id, l]) => [id, [...l]]))
    const preBalanceOwners = new Map(this.currentPartitionConsumer)

    if (!this.revocationRequired) this.performReassignments(unassigned, prevAssignment)
    const reassigned = this.performReassignments(this.sortedAllPartitions, prevAssignment)

    if (!initializing && reassigned && GeneralAssignmentBuilder.balanceScore(this.currentAssignment) >= GeneralAssignmentBuilder.balanceScore(preBalance)) {
      this.currentAssignment.clear()
      for (const [id, l] of preBalance) this.currentAssignment.set(id, l)
      this.currentPartitionConsumer.clear()
      for (const [k, v] of preBalanceOwners) this.currentPartitionConsumer.set(k, v)
    }
    for (const [id, l] of fixedAssignments) {
      this.currentAssignment.set(id, l)
      this.sortedMembers.add(id)
    }
  }

  private performReassignments(partitions: readonly TopicPartitionRef[], prevAssignment: Map<string, PreviousOwner>): boolean {
    let performed = false
    let modified: boolean
    do {
      modified = false
      for (const tp of partitions) {
        if (this.isBalanced()) break
        const consumer = this.currentPartitionConsumer.get(refKey(tp))
        if (consumer === undefined || !this.currentAssignment.has(consumer)) continue
        const prev = prevAssignment.get(refKey(tp))
        // Kafka does not check that the previous owner still takes part and subscribes the
        // topic (it would fail or hand out an unsubscribed partition); the sandbox does.
        if (
          prev !== undefined &&
          this.currentAssignment.has(prev.memberId) &&
          this.consumer2AllPotentialTopics.get(prev.memberId)!.includes(tp.topic) &&
          this.sizeOf(consumer) > this.sizeOf(prev.memberId) + 1
        ) {
          this.reassignPartitionTo(tp, prev.memberId)
          performed = modified = true
          continue
        }
        for (const other of this.topic2AllPotentialConsumers.get(tp.topic)!) {
          if (!this.currentAssignment.has(other)) continue
          if (this.sizeOf(consumer) > this.sizeOf(other) + 1) {
            this.reassignPartition(tp)
            performed = modified = true
            break
          }
        }
      }
    } while (modified)
    return performed
  }

  private reassignPartition(tp: TopicPartitionRef): void {
    const newConsumer = this.sorted().find((c) => this.consumer2AllPotentialTopics.get(c)!.includes(tp.topic))!
    this.reassignPartitionTo(tp, newConsumer)
  }

  private reassignPartitionTo(tp: TopicPartitionRef, newConsumer: string): void {
    const consumer = this.currentPartitionConsumer.get(refKey(tp))!
    const toMove = this.movements.actualPartitionToMove(tp, consumer, newConsumer)
    const oldConsumer = this.currentPartitionConsumer.get(refKey(toMove))!
    this.movements.movePartition(toMove, oldConsumer, newConsumer)
    removePartition(this.currentAssignment.get(oldConsumer)!, refKey(toMove))
    this.currentAssignment.get(newConsumer)!.push(toMove)
    this.currentPartitionConsumer.set(refKey(toMove), newConsumer)
  }
}
