// The user channel protocol (UserChannel): what a signed-in device may send on its own channel.
import { z } from 'zod'
import { BASE_FRAME_BUDGETS, type FrameBudgetTable, RequestIdSchema } from './realtime'

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

/** Each socket's budget per frame type (shared/realtime.ts FrameBudget). */
export const USER_FRAME_BUDGETS: FrameBudgetTable<z.infer<typeof UserClientMessageSchema>['type']> =
  {
    ...BASE_FRAME_BUDGETS,
    // Sent when a page opens or closes its notification list.
    'join-notification-room': { burst: 50, perSecond: 5 },
    'leave-notification-room': { burst: 50, perSecond: 5 },
    // Each is a MongoDB count: clients ask on connect, on focus, after a notification arrives, and
    // a reconnecting flooder gets a fresh burst each time, so the burst stays small.
    'unread.get': { burst: 10, perSecond: 2 },
  }
