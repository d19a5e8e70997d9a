// Cron sweeps for media: uploads that were never completed are removed after
// MEDIA_STALE_UPLOAD_HOURS, and queued jobs whose stream entry went missing are enqueued again.
import type { Config } from '../../shared/config'
import { JOB_STREAM } from '../../shared/jobs'
import type { ScheduledTask } from '../scheduled'
import { jobs } from './jobs-store'
import { media } from './store'

export function staleUploadSweep(config: Config): ScheduledTask {
  return {
    name: 'stale-uploads',
    async run(services, now) {
      const db = await services.database.db()
      const cutoff = new Date(now.getTime() - config.MEDIA_STALE_UPLOAD_HOURS * 3_600_000)
      const stale = await media(db)
        .find({ status: 'pending', createdAt: { $lt: cutoff } })
        .limit(200)
        .toArray()
      for (const doc of stale) {
        if (doc.upload.uploadId)
          await services.storage.abortMultipart(doc.key, doc.upload.uploadId).catch(() => undefined)
        await services.storage.delete(doc.key).catch(() => undefined)
        // Conditional: an upload completed while we swept stays.
        await media(db).deleteOne({ _id: doc._id, status: 'pending' })
      }
      return { removed: stale.length }
    },
  }
}

export function stuckJobSweep(config: Config): ScheduledTask {
  return {
    name: 'stuck-jobs',
    async run(services, now) {
      const db = await services.database.db()
      // A queued job untouched for several leases has no live stream entry (its XADD failed, or
      // the entry was lost): add one. Duplicates are harmless, claims are conditional.
      const cutoff = new Date(now.getTime() - config.TRANSCODER_LEASE_SECONDS * 3 * 1000)
      const stuck = await jobs(db)
        .find({
          status: 'queued',
          updatedAt: { $lt: cutoff },
          $or: [{ nextAttemptAt: { $exists: false } }, { nextAttemptAt: { $lt: now } }],
        })
        .limit(100)
        .toArray()
      for (const job of stuck) {
        await services.redis.xadd(JOB_STREAM, '*', { jobId: job._id.toHexString() })
        await jobs(db).updateOne({ _id: job._id, status: 'queued' }, { $set: { updatedAt: now } })
      }
      return { requeued: stuck.length }
    },
  }
}
