// The one user store for both client families: lookups, creation and the public view of a user.
import { ObjectId, type Collection, type Db, type WithId } from 'mongodb'
import type { Role } from '../../shared/roles'

export interface UserDoc {
  _id: ObjectId
  email?: string
  phone?: string
  name: string
  role: Role
  passwordHash?: string
  /**
   * The password of an account the legacy import merged into this one (the Videodesk account with
   * the same email, proven on both sides): the same person may remember either. Accepted at sign-in
   * beside `passwordHash` until the password is changed or reset here.
   */
  mergedPasswordHash?: string
  /** Whether `email` was proven (by its owner reading a code, Google, or a reset link). */
  emailVerified: boolean
  /** Whether `phone` was proven (by a code texted to it). */
  phoneVerified: boolean
  /** How and when `email` was proven; absent on accounts proven before this was recorded. */
  emailProof?: IdentifierProof
  phoneProof?: IdentifierProof
  isActive: boolean
  googleId?: string
  profile: {
    gender?: string
    bio?: string
    profileImage?: string
    coverPhoto?: string
    location?: string
    dateOfBirth?: string
  }
  createdAt: Date
  updatedAt: Date
  lastLoginAt?: Date
  /** Last change of `role`: realtime tickets minted before it no longer admit anyone. */
  roleChangedAt?: Date
  /** Every session was ended then: an old system's access token issued until then is refused. */
  legacyTokensRevokedAt?: Date
  /**
   * Ids of the other old system's accounts merged into this one by the importer (same proven
   * email): an old token naming one of them is this account's (worker/auth/legacy-sessions.ts).
   */
  legacyIds?: ObjectId[]
}

export type ProofMethod = 'email-otp' | 'phone-otp' | 'google' | 'password-reset'

export interface IdentifierProof {
  method: ProofMethod
  at: Date
}

export const users = (db: Db): Collection<UserDoc> => db.collection<UserDoc>('users')

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

export function findUserById(db: Db, id: string | ObjectId): Promise<WithId<UserDoc> | null> {
  if (typeof id === 'string' && !ObjectId.isValid(id)) return Promise.resolve(null)
  return users(db).findOne({ _id: new ObjectId(id) })
}

/**
 * The account whose email this is, proven. Unproven holders are claims, not owners (several
 * accounts may claim one email): see worker/auth/identity.ts.
 */
export function findUserByProvenEmail(db: Db, email: string) {
  return users(db).findOne({ email: normalizeEmail(email), emailVerified: true })
}

/** The account whose phone this is, proven. */
export function findUserByProvenPhone(db: Db, phone: string) {
  return users(db).findOne({ phone, phoneVerified: true })
}

/** Most unproven claims on one identifier looked at; more are refused at registration. */
export const MAX_UNPROVEN_HOLDERS = 5

/**
 * Who holds an identifier: the proven owner alone when there is one (its unproven claims were
 * released when it was proven), else the accounts that claim it unproven, oldest first.
 */
export async function identifierHolders(
  db: Db,
  kind: 'email' | 'phone',
  value: string,
): Promise<UserDoc[]> {
  const field = kind === 'email' ? { email: normalizeEmail(value) } : { phone: value }
  const holders = await users(db)
    .find(field)
    .sort({ createdAt: 1, _id: 1 })
    .limit(MAX_UNPROVEN_HOLDERS + 1)
    .toArray()
  const verified = kind === 'email' ? 'emailVerified' : 'phoneVerified'
  const proven = holders.find((u) => u[verified])
  return proven ? [proven] : holders
}

export type NewUser = Pick<UserDoc, 'name' | 'role'> &
  Partial<
    Pick<
      UserDoc,
      | 'email'
      | 'phone'
      | 'passwordHash'
      | 'emailVerified'
      | 'phoneVerified'
      | 'emailProof'
      | 'phoneProof'
      | 'googleId'
      | 'profile'
    >
  >

/** Inserts a user; a duplicate email, phone or Google id surfaces as the driver's 11000 (→ 409). */
export async function createUser(db: Db, input: NewUser, now: Date): Promise<UserDoc> {
  const doc: UserDoc = {
    _id: new ObjectId(),
    name: input.name,
    role: input.role,
    emailVerified: input.emailVerified ?? false,
    phoneVerified: input.phoneVerified ?? false,
    isActive: true,
    profile: input.profile ?? {},
    createdAt: now,
    updatedAt: now,
  }
  if (input.email) doc.email = normalizeEmail(input.email)
  if (input.phone) doc.phone = input.phone
  if (input.passwordHash) doc.passwordHash = input.passwordHash
  if (input.googleId) doc.googleId = input.googleId
  if (input.emailProof) doc.emailProof = input.emailProof
  if (input.phoneProof) doc.phoneProof = input.phoneProof
  await users(db).insertOne(doc)
  return doc
}

/** What a client may see of a user: never hashes or internal flags. */
export function publicUser(user: UserDoc) {
  return {
    id: user._id.toHexString(),
    _id: user._id.toHexString(),
    name: user.name,
    email: user.email ?? null,
    phone: user.phone ?? null,
    role: user.role,
    emailVerified: user.emailVerified,
    phoneVerified: user.phoneVerified,
    profile: user.profile,
    createdAt: user.createdAt.toISOString(),
  }
}
/** Applies profile edits and answers the updated user. */
export async function updateProfile(
  db: Db,
  id: ObjectId,
  input: { name?: string } & Partial<UserDoc['profile']>,
  now: Date,
): Promise<UserDoc | null> {
  const { name, ...profile } = input
  const $set: Record<string, unknown> = { updatedAt: now }
  if (name !== undefined) $set.name = name
  for (const [field, value] of Object.entries(profile))
    if (value !== undefined) $set[`profile.${field}`] = value
  return users(db).findOneAndUpdate({ _id: id }, { $set }, { returnDocument: 'after' })
}
