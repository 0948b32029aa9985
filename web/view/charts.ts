// The three charts, drawn with d3 over simulated time: throughput in and out (records per
// simulated second), produce latency (median and p99, simulated ms) and consumer lag per
// partition (a heat strip per partition, records).

import { axisBottom, axisLeft, interpolateYlOrRd, line, max, scaleLinear, scaleSequential, select, type Selection } from 'd3'
import type { ChartData } from '../engine/metrics.ts'
import { put } from './attrs.ts'

const MARGIN = { top: 8, right: 8, bottom: 22, left: 42 }

type Root = Selection<SVGSVGElement, unknown, null, undefined>

function frame(svg: SVGSVGElement, width: number, height: number): { root: Root; plot: Selection<SVGGElement, unknown, null, undefined>; w: number; h: number } {
  const root = select(svg).attr('viewBox', `0 0 ${width} ${height}`)
  let plot = root.select<SVGGElement>('g.plot')
  if (plot.empty()) {
    plot = root.append('g').attr('class', 'plot')
    plot.append('g').attr('class', 'x-axis')
    plot.append('g').attr('class', 'y-axis')
    plot.append('g').attr('class', 'marks')
  }
  plot.attr('transform', `translate(${MARGIN.left},${MARGIN.top})`)
  return { root, plot, w: width - MARGIN.left - MARGIN.right, h: height - MARGIN.top - MARGIN.bottom }
}

function axes(plot: Selection<SVGGElement, unknown, null, undefined>, x: ReturnType<typeof scaleLinear<number, number>>, y: ReturnType<typeof scaleLinear<number, number>> | null, h: number): void {
  plot
    .select<SVGGElement>('g.x-axis')
    .attr('transform', `translate(0,${h})`)
    .call(axisBottom(x).ticks(5).tickFormat((v) => `${Number(v) / 1000}s`).tickSizeOuter(0))
  if (y) plot.select<SVGGElement>('g.y-axis').call(axisLeft(y).ticks(4).tickSizeOuter(0))
  else plot.select<SVGGElement>('g.y-axis').selectAll('*').remove()
}

interface Series {
  key: string
  color: string
  values: (number | null)[]
  dash?: string
}

function lines(svg: SVGSVGElement, data: ChartData, series: Series[], width: number, height: number): void {
  const { plot, w, h } = frame(svg, width, height)
  const x = scaleLinear().domain([data.fromMs, data.toMs]).range([0, w])
  const top = max(series.flatMap((s) => s.values.filter((v): v is number => v !== null))) ?? 0
  const y = scaleLinear().domain([0, Math.max(1, top) * 1.1]).nice().range([h, 0])
  axes(plot, x, y, h)
  const mid = data.bucketMs / 2
  const path = line<number | null>()
    .defined((v) => v !== null)
    .x((_, i) => x(data.times[i]! + mid))
    .y((v) => y(v ?? 0))
  plot
    .select('g.marks')
    .selectAll<SVGPathElement, Series>('path')
    .data(series, (s) => s.key)
    .join('path')
    .attr('fill', 'none')
    .attr('stroke', (s) => s.color)
    .attr('stroke-width', 1.6)
    .attr('stroke-dasharray', (s) => s.dash ?? null)
    .attr('d', (s) => path(s.values))
}

export function drawThroughput(svg: SVGSVGElement, data: ChartData, width: number, height: number): void {
  lines(
    svg,
    data,
    [
      { key: 'acked', color: '#2563eb', values: data.acked },
      { key: 'consumed', color: '#0e7490', values: data.consumed, dash: '5 3' },
      { key: 'failed', color: '#dc2626', values: data.failed },
    ],
    width,
    height,
  )
}

export function drawLatency(svg: SVGSVGElement, data: ChartData, width: number, height: number): void {
  lines(
    svg,
    data,
    [
      { key: 'p50', color: '#16a34a', values: data.latencyP50 },
      { key: 'p99', color: '#a16207', values: data.latencyP99, dash: '4 3' },
    ],
    width,
    height,
  )
}

interface Cell {
  key: string
  partition: number
  bucket: number
  lag: number
}

export function drawLag(svg: SVGSVGElement, data: ChartData, width: number, height: number): number {
  const { plot, w, h } = frame(svg, width, height)
  const x = scaleLinear().domain([data.fromMs, data.toMs]).range([0, w])
  axes(plot, x, null, h)
  const partitions = data.lag.length
  const rowH = h / Math.max(1, partitions)
  const top = Math.max(1, max(data.lag.flat()) ?? 0)
  const color = scaleSequential(interpolateYlOrRd).domain([0, top])
  const cells: Cell[] = []
  data.lag.forEach((row, p) => row.forEach((lag, b) => cells.push({ key: `orders-${p}:${b}`, partition: p, bucket: b, lag })))
  const cw = w / Math.max(1, data.times.length)
  // Thousands of cells: set only what changed (most do not between two refreshes).
  const cellH = Math.max(1, rowH - (rowH > 4 ? 1 : 0))
  plot
    .select('g.marks')
    .selectAll<SVGRectElement, Cell>('rect')
    .data(cells, (c) => c.key)
    .join('rect')
    .each(function (c) {
      put(this, { x: (c.bucket * cw).toFixed(1), y: (c.partition * rowH).toFixed(1), width: (cw + 0.5).toFixed(1), height: cellH.toFixed(1), fill: c.lag < 0 ? '#f1f5f9' : color(c.lag) })
    })
  const labels = partitions <= 12 ? data.lag.map((_, p) => p) : [0, partitions - 1]
  plot
    .select<SVGGElement>('g.y-axis')
    .selectAll<SVGTextElement, number>('text.row')
    .data(labels, (p) => String(p))
    .join('text')
    .attr('class', 'row')
    .attr('x', -4)
    .attr('y', (p) => p * rowH + rowH / 2)
    .attr('text-anchor', 'end')
    .attr('dominant-baseline', 'central')
    .attr('font-size', 9)
    .attr('fill', '#475569')
    .text((p) => `p${p}`)
  return top
}
