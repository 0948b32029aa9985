// `kafkasim shell`: a prompt that reads Kafka tool command lines from stdin and prints what
// the tools print (shell.ts does the work). kafka-console-producer reads the lines that
// follow it as its input, up to an empty line or the end of input (where the real tool
// reads to Ctrl-D). Between command lines the simulation runs on by PAUSE_BETWEEN_COMMANDS_MS
// of simulated time, as a cluster does while someone types; within a command, a tool runs
// the simulation as far as it needs.

import { createInterface } from 'node:readline'
import type { Cluster } from '../cluster.ts'
import { runShellCommand, SHELL_TOOLS, toolName } from './shell.ts'

const PAUSE_BETWEEN_COMMANDS_MS = 1000

export interface ShellIo {
  input: NodeJS.ReadableStream
  write(text: string): void
  writeError(text: string): void
  /** Prompts only when a person is typing (stdin is a terminal). */
  interactive: boolean
}

/** Runs command lines until the input ends or `exit`; resolves with the last command's exit code. */
export async function runShellLoop(cluster: Cluster, io: ShellIo): Promise<number> {
  const lines = createInterface({ input: io.input, terminal: false })
  const prompt = () => {
    if (io.interactive) io.write('kafkasim> ')
  }
  let exitCode = 0
  let producer: { line: string; input: string[] } | null = null
  const finishProducer = () => {
    if (!producer) return
    exitCode = print(runShellCommand(cluster, producer.line, producer.input))
    producer = null
  }
  const print = (result: { stdout: string[]; stderr: string[]; exitCode: number }): number => {
    for (const line of result.stdout) io.write(`${line}\n`)
    for (const line of result.stderr) io.writeError(`${line}\n`)
    return result.exitCode
  }
  if (io.interactive) io.write(`kafkasim shell: ${cluster.brokerIds.length} brokers, bootstrap any --bootstrap-server value. Tools: ${Object.keys(SHELL_TOOLS).join(', ')}. "exit" to leave.\n`)
  prompt()
  for await (const line of lines) {
    if (producer) {
      if (line === '') {
        finishProducer()
        prompt()
      } else {
        producer.input.push(line)
        if (io.interactive) io.write('>')
      }
      continue
    }
    const trimmed = line.trim()
    if (trimmed === 'exit' || trimmed === 'quit') break
    if (trimmed !== '') {
      cluster.advance(PAUSE_BETWEEN_COMMANDS_MS)
      const first = trimmed.split(/\s+/)[0]!
      if (toolName(first) === 'kafka-console-producer') {
        producer = { line: trimmed, input: [] }
        if (io.interactive) io.write('>')
        continue
      }
      exitCode = print(runShellCommand(cluster, trimmed))
    }
    prompt()
  }
  finishProducer()
  return exitCode
}
