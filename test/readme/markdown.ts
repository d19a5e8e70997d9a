// The README's generated sections: Markdown tables, the marker comments a section lives between,
// and Prettier's formatting (CI runs `prettier --check .`, so a generated section must already be
// formatted the way Prettier leaves it).
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import prettier from 'prettier'

export const README_PATH = fileURLToPath(new URL('../../README.md', import.meta.url))

/** A generated section: its name in the marker comments, the command that rewrites it, its text. */
export interface Section {
  name: string
  command: string
  render(): string
}

/** A Markdown table; a `|` inside a cell is escaped so it cannot end the cell. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** `text` in a code span. */
export const code = (text: string) => `\`${text}\``

const startMarker = (name: string) => `<!-- ${name}:start -->`
const endMarker = (name: string) => `<!-- ${name}:end -->`

function bounds(readme: string, name: string) {
  const start = readme.indexOf(startMarker(name))
  const end = readme.indexOf(endMarker(name))
  if (start < 0 || end < start) {
    throw new Error(`README.md has no ${startMarker(name)} … ${endMarker(name)} section`)
  }
  return { from: start + startMarker(name).length, to: end }
}

/** The text between a section's markers, without the blank lines around it. */
export function sectionText(readme: string, name: string): string {
  const { from, to } = bounds(readme, name)
  return readme.slice(from, to).trim()
}

/** `readme` with the text between a section's markers replaced by `text`. */
function withSectionText(readme: string, name: string, text: string): string {
  const { from, to } = bounds(readme, name)
  return `${readme.slice(0, from)}\n\n${text}\n\n${readme.slice(to)}`
}

/** A section's text as it belongs in the README: rendered, then formatted as Prettier would. */
export async function renderSection(section: Section): Promise<string> {
  const options = await prettier.resolveConfig(README_PATH)
  const formatted = await prettier.format(section.render(), { ...options, parser: 'markdown' })
  return formatted.trim()
}

/**
 * How a README section differs from what the code generates, row by row: rows are told apart by
 * their first cell (the variable or limit they document). Empty when they agree.
 */
export function describeDrift(actual: string, expected: string): string {
  const rows = (text: string) =>
    new Map(
      text
        .split('\n')
        .filter((l) => /^\|/.test(l) && !/^\|\s*-+\s*\|/.test(l))
        .map((l) => [l.split(/(?<!\\)\|/)[1]!.trim(), l.replace(/\s+/g, ' ')]),
    )
  const have = rows(actual)
  const want = rows(expected)
  const missing = [...want.keys()].filter((k) => !have.has(k))
  const extra = [...have.keys()].filter((k) => !want.has(k))
  const changed = [...want.keys()].filter((k) => have.has(k) && have.get(k) !== want.get(k))
  const parts = [
    missing.length > 0 && `missing rows: ${missing.join(', ')}`,
    extra.length > 0 && `rows the code does not have: ${extra.join(', ')}`,
    changed.length > 0 && `rows that differ: ${changed.join(', ')}`,
  ].filter(Boolean)
  if (parts.length === 0 && actual !== expected) parts.push('the text around the tables differs')
  return parts.join('; ')
}

/** Rewrites each section of the README in place; answers the names of those that changed. */
export async function writeSections(sections: Section[]): Promise<string[]> {
  const before = await readFile(README_PATH, 'utf8')
  let readme = before
  const changed: string[] = []
  for (const section of sections) {
    const text = await renderSection(section)
    if (sectionText(readme, section.name) !== text) changed.push(section.name)
    readme = withSectionText(readme, section.name, text)
  }
  if (readme !== before) await writeFile(README_PATH, readme)
  return changed
}
