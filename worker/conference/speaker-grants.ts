// A conference's speaker list names people by email. The speaker role attaches only to an account
// whose email is proven; a listed email nobody has proven yet waits as a pending grant and attaches
// when its owner proves it (worker/auth/identity.ts calls in here).
import type { Db } from 'mongodb'
import { conferences } from './store'
import { findUserByProvenEmail, normalizeEmail, type UserDoc } from '../auth/users-store'

/** The account a speaker email grants the role to: its proven owner, or none yet. */
export function speakerAccount(db: Db, email: string) {
  return findUserByProvenEmail(db, email)
}

/** Attaches every pending speaker grant for `user`'s (now proven) email. */
export async function attachPendingSpeakerGrants(db: Db, user: UserDoc): Promise<void> {
  if (!user.email || !user.emailVerified) return
  const email = normalizeEmail(user.email)
  const pending = await conferences(db)
    .find({ speakers: { $elemMatch: { email, userId: { $exists: false } } } })
    .project<{ _id: UserDoc['_id']; speakers: { email?: string; userId?: unknown }[] }>({
      speakers: 1,
    })
    .toArray()
  for (const doc of pending) {
    const speakers = doc.speakers.map((s) =>
      s.email && normalizeEmail(s.email) === email && !s.userId ? { ...s, userId: user._id } : s,
    )
    // Only if the list is still the one read: an edit meanwhile resolved speakers itself.
    await conferences(db).updateOne(
      { _id: doc._id, speakers: doc.speakers as never },
      { $set: { speakers: speakers as never } },
    )
  }
}
