// The events the Worker and the rooms deliver to a user's devices through the UserChannel's
// `deliver` RPC (durable-objects/user-channel.ts), which numbers each with the channel's seq.
import type { MessageSettings } from '../account/settings-store'
import type { PublicNotification } from '../notifications/store'

/** A transcoding job's steps, told to the owner of the media it works on. */
export type TranscodingEvent =
  | { type: 'transcoding.started'; attempt: number }
  | { type: 'transcoding.progress'; percent: number }
  | { type: 'transcoding.playable'; renditions: string[] }
  | { type: 'transcoding.completed' }
  | { type: 'transcoding.failed' | 'transcoding.retrying'; error: string }

export type UserChannelDelivery =
  | { type: 'notification.new'; notification: PublicNotification }
  | { type: 'notification.read'; ids: string[] | null; all?: true; unreadCount: number }
  | { type: 'notification.deleted'; id: string; unreadCount: number }
  | { type: 'chat.unread'; conversationId: string; lastSeq: number; unread: number }
  | { type: 'presence.changed'; userId: string; online: boolean; lastSeenAt: string | null }
  | { type: 'message-settings-updated'; messageSettings: MessageSettings }
  | (TranscodingEvent & { jobId: string; mediaId: string })
