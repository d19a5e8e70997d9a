// The README's configuration tables are generated from the configuration schemas
// (`npm run docs:config`): this fails while the two disagree, naming the rows and the fix.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { STACK_VARIABLES } from '../dev-services/stack'
import { configSchema } from '../shared/config'
import { configSection, docOf } from './readme/config-section'
import { describeDrift, README_PATH, renderSection, sectionText } from './readme/markdown'

const readmeSection = () => sectionText(readFileSync(README_PATH, 'utf8'), configSection.name)

describe('README configuration tables', () => {
  it('match the schemas of the Worker, the transcoder and the dev tooling', async () => {
    const actual = readmeSection()
    const expected = await renderSection(configSection)
    expect(
      actual,
      `README.md disagrees with the configuration schemas (${describeDrift(actual, expected)}): run \`${configSection.command}\``,
    ).toBe(expected)
  })

  it('say what the dev stack sets for every variable it fills in', () => {
    // The stack's S3_REGION is the schema's own default: nothing to add.
    const sameAsDefault = new Set<string>(['S3_REGION'])
    const silent = STACK_VARIABLES.filter(
      (name) => !sameAsDefault.has(name) && !docOf(name, configSchema.shape[name]).dev,
    )
    expect(silent, 'give these a `dev` note where they register their VariableDoc').toEqual([])
  })
})

describe('describeDrift', () => {
  const row = (name: string) => (l: string) => l.startsWith(`| \`${name}\``)

  it('names a variable the README lacks, one it has in excess, and one whose row changed', async () => {
    const generated = await renderSection(configSection)
    const lines = generated.split('\n')
    const edited = lines
      .filter((l) => !row('APP_ENV')(l))
      .map((l) => (row('LOG_LEVEL')(l) ? l.replace('`info`', '`warn`') : l))
    edited.splice(edited.findIndex(row('MONGODB_DB')), 0, '| `NOT_READ` | — | no | Nothing |')
    expect(describeDrift(edited.join('\n'), generated)).toBe(
      'missing rows: `APP_ENV`; rows the code does not have: `NOT_READ`; rows that differ: `LOG_LEVEL`',
    )
  })

  it('is empty when the README agrees', async () => {
    const generated = await renderSection(configSection)
    expect(describeDrift(generated, generated)).toBe('')
  })
})
