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
  emailVerified: boolean
  phoneVerified: boolean
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
}

export const users = (db: Db): Collection<UserDoc> => db.collection<UserDoc>('users')

export const normalizeEmail = (email: string) => email.trim().toLowerCase()

export function findUserById(db: Db, id: string | ObjectId): Promise<WithId<UserDoc> | null> {
  if (typeof id === 'string' && !ObjectId.isValid(id)) return Promise.resolve(null)
  return users(db).findOne({ _id: new ObjectId(id) })
}

export function findUserByEmail(db: Db, email: string) {
  return users(db).findOne({ email: normalizeEmail(email) })
}

export function findUserByPhone(db: Db, phone: string) {
  return users(db).findOne({ phone })
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
export type PublicUser = ReturnType<typeof publicUser>

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
