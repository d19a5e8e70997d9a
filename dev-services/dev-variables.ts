// Variables only the dev tooling reads (`npm run dev`, the stand-ins), validated like the Worker's
// and documented the same way (variableDocs): the README's dev-tooling table is generated from here.
import { z } from 'zod'
import { parseVariables } from '../shared/config'
import { variableDocs as docs } from '../shared/variable-docs'

export const devVariablesSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787).register(docs, {
    description: 'Port of the Worker under `npm run dev` (a taken one falls back to a free port)',
  }),
  DEV_DATA_DIR: z.string().min(1).default('.data').register(docs, {
    description:
      'Where `npm run dev` keeps its data across restarts (stand-ins, generated secrets, Durable Objects)',
  }),
  REDIS_SERVER_BIN: z
    .string()
    .min(1)
    .default('redis-server')
    .register(docs, { description: 'The `redis-server` executable the Redis stand-in runs' }),
})

export type DevVariables = z.infer<typeof devVariablesSchema>

/** The dev tooling's variables from process.env; throws ConfigError naming a bad one. */
export function loadDevVariables(env: Record<string, string | undefined>): DevVariables {
  return parseVariables(devVariablesSchema, env)
}
