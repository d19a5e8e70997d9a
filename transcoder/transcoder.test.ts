// Unit tests of the transcoder's pure parts: the ladder and its passes, reading ffprobe, reading
// and writing master playlists, the ffmpeg command lines, and configuration errors.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../shared/config'
import { loadTranscoderConfig } from './config'
import { encodeArgs, mp4Args, planPasses } from './ffmpeg-args'
import { planOutputs } from './ladder'
import { describeSource, InvalidSourceError } from './probe'
import { readVariants, writeMaster } from './transcode'

const names = (w: number, h: number) =>
  planOutputs({ width: w, height: h }).renditions.map((r) => r.name)

describe('planOutputs', () => {
  it('never upscales, lists the lowest first and keeps at most three renditions', () => {
    expect(names(640, 360)).toEqual(['240p', '360p'])
    expect(names(1280, 720)).toEqual(['360p', '480p', '720p'])
    expect(names(3840, 2160)).toEqual(['480p', '720p', '1080p'])
    expect(planOutputs({ width: 3840, height: 2160 }).mp4).toEqual({ width: 1920, height: 1080 })
  })

  it('gives sources below the ladder two renditions of their own size and two thirds of it', () => {
    const plan = planOutputs({ width: 320, height: 180 })
    expect(plan.renditions.map((r) => [r.name, r.width, r.height])).toEqual([
      ['120p', 214, 120],
      ['180p', 320, 180],
    ])
  })

  it('scales the short side of portrait videos, keeping every side even', () => {
    const plan = planOutputs({ width: 1080, height: 1920 })
    expect(plan.renditions.at(-1)).toMatchObject({ name: '1080p', width: 1080, height: 1920 })
    expect(plan.renditions[0]).toMatchObject({ name: '480p', width: 480, height: 854 })
    for (const r of plan.renditions) expect([r.width % 2, r.height % 2]).toEqual([0, 0])
  })
})

describe('describeSource', () => {
  const video = { codec_type: 'video', width: 1920, height: 1080 }

  it('reads duration, display size and audio', () => {
    expect(
      describeSource({
        streams: [video, { codec_type: 'audio' }],
        format: { duration: '12.5', format_name: 'mov,mp4,m4a,3gp,3g2,mj2' },
      }),
    ).toEqual({ durationSeconds: 12.5, width: 1920, height: 1080, hasAudio: true })
  })

  it('applies rotation and non-square pixels', () => {
    const rotated = describeSource({
      streams: [{ ...video, side_data_list: [{ rotation: -90 }] }],
      format: { duration: '1' },
    })
    expect([rotated.width, rotated.height]).toEqual([1080, 1920])
    const anamorphic = describeSource({
      streams: [{ codec_type: 'video', width: 720, height: 576, sample_aspect_ratio: '16:15' }],
      format: { duration: '1' },
    })
    expect([anamorphic.width, anamorphic.height]).toEqual([768, 576])
  })

  it('refuses audio-only files, still images and cover art', () => {
    const cases = [
      { streams: [{ codec_type: 'audio' }], format: { duration: '3' } },
      { streams: [video], format: { format_name: 'png_pipe' } },
      { streams: [{ ...video, disposition: { attached_pic: 1 } }], format: { duration: '3' } },
    ]
    for (const output of cases) expect(() => describeSource(output)).toThrow(InvalidSourceError)
  })
})

describe('planPasses', () => {
  it('encodes the lowest rendition alone first, then the rest of the ladder', () => {
    const plan = planOutputs({ width: 1280, height: 720 })
    const passes = planPasses(plan)
    expect(passes.map((p) => p.renditions.map((r) => r.name))).toEqual([['360p'], ['480p', '720p']])
    expect(new Set(passes.map((p) => p.master)).size).toBe(2)
  })
})

describe('encodeArgs', () => {
  const plan = planOutputs({ width: 640, height: 360 })
  const [lowest, rest] = planPasses(plan)
  const streamMap = (args: string[]) => args[args.indexOf('-var_stream_map') + 1]

  it('maps audio per rendition only when the source has audio', () => {
    const withAudio = encodeArgs('in.mp4', rest!, true)
    const silent = encodeArgs('in.mp4', rest!, false)
    expect(streamMap(withAudio)).toBe('v:0,a:0,name:360p')
    expect(streamMap(silent)).toBe('v:0,name:360p')
    expect(silent).not.toContain('0:a:0')
  })

  it('encodes one decode’s renditions into their own master playlist, never the MP4', () => {
    const args = encodeArgs('in.mp4', lowest!, true)
    expect(args).not.toContain('video.mp4')
    expect(args[args.indexOf('-filter_complex') + 1]).toBe(
      '[0:v]split=1[h0];[h0]scale=426:240,setsar=1,format=yuv420p[hv0]',
    )
    expect(streamMap(args)).toBe('v:0,a:0,name:240p')
    expect(args[args.indexOf('-master_pl_name') + 1]).toBe(lowest!.master)
  })
})

it('remuxes the top rendition into the web MP4, index first', () => {
  const plan = planOutputs({ width: 1280, height: 720 })
  const args = mp4Args(plan)
  expect(args[args.indexOf('-i') + 1]).toBe('hls/720p/index.m3u8')
  expect(args.join(' ')).toContain('-c copy -movflags +faststart video.mp4')
  expect(plan.mp4).toEqual({ width: 1280, height: 720 })
})

describe('readVariants and writeMaster', () => {
  const [low, high] = planOutputs({ width: 640, height: 360 }).renditions

  it('keeps the stream line ffmpeg wrote for each rendition, with its bandwidth', () => {
    const master = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-STREAM-INF:BANDWIDTH=545600,RESOLUTION=426x240,CODECS="avc1.4d4015,mp4a.40.2"',
      '240p/index.m3u8',
      '',
    ].join('\n')
    const [variant] = readVariants(master, [low!])
    expect(variant).toMatchObject({ rendition: low, bandwidth: 545600 })
    expect(variant!.streamInf).toContain('CODECS="avc1.4d4015,mp4a.40.2"')
  })

  it('estimates a rendition ffmpeg did not list from its bitrates', () => {
    const [variant] = readVariants('#EXTM3U\n', [high!])
    expect(variant!.bandwidth).toBe(Math.round((800 + 96) * 1100))
    expect(variant!.streamInf).toContain('RESOLUTION=640x360')
  })

  it('lists the variants in the order given, lowest first', () => {
    const variants = [
      ...readVariants('#EXT-X-STREAM-INF:BANDWIDTH=500000\n240p/index.m3u8', [low!]),
      ...readVariants('#EXT-X-STREAM-INF:BANDWIDTH=900000\n360p/index.m3u8', [high!]),
    ]
    const lines = writeMaster(variants).split('\n')
    expect(lines[0]).toBe('#EXTM3U')
    expect(lines.filter((l) => l && !l.startsWith('#'))).toEqual([
      '240p/index.m3u8',
      '360p/index.m3u8',
    ])
    expect(lines).toContain('#EXT-X-STREAM-INF:BANDWIDTH=900000')
  })
})

describe('loadTranscoderConfig', () => {
  const valid = {
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
    UPSTASH_REDIS_REST_TOKEN: 't',
    S3_BUCKET: 'media',
    S3_ACCESS_KEY_ID: 'k',
    S3_SECRET_ACCESS_KEY: 's',
    WORKER_URL: 'http://127.0.0.1:8787/',
    TRANSCODER_SECRET: 'x'.repeat(32),
  }

  it('applies defaults', () => {
    const config = loadTranscoderConfig(valid)
    expect(config).toMatchObject({
      WORKER_URL: 'http://127.0.0.1:8787',
      TRANSCODER_CONCURRENCY: 2,
      TRANSCODER_LEASE_SECONDS: 120,
      TRANSCODER_POLL_MS: 500,
      TRANSCODER_SHUTDOWN_GRACE_SECONDS: 30,
      FFMPEG_PATH: 'ffmpeg',
      S3_FORCE_PATH_STYLE: false,
    })
    expect(config.TRANSCODER_CONSUMER).toMatch(/-\d+$/)
  })

  it('names every missing or bad variable', () => {
    const { WORKER_URL: _, ...missing } = valid
    try {
      loadTranscoderConfig({
        ...missing,
        TRANSCODER_CONCURRENCY: 'many',
        TRANSCODER_SECRET: 'short',
      })
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variables.map((v) => v.name).sort()).toEqual([
        'TRANSCODER_CONCURRENCY',
        'TRANSCODER_SECRET',
        'WORKER_URL',
      ])
      expect((error as Error).message).toContain('WORKER_URL is required')
    }
  })
})
