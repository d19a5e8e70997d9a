// The README's client limits table is generated from the numbers where each limit is enforced
// (`npm run docs:limits`): this fails while the two disagree, and when a limit is enforced that the
// table does not list, so a new limit cannot ship undocumented.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import * as roomLimits from '../durable-objects/room-limits'
import { createApp } from '../worker/app'
import { LIMIT_ROWS, limitsSection, routeOf } from './readme/limits-section'
import { describeDrift, README_PATH, renderSection, sectionText } from './readme/markdown'

const ROOT = path.dirname(README_PATH)

/** The source of every non-test TypeScript file under `dir`. */
function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => ({ file: path.join(dir, f), text: readFileSync(path.join(ROOT, dir, f), 'utf8') }))
}

describe('README client limits table', () => {
  it('matches the numbers the code enforces', async () => {
    const actual = sectionText(readFileSync(README_PATH, 'utf8'), limitsSection.name)
    const expected = await renderSection(limitsSection)
    expect(
      actual,
      `README.md disagrees with the enforced limits (${describeDrift(actual, expected)}): run \`${limitsSection.command}\``,
    ).toBe(expected)
  })

  it('names each limit once', () => {
    const names = LIMIT_ROWS.map((r) => r.what)
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([])
  })

  it('names only routes the API has', () => {
    const doc = createApp().getOpenAPI31Document({
      openapi: '3.1.0',
      info: { title: 'routes', version: '0' },
    })
    const routes = new Set(
      Object.entries(doc.paths ?? {}).flatMap(([p, ops]) =>
        Object.keys(ops ?? {}).map((method) => `${method.toUpperCase()} ${p}`),
      ),
    )
    const named = LIMIT_ROWS.flatMap((r) => r.where.flatMap((w) => routeOf(w) ?? []))
    expect(
      named.filter((r) => !routes.has(r)),
      'rows name routes the API does not have',
    ).toEqual([])
  })

  it('lists every rate-limit rule the Worker defines', () => {
    const documented = new Set(
      LIMIT_ROWS.flatMap((r) => (r.source && 'name' in r.source ? [r.source.name] : [])),
    )
    const defined = sources('worker').flatMap(({ file, text }) =>
      [...text.matchAll(/\{\s*name:\s*'([^']+)',\s*limit:\s*\d+,\s*window:\s*'[^']*'\s*\}/g)].map(
        (m) => `${m[1]} (${file})`,
      ),
    )
    expect(defined.length).toBeGreaterThan(10)
    expect(
      defined.filter((d) => !documented.has(d.split(' ')[0]!)),
      `limits missing from the table: export each, add its row to test/readme/limits-section.ts, run \`${limitsSection.command}\``,
    ).toEqual([])
  })

  it("lists every room limit, and the rooms take their buckets' numbers from room-limits.ts", () => {
    const sourcesOfRows = new Set<unknown>(LIMIT_ROWS.map((r) => r.source))
    const rates = Object.entries(roomLimits).filter(([, value]) => typeof value === 'object')
    expect(
      rates.filter(([, rate]) => !sourcesOfRows.has(rate)).map(([name]) => name),
      'room limits missing from test/readme/limits-section.ts',
    ).toEqual([])

    const built = sources('durable-objects').flatMap(({ file, text }) =>
      [...text.matchAll(/new (?:TokenBuckets|FlushPacer)\(([^)]*)\)/g)].map((m) => ({
        file,
        args: m[1]!,
      })),
    )
    expect(built.length).toBeGreaterThan(0)
    const fromRoomLimits = (args: string) =>
      rates.some(([name]) => args.replace(/\s+/g, '') === `${name}.burst,${name}.perSecond`)
    expect(
      built.filter((b) => !fromRoomLimits(b.args)),
      "buckets whose numbers are not room-limits.ts's (so the README cannot show them)",
    ).toEqual([])
  })
})
