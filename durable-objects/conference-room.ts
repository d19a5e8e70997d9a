// One live conference: the live question, votes, audience presence and Q&A.
// Its live behaviour arrives with its feature; the shared room base already accepts sockets.
import { RealtimeRoom } from './realtime-room'

export class ConferenceRoom extends RealtimeRoom {
  protected readonly kind = 'conference' as const
}
