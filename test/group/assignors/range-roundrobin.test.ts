import { describe, expect, it } from 'vitest'
import { clientAssignor } from '../../../core/group/assignors/index.ts'
import { member, names, topics } from './helpers.ts'

const range = clientAssignor('range')!
const roundrobin = clientAssignor('roundrobin')!

describe('range assignor (RangeAssignor.java)', () => {
  it('splits each topic into ranges, the first members taking the extra partition of every topic', () => {
    // Kafka's javadoc example: two consumers, two topics of three partitions.
    const result = range.assign({
      members: [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])],
      partitionsPerTopic: topics(['t0', 3], ['t1', 3]),
    })
    expect(names(result)).toEqual({ C0: ['t0-0', 't0-1', 't1-0', 't1-1'], C1: ['t0-2', 't1-2'] })
  })

  it('leaves the members beyond the partition count idle, present with []', () => {
    const result = range.assign({
      members: ['d', 'a', 'c', 'b'].map((id) => member(id, ['t'])),
      partitionsPerTopic: topics(['t', 3]),
    })
    expect(names(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: ['t-2'], d: [] })
  })

  it('divides each topic among its own subscribers only, and skips unknown topics', () => {
    const result = range.assign({
      members: [member('a', ['x', 'y']), member('b', ['y', 'ghost'])],
      partitionsPerTopic: topics(['x', 2], ['y', 5], ['unsubscribed', 4]),
    })
    expect(names(result)).toEqual({ a: ['x-0', 'x-1', 'y-0', 'y-1', 'y-2'], b: ['y-3', 'y-4'] })
  })

  it('orders static members by group.instance.id, ahead of dynamic ones (KIP-345)', () => {
    const result = range.assign({
      members: [member('m1', ['t']), member('m2', ['t'], { instance: 'zeta' }), member('m3', ['t'], { instance: 'alpha' })],
      partitionsPerTopic: topics(['t', 4]),
    })
    expect(names(result)).toEqual({ m3: ['t-0', 't-1'], m2: ['t-2'], m1: ['t-3'] })
  })

  it('is EAGER only', () => {
    expect(range.supportedProtocols).toEqual(['EAGER'])
  })
})

describe('roundrobin assignor (RoundRobinAssignor.java)', () => {
  it('deals sorted partitions round robin, passing over members not subscribed (Kafka javadoc example)', () => {
    const result = roundrobin.assign({
      members: [member('C2', ['t0', 't1', 't2']), member('C0', ['t0']), member('C1', ['t0', 't1'])],
      partitionsPerTopic: topics(['t0', 1], ['t1', 2], ['t2', 3]),
    })
    expect(names(result)).toEqual({ C0: ['t0-0'], C1: ['t1-0'], C2: ['t1-1', 't2-0', 't2-1', 't2-2'] })
  })

  it('interleaves topics across identical subscriptions', () => {
    const result = roundrobin.assign({
      members: [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])],
      partitionsPerTopic: topics(['t0', 3], ['t1', 3]),
    })
    expect(names(result)).toEqual({ C0: ['t0-0', 't0-2', 't1-1'], C1: ['t0-1', 't1-0', 't1-2'] })
  })

  it('gives extra members nothing', () => {
    const result = roundrobin.assign({ members: ['a', 'b', 'c'].map((id) => member(id, ['t'])), partitionsPerTopic: topics(['t', 2]) })
    expect(names(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: [] })
  })
})

describe('input checks', () => {
  it('rejects a negative partition count, naming the topic and the value', () => {
    expect(() => range.assign({ members: [member('a', ['t'])], partitionsPerTopic: topics(['t', -1]) })).toThrow(
      'assignor "range": partitionsPerTopic["t"] is -1; expected a partition count, an integer >= 0',
    )
  })

  it('rejects a duplicate member id and a malformed owned partition', () => {
    expect(() => roundrobin.assign({ members: [member('a', ['t']), member('a', ['t'])], partitionsPerTopic: topics(['t', 1]) })).toThrow(
      'members[1].memberId is "a"; expected a member id not used by another member',
    )
    const bad = member('a', ['t'])
    bad.ownedPartitions = [{ topic: 't', partition: 1.5 }]
    expect(() => clientAssignor('sticky')!.assign({ members: [bad], partitionsPerTopic: topics(['t', 2]) })).toThrow('members[0].ownedPartitions[0]')
  })

  it('rejects a generation below -1', () => {
    expect(() => clientAssignor('cooperative-sticky')!.assign({ members: [member('a', ['t'], { generation: -2 })], partitionsPerTopic: topics(['t', 1]) })).toThrow(
      'members[0].generation is -2; expected an integer >= -1',
    )
  })
})
