// One conversation: ordered messages, receipts and typing for its members.
// Its live behaviour arrives with its feature; the shared room base already accepts sockets.
import { RealtimeRoom } from './realtime-room'

export class ChatConversation extends RealtimeRoom {
  protected readonly kind = 'chat' as const
}
