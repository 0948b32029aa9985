// `npm run bench:web`: the visualizer under load in headless Chromium, one JSON line.
//
// Builds the site, serves it with Vite's preview(), opens it with 5 brokers, a topic of 30
// partitions with RF=3, 3 producers (core's client: 20 records/s each, acks=all,
// linger.ms=5, uniform keys) and a consumer group of 4 members (core's consumer, subscribed
// with group.id: the coordinator and the assignor share the 30 partitions among them).
// It plays at 100x real time for MEASURE_MS of wall time and reports:
// - frameMsP50, frameMsP95: the interval between animation frames (requestAnimationFrame
//   timestamps), in ms; slowFrameShare: the share of frames over 16.7 ms, counted as
//   intervals over 17.7 ms because the timestamps jitter by a few tenths of a millisecond
//   around 16.7 at a steady 60 Hz (a missed frame shows as 33 ms); over16_7Share counts
//   every interval over 16.7 ms, jitter included;
// - firstRenderMs: from navigation to the first frame of the cluster on screen;
// - bundleKbGzip: the gzipped size of everything the page loads (HTML, CSS, JS, worker);
// and, for context, the speed the simulation actually reached (simulated ms per wall ms),
// the simulated time covered, and whether the invariant checkers were on (the default).
// Not a timed test: figures depend on the machine.

import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'
import { build, preview } from 'vite'
import { SPEEDS } from '../view/speeds.ts'

const ROOT = join(import.meta.dirname, '..', '..')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
// BENCH_WEB_CHECKS=0 runs without the invariant checkers (they bound the simulation's speed).
const CHECKS = process.env.BENCH_WEB_CHECKS === '0' ? '&checks=0' : ''
const QUERY = `?seed=1&brokers=5&partitions=30&rf=3&producers=3&rate=20&acks=all&linger=5&keys=uniform&consumers=4${CHECKS}`
const SPEED = 100
const WARMUP_MS = 2000
const MEASURE_MS = Number(process.env.BENCH_WEB_MS ?? 15_000)

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

async function main(): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'kafkasim-bench-web-'))
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } })
    const server = await preview({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } })
    const base = server.resolvedUrls!.local[0]!
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
      const loaded = new Set<string>()
      page.on('response', (response) => {
        const url = new URL(response.url())
        if (url.origin === new URL(base).origin) loaded.add(url.pathname === '/' ? '/index.html' : url.pathname)
      })
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(base + QUERY)
      await page.waitForFunction(() => performance.getEntriesByName('kafkasim:first-render').length > 0, null, { timeout: 30_000 })
      const firstRenderMs = await page.evaluate(() => performance.getEntriesByName('kafkasim:first-render')[0]!.startTime)
      await page.waitForFunction(() => (window as unknown as { kafkasim: { settled: boolean } }).kafkasim.settled)

      await page.getByLabel('Speed').fill(String(SPEEDS.indexOf(SPEED)))
      await page.getByRole('button', { name: 'Play', exact: true }).click()
      await page.waitForTimeout(WARMUP_MS)
      // As source text: tsx would wrap named functions in a helper the page does not have.
      const measured = (await page.evaluate(`(async (measureMs) => {
        const app = window.kafkasim
        const intervals = []
        const startSim = app.displayMs
        const startWall = performance.now()
        await new Promise((resolve) => {
          let last = -1
          const loop = (t) => {
            if (last >= 0) intervals.push(t - last)
            last = t
            if (t - startWall < measureMs) requestAnimationFrame(loop)
            else resolve()
          }
          requestAnimationFrame(loop)
        })
        return { intervals, simMs: app.displayMs - startSim, wallMs: performance.now() - startWall, playing: app.playing }
      })(${MEASURE_MS})`)) as { intervals: number[]; simMs: number; wallMs: number; playing: boolean }
      const checking = await page.evaluate(() => (window as unknown as { kafkasim: { frame: { checking: boolean } } }).kafkasim.frame.checking)
      const inWorker = await page.evaluate(() => (window as unknown as { kafkasim: { inWorker: boolean } }).kafkasim.inWorker)

      let gzipBytes = 0
      for (const path of loaded) {
        try {
          gzipBytes += gzipSync(readFileSync(join(outDir, decodeURIComponent(path)))).length
        } catch {
          // Not a file of the build (a data: URL, a favicon request): not part of the bundle.
        }
      }
      const sorted = [...measured.intervals].sort((a, b) => a - b)
      const result = {
        case: 'web',
        frameMsP50: round(percentile(sorted, 0.5)),
        frameMsP95: round(percentile(sorted, 0.95)),
        slowFrameShare: round(measured.intervals.filter((i) => i > 17.7).length / Math.max(1, measured.intervals.length), 4),
        over16_7Share: round(measured.intervals.filter((i) => i > 16.7).length / Math.max(1, measured.intervals.length), 4),
        firstRenderMs: round(firstRenderMs, 0),
        bundleKbGzip: round(gzipBytes / 1024, 1),
        frames: measured.intervals.length,
        speedAsked: SPEED,
        speedReached: round(measured.simMs / measured.wallMs, 1),
        simSeconds: round(measured.simMs / 1000, 1),
        checkers: checking,
        worker: inWorker,
        cluster: '5 brokers, 30 partitions RF=3, 3 producers x 20 records/s acks=all linger.ms=5, a consumer group of 4 members',
        errors: errors.length,
      }
      console.log(JSON.stringify(result))
    } finally {
      await browser.close()
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true })
  }
}

await main()
