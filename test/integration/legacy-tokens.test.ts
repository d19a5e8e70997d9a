// The cut-over without a forced logout, through the Worker in workerd: the old systems' access
// tokens and Videodesk cookies (signed with LEGACY_JWT_SECRET) and their imported refresh tokens.
// Legacy accounts are written straight into the database, as the importer leaves them.
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import { SignJWT, type JWTPayload } from 'jose'
import { ObjectId } from 'mongodb'
import { io, type Socket } from 'socket.io-client'
import { afterEach, describe, expect, it, inject } from 'vitest'
import {
  LEGACY_TOKENS_COLLECTION,
  legacyRefreshTokenDoc,
  revokeDroppedLegacyRefreshTokens,
  type LegacyTokenDoc,
} from '../../worker/auth/legacy-sessions'
import { api, workerUrl } from '../harness/http'
import { freshIp, testDb, uniqueEmail } from '../harness/users'

const OLD_PASSWORD = 'old system password'

/** An account as the importer writes it: the old `_id` kept, the old bcrypt hash. */
async function legacyUser(opts: { isActive?: boolean; role?: string } = {}) {
  const _id = new ObjectId()
  const now = new Date()
  await (await testDb()).collection('users').insertOne({
    _id,
    email: uniqueEmail('legacy'),
    name: 'Legacy User',
    role: opts.role ?? 'USER',
    passwordHash: await bcrypt.hash(OLD_PASSWORD, 4),
    emailVerified: true,
    phoneVerified: false,
    isActive: opts.isActive ?? true,
    profile: {},
    createdAt: now,
    updatedAt: now,
  })
  return _id.toHexString()
}

/** A token as the old servers signed it (jsonwebtoken: HS256, `iat`, `exp` one hour on). */
function oldToken(
  payload: JWTPayload,
  opts: { secret?: string; issuedAgo?: number; lifetime?: number } = {},
) {
  const iat = Math.floor(Date.now() / 1000) - (opts.issuedAgo ?? 60)
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.lifetime ?? 3600))
    .sign(new TextEncoder().encode(opts.secret ?? inject('workerVars').LEGACY_JWT_SECRET!))
}

const profile = (token: string) => api('/api/auth/profile', { token })
const me = (cookie: string) => api('/api/v1/me', { headers: { cookie } })
const refresh = (refreshToken: string) =>
  api('/api/auth/refresh-token', {
    method: 'POST',
    json: { refreshToken },
    headers: { 'cf-connecting-ip': freshIp() },
  })
/** The cookies a response sets, by name. */
const cookiesOf = (headers: Headers): Record<string, string> =>
  Object.fromEntries(
    headers
      .getSetCookie()
      .map((c) => /^([^=]+)=([^;]*)/.exec(c))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2]]),
  )

/** An old refresh token, stored the way the importer stores it. */
async function importedRefreshToken(userId: string) {
  const token = randomBytes(40).toString('hex')
  const doc = await legacyRefreshTokenDoc(new ObjectId(userId), token, new Date())
  await (await testDb()).collection<LegacyTokenDoc>(LEGACY_TOKENS_COLLECTION).insertOne(doc)
  return token
}

describe('an old Sanora access token', () => {
  it('opens a protected route for the account it names, whichever id claim the app used', async () => {
    const id = await legacyUser()
    for (const claim of ['id', 'userId', '_id', 'sub']) {
      const res = await profile(await oldToken({ [claim]: id }))
      expect(res.status, claim).toBe(200)
      expect(res.body.user.id).toBe(id)
    }
  })

  it('is refused once expired, signed with another key, or naming nobody here', async () => {
    const id = await legacyUser()
    const expired = await profile(await oldToken({ id }, { issuedAgo: 7200 }))
    expect(expired.status).toBe(401)
    expect(expired.body.message).toMatch(/expired/)
    const forged = await oldToken({ id }, { secret: randomBytes(32).toString('hex') })
    expect((await profile(forged)).status).toBe(401)
    expect((await profile(await oldToken({ id: new ObjectId().toHexString() }))).status).toBe(401)
    expect((await profile(await oldToken({ email: 'x@example.test' }))).status).toBe(401)
  })

  it('is refused for a deactivated account', async () => {
    const id = await legacyUser({ isActive: false })
    expect((await profile(await oldToken({ id }))).status).toBe(401)
  })

  it('opens the account that the importer merged its account into', async () => {
    const survivor = await legacyUser()
    const merged = new ObjectId()
    await (
      await testDb()
    )
      .collection('users')
      .updateOne({ _id: new ObjectId(survivor) }, { $set: { legacyIds: [merged] } })
    const res = await profile(await oldToken({ id: merged.toHexString() }))
    expect(res.status).toBe(200)
    expect(res.body.user.id).toBe(survivor)
  })

  it("takes the role from the account, never from the token's claims", async () => {
    const id = await legacyUser()
    const token = await oldToken({ id, role: 'ADMIN', isAdmin: true })
    expect((await profile(token)).body.user.role).toBe('USER')
    const admin = await api('/api/admin/users', { token })
    expect(admin.status).toBe(403)
  })

  it('stops at logout-all, for that token and every other old one of the account', async () => {
    const id = await legacyUser()
    const used = await oldToken({ id })
    const unused = await oldToken({ id }, { issuedAgo: 120 })
    const oldRefresh = await importedRefreshToken(id)
    expect((await profile(used)).status).toBe(200)
    const out = await api('/api/auth/logout-all', { method: 'POST', token: used })
    expect(out.status).toBe(200)
    expect((await profile(used)).status).toBe(401)
    expect((await profile(unused)).status).toBe(401)
    expect((await refresh(oldRefresh)).status).toBe(401)
  })

  it('stops after a password change', async () => {
    const id = await legacyUser()
    const token = await oldToken({ id })
    const changed = await api('/api/v1/user/change-password', {
      method: 'PUT',
      token,
      json: { currentPassword: OLD_PASSWORD, newPassword: 'a new password 42' },
    })
    expect(changed.status).toBe(200)
    expect((await profile(token)).status).toBe(401)
  })

  it('stops when the device logs out', async () => {
    const id = await legacyUser()
    const token = await oldToken({ id })
    const out = await api('/api/auth/logout', { method: 'POST', token, json: {} })
    expect(out.status).toBe(200)
    expect((await profile(token)).status).toBe(401)
  })
})

describe('an old Videodesk `token` cookie', () => {
  it('opens /api/v1/me and is replaced by our cookie pair, which is all the browser needs', async () => {
    const id = await legacyUser()
    const old = await oldToken({ id })
    const first = await me(`token=${old}`)
    expect(first.status).toBe(200)
    expect(first.body.user.id).toBe(id)
    const ours = cookiesOf(first.headers)
    expect(ours.token).toBeTruthy()
    expect(ours.token).not.toBe(old)
    expect(ours.refresh_token).toBeTruthy()

    const next = await me(`token=${ours.token}; refresh_token=${ours.refresh_token}`)
    expect(next.status).toBe(200)
    expect(next.body.user.id).toBe(id)
    expect(next.headers.getSetCookie()).toEqual([])
  })

  it("opens a page's parallel first requests, and is exchanged only once", async () => {
    const id = await legacyUser()
    const cookie = `token=${await oldToken({ id })}`
    const answers = await Promise.all(Array.from({ length: 6 }, () => me(cookie)))
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200))
    expect(answers.filter((a) => a.headers.getSetCookie().length > 0)).toHaveLength(1)
  })

  it('stops working once the session it was exchanged for logs out', async () => {
    const id = await legacyUser()
    const old = await oldToken({ id })
    const ours = cookiesOf((await me(`token=${old}`)).headers)
    const out = await api('/api/v1/logout', {
      headers: { cookie: `token=${ours.token}; refresh_token=${ours.refresh_token}` },
    })
    expect(out.status).toBe(200)
    expect((await me(`token=${old}`)).status).toBe(401)
  })

  it('stops working when the browser logs out with it still in place', async () => {
    const id = await legacyUser()
    const cookie = `token=${await oldToken({ id })}`
    expect((await api('/api/v1/logout', { headers: { cookie } })).status).toBe(200)
    expect((await me(cookie)).status).toBe(401)
  })

  it('is refused for a deactivated account', async () => {
    const id = await legacyUser({ isActive: false })
    const res = await me(`token=${await oldToken({ id })}`)
    expect(res.status).toBe(401)
    expect(res.headers.getSetCookie()).toEqual([])
  })
})

describe('an imported old refresh token', () => {
  it('refreshes once into our tokens; a second use is reuse and ends that session', async () => {
    const id = await legacyUser()
    const oldRefresh = await importedRefreshToken(id)
    const first = await refresh(oldRefresh)
    expect(first.status).toBe(200)
    expect(first.body.user.id).toBe(id)
    expect((await profile(first.body.accessToken)).status).toBe(200)

    const again = await refresh(oldRefresh)
    expect(again.status).toBe(401)
    expect(again.body.message).toMatch(/already used/)
    expect((await profile(first.body.accessToken)).status).toBe(401)
    expect((await refresh(first.body.refreshToken)).status).toBe(401)
  })

  it('is refused for a deactivated account', async () => {
    const id = await legacyUser({ isActive: false })
    expect((await refresh(await importedRefreshToken(id))).status).toBe(401)
  })

  it("counts its device once: the handle for that device's old access token takes no place", async () => {
    const id = await legacyUser()
    const email = (await (await testDb()).collection('users').findOne({ _id: new ObjectId(id) }))!
      .email as string
    const devices: string[] = []
    for (let i = 0; i < 4; i++) {
      const res = await api('/api/auth/login', {
        method: 'POST',
        json: { email, password: OLD_PASSWORD },
        headers: { 'cf-connecting-ip': freshIp() },
      })
      expect(res.status).toBe(200)
      devices.push(res.body.accessToken)
    }
    // The fifth device: its old access token first, then its old refresh token.
    expect((await profile(await oldToken({ id }))).status).toBe(200)
    expect((await refresh(await importedRefreshToken(id))).status).toBe(200)
    for (const token of devices) expect((await profile(token)).status).toBe(200)
  })

  it('logging out the session it opened ends the old access tokens too', async () => {
    const id = await legacyUser()
    const oldAccess = await oldToken({ id })
    const ours = (await refresh(await importedRefreshToken(id))).body
    const out = await api('/api/auth/logout', {
      method: 'POST',
      token: ours.accessToken,
      json: { refreshToken: ours.refreshToken },
    })
    expect(out.status).toBe(200)
    expect((await profile(oldAccess)).status).toBe(401)
  })

  it("stops when the importer's delta finds it gone from the old database", async () => {
    const id = await legacyUser()
    const [kept, dropped] = [await importedRefreshToken(id), await importedRefreshToken(id)]
    const revoked = await revokeDroppedLegacyRefreshTokens(
      await testDb(),
      new ObjectId(id),
      [kept],
      new Date(),
    )
    expect(revoked).toBe(1)
    expect((await refresh(dropped)).status).toBe(401)
    expect((await refresh(kept)).status).toBe(200)
  })

  it('dies with a logout that names it, sent with the old access token', async () => {
    const id = await legacyUser()
    const oldAccess = await oldToken({ id })
    const oldRefresh = await importedRefreshToken(id)
    const out = await api('/api/auth/logout', {
      method: 'POST',
      token: oldAccess,
      json: { refreshToken: oldRefresh },
    })
    expect(out.status).toBe(200)
    expect((await refresh(oldRefresh)).status).toBe(401)
    expect((await profile(oldAccess)).status).toBe(401)
  })
})

describe('an old access token over Socket.IO', () => {
  const opened: Socket[] = []
  afterEach(() => {
    for (const socket of opened.splice(0)) socket.close()
  })
  /** A socket to `room`, or to Videodesk's gateway (no room) with `opts` carrying the credential. */
  const open = (opts: { room?: string; token?: string; cookie?: string }) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = io(workerUrl(), {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        ...(opts.room ? { query: { room: opts.room } } : {}),
        ...(opts.token ? { auth: { token: opts.token } } : {}),
        ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
      })
      opened.push(socket)
      socket.once('connect', () => resolve(socket))
      socket.once('connect_error', reject)
    })

  it("opens the account's user channel, and closes with the session it stands for", async () => {
    const id = await legacyUser()
    const token = await oldToken({ id })
    const channel = await open({ room: `user:${id}`, token })
    const closed = new Promise<string>((resolve) => channel.once('disconnect', resolve))
    expect((await api('/api/auth/logout', { method: 'POST', token, json: {} })).status).toBe(200)
    expect(await closed).toBe('io server disconnect')
    await expect(open({ room: `user:${id}`, token })).rejects.toThrow()
  })

  it('is refused for a deactivated account', async () => {
    const id = await legacyUser({ isActive: false })
    await expect(open({ room: `user:${id}`, token: await oldToken({ id }) })).rejects.toThrow(
      'Invalid or expired token',
    )
  })

  it('admits an old Videodesk cookie to the gateway as the account (its notification room)', async () => {
    const id = await legacyUser()
    const socket = await open({ cookie: `token=${await oldToken({ id })}` })
    expect(await socket.emitWithAck('join-notification-room', {})).toEqual({
      room: 'notifications',
      joined: true,
    })
  })
})
