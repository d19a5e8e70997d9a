import { describe, expect, it } from 'vitest'
import { InvalidLinkTokenError, signLinkToken, verifyLinkToken } from './link-token'

const SECRET = 'x'.repeat(40)
const claims = { roomId: 'room-123456', ownerId: 'a'.repeat(24), guestName: 'Rita' }

describe('verifyLinkToken', () => {
  it('answers the claims of a token for this room', async () => {
    const { token, linkId } = await signLinkToken(SECRET, claims, 1)
    expect(await verifyLinkToken(SECRET, 'room-123456', token)).toEqual({ ...claims, linkId })
  })

  it.each([
    ['another room', async (t: string) => verifyLinkToken(SECRET, 'room-999999', t)],
    ['another secret', async (t: string) => verifyLinkToken('y'.repeat(40), 'room-123456', t)],
    [
      'a truncated token',
      async (t: string) => verifyLinkToken(SECRET, 'room-123456', t.slice(0, -3)),
    ],
  ])('refuses %s', async (_, verify) => {
    const { token } = await signLinkToken(SECRET, claims, 1)
    await expect(verify(token)).rejects.toBeInstanceOf(InvalidLinkTokenError)
  })

  it('refuses an expired token', async () => {
    const { token } = await signLinkToken(SECRET, claims, -1)
    await expect(verifyLinkToken(SECRET, 'room-123456', token)).rejects.toBeInstanceOf(
      InvalidLinkTokenError,
    )
  })
})
