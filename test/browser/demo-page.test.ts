// The demo page in headless Chromium: the browser replays the same run as Node, event for
// event, so the trace hashes match; bad input from the address bar or the form is shown
// as text, never run as code.

import { mkdtempSync, rmSync } from 'node:fs'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { build, preview, type PreviewServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDemo } from '../../sim/demo/run.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

let outDir: string
let server: PreviewServer
let browser: Browser
let baseUrl: string

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'kafkasim-site-'))
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  server = await preview({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } })
  baseUrl = server.resolvedUrls!.local[0]!
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
})

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (server ? server.httpServer.close(() => resolve()) : resolve()))
  if (outDir) rmSync(outDir, { recursive: true, force: true })
})

async function open(query: string): Promise<Page> {
  const page = await browser.newPage()
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${baseUrl}${query}`)
  await page.getByTestId('trace-hash').waitFor()
  expect(errors).toEqual([])
  return page
}

describe('demo page in Chromium', () => {
  it('shows the same events, simulated time and trace hash as Node for the seed in the address', async () => {
    for (const seed of [42, 7]) {
      const page = await open(`?seed=${seed}`)
      const expected = runDemo(seed)
      expect(await page.getByTestId('trace-hash').textContent()).toBe(expected.traceHash)
      expect(await page.getByTestId('events').textContent()).toBe(String(expected.events))
      expect(await page.getByTestId('sim-time').textContent()).toBe(`${expected.simTimeMs} ms`)
      await page.close()
    }
  })

  it('runs another seed typed into the form', async () => {
    const page = await open('')
    expect(await page.getByTestId('seed').textContent()).toBe('42')
    await page.getByLabel('Seed').fill('43')
    await page.getByRole('button', { name: 'Run' }).click()
    await expect.poll(() => page.getByTestId('seed').textContent()).toBe('43')
    expect(await page.getByTestId('trace-hash').textContent()).toBe(runDemo(43).traceHash)
    mkdirSync(join(ROOT, 'test-results'), { recursive: true })
    await page.screenshot({ path: join(ROOT, 'test-results', 'demo-page.png'), fullPage: true })
    await page.close()
  })

  it('shows a bad seed from the address as text, not markup, and falls back to the default', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">'
    const page = await open(`?seed=${encodeURIComponent(hostile)}`)
    const alert = await page.getByRole('alert').first().textContent()
    expect(alert).toContain(hostile)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    expect(await page.locator('main img').count()).toBe(0)
    expect(await page.getByTestId('seed').textContent()).toBe('42')
    await page.close()
  })

  it('refuses a bad seed typed into the form and keeps the last run', async () => {
    const page = await open('?seed=5')
    await page.getByLabel('Seed').fill('-3')
    await page.getByRole('button', { name: 'Run' }).click()
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Seed must be a non-negative integer; got "-3"')
    expect(await page.getByTestId('seed').textContent()).toBe('5')
    await page.close()
  })
})
