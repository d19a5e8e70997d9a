// OutputUploads against a recording storage: segments go up while they are written (never a
// temporary or half-written file), playlists only after every segment they list is stored, the
// master only after the playlists, each file once, at most `concurrency` at a time; failures
// surface. The last test runs the transcoder's real ffmpeg pass into a watched directory.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeArgs, HLS_DIR, planPasses } from './ffmpeg-args'
import { planOutputs } from './ladder'
import { MASTER_KEY, OutputUploads, type UploadTarget } from './uploads'

const run = promisify(execFile)

interface Stored {
  key: string
  body: Buffer
  /** Order in which uploads began and ended, over all uploads. */
  began: number
  ended: number
}

/** Storage that keeps what it was sent, as read when sent, and when each upload began and ended. */
function recordingStorage(opts: { delayMs?: number; failKey?: RegExp } = {}) {
  const stored: Stored[] = []
  let clock = 0
  let inFlight = 0
  let maxInFlight = 0
  const store = async (key: string, read: () => Promise<Buffer>) => {
    const began = ++clock
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    try {
      const body = await read()
      await new Promise((r) => setTimeout(r, opts.delayMs ?? 2))
      if (opts.failKey?.test(key)) throw new Error(`refused ${key}`)
      stored.push({ key, body, began, ended: ++clock })
    } finally {
      inFlight--
    }
  }
  const target: UploadTarget = {
    upload: (file, key) => store(key, () => readFile(file)),
    uploadBody: (body, key) => store(key, async () => Buffer.from(body)),
  }
  return { target, stored, maxInFlight: () => maxInFlight }
}

const PREFIX = 'media/x/transcoded/'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'uploads-test-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Writes a segment the way ffmpeg does with temp_file: under `.tmp`, in pieces, then renamed. */
async function writeSegment(rendition: string, n: number, bytes: number) {
  const name = path.join(dir, HLS_DIR, rendition, `seg_${String(n).padStart(3, '0')}.ts`)
  const body = Buffer.alloc(bytes, n + 1)
  await writeFile(`${name}.tmp`, body.subarray(0, bytes / 2))
  await new Promise((r) => setTimeout(r, 5))
  await writeFile(`${name}.tmp`, body)
  await rename(`${name}.tmp`, name)
  return body
}

async function writePlaylist(rendition: string, segments: number) {
  const lines = ['#EXTM3U', '#EXT-X-PLAYLIST-TYPE:VOD']
  for (let n = 0; n < segments; n++)
    lines.push('#EXTINF:4.0,', `seg_${String(n).padStart(3, '0')}.ts`)
  lines.push('#EXT-X-ENDLIST', '')
  await writeFile(path.join(dir, HLS_DIR, rendition, 'index.m3u8'), lines.join('\n'))
}

/** Every stored playlist began after each object it names had been stored (ended). */
function expectNoDanglingReferences(stored: Stored[]) {
  const byKey = new Map(stored.map((s) => [s.key, s]))
  for (const s of stored.filter((x) => x.key.endsWith('.m3u8'))) {
    const base = s.key.slice(0, s.key.lastIndexOf('/') + 1)
    const refs = s.body
      .toString()
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
    expect(refs.length).toBeGreaterThan(0)
    for (const ref of refs) {
      const target = byKey.get(base + ref)
      expect(target, `${s.key} names ${ref}`).toBeDefined()
      expect(target!.ended, `${s.key} stored before ${ref}`).toBeLessThan(s.began)
    }
  }
}

describe('OutputUploads', () => {
  it('uploads finished segments while encoding, playlists after their segments, master last', async () => {
    const storage = recordingStorage()
    const uploads = new OutputUploads({
      storage: storage.target,
      dir,
      prefix: PREFIX,
      signal: new AbortController().signal,
      concurrency: 2,
      scanMs: 5,
    })
    uploads.watch()
    const written = new Map<string, Buffer>()
    for (const r of ['360p', '720p']) await mkdir(path.join(dir, HLS_DIR, r), { recursive: true })
    // The "pass": segments appear over time; the watcher must pick the first ones up meanwhile.
    for (let n = 0; n < 4; n++) {
      for (const r of ['360p', '720p'])
        written.set(`${HLS_DIR}/${r}/seg_00${n}.ts`, await writeSegment(r, n, 4096))
      await new Promise((r) => setTimeout(r, 20))
    }
    const storedDuringPass = storage.stored.length
    await writePlaylist('360p', 4)
    await writePlaylist('720p', 4)
    await uploads.publishRenditions(['360p', '720p'])
    await uploads.publishMaster('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n')
    await uploads.finish()

    expect(storedDuringPass).toBeGreaterThan(0)
    const keys = storage.stored.map((s) => s.key)
    // Each file once, no temporary file, and every segment exactly as finished.
    expect(new Set(keys).size).toBe(keys.length)
    expect(keys.filter((k) => k.endsWith('.tmp'))).toEqual([])
    for (const [file, body] of written)
      expect(storage.stored.find((s) => s.key === PREFIX + file)?.body.equals(body)).toBe(true)
    expect(keys.at(-1)).toBe(PREFIX + MASTER_KEY)
    expectNoDanglingReferences(storage.stored)
    expect(storage.maxInFlight()).toBeLessThanOrEqual(2)
  })

  it('uploads a file asked for twice once', async () => {
    const storage = recordingStorage()
    const uploads = new OutputUploads({
      storage: storage.target,
      dir,
      prefix: PREFIX,
      signal: new AbortController().signal,
      concurrency: 4,
      scanMs: 1000,
    })
    await writeFile(path.join(dir, 'video.mp4'), 'mp4')
    await Promise.all([uploads.once('video.mp4'), uploads.once('video.mp4')])
    await uploads.once('video.mp4')
    expect(storage.stored.map((s) => s.key)).toEqual([PREFIX + 'video.mp4'])
  })

  it('fails publishing and finish() when a segment upload fails, without storing its playlist', async () => {
    const storage = recordingStorage({ failKey: /seg_001/ })
    const uploads = new OutputUploads({
      storage: storage.target,
      dir,
      prefix: PREFIX,
      signal: new AbortController().signal,
      concurrency: 4,
      scanMs: 5,
    })
    uploads.watch()
    await mkdir(path.join(dir, HLS_DIR, '360p'), { recursive: true })
    for (let n = 0; n < 3; n++) await writeSegment('360p', n, 1024)
    await writePlaylist('360p', 3)
    await expect(uploads.publishRenditions(['360p'])).rejects.toThrow('refused')
    await expect(uploads.finish()).rejects.toThrow('refused')
    expect(storage.stored.map((s) => s.key)).not.toContain(`${PREFIX}${HLS_DIR}/360p/index.m3u8`)
  })

  it('never uploads part of a segment while the real ffmpeg pass writes them', async () => {
    const source = path.join(dir, 'source.mp4')
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-t', '10'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', source],
    ])
    const out = path.join(dir, 'out')
    await mkdir(out)
    const storage = recordingStorage({ delayMs: 0 })
    const uploads = new OutputUploads({
      storage: storage.target,
      dir: out,
      prefix: PREFIX,
      signal: new AbortController().signal,
      concurrency: 4,
      scanMs: 2,
    })
    uploads.watch()
    const plan = planOutputs({ width: 320, height: 180 })
    const pass = planPasses(plan)[1]!
    await run('ffmpeg', encodeArgs(source, pass, false), { cwd: out })
    const names = pass.renditions.map((r) => r.name)
    await uploads.publishRenditions(names)
    await uploads.finish()

    const segments = storage.stored.filter((s) => s.key.endsWith('.ts'))
    expect(segments.length).toBeGreaterThanOrEqual(3)
    for (const s of segments) {
      const file = path.join(out, s.key.slice(PREFIX.length))
      expect(s.body.equals(await readFile(file)), s.key).toBe(true)
    }
    expect(storage.stored.some((s) => s.key.endsWith('.tmp'))).toBe(false)
    expectNoDanglingReferences(storage.stored)
  })
})
