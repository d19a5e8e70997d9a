// The per-request service set: each service built once, on first use, and the Redis client (a
// stateless REST client) shared by every request with the same configuration. Its commands go out
// one fetch each, made by the caller, never batched into another caller's fetch.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseConfig } from '../../shared/config'
import { createServices } from '.'

/** What an Upstash REST endpoint received: the path and the JSON body of each request. */
const received: { path: string; body: unknown }[] = []
let server: Server
let url: string

beforeAll(async () => {
  // A minimal Upstash REST endpoint: GET answers the key's name back, so each caller can tell
  // its own answer from another's.
  server = createServer((req, res) => {
    let text = ''
    req.on('data', (chunk) => (text += chunk))
    req.on('end', () => {
      const body = JSON.parse(text) as unknown
      received.push({ path: req.url ?? '', body })
      const answer = (command: unknown) => ({ result: `value of ${(command as string[])[1]}` })
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify(req.url === '/pipeline' ? (body as unknown[]).map(answer) : answer(body)),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const configFor = (redisUrl: string) =>
  parseConfig({
    APP_ENV: 'test',
    JWT_SECRET: 'r'.repeat(32),
    MONGODB_URI: 'mongodb://127.0.0.1:9',
    UPSTASH_REDIS_REST_URL: redisUrl,
    UPSTASH_REDIS_REST_TOKEN: 't',
    S3_BUCKET: 'media',
    S3_ACCESS_KEY_ID: 'a',
    S3_SECRET_ACCESS_KEY: 'b',
    SMTP_HOST: '127.0.0.1',
  })

describe('createServices', () => {
  it('builds each service once per request and answers the same one after', () => {
    const services = createServices(configFor(url))
    expect(services.storage).toBe(services.storage)
    expect(services.database).toBe(services.database)
    expect(services.mail).toBe(services.mail)
    expect(services.sms).toBe(services.sms)
    expect(services.push).toBe(services.push)
    // Another request gets its own MongoDB client: the Worker cannot share I/O across requests.
    expect(createServices(configFor(url)).database).not.toBe(services.database)
  })

  it('shares one Redis client between requests with the same URL and token, not across others', () => {
    const first = createServices(configFor(url)).redis
    expect(createServices(configFor(url)).redis).toBe(first)
    expect(createServices(configFor(`${url}/`)).redis).not.toBe(first)
  })

  it('sends concurrent Redis commands as separate requests, each answered to its caller', async () => {
    received.length = 0
    const redis = createServices(configFor(url)).redis
    const answers = await Promise.all([redis.get('a'), redis.get('b'), redis.get('c')])
    expect(answers).toEqual(['value of a', 'value of b', 'value of c'])
    expect(received.map((r) => r.path)).toEqual(['/', '/', '/'])
    expect(received.map((r) => r.body)).toEqual(
      expect.arrayContaining([
        ['get', 'a'],
        ['get', 'b'],
        ['get', 'c'],
      ]),
    )
  })
})
