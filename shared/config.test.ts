import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfig } from './config'

const valid = {
  JWT_SECRET: 's'.repeat(32),
  MONGODB_URI: 'mongodb://127.0.0.1:27017',
  UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
  UPSTASH_REDIS_REST_TOKEN: 'token',
  S3_BUCKET: 'media',
  S3_ACCESS_KEY_ID: 'a',
  S3_SECRET_ACCESS_KEY: 'b',
  SMTP_HOST: '127.0.0.1',
}

function problems(raw: Record<string, string>) {
  try {
    parseConfig(raw)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return (error as ConfigError).variables
  }
  throw new Error('expected the configuration to be refused')
}

describe('parseConfig', () => {
  it('accepts a complete configuration and fills defaults', () => {
    const config = parseConfig(valid)
    expect(config.APP_ENV).toBe('production')
    expect(config.MONGODB_DB).toBe('sanora')
    expect(config.SMTP_PORT).toBe(587)
    expect(config.S3_FORCE_PATH_STYLE).toBe(false)
    expect(config.CORS_ORIGINS).toEqual([])
  })

  it.each([
    ['JWT_SECRET', undefined, 'is required'],
    ['JWT_SECRET', 'short', 'must be at least 32 characters'],
    ['MONGODB_URI', 'postgres://x', 'must be a mongodb:// or mongodb+srv:// URI'],
    ['UPSTASH_REDIS_REST_URL', 'not a url', ''],
    ['SMTP_PORT', '70000', ''],
    ['APP_ENV', 'staging', ''],
    ['S3_FORCE_PATH_STYLE', 'yes', ''],
  ])('names %s when it is %s', (name, value, problem) => {
    const raw: Record<string, string> = { ...valid }
    if (value === undefined) delete raw[name]
    else raw[name] = value
    const found = problems(raw)
    expect(found.map((p) => p.name)).toEqual([name])
    if (problem) expect(found[0]!.problem).toBe(problem)
  })

  it('treats an empty value as missing', () => {
    expect(problems({ ...valid, S3_BUCKET: '' })).toEqual([
      { name: 'S3_BUCKET', problem: 'is required' },
    ])
  })

  it('names every bad variable at once, and says which in the message', () => {
    const raw: Record<string, string> = { ...valid, MONGODB_URI: 'nope' }
    delete raw.JWT_SECRET
    expect(() => parseConfig(raw)).toThrow(/JWT_SECRET is required.*MONGODB_URI must be/)
  })

  it("refuses '*' mixed with named CORS origins, and the capture URL in production", () => {
    expect(problems({ ...valid, CORS_ORIGINS: '*,http://a.test' })[0]!.name).toBe('CORS_ORIGINS')
    expect(problems({ ...valid, DEV_CAPTURE_URL: 'http://127.0.0.1:8025' })[0]!.name).toBe(
      'DEV_CAPTURE_URL',
    )
  })

  it('reads PRESENTER_FRAME_ANCESTORS as a list of bare origins, none by default', () => {
    expect(parseConfig(valid).PRESENTER_FRAME_ANCESTORS).toEqual([])
    expect(
      parseConfig({
        ...valid,
        PRESENTER_FRAME_ANCESTORS: 'https://slides.example.com, http://localhost:3000',
      }).PRESENTER_FRAME_ANCESTORS,
    ).toEqual(['https://slides.example.com', 'http://localhost:3000'])
    for (const bad of [
      'slides.example.com',
      'https://slides.example.com/deck',
      "'none'",
      '*',
      'https://a.test; script-src *',
      'javascript:alert(1)',
    ]) {
      expect(problems({ ...valid, PRESENTER_FRAME_ANCESTORS: bad })[0]).toMatchObject({
        name: 'PRESENTER_FRAME_ANCESTORS',
        problem: 'must list origins like https://slides.example.com',
      })
    }
  })

  it('splits CORS_ORIGINS on commas', () => {
    expect(
      parseConfig({ ...valid, CORS_ORIGINS: 'http://a.test, http://b.test' }).CORS_ORIGINS,
    ).toEqual(['http://a.test', 'http://b.test'])
  })

  it('reads SESSION_COOKIE_SAMESITE as Lax, Strict or None, Lax by default', () => {
    expect(parseConfig(valid).SESSION_COOKIE_SAMESITE).toBe('Lax')
    for (const value of ['Lax', 'Strict', 'None'] as const)
      expect(
        parseConfig({ ...valid, SESSION_COOKIE_SAMESITE: value }).SESSION_COOKIE_SAMESITE,
      ).toBe(value)
    for (const value of ['lax', 'none', 'Off'])
      expect(problems({ ...valid, SESSION_COOKIE_SAMESITE: value })[0]!.name).toBe(
        'SESSION_COOKIE_SAMESITE',
      )
  })
})

describe('parseConfig: meeting variables', () => {
  it('defaults to one public STUN server and reads a JSON list of ICE servers', () => {
    expect(parseConfig(valid).MEETING_ICE_SERVERS).toEqual([
      { urls: 'stun:stun.l.google.com:19302' },
    ])
    const turn = [{ urls: ['turn:turn.example.com:3478'], username: 'u', credential: 'p' }]
    expect(
      parseConfig({ ...valid, MEETING_ICE_SERVERS: JSON.stringify(turn) }).MEETING_ICE_SERVERS,
    ).toEqual(turn)
  })

  it.each([
    ['not JSON', '[{urls:'],
    ['not a list', '{"urls":"stun:x"}'],
    ['an entry without urls', '[{"username":"u"}]'],
  ])('names MEETING_ICE_SERVERS when it is %s', (_, value) => {
    expect(problems({ ...valid, MEETING_ICE_SERVERS: value }).map((p) => p.name)).toContain(
      'MEETING_ICE_SERVERS',
    )
  })

  it('reads the SMS country calling codes and refuses anything else', () => {
    expect(
      parseConfig({ ...valid, MEETING_SMS_COUNTRY_CODES: '44, 61' }).MEETING_SMS_COUNTRY_CODES,
    ).toEqual(['44', '61'])
    expect(problems({ ...valid, MEETING_SMS_COUNTRY_CODES: '+44' })[0]?.name).toBe(
      'MEETING_SMS_COUNTRY_CODES',
    )
  })
})
