// The short public view of the people behind posts, comments, stories and requests.
import type { ObjectId, Db } from 'mongodb'
import { users, type UserDoc } from '../auth/users-store'

export function publicAuthor(user: Pick<UserDoc, '_id' | 'name' | 'profile'>) {
  return {
    id: user._id.toHexString(),
    _id: user._id.toHexString(),
    name: user.name,
    profileImage: user.profile?.profileImage ?? null,
  }
}
export type PublicAuthor = ReturnType<typeof publicAuthor>

/** One lookup for every author of a page. */
export async function authorsById(db: Db, ids: ObjectId[]) {
  const unique = [...new Map(ids.map((id) => [id.toHexString(), id])).values()]
  const found = unique.length
    ? await users(db)
        .find({ _id: { $in: unique } }, { projection: { name: 1, profile: 1 } })
        .toArray()
    : []
  return new Map(found.map((u) => [u._id.toHexString(), publicAuthor(u)]))
}

/** What is shown for an account that no longer exists. */
export const deletedAuthor = (id: ObjectId): PublicAuthor => ({
  id: id.toHexString(),
  _id: id.toHexString(),
  name: 'Deleted user',
  profileImage: null,
})
