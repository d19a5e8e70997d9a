// The bad-input suite for a slice of the routes: every invalid request generated from each route's
// schemas, and undecodable values in every parameter, go out as a caller who passes authentication
// and role checks (so validation is what answers) and anonymously; each answer must be a 4xx in the
// error envelope (or, for free text the schema accepts, anything but a 5xx), and no document the
// suite owns or could have written may change.
import { randomUUID } from 'node:crypto'
import { ObjectId } from 'mongodb'
import pLimit from 'p-limit'
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest'
import { badRequests, type BadRequest } from './bad-inputs'
import { bearer, fromFreshIp, isInternal, serviceToken } from './callers'
import { listOperations, type Operation } from './openapi'
import { emptyCounts, writeCounts } from './report'
import { isErrorEnvelope, send } from './run'
import { changes, snapshot, type Snapshot } from './snapshot'
import { undecodableRequests } from './undecodable'
import { buildWorld, type World } from './world'

// Requests in flight at once, across all of a file's routes: the one local workerd and the test
// process share two cores, so more only lengthens each answer.
const CONCURRENCY = 8

/**
 * workerd gzips every answer for a client that accepts it (fetch does by default), and undici
 * inflates it again: a zlib stream on each side for each of thousands of small error bodies, the
 * largest CPU cost in the test process. The answer's status and body are what is checked.
 */
const UNCOMPRESSED = { 'accept-encoding': 'identity' }

/** A real fixture id for each path parameter, so a request that slipped past validation would
 * reach (and could change) a real record. */
export function paramFor(world: World) {
  return (op: Operation, name: string): string => {
    const p = op.path
    const byPath: [RegExp, string, () => string][] = [
      [/^\/api\/admin\/users\//, 'id', () => world.stranger.id],
      [/^\/api\/conference\/by-code\//, 'code', () => world.conference.code],
      [/^\/api\/conference\//, 'id', () => world.conference.id],
      [/^\/api\/conference\//, 'questionId', () => world.conference.questions[0]!.id],
      [/^\/api\/chat\//, 'id', () => world.conversationId],
      [/^\/api\/chat\//, 'userId', () => world.seller.id],
      [/^\/api\/chat\//, 'seq', () => '1'],
      [/^\/api\/courses\//, 'id', () => world.course.id],
      [/seller-applications/, 'id', () => world.applicationId],
      [/products/, 'id', () => world.product.id],
      [/cart\/items/, 'productId', () => world.product.id],
      [/orders/, 'id', () => world.order.id],
      [/^\/api\/media\//, 'id', () => world.mediaId],
      [/^\/api\/video-transcoding\//, 'jobId', () => world.jobId],
      [/^\/internal\/transcoding\//, 'id', () => world.jobId],
      [/^\/api\/notifications\/devices\//, 'token', () => 'fuzzmark-device-token'],
      [/^\/api\/notifications\//, 'id', () => world.notificationId],
      [/^\/api\/users\//, 'id', () => world.user.id],
      [/^\/api\/users\//, 'userId', () => world.user.id],
      [/^\/api\/realtime\//, 'kind', () => 'conference'],
      [/^\/api\/realtime\//, 'id', () => world.conference.id],
    ]
    const hit = byPath.find(([re, param]) => re.test(p) && param === name)
    if (hit) return hit[2]()
    const schema = op.parameters.find((x) => x.name === name)?.schema
    if (schema?.format === 'uuid') return randomUUID()
    return new ObjectId().toHexString()
  }
}

/** The router a route belongs to: its first path segments (`/api/v1/meetings`, `/api/posts`). */
const routerOf = (path: string) =>
  path
    .split('/')
    .slice(0, path.startsWith('/api/v1/') ? 4 : 3)
    .join('/')

/**
 * The routes that get the over-MAX_BODY_BYTES body: the first write of each router. The limit is
 * one shared middleware in front of every route, so a sample per router shows it is in place
 * everywhere; sending a megabyte to all write routes made it the bulk of the suite's runtime.
 */
function oversizeSample(ops: Operation[]): Set<string> {
  const byRouter = new Map<string, string>()
  for (const op of ops)
    if (op.method !== 'GET' && !byRouter.has(routerOf(op.path)))
      byRouter.set(routerOf(op.path), op.key)
  return new Set(byRouter.values())
}

export async function fuzzRoutes(suite: string, include: (path: string) => boolean) {
  // Routes are read from the running Worker at collection time: one test per route.
  const ops = (await listOperations()).filter((op) => include(op.path))
  const oversize = oversizeSample(ops)
  describe(`bad input on every route: ${suite}`, () => {
    let world: World
    let fixtureIds: string[]
    let service: string
    let before: Snapshot
    const maxBodyBytes = Number(inject('workerVars').MAX_BODY_BYTES ?? 1_048_576)
    const counts = emptyCounts()
    counts.tried = { routes: 0, badInputRequests: 0, undecodableRequests: 0 }
    // One queue for every route's requests. Draining each route before starting the next left the
    // Worker idle for the tail of every route (a route has 1 to 130 requests); the queue is FIFO,
    // so routes still finish in the order their tests run and wait for them.
    const limit = pLimit(CONCURRENCY)
    const problemsOf = new Map<string, Promise<string[]>>()

    /** Sends every bad request for `op` through the queue; answers the problems found. */
    async function fuzzRoute(op: Operation): Promise<string[]> {
      const jobs: { req: BadRequest; caller: 'authorized' | 'anonymous' }[] = []
      const opts = { param: paramFor(world), maxBodyBytes, oversizeBody: oversize.has(op.key) }
      const undecodable = undecodableRequests(op, opts)
      for (const req of [...badRequests(op, opts), ...undecodable]) {
        jobs.push({ req, caller: 'authorized' })
        // A huge body is refused before anyone is identified: once is enough. A secured route
        // refuses anonymous callers before validation, so one fault per part is enough there,
        // and undecodable values only matter to a caller who gets as far as decoding.
        const repeatsForAnonymous =
          op.secured && /^(body\.|query \w+: (?!missing)|\w+ \S+: undecodable)/.test(req.label)
        if (!req.label.includes('MAX_BODY_BYTES') && !repeatsForAnonymous)
          jobs.push({ req, caller: 'anonymous' })
      }
      const problems: string[] = []
      await Promise.all(
        jobs.map(({ req, caller }) =>
          limit(async () => {
            const credentials =
              caller === 'anonymous'
                ? {}
                : bearer(isInternal(op.path) ? service : world.admin.accessToken)
            const res = await send(op.method, req, { ...fromFreshIp(credentials), ...UNCOMPRESSED })
            const where = `[${caller}] ${req.label} → ${res.status}`
            if (res.status >= 500) {
              counts.unexpected5xx++
              problems.push(`${where} ${JSON.stringify(res.body).slice(0, 300)}`)
            } else if (res.status < 400) {
              if (!req.mayPass) {
                counts.unexpectedAllows++
                problems.push(`${where} accepted`)
              }
            } else if (!isErrorEnvelope(res.body)) {
              counts.notEnvelope++
              problems.push(`${where} not the error envelope: ${String(res.body).slice(0, 200)}`)
            }
          }),
        ),
      )
      counts.tried.routes!++
      const undecodableJobs = jobs.filter((j) => undecodable.includes(j.req)).length
      counts.tried.badInputRequests! += jobs.length - undecodableJobs
      counts.tried.undecodableRequests! += undecodableJobs
      return problems
    }

    beforeAll(async () => {
      world = await buildWorld()
      service = await serviceToken()
      fixtureIds = [
        ...[world.admin, world.user, world.stranger, world.host, world.otherHost]
          .concat([world.speaker, world.universityUser, world.seller])
          .map((u) => u.id),
        world.conference.id,
        world.course.id,
        world.product.id,
        world.order.id,
        world.conversationId,
        world.mediaId,
        world.jobId,
        world.notificationId,
        world.applicationId,
      ]
      before = await snapshot(fixtureIds)
      for (const op of ops) {
        const problems = fuzzRoute(op)
        // Its test awaits (and reports) a failure; until then it must not count as unhandled.
        problems.catch(() => {})
        problemsOf.set(op.key, problems)
      }
    })

    afterAll(() => writeCounts(`bad-input-${suite}`, counts))

    for (const op of ops) {
      it(`${op.key}: invalid and undecodable requests get a 4xx envelope, never a 5xx`, async () => {
        expect(await problemsOf.get(op.key)).toEqual([])
      })
    }

    it('leaves every document the suite owns or could have written unchanged', async () => {
      // A route whose test timed out may still have requests in flight.
      await Promise.allSettled(problemsOf.values())
      const changed = changes(before, await snapshot(fixtureIds))
      counts.dataChanged = changed.length
      expect(changed).toEqual([])
    })
  })
}
