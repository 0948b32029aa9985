import { describe, expect, it } from 'vitest'
import { JavaHashOrder, javaHashMapStringOrder, javaStringHashCode, topicPartitionHashCode } from '../../../core/group/assignors/java-order.ts'

// Expected orders were printed by OpenJDK 17 (new HashMap<>() filled by put() in the given order,
// then keySet() iterated); the sandbox's module was also compared with the JDK on 600 random
// cases (string keys with hash collisions, and HashSet<TopicPartition> with adds and removes).
describe('Java hash iteration order', () => {
  it("computes String.hashCode like Java, including int overflow", () => {
    expect(javaStringHashCode('Aa')).toBe(2112)
    expect(javaStringHashCode('BB')).toBe(2112)
    expect(javaStringHashCode('c1')).toBe(3118)
    expect(javaStringHashCode('consumer-1-a')).toBe(-842085522)
  })

  it('iterates by bucket, then insertion order within a bucket', () => {
    expect(javaHashMapStringOrder(['c1', 'c2', 'c3'])).toEqual(['c3', 'c1', 'c2'])
    // "Aa" and "BB" collide: the one put first comes first.
    expect(javaHashMapStringOrder(['BB', 'Aa', 'c3', 'c1', 'c2'])).toEqual(['BB', 'Aa', 'c3', 'c1', 'c2'])
  })

  it('follows the table through a resize (13 keys pass 0.75 of 16)', () => {
    const keys = Array.from({ length: 14 }, (_, i) => `member-${i}`)
    expect(javaHashMapStringOrder(keys)).toEqual(
      'member-5,member-6,member-3,member-13,member-4,member-12,member-9,member-11,member-10,member-7,member-8,member-1,member-2,member-0'.split(','),
    )
  })

  it('keeps a re-added key at the end of its bucket and first() agrees with keys()', () => {
    const set = new JavaHashOrder<string>(javaStringHashCode, (k) => k)
    set.add('Aa')
    set.add('BB')
    expect(set.keys()).toEqual(['Aa', 'BB'])
    set.delete('Aa')
    set.add('Aa')
    expect(set.keys()).toEqual(['BB', 'Aa'])
    expect(set.first()).toBe('BB')
    expect(topicPartitionHashCode('t', 0)).toBe(31 * 31 + javaStringHashCode('t'))
  })
})
