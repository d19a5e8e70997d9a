import { describe, expect, it } from 'vitest'
import { AppError } from '../errors'
import { INLINE_MAX_BYTES, decodeInline } from './files'

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

describe('decodeInline', () => {
  it('decodes a data: URL and bare base64 with a given type', () => {
    expect(decodeInline('data:image/png;base64,AQID')).toEqual({
      contentType: 'image/png',
      bytes: new Uint8Array([1, 2, 3]),
    })
    expect(decodeInline('AQI=', 'image/jpeg')).toEqual({
      contentType: 'image/jpeg',
      bytes: new Uint8Array([1, 2]),
    })
  })

  it.each([
    ['no type', () => decodeInline('AQID'), 'VALIDATION_ERROR'],
    ['not base64', () => decodeInline('data:image/png;base64,@@@@'), 'VALIDATION_ERROR'],
    ['bad length', () => decodeInline('data:image/png;base64,AQI'), 'VALIDATION_ERROR'],
    ['empty', () => decodeInline('data:image/png;base64,'), 'VALIDATION_ERROR'],
    [
      'over the cap',
      () => decodeInline('A'.repeat((WHOLE_GROUPS + 1) * 4), 'image/png'),
      'PAYLOAD_TOO_LARGE',
    ],
  ])('refuses %s', (_, fn, code) => {
    expect(codeOf(fn)).toBe(code)
  })

  it('accepts the largest whole base64 length under the cap', () => {
    const text = 'A'.repeat(WHOLE_GROUPS * 4)
    expect(decodeInline(text, 'image/png').bytes.length).toBe(WHOLE_GROUPS * 3)
  })
})
