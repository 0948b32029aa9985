// Where a partition's log lives in the node's Storage, under a directory prefix such as
// "orders-0": one storage log per segment (see segment.ts for its name) and three small
// files, as Kafka keeps log-start-offset-checkpoint, leader-epoch-checkpoint and
// replication-offset-checkpoint beside the segments.

import type { Storage } from '../node.ts'
import type { RecordBatch } from '../records.ts'
import { LogSegment, parseSegmentFileName, segmentFileName } from './segment.ts'

export const logStartOffsetFile = (dir: string): string => `${dir}/log-start-offset`
export const epochCheckpointFile = (dir: string): string => `${dir}/leader-epoch-checkpoint`
export const highWatermarkFile = (dir: string): string => `${dir}/high-watermark`

/** The segments `storage` holds for `dir`, oldest first. */
export function loadSegments(storage: Storage, dir: string): LogSegment[] {
  return storage
    .logNames()
    .map((name) => parseSegmentFileName(dir, name))
    .filter((offset): offset is number => offset !== undefined)
    .sort((a, b) => a - b)
    .map((base) => new LogSegment(base, storage.log<RecordBatch>(segmentFileName(dir, base))))
}

export function createSegment(storage: Storage, dir: string, baseOffset: number): LogSegment {
  const file = storage.log<RecordBatch>(segmentFileName(dir, baseOffset))
  file.truncate(0) // a leftover file by that name holds nothing of this log (LocalLog.roll deletes it too)
  return new LogSegment(baseOffset, file)
}

export function deleteSegment(storage: Storage, dir: string, segment: LogSegment): void {
  storage.deleteLog(segmentFileName(dir, segment.baseOffset))
}
