// Vite's `?raw` imports: a file's text, bundled at build time.
declare module '*?raw' {
  const text: string
  export default text
}

// Stylesheets imported for their side effect (Vite bundles them).
declare module '*.css' {}

// Vite's import.meta.glob, as the app uses it: every matching file's text, bundled at build time.
interface ImportMeta {
  glob(pattern: string, options: { query: '?raw'; import: 'default'; eager: true }): Record<string, string>
}
