// The one rule for pulling someone in: nobody may add, invite or request a user when either of the
// two has blocked the other. Every path that reaches another account (groups and their members,
// direct chats, friend requests, course and meeting invites, conference speakers, friend links)
// asks here, so the rule and its answer are the same everywhere.
import type { Db, ObjectId } from 'mongodb'
import { AppError } from '../errors'
import { blocks } from './store'
import { normalizeEmail, users } from '../auth/users-store'

/** Whom a request reaches: accounts by id, or emails and phones that may belong to accounts. */
export interface Invitees {
  ids?: readonly ObjectId[]
  emails?: readonly string[]
  phones?: readonly string[]
}

/**
 * Refuses with 403 when any invitee is an account that `me` blocked or that blocked `me`. Both
 * directions, and one invitee or many, get the same message: it says neither who nor which way.
 * Emails and phones that belong to no account pass (there is nobody to protect).
 */
export async function assertNoBlockWith(db: Db, me: ObjectId, invitees: Invitees): Promise<void> {
  const ids = [...(invitees.ids ?? []), ...(await accountIds(db, invitees))].filter(
    (id) => !id.equals(me),
  )
  if (ids.length === 0) return
  const found = await blocks(db).findOne(
    {
      $or: [
        { blockerId: me, blockedId: { $in: ids } },
        { blockedId: me, blockerId: { $in: ids } },
      ],
    },
    { projection: { _id: 1 } },
  )
  if (!found) return
  const many = (invitees.ids?.length ?? 0) + countContacts(invitees) > 1
  throw new AppError(
    'FORBIDDEN',
    many
      ? 'You cannot add or invite one or more of these users'
      : 'You cannot add, invite or message this user',
  )
}

const countContacts = (i: Invitees) => (i.emails?.length ?? 0) + (i.phones?.length ?? 0)

async function accountIds(db: Db, { emails = [], phones = [] }: Invitees): Promise<ObjectId[]> {
  if (emails.length === 0 && phones.length === 0) return []
  const found = await users(db)
    .find(
      {
        $or: [
          // Only proven owners: an unproven claim on someone's email must not let its planter
          // stop others from inviting that email by blocking them.
          ...(emails.length
            ? [{ email: { $in: emails.map(normalizeEmail) }, emailVerified: true }]
            : []),
          ...(phones.length ? [{ phone: { $in: [...phones] }, phoneVerified: true }] : []),
        ],
      },
      { projection: { _id: 1 } },
    )
    .toArray()
  return found.map((u) => u._id)
}
