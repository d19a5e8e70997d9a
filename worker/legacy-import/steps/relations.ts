// Sanora users' `friends` and `blockedUsers` arrays → `friendships` and `blocks` (the users step
// keeps the arrays under the user's `legacy`). One accepted friendship per pair, written by whichever
// of the two lists the other (the lower id when both do), with an id derived from the pair so a
// re-run writes the same document; a friend listed on one side only is still a friendship (noted).
// As blocking does here, a block in either direction means no friendship. A friend or blocked user
// that does not exist is reported, never written.
import type { ObjectId } from 'mongodb'
import { pairKey, type BlockDoc, type FriendshipDoc } from '../../social/store'
import { latest, objectIds } from '../legacy-fields'
import type { LegacySource } from '../legacy-source'
import type { LegacyDoc, Note, Output, Ref, Step, Transformed } from '../step'
import { derivedId, timestamps } from './social-fields'

/** The other side of each friend or block of the batch, by hex (missing: deleted). */
export type Counterparts = Map<string, LegacyDoc>

async function counterparts(batch: LegacyDoc[], source: LegacySource): Promise<Counterparts> {
  const ids = [
    ...new Map(
      batch
        .flatMap((d) => [...objectIds(d.friends), ...objectIds(d.blockedUsers)])
        .map((id) => [String(id), id]),
    ).values(),
  ]
  const found = ids.length ? await source.find('sanora', 'users', { _id: { $in: ids } }) : []
  return new Map(found.map((d) => [String(d._id), d]))
}

const lists = (doc: LegacyDoc, field: 'friends' | 'blockedUsers', id: ObjectId) =>
  objectIds(doc[field]).some((f) => f.equals(id))

export const friendshipId = (a: ObjectId, b: ObjectId) => derivedId('friendship', pairKey(a, b))
export const blockId = (blocker: ObjectId, blocked: ObjectId) =>
  derivedId('block', String(blocker), String(blocked))

export function transformRelations(doc: LegacyDoc, others: Counterparts): Transformed {
  const me = doc._id
  const outputs: Output[] = []
  const refs: Ref[] = []
  const notes: Note[] = []
  const mine = timestamps(doc)
  for (const blockedId of objectIds(doc.blockedUsers)) {
    if (blockedId.equals(me)) continue
    refs.push({ field: 'blockedUsers', db: 'sanora', collection: 'users', id: blockedId })
    if (!others.has(String(blockedId))) continue
    const block: BlockDoc = {
      _id: blockId(me, blockedId),
      blockerId: me,
      blockedId,
      // The old array kept no time: the last change of the blocker's account is the latest it can be.
      createdAt: mine.updatedAt,
    }
    outputs.push({ collection: 'blocks', document: { ...block } })
  }
  for (const friendId of objectIds(doc.friends)) {
    if (friendId.equals(me)) continue
    refs.push({ field: 'friends', db: 'sanora', collection: 'users', id: friendId })
    const other = others.get(String(friendId))
    if (!other) continue
    const mutual = lists(other, 'friends', me)
    // Written once per pair: by the lower id when both list each other, else by the one who does.
    if (mutual && String(friendId) < String(me)) continue
    const pair = { id: pairKey(me, friendId), users: [String(me), String(friendId)] }
    if (lists(doc, 'blockedUsers', friendId) || lists(other, 'blockedUsers', me)) {
      notes.push({
        kind: 'friendship not imported: one of the two blocked the other',
        detail: pair,
      })
      continue
    }
    if (!mutual) notes.push({ kind: 'friend listed on one side only, imported', detail: pair })
    const [first, second] = [me, friendId].sort((a, b) => String(a).localeCompare(String(b)))
    // Neither time was kept: a friendship is no older than the younger of the two accounts.
    const since = latest(mine.createdAt, timestamps(other).createdAt)!
    const friendship: FriendshipDoc = {
      _id: friendshipId(me, friendId),
      userIds: [first!, second!],
      pairKey: pair.id,
      requesterId: me,
      recipientId: friendId,
      status: 'accepted',
      createdAt: since,
      acceptedAt: since,
    }
    outputs.push({ collection: 'friendships', document: { ...friendship } })
  }
  if (outputs.length === 0) return { skip: 'no friends or blocks', outputs, refs, notes }
  return { outputs, refs, notes }
}

export const sanoraRelations: Step<Counterparts> = {
  name: 'sanora.users.relations',
  group: 'social',
  db: 'sanora',
  collection: 'users',
  prepare: counterparts,
  transform: (doc, _ctx, others) => transformRelations(doc, others),
}
