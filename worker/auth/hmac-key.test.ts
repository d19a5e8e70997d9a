// Imported keys are kept per secret: the same secret reuses its key, and a token signed under one
// secret is still refused under another.
import { describe, expect, it } from 'vitest'
import { InvalidTicketError, signRealtimeTicket, verifyRealtimeTicket } from '../realtime/tickets'
import { hmacKey } from './hmac-key'
import { hmacSha256, signAccessToken, verifyAccessToken } from './tokens'

const room = { kind: 'conference' as const, id: 'c1' }
const identity = { subject: 'p1', kind: 'participant' as const, role: 'audience' }

describe('hmacKey', () => {
  it('imports a secret once and keeps secrets apart', async () => {
    const a = await hmacKey('secret-a'.repeat(4))
    expect(await hmacKey('secret-a'.repeat(4))).toBe(a)
    expect(await hmacKey('secret-b'.repeat(4))).not.toBe(a)
  })

  it('signs and verifies under the same secret only', async () => {
    const ticket = await signRealtimeTicket('secret-a'.repeat(4), room, identity)
    await expect(verifyRealtimeTicket('secret-a'.repeat(4), room, ticket)).resolves.toMatchObject({
      identity,
    })
    await expect(verifyRealtimeTicket('secret-b'.repeat(4), room, ticket)).rejects.toBeInstanceOf(
      InvalidTicketError,
    )
    const claims = { userId: 'u1', role: 'USER' as const, sessionId: 's1' }
    const token = await signAccessToken('secret-a'.repeat(4), claims, 60)
    await expect(verifyAccessToken('secret-a'.repeat(4), token)).resolves.toMatchObject(claims)
    await expect(verifyAccessToken('secret-b'.repeat(4), token)).rejects.toThrow()
  })

  it('gives the HMAC of WebCrypto with the same key', async () => {
    const secret = 'secret-c'.repeat(4)
    const raw = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    )
    const expected = Buffer.from(
      await crypto.subtle.sign('HMAC', raw, new TextEncoder().encode('123456')),
    ).toString('hex')
    expect(await hmacSha256(secret, '123456')).toBe(expected)
    expect(await hmacSha256('secret-d'.repeat(4), '123456')).not.toBe(expected)
  })
})
