// Shared by the browser tests: builds the site into a temporary folder, serves it with
// Vite's preview() on a free port, and drives Debian's Chromium with playwright-core.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { build, preview, type PreviewServer } from 'vite'
import { SPEEDS } from '../../web/view/speeds.ts'

export const ROOT = join(import.meta.dirname, '..', '..')
export const RESULTS = join(ROOT, 'test-results')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

export interface Site {
  baseUrl: string
  browser: Browser
  close(): Promise<void>
}

export async function startSite(): Promise<Site> {
  const outDir = mkdtempSync(join(tmpdir(), 'kafkasim-site-'))
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
  const server: PreviewServer = await preview({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } })
  const baseUrl = server.resolvedUrls!.local[0]!
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  return {
    baseUrl,
    browser,
    async close() {
      await browser.close()
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
      rmSync(outDir, { recursive: true, force: true })
    },
  }
}

export interface OpenPage {
  page: Page
  /** Uncaught errors in the page so far. */
  errors: string[]
}

/** Opens the app at `query` and waits for its first frame. */
export async function openApp(site: Site, query: string): Promise<OpenPage> {
  const page = await site.browser.newPage({ viewport: { width: 1280, height: 720 } })
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${site.baseUrl}${query}`)
  await waitReady(page)
  return { page, errors }
}

/** Waits until a frame is shown, no replay is running and no frame is on its way. */
export async function waitReady(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const app = (window as unknown as { kafkasim?: { settled: boolean } }).kafkasim
      return !!app && app.settled
    },
    null,
    { timeout },
  )
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: join(RESULTS, `${name}.png`) })
}

export async function setSpeed(page: Page, speed: number): Promise<void> {
  const index = SPEEDS.indexOf(speed)
  if (index < 0) throw new Error(`no speed ${speed}`)
  await page.getByLabel('Speed').fill(String(index))
}

export async function play(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Play', exact: true }).click()
}

export async function pause(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Pause', exact: true }).click()
  await waitReady(page)
}

export interface PartitionRow {
  leader: string
  isr: number[]
}

export async function partitionRow(page: Page, partition: number): Promise<PartitionRow> {
  const row = page.getByTestId(`partition-orders-${partition}`)
  const leader = (await row.getByTestId('leader').textContent())!.trim()
  const isrText = (await row.getByTestId('isr').textContent())!.trim()
  return { leader, isr: isrText === '' ? [] : isrText.split(',').map((s) => Number(s.trim())) }
}

/** The page's position: simulated time (as shown), events and trace hash. */
export async function position(page: Page): Promise<{ time: string; events: number; hash: string }> {
  return {
    time: (await page.getByTestId('sim-time').textContent())!,
    events: Number(await page.getByTestId('events').textContent()),
    hash: (await page.getByTestId('trace-hash').textContent())!,
  }
}

/** Polls `check` until it returns true (the page is playing meanwhile). */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
