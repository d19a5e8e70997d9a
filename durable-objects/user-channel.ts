// One user's channel: presence, unread counters and notifications for each signed-in device.
// Its live behaviour arrives with its feature; the shared room base already accepts sockets.
import { RealtimeRoom } from './realtime-room'

export class UserChannel extends RealtimeRoom {
  protected readonly kind = 'user' as const
}
