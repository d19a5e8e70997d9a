// Liveness of each dependency: MongoDB, Redis and S3, each up/down with its latency; 503 when any
// is down so load balancers and `npm run dev` can wait on it.
import { createRoute, z } from '@hono/zod-openapi'
import { createRouter } from '../../openapi'

const CHECK_TIMEOUT_MS = 2500

const DependencySchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.number(),
  error: z.string().optional(),
})

const HealthSchema = z
  .object({
    success: z.boolean(),
    status: z.enum(['up', 'down']),
    services: z.object({
      mongodb: DependencySchema,
      redis: DependencySchema,
      s3: DependencySchema,
    }),
  })
  .openapi('Health')

async function check(probe: () => Promise<unknown>): Promise<z.infer<typeof DependencySchema>> {
  const started = performance.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        )
      }),
    ])
    return { status: 'up', latencyMs: Math.round(performance.now() - started) }
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    }
  } finally {
    clearTimeout(timer)
  }
}

export const health = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/',
    tags: ['System'],
    summary: 'Dependency health',
    responses: {
      200: {
        description: 'Every dependency is up',
        content: { 'application/json': { schema: HealthSchema } },
      },
      503: {
        description: 'A dependency is down',
        content: { 'application/json': { schema: HealthSchema } },
      },
    },
  }),
  async (c) => {
    const { database, redis, storage } = c.get('services')
    const [mongodb, redisStatus, s3] = await Promise.all([
      check(() => database.ping()),
      check(() => redis.ping()),
      check(() => storage.ping()),
    ])
    const up = [mongodb, redisStatus, s3].every((d) => d.status === 'up')
    return c.json(
      {
        success: up,
        status: up ? ('up' as const) : ('down' as const),
        services: { mongodb, redis: redisStatus, s3 },
      },
      up ? 200 : 503,
    )
  },
)
