// The playback speeds offered, as multiples of real time (simulated ms per wall ms).

export const SPEEDS = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000, 10000]

export function speedLabel(speed: number): string {
  return `${speed >= 1 ? speed.toLocaleString('en-US') : speed}×`
}
