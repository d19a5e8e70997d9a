// Turns a probed local source into the job's output files (web MP4, HLS ladder, thumbnail) in a
// directory, reporting the encoder's position as it goes.
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { HLS_DIR, MASTER_PLAYLIST, thumbnailArgs, transcodeArgs } from './ffmpeg-args'
import { planOutputs, type OutputPlan } from './ladder'
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

export interface TranscodeOptions {
  ffmpeg: string
  signal: AbortSignal
  /** Fraction of the source encoded so far, 0–1. */
  onProgress: (fraction: number) => void
}

export interface TranscodeResult {
  plan: OutputPlan
  /** Rendition name → BANDWIDTH as written in the master playlist. */
  bandwidths: Map<string, number>
}

export async function transcode(
  input: string,
  outDir: string,
  source: SourceInfo,
  opts: TranscodeOptions,
): Promise<TranscodeResult> {
  const plan = planOutputs(source)
  const totalUs = source.durationSeconds * 1e6
  await run(opts, input, transcodeArgs(input, plan, source.hasAudio), outDir, (line) => {
    const match = /^out_time_us=(\d+)$/.exec(line)
    if (match && totalUs > 0) opts.onProgress(Math.min(1, Number(match[1]) / totalUs))
  })
  await run(opts, input, thumbnailArgs(input, plan, source.durationSeconds), outDir)
  const master = await readFile(path.join(outDir, HLS_DIR, MASTER_PLAYLIST), 'utf8')
  return { plan, bandwidths: masterBandwidths(master) }
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

/** BANDWIDTH of each `#EXT-X-STREAM-INF` by the name of the playlist directory that follows it. */
export function masterBandwidths(master: string): Map<string, number> {
  const result = new Map<string, number>()
  let pending: number | undefined
  for (const raw of master.split('\n')) {
    const line = raw.trim()
    const inf = /^#EXT-X-STREAM-INF:.*?\bBANDWIDTH=(\d+)/.exec(line)
    if (inf) pending = Number(inf[1])
    else if (line && !line.startsWith('#') && pending !== undefined) {
      result.set(line.split('/')[0]!, pending)
      pending = undefined
    }
  }
  return result
}
