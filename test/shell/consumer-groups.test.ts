// kafka-console-consumer --group and kafka-consumer-groups: output laid out as
// ConsumerGroupCommand.java and OffsetsUtils.printOffsetsToReset print it, with the real
// tool's refusals (an active group cannot be reset; a dry run without --execute).

import { describe, expect, it } from 'vitest'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { runShellCommand } from '../../sim/shell/shell.ts'
import { logLevel, virtualTimeOf } from '../../sim/kafkajs/index.ts'

const BS = '--bootstrap-server localhost:9092'

/** A topic of 2 partitions holding 5 keyed records, written through kafka-console-producer. */
function withRecords(): Cluster {
  const cluster = createCluster({ seed: 11, brokers: 3, config: { 'offsets.topic.num.partitions': 3 } })
  cluster.createTopic('orders', { partitions: 2, replicationFactor: 3 })
  const produced = runShellCommand(cluster, `kafka-console-producer ${BS} --topic orders --property parse.key=true --property key.separator=:`, ['a:1', 'b:2', 'c:3', 'd:4', 'e:5'])
  expect(produced.exitCode).toBe(0)
  return cluster
}

/** The "GROUP TOPIC ..." table rows as cells, split on runs of spaces. */
function cells(lines: readonly string[]): string[][] {
  return lines.filter((l) => l !== '').map((l) => l.trim().split(/ +/))
}

describe('kafka-console-consumer --group', () => {
  it('reads through the group from the beginning, commits, and a second run reads nothing new', () => {
    const cluster = withRecords()
    const first = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group readers --from-beginning --property print.key=true --property key.separator=:`)
    expect(first.exitCode).toBe(0)
    expect([...first.stdout].sort()).toEqual(['a:1', 'b:2', 'c:3', 'd:4', 'e:5'])
    expect(first.stderr).toEqual(['Processed a total of 5 messages'])
    // The committed offsets win over --from-beginning.
    const second = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group readers --from-beginning`)
    expect(second.stdout).toEqual([])
    expect(second.stderr).toEqual(['Processed a total of 0 messages'])
    expect(runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group readers --partition 0`).stderr).toEqual(['Options group and partition cannot be specified together.'])
  })
})

describe('kafka-consumer-groups', () => {
  it('--list and --describe of an Empty group: the note on stderr, then the offsets table with "-" for the member columns', () => {
    const cluster = withRecords()
    runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group readers --from-beginning --max-messages 2`)
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --list`)).toEqual({ stdout: ['readers'], stderr: [], exitCode: 0 })
    const described = runShellCommand(cluster, `kafka-consumer-groups ${BS} --describe --group readers`)
    expect(described.exitCode).toBe(0)
    expect(described.stderr).toEqual(['', "Consumer group 'readers' has no active members."])
    expect(described.stdout[0]).toBe('')
    // printOffsetFormat: GROUP and TOPIC at least 15 wide, PARTITION 10, the offsets 15.
    expect(described.stdout[1]).toBe('GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID')
    const rows = cells(described.stdout.slice(2))
    expect(rows.map((r) => r[0])).toEqual(['readers', 'readers'])
    expect(rows.map((r) => [r[1], r[2]])).toEqual([['orders', '0'], ['orders', '1']])
    for (const r of rows) {
      const [current, end, lag] = [Number(r[3]), Number(r[4]), Number(r[5])]
      expect(lag).toBe(end - current)
      expect(r.slice(6)).toEqual(['-', '-', '-'])
    }
    // The whole poll was committed (ConsoleConsumer's close commits positions), so nothing lags when 2 were printed of one poll.
    expect(rows.reduce((sum, r) => sum + Number(r[4]), 0)).toBe(5)
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --describe --group ghosts`).stdout).toEqual(['', "Error: Consumer group 'ghosts' does not exist."])
  })

  it('--describe of a running group lists each assigned partition with its member, host and client id', async () => {
    const cluster = withRecords()
    const kafka = cluster.kafka({ clientId: 'svc' })
    const consumer = kafka.consumer({ groupId: 'billing' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'orders', fromBeginning: true })
    let seen = 0
    await consumer.run({ eachMessage: async () => void seen++ })
    const { virtualTimeOf } = await import('../../sim/kafkajs/index.ts')
    await virtualTimeOf(cluster.sim).until(() => seen === 5, { timeoutMs: 60_000, onTimeout: () => new Error(`${seen} seen`) })
    await virtualTimeOf(cluster.sim).sleep(1_000, 'commit')
    const described = runShellCommand(cluster, `kafka-consumer-groups ${BS} --describe --group billing`)
    expect(described.stderr).toEqual([])
    const rows = cells(described.stdout.slice(2))
    expect(rows).toHaveLength(2)
    for (const r of rows) {
      expect(r[3]).toBe(r[4]) // caught up: CURRENT-OFFSET = LOG-END-OFFSET
      expect(r[5]).toBe('0')
      expect(r[6]).toMatch(/^svc-consumer-1-/)
      expect(r.slice(7)).toEqual(['/kafkasim', 'svc-consumer-1'])
    }
    // An active group cannot be reset (printError on stdout; the tool still exits 0).
    const refused = runShellCommand(cluster, `kafka-consumer-groups ${BS} --group billing --reset-offsets --to-earliest --topic orders --execute`)
    expect(refused.stdout).toEqual(['', "Error: Assignments can only be reset if the group 'billing' is inactive, but the current state is Stable."])
    await consumer.disconnect()
  })

  it('--reset-offsets: a dry run without --execute changes nothing; --execute commits; --to-offset is clamped to the log', () => {
    const cluster = withRecords()
    runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group readers --from-beginning`)
    const committed = () => cells(runShellCommand(cluster, `kafka-consumer-groups ${BS} --describe --group readers`).stdout.slice(2)).map((r) => r[3])
    const before = committed()
    const dry = runShellCommand(cluster, `kafka-consumer-groups ${BS} --group readers --reset-offsets --to-earliest --topic orders`)
    expect(dry.stderr[0]).toMatch(/^WARN: No action will be performed as the --execute option is missing\.In a future major release/)
    expect(dry.stdout).toEqual(['', 'GROUP           TOPIC           PARTITION  NEW-OFFSET', 'readers         orders          0          0', 'readers         orders          1          0'])
    expect(committed()).toEqual(before)
    const executed = runShellCommand(cluster, `kafka-consumer-groups ${BS} --group readers --reset-offsets --to-earliest --topic orders --execute`)
    expect(executed.stderr).toEqual([])
    expect(committed()).toEqual(['0', '0'])
    runShellCommand(cluster, `kafka-consumer-groups ${BS} --group readers --reset-offsets --to-offset 1000 --topic orders:1 --execute`)
    expect(committed()).toEqual(['0', before[1]])
    runShellCommand(cluster, `kafka-consumer-groups ${BS} --group readers --reset-offsets --to-latest --all-topics --execute`)
    expect(committed()).toEqual(before)
    // The group reads again from where the reset put it.
    runShellCommand(cluster, `kafka-consumer-groups ${BS} --group readers --reset-offsets --shift-by -1 --topic orders --execute`)
    expect(runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group readers`).stderr).toEqual(['Processed a total of 2 messages'])
  })

  it('--delete: an Empty group is deleted; a missing or active one is reported as ConsumerGroupCommand.deleteGroups prints it', async () => {
    const cluster = withRecords()
    for (const group of ['readers', 'auditors']) runShellCommand(cluster, `kafka-console-consumer ${BS} --topic orders --group ${group} --from-beginning --max-messages 2`)
    const consumer = cluster.kafka({ clientId: 'app', logLevel: logLevel.NOTHING }).consumer({ groupId: 'busy' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'orders' })
    await consumer.run({ eachMessage: async () => {} })
    await virtualTimeOf(cluster.sim).until(() => runShellCommand(cluster, `kafka-consumer-groups ${BS} --list`).stdout.includes('busy'), { timeoutMs: 30_000, onTimeout: () => new Error('busy never joined') })

    const partial = runShellCommand(cluster, `kafka-consumer-groups ${BS} --delete --group readers --group nobody --group busy`)
    expect(partial).toEqual({
      stdout: [
        "* Group 'nobody' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.",
        "* Group 'busy' could not be deleted due to: java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.",
        '',
        "These consumer groups were deleted successfully: 'readers'",
      ],
      stderr: ['', 'Error: Deletion of some consumer groups failed:'],
      exitCode: 0,
    })
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --delete --group auditors`)).toEqual({ stdout: ["Deletion of requested consumer groups ('auditors') was successful."], stderr: [], exitCode: 0 })
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --list`).stdout).toEqual(['busy'])
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --describe --group readers`).stdout).toEqual(['', "Error: Consumer group 'readers' does not exist."])
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --delete`).stderr).toEqual(['Option [delete] takes one of these options: [all-groups], [group]'])
    await consumer.disconnect()
  })

  it('bad usage as the real tool reports it', () => {
    const cluster = withRecords()
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS}`).stderr).toEqual(['Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets'])
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --describe`).stderr).toEqual(['Option [describe] takes one of these options: [all-groups], [group]'])
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --group g --reset-offsets --to-earliest --execute`).stderr).toEqual(['One of the reset scopes should be defined: --all-topics, --topic.'])
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --group g --reset-offsets --topic orders --execute --dry-run`).stderr).toEqual(['Option [reset-offsets] only accepts one of [execute] and [dry-run]'])
    expect(runShellCommand(cluster, `kafka-consumer-groups ${BS} --lsit`).stderr).toEqual(['lsit is not a recognized option'])
    for (const line of [`kafka-consumer-groups ${BS}`, `kafka-consumer-groups ${BS} --describe`]) expect(runShellCommand(cluster, line).exitCode).toBe(1)
  })
})
