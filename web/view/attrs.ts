// Setting an SVG attribute costs a style pass even when the value is the same: these set
// only what changed since the last call on that element (d3 joins redraw every frame).

type Cached = Element & { __attrs?: Record<string, string | null> }

export function put(element: Element, attrs: Record<string, string | number | null>): void {
  const cache = ((element as Cached).__attrs ??= {})
  for (const name in attrs) {
    const raw = attrs[name]
    const value = raw === null || raw === undefined ? null : String(raw)
    if (cache[name] === value) continue
    cache[name] = value
    if (value === null) element.removeAttribute(name)
    else element.setAttribute(name, value)
  }
}

export function putText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text
}
