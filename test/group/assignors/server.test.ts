import { describe, expect, it } from 'vitest'
import { SERVER_ASSIGNORS, serverAssignor } from '../../../core/group/assignors/index.ts'
import { names, serverMember, topics } from './helpers.ts'

const uniform = serverAssignor('uniform')!
const range = serverAssignor('range')!

describe('KIP-848 uniform assignor', () => {
  it('homogeneous, no history: quotas of 3, 2, 2 filled in order', () => {
    const result = uniform.assign({ members: ['c', 'a', 'b'].map((id) => serverMember(id, ['t'])), partitionsPerTopic: topics(['t', 7]) })
    expect(names(result)).toEqual({ a: ['t-0', 't-1', 't-2'], b: ['t-3', 't-4'], c: ['t-5', 't-6'] })
  })

  it('homogeneous, a member joins: the others keep up to their quota, the newcomer takes the rest', () => {
    const result = uniform.assign({
      members: [serverMember('a', ['t'], ['t-4', 't-5', 't-6']), serverMember('b', ['t'], ['t-0', 't-1', 't-2', 't-3']), serverMember('c', ['t'])],
      partitionsPerTopic: topics(['t', 7]),
    })
    expect(names(result)).toEqual({ a: ['t-4', 't-5', 't-6'], b: ['t-0', 't-1'], c: ['t-2', 't-3'] })
  })

  it('more members than partitions: extras present with nothing', () => {
    const result = uniform.assign({ members: ['a', 'b', 'c'].map((id) => serverMember(id, ['t'])), partitionsPerTopic: topics(['t', 2]) })
    expect(names(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: [] })
  })

  it('heterogeneous: each partition goes to a subscriber, as evenly as subscriptions allow', () => {
    const result = uniform.assign({ members: [serverMember('a', ['x']), serverMember('b', ['x', 'y'])], partitionsPerTopic: topics(['x', 2], ['y', 4]) })
    expect(names(result)).toEqual({ a: ['x-0', 'x-1'], b: ['y-0', 'y-1', 'y-2', 'y-3'] })
  })

  it('heterogeneous: drops a partition the member no longer subscribes, keeps the rest', () => {
    const result = uniform.assign({
      members: [serverMember('a', ['x'], ['x-0', 'y-0']), serverMember('b', ['x', 'y'], ['x-1'])],
      partitionsPerTopic: topics(['x', 2], ['y', 1]),
    })
    expect(names(result)).toEqual({ a: ['x-0'], b: ['x-1', 'y-0'] })
  })

  it('rejects a partition in two members’ current assignments', () => {
    expect(() => uniform.assign({ members: [serverMember('a', ['t'], ['t-0']), serverMember('b', ['t'], ['t-0'])], partitionsPerTopic: topics(['t', 1]) })).toThrow(
      'assignor "uniform": members[1].assignedPartitions[0] is {"topic":"t","partition":0}; expected a partition not also assigned to member "a"',
    )
  })
})

describe('KIP-848 range assignor', () => {
  it('co-partitioned topics: each member gets the same partition numbers of every topic', () => {
    const result = range.assign({ members: [serverMember('b', ['t1', 't2']), serverMember('a', ['t1', 't2'])], partitionsPerTopic: topics(['t1', 3], ['t2', 3]) })
    expect(names(result)).toEqual({ a: ['t1-0', 't1-1', 't2-0', 't2-1'], b: ['t1-2', 't2-2'] })
  })

  it('sticky: a joining member takes the partitions the others give up, the same numbers in each topic', () => {
    const result = range.assign({
      members: [serverMember('a', ['t1', 't2'], ['t1-0', 't1-1', 't2-0', 't2-1']), serverMember('b', ['t1', 't2'], ['t1-2', 't2-2']), serverMember('c', ['t1', 't2'])],
      partitionsPerTopic: topics(['t1', 3], ['t2', 3]),
    })
    expect(names(result)).toEqual({ a: ['t1-0', 't2-0'], b: ['t1-2', 't2-2'], c: ['t1-1', 't2-1'] })
  })

  it('lists both server assignors', () => {
    expect(SERVER_ASSIGNORS).toEqual(['uniform', 'range'])
    expect(serverAssignor('sticky')).toBeUndefined()
  })
})
