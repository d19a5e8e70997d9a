import { describe, expect, it } from 'vitest'
import { InvalidSealedIdError, openSealedId, sealId } from './sealed-id'

const SECRET = 'x'.repeat(40)

describe('openSealedId', () => {
  it('opens what sealId sealed; each seal differs (fresh IV)', async () => {
    const [a, b] = await Promise.all([sealId(SECRET, 'user-1'), sealId(SECRET, 'user-1')])
    expect(a).not.toBe(b)
    expect(await openSealedId(SECRET, a)).toBe('user-1')
  })

  it.each([
    ['another key', async (s: string) => openSealedId('y'.repeat(40), s)],
    [
      'a flipped byte',
      async (s: string) =>
        openSealedId(SECRET, s.slice(0, 20) + (s[20] === 'A' ? 'B' : 'A') + s.slice(21)),
    ],
    ['a truncated value', async (s: string) => openSealedId(SECRET, s.slice(0, 10))],
    ['non-base64 text', async () => openSealedId(SECRET, '***')],
  ])('refuses %s', async (_, open) => {
    const sealed = await sealId(SECRET, 'user-1')
    await expect(open(sealed)).rejects.toBeInstanceOf(InvalidSealedIdError)
  })
})
