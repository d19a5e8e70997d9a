// The validated configuration for a set of bindings, parsed once per set: what the app's config
// middleware, the Durable Objects and the scheduled handler read. A bad value throws
// CONFIG_INVALID naming the variable (a Worker has no start-up to abort).
import { ConfigError, parseConfig, type Config } from '../shared/config'
import { AppError } from './errors'

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
