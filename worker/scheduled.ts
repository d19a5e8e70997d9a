// Cron entry (every minute, see wrangler.toml): runs each registered sweep with its own services,
// isolating failures so one broken sweep never stops the others.
import { configFor } from './middleware/config'
import type { Bindings } from './env'
import { log } from './log'
import { createServices, type Services } from './services'

export interface ScheduledTask {
  name: string
  run(services: Services, now: Date): Promise<unknown>
}

/** Sweeps added by features (stale uploads, meeting trash, …). */
export const SCHEDULED_TASKS: ScheduledTask[] = []

export async function runScheduledTasks(
  controller: Pick<ScheduledController, 'scheduledTime'>,
  env: Bindings,
  tasks: ScheduledTask[] = SCHEDULED_TASKS,
): Promise<Record<string, 'ok' | 'failed'>> {
  const services = createServices(configFor(env))
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
