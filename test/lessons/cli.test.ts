// `kafkasim lessons`: the list, and --check's exit codes and JSON line, on lesson files of a
// temporary directory (the library's lessons run in runner.test.ts).

import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, lastLine } from '../support/cli.ts'

const lesson = (name: string, until: string) => `name: ${name}
title: Lesson ${name}
description: One producer.
topics:
  - { name: orders, partitions: 1, replicationFactor: 3 }
clients:
  producers:
    - { id: app, topic: orders, rate: 100, config: { acks: all } }
steps:
  - title: Watch
    text: Records arrive.
    until: "${until}"
    within: 3s
    explain: "{{acknowledged('app')}} acknowledged."
`

describe('kafkasim lessons', () => {
  it('lists the library lessons; --json ends with their count and names', async () => {
    const { code, stdout } = await cli('lessons', '--json')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^acks-and-durability\s+Acks and durability/m)
    const json = JSON.parse(lastLine(stdout))
    expect(json.lessons).toBeGreaterThanOrEqual(3)
    expect(json.names).toContain('consumer-groups')
    expect(json).toMatchObject({ passed: null, failed: null })
  }, 30_000)

  it('--check exits 1 when a lesson fails, naming the lesson and the step; the JSON line counts both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkasim-lessons-'))
    writeFileSync(join(dir, 'a.yaml'), lesson('passes', "acknowledged('app') >= 100"))
    writeFileSync(join(dir, 'b.yaml'), lesson('never', 'lostWrites > 0'))
    const { code, stdout } = await cli('lessons', '--check', '--json', dir)
    expect(code).toBe(1)
    expect(stdout).toMatch(/^ok {3}passes: Lesson passes/m)
    expect(stdout).toMatch(/^ {7}\d+ acknowledged\.$/m)
    expect(stdout).toContain('failed: lesson never, step 1 of 1 "Watch": the "until" check lostWrites > 0 did not hold within 3s')
    expect(JSON.parse(lastLine(stdout))).toEqual({ lessons: 2, passed: 1, failed: 1 })
  }, 30_000)

  it('a bad lesson file exits 2 before anything runs, naming file, line and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafkasim-lessons-'))
    writeFileSync(join(dir, 'bad.yaml'), lesson('bad', "acknowledged('nobody') >= 1"))
    const { code, stdout, stderr } = await cli('lessons', '--check', dir)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toContain(`bad.yaml:12 steps[0].until: acknowledged('nobody'): no client 'nobody' in this lesson (known: app)`)
  }, 30_000)
})
