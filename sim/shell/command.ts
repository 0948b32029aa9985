// `kafkasim shell [--seed N] [--brokers N] [--config k=v ...]`: a simulated cluster and the
// Kafka tools' command line on it (loop.ts).

import { createCluster } from '../cluster.ts'
import { parseSeedArg, UsageError, type OptionSpec, type ParsedArgs } from '../cli/args.ts'
import { runShellLoop } from './loop.ts'

export const SHELL_USAGE = 'kafkasim shell [--seed N] [--brokers N]   then, e.g.: kafka-topics --bootstrap-server localhost:9092 --list'

export const SHELL_OPTIONS: Record<string, OptionSpec> = {
  seed: { kind: 'value', description: 'root seed, a non-negative integer (default 42)' },
  brokers: { kind: 'value', description: 'how many brokers (default 3)' },
}

/** Starts the shell on stdin/stdout; the process exit code is set when the input ends. */
export function shellCommand(args: ParsedArgs): number {
  if (args.positional.length > 0) throw new UsageError(`kafkasim shell: unexpected argument "${args.positional[0]}"`)
  const seedText = args.values.get('seed')
  const brokersText = args.values.get('brokers')
  const seed = seedText === undefined ? 42 : parseSeedArg(seedText, '--seed', 'shell')
  const brokers = brokersText === undefined ? 3 : parseSeedArg(brokersText, '--brokers', 'shell')
  const cluster = createCluster({ seed, brokers })
  void runShellLoop(cluster, {
    input: process.stdin,
    write: (text) => process.stdout.write(text),
    writeError: (text) => process.stderr.write(text),
    interactive: process.stdin.isTTY === true,
  }).then((code) => {
    process.exitCode = code
  })
  return 0
}
