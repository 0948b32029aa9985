// The history of one run, as its clients saw it: every record a producer was asked to
// send, with its outcome (partition and offset, or the error), and every record a
// consumer received. The cluster keeps one recorder for the whole run and hands each
// client node its own list, so a client's history outlives a crash of that client.
// The history checker (checkers/history.ts) compares it with the logs.

import type { ConsumedRecord } from '../core/client/consumer/consumer.ts'
import type { RecordOutcome } from '../core/client/producer/accumulator.ts'

export class HistoryRecorder {
  private readonly producedBy = new Map<string, RecordOutcome[]>()
  private readonly consumedBy = new Map<string, ConsumedRecord[]>()

  /** The list a producer appends its records' outcomes to (made on first use). */
  producerOutcomes(clientId: string): RecordOutcome[] {
    let outcomes = this.producedBy.get(clientId)
    if (!outcomes) this.producedBy.set(clientId, (outcomes = []))
    return outcomes
  }

  /** The list a consumer appends the records it receives to (made on first use). */
  consumerRecords(clientId: string): ConsumedRecord[] {
    let records = this.consumedBy.get(clientId)
    if (!records) this.consumedBy.set(clientId, (records = []))
    return records
  }

  /** Every producer's outcomes, by client id. */
  producers(): ReadonlyMap<string, readonly RecordOutcome[]> {
    return this.producedBy
  }

  /** Every consumer's records, by client id. */
  consumers(): ReadonlyMap<string, readonly ConsumedRecord[]> {
    return this.consumedBy
  }

  /** Records sent whose outcome is not known yet. */
  pendingCount(): number {
    let pending = 0
    for (const outcomes of this.producedBy.values()) for (const o of outcomes) if (o.status === 'pending') pending++
    return pending
  }
}
