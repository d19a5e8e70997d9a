// Worker entry: the REST app for fetch, the scheduled sweeps for cron, and the Durable Object
// classes the runtime instantiates by name.
import type { Bindings } from './env'
import { createApp } from './app'
import { runScheduledTasks } from './scheduled'

const app = createApp({ forwardHotRoutes: true })

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledTasks(controller, env))
  },
} satisfies ExportedHandler<Bindings>

export { AudienceShard } from '../durable-objects/audience-shard'
export { ConferenceRoom } from '../durable-objects/conference-room'
export { ChatConversation } from '../durable-objects/chat-conversation'
export { MeetingRoom } from '../durable-objects/meeting-room'
export { UserChannel } from '../durable-objects/user-channel'
export { SocketIoGateway } from '../durable-objects/socket-io-gateway'
export { WarmApi } from '../durable-objects/warm-api'
