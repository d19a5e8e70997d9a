// Runs the real Worker (wrangler.toml, Durable Objects, assets) in workerd through wrangler's
// programmatic API, listening on a free port, with the given variables as bindings.
import { unstable_startWorker } from 'wrangler'
import { fileURLToPath } from 'node:url'
import { copyApiDocsAssets } from '../../dev-services/api-docs-assets'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

// Offline machines: never ask Cloudflare for a Request.cf object or send telemetry.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false'
process.env.WRANGLER_SEND_METRICS ??= 'false'

export interface RunningWorker {
  url: string
  dispose(): Promise<void>
}

export interface WorkerOptions {
  vars: Record<string, string>
  /** Keep Durable Object storage here (to survive a restart); default: in memory. */
  persistDir?: string
  port?: number
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  // /api/docs's Swagger UI files live in public/ only once copied (git-ignored).
  await copyApiDocsAssets()
  const worker = await unstable_startWorker({
    config: `${ROOT}/wrangler.toml`,
    build: { nodejsCompatMode: 'v2' },
    bindings: Object.fromEntries(
      Object.entries(opts.vars).map(([name, value]) => [name, { type: 'plain_text', value }]),
    ),
    dev: {
      server: { hostname: '127.0.0.1', port: opts.port ?? 0 },
      inspector: false,
      watch: false,
      logLevel: 'warn',
      persist: opts.persistDir ?? false,
      // Exposes /__scheduled so tests can fire the cron handler.
      testScheduled: true,
      enableContainers: false,
    },
  })
  await worker.ready
  const url = (await worker.url).toString().replace(/\/$/, '')
  return { url, dispose: () => worker.dispose() }
}
