// The controller's copy of the metadata log (KRaft's __cluster_metadata partition). With
// one controller a record is committed once it is on the controller's disk, so every
// append is flushed before anyone is told about it: the log is what survives a crash or a
// power loss, and replaying it rebuilds the controller exactly.

import type { DurableLog, Storage } from '../node.ts'
import type { MetadataLogEntry, MetadataRecord } from '../metadata/records.ts'

export const METADATA_LOG_NAME = '__cluster_metadata-0'

export class ControllerMetadataLog {
  private readonly log: DurableLog<MetadataRecord>

  constructor(private readonly storage: Storage) {
    this.log = storage.log<MetadataRecord>(METADATA_LOG_NAME)
  }

  /** The offset the next record will get. */
  get nextOffset(): number {
    return this.log.length
  }

  /** Appends and flushes; returns the entries with their offsets. */
  append(records: readonly MetadataRecord[]): MetadataLogEntry[] {
    const entries: MetadataLogEntry[] = []
    for (const record of records) {
      entries.push({ offset: this.log.length, record })
      this.log.append(record)
    }
    this.storage.flush()
    return entries
  }

  /** Up to `max` entries from `offset` on. */
  entriesFrom(offset: number, max: number): MetadataLogEntry[] {
    const entries: MetadataLogEntry[] = []
    for (let i = Math.max(0, offset); i < this.log.length && entries.length < max; i++) entries.push({ offset: i, record: this.log.at(i)! })
    return entries
  }
}
