// `npm run docs:config` and `npm run docs:limits` (no argument: both): rewrite the README's
// generated sections from the code. test/readme-*.test.ts fails while they disagree.
import { configSection } from './config-section'
import { limitsSection } from './limits-section'
import { writeSections } from './markdown'

const SECTIONS = { config: configSection, limits: limitsSection }

const asked = process.argv.slice(2)
const unknown = asked.filter((name) => !(name in SECTIONS))
if (unknown.length > 0) {
  console.error(`unknown section ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`)
  process.exit(2)
}
const names = (asked.length > 0 ? asked : Object.keys(SECTIONS)) as (keyof typeof SECTIONS)[]
const changed = await writeSections(names.map((name) => SECTIONS[name]))
console.log(
  changed.length > 0 ? `README.md: rewrote ${changed.join(', ')}` : 'README.md is up to date',
)
