// The user channel protocol (UserChannel): what a signed-in device may send on its own channel.
import { z } from 'zod'
import { RequestIdSchema } from './realtime'

// Videodesk clients named their room (the user's email); the socket's identity decides instead.
const LegacyRoomFields = {
  rid: RequestIdSchema.optional(),
  room: z.string().max(320).optional(),
  email: z.string().max(320).optional(),
  userId: z.string().max(64).optional(),
}

export const UserClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('join-notification-room'), ...LegacyRoomFields }),
  z.strictObject({ type: z.literal('leave-notification-room'), ...LegacyRoomFields }),
  z.strictObject({ type: z.literal('unread.get'), rid: RequestIdSchema.optional() }),
])
