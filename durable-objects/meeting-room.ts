// One video meeting room: WebRTC signaling between the meeting owner and the invited guest.
// Its live behaviour arrives with its feature; the shared room base already accepts sockets.
import { RealtimeRoom } from './realtime-room'

export class MeetingRoom extends RealtimeRoom {
  protected readonly kind = 'meeting' as const
}
