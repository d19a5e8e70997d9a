// Sanora `hosts` and `speakers` (the accounts behind /api/host/auth and /api/speaker/auth) → our
// `users` with role HOST or SPEAKER (worker/auth/routes/role.ts signs them in by role). Ids are
// kept, so a conference whose `hostModel` is Host or Speaker still points at its host; bcrypt
// hashes are kept, so the old password signs in; an email is proven only when the old document
// says so (`isVerified`, as Sanora's users).
//
// The same email as a Sanora user (or, for a speaker, as a host): merged into that account only
// when both sides proved it, as Videodesk accounts are (steps/users.ts): the merged id goes to
// `import_id_map` (`sanora.hosts:<hex>` → the account), the conference step resolves a host and a
// speaker through it, and a USER account takes the role (an ADMIN already runs every conference;
// any other role is kept and noted). Otherwise both accounts are imported and the pair is listed:
// our unique email index covers proven emails only, and at most one side of such a pair proved it.
import type { ObjectId } from 'mongodb'
import type { Role } from '../../../shared/roles'
import type { LegacySource } from '../legacy-source'
import { asDate, asString, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, Output, OutputDocument, Step, Transformed } from '../step'
import {
  ID_MAP,
  SECRETS,
  bcryptHash,
  emailOf,
  refreshTokenOutputs,
  refreshTokensOf,
  revokeDroppedRefreshTokens,
} from './users'

const KNOWN = [
  'name',
  'email',
  'phone',
  'isVerified',
  'emailVerified',
  'isActive',
  'bio',
  'profileImage',
  'lastLogin',
  'createdAt',
  'updatedAt',
]

/** Host and Speaker documents carried `isVerified` (or `emailVerified`) once the email was proven. */
const roleEmailProven = (doc: Fields) =>
  (doc.isVerified === true || doc.emailVerified === true) && !!emailOf(doc)

type Kind = 'hosts' | 'speakers'

/** Accounts with the same email in the collections an account of `kind` may merge into. */
export type Counterparts = Map<string, { collection: string; doc: LegacyDoc }[]>

async function counterparts(batch: LegacyDoc[], source: LegacySource, kind: Kind) {
  const emails = [...new Set(batch.flatMap((d) => emailOf(d) ?? []))]
  const found: Counterparts = new Map()
  if (emails.length === 0) return found
  // Either system may have stored an address as typed: matched without regard to case.
  const patterns = emails.map(
    (e) => new RegExp(`^${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i'),
  )
  // A speaker may also be a host: the host's account is the other candidate.
  const collections = kind === 'hosts' ? ['users'] : ['users', 'hosts']
  for (const collection of collections) {
    const docs = await source.find('sanora', collection, { email: { $in: patterns } })
    docs.sort((a, b) => String(a._id).localeCompare(String(b._id)))
    for (const doc of docs) {
      const email = emailOf(doc)!
      found.set(email, [...(found.get(email) ?? []), { collection, doc }])
    }
  }
  return found
}

/** Roles a merged account keeps as they are: an admin already runs every conference. */
const KEEPS_ROLE: Role[] = ['ADMIN']

function roleStep(kind: Kind, role: 'HOST' | 'SPEAKER'): Step<Counterparts> {
  const name = `sanora.${kind}`
  return {
    name,
    group: 'conferences',
    db: 'sanora',
    collection: kind,
    prepare: (batch, source) => counterparts(batch, source, kind),
    async transform(doc, ctx, byEmail): Promise<Transformed> {
      const id = String(doc._id)
      const email = emailOf(doc)
      const proven = roleEmailProven(doc)
      const same = email ? (byEmail?.get(email) ?? []) : []
      // Users first: a proven Sanora account is the person's main one.
      const into = proven
        ? same.find((c) =>
            c.collection === 'users' ? c.doc.isVerified === true : roleEmailProven(c.doc),
          )
        : undefined
      if (into) {
        const targetId = into.doc._id
        const outputs: Output[] = [
          {
            collection: ID_MAP,
            document: {
              _id: `${name}:${id}`,
              legacyId: doc._id,
              targetCollection: 'users',
              targetId,
            },
          },
        ]
        // An old token naming the merged id opens the survivor (worker/auth/legacy-sessions.ts).
        if (into.collection === 'users')
          outputs.push({
            collection: 'users',
            mode: 'update-matching',
            filter: { _id: targetId, legacyIds: { $ne: doc._id } },
            update: { $addToSet: { legacyIds: doc._id } },
          })
        // Its refresh tokens refresh into the survivor. Not revoked when dropped later: the
        // survivor's own imported tokens are its users step's to revoke.
        if (doc.isActive !== false)
          outputs.push(...(await refreshTokenOutputs(targetId, refreshTokensOf(doc), ctx)))
        const notes: Note[] = []
        const current = String(into.doc.role ?? 'USER').toUpperCase()
        if (into.collection === 'users' && current === 'USER')
          // Stops matching once applied; a re-run of the users step leaves it (same content hash).
          outputs.push({
            collection: 'users',
            mode: 'update-matching',
            filter: { _id: targetId, role: 'USER' },
            update: { $set: { role } },
          })
        else if (into.collection === 'users' && !KEEPS_ROLE.includes(current as Role))
          notes.push({
            kind: `merged into an account of another role (${role} not given)`,
            detail: { id, into: String(targetId), role: current },
          })
        return {
          skip: `merged into the ${into.collection === 'users' ? 'Sanora user' : 'host'} with the same proven email`,
          outputs,
          notes,
        }
      }
      const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
      const user: OutputDocument = {
        _id: doc._id,
        name: asString(doc.name) ?? email?.split('@')[0] ?? role.toLowerCase(),
        role,
        emailVerified: proven,
        phoneVerified: false,
        isActive: doc.isActive !== false,
        profile: Object.fromEntries(
          (['bio', 'profileImage'] as const).flatMap((f) =>
            asString(doc[f]) ? [[f, asString(doc[f])]] : [],
          ),
        ),
        createdAt,
        updatedAt: asDate(doc.updatedAt) ?? createdAt,
        legacy: unknownFields(doc, KNOWN, SECRETS),
      }
      if (email) user.email = email
      // The old portals never proved a phone.
      const phone = asString(doc.phone)
      if (phone) user.phone = phone
      const passwordHash = bcryptHash(doc.password)
      if (passwordHash) user.passwordHash = passwordHash
      const lastLogin = asDate(doc.lastLogin)
      if (lastLogin) user.lastLoginAt = lastLogin
      const notes: Note[] = []
      if (doc.password && !passwordHash)
        notes.push({ kind: 'password not a bcrypt hash (dropped)', detail: { id } })
      for (const other of same)
        notes.push({
          kind: `same email as a Sanora ${other.collection === 'users' ? 'user' : 'host'}, not merged (not proven on both sides)`,
          detail: {
            email,
            id,
            otherId: String(other.doc._id),
            proven,
            otherProven:
              other.collection === 'users'
                ? other.doc.isVerified === true
                : roleEmailProven(other.doc),
          },
        })
      const tokens = user.isActive
        ? await refreshTokenOutputs(doc._id, refreshTokensOf(doc), ctx)
        : []
      const kept = tokens.map((t) => t.document._id as string)
      return {
        outputs: [
          { collection: 'users', document: user },
          ...tokens,
          revokeDroppedRefreshTokens(doc._id as ObjectId, kept, ctx, name),
        ],
        notes,
      }
    },
  }
}

export const sanoraHosts = roleStep('hosts', 'HOST')
export const sanoraSpeakers = roleStep('speakers', 'SPEAKER')
