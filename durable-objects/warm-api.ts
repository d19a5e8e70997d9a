// A warm-pool object: runs the same REST app as the Worker, but with one MongoDB client that
// lives as long as the object. Durable Objects own their I/O, so connections opened for one
// request serve the next; a stateless Worker would have to reconnect every time.
import { DurableObject } from 'cloudflare:workers'
import { createApp } from '../worker/app'
import type { Bindings } from '../worker/env'
import { createServices } from '../worker/services'
import { createDatabase, type Database } from '../worker/services/db'

export class WarmApi extends DurableObject<Bindings> {
  private app: ReturnType<typeof createApp> | undefined
  private database: Database | undefined

  override async fetch(request: Request): Promise<Response> {
    this.app ??= this.createWarmApp()
    const response = await this.app.fetch(request, this.env, {
      waitUntil: (promise: Promise<unknown>) => this.ctx.waitUntil(promise),
      passThroughOnException: () => {},
      props: {},
    })
    // Lets operators (and the tests) see which path served a request.
    response.headers.set('x-db-path', 'warm')
    return response
  }

  private createWarmApp() {
    return createApp({
      cors: false,
      securityHeaders: false,
      services: (config) => {
        this.database ??= createDatabase({
          uri: config.MONGODB_URI,
          dbName: config.MONGODB_DB,
          pool: { maxPoolSize: config.MONGODB_WARM_POOL_CONNECTIONS, minPoolSize: 1 },
          appName: 'sanora-warm-pool',
        })
        return createServices(config, { database: this.database })
      },
    })
  }
}
