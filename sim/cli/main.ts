// `kafkasim <command>`: the headless driver. Exit codes: 0 success, 1 a check failed,
// 2 bad usage or bad input. With --json the last line printed is one JSON object.

import { benchKernel } from '../bench/kernel.ts'
import { benchE2e } from '../bench/e2e.ts'
import { benchReplication } from '../bench/replication.ts'
import { benchGroups } from '../bench/groups.ts'
import { benchKafkajs } from '../kafkajs/bench.ts'
import { FUZZ_PROFILES, describeSchedule, isFailure, runFuzz, verdict, type FuzzProfileName } from '../fuzz/fuzz.ts'
import { shrinkFailure } from '../fuzz/shrink.ts'
import { shortValue } from '../checkers/history.ts'
import { describeGroupsFuzz, runGroupsFuzz } from '../fuzz/groups.ts'
import { runDemo } from '../demo/run.ts'
import { InputError } from '../input.ts'
import { formatRecord } from '../trace.ts'
import { RUN_OPTIONS, RUN_USAGE, runCommand } from '../scenario/command.ts'
import { ScenarioInputError } from '../scenario/load.ts'
import { SHELL_OPTIONS, SHELL_USAGE, shellCommand } from '../shell/command.ts'
import { LESSONS_OPTIONS, LESSONS_USAGE, lessonsCommand } from '../lessons/command.ts'
import { UsageError, formatOptions, parseArgs, parseSeedArg, type OptionSpec, type ParsedArgs } from './args.ts'
import { heapUsedMb, wallNowMs } from './wallclock.ts'

interface Command {
  summary: string
  usage: string
  options: Record<string, OptionSpec>
  run(args: ParsedArgs): number
}

const HELP: OptionSpec = { kind: 'flag', description: 'show this help' }

// A case may be async (the KafkaJS facade's runs on virtual time, awaiting promises).
const BENCH_CASES: Record<string, () => Record<string, unknown> | Promise<Record<string, unknown>>> = {
  kernel: () => ({ ...benchKernel(wallNowMs) }),
  // Reads the heap itself, at the end of its run while the cluster is still alive.
  replication: () => ({ ...benchReplication(wallNowMs, heapUsedMb) }),
  e2e: () => ({ ...benchE2e(wallNowMs, heapUsedMb) }),
  groups: () => ({ ...benchGroups(wallNowMs) }),
  kafkajs: async () => ({ ...(await benchKafkajs(wallNowMs)) }),
}

const commands: Record<string, Command> = {
  demo: {
    summary: 'a short built-in run: brokers, a topic, a producer, a consumer, a leader crash',
    usage: 'kafkasim demo [--seed N] [--verbose] [--json]',
    options: {
      seed: { kind: 'value', description: 'root seed, a non-negative integer (default 42)' },
      verbose: { kind: 'flag', description: 'print every trace record, not only the notable ones' },
      json: { kind: 'flag', description: 'end with one JSON line {seed, events, simTimeMs, traceHash}' },
      help: HELP,
    },
    run(args) {
      if (args.positional.length > 0) throw new UsageError(`kafkasim demo: unexpected argument "${args.positional[0]}"`)
      const seedText = args.values.get('seed')
      const seed = seedText === undefined ? 42 : parseSeedArg(seedText, '--seed', 'demo')
      const verbose = args.flags.has('verbose')
      const lines: string[] = []
      const result = runDemo(seed, verbose ? (record) => lines.push(formatRecord(record)) : undefined)
      if (!verbose) for (const record of result.notable) lines.push(formatRecord(record))
      out(`kafkasim demo (seed ${seed}): 3 brokers and a KRaft controller; topic orders with 3 partitions, RF 3, min.insync.replicas 2;`)
      out('an idempotent producer writes keyed records with acks=all while a consumer reads every partition from the start;')
      out(`5 s in, broker ${result.crashedLeader} (the leader of orders-0) crashes; 15 s later it restarts.`)
      out('')
      for (const line of lines) out(line)
      out('')
      out(`orders-0: leader ${result.crashedLeader} (epoch ${result.leaderEpochs.before}) -> leader ${result.newLeader} (epoch ${result.leaderEpochs.after})`)
      out(`producer: ${result.produced} records sent, ${result.acknowledged} acknowledged, ${result.failed} failed, ${result.retries} retries`)
      out(`consumer: ${result.consumed} records read, ${result.consumerGaps} skipped, ${result.consumerDuplicates} read twice`)
      out(`history check: ${result.lostAcknowledged} acknowledged records lost, ${result.duplicates} duplicated`)
      out(`events: ${result.events}`)
      out(`simulated time: ${result.simTimeMs} ms`)
      out(`trace-hash: ${result.traceHash}`)
      if (args.flags.has('json')) {
        out(JSON.stringify({ seed, events: result.events, simTimeMs: result.simTimeMs, traceHash: result.traceHash }))
      }
      return 0
    },
  },
  fuzz: {
    summary: 'random fault schedules under a profile, with invariant checks and a history check after every run',
    usage: `kafkasim fuzz --profile <${[...Object.keys(FUZZ_PROFILES), 'groups'].join('|')}> --seeds N [--from S] [--stop-at-first] [--shrink] [--json]`,
    options: {
      profile: { kind: 'value', description: `the fault model and settings: ${Object.keys(FUZZ_PROFILES).join(', ')}` },
      seeds: { kind: 'value', description: 'how many seeds to run (a positive integer)' },
      from: { kind: 'value', description: 'the first seed (default 0)' },
      'stop-at-first': { kind: 'flag', description: 'stop at the first failing seed' },
      shrink: { kind: 'flag', description: "shrink the first failing seed's fault schedule and print it as a scenario YAML file that reproduces the failure" },
      json: { kind: 'flag', description: 'end with one JSON line {profile, runs, violations, lostWrites, duplicates, reorders, firstFailingSeed}' },
      help: HELP,
    },
    run(args) {
      if (args.positional.length > 0) throw new UsageError(`kafkasim fuzz: unexpected argument "${args.positional[0]}"`)
      const profile = args.values.get('profile')
      if (profile === undefined) throw new UsageError(`kafkasim fuzz: --profile is required (one of ${Object.keys(FUZZ_PROFILES).join(', ')}, groups)`)
      if (profile !== 'groups' && !Object.hasOwn(FUZZ_PROFILES, profile)) throw new UsageError(`kafkasim fuzz: --profile expected one of ${Object.keys(FUZZ_PROFILES).join(', ')}, groups, got "${profile}"`)
      const seedsText = args.values.get('seeds')
      if (seedsText === undefined) throw new UsageError('kafkasim fuzz: --seeds is required (a positive integer)')
      const seeds = parseSeedArg(seedsText, '--seeds', 'fuzz')
      if (seeds < 1) throw new UsageError(`kafkasim fuzz: --seeds expected a positive integer, got "${seedsText}"`)
      const fromText = args.values.get('from')
      const from = fromText === undefined ? 0 : parseSeedArg(fromText, '--from', 'fuzz')
      if (profile === 'groups') {
        // Consumer groups under churn (sim/fuzz/groups.ts): its own runner and checkers. It runs
        // no producer, so the history figures the other profiles report are null here.
        out(`kafkasim fuzz: profile groups, seeds ${from}..${from + seeds - 1}`)
        const report = runGroupsFuzz({ seeds, from })
        for (const line of describeGroupsFuzz(report)) out(line)
        if (args.flags.has('json')) out(JSON.stringify({ profile: 'groups', runs: report.runs, violations: report.violations, unconverged: report.unconverged, lostWrites: null, duplicates: null, reorders: null, firstFailingSeed: report.firstFailure?.seed ?? null }))
        return report.firstFailure ? 1 : 0
      }
      out(`kafkasim fuzz: profile ${profile}, seeds ${from}..${from + seeds - 1}`)
      const report = runFuzz({
        profile: profile as FuzzProfileName,
        seeds,
        from,
        stopAtFirstFailure: args.flags.has('stop-at-first'),
        onSeed: (result) => {
          if (isFailure(result)) {
            out(`seed ${result.seed}: ${result.violations.length} violation(s), ${result.lostWrites} lost acknowledged write(s), ${result.duplicates} duplicate(s), ${result.reorders} reordered${result.settled ? '' : `, did not settle: ${result.unsettledReason}`}`)
          }
        },
      })
      out('')
      out(`runs: ${report.runs}; invariant violations: ${report.violations}; lost acknowledged writes: ${report.lostWrites}; duplicates: ${report.duplicates}; reordered: ${report.reorders}; runs that did not settle: ${report.unsettled}`)
      const failure = report.firstFailure
      if (failure) {
        out(`first failing seed: ${failure.seed} (replay: kafkasim fuzz --profile ${profile} --seeds 1 --from ${failure.seed})`)
        out('its fault schedule:')
        for (const line of describeSchedule(failure.schedule)) out(`  ${line}`)
        for (const v of failure.violations.slice(0, 5)) out(`  violation at ${v.timeMs.toFixed(3)} ms [${v.checker}]: ${v.message}`)
        for (const lost of failure.lostExamples) out(`  lost: ${shortValue(lost.value)} acknowledged at ${lost.partition} offset ${lost.offset}`)
        if (!failure.settled) out(`  did not settle: ${failure.unsettledReason}`)
        if (args.flags.has('shrink')) {
          const shrunk = shrinkFailure(profile as FuzzProfileName, failure.seed, failure.schedule)
          out('')
          out(shrunk.reproduced
            ? `shrunk in ${shrunk.runs} runs from ${failure.schedule.length} faults to ${shrunk.schedule.length}; save this as scenarios/${shrunk.scenario.name}.yaml:`
            : 'the failure did not reproduce as a scenario (no shrinking); the scenario of the whole schedule:')
          out('')
          out(shrunk.yaml)
        }
      } else {
        out('no failing seed')
      }
      out(verdict(report))
      if (args.flags.has('json')) {
        out(JSON.stringify({
          profile,
          runs: report.runs,
          violations: report.violations,
          lostWrites: report.lostWrites,
          duplicates: report.duplicates,
          reorders: report.reorders,
          unsettled: report.unsettled,
          firstFailingSeed: report.firstFailingSeed,
          expectationMet: report.expectationMet,
        }))
      }
      return report.expectationMet ? 0 : 1
    },
  },
  run: {
    summary: 'run scenario files (YAML): a timeline of notable events, then each expectation with its figures',
    usage: RUN_USAGE,
    options: { ...RUN_OPTIONS, help: HELP },
    run: (args) => runCommand(args, out),
  },
  lessons: {
    summary: 'list the guided lessons, or --check: run each headless with its scripted learner actions',
    usage: LESSONS_USAGE,
    options: { ...LESSONS_OPTIONS, help: HELP },
    run: (args) => lessonsCommand(args, out),
  },
  shell: {
    summary: 'Kafka CLI parity on a simulated cluster: kafka-topics, kafka-configs, kafka-console-producer/-consumer, kafka-consumer-groups, kafka-leader-election',
    usage: SHELL_USAGE,
    options: { ...SHELL_OPTIONS, help: HELP },
    run: (args) => shellCommand(args),
  },
  bench: {
    summary: 'benchmarks, one JSON line per case',
    usage: `kafkasim bench [case...]   cases: ${Object.keys(BENCH_CASES).join(', ')} (default: all)`,
    options: { help: HELP },
    run(args) {
      const cases = args.positional.length > 0 ? args.positional : Object.keys(BENCH_CASES)
      for (const name of cases) {
        if (!BENCH_CASES[name]) throw new UsageError(`kafkasim bench: unknown case "${name}" (known: ${Object.keys(BENCH_CASES).join(', ')})`)
      }
      // The cases run one after another, each awaited; the exit code is set when they end.
      void (async () => {
        for (const name of cases) {
          const result = await BENCH_CASES[name]!()
          // A case that measured its heap at a better moment keeps its own figure.
          out(JSON.stringify({ ...result, heapUsedMb: typeof result.heapUsedMb === 'number' ? result.heapUsedMb : heapUsedMb() }))
        }
      })().catch((error: Error) => {
        process.stderr.write(`kafkasim bench: ${error.stack ?? error.message}\n`)
        process.exitCode = 1
      })
      return 0
    },
  },
}

function out(line: string): void {
  process.stdout.write(line + '\n')
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  return [
    'kafkasim: a deterministic simulation and teaching sandbox of an Apache Kafka cluster',
    '',
    'usage: kafkasim <command> [options]      kafkasim <command> --help',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n')
}

function main(argv: string[]): number {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(usage())
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (!command) {
    process.stderr.write(`kafkasim: unknown command "${name}"\n\n${usage()}\n`)
    return 2
  }
  try {
    const args = parseArgs(rest, command.options, name)
    if (args.flags.has('help')) {
      out(`usage: ${command.usage}\n\n${command.summary}\n\noptions:\n${formatOptions(command.options)}\n`)
      return 0
    }
    return command.run(args)
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputError || error instanceof ScenarioInputError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    throw error
  }
}

process.exitCode = main(process.argv.slice(2))
