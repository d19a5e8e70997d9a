import { describe, expect, it } from 'vitest'
import {
  ACCESS_CODE_PATTERN,
  AccessCodeSchema,
  generateAccessCode,
  normaliseHouse,
  normalisePostcode,
} from './access-code'

describe('generateAccessCode', () => {
  it('makes 10 symbols of the unambiguous alphabet, and different codes each time', () => {
    const codes = new Set(Array.from({ length: 1000 }, generateAccessCode))
    expect(codes.size).toBe(1000)
    for (const code of codes) expect(code).toMatch(ACCESS_CODE_PATTERN)
  })
})

describe('AccessCodeSchema', () => {
  it.each([
    ['abcde-fghjk', 'ABCDEFGHJK'],
    [' 0123 456789 ', '0123456789'],
    // Videodesk's older codes, which imported uploads keep.
    ['ab12-cd', 'AB12CD'],
    ['ABCDEFGHIJ', 'ABCDEFGHIJ'],
  ])('normalises %j to %s', (input, expected) => {
    expect(AccessCodeSchema.parse(input)).toBe(expected)
  })

  it.each(['ABC', 'A'.repeat(25), 'ABCDE$GHJK', 'ABCDÉFGHJK', ''])('refuses %j', (input) => {
    expect(AccessCodeSchema.safeParse(input).success).toBe(false)
  })
})

describe('normaliseHouse / normalisePostcode', () => {
  it.each([
    [' 12B ', '12b'],
    ['Flat  3,  Rose   Court', 'flat 3, rose court'],
  ])('house %j → %j', (input, expected) => expect(normaliseHouse(input)).toBe(expected))

  it.each([
    ['sw1a 1aa', 'SW1A1AA'],
    [' SW1A1AA ', 'SW1A1AA'],
  ])('postcode %j → %j', (input, expected) => expect(normalisePostcode(input)).toBe(expected))
})
