// Reads the "Where the sandbox simplifies" list out of core/README.md (bundled as text), so
// the visualizer states the same simplifications as the model's own documentation. Only
// plain text comes out: markdown emphasis and code marks are stripped, nothing is parsed
// as HTML.

export interface Simplification {
  title: string
  text: string
}

export function simplifications(markdown: string): Simplification[] {
  const start = markdown.indexOf('## Where the sandbox simplifies')
  if (start < 0) return []
  const rest = markdown.slice(start).split('\n').slice(1)
  const end = rest.findIndex((line) => line.startsWith('## '))
  const section = (end < 0 ? rest : rest.slice(0, end)).join('\n')
  const items: Simplification[] = []
  for (const chunk of section.split(/\n- /).map((c) => c.replace(/^- /, '').trim())) {
    if (!chunk) continue
    const plain = chunk.replace(/\s*\n\s*/g, ' ').replace(/`/g, '')
    const match = /^\*\*(.+?)\*\*\s*(.*)$/.exec(plain)
    items.push(match ? { title: match[1]!, text: match[2]!.replace(/\*\*/g, '') } : { title: '', text: plain.replace(/\*\*/g, '') })
  }
  return items
}
