// One stream entry, start to end: claim the job, download, probe, transcode (the lowest rendition
// published and reported playable while the rest encodes), upload, complete, then acknowledge the
// entry — or report the failure, or give the job back on shutdown. The stream
// entry is acknowledged only once the job is finished for good; otherwise it stays pending, which
// is what brings the job back to some transcoder later.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import type { JobOutputs } from '../shared/jobs'
import type { TranscoderConfig } from './config'
import { HLS_DIR, MASTER_PLAYLIST, MP4_FILE, THUMBNAIL_FILE } from './ffmpeg-args'
import { Lease } from './lease'
import { describeError, type Log } from './log'
import { InvalidSourceError, probe, type SourceInfo } from './probe'
import type { Storage } from './storage'
import type { JobStream, StreamEntry } from './stream'
import { transcode, TranscodeFailedError, type TranscodeResult, type Variant } from './transcode'
import { LeaseLostError, WorkerApiError, type WorkerApi } from './worker-api'

/** The transcoder is stopping and its grace period is over: the job goes back unfinished. */
export class ShutdownAbortError extends Error {
  override readonly name = 'ShutdownAbortError'
}

export interface JobDeps {
  config: TranscoderConfig
  api: WorkerApi
  stream: JobStream
  storage: Storage
  log: Log
}

// Share of the progress bar per phase; the Worker sets 100 on completion.
const DOWNLOADED = 5
const ENCODED = 90
const UPLOADED = 99

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.jpg': 'image/jpeg',
}

const UPLOAD_CONCURRENCY = 4
const COMPLETE_TRIES = 3

export async function processEntry(
  deps: JobDeps,
  entry: StreamEntry,
  shutdown: AbortSignal,
): Promise<void> {
  const { api, stream, log } = deps
  const jobId = entry.jobId
  if (!jobId || !/^[0-9a-f]{24}$/i.test(jobId)) {
    log('warn', 'malformed stream entry dead-lettered', { entryId: entry.id, jobId })
    return stream.deadLetter(entry, { error: 'malformed stream entry', attempts: 0 })
  }

  // Anything but 200, 409 and 410 throws and leaves the entry pending: a refusal here more likely
  // means a misconfigured WORKER_URL or secret than a bad entry, and must not drain the queue.
  const claim = await api.claim(jobId)
  if (claim.kind === 'gone') {
    // Finished (by us before a crash, or by someone else) or no such job: nothing left to do.
    return stream.ack(entry.id)
  }
  if (claim.kind === 'busy') {
    // Leased to a live consumer, or backing off: stays pending, due again after Retry-After.
    return stream.retryIn(entry.id, claim.retryAfterSeconds)
  }

  const { leaseId, job } = claim
  log('info', 'job claimed', { jobId, attempt: job.attempt, maxAttempts: job.maxAttempts })
  if (job.attempt > job.maxAttempts) {
    // Earlier attempts died without reporting (crashes, kills): stop before crashing again.
    return reportFailure(
      deps,
      entry,
      leaseId,
      new Error(`gave up: ${job.attempt - 1} attempts ended without a result`),
      false,
    )
  }

  const lease = new Lease({
    api,
    stream,
    log,
    entryId: entry.id,
    jobId,
    leaseId,
    leaseSeconds: deps.config.TRANSCODER_LEASE_SECONDS,
  })
  const signal = AbortSignal.any([shutdown, lease.lost])
  let workDir: string | undefined
  try {
    let outputs: JobOutputs
    try {
      try {
        workDir = await mkdtemp(path.join(deps.config.TRANSCODER_TMP_DIR, `transcode-${jobId}-`))
        outputs = await work(deps, job, leaseId, workDir, lease, signal)
      } finally {
        await lease.stop()
      }
    } catch (error) {
      return await settle(deps, entry, leaseId, signal.aborted ? signal.reason : error)
    }
    await completeAndAck(deps, entry, leaseId, outputs, job.attempt)
  } finally {
    if (workDir)
      await rm(workDir, { recursive: true, force: true }).catch((error) =>
        log('warn', 'could not remove a work directory', { workDir, error: describeError(error) }),
      )
  }
}

async function completeAndAck(
  deps: JobDeps,
  entry: StreamEntry,
  leaseId: string,
  outputs: JobOutputs,
  attempt: number,
) {
  const { api, stream, log } = deps
  const jobId = entry.jobId!
  for (let tryNo = 1; ; tryNo++) {
    try {
      await api.complete(jobId, leaseId, outputs)
      break
    } catch (error) {
      if (error instanceof LeaseLostError) {
        // Not acknowledged, for the reason given in settle(); a finished job's entry is acked
        // at its next claim (410).
        log('warn', 'lease lost before completion; outputs discarded', { jobId })
        return
      }
      // Only the Worker being unreachable or failing is worth repeating; a repeat after a lost
      // answer is harmless (409, see above). Not a failed attempt of the job: no fail report.
      const transient = !(error instanceof WorkerApiError) || !error.status || error.status >= 500
      if (!transient || tryNo === COMPLETE_TRIES) {
        log('error', 'could not report completion; the job is redone after its lease', {
          jobId,
          error: describeError(error),
        })
        return
      }
      await new Promise((r) => setTimeout(r, 1000 * tryNo))
    }
  }
  log('info', 'job completed', { jobId, attempt })
  await stream.ack(entry.id).catch((error) =>
    // Harmless: the entry comes back after a lease, its claim answers 410 and it is acked then.
    log('warn', 'could not acknowledge a completed job', { jobId, error: describeError(error) }),
  )
}

async function work(
  deps: JobDeps,
  job: { id: string; sourceKey: string; outputPrefix: string },
  leaseId: string,
  workDir: string,
  lease: Lease,
  signal: AbortSignal,
): Promise<JobOutputs> {
  const { config, storage } = deps
  const input = path.join(workDir, 'source')
  const outDir = path.join(workDir, 'out')
  await storage.download(job.sourceKey, input, signal)
  lease.report(DOWNLOADED)
  const source = await probe(config.FFPROBE_PATH, input, signal)
  await mkdir(outDir)
  const uploaded = new Set<string>()
  let early: Promise<void> | undefined
  let result: TranscodeResult
  try {
    result = await transcode(input, outDir, source, {
      ffmpeg: config.FFMPEG_PATH,
      signal,
      onProgress: (f) => lease.report(DOWNLOADED + f * (ENCODED - DOWNLOADED)),
      onPlayable: (variants) => {
        early = publishEarly(deps, job, leaseId, outDir, variants, uploaded, lease, signal)
      },
    })
  } finally {
    // Never rejects; awaited so that the final master playlist is uploaded after the early one.
    await early
  }
  lease.report(ENCODED)
  const rest = (await listFiles(outDir)).filter((f) => !uploaded.has(f))
  await uploadFiles(deps, outDir, job.outputPrefix, rest, signal, (f) =>
    lease.report(ENCODED + f * (UPLOADED - ENCODED)),
  )
  return describeOutputs(job.outputPrefix, source, result)
}

/**
 * Uploads the renditions finished so far and a master playlist listing just them, then tells the
 * Worker the video is playable. Runs while the next pass encodes. Any failure only means the video
 * plays at completion instead, except a lost lease, which ends the job.
 */
async function publishEarly(
  deps: JobDeps,
  job: { id: string; outputPrefix: string },
  leaseId: string,
  outDir: string,
  variants: Variant[],
  uploaded: Set<string>,
  lease: Lease,
  signal: AbortSignal,
): Promise<void> {
  const dirs = variants.map((v) => `${HLS_DIR}/${v.rendition.name}/`)
  try {
    const files = (await listFiles(outDir)).filter((f) => dirs.some((d) => f.startsWith(d)))
    await uploadFiles(deps, outDir, job.outputPrefix, files, signal)
    for (const file of files) uploaded.add(file)
    await deps.api.playable(job.id, leaseId, {
      hlsMasterKey: job.outputPrefix + MASTER_KEY,
      renditions: describeRenditions(job.outputPrefix, variants),
    })
    deps.log('info', 'job playable', {
      jobId: job.id,
      renditions: variants.map((v) => v.rendition.name),
    })
  } catch (error) {
    if (error instanceof LeaseLostError) return lease.markLost(error)
    if (signal.aborted) return
    deps.log('warn', 'could not make the job playable early; it plays once completed', {
      jobId: job.id,
      error: describeError(error),
    })
  }
}

const MASTER_KEY = `${HLS_DIR}/${MASTER_PLAYLIST}`

function describeRenditions(prefix: string, variants: Variant[]) {
  return variants.map((v) => ({
    name: v.rendition.name,
    height: v.rendition.height,
    bandwidth: v.bandwidth,
    playlistKey: `${prefix}${HLS_DIR}/${v.rendition.name}/index.m3u8`,
  }))
}

function describeOutputs(prefix: string, source: SourceInfo, result: TranscodeResult): JobOutputs {
  return {
    mp4Key: prefix + MP4_FILE,
    hlsMasterKey: prefix + MASTER_KEY,
    renditions: describeRenditions(prefix, result.variants),
    thumbnailKey: prefix + THUMBNAIL_FILE,
    durationSeconds: Math.round(source.durationSeconds * 1000) / 1000,
    width: result.plan.mp4.width,
    height: result.plan.mp4.height,
  }
}

/** Every file under `dir`, as relative paths with forward slashes. */
async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
}

/**
 * Uploads `files` (relative to `dir`), then the master playlist: last, so that it never points at
 * missing files.
 */
async function uploadFiles(
  deps: JobDeps,
  dir: string,
  prefix: string,
  files: string[],
  signal: AbortSignal,
  onProgress?: (fraction: number) => void,
) {
  const queue = files.filter((f) => f !== MASTER_KEY)
  const total = queue.length + 1
  let done = 0
  const upload = async (file: string) => {
    const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream'
    await deps.storage.upload(path.join(dir, file), prefix + file, type, signal)
    onProgress?.(++done / total)
  }
  await Promise.all(
    Array.from({ length: UPLOAD_CONCURRENCY }, async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) await upload(file)
    }),
  )
  await upload(MASTER_KEY)
}

/** What happens to a job (and its entry) after anything went wrong. */
async function settle(deps: JobDeps, entry: StreamEntry, leaseId: string, error: unknown) {
  const { api, stream, log } = deps
  const jobId = entry.jobId!
  if (error instanceof LeaseLostError) {
    // Someone else holds the job now (our lease expired and they claimed it), or it was settled
    // without us. Not acknowledging is the safe side: if the new holder dies, this pending entry is
    // what brings the job back; if the job is finished, the next claim answers 410 and acks it.
    log('warn', 'lease lost; job abandoned', { jobId })
    return
  }
  if (error instanceof ShutdownAbortError) {
    try {
      await api.release(jobId, leaseId)
      // Released jobs are due at once, not a lease from now.
      await stream.retryIn(entry.id, 0)
      log('info', 'job released on shutdown', { jobId })
    } catch (releaseError) {
      // The lease then simply expires and the entry is reclaimed after it.
      log('warn', 'could not release a job on shutdown', {
        jobId,
        error: describeError(releaseError),
      })
    }
    return
  }
  const retryable = !(
    error instanceof InvalidSourceError ||
    (error instanceof TranscodeFailedError && !error.retryable)
  )
  await reportFailure(deps, entry, leaseId, error, retryable)
}

async function reportFailure(
  deps: JobDeps,
  entry: StreamEntry,
  leaseId: string,
  error: unknown,
  retryable: boolean,
) {
  const { api, stream, log } = deps
  const jobId = entry.jobId!
  const message = describeError(error, 1900)
  let result: { final: boolean; attempts: number }
  try {
    result = await api.fail(jobId, leaseId, message, retryable)
  } catch (failError) {
    // Lost lease or unreachable Worker: the entry stays pending and the job comes back later.
    log('warn', 'could not report a failed attempt', { jobId, error: describeError(failError) })
    return
  }
  log(result.final ? 'error' : 'warn', 'job attempt failed', {
    jobId,
    error: message,
    retryable,
    final: result.final,
    attempts: result.attempts,
  })
  // Not final: left pending, so it is reclaimed once a lease has passed (the natural backoff).
  if (result.final) await stream.deadLetter(entry, { error: message, attempts: result.attempts })
}
