// Runs the kafkasim command line as a user would (node sim/cli/kafkasim.js ...), for the CLI tests.

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const BIN = join(import.meta.dirname, '..', '..', 'sim', 'cli', 'kafkasim.js')
const run = promisify(execFile)

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The exit code and the output of `kafkasim ...args`; never throws on a non-zero exit. */
export async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as CliResult
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

export const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!
