// Variables only the dev tooling reads (`npm run dev`, the stand-ins, the browser tests), validated
// like the Worker's and documented the same way (variableDocs): the README's dev-tooling table is
// generated from here.
import { z } from 'zod'
import { parseVariables } from '../shared/config'
import { variableDocs as docs } from '../shared/variable-docs'

export const devVariablesSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787).register(docs, {
    description: 'Port of the Worker under `npm run dev` (a taken one falls back to a free port)',
  }),
  DEV_DATA_DIR: z.string().min(1).default('.data').register(docs, {
    description:
      'Where `npm run dev` keeps its data across restarts (stand-ins, generated secrets, Durable Objects); one Redis per folder',
  }),
  REDIS_SERVER_BIN: z
    .string()
    .min(1)
    .default('redis-server')
    .register(docs, { description: 'The `redis-server` executable the Redis stand-in runs' }),
  DEV_REDIS_URL: z.url().optional().register(docs, {
    description:
      'A running Redis (`redis://host:port`) to use instead of spawning one; it is then yours to keep apart from other checkouts',
    whenUnset: 'a `redis-server` of its own',
  }),
  DEV_CRON_INTERVAL_SECONDS: z.coerce.number().min(0).default(0).register(docs, {
    description:
      "Fire the Worker's cron this often under `npm run dev` (the tests use 2); `0`: at the start of every minute, as Cloudflare does",
  }),
  CHROMIUM_PATH: z.string().min(1).optional().register(docs, {
    description: 'The Chromium or Chrome executable the browser tests launch',
    whenUnset: 'searched (see Quick start)',
  }),
})

export type DevVariables = z.infer<typeof devVariablesSchema>

/** The dev tooling's variables from process.env; throws ConfigError naming a bad one. */
export function loadDevVariables(env: Record<string, string | undefined>): DevVariables {
  return parseVariables(devVariablesSchema, env)
}

/**
 * One of them alone, by its rule, for code that needs no other (a bad PORT is for `npm run dev` to
 * report, not the Redis stand-in or the browser tests).
 */
export function devVariable<K extends keyof DevVariables>(
  name: K,
  env: Record<string, string | undefined> = process.env,
): DevVariables[K] {
  return loadDevVariables({ [name]: env[name] })[name]
}
