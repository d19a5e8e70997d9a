// Tampered and misused tokens on every credential the Worker accepts — the Bearer access token,
// the Videodesk `token` cookie, the transcoder's service token, media playback tokens — are
// refused with 401; a token of one kind never stands in for another; and presenting a rotated
// refresh token again (Bearer body or cookie) revokes the whole session family.
import { SignJWT, UnsecuredJWT } from 'jose'
import { ObjectId } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { SERVICE_TOKEN_AUDIENCE } from '../../../shared/jobs'
import { signRealtimeTicket } from '../../../worker/realtime/tickets'
import { api } from '../../harness/http'
import { freshIp, signUpUser, testDb, type TestUser } from '../../harness/users'
import { serviceToken } from './lib/callers'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { tokenTamperCases: 0, refreshReuseCases: 0 }
afterAll(() => writeCounts('abuse-tokens', counts))

const encode = (secret: string) => new TextEncoder().encode(secret)
const jwtSecret = () => inject('workerVars').JWT_SECRET!
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>

/** Access tokens forged every way an attacker might, for `user`. */
async function forgedAccessTokens(user: TestUser): Promise<Record<string, string>> {
  const { sid, role } = claimsOf(user.accessToken)
  const claims = { role, sid, typ: 'access' }
  const now = Math.floor(Date.now() / 1000)
  const signed = (aud: string, iss: string, exp: number, secret = jwtSecret()) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(user.id)
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(encode(secret))
  const [header, payload, signature] = user.accessToken.split('.')
  const elevated = Buffer.from(JSON.stringify({ ...claimsOf(user.accessToken), role: 'ADMIN' }))
  return {
    'payload edited (role ADMIN)': `${header}.${elevated.toString('base64url')}.${signature}`,
    'signature stripped': `${header}.${payload}.`,
    'alg none': new UnsecuredJWT(claims)
      .setSubject(user.id)
      .setIssuer('sanora')
      .setAudience('sanora-api')
      .setExpirationTime('1h')
      .encode(),
    'foreign key': await signed('sanora-api', 'sanora', now + 3600, 'k'.repeat(64)),
    expired: await signed('sanora-api', 'sanora', now - 60),
    'wrong audience': await signed('another-api', 'sanora', now + 3600),
    'wrong issuer': await signed('sanora-api', 'someone-else', now + 3600),
    'transcoder service token': await serviceToken(),
    'realtime ticket': await signRealtimeTicket(
      jwtSecret(),
      { kind: 'user', id: user.id },
      { subject: user.id, kind: 'user', role: 'USER' },
    ),
    'refresh token': user.refreshToken,
  }
}

describe('tampered access tokens', () => {
  let user: TestUser
  let forged: Record<string, string>

  beforeAll(async () => {
    user = await signUpUser()
    forged = await forgedAccessTokens(user)
  })

  it('refuses every forgery as a Bearer token (Sanora), and accepts the genuine one', async () => {
    for (const [name, token] of Object.entries(forged)) {
      const res = await api('/api/auth/profile', { token })
      counts.tried.tokenTamperCases!++
      if (res.status !== 401) counts.unexpectedAllows++
      expect([name, res.status, res.body.code]).toEqual([name, 401, 'UNAUTHORIZED'])
    }
    expect((await api('/api/auth/profile', { token: user.accessToken })).status).toBe(200)
  })

  it('refuses every forgery as the Videodesk `token` cookie, and accepts the genuine one', async () => {
    for (const [name, token] of Object.entries(forged)) {
      const res = await api('/api/v1/me', { headers: { cookie: `token=${token}` } })
      counts.tried.tokenTamperCases!++
      if (res.status !== 401) counts.unexpectedAllows++
      expect([name, res.status]).toEqual([name, 401])
    }
    const genuine = await api('/api/v1/me', { headers: { cookie: `token=${user.accessToken}` } })
    expect(genuine.status).toBe(200)
  })
})

describe('tampered service tokens', () => {
  it('admit nothing on the transcoder’s internal routes', async () => {
    const secret = inject('workerVars').TRANSCODER_SECRET!
    const user = await signUpUser()
    const now = Math.floor(Date.now() / 1000)
    const signed = (aud: string, iat: number, exp: number, key = secret) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(aud)
        .setSubject('impostor')
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(encode(key))
    const cases = {
      'alg none': new UnsecuredJWT({})
        .setAudience(SERVICE_TOKEN_AUDIENCE)
        .setExpirationTime('5m')
        .encode(),
      'foreign key': await signed(SERVICE_TOKEN_AUDIENCE, now, now + 300, 'z'.repeat(64)),
      expired: await signed(SERVICE_TOKEN_AUDIENCE, now - 600, now - 60),
      // Still unexpired, but older than the ten minutes a service token may live.
      'too old': await signed(SERVICE_TOKEN_AUDIENCE, now - 3600, now + 3600),
      'wrong audience': await signed('sanora-api', now, now + 300),
      'user access token': user.accessToken,
    }
    const job = new ObjectId().toHexString()
    for (const [name, token] of Object.entries(cases)) {
      const res = await api(`/internal/transcoding/jobs/${job}/progress`, {
        method: 'POST',
        token,
        json: { leaseId: 'x'.repeat(16), progress: 50 },
      })
      counts.tried.tokenTamperCases!++
      if (res.status !== 401) counts.unexpectedAllows++
      expect([name, res.status]).toEqual([name, 401])
    }
  })
})

describe('playback tokens', () => {
  it('are bound to one media item: another item’s token and a tampered token are refused', async () => {
    const owner = await signUpUser()
    const db = await testDb()
    const ids = [new ObjectId(), new ObjectId()]
    await db.collection('media').insertMany(
      ids.map((_id) => ({
        _id,
        ownerId: new ObjectId(owner.id),
        purpose: 'post',
        kind: 'video',
        contentType: 'video/mp4',
        declaredSize: 1000,
        key: `media/post/${_id.toHexString()}/original`,
        status: 'ready',
        upload: { mode: 'single' },
        // As a finished transcoding job leaves them.
        outputs: {
          mp4Key: `media/post/${_id.toHexString()}/video.mp4`,
          hlsMasterKey: `media/post/${_id.toHexString()}/hls/master.m3u8`,
          renditions: [{ height: 360, bandwidth: 800_000 }],
          thumbnailKey: `media/post/${_id.toHexString()}/thumb.jpg`,
          durationSeconds: 1,
          width: 640,
          height: 360,
        },
        createdAt: new Date(),
        updatedAt: new Date(),
      })),
    )
    const res = await api(`/api/media/${ids[0]!.toHexString()}`, { token: owner.accessToken })
    const tokenA = new URL(res.body.urls.hls).searchParams.get('token')!
    const [header, , signature] = tokenA.split('.')
    const retargeted = `${header}.${Buffer.from(
      JSON.stringify({ ...claimsOf(tokenA), sub: ids[1]!.toHexString() }),
    ).toString('base64url')}.${signature}`
    for (const [name, token] of Object.entries({ "A's token": tokenA, retargeted })) {
      const play = await api(`/api/media/${ids[1]!.toHexString()}/hls/master.m3u8?token=${token}`)
      counts.tried.tokenTamperCases!++
      if (play.status !== 401) counts.unexpectedAllows++
      expect([name, play.status]).toEqual([name, 401])
    }
  })
})

describe('refresh-token reuse', () => {
  it('revokes the whole family when a rotated refresh token comes back (Sanora, in the body)', async () => {
    const user = await signUpUser()
    const refresh = (refreshToken: string) =>
      api('/api/auth/refresh-token', {
        method: 'POST',
        json: { refreshToken },
        headers: { 'cf-connecting-ip': freshIp() },
      })
    const rotated = await refresh(user.refreshToken)
    expect(rotated.status).toBe(200)
    // The thief replays the old token: refused, and the legitimate new pair dies with it.
    expect((await refresh(user.refreshToken)).status).toBe(401)
    expect((await refresh(rotated.body.refreshToken)).status).toBe(401)
    expect((await api('/api/auth/profile', { token: rotated.body.accessToken })).status).toBe(401)
    counts.tried.refreshReuseCases!++
  })

  it('revokes the whole family when a rotated refresh cookie comes back (Videodesk)', async () => {
    const user = await signUpUser()
    const me = (cookie: string) => api('/api/v1/me', { headers: { cookie } })
    // No access cookie: the refresh cookie renews the session and is replaced.
    const renewed = await me(`refresh_token=${user.refreshToken}`)
    expect(renewed.status).toBe(200)
    const next = /refresh_token=([^;]+)/.exec(renewed.headers.get('set-cookie') ?? '')?.[1]
    expect(next).toBeTruthy()
    expect((await me(`refresh_token=${user.refreshToken}`)).status).toBe(401)
    expect((await me(`refresh_token=${next}`)).status).toBe(401)
    expect((await api('/api/auth/profile', { token: user.accessToken })).status).toBe(401)
    counts.tried.refreshReuseCases!++
  })
})
