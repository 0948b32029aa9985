import { svelte } from '@sveltejs/vite-plugin-svelte'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const projectRoot = fileURLToPath(new URL('.', import.meta.url))

// The web app lives in web/ (its index.html is the entry); `npm run build` writes a static
// site to dist/ with relative asset paths, so it works from any static host or folder.
export default defineConfig({
  root: 'web',
  base: './',
  plugins: [svelte({ configFile: false })],
  server: { host: '127.0.0.1', strictPort: false },
  preview: { host: '127.0.0.1' },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  test: {
    dir: projectRoot,
    reporters: ['default', 'json'],
    outputFile: { json: `${projectRoot}test-results/vitest.json` },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          root: projectRoot,
          include: ['test/**/*.test.ts'],
          exclude: ['test/browser/**'],
          environment: 'node',
          // Tests assert behaviour, never speed; a slow or loaded machine must not fail
          // a property test that runs many simulated seeds.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          root: projectRoot,
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
})
