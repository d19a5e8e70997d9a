import { describe, expect, it } from 'vitest'
import { AppError } from '../errors'
import { INLINE_MAX_BYTES, decodeInline, parseInline } from './files'

// Base64 encodes 3 bytes per 4 characters: the most whole groups that stay within the cap.
const WHOLE_GROUPS = Math.floor(INLINE_MAX_BYTES / 3)

const codeOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return (error as AppError).code
  }
  return 'none'
}

/** Parses as the inline schema does, then decodes as the route does. */
const decode = (data: string, contentType?: string) => {
  const parsed = parseInline(data)
  if (!parsed) throw new Error('not base64')
  return decodeInline(parsed, contentType)
}

describe('parseInline', () => {
  it('reads a data: URL and bare base64, whitespace dropped', () => {
    expect(parseInline('data:IMAGE/png;base64,AQ\nID')).toEqual({
      type: 'image/png',
      base64: 'AQID',
    })
    expect(parseInline('AQI=')).toEqual({ base64: 'AQI=' })
  })

  it.each([
    ['not base64', 'data:image/png;base64,@@@@'],
    ['bad length', 'data:image/png;base64,AQI'],
    ['empty', 'data:image/png;base64,'],
    ['padding inside', 'AQ==AQ=='],
    ['a javascript: URL', 'javascript:alert(1)'],
  ])('refuses %s', (_, data) => {
    expect(parseInline(data)).toBeUndefined()
  })
})

describe('decodeInline', () => {
  it('decodes a data: URL and bare base64 with a given type', () => {
    expect(decode('data:image/png;base64,AQID')).toEqual({
      contentType: 'image/png',
      bytes: new Uint8Array([1, 2, 3]),
    })
    expect(decode('AQI=', 'image/jpeg')).toEqual({
      contentType: 'image/jpeg',
      bytes: new Uint8Array([1, 2]),
    })
  })

  it.each([
    ['no type', () => decode('AQID'), 'VALIDATION_ERROR'],
    [
      'over the cap',
      () => decode('A'.repeat((WHOLE_GROUPS + 1) * 4), 'image/png'),
      'PAYLOAD_TOO_LARGE',
    ],
  ])('refuses %s', (_, fn, code) => {
    expect(codeOf(fn)).toBe(code)
  })

  it('accepts the largest whole base64 length under the cap', () => {
    const text = 'A'.repeat(WHOLE_GROUPS * 4)
    expect(decode(text, 'image/png').bytes.length).toBe(WHOLE_GROUPS * 3)
  })
})
