// Cron entry (every minute, see wrangler.toml): runs each registered sweep with its own services,
// isolating failures so one broken sweep never stops the others.
import type { Config } from '../shared/config'
import { staleUploadSweep, stuckJobSweep } from './media/sweeps'
import { meetingTrashSweep } from './meetings/trash-sweep'
import { configFor } from './config'
import type { Bindings } from './env'
import { log } from './log'
import { createServices, type Services } from './services'
import { expiredStorySweep } from './social/stories'
import { expiredUploadSessionSweep } from './share-uploads/sweeps'

export interface ScheduledTask {
  name: string
  run(services: Services, now: Date): Promise<unknown>
}

/** Every sweep the cron runs; each is idempotent and safe to run every minute. */
function scheduledTasks(config: Config): ScheduledTask[] {
  return [
    staleUploadSweep(config),
    stuckJobSweep(config),
    meetingTrashSweep(config),
    expiredStorySweep(),
    expiredUploadSessionSweep(),
  ]
}

export async function runScheduledTasks(
  controller: Pick<ScheduledController, 'scheduledTime'>,
  env: Bindings,
  only?: string[],
): Promise<Record<string, 'ok' | 'failed'>> {
  const config = configFor(env)
  const services = createServices(config)
  const tasks = scheduledTasks(config).filter((t) => !only || only.includes(t.name))
  const outcome: Record<string, 'ok' | 'failed'> = {}
  try {
    for (const task of tasks) {
      try {
        const result = await task.run(services, new Date(controller.scheduledTime))
        outcome[task.name] = 'ok'
        log('info', 'scheduled task finished', { task: task.name, result })
      } catch (error) {
        outcome[task.name] = 'failed'
        log('error', 'scheduled task failed', { task: task.name, error: String(error) })
      }
    }
  } finally {
    await services.dispose()
  }
  return outcome
}
