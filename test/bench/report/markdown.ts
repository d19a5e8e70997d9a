// Small helpers for the benchmark report: Markdown tables and number formatting.
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map(String).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export const ms = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)} ms`)
export const ratio = (v: number) => `${v.toFixed(2)}×`
export const count = (v: number | undefined) => (v === undefined ? '—' : v.toLocaleString('en'))
/** A figure of a comparison: one decimal below 10 (sub-millisecond differences show), else whole. */
export const figure = (v: number | undefined) =>
  v === undefined
    ? '—'
    : Math.abs(v) < 10 && !Number.isInteger(v)
      ? v.toFixed(1)
      : count(Math.round(v))
