// Who proved an identifier, and what proving one does to the accounts that hold it unproven.
//
// An email or phone enters an account unproven on the paths the old systems define without a code
// (host, speaker, university and Videodesk registration, a phone given at Sanora sign-up, a Google
// account whose email Google has not verified). Such a claim reserves nothing (the unique indexes
// cover proven values only) and grants nothing. When someone proves the identifier (an emailed or
// texted code, Google's `email_verified`, a password reset link):
//   1. an account that already holds it proven is its owner: the prover signs in to it;
//   2. else, on a path that proves it for a given account (a signed-in phone change, a code bound
//      to the registration that asked for it), that account takes it;
//   3. else the oldest unproven holder that nobody else has proven control of (no proven
//      identifier, no Google link) is taken over by the prover: its password, its unproven other
//      identifier and every session are wiped, so whoever planted the claim is locked out;
//   4. else there is no account yet (the path may create one).
// Every other account's unproven claim on the identifier is released (the value is removed from
// it), so that exactly one account holds each proven identifier; the sessions of accounts nobody
// owns are ended with it, so whoever planted a claim is signed out wherever it was planted.
import type { Context } from 'hono'
import type { ObjectId } from 'mongodb'
import type { Role } from '../../shared/roles'
import type { AppEnv } from '../env'
import { AppError } from '../errors'
import {
  identifierHolders,
  normalizeEmail,
  users,
  type ProofMethod,
  type UserDoc,
} from './users-store'
import { attachPendingSpeakerGrants } from '../conference/speaker-grants'
import { revokeAllSessions } from './revoke'

export type IdentifierKind = 'email' | 'phone'

const FIELDS = {
  email: { value: 'email', verified: 'emailVerified', proof: 'emailProof' },
  phone: { value: 'phone', verified: 'phoneVerified', proof: 'phoneProof' },
} as const

const other = (kind: IdentifierKind): IdentifierKind => (kind === 'email' ? 'phone' : 'email')

/** Whether someone has proven control of the account: a proven identifier or a Google link. */
export function isOwned(user: UserDoc): boolean {
  return user.emailVerified || user.phoneVerified || Boolean(user.googleId)
}

export interface Proven {
  /** The account that now holds the identifier proven, or null when none does (step 4). */
  user: UserDoc | null
  /** Step 3: the prover took over an account whose planted credentials were wiped. */
  takenOver: boolean
}

/**
 * Records that the identifier was proven by `method` and settles which account holds it (the
 * rule above). `into`: the account the proof is for (step 2), when the path names one.
 */
export async function proveIdentifier(
  c: Context<AppEnv>,
  kind: IdentifierKind,
  rawValue: string,
  method: ProofMethod,
  opts: {
    into?: ObjectId
    /** Only an account of this role may be taken over (a university's code proves a university). */
    claimableRole?: Role
  } = {},
): Promise<Proven> {
  const value = kind === 'email' ? normalizeEmail(rawValue) : rawValue
  const db = await c.get('services').database.db()
  const f = FIELDS[kind]
  const now = c.get('services').now()
  const holders = await identifierHolders(db, kind, value)
  const owner = holders.find((u) => u[f.verified])
  if (owner) {
    if (opts.into && !owner._id.equals(opts.into))
      throw new AppError('CONFLICT', `This ${kind} belongs to another account`)
    return { user: owner, takenOver: false }
  }

  const proof = { [f.value]: value, [f.verified]: true, [f.proof]: { method, at: now } }
  let winner: UserDoc | null = null
  let takenOver = false
  try {
    if (opts.into) {
      winner = await users(db).findOneAndUpdate(
        { _id: opts.into },
        { $set: { ...proof, updatedAt: now } },
        { returnDocument: 'after' },
      )
    } else {
      // A deactivated account is not handed to anyone: its claim is only released.
      const claimable = holders.find(
        (u) => !isOwned(u) && u.isActive && (!opts.claimableRole || u.role === opts.claimableRole),
      )
      if (claimable) {
        const o = FIELDS[other(kind)]
        winner = await users(db).findOneAndUpdate(
          // Still as it was read: a concurrent proof of the same account wins instead.
          {
            _id: claimable._id,
            [f.value]: value,
            [f.verified]: false,
            [o.verified]: false,
            googleId: { $exists: false },
            isActive: true,
          },
          {
            $set: { ...proof, updatedAt: now },
            $unset: { passwordHash: '', mergedPasswordHash: '', [o.value]: '' },
          },
          { returnDocument: 'after' },
        )
        takenOver = winner !== null
      }
    }
  } catch (error) {
    // Another request proved the same identifier for another account at the same moment.
    if ((error as { code?: unknown }).code === 11000)
      throw new AppError('CONFLICT', `This ${kind} was just claimed; try again`)
    throw error
  }
  const released = holders.filter((u) => !winner?._id.equals(u._id))
  await users(db).updateMany(
    { [f.value]: value, [f.verified]: false, ...(winner ? { _id: { $ne: winner._id } } : {}) },
    { $unset: { [f.value]: '' }, $set: { updatedAt: now } },
  )
  // Whoever planted a claim is signed out of it: the account taken over, and any other account
  // nobody owns that the claim was all it had. An owned account keeps its sessions (its owner
  // proved something else; it loses only the claim).
  const planted = released.filter((u) => !isOwned(u))
  if (winner && takenOver) planted.push(winner)
  for (const account of planted) await revokeAllSessions(c, account._id, 'identity-proven')
  if (winner && kind === 'email') await attachPendingSpeakerGrants(db, winner)
  return { user: winner, takenOver }
}

/** The fields of an account created by the prover of `value` (step 4): the identifier, proven. */
export function provenFields(
  kind: IdentifierKind,
  value: string,
  method: ProofMethod,
  now: Date,
): Partial<UserDoc> {
  return kind === 'email'
    ? { email: normalizeEmail(value), emailVerified: true, emailProof: { method, at: now } }
    : { phone: value, phoneVerified: true, phoneProof: { method, at: now } }
}
