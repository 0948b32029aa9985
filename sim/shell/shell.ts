// The sandbox's Kafka command line: one command line (and, for kafka-console-producer, its
// input lines) against a cluster gives the text the real tool would print and its exit
// code. A pure function of the cluster and the command, so that the CLI's stdin loop
// (loop.ts) and the web app's console share it. Tools may be named as in a Kafka
// distribution: kafka-topics, kafka-topics.sh or bin/kafka-topics.sh.

import type { Cluster } from '../cluster.ts'
import { kafkaConfigs } from './configs.ts'
import { kafkaConsumerGroups } from './consumer-groups.ts'
import { kafkaConsoleConsumer, kafkaConsoleProducer } from './console.ts'
import { kafkaLeaderElection } from './leader-election.ts'
import { splitWords, ToolUsageError } from './options.ts'
import type { ToolOutput } from './tool.ts'
import { kafkaTopics } from './topics.ts'
import { ClusterUnavailableError } from './views.ts'

export type { ToolOutput } from './tool.ts'

type Tool = (args: readonly string[], cluster: Cluster, input: readonly string[]) => ToolOutput

export const SHELL_TOOLS: Readonly<Record<string, Tool>> = {
  'kafka-topics': kafkaTopics,
  'kafka-configs': kafkaConfigs,
  'kafka-console-producer': kafkaConsoleProducer,
  'kafka-console-consumer': kafkaConsoleConsumer,
  'kafka-consumer-groups': kafkaConsumerGroups,
  'kafka-leader-election': kafkaLeaderElection,
}

/** The tool a command word names ("bin/kafka-topics.sh" -> "kafka-topics"), or null. */
export function toolName(word: string): string | null {
  const name = word.replace(/^.*\//, '').replace(/\.sh$/, '')
  return Object.hasOwn(SHELL_TOOLS, name) ? name : null
}

/** Runs one command line. `input` is what the tool reads from stdin (the console producer's lines). */
export function runShellCommand(cluster: Cluster, line: string, input: readonly string[] = []): ToolOutput {
  let words: string[]
  try {
    words = splitWords(line)
  } catch (error) {
    if (error instanceof ToolUsageError) return { stdout: [], stderr: [error.message], exitCode: 2 }
    throw error
  }
  if (words.length === 0) return { stdout: [], stderr: [], exitCode: 0 }
  const name = toolName(words[0]!)
  if (name === null) {
    return { stdout: [], stderr: [`${words[0]}: command not found (the shell knows ${Object.keys(SHELL_TOOLS).join(', ')})`], exitCode: 127 }
  }
  try {
    return SHELL_TOOLS[name]!(words.slice(1), cluster, input)
  } catch (error) {
    if (error instanceof ClusterUnavailableError) return { stdout: [], stderr: [`org.apache.kafka.common.errors.TimeoutException: ${error.message}`], exitCode: 1 }
    throw error
  }
}
