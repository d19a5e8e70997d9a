// The users transforms, document in → writes out, with no database: proof, merge, roles, secrets.
import bcrypt from 'bcryptjs'
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import { sha256 } from '../../auth/tokens'
import type { LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraEmailProven, sanoraUsers, videodeskEmailProven, videodeskUsers } from './users'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const hash = bcrypt.hashSync('old password', 4)
const at = new Date('2024-05-01T10:00:00Z')

const sanora = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  name: 'Ada',
  email: 'Ada@Example.test',
  password: hash,
  role: 'USER',
  isVerified: true,
  createdAt: at,
  updatedAt: at,
  __v: 3,
  ...fields,
})

const videodesk = (fields: Partial<LegacyDoc> = {}): LegacyDoc => ({
  _id: new ObjectId(),
  email: 'ada@example.test',
  password: hash,
  role: 'user',
  lastLogin: at,
  messageSettings: { messageOption: 'custom', customMessage: 'Hi' },
  folders: [{ name: 'Jobs' }],
  deskNotes: 'front desk',
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})

const byEmail = (...docs: LegacyDoc[]) => new Map([['ada@example.test', docs]])
const userOf = (out: Transformed) => {
  const user = out.outputs.find((o) => o.collection === 'users')
  return user && 'document' in user ? user.document : undefined
}
const insertedTokens = (out: Transformed) =>
  out.outputs.filter((o) => o.collection === 'legacy_tokens' && o.mode === 'insert-once')

describe('proof of an email', () => {
  it.each([
    [{ isVerified: true }, true],
    [{ isVerified: false }, false],
    [{ isVerified: true, email: undefined }, false],
  ])('sanora %o → %s', (fields, proven) => {
    expect(sanoraEmailProven(sanora(fields))).toBe(proven)
  })

  it.each([
    [{ lastLogin: at }, true],
    [{ lastLogin: undefined, loginTimestamps: [at] }, true],
    [{ lastLogin: undefined, isVerified: true }, true],
    [{ lastLogin: undefined, otp: '123456', otpExpiry: at }, false],
  ])('videodesk %o → %s', (fields, proven) => {
    expect(videodeskEmailProven(videodesk(fields))).toBe(proven)
  })
})

describe('sanoraUsers.transform', () => {
  it('keeps the id and the bcrypt hash, normalises the email, drops __v, keeps unknown fields', async () => {
    const doc = sanora({ professionalInfo: { company: 'X' }, bio: 'hi' })
    const user = userOf(await sanoraUsers.transform(doc, ctx, new Map()))!
    expect(user).toMatchObject({
      _id: doc._id,
      email: 'ada@example.test',
      passwordHash: hash,
      emailVerified: true,
      phoneVerified: false,
      role: 'USER',
      profile: { bio: 'hi' },
      createdAt: at,
    })
    expect(user.__v).toBeUndefined()
    expect(user.password).toBeUndefined()
    expect(user.legacy).toEqual({ professionalInfo: { company: 'X' } })
  })

  it('imports an unverified email and an unverified phone as unproven', async () => {
    const user = userOf(
      await sanoraUsers.transform(
        sanora({ isVerified: false, phone: '+447000000001' }),
        ctx,
        new Map(),
      ),
    )!
    expect(user).toMatchObject({
      emailVerified: false,
      phone: '+447000000001',
      phoneVerified: false,
    })
  })

  it('stores refresh tokens hashed as ours (legacy_tokens), never keeping the token', async () => {
    const doc = sanora({
      refreshTokens: [
        { token: 'a'.repeat(64), createdAt: at, deviceName: 'phone' },
        'b'.repeat(64),
      ],
    })
    const out = await sanoraUsers.transform(doc, ctx, new Map())
    const tokens = insertedTokens(out)
    expect(tokens).toHaveLength(2)
    expect(tokens[0]).toMatchObject({
      mode: 'insert-once',
      key: '_id',
      document: {
        _id: await sha256('a'.repeat(64)),
        kind: 'refresh',
        userId: doc._id,
        createdAt: ctx.now,
      },
    })
    expect(JSON.stringify(out)).not.toContain('a'.repeat(64))
  })

  it('revokes the imported refresh tokens the old system dropped, unless already exchanged', async () => {
    const doc = sanora({ refreshTokens: ['d'.repeat(64)] })
    const out = await sanoraUsers.transform(doc, ctx, new Map())
    expect(out.outputs.find((o) => o.mode === 'update-matching')).toEqual({
      collection: 'legacy_tokens',
      mode: 'update-matching',
      filter: {
        userId: doc._id,
        kind: 'refresh',
        'legacy._import.source': 'sanora.users',
        _id: { $nin: [await sha256('d'.repeat(64))] },
        usedAt: { $exists: false },
        revokedAt: { $exists: false },
      },
      update: { $set: { revokedAt: ctx.now } },
    })
  })

  it('imports no refresh token for a deactivated account, and revokes those imported before', async () => {
    const out = await sanoraUsers.transform(
      sanora({ isActive: false, refreshTokens: ['c'.repeat(64)] }),
      ctx,
      new Map(),
    )
    expect(insertedTokens(out)).toEqual([])
    expect(out.outputs.find((o) => o.mode === 'update-matching')).toMatchObject({
      filter: { _id: { $nin: [] } },
    })
  })

  it('absorbs the Videodesk account when both proved the email', async () => {
    const vd = videodesk()
    const user = userOf(await sanoraUsers.transform(sanora(), ctx, byEmail(vd)))!
    expect(user.legacy).toMatchObject({
      videodeskId: vd._id,
      videodesk: { deskNotes: 'front desk' },
    })
    // Folders are the folders step's: not kept twice.
    expect((user.legacy!.videodesk as Record<string, unknown>).folders).toBeUndefined()
    // Its password is accepted beside the Sanora one, and kept nowhere else.
    expect(user.mergedPasswordHash).toBe(hash)
    expect((user.legacy!.videodesk as Record<string, unknown>).passwordHash).toBeUndefined()
    expect(user.messageSettings).toEqual(vd.messageSettings)
  })

  it.each([
    ['Sanora unverified', { isVerified: false }, {}],
    ['Videodesk OTP pending', {}, { lastLogin: undefined, otp: '1' }],
  ])('does not absorb it when %s', async (_, s, v) => {
    const user = userOf(await sanoraUsers.transform(sanora(s), ctx, byEmail(videodesk(v))))!
    expect(user.legacy?.videodeskId).toBeUndefined()
  })

  it('maps an unknown role to USER and lists it', async () => {
    const out = await sanoraUsers.transform(sanora({ role: 'superuser' }), ctx, new Map())
    expect(userOf(out)!.role).toBe('USER')
    expect(out.notes).toContainEqual(expect.objectContaining({ kind: 'role mapped to USER' }))
  })

  it('reports friends and blocked users as references to check', async () => {
    const friend = new ObjectId()
    const out = await sanoraUsers.transform(
      sanora({ friends: [friend], blockedUsers: [String(friend)] }),
      ctx,
      new Map(),
    )
    expect(out.refs).toEqual([
      { field: 'friends', db: 'sanora', collection: 'users', id: friend },
      { field: 'blockedUsers', db: 'sanora', collection: 'users', id: friend },
    ])
  })
})

describe('videodeskUsers.transform', () => {
  it('skips an account merged into its Sanora counterpart and maps its id', () => {
    const vd = videodesk()
    const s = sanora()
    const out = videodeskUsers.transform(vd, ctx, byEmail(s)) as Awaited<
      ReturnType<typeof videodeskUsers.transform>
    >
    expect(out.skip).toMatch(/merged/)
    expect(out.outputs).toEqual([
      {
        collection: 'import_id_map',
        document: {
          _id: `videodesk.users:${vd._id}`,
          legacyId: vd._id,
          targetCollection: 'users',
          targetId: s._id,
        },
      },
    ])
  })

  it('imports it separately and lists the pair when the Sanora side is unproven', async () => {
    const vd = videodesk()
    const out = await videodeskUsers.transform(vd, ctx, byEmail(sanora({ isVerified: false })))
    expect(userOf(out)).toMatchObject({ _id: vd._id, emailVerified: true, role: 'USER' })
    expect(out.notes?.[0]?.detail).toMatchObject({ sanoraProven: false, videodeskProven: true })
  })

  it('keeps settings on the user and unknown fields under legacy (folders are their own step), and drops the OTP', async () => {
    const vd = videodesk({
      lastLogin: undefined,
      otp: '123456',
      otpExpiry: at,
      logo: 'https://cdn.test/l.png',
    })
    const user = userOf(await videodeskUsers.transform(vd, ctx, new Map()))!
    expect(user).toMatchObject({
      emailVerified: false,
      logo: { url: 'https://cdn.test/l.png' },
      messageSettings: vd.messageSettings,
    })
    expect(user.legacy).toEqual({ deskNotes: 'front desk' })
  })

  it('does not carry a Videodesk admin role', async () => {
    const out = await videodeskUsers.transform(videodesk({ role: 'admin' }), ctx, new Map())
    expect(userOf(out)!.role).toBe('USER')
    expect(out.notes).toContainEqual(
      expect.objectContaining({ kind: 'videodesk role not carried' }),
    )
  })
})
