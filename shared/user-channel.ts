// The user channel protocol (UserChannel): what a signed-in device may send on its own channel, and
// the events the Worker delivers to every device of the user (notifications, presence, chat unread
// counts, transcoding progress, settings).
import { z } from 'zod'
import {
  ackSchema,
  BASE_FRAME_BUDGETS,
  BASE_SERVER_MESSAGES,
  type FrameBudgetTable,
  RequestIdSchema,
  type RoomProtocol,
  SeqSchema,
  type Unnumbered,
} from './realtime'

// Videodesk clients named their room (the user's email); the socket's identity decides instead.
const LegacyRoomFields = {
  rid: RequestIdSchema.optional(),
  room: z.string().max(320).optional(),
  email: z.string().max(320).optional(),
  userId: z.string().max(64).optional(),
}

export const UserClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('join-notification-room'), ...LegacyRoomFields }).meta({
    description:
      "Videodesk: also receive `new-notification` frames on this socket (`room`, `email` and `userId` are accepted and ignored: the socket's identity decides).",
  }),
  z
    .strictObject({ type: z.literal('leave-notification-room'), ...LegacyRoomFields })
    .meta({ description: 'Videodesk: stop the `new-notification` frames on this socket.' }),
  z
    .strictObject({ type: z.literal('unread.get'), rid: RequestIdSchema.optional() })
    .meta({ description: 'Ask for your unread notification count.' }),
])
export type UserClientMessage = z.infer<typeof UserClientMessageSchema>

/** Each socket's budget per frame type (shared/realtime.ts FrameBudget). */
export const USER_FRAME_BUDGETS: FrameBudgetTable<UserClientMessage['type']> = {
  ...BASE_FRAME_BUDGETS,
  // Sent when a page opens or closes its notification list.
  'join-notification-room': { burst: 50, perSecond: 5 },
  'leave-notification-room': { burst: 50, perSecond: 5 },
  // Each is a MongoDB count: clients ask on connect, on focus, after a notification arrives, and
  // a reconnecting flooder gets a fresh burst each time, so the burst stays small.
  'unread.get': { burst: 10, perSecond: 2 },
}

/** A stored notification as clients read it (worker/notifications/store.ts publicNotification). */
const NotificationSchema = z.strictObject({
  id: z.string(),
  _id: z.string().meta({ description: 'The same id, under the old clients’ name' }),
  type: z.string().meta({ description: 'What happened, namespaced: `friend.request`, …' }),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  read: z.boolean(),
  readAt: z.string().nullable(),
  createdAt: z.string(),
})

const unreadCount = z.number().int().min(0).meta({ description: 'Your unread notifications now' })
const job = {
  jobId: z.string(),
  mediaId: z.string().meta({ description: 'The media item being transcoded' }),
}

/** What the Worker delivers to every open socket of the user, each numbered by the channel's seq. */
export const UserEventSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('notification.new'),
      seq: SeqSchema,
      notification: NotificationSchema,
    })
    .meta({ description: 'A notification was stored for you.' }),
  z
    .strictObject({
      type: z.literal('notification.read'),
      seq: SeqSchema,
      ids: z.array(z.string()).nullable().meta({ description: 'null: all of them' }),
      all: z.literal(true).optional(),
      unreadCount,
    })
    .meta({ description: 'Notifications were marked read on another device.' }),
  z
    .strictObject({
      type: z.literal('notification.deleted'),
      seq: SeqSchema,
      id: z.string(),
      unreadCount,
    })
    .meta({ description: 'A notification was deleted on another device.' }),
  z
    .strictObject({
      type: z.literal('chat.unread'),
      seq: SeqSchema,
      conversationId: z.string(),
      lastSeq: SeqSchema,
      unread: z.number().int(),
    })
    .meta({ description: 'New messages in a conversation you have no socket open on.' }),
  z
    .strictObject({
      type: z.literal('presence.changed'),
      seq: SeqSchema,
      userId: z.string(),
      online: z.boolean(),
      lastSeenAt: z.string().nullable(),
    })
    .meta({ description: 'Someone whose presence you may see came online or went offline.' }),
  z
    .strictObject({
      type: z.literal('message-settings-updated'),
      seq: SeqSchema,
      messageSettings: z.strictObject({
        messageOption: z.enum(['default', 'custom']),
        customMessage: z.string(),
        senderName: z.string(),
        includeLogo: z.boolean(),
      }),
    })
    .meta({ description: 'Videodesk: your message settings changed (on any device).' }),
  z
    .strictObject({
      type: z.literal('transcoding.started'),
      seq: SeqSchema,
      ...job,
      attempt: z.number().int(),
    })
    .meta({ description: 'A transcoder took up your video.' }),
  z
    .strictObject({
      type: z.literal('transcoding.progress'),
      seq: SeqSchema,
      ...job,
      percent: z.number().min(0).max(100),
    })
    .meta({ description: 'Transcoding progress.' }),
  z
    .strictObject({
      type: z.literal('transcoding.playable'),
      seq: SeqSchema,
      ...job,
      renditions: z.array(z.string()),
    })
    .meta({
      description: 'The first renditions are ready: the video plays before the rest is done.',
    }),
  z
    .strictObject({ type: z.literal('transcoding.completed'), seq: SeqSchema, ...job })
    .meta({ description: 'Every rendition is ready.' }),
  z
    .strictObject({
      type: z.literal('transcoding.retrying'),
      seq: SeqSchema,
      ...job,
      error: z.string(),
    })
    .meta({ description: 'An attempt failed; the job will be tried again.' }),
  z
    .strictObject({
      type: z.literal('transcoding.failed'),
      seq: SeqSchema,
      ...job,
      error: z.string(),
    })
    .meta({ description: 'The last attempt failed; the video will not be transcoded.' }),
])
/** What the Worker gives the user's channel to deliver; the channel numbers it. */
export type UserChannelEvent = Unnumbered<z.infer<typeof UserEventSchema>>
type WithoutJob<Event> = Event extends unknown ? Omit<Event, keyof typeof job> : never
/** A transcoding event before the job's ids are added to it. */
export type TranscodingEventInput = WithoutJob<
  Extract<UserChannelEvent, { type: `transcoding.${string}` }>
>

const LegacyNotificationSchema = z
  .strictObject({
    type: z.literal('new-notification'),
    seq: SeqSchema,
    notification: NotificationSchema,
  })
  .meta({
    description:
      "Videodesk's name for `notification.new`, sent besides it to the sockets that joined the notification room.",
  })

const roomAck = ackSchema(
  { room: z.literal('notifications'), joined: z.boolean() },
  'Whether this socket is now in the notification room.',
)

/** The ack each request is answered with. */
export const USER_ACKS = {
  'join-notification-room': roomAck,
  'leave-notification-room': roomAck,
  'unread.get': ackSchema({ unreadCount }, 'Your unread notification count.'),
} as const satisfies Record<UserClientMessage['type'], z.ZodObject>

/** Everything a UserChannel may send; its `send` and `broadcast` take only these. */
export const UserServerMessageSchema = z.union([
  z.discriminatedUnion('type', [
    ...BASE_SERVER_MESSAGES,
    ...UserEventSchema.options,
    LegacyNotificationSchema,
  ]),
  roomAck,
  USER_ACKS['unread.get'],
])
export type UserServerMessage = z.infer<typeof UserServerMessageSchema>

export const USER_PROTOCOL: RoomProtocol = {
  kind: 'user',
  description:
    "A signed-in user's own channel, one socket per device: the events the Worker delivers to the user (notifications, presence of people the user may see, unread chat counts, transcoding progress, settings changed elsewhere), and the user's online presence while a socket is open. Events are numbered but not replayed: what a device missed is read over REST (`GET /api/notifications`).",
  idDescription: "The user's id (your own: tickets are issued for no one else's channel)",
  tickets: [
    {
      method: 'POST',
      path: '/api/realtime/user-ticket',
      description: 'Your ticket and the socket path, for every (re)connection.',
    },
  ],
  replay: null,
  requests: UserClientMessageSchema.options,
  frameBudgets: USER_FRAME_BUDGETS,
  acks: USER_ACKS,
  events: UserEventSchema.options,
  frames: [LegacyNotificationSchema],
  closeCodes: {},
}
