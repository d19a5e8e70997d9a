// The cross-site request forgery matrix. Every route that accepts the Videodesk session cookie and
// can change something — generated from the running Worker's route list and route-policy.ts: each
// write whose access is not 'public' or 'service', plus the state-changing GETs of
// worker/middleware/csrf.ts — is called with the cookie from the API's own origin, from an origin
// in CORS_ORIGINS, from a foreign origin, and from a page that sends only `Sec-Fetch-Site:
// cross-site`, and with a Bearer token from a foreign origin. Forged calls must get 403
// CSRF_REJECTED in the error envelope and change nothing; the others must never be refused by the
// check (any other answer is fine: the bodies are samples).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { STATE_CHANGING_GETS, isStateChanging } from '../../../worker/middleware/csrf'
import { readMail } from '../../harness/capture'
import { api, workerUrl } from '../../harness/http'
import { newRoomId } from '../../harness/meetings'
import { uniqueEmail } from '../../harness/users'
import { videodeskUser } from '../../harness/videodesk'
import { bearer, fromFreshIp } from './lib/callers'
import { listOperations, listRoutes, routeKey } from './lib/openapi'
import { buildOwnedWorld } from './lib/owned-world'
import { emptyCounts, writeCounts } from './lib/report'
import { routeRequests } from './lib/route-requests'
import { isErrorEnvelope, mapBounded, send } from './lib/run'
import { changes, snapshot } from './lib/snapshot'
import { buildWorld } from './lib/world'
import { ROUTE_POLICY, type AuthzWorld, type Resource, type RoutePolicy } from './route-policy'

const counts = emptyCounts()
counts.tried = { csrfRefusals: 0, csrfAllowed: 0 }

const FOREIGN = 'http://evil.test'

interface Caller {
  accessToken: string
}

/** One column of the matrix: the headers a caller sends, and whether the check must refuse them. */
interface Column {
  name: string
  headers: (caller: Caller) => Record<string, string>
  refused: boolean
  /** Only for the state-changing GETs, which are checked with or without a cookie. */
  getsOnly?: boolean
}

const cookie = (caller: Caller) => ({ cookie: `token=${caller.accessToken}` })

function columns(self: string, allowed: string): Column[] {
  return [
    {
      name: 'same origin',
      headers: (u) => ({ ...cookie(u), origin: self, 'sec-fetch-site': 'same-origin' }),
      refused: false,
    },
    {
      name: `allowed origin ${allowed}`,
      headers: (u) => ({ ...cookie(u), origin: allowed, 'sec-fetch-site': 'cross-site' }),
      refused: false,
    },
    {
      name: 'foreign origin',
      headers: (u) => ({ ...cookie(u), origin: FOREIGN, 'sec-fetch-site': 'cross-site' }),
      refused: true,
    },
    {
      name: 'no Origin, Sec-Fetch-Site: cross-site',
      headers: (u) => ({ ...cookie(u), 'sec-fetch-site': 'cross-site' }),
      refused: true,
    },
    {
      name: 'Bearer from a foreign origin',
      headers: (u) => ({
        ...bearer(u.accessToken),
        origin: FOREIGN,
        'sec-fetch-site': 'cross-site',
      }),
      refused: false,
    },
    {
      name: 'foreign origin without a cookie',
      headers: () => ({ origin: FOREIGN, 'sec-fetch-site': 'cross-site' }),
      refused: true,
      getsOnly: true,
    },
  ]
}

let world: AuthzWorld
let requests: ReturnType<typeof routeRequests>
let routes: string[]
/** The matrix's rows: every cookie-accepting route that can change something. */
let cookieRoutes: string[]
let matrix: Column[]

const split = (key: string) => key.split(' ') as [string, string]

beforeAll(async () => {
  const base = await buildWorld()
  world = { ...base, ...(await buildOwnedWorld(base.user)) }
  requests = routeRequests(world, await listOperations())
  routes = (await listRoutes()).map((r) => routeKey(r.method, r.path))
  cookieRoutes = routes.filter((key) => {
    const [method, path] = split(key)
    const access = ROUTE_POLICY[key]?.access
    if (!isStateChanging(method, path)) return false
    return STATE_CHANGING_GETS.has(path) || (access !== 'public' && access !== 'service')
  })
  const allowed = (inject('workerVars').CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .find((o) => o && o !== '*')
  if (!allowed) throw new Error('the test Worker needs a named origin in CORS_ORIGINS')
  matrix = columns(new URL(workerUrl()).origin, allowed)
})

afterAll(() => writeCounts('csrf-matrix', counts))

/** Who calls a route: the resource's owner or a holder of the route's role, so a forged call aims
 * at data the cookie's owner can really change. */
function callerOf(key: string, policy: RoutePolicy): Caller {
  const owners: Record<Resource, Caller> = {
    conference: world.host,
    course: world.universityUser,
    enrollment: world.user,
    product: world.seller,
    order: world.user,
    conversation: world.user,
    media: world.user,
    job: world.user,
    notification: world.user,
    presence: world.user,
    meeting: world.deskOwner,
    shareUpload: world.deskOwner,
    folder: world.deskOwner,
    assistantChat: world.deskOwner,
    post: world.user,
    reel: world.user,
    story: world.user,
    playlist: world.user,
  }
  if (policy.owner) return owners[policy.owner]
  if (Array.isArray(policy.access)) {
    const byRole = {
      USER: world.user,
      HOST: world.host,
      SPEAKER: world.speaker,
      UNIVERSITY: world.universityUser,
      ADMIN: world.admin,
    }
    return byRole[policy.access[0]!]
  }
  return split(key)[1].startsWith('/api/v1/') ? world.deskOwner : world.user
}

function call(key: string, column: Column) {
  // An unclassified route (the first test fails on it) is still called, as a signed-in one.
  const policy: RoutePolicy = ROUTE_POLICY[key] ?? { access: 'signed-in' }
  const { method, req } = requests.requestFor(key, policy)
  return send(method, req, fromFreshIp(column.headers(callerOf(key, policy))))
}

const appliesTo = (key: string, column: Column) =>
  !column.getsOnly || STATE_CHANGING_GETS.has(split(key)[1])

const isCsrfRefusal = (res: { status: number; body: unknown }) =>
  res.status === 403 && (res.body as { code?: unknown })?.code === 'CSRF_REJECTED'

function fixtureIds(): string[] {
  const w = world
  const people: { id: string }[] = [w.admin, w.user, w.stranger, w.host, w.otherHost, w.speaker]
  people.push(w.universityUser, w.seller, w.deskOwner, w.deskOther)
  return [
    ...people.map((u) => u.id),
    w.conference.id,
    w.course.id,
    w.product.id,
    w.order.id,
    w.conversationId,
    w.mediaId,
    w.jobId,
    w.notificationId,
    w.applicationId,
    w.meeting.id,
    w.shareUpload.id,
    w.folderId,
    w.otherFolderId,
    w.chatSession.id,
    w.post.id,
    w.reelId,
    w.storyId,
    w.playlistId,
  ]
}

describe('the matrix covers every cookie-accepting route that changes something', () => {
  it('is generated from the routes the Worker serves, each classified in route-policy.ts', () => {
    expect(
      routes.filter((key) => !ROUTE_POLICY[key]),
      'routes missing from route-policy.ts',
    ).toEqual([])
    for (const path of STATE_CHANGING_GETS) {
      expect(routes, 'a state-changing GET the Worker does not serve').toContain(`GET ${path}`)
      expect(cookieRoutes).toContain(`GET ${path}`)
    }
    expect(cookieRoutes).toEqual(
      expect.arrayContaining([
        'POST /api/friend/request/:id/accept',
        'PUT /api/v1/user/update',
        'POST /api/auth/logout',
        'PATCH /api/admin/users/:id',
      ]),
    )
    expect(cookieRoutes.filter((key) => split(key)[0] === 'GET').sort()).toEqual(
      [...STATE_CHANGING_GETS].map((path) => `GET ${path}`).sort(),
    )
  })
})

describe('cross-site requests with the session cookie', () => {
  it('are refused with 403 CSRF_REJECTED in the envelope on every route, and change nothing', async () => {
    // Public and service writes read no session of their own, but the check does not depend on
    // the route: one carrying the cookie is refused all the same.
    const otherWrites = routes.filter(
      (key) => !cookieRoutes.includes(key) && isStateChanging(...split(key)),
    )
    const cases = [...cookieRoutes, ...otherWrites].flatMap((key) =>
      matrix
        .filter((column) => column.refused && appliesTo(key, column))
        .map((column) => ({ key, column })),
    )
    const ids = fixtureIds()
    const before = await snapshot(ids)
    const problems: string[] = []
    await mapBounded(cases, 6, async ({ key, column }) => {
      const res = await call(key, column)
      counts.tried.csrfRefusals!++
      const where = `${key} [${column.name}] → ${res.status}`
      if (res.status >= 500) {
        counts.unexpected5xx++
        problems.push(`${where}: 5xx`)
      } else if (!isCsrfRefusal(res)) {
        counts.unexpectedAllows++
        problems.push(`${where}: not refused ${JSON.stringify(res.body).slice(0, 200)}`)
      } else if (
        !isErrorEnvelope(res.body) ||
        typeof (res.body as { requestId?: unknown }).requestId !== 'string'
      ) {
        counts.notEnvelope++
        problems.push(`${where}: not the error envelope`)
      }
    })
    const changed = changes(before, await snapshot(ids))
    counts.dataChanged = changed.length
    expect(problems).toEqual([])
    expect(changed, 'documents changed by refused requests').toEqual([])
    // The refused logouts ended nothing: the sessions still work.
    expect((await world.deskOwner.call('/api/v1/me')).status).toBe(200)
    expect((await api('/api/auth/profile', { token: world.user.accessToken })).status).toBe(200)
  })

  it('send no invite from another site, while the same request from the API’s own page does', async () => {
    const desk = await videodeskUser('Ines Inviter')
    const email = uniqueEmail('resident')
    const path = `/api/v1/send-token?${new URLSearchParams({ email, roomId: newRoomId() })}`
    const forged = await desk.call(path, {
      headers: { origin: FOREIGN, 'sec-fetch-site': 'cross-site' },
    })
    expect(forged.status).toBe(403)
    expect(forged.body).toMatchObject({ success: false, code: 'CSRF_REJECTED' })
    const navigated = await desk.call(path, { headers: { 'sec-fetch-site': 'cross-site' } })
    expect(navigated.body).toMatchObject({ code: 'CSRF_REJECTED' })
    expect(await readMail(email)).toEqual([])

    // No pause to let a mail of the refused requests turn up: the accepted request is the barrier.
    // Invites are mailed before the request answers, so a mail of theirs would have reached the
    // mailbox before this one's; it holds exactly one invite, and that is this request's link.
    const own = await desk.call(path, { headers: { 'sec-fetch-site': 'same-origin' } })
    expect(own.status, JSON.stringify(own.body)).toBe(200)
    await expect.poll(async () => (await readMail(email)).length).toBe(1)
    expect((await readMail(email))[0].text).toContain(own.body.token)
  })
})

describe('callers the check trusts', () => {
  it('the API’s own origin, an allowed origin and Bearer tokens are never refused as forgeries', async () => {
    // Sequential, and logouts last: allowed writes really run, and a logout ends the caller's
    // session (later calls then answer 401, which is not a CSRF refusal either).
    const keys = [...cookieRoutes].sort(
      (a, b) => Number(a.includes('/logout')) - Number(b.includes('/logout')),
    )
    const problems: string[] = []
    for (const key of keys) {
      for (const column of matrix.filter((c) => !c.refused && appliesTo(key, c))) {
        const res = await call(key, column)
        counts.tried.csrfAllowed!++
        if (isCsrfRefusal(res)) problems.push(`${key} [${column.name}]: refused as a forgery`)
      }
    }
    expect(problems).toEqual([])
  })
})
