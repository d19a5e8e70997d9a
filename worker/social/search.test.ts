import { describe, expect, it } from 'vitest'
import { nameRanges } from './search'

const matches = (q: string, name: string) =>
  nameRanges(q).some((r) => name >= r.name.$gte && name < r.name.$lt)

describe('nameRanges', () => {
  it.each([
    ['ali', 'Alice Smith', true],
    ['ALI', 'Alice Smith', true],
    ['Ali', 'alice', true],
    ['alice s', 'Alice Smith', true],
    ['ali', 'ALISON', true],
    ['alx', 'Alice', false],
    ['smith', 'Alice Smith', false],
    ['élo', 'Éloïse', true],
    ['ali', 'Al', false],
  ])('%s matches %s: %s', (q, name, expected) => {
    expect(matches(q, name)).toBe(expected)
  })

  it('ends each range right after the prefix, also for characters beyond the BMP', () => {
    expect(nameRanges('ab')[0]).toEqual({ name: { $gte: 'ab', $lt: 'ac' } })
    const [range] = nameRanges('a😀')
    expect(range!.name.$lt).toBe('a😁')
  })
})
