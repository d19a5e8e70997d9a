// The one AppEnv type: Worker bindings plus the per-request variables every handler can read.
import type { AudienceShard } from '../durable-objects/audience-shard'
import type { ChatConversation } from '../durable-objects/chat-conversation'
import type { ConferenceRoom } from '../durable-objects/conference-room'
import type { MeetingRoom } from '../durable-objects/meeting-room'
import type { SocketIoGateway } from '../durable-objects/socket-io-gateway'
import type { UserChannel } from '../durable-objects/user-channel'
import type { Config } from '../shared/config'
import type { Services } from './services'

export interface Bindings {
  CONFERENCE_ROOM: DurableObjectNamespace<ConferenceRoom>
  /** A live conference's audience, spread over shard objects (worker/conference/shards.ts). */
  AUDIENCE_SHARD: DurableObjectNamespace<AudienceShard>
  CHAT_CONVERSATION: DurableObjectNamespace<ChatConversation>
  MEETING_ROOM: DurableObjectNamespace<MeetingRoom>
  USER_CHANNEL: DurableObjectNamespace<UserChannel>
  /** One object per Socket.IO session of a client that names no room (Videodesk). */
  SOCKET_IO_GATEWAY: DurableObjectNamespace<SocketIoGateway>
  WARM_API?: DurableObjectNamespace
  ASSETS?: Fetcher
  [variable: string]: unknown
}

export interface Variables {
  requestId: string
  config: Config
  services: Services
}

export interface AppEnv {
  Bindings: Bindings
  Variables: Variables
}
