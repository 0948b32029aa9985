// `kafkasim run <files|dirs>`: the command-line face of the scenario runner (runner.ts).
// Exit 0 when every expectation held, 1 when one failed, 2 on bad usage or a bad file
// (a ScenarioInputError, thrown before anything runs).

import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { UsageError, parseSeedArg, parseSeedRangeArg, type OptionSpec, type ParsedArgs } from '../cli/args.ts'
import { toJSONLine } from '../trace.ts'
import { formatResult, junitXml } from './report.ts'
import { collectScenarioFiles, runScenarioFiles } from './runner.ts'

export const RUN_USAGE = 'kafkasim run <files or dirs...> [--seed N | --seeds A..B] [--trace out.jsonl] [--junit out.xml] [--json] [--update-golden] [--quiet]'

export const RUN_OPTIONS: Record<string, OptionSpec> = {
  seed: { kind: 'value', description: "run every scenario with this seed instead of its own" },
  seeds: { kind: 'value', description: 'run every scenario once per seed in the range A..B' },
  trace: { kind: 'value', description: 'write every trace record as JSON Lines (a {"scenario","seed"} line starts each run)' },
  junit: { kind: 'value', description: 'write JUnit XML: one testsuite per run, one testcase per expectation' },
  json: { kind: 'flag', description: 'end with one JSON line {scenarios, passed, failed, traceHashes} (keys "name@seed")' },
  'update-golden': { kind: 'flag', description: "rewrite each scenario's golden timeline file instead of comparing with it" },
  quiet: { kind: 'flag', description: 'leave out the timelines; print only the verdicts' },
}

export function runCommand(args: ParsedArgs, out: (line: string) => void): number {
  if (args.positional.length === 0) throw new UsageError('kafkasim run: name at least one scenario file or directory')
  if (args.values.has('seed') && args.values.has('seeds')) throw new UsageError('kafkasim run: give --seed or --seeds, not both')
  const seedText = args.values.get('seed')
  const seedsText = args.values.get('seeds')
  const seeds = seedText !== undefined ? [parseSeedArg(seedText, '--seed', 'run')] : seedsText !== undefined ? parseSeedRangeArg(seedsText, '--seeds', 'run') : undefined
  const files = collectScenarioFiles(args.positional)
  if (files.length === 0) throw new UsageError(`kafkasim run: no scenario files (*.yaml, *.yml) in ${args.positional.join(', ')}`)
  const tracePath = args.values.get('trace')
  const traceFd = tracePath === undefined ? null : openSync(tracePath, 'w')
  let current = ''
  try {
    const runs = runScenarioFiles(files, {
      ...(seeds ? { seeds } : {}),
      updateGolden: args.flags.has('update-golden'),
      ...(traceFd !== null
        ? {
            onTrace: (file: string, seed: number, record) => {
              const key = `${file}@${seed}`
              if (key !== current) {
                current = key
                writeSync(traceFd, JSON.stringify({ scenario: file, seed }) + '\n')
              }
              writeSync(traceFd, toJSONLine(record))
            },
          }
        : {}),
      onResult: ({ file, result }) => {
        for (const line of formatResult(result, file, { timeline: !args.flags.has('quiet') })) out(line)
        out('')
      },
    })
    const passed = runs.filter((r) => r.result.passed).length
    const failed = runs.length - passed
    out(`${runs.length} scenario run(s): ${passed} passed, ${failed} failed`)
    for (const { file, result } of runs) if (!result.passed) out(`  failed: ${result.name} (${file}, seed ${result.seed})`)
    const junitPath = args.values.get('junit')
    if (junitPath !== undefined) writeFileSync(junitPath, junitXml(runs))
    if (args.flags.has('json')) {
      const traceHashes = Object.fromEntries(runs.map(({ result }) => [`${result.name}@${result.seed}`, result.traceHash]))
      out(JSON.stringify({ scenarios: runs.length, passed, failed, traceHashes }))
    }
    return failed > 0 ? 1 : 0
  } finally {
    if (traceFd !== null) closeSync(traceFd)
  }
}
