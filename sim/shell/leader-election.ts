// kafka-leader-election (apache/kafka tools/.../LeaderElectionCommand.java): elects the
// preferred leader (replicas[0]) or, with --election-type unclean, any live replica, for
// --topic T --partition P or --all-topic-partitions, and reports as the real tool does.

import type { Cluster } from '../cluster.ts'
import { integerOption, parseOptions, requireOption, ToolUsageError } from './options.ts'
import type { ToolOutput } from './tool.ts'
import { exceptionClass } from './views.ts'

const SPEC = {
  'bootstrap-server': 'value', 'bootstrap-controller': 'value', 'admin.config': 'value', 'command-config': 'value', topic: 'value', partition: 'value',
  'path-to-json-file': 'value', 'all-topic-partitions': 'flag', 'election-type': 'value', help: 'flag', version: 'flag',
} as const

export function kafkaLeaderElection(args: readonly string[], cluster: Cluster): ToolOutput {
  const out: ToolOutput = { stdout: [], stderr: [], exitCode: 0 }
  try {
    const options = parseOptions(args, SPEC)
    if (!options.has('bootstrap-server') && !options.has('bootstrap-controller')) throw new ToolUsageError('One of the required bootstrap options must be specified: --bootstrap-server, --bootstrap-controller')
    const typeText = requireOption(options, 'election-type').toUpperCase()
    if (typeText !== 'PREFERRED' && typeText !== 'UNCLEAN') throw new ToolUsageError(`Invalid election type: ${options.value('election-type')}; expected preferred or unclean`)
    const sources = ['topic', 'all-topic-partitions', 'path-to-json-file'].filter((o) => options.has(o))
    if (sources.length !== 1) throw new ToolUsageError('One and only one of the following options is required: all-topic-partitions, topic, path-to-json-file')
    if (options.has('path-to-json-file')) throw new ToolUsageError('kafkasim: --path-to-json-file is not supported; use --topic and --partition')
    let partitions: { topic: string; partition: number }[] | null = null
    if (options.has('topic')) {
      const partition = integerOption(options, 'partition')
      if (partition === undefined) throw new ToolUsageError('Missing required option(s) [partition]')
      partitions = [{ topic: options.value('topic')!, partition }]
    } else if (options.has('partition')) {
      throw new ToolUsageError('Option partition is only allowed if topic is used')
    }
    const results = cluster.electLeaders(typeText, partitions) ?? []
    const name = (r: { topic: string; partition: number }) => `${r.topic}-${r.partition}`
    const succeeded = results.filter((r) => r.errorCode === 'NONE')
    const noop = results.filter((r) => r.errorCode === 'ELECTION_NOT_NEEDED')
    const failed = results.filter((r) => r.errorCode !== 'NONE' && r.errorCode !== 'ELECTION_NOT_NEEDED')
    if (succeeded.length > 0) out.stdout.push(`Successfully completed leader election (${typeText}) for partitions ${succeeded.map(name).join(', ')}`)
    if (noop.length > 0) out.stdout.push(`Valid replica already elected for partitions ${noop.map(name).join(', ')}`)
    if (failed.length > 0) {
      for (const f of failed) out.stdout.push(`Error completing leader election (${typeText}) for partition: ${name(f)}: ${exceptionClass(f.errorCode)}: ${f.errorMessage ?? ''}`)
      out.stderr.push(`Error while making request`, `org.apache.kafka.server.common.AdminCommandFailedException: ${failed.length} replica(s) could not be elected`)
      out.exitCode = 1
    }
  } catch (error) {
    out.exitCode = 1
    out.stderr.push((error as Error).message)
  }
  return out
}
