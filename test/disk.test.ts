import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Disk } from '../sim/disk.ts'

type DiskOp =
  | { op: 'append'; log: string; value: number }
  | { op: 'truncate'; log: string; length: number }
  | { op: 'write'; key: string; value: number }
  | { op: 'remove'; key: string }
  | { op: 'deleteLog'; log: string }
  | { op: 'flush' }

interface DiskImage {
  logs: Record<string, number[]>
  values: Record<string, number>
}

function image(disk: Disk): DiskImage {
  const logs: Record<string, number[]> = {}
  for (const name of disk.logNames().sort()) logs[name] = [...disk.log<number>(name).entries()]
  const values: Record<string, number> = {}
  for (const key of ['a', 'b']) {
    const v = disk.read<number>(key)
    if (v !== undefined) values[key] = v
  }
  return { logs, values }
}

function apply(disk: Disk, op: DiskOp): void {
  switch (op.op) {
    case 'append':
      return disk.log<number>(op.log).append(op.value)
    case 'truncate':
      return disk.log<number>(op.log).truncate(op.length)
    case 'write':
      return disk.write(op.key, op.value)
    case 'remove':
      return disk.remove(op.key)
    case 'deleteLog':
      return disk.deleteLog(op.log)
    case 'flush':
      return disk.flush()
  }
}

const logName = fc.constantFrom('x', 'y')
const opArbitrary: fc.Arbitrary<DiskOp> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), log: logName, value: fc.integer({ min: 0, max: 99 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), log: logName, length: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write' as const), key: fc.constantFrom('a', 'b'), value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), key: fc.constantFrom('a', 'b') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteLog' as const), log: logName }) },
  { weight: 2, arbitrary: fc.constant({ op: 'flush' as const }) },
)

describe('disk', () => {
  it('after a power loss holds exactly what it held at the last flush (appends, truncations, overwrites, deletions)', () => {
    fc.assert(fc.property(fc.array(opArbitrary, { maxLength: 60 }), (ops) => {
      const disk = new Disk()
      let atLastFlush = image(disk)
      for (const op of ops) {
        apply(disk, op)
        if (op.op === 'flush') atLastFlush = image(disk)
      }
      disk.loseUnflushed()
      expect(image(disk)).toEqual(atLastFlush)
      expect(disk.hasUnflushedWrites).toBe(false)
    }), { numRuns: 500 })
  })

  it('keeps working after a power loss: later writes and flushes behave as on a fresh disk', () => {
    fc.assert(fc.property(fc.array(opArbitrary, { maxLength: 30 }), fc.array(opArbitrary, { maxLength: 30 }), (before, after) => {
      const disk = new Disk()
      for (const op of before) apply(disk, op)
      disk.loseUnflushed()
      let atLastFlush = image(disk)
      for (const op of after) {
        apply(disk, op)
        if (op.op === 'flush') atLastFlush = image(disk)
      }
      disk.loseUnflushed()
      expect(image(disk)).toEqual(atLastFlush)
    }), { numRuns: 300 })
  })

  it('a truncated-then-rewritten flushed prefix comes back on power loss', () => {
    const disk = new Disk()
    const log = disk.log<string>('segment')
    log.append('a')
    log.append('b')
    log.append('c')
    disk.flush()
    log.truncate(1)
    log.append('X')
    expect([...log.entries()]).toEqual(['a', 'X'])
    disk.loseUnflushed()
    expect([...disk.log<string>('segment').entries()]).toEqual(['a', 'b', 'c'])
  })

  it('tells its host once per dirty period, so one writeback is scheduled at a time', () => {
    let calls = 0
    const disk = new Disk(() => calls++)
    disk.write('k', 1)
    disk.log('l').append(1)
    expect(calls).toBe(1)
    disk.flush()
    disk.write('k', 2)
    expect(calls).toBe(2)
  })

  it('rejects bad names and lengths, naming them', () => {
    const disk = new Disk()
    expect(() => disk.log('')).toThrow('storage.log(name): expected a non-empty string, got ""')
    expect(() => disk.write('', 1)).toThrow('storage.write(key): expected a non-empty string')
    expect(() => disk.log('x').truncate(-1)).toThrow('log "x" truncate(length): expected a non-negative integer, got -1')
    expect(() => disk.log('x').truncate(1.5)).toThrow('got 1.5')
  })
})
