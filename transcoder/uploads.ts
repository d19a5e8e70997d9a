// Uploads a job's outputs while ffmpeg is still writing them, a few at a time. ffmpeg writes each
// HLS segment under a temporary name and renames it when complete (`-hls_flags temp_file`), so a
// segment visible under its own name is finished and goes up at once; playlists only once the
// segments they list are stored, and the master playlist only once the playlists it lists are:
// no object in storage ever points at one that is not there yet.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import pLimit, { type LimitFunction } from 'p-limit'
import { HLS_DIR, MASTER_PLAYLIST } from './ffmpeg-args'

export const MASTER_KEY = `${HLS_DIR}/${MASTER_PLAYLIST}`

const CONTENT_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.jpg': 'image/jpeg',
}

// A finished segment, as ffmpeg names it once renamed from its `.tmp`.
const SEGMENT = /^seg_\d+\.ts$/

export interface UploadTarget {
  upload(file: string, key: string, contentType: string, signal: AbortSignal): Promise<unknown>
  uploadBody(body: string, key: string, contentType: string, signal: AbortSignal): Promise<unknown>
}

export interface OutputUploadsOptions {
  storage: UploadTarget
  /** The job's output directory; files are named relative to it, with forward slashes. */
  dir: string
  /** Key prefix of the job's outputs in storage. */
  prefix: string
  signal: AbortSignal
  /** Uploads in flight at most. */
  concurrency: number
  /** How often the output directory is scanned for finished segments while watching. */
  scanMs: number
  /** Called with each file stored, and how long its upload took. */
  onUploaded?: (file: string, ms: number) => void
}

export class OutputUploads {
  private readonly limit: LimitFunction
  /** Every file asked for, by name: each goes up once (they never change once finished). */
  private readonly started = new Map<string, Promise<void>>()
  private failure: unknown
  private scanner: NodeJS.Timeout | undefined
  private scanning: Promise<void> | undefined

  constructor(private readonly opts: OutputUploadsOptions) {
    this.limit = pLimit(opts.concurrency)
  }

  /** Starts uploading finished segments as they appear, until stopWatching(). */
  watch() {
    this.scanner ??= setInterval(() => {
      // One scan at a time: a slow directory listing must not pile up scans.
      this.scanning ??= this.scanSegments().finally(() => (this.scanning = undefined))
    }, this.opts.scanMs)
  }

  /** Stops scanning; uploads already started go on (finish() or publish*() await them). */
  async stopWatching() {
    clearInterval(this.scanner)
    this.scanner = undefined
    await this.scanning
  }

  /**
   * Publishes finished renditions: every segment in their directories, then (once all of those
   * are stored) their playlists. The caller only calls it once ffmpeg has written the playlists,
   * i.e. after the renditions' pass exited, so the directory holds every segment they list.
   */
  async publishRenditions(names: string[]): Promise<void> {
    const dirs = names.map((name) => `${HLS_DIR}/${name}`)
    const segments = (await Promise.all(dirs.map((d) => this.segmentsIn(d)))).flat()
    await Promise.all(segments.map((file) => this.once(file)))
    await Promise.all(dirs.map((d) => this.once(`${d}/index.m3u8`)))
  }

  /**
   * Stores `body` as the master playlist. Written from memory: the file on disk may already list
   * renditions still encoding. The caller publishes the renditions it lists first.
   */
  async publishMaster(body: string): Promise<void> {
    await this.limit(() =>
      this.send(MASTER_KEY, () =>
        this.opts.storage.uploadBody(
          body,
          this.key(MASTER_KEY),
          this.type(MASTER_KEY),
          this.opts.signal,
        ),
      ),
    )
  }

  /** Uploads one finished file (at most once); resolves once it is stored. */
  once(file: string): Promise<void> {
    let upload = this.started.get(file)
    if (!upload) {
      upload = this.limit(() =>
        this.send(file, () =>
          this.opts.storage.upload(
            path.join(this.opts.dir, file),
            this.key(file),
            this.type(file),
            this.opts.signal,
          ),
        ),
      )
      // Started before anyone awaits it: the first failure is kept and thrown by finish().
      upload.catch((error: unknown) => (this.failure ??= error))
      this.started.set(file, upload)
    }
    return upload
  }

  /** Waits for every upload started so far; throws the first failure. */
  async finish(): Promise<void> {
    await this.stopWatching()
    await Promise.allSettled(this.started.values())
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the upload's own rejection, as caught
    if (this.failure !== undefined) throw this.failure
  }

  /** Files stored (or being stored) so far. */
  files(): string[] {
    return [...this.started.keys()]
  }

  private async scanSegments() {
    try {
      const dirs = await readdir(path.join(this.opts.dir, HLS_DIR), { withFileTypes: true })
      for (const d of dirs)
        if (d.isDirectory())
          for (const file of await this.segmentsIn(`${HLS_DIR}/${d.name}`)) void this.once(file)
    } catch (error) {
      // Nothing written yet: ffmpeg creates the directories once it starts.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.failure ??= error
    }
  }

  private async segmentsIn(dir: string): Promise<string[]> {
    const names = await readdir(path.join(this.opts.dir, dir))
    return names.filter((name) => SEGMENT.test(name)).map((name) => `${dir}/${name}`)
  }

  private async send(file: string, upload: () => Promise<unknown>) {
    const started = performance.now()
    await upload()
    this.opts.onUploaded?.(file, performance.now() - started)
  }

  private key(file: string) {
    return this.opts.prefix + file
  }

  private type(file: string) {
    return CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream'
  }
}
