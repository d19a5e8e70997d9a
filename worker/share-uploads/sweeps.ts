// Cron sweep for share-code upload sessions: a session that expired unfinished leaves files in
// storage that no upload records; they are deleted with it. Finished sessions are simply dropped.
import type { ScheduledTask } from '../scheduled'
import { uploadSessions } from './store'

export function expiredUploadSessionSweep(): ScheduledTask {
  return {
    name: 'expired-upload-sessions',
    async run(services, now) {
      const db = await services.database.db()
      const expired = await uploadSessions(db)
        .find({ status: { $in: ['open', 'completing'] }, expiresAt: { $lt: now } })
        .limit(200)
        .toArray()
      for (const session of expired) {
        // One at a time, and a failure leaves the session for the next run to retry.
        for (const file of session.files) await services.storage.delete(file.key)
        await uploadSessions(db).deleteOne({ _id: session._id, status: session.status })
      }
      const finished = await uploadSessions(db).deleteMany({
        status: 'completed',
        expiresAt: { $lt: now },
      })
      return { abandoned: expired.length, finished: finished.deletedCount }
    },
  }
}
