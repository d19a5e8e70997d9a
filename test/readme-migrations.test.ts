// The README's deploy section lists every Durable Object migration of wrangler.toml and every
// index the code retires, so an operator reading it learns what a deploy changes.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { RETIRED_INDEXES } from '../worker/db/indexes'
import { README_PATH } from './readme/markdown'

const ROOT = path.dirname(README_PATH)
const readme = readFileSync(README_PATH, 'utf8')
const deploying = readme.slice(readme.indexOf('## Deploying'))

/** The `[[migrations]]` entries of wrangler.toml: their tag and the class names they mention. */
function migrations(): { tag: string; classes: string[] }[] {
  const toml = readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')
  return toml
    .split('[[migrations]]')
    .slice(1)
    .map((entry) => {
      const body = entry.split(/^\[/m)[0] ?? ''
      const tag = /^tag\s*=\s*"([^"]+)"/m.exec(body)?.[1] ?? ''
      const classes = [...body.matchAll(/"([A-Z]\w+)"/g)].map((m) => m[1] ?? '')
      return { tag, classes }
    })
}

describe('README deploy section', () => {
  it('has a row for every Durable Object migration, naming its classes', () => {
    const found = migrations()
    expect(found.length).toBeGreaterThan(0)
    for (const { tag, classes } of found) {
      const row = deploying.split('\n').find((line) => line.includes(`| \`${tag}\``))
      expect(row, `no README row for migration ${tag}`).toBeDefined()
      for (const name of classes) expect(row, `migration ${tag}`).toContain(name)
    }
  })

  it('names every index retired by npm run db:indexes', () => {
    for (const [collection, names] of Object.entries(RETIRED_INDEXES))
      for (const name of names) expect(deploying).toContain(`${collection}.${name}`)
  })
})
