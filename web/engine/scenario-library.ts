// The scenario library: every scenarios/*.yaml, bundled as text at build time (Vite's
// import.meta.glob with `?raw`; nothing is fetched at run time, so the static site has
// them all). The page offers them by name; the engine runs one from its text.

const FILES = import.meta.glob('../../scenarios/*.yaml', { query: '?raw', import: 'default', eager: true })

/** Scenario name (its file name without .yaml) -> the file's text, by name. */
export const SCENARIO_TEXTS: ReadonlyMap<string, string> = new Map(
  Object.entries(FILES)
    .map(([path, text]) => [path.slice(path.lastIndexOf('/') + 1).replace(/\.yaml$/, ''), text] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
)
