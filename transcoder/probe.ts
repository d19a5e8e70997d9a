// ffprobe of a downloaded source: is it a video at all, how long, how large as displayed, and
// does it carry audio. Anything ffprobe cannot read is the input's fault, not a transient one.
import { runTool, ToolExitError } from './process'

export interface SourceInfo {
  durationSeconds: number
  /** Display size: rotation and non-square pixels applied, as players (and ffmpeg) show it. */
  width: number
  height: number
  hasAudio: boolean
}

/** The file is not a video ffmpeg can read: retrying cannot help. */
export class InvalidSourceError extends Error {
  override readonly name = 'InvalidSourceError'
}

interface ProbeStream {
  codec_type?: string
  width?: number
  height?: number
  duration?: string
  sample_aspect_ratio?: string
  disposition?: { attached_pic?: number }
  tags?: { rotate?: string }
  side_data_list?: { rotation?: number }[]
}

interface ProbeOutput {
  streams?: ProbeStream[]
  format?: { duration?: string; format_name?: string }
}

export async function probe(ffprobe: string, file: string, signal: AbortSignal) {
  let stdout: string
  try {
    ;({ stdout } = await runTool(
      ffprobe,
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file],
      { signal, redact: { path: file, as: 'input' } },
    ))
  } catch (error) {
    if (error instanceof ToolExitError)
      throw new InvalidSourceError(
        `not a readable video: ${error.stderrTail.replace(/^input: /, '') || 'ffprobe failed'}`,
        { cause: error },
      )
    throw error
  }
  return describeSource(JSON.parse(stdout) as ProbeOutput)
}

export function describeSource(output: ProbeOutput): SourceInfo {
  const streams = output.streams ?? []
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
  if (!video?.width || !video.height) throw new InvalidSourceError('not a video: no video stream')
  // Still images (png_pipe, image2, …) probe as one-frame "videos".
  const format = output.format?.format_name ?? ''
  if (/(^|,)(image2|[a-z0-9]+_pipe)(,|$)/.test(format))
    throw new InvalidSourceError(`not a video: ${format} is an image format`)
  const duration = Number(output.format?.duration ?? video.duration)
  if (!Number.isFinite(duration) || duration <= 0)
    throw new InvalidSourceError('not a video: it has no duration')

  let width = video.width
  let height = video.height
  const sar = /^(\d+):(\d+)$/.exec(video.sample_aspect_ratio ?? '')
  if (sar && Number(sar[1]) > 0 && Number(sar[2]) > 0 && sar[1] !== sar[2]) {
    width = Math.round((width * Number(sar[1])) / Number(sar[2]))
  }
  const rotation = Number(
    video.side_data_list?.find((d) => d.rotation !== undefined)?.rotation ??
      video.tags?.rotate ??
      0,
  )
  if (Math.abs(rotation) % 180 === 90) [width, height] = [height, width]

  return {
    durationSeconds: duration,
    width,
    height,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  }
}
