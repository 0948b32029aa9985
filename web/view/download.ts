// Saving files from the page: a Blob handed to the browser as a download.

export function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * The message-flow diagram as a standalone SVG file: a copy of the drawing with its
 * presentation (already in attributes), a white background and a caption.
 */
export function diagramSvg(svg: SVGSVGElement, caption: string): Blob {
  const copy = svg.cloneNode(true) as SVGSVGElement
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg')
  copy.setAttribute('font-family', 'system-ui, sans-serif')
  copy.removeAttribute('class')
  for (const node of copy.querySelectorAll('[tabindex], [role]')) {
    node.removeAttribute('tabindex')
    node.removeAttribute('role')
  }
  const ns = 'http://www.w3.org/2000/svg'
  const background = document.createElementNS(ns, 'rect')
  background.setAttribute('width', '100%')
  background.setAttribute('height', '100%')
  background.setAttribute('fill', '#ffffff')
  copy.insertBefore(background, copy.firstChild)
  const text = document.createElementNS(ns, 'text')
  text.setAttribute('x', '8')
  text.setAttribute('y', '14')
  text.setAttribute('font-size', '11')
  text.setAttribute('fill', '#475569')
  text.textContent = caption
  copy.appendChild(text)
  return new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' })
}
