// One user's channel: every device the user has signed in on keeps a socket here, and the Worker
// posts events for that user (transcoding progress, notifications) to be fanned out to them.
import type { ServerMessage } from '../shared/realtime'
import { RealtimeRoom } from './realtime-room'

export class UserChannel extends RealtimeRoom {
  protected readonly kind = 'user' as const
  private seq = 0

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url)
    if (request.method === 'POST' && url.pathname === '/notify') {
      const event = (await request.json()) as Record<string, unknown>
      this.seq += 1
      this.broadcast({ ...event, seq: this.seq } as ServerMessage)
      return Response.json({ delivered: this.ctx.getWebSockets().length })
    }
    return super.fetch(request)
  }
}
