// Cron sweep: meetings in the trash for longer than MEETING_TRASH_DAYS are deleted for good, with
// every file they own. Each meeting's files go before its record, so a failure is retried next run.
import type { Config } from '../../shared/config'
import { log } from '../log'
import { meetings } from './store'
import type { ScheduledTask } from '../scheduled'
import { deleteMeetingMedia } from './media'

const BATCH = 50

export function meetingTrashSweep(config: Config): ScheduledTask {
  return {
    name: 'meeting-trash',
    async run(services, now) {
      const db = await services.database.db()
      const cutoff = new Date(now.getTime() - config.MEETING_TRASH_DAYS * 86_400_000)
      const expired = await meetings(db)
        .find({ is_deleted: true, deleted_at: { $lt: cutoff } })
        .limit(BATCH)
        .toArray()
      let removed = 0
      for (const doc of expired) {
        try {
          await deleteMeetingMedia(db, services.storage, doc)
          // Conditional: a meeting restored while we swept stays.
          const res = await meetings(db).deleteOne({ _id: doc._id, is_deleted: true })
          removed += res.deletedCount
        } catch (error) {
          log('warn', 'meeting trash sweep skipped a meeting', {
            meetingId: doc._id.toHexString(),
            error: String(error),
          })
        }
      }
      return { removed }
    },
  }
}
