// Social notifications (friend requests and accepts, likes, comments, replies, shares): stored,
// live on the recipient's UserChannel, pushed when configured. Never to yourself, and a failure to
// notify never undoes the action that caused it.
import type { Context } from 'hono'
import type { ObjectId } from 'mongodb'
import type { AppEnv } from '../env'
import { log } from '../log'
import { notify, type NotificationInput } from '../notifications/notify'

export async function tell(c: Context<AppEnv>, userId: ObjectId, input: NotificationInput) {
  if (userId.equals(c.get('user')._id)) return
  try {
    await notify(c, userId, input)
  } catch (error) {
    log('warn', 'social notification failed', { type: input.type, error: `${error}` })
  }
}

/** The actor as notification data, so a client can render "X liked your post" offline. */
export const actor = (c: Context<AppEnv>) => ({
  actorId: c.get('user')._id.toHexString(),
  actorName: c.get('user').name,
})
