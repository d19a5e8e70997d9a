// Turns a probed local source into the job's output files (HLS ladder, web MP4, thumbnail) in a
// directory, pass by pass (see planPasses): after each pass the master playlist lists exactly the
// renditions finished so far, and the caller hears which those are.
import { readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import {
  encodeArgs,
  HLS_DIR,
  MASTER_PLAYLIST,
  mp4Args,
  planPasses,
  thumbnailArgs,
  type EncodePass,
} from './ffmpeg-args'
import { planOutputs, type OutputPlan, type Rendition } from './ladder'
import type { SourceInfo } from './probe'
import { runTool, ToolExitError } from './process'

/** ffmpeg failed; `retryable` is false when its errors point at the input itself. */
export class TranscodeFailedError extends Error {
  override readonly name = 'TranscodeFailedError'
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

// What libav* prints for broken or unsupported input (as opposed to a full disk or a kill).
const INPUT_ERRORS =
  /invalid data found|moov atom not found|could not find codec parameters|error while decoding|invalid nal|corrupt|decoder .* not found|unsupported codec|does not contain any stream|no such stream|partial file/i

/** A finished rendition as the master playlist lists it. */
export interface Variant {
  rendition: Rendition
  /** The `#EXT-X-STREAM-INF` line ffmpeg wrote for it (BANDWIDTH, RESOLUTION, CODECS). */
  streamInf: string
  bandwidth: number
}

export interface TranscodeOptions {
  ffmpeg: string
  signal: AbortSignal
  /** Fraction of the encoding done so far, 0–1. */
  onProgress: (fraction: number) => void
  /**
   * After every pass but the last: these renditions (lowest first) are finished, with their
   * playlists, segments and a master playlist listing just them. Not awaited: the next pass runs
   * meanwhile.
   */
  onPlayable: (variants: Variant[]) => void
  /**
   * After the last pass: every rendition is finished (all of `variants`, lowest first) and the
   * master playlist lists them all. Not awaited: the web MP4 and the thumbnail are made meanwhile.
   */
  onEncoded?: (variants: Variant[]) => void
  /** Times each ffmpeg run as `phase` (see JobTimings). */
  time?: <T>(phase: string, fn: () => Promise<T>) => Promise<T>
}

export interface TranscodeResult {
  plan: OutputPlan
  variants: Variant[]
}

export async function transcode(
  input: string,
  outDir: string,
  source: SourceInfo,
  opts: TranscodeOptions,
): Promise<TranscodeResult> {
  const plan = planOutputs(source)
  const passes = planPasses(plan)
  const costs = passes.map(passCost)
  const total = costs.reduce((a, b) => a + b, 0)
  const totalUs = source.durationSeconds * 1e6
  const variants: Variant[] = []
  let before = 0
  // The thumbnail is a frame or two of decoding: made while the last (longest) pass encodes, off
  // the critical path. Always awaited (finally, below) so that nothing outlives the job.
  let thumbnail: Promise<unknown> | undefined
  let failed = false
  const thumbnailRun = () =>
    time(opts, 'thumbnail', () =>
      run(opts, input, thumbnailArgs(input, plan, source.durationSeconds), outDir),
    )
  try {
    for (const [i, pass] of passes.entries()) {
      const share = costs[i]! / total
      if (i === passes.length - 1) {
        thumbnail = thumbnailRun()
        // Handled now, awaited in finally: on shutdown its ffmpeg may exit before the pass's does,
        // and a rejection with no handler yet would end the whole process.
        thumbnail.catch(() => undefined)
      }
      const phase = `encode ${pass.renditions.map((r) => r.name).join('+')}`
      await time(opts, phase, () =>
        run(opts, input, encodeArgs(input, pass, source.hasAudio), outDir, (line) => {
          const match = /^out_time_us=(\d+)$/.exec(line)
          if (match && totalUs > 0)
            opts.onProgress(before + share * Math.min(1, Number(match[1]) / totalUs))
        }),
      )
      before += share
      if (pass.renditions.length) {
        const passMaster = path.join(outDir, HLS_DIR, pass.master)
        variants.push(...readVariants(await readFile(passMaster, 'utf8'), pass.renditions))
        await rm(passMaster)
        await writeFile(path.join(outDir, HLS_DIR, MASTER_PLAYLIST), writeMaster(variants))
      }
      if (i < passes.length - 1) opts.onPlayable([...variants])
      else opts.onEncoded?.([...variants])
    }
    await time(opts, 'mp4', () => run(opts, input, mp4Args(plan), outDir))
  } catch (error) {
    failed = true
    throw error
  } finally {
    const [made] = await Promise.allSettled([thumbnail])
    // After a failed encode, that failure is the one reported.
    // eslint-disable-next-line no-unsafe-finally -- only when the try block itself succeeded
    if (!failed && made.status === 'rejected') throw made.reason
  }
  return { plan, variants }
}

function time<T>(opts: TranscodeOptions, phase: string, fn: () => Promise<T>): Promise<T> {
  return opts.time ? opts.time(phase, fn) : fn()
}

/** Encoding work of a pass, in pixels per frame: what x264's time mostly grows with. */
function passCost(pass: EncodePass) {
  return pass.renditions.reduce((sum, r) => sum + r.width * r.height, 0)
}

async function run(
  opts: TranscodeOptions,
  input: string,
  args: string[],
  cwd: string,
  onLine?: (line: string) => void,
) {
  try {
    await runTool(opts.ffmpeg, args, {
      cwd,
      signal: opts.signal,
      redact: { path: input, as: 'input' },
      ...(onLine ? { onLine } : {}),
    })
  } catch (error) {
    if (!(error instanceof ToolExitError)) throw error
    // A signal we did not send (the OOM killer) or a plain failure without input errors may well
    // pass on another attempt; input errors will not.
    const inputFault = error.exitCode !== null && INPUT_ERRORS.test(error.stderrTail)
    throw new TranscodeFailedError(
      `ffmpeg could not transcode the video${error.stderrTail ? `: ${error.stderrTail}` : ''}`,
      !inputFault,
      { cause: error },
    )
  }
}

/**
 * The `#EXT-X-STREAM-INF` of each of `renditions` in a master playlist ffmpeg wrote, by the name
 * of the playlist directory that follows it; a rendition ffmpeg did not list gets a line of its own.
 */
export function readVariants(master: string, renditions: Rendition[]): Variant[] {
  const written = new Map<string, string>()
  let pending: string | undefined
  for (const raw of master.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#EXT-X-STREAM-INF:')) pending = line
    else if (line && !line.startsWith('#') && pending !== undefined) {
      written.set(line.split('/')[0]!, pending)
      pending = undefined
    }
  }
  return renditions.map((rendition) => {
    const estimate = Math.round((rendition.videoKbps + rendition.audioKbps) * 1100)
    const streamInf =
      written.get(rendition.name) ??
      `#EXT-X-STREAM-INF:BANDWIDTH=${estimate},RESOLUTION=${rendition.width}x${rendition.height}`
    const bandwidth = Number(/\bBANDWIDTH=(\d+)/.exec(streamInf)?.[1] ?? estimate)
    return { rendition, streamInf, bandwidth }
  })
}

/** The master playlist listing `variants` in order (players start with the first: the lowest). */
export function writeMaster(variants: Variant[]): string {
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...variants.flatMap((v) => [v.streamInf, `${v.rendition.name}/index.m3u8`]),
    '',
  ].join('\n')
}
