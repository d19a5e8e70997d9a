// What notify() needs, as plain values, so a Hono handler and a Durable Object can both call it:
// a handler passes its context, an object builds these from its own env and MongoDB client.
import type { Context } from 'hono'
import type { Db } from 'mongodb'
import type { AppEnv } from '../env'
import type { PushSender } from '../services/push'
import type { ChannelBindings } from '../realtime/rooms'

export interface NotifyDeps {
  db: Db
  env: ChannelBindings
  push: PushSender
  now?: () => Date
}

export type NotifyTarget = Context<AppEnv> | NotifyDeps

const isContext = (target: NotifyTarget): target is Context<AppEnv> => 'req' in target

export async function resolveDeps(target: NotifyTarget): Promise<Required<NotifyDeps>> {
  if (!isContext(target)) return { now: () => new Date(), ...target }
  const services = target.get('services')
  return {
    db: await services.database.db(),
    env: target.env,
    push: services.push,
    now: services.now,
  }
}
