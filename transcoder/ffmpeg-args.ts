// The ffmpeg command lines for one job, as pure functions of the plan (the benchmark runs the very
// same ones). A job is encoded in passes: the lowest rendition alone first, so that the video is
// playable early, then the rest of the ladder from one decode. The MP4 is the top rendition
// remuxed (no encode of its own); the thumbnail is a last, tiny run.
import type { OutputPlan, Rendition } from './ladder'

export const MP4_FILE = 'video.mp4'
export const THUMBNAIL_FILE = 'thumbnail.jpg'
export const HLS_DIR = 'hls'
export const MASTER_PLAYLIST = 'master.m3u8'
const SEGMENT_SECONDS = 4

/** One ffmpeg run: some renditions of the ladder. */
export interface EncodePass {
  renditions: Rendition[]
  /** File name (in the HLS directory) of the master playlist ffmpeg writes for this pass alone. */
  master: string
}

/**
 * The passes of a job: the lowest rendition on its own, then everything else. Encoding the lowest
 * rendition costs a small share of the whole job; the second decode of the source is the price of
 * playing that early (measured by `npm run bench:transcode`).
 */
export function planPasses(plan: OutputPlan): EncodePass[] {
  const [lowest, ...rest] = plan.renditions
  if (!lowest) throw new Error('a plan has at least one rendition')
  return [
    { renditions: [lowest], master: 'pass-0.m3u8' },
    { renditions: rest, master: 'pass-1.m3u8' },
  ]
}

/** Splits option text into arguments; only for values that contain no spaces. */
const words = (text: string) => text.trim().split(/\s+/)

const COMMON = words('-hide_banner -nostdin -y -loglevel error')

/**
 * Writes the pass's renditions (hls/<rendition>/) and its master playlist into the working
 * directory; progress as key=value lines on stdout.
 */
export function encodeArgs(input: string, pass: EncodePass, hasAudio: boolean): string[] {
  const { renditions } = pass
  const filters = [
    `[0:v]split=${renditions.length}${renditions.map((_, i) => `[h${i}]`).join('')}`,
    ...renditions.map(
      (r, i) => `[h${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[hv${i}]`,
    ),
  ]
  const audioMap = hasAudio ? words('-map 0:a:0') : []

  const hls = [
    ...renditions.flatMap((_, i) => [...words(`-map [hv${i}]`), ...audioMap]),
    ...words('-c:v libx264 -preset veryfast -profile:v main'),
    // Keyframes on a fixed clock so every rendition's segments line up for switching, whichever
    // pass encoded them.
    ...words('-sc_threshold 0 -force_key_frames expr:gte(t,n_forced*2)'),
    ...renditions.flatMap((r, i) =>
      words(
        `-b:v:${i} ${r.videoKbps}k -maxrate:v:${i} ${Math.round(r.videoKbps * 1.1)}k ` +
          `-bufsize:v:${i} ${r.videoKbps * 2}k`,
      ),
    ),
    ...(hasAudio
      ? [
          ...words('-c:a aac -ac 2'),
          ...renditions.flatMap((r, i) => words(`-b:a:${i} ${r.audioKbps}k`)),
        ]
      : []),
    ...words(`-f hls -hls_time ${SEGMENT_SECONDS} -hls_playlist_type vod`),
    // temp_file: each segment appears under its name only once complete, so the transcoder can
    // upload segments while the pass still runs.
    ...words('-hls_flags independent_segments+temp_file -hls_segment_type mpegts'),
    ...words(`-master_pl_name ${pass.master}`),
    ...words(`-hls_segment_filename ${HLS_DIR}/%v/seg_%03d.ts`),
    '-var_stream_map',
    renditions.map((r, i) => `v:${i}${hasAudio ? `,a:${i}` : ''},name:${r.name}`).join(' '),
    `${HLS_DIR}/%v/index.m3u8`,
  ]

  return [
    ...COMMON,
    ...words('-progress pipe:1 -nostats'),
    '-i',
    input,
    '-filter_complex',
    filters.join(';'),
    ...hls,
  ]
}

/**
 * Writes video.mp4 from the top rendition's finished segments, streams copied: the web MP4 costs
 * a remux, not an encode of its own. `+faststart`: the index first, so browsers play it at once.
 */
export function mp4Args(plan: OutputPlan): string[] {
  const top = plan.renditions.at(-1)!
  return [
    ...COMMON,
    '-i',
    `${HLS_DIR}/${top.name}/index.m3u8`,
    ...words('-map 0 -c copy -movflags +faststart'),
    MP4_FILE,
  ]
}

/** One JPEG frame a tenth of the way in (past black intro frames, still early). */
export function thumbnailArgs(input: string, plan: OutputPlan, durationSeconds: number): string[] {
  const at = Math.min(5, durationSeconds / 10)
  const { width, height } = plan.thumbnail
  return [
    ...COMMON,
    ...words(`-ss ${at.toFixed(3)}`),
    '-i',
    input,
    ...words(`-frames:v 1 -vf scale=${width}:${height},setsar=1 -q:v 3 -update 1`),
    THUMBNAIL_FILE,
  ]
}
