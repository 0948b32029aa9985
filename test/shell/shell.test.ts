// `kafkasim shell`: the Kafka tools' output laid out as the real tools print it
// (TopicCommand.java's describe lines, "Created topic t.", DefaultMessageFormatter's record
// lines, ConfigCommand's messages, LeaderElectionCommand's summary) and their errors.

import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createCluster, type Cluster } from '../../sim/cluster.ts'
import { runShellLoop } from '../../sim/shell/loop.ts'
import { splitWords } from '../../sim/shell/options.ts'
import { runShellCommand } from '../../sim/shell/shell.ts'

const BS = '--bootstrap-server localhost:9092'

function fresh(): Cluster {
  return createCluster({ seed: 5, brokers: 3 })
}

describe('kafka-topics', () => {
  it('--create, --list, --describe as the real tool prints them', () => {
    const cluster = fresh()
    const created = runShellCommand(cluster, `bin/kafka-topics.sh ${BS} --create --topic quickstart-events --partitions 3 --replication-factor 3 --config min.insync.replicas=2 --config retention.ms=60000`)
    expect(created).toEqual({ stdout: ['Created topic quickstart-events.'], stderr: [], exitCode: 0 })
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic audit --partitions 1 --replication-factor 1`)
    expect(runShellCommand(cluster, `kafka-topics ${BS} --list`).stdout).toEqual(['audit', 'quickstart-events'])
    const described = runShellCommand(cluster, `kafka-topics ${BS} --describe --topic quickstart-events`)
    expect(described.exitCode).toBe(0)
    const [header, ...partitions] = described.stdout
    // TopicCommand.TopicDescription.printDescription
    expect(header).toMatch(/^Topic: quickstart-events\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: min\.insync\.replicas=2,retention\.ms=60000$/)
    // TopicCommand.PartitionDescription.printDescription
    expect(partitions).toHaveLength(3)
    partitions.forEach((line, i) => expect(line).toMatch(new RegExp(`^\\tTopic: quickstart-events\\tPartition: ${i}\\tLeader: [1-3]\\tReplicas: [1-3],[1-3],[1-3]\\tIsr: [1-3],[1-3],[1-3]\\tElr: \\tLastKnownElr: $`)))
    expect(runShellCommand(cluster, `kafka-topics ${BS} --describe --topic 'quick.*'`).stdout).toEqual(described.stdout)
  })

  it('a crashed leader: Leader moves, Isr shrinks, and --under-replicated-partitions lists just those', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t --partitions 3 --replication-factor 3`)
    cluster.advance(1000)
    cluster.crashBroker(2)
    cluster.advance(15_000)
    const lines = runShellCommand(cluster, `kafka-topics ${BS} --describe --topic t --under-replicated-partitions`).stdout
    expect(lines).toHaveLength(3)
    for (const line of lines) {
      expect(line).toMatch(/\tLeader: [13]\t/)
      expect(line.split('\tIsr: ')[1]!.split('\t')[0]!.split(',').sort()).toEqual(['1', '3'])
    }
    const healthy = runShellCommand(cluster, `kafka-topics ${BS} --describe --topic t --unavailable-partitions`).stdout
    expect(healthy).toEqual([])
  })

  it('--alter --partitions and --delete', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t --partitions 2 --replication-factor 2`)
    expect(runShellCommand(cluster, `kafka-topics ${BS} --alter --topic t --partitions 5`)).toEqual({ stdout: [], stderr: [], exitCode: 0 })
    expect(runShellCommand(cluster, `kafka-topics ${BS} --describe --topic t`).stdout[0]).toContain('\tPartitionCount: 5\t')
    const shrink = runShellCommand(cluster, `kafka-topics ${BS} --alter --topic t --partitions 3`)
    expect(shrink.exitCode).toBe(1)
    expect(shrink.stdout[0]).toMatch(/^Error while executing topic command : /)
    expect(runShellCommand(cluster, `kafka-topics ${BS} --delete --topic t`).exitCode).toBe(0)
    expect(runShellCommand(cluster, `kafka-topics ${BS} --list`).stdout).toEqual([])
  })

  it('bad usage gets the real tool\'s messages and exit code 1', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t`)
    const cases: [string, { stdout?: string; stderr?: string }][] = [
      [`kafka-topics ${BS} --create --topic t`, { stdout: "Error while executing topic command : Topic 't' already exists." }],
      ['kafka-topics --create --topic x', { stderr: '--bootstrap-server must be specified' }],
      [`kafka-topics ${BS} --list --describe`, { stderr: 'Command must include exactly one action: --list, --describe, --create, --alter or --delete' }],
      [`kafka-topics ${BS}`, { stderr: 'Command must include exactly one action: --list, --describe, --create, --alter or --delete' }],
      [`kafka-topics ${BS} --create`, { stderr: 'Missing required argument "[topic]"' }],
      [`kafka-topics ${BS} --create --topic x --partitions`, { stdout: 'Error while executing topic command : Option partitions requires an argument' }],
      [`kafka-topics ${BS} --create --topic x --partition 3`, { stdout: 'Error while executing topic command : partition is not a recognized option' }],
      [`kafka-topics ${BS} --create --topic x --partitions 0`, { stderr: 'The partitions must be greater than 0' }],
      [`kafka-topics ${BS} --create --topic x --replication-factor 0`, { stderr: 'The replication factor must be between 1 and 32767 inclusive' }],
      [`kafka-topics ${BS} --alter --topic t`, { stderr: 'Missing required argument "[partitions]"' }],
      [`kafka-topics ${BS} --alter --topic t --partitions 3 --replication-factor 2`, { stderr: 'Option "[replication-factor]" can\'t be used with option "[alter]"' }],
      [`kafka-topics ${BS} --describe --topic nope`, { stderr: "Topic 'nope' does not exist as expected" }],
      [`kafka-topics ${BS} --create --topic y --config retention.ms`, { stderr: 'requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".' }],
    ]
    for (const [line, expected] of cases) {
      const result = runShellCommand(cluster, line)
      expect(result.exitCode, line).toBe(1)
      if (expected.stdout) expect(result.stdout, line).toEqual([expected.stdout])
      if (expected.stderr) expect(result.stderr, line).toEqual([expected.stderr])
    }
    expect(runShellCommand(cluster, `kafka-topics ${BS} --describe --topic nope --if-exists`)).toEqual({ stdout: [], stderr: [], exitCode: 0 })
    expect(runShellCommand(cluster, `kafka-topics ${BS} --create --topic t --if-not-exists`)).toEqual({ stdout: [], stderr: [], exitCode: 0 })
  })

  it('names with a period or underscore get TopicCommand\'s collision warning', () => {
    const result = runShellCommand(fresh(), `kafka-topics ${BS} --create --topic order.created`)
    expect(result.stdout).toEqual([
      "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.",
      'Created topic order.created.',
    ])
  })
})

describe('kafka-console-producer and kafka-console-consumer', () => {
  it('parse.key with key.separator, then print.key from the beginning', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic users --partitions 1 --replication-factor 3`)
    const produced = runShellCommand(cluster, `kafka-console-producer ${BS} --topic users --property parse.key=true --property key.separator=:`, ['user1:login', 'user2:logout', 'user1:a:b'])
    expect(produced).toEqual({ stdout: [], stderr: [], exitCode: 0 })
    const consumed = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic users --from-beginning --property print.key=true`)
    expect(consumed).toEqual({ stdout: ['user1\tlogin', 'user2\tlogout', 'user1\ta:b'], stderr: ['Processed a total of 3 messages'], exitCode: 0 })
    const two = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic users --from-beginning --max-messages 2 --property print.offset=true --property key.separator=,`)
    expect(two.stdout).toEqual(['Offset:0,login', 'Offset:1,logout'])
    expect(two.stderr).toEqual(['Processed a total of 2 messages'])
    const fromOffset = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic users --partition 0 --offset 2`)
    expect(fromOffset.stdout).toEqual(['a:b'])
  })

  it('without --from-beginning only new records arrive; --timeout-ms waits for them on simulated time', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t --partitions 1 --replication-factor 1`)
    runShellCommand(cluster, `kafka-console-producer ${BS} --topic t`, ['old'])
    expect(runShellCommand(cluster, `kafka-console-consumer ${BS} --topic t`).stderr).toEqual(['Processed a total of 0 messages'])
    const producer = cluster.addProducer('late', {})
    cluster.sim.after(500, 'a late record', () => producer.send([{ topic: 't', key: null, value: 'new' }]))
    const result = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic t --timeout-ms 5000`)
    expect(result.stdout).toEqual(['new'])
  })

  it('errors: a line without the key separator, an offset without a partition, --group', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t`)
    const noSeparator = runShellCommand(cluster, `kafka-console-producer ${BS} --topic t --property parse.key=true`, ['no tab here'])
    expect(noSeparator.exitCode).toBe(1)
    expect(noSeparator.stderr).toEqual(["org.apache.kafka.common.KafkaException: No key separator found on line number 1: 'no tab here'"])
    expect(runShellCommand(cluster, `kafka-console-consumer ${BS} --topic t --offset 3`).stderr).toEqual(['The partition is required when offset is specified.'])
    expect(runShellCommand(cluster, `kafka-console-producer --topic t`).stderr).toEqual(['Missing required argument "[bootstrap-server]"'])
    // ConsoleConsumerOptions: a group reads what the group is assigned, not a partition or an offset.
    const groupAndOffset = runShellCommand(cluster, `kafka-console-consumer ${BS} --topic t --group g --partition 0 --offset 3`)
    expect(groupAndOffset).toEqual({ stdout: [], stderr: ['Options group and partition cannot be specified together.'], exitCode: 1 })
  })

  it('a refused record is reported as ErrorLoggingCallback reports it', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic strict --partitions 1 --replication-factor 2 --config min.insync.replicas=2`)
    cluster.advance(1000)
    const [leader] = cluster.snapshot().topics.strict!.partitions['0']!.replicas
    const follower = cluster.snapshot().topics.strict!.partitions['0']!.replicas.find((id) => id !== cluster.snapshot().topics.strict!.partitions['0']!.leader)!
    expect(leader).toBeDefined()
    cluster.crashBroker(follower)
    cluster.advance(20_000)
    const result = runShellCommand(cluster, `kafka-console-producer ${BS} --topic strict --producer-property delivery.timeout.ms=3000 --producer-property request.timeout.ms=1000`, ['x'])
    expect(result.stderr[0]).toBe('ERROR Error when sending message to topic strict with key: null, value: 1 bytes with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)')
    expect(result.stderr[1]).toMatch(/^org\.apache\.kafka\.common\.errors\.(NotEnoughReplicasException|TimeoutException): /)
  })
})

describe('kafka-configs and kafka-leader-election', () => {
  it('--alter --add-config and --describe for a topic', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t`)
    expect(runShellCommand(cluster, `kafka-configs ${BS} --entity-type topics --entity-name t --alter --add-config retention.ms=1000,cleanup.policy=[compact,delete]`).stdout).toEqual(['Completed updating config for topic t.'])
    expect(runShellCommand(cluster, `kafka-configs ${BS} --entity-type topics --entity-name t --describe`).stdout).toEqual([
      'Dynamic configs for topic t are:',
      '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete}',
      '  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}',
    ])
    expect(runShellCommand(cluster, `kafka-topics ${BS} --describe --topic t`).stdout[0]).toMatch(/\tConfigs: cleanup\.policy=compact,delete,retention\.ms=1000$/)
    const bad = runShellCommand(cluster, `kafka-configs ${BS} --entity-type topics --entity-name t --alter --add-config retention.ms=soon`)
    expect(bad.exitCode).toBe(1)
    expect(bad.stderr[1]).toMatch(/^java\.util\.concurrent\.ExecutionException: org\.apache\.kafka\.common\.errors\.InvalidConfigurationException: /)
  })

  it('preferred election after a restart moves leadership back; a second one has nothing to do', () => {
    const cluster = fresh()
    runShellCommand(cluster, `kafka-topics ${BS} --create --topic t --partitions 3 --replication-factor 3`)
    cluster.advance(1000)
    cluster.crashBroker(1)
    cluster.advance(15_000)
    cluster.restartBroker(1)
    cluster.advance(60_000)
    const first = runShellCommand(cluster, `kafka-leader-election ${BS} --election-type preferred --all-topic-partitions`)
    expect(first.exitCode).toBe(0)
    // With every partition asked for, the controller answers only for those it elected
    // (ReplicationControlManager.electLeaders with null topicPartitions).
    expect(first.stdout).toHaveLength(1)
    const elected = /^Successfully completed leader election \(PREFERRED\) for partitions (t-\d(?:, t-\d)*)$/.exec(first.stdout[0]!)
    expect(elected).not.toBeNull()
    const partition = elected![1]!.split(', ')[0]!.slice(2)
    cluster.advance(1000)
    const again = runShellCommand(cluster, `kafka-leader-election ${BS} --election-type PREFERRED --topic t --partition ${partition}`)
    expect(again.stdout).toEqual([`Valid replica already elected for partitions t-${partition}`])
    for (const p of Object.values(cluster.snapshot().topics.t!.partitions)) expect(p.leader).toBe(p.replicas[0])
  })
})

describe('the shell itself', () => {
  it('splits words as a shell does', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g`)).toEqual(['a', 'b c', 'd e', 'f g'])
  })

  it('an unknown tool: command not found, exit 127', () => {
    expect(runShellCommand(fresh(), 'kafka-nope --list').exitCode).toBe(127)
  })

  it('the stdin loop: the producer reads the lines after it up to an empty line', async () => {
    const cluster = fresh()
    const input = new PassThrough()
    const written: string[] = []
    const done = runShellLoop(cluster, { input, write: (t) => written.push(t), writeError: (t) => written.push(`!${t}`), interactive: false })
    input.end([`kafka-topics ${BS} --create --topic t --partitions 1`, `kafka-console-producer ${BS} --topic t`, 'one', 'two', '', `kafka-console-consumer ${BS} --topic t --from-beginning`, 'exit', 'ignored'].join('\n'))
    expect(await done).toBe(0)
    expect(written.join('')).toBe('Created topic t.\none\ntwo\n!Processed a total of 2 messages\n')
  })
})
