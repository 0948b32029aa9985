// KafkaJS's logger (kafkajs src/loggers/index.js): levels NOTHING 0, ERROR 1, WARN 2,
// INFO 4, DEBUG 5; a logCreator(level) returns the function each entry goes to, as
// { namespace, level, label, log: { timestamp, logger: 'kafkajs', message, ...extra } }.
// Differences: `timestamp` is the simulated time in ms (the sandbox never reads the wall
// clock), and KAFKAJS_LOG_LEVEL is not read from the environment.

export const logLevel = Object.freeze({ NOTHING: 0, ERROR: 1, WARN: 2, INFO: 4, DEBUG: 5 } as const)

export type LogLevel = (typeof logLevel)[keyof typeof logLevel]

export interface LogEntry {
  namespace: string
  level: LogLevel
  label: 'ERROR' | 'WARN' | 'INFO' | 'DEBUG'
  log: { timestamp: number; logger: 'kafkajs'; message: string; [extra: string]: unknown }
}

export type LogCreator = (level: LogLevel) => (entry: LogEntry) => void

export interface Logger {
  error(message: string, extra?: Record<string, unknown>): void
  warn(message: string, extra?: Record<string, unknown>): void
  info(message: string, extra?: Record<string, unknown>): void
  debug(message: string, extra?: Record<string, unknown>): void
  namespace(name: string): Logger
  setLogLevel(level: LogLevel): void
}

/** KafkaJS's default logCreator writes each entry as one JSON line to the console. */
const consoleLogCreator: LogCreator = () => ({ namespace, label, log }) => {
  const prefix = namespace ? `[${namespace}] ` : ''
  const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` })
  if (label === 'ERROR') console.error(line)
  else if (label === 'WARN') console.warn(line)
  else console.log(line)
}

export function createLogger(level: LogLevel, logCreator: LogCreator | undefined, now: () => number): Logger {
  let current = level
  const write = (logCreator ?? consoleLogCreator)(level)
  const make = (namespace: string): Logger => {
    const at = (label: LogEntry['label'], entryLevel: LogLevel) => (message: string, extra: Record<string, unknown> = {}) => {
      if (entryLevel > current) return
      write({ namespace, level: entryLevel, label, log: { timestamp: now(), logger: 'kafkajs', message, ...extra } })
    }
    return {
      error: at('ERROR', logLevel.ERROR),
      warn: at('WARN', logLevel.WARN),
      info: at('INFO', logLevel.INFO),
      debug: at('DEBUG', logLevel.DEBUG),
      namespace: (name) => make(name),
      setLogLevel: (next) => {
        current = next
      },
    }
  }
  return make('')
}
