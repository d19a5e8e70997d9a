// The host and speaker transforms: their own HOST/SPEAKER accounts with the old id and password,
// merged into the account with the same email only when both sides proved it; and conferences
// that resolve a host and bare speaker refs through them.
import { ObjectId } from 'mongodb'
import { describe, expect, it } from 'vitest'
import type { Fields, LegacyDoc, StepContext, Transformed } from '../step'
import { sanoraConferences } from './conferences'
import { sanoraHosts, sanoraSpeakers, type Counterparts } from './hosts'

const ctx: StepContext = { now: new Date('2026-01-01T00:00:00Z'), refreshTtlDays: 60 }
const at = new Date('2024-03-01T10:00:00Z')
const HASH = `$2a$10$${'a'.repeat(53)}`
const host = (fields: Fields = {}): LegacyDoc => ({
  _id: new ObjectId(),
  name: 'Hana Host',
  email: 'Hana@Legacy.test',
  password: HASH,
  organization: 'Org',
  createdAt: at,
  updatedAt: at,
  __v: 0,
  ...fields,
})
const user = (fields: Fields = {}): LegacyDoc => ({
  _id: new ObjectId(),
  email: 'hana@legacy.test',
  role: 'USER',
  isVerified: true,
  ...fields,
})
const same = (collection: string, doc: LegacyDoc): Counterparts =>
  new Map([['hana@legacy.test', [{ collection, doc }]]])

describe('sanora.hosts and sanora.speakers', () => {
  it('imports a host as a HOST account with its id and bcrypt hash, email unproven unless proven', async () => {
    const doc = host()
    const out = (await sanoraHosts.transform(doc, ctx, new Map())) as Transformed
    const first = out.outputs[0]!
    expect(first).toMatchObject({
      collection: 'users',
      document: {
        _id: doc._id,
        role: 'HOST',
        email: 'hana@legacy.test',
        emailVerified: false,
        passwordHash: HASH,
        legacy: { organization: 'Org' },
      },
    })
    expect('document' in first && first.document.legacy!.password).toBeUndefined()
    const proven = (await sanoraSpeakers.transform(
      host({ isVerified: true }),
      ctx,
      new Map(),
    )) as Transformed
    expect(proven.outputs[0]).toMatchObject({ document: { role: 'SPEAKER', emailVerified: true } })
  })

  it('merges into a Sanora user when both proved the email: id map, and a USER becomes HOST', async () => {
    const doc = host({ isVerified: true })
    const account = user()
    const out = (await sanoraHosts.transform(doc, ctx, same('users', account))) as Transformed
    expect(out.skip).toBe('merged into the Sanora user with the same proven email')
    expect(out.outputs).toEqual([
      {
        collection: 'import_id_map',
        document: {
          _id: `sanora.hosts:${doc._id}`,
          legacyId: doc._id,
          targetCollection: 'users',
          targetId: account._id,
        },
      },
      {
        collection: 'users',
        mode: 'update-matching',
        filter: { _id: account._id, legacyIds: { $ne: doc._id } },
        update: { $addToSet: { legacyIds: doc._id } },
      },
      {
        collection: 'users',
        mode: 'update-matching',
        filter: { _id: account._id, role: 'USER' },
        update: { $set: { role: 'HOST' } },
      },
    ])
  })

  it('keeps both accounts and lists the pair when one side did not prove the email', async () => {
    const doc = host({ isVerified: true })
    const account = user({ isVerified: false })
    const out = (await sanoraHosts.transform(doc, ctx, same('users', account))) as Transformed
    expect(out.skip).toBeUndefined()
    expect(out.outputs[0]).toMatchObject({ document: { _id: doc._id, emailVerified: true } })
    expect(out.notes).toContainEqual({
      kind: 'same email as a Sanora user, not merged (not proven on both sides)',
      detail: {
        email: 'hana@legacy.test',
        id: String(doc._id),
        otherId: String(account._id),
        proven: true,
        otherProven: false,
      },
    })
  })

  it('merges a speaker into a host that proved the same email', async () => {
    const theHost = host({ isVerified: true })
    const out = (await sanoraSpeakers.transform(
      host({ isVerified: true }),
      ctx,
      same('hosts', theHost),
    )) as Transformed
    expect(out.skip).toBe('merged into the host with the same proven email')
    expect(out.outputs.map((o) => o.collection)).toEqual(['import_id_map'])
  })
})

describe('sanora.conferences with hosts and speakers', () => {
  it('resolves a merged host through the id map and a bare speaker ref into a speaker entry', () => {
    const [hostId, accountId, speakerId, missing] = [1, 2, 3, 4].map(() => new ObjectId())
    const doc: LegacyDoc = {
      _id: new ObjectId(),
      title: 'Old',
      host: hostId,
      hostModel: 'Host',
      speakers: [speakerId, missing],
      publicCode: 'ABCDEF',
      status: 'DRAFT',
      createdAt: at,
      updatedAt: at,
    }
    const out = sanoraConferences.transform(doc, ctx, {
      merged: new Map([[`sanora.hosts:${hostId}`, accountId!]]),
      speakers: new Map([[String(speakerId), host({ _id: speakerId, name: 'Sam' })]]),
    }) as Transformed
    const first = out.outputs[0]!
    expect('document' in first && first.document).toMatchObject({
      hostId: accountId,
      speakers: [{ userId: speakerId, name: 'Sam', email: 'hana@legacy.test' }],
      legacy: { hostModel: 'Host', hostId, speakers: [missing] },
    })
    expect(out.refs).toContainEqual({
      field: 'host',
      db: 'sanora',
      collection: 'hosts',
      id: hostId,
    })
  })
})
