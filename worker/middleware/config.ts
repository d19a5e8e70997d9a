// Reads and validates configuration once per set of bindings; a bad value refuses every request
// with a message naming the variable (a Worker has no start-up to abort).
import type { MiddlewareHandler } from 'hono'
import { ConfigError, parseConfig, type Config } from '../../shared/config'
import type { AppEnv } from '../env'
import { AppError } from '../errors'

const parsed = new WeakMap<object, Config | ConfigError>()

export function configFor(bindings: object): Config {
  let result = parsed.get(bindings)
  if (!result) {
    try {
      result = parseConfig(bindings as Record<string, unknown>)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      result = error
    }
    parsed.set(bindings, result)
  }
  if (result instanceof ConfigError) {
    throw new AppError(
      'CONFIG_INVALID',
      result.message,
      result.variables.map((v) => ({ path: v.name, message: v.problem })),
    )
  }
  return result
}

export const loadConfig = (): MiddlewareHandler<AppEnv> => {
  return async function loadConfig(c, next) {
    c.set('config', configFor(c.env ?? {}))
    await next()
  }
}
