// Which sizes a source is encoded to: the HLS ladder (lowest first, never above the source, always
// at least two renditions), the web MP4 (the top rendition's size: it is remuxed from it) and the
// thumbnail.
export interface Size {
  width: number
  height: number
}

export interface Rendition extends Size {
  /** Directory and label, e.g. `360p` (the short side, whatever the orientation). */
  name: string
  videoKbps: number
  audioKbps: number
}

export interface OutputPlan {
  mp4: Size
  renditions: Rendition[]
  thumbnail: Size
}

const RUNGS = [
  { short: 240, videoKbps: 400, audioKbps: 64 },
  { short: 360, videoKbps: 800, audioKbps: 96 },
  { short: 480, videoKbps: 1400, audioKbps: 128 },
  { short: 720, videoKbps: 2800, audioKbps: 128 },
  { short: 1080, videoKbps: 5000, audioKbps: 160 },
]
// Encoding time grows with each rendition; three cover phones to desktops.
const MAX_RENDITIONS = 3
const THUMBNAIL_MAX_SHORT = 720

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2))

/** The size with the given short side and the source's aspect ratio, both sides even (4:2:0). */
function scaleToShortSide(source: Size, short: number): Size {
  const landscape = source.width >= source.height
  const sourceShort = landscape ? source.height : source.width
  const sourceLong = landscape ? source.width : source.height
  const long = even((sourceLong * short) / sourceShort)
  const s = even(short)
  return landscape ? { width: long, height: s } : { width: s, height: long }
}

export function planOutputs(source: Size): OutputPlan {
  const short = Math.min(source.width, source.height)
  let rungs = RUNGS.filter((r) => r.short <= short).slice(-MAX_RENDITIONS)
  if (rungs.length < 2) {
    // Too small for the standard ladder: the source size itself and two thirds of it.
    rungs = [Math.round((short * 2) / 3), short].map((s) => ({
      short: even(s),
      videoKbps: Math.max(100, Math.round((800 * s * s) / (360 * 360))),
      audioKbps: 64,
    }))
  }
  const renditions = rungs.map((r) => ({
    name: `${even(r.short)}p`,
    ...scaleToShortSide(source, r.short),
    videoKbps: r.videoKbps,
    audioKbps: r.audioKbps,
  }))
  const top = renditions.at(-1)!
  return {
    mp4: { width: top.width, height: top.height },
    renditions,
    thumbnail: scaleToShortSide(source, Math.min(short, THUMBNAIL_MAX_SHORT)),
  }
}
