// The one way features tell a user something: store the notification, deliver it live to their
// UserChannel, and push it to their devices when no socket of theirs is open.
import { ObjectId } from 'mongodb'
import { z } from 'zod'
import { log } from '../log'
import { userChannel } from '../realtime/rooms'
import { resolveDeps, type NotifyTarget } from './deps'
import { removeInvalidTokens, tokensOf } from './devices'
import { notifications, publicNotification, type NotificationDoc } from './store'

// FCM payloads are capped at 4 KB, so the free-form data has to stay well under that.
const MAX_DATA_BYTES = 2048
// Keys FCM refuses in a message's data.
const RESERVED_DATA_KEY = /^(from|notification|message_type|google\..*|gcm\..*)$/i

export const NotificationInputSchema = z.object({
  /** What happened, namespaced like `friend.request`, `post.like`, `upload.ready`. */
  type: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/),
  title: z.string().trim().min(1).max(200),
  body: z.string().max(2000).default(''),
  data: z
    .record(z.string().max(64), z.unknown())
    .default({})
    .refine((d) => JSON.stringify(d).length <= MAX_DATA_BYTES, 'data is too large'),
})
export type NotificationInput = z.input<typeof NotificationInputSchema>

export interface NotifyResult {
  notification: ReturnType<typeof publicNotification>
  /** Sockets of the user that received it live. */
  delivered: number
  /** Devices FCM accepted it for (0 when a socket got it or push is off). */
  pushed: number
}

/**
 * Stores and delivers one notification. Only storing can fail it; live delivery and push are best
 * effort. From a handler, await it before responding: the request's MongoDB client closes after.
 */
export async function notify(
  target: NotifyTarget,
  userId: string | ObjectId,
  input: NotificationInput,
): Promise<NotifyResult> {
  const { db, env, push, now } = await resolveDeps(target)
  if (typeof userId === 'string' && !/^[0-9a-f]{24}$/i.test(userId))
    throw new TypeError(`notify: '${userId}' is not a user id`)
  const owner = new ObjectId(userId)
  const fields = NotificationInputSchema.parse(input)
  const doc: NotificationDoc = { _id: new ObjectId(), userId: owner, ...fields, createdAt: now() }
  await notifications(db).insertOne(doc)
  const notification = publicNotification(doc)

  // No channel (the REST app under Node) delivers to nobody: push instead.
  const delivered =
    (await userChannel(env, owner.toHexString())
      ?.deliver({ type: 'notification.new', notification })
      .catch((error: unknown) => {
        log('warn', 'live notification delivery failed', {
          userId: String(userId),
          error: `${error}`,
        })
        return 0
      })) ?? 0

  let pushed = 0
  if (delivered === 0 && push.enabled) {
    const tokens = await tokensOf(db, owner)
    if (tokens.length > 0) {
      try {
        const result = await push.send(tokens, {
          title: doc.title,
          body: doc.body,
          data: pushData(doc),
        })
        pushed = result.sent
        await removeInvalidTokens(db, owner, result.invalidTokens)
      } catch (error) {
        log('warn', 'push delivery failed', { userId: String(userId), error: `${error}` })
      }
    }
  }
  return { notification, delivered, pushed }
}

/** FCM data is a flat map of strings: the ids the app routes on, then the feature's own data. */
function pushData(doc: NotificationDoc): Record<string, string> {
  const data: Record<string, string> = {}
  for (const [key, value] of Object.entries(doc.data)) {
    if (RESERVED_DATA_KEY.test(key) || value === undefined) continue
    data[key] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return { ...data, notificationId: doc._id.toHexString(), notificationType: doc.type }
}
