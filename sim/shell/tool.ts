// What one Kafka tool run gives back: the lines it printed on stdout and stderr, and its
// exit code (0 success, 1 failure, as the real tools exit).

export interface ToolOutput {
  stdout: string[]
  stderr: string[]
  exitCode: number
}
