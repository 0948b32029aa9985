import { describe, expect, it } from 'vitest'
import { Disk } from '../../sim/disk.ts'
import { RaftLog, readStoredRaftLog, type RaftEntry } from '../../core/raft/log.ts'

function data(offset: number, epoch: number, payload = offset): RaftEntry<number> {
  return { offset, epoch, kind: 'data', payload }
}

/** A log with epochs 1 at 0..2, 2 at 3..4, 4 at 5..7. */
function sampleLog(disk = new Disk()): RaftLog<number, string> {
  const log = new RaftLog<number, string>(disk)
  log.append([data(0, 1), data(1, 1), data(2, 1), data(3, 2), data(4, 2), data(5, 4), data(6, 4), data(7, 4)])
  return log
}

describe('RaftLog', () => {
  it('appends in order and refuses a gap or an older epoch', () => {
    const log = sampleLog()
    expect(log.endOffset).toBe(8)
    expect(log.lastEpoch).toBe(4)
    expect(() => log.append([data(9, 4)])).toThrow(/does not continue/)
    expect(() => log.append([data(8, 3)])).toThrow(/below the log's last epoch 4/)
  })

  it('answers the end offset of an epoch with the largest epoch not above it', () => {
    const log = sampleLog()
    expect(log.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 8 })
    expect(log.endOffsetForEpoch(2)).toEqual({ epoch: 2, endOffset: 5 })
    // Epoch 3 never wrote here: it ends where epoch 4 starts, answered as epoch 2.
    expect(log.endOffsetForEpoch(3)).toEqual({ epoch: 2, endOffset: 5 })
    // An epoch above every known one: the log's own end.
    expect(log.endOffsetForEpoch(9)).toEqual({ epoch: 4, endOffset: 8 })
  })

  it('validates a fetch position: valid, diverging with the leader end offset, or a snapshot', () => {
    const log = sampleLog()
    expect(log.validateFetchPosition(0, 0)).toEqual({ kind: 'valid' })
    expect(log.validateFetchPosition(5, 2)).toEqual({ kind: 'valid' })
    expect(log.validateFetchPosition(8, 4)).toEqual({ kind: 'valid' })
    // A follower that wrote offsets 5.. in epoch 3 (a leader that lost): truncate to 5.
    expect(log.validateFetchPosition(7, 3)).toEqual({ kind: 'diverging', epoch: 2, endOffset: 5 })
    // A follower longer than the leader in the same epoch.
    expect(log.validateFetchPosition(10, 4)).toEqual({ kind: 'diverging', epoch: 4, endOffset: 8 })
    log.createSnapshot(5, 'state@5')
    expect(log.validateFetchPosition(3, 2)).toEqual({ kind: 'snapshot', snapshotId: { endOffset: 5, epoch: 2 } })
    expect(log.validateFetchPosition(5, 2)).toEqual({ kind: 'valid' })
    expect(log.validateFetchPosition(5, 1)).toEqual({ kind: 'snapshot', snapshotId: { endOffset: 5, epoch: 2 } })
  })

  it('truncates a diverging follower to the smaller of both end offsets for the epoch', () => {
    const follower = new RaftLog<number, string>(new Disk())
    follower.append([data(0, 1), data(1, 1), data(2, 1), data(3, 3), data(4, 3)])
    const offset = follower.truncationOffsetFor({ epoch: 2, endOffset: 5 })
    expect(offset).toBe(3)
    follower.truncateTo(offset)
    expect(follower.endOffset).toBe(3)
    expect(follower.lastEpoch).toBe(1)
    follower.append([data(3, 2)])
    expect(follower.lastEpoch).toBe(2)
  })

  it('keeps a snapshot and the entries after it across a restart, and drops those behind it', () => {
    const disk = new Disk()
    const log = sampleLog(disk)
    expect(log.createSnapshot(6, 'state@6')).toBe(true)
    expect(log.startOffset).toBe(6)
    expect(log.entryAt(5)).toBeUndefined()
    expect(log.read(6, 10).map((e) => e.offset)).toEqual([6, 7])
    expect(log.createSnapshot(6, 'again')).toBe(false)
    expect(() => log.truncateTo(5)).toThrow(/below the log start 6/)
    const reopened = new RaftLog<number, string>(disk)
    expect(reopened.startOffset).toBe(6)
    expect(reopened.endOffset).toBe(8)
    expect(reopened.snapshot).toEqual({ endOffset: 6, epoch: 4, state: 'state@6' })
    expect(reopened.endOffsetForEpoch(4)).toEqual({ epoch: 4, endOffset: 8 })
    expect(disk.logNames().filter((n) => n.startsWith('__cluster_metadata-0@'))).toEqual(['__cluster_metadata-0@6'])
    expect(readStoredRaftLog(disk).entries.map((e) => e.offset)).toEqual([6, 7])
  })

  it('installs a fetched snapshot: keeps a log that continues it, starts over otherwise', () => {
    const continuing = sampleLog()
    continuing.installSnapshot({ endOffset: 4, epoch: 2, state: 's' })
    expect([continuing.startOffset, continuing.endOffset]).toEqual([4, 8])
    const diverged = sampleLog()
    diverged.installSnapshot({ endOffset: 7, epoch: 5, state: 's' })
    expect([diverged.startOffset, diverged.endOffset, diverged.lastEpoch]).toEqual([7, 7, 5])
    const behind = new RaftLog<number, string>(new Disk())
    behind.installSnapshot({ endOffset: 20, epoch: 3, state: 's' })
    expect([behind.startOffset, behind.endOffset, behind.lastEpoch]).toEqual([20, 20, 3])
    expect(behind.validateFetchPosition(20, 3)).toEqual({ kind: 'valid' })
  })

  it('loses unflushed entries on a power loss and keeps flushed ones', () => {
    const disk = new Disk()
    const log = sampleLog(disk)
    disk.flush()
    log.append([data(8, 4)])
    disk.loseUnflushed()
    expect(new RaftLog<number, string>(disk).endOffset).toBe(8)
  })
})
