// The authorization matrix: every route the Worker serves is classified in route-policy.ts, and
// each classification is checked against the running Worker — anonymous callers, every role, the
// transcoder's service token, and the "other owner" of each resource with the owner's real ids
// (IDOR attempts on conferences, courses, products, orders, conversations, media, jobs,
// notifications, Videodesk meetings, share uploads, folders and assistant chats — as cookie
// sessions — social posts, reels, stories and user playlists). Any unexpected allow fails the suite
// and is counted in the security report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLES, type Role } from '../../../shared/roles'
import { createCourse } from '../../harness/courses'
import { api } from '../../harness/http'
import { approvedSeller, createProduct } from '../../harness/marketplace'
import { signUpUser, setRole, type TestUser } from '../../harness/users'
import { bearer, fromFreshIp, serviceToken } from './lib/callers'
import { listOperations, listRoutes, routeKey } from './lib/openapi'
import { emptyCounts, writeCounts } from './lib/report'
import { mapBounded, send } from './lib/run'
import { buildOwnedWorld } from './lib/owned-world'
import { routeRequests } from './lib/route-requests'
import { buildWorld } from './lib/world'
import { ROUTE_POLICY, type AuthzWorld, type Resource, type RoutePolicy } from './route-policy'

const counts = emptyCounts()
counts.tried = { authzCases: 0, idorCases: 0 }
const REFUSED = new Set([401, 403])

let world: AuthzWorld
let rivals: { university: TestUser; seller: TestUser }
let requests: ReturnType<typeof routeRequests>
let routes: string[]

beforeAll(async () => {
  const base = await buildWorld()
  world = { ...base, ...(await buildOwnedWorld(base.user)) }
  const [university, seller] = await Promise.all([
    signUpUser({ name: 'Rival University' }).then(async (u) => {
      await setRole(u.id, 'UNIVERSITY')
      return u
    }),
    approvedSeller(),
  ])
  await Promise.all([createCourse(university), createProduct(seller)])
  rivals = { university, seller }
  requests = routeRequests(world, await listOperations())
  routes = (await listRoutes()).map((r) => routeKey(r.method, r.path))
})

afterAll(() => writeCounts('authz-matrix', counts))

const operation = (key: string) => requests.operation(key)

async function call(key: string, policy: RoutePolicy, credentials: Record<string, string>) {
  const { method, req } = requests.requestFor(key, policy)
  return send(method, req, fromFreshIp(credentials))
}

function callerOf(role: Role): TestUser {
  const byRole: Record<Role, TestUser> = {
    USER: world.user,
    HOST: world.host,
    SPEAKER: world.speaker,
    UNIVERSITY: world.universityUser,
    ADMIN: world.admin,
  }
  return byRole[role]
}

function expectNoUnexpected(problems: string[]) {
  counts.unexpectedAllows += problems.filter((p) => p.includes('allowed')).length
  counts.unexpected5xx += problems.filter((p) => p.includes('5xx')).length
  expect(problems).toEqual([])
}

describe('route policy table', () => {
  it('classifies every route the Worker serves, and nothing it does not serve', () => {
    const missing = routes.filter((r) => !ROUTE_POLICY[r])
    const stale = Object.keys(ROUTE_POLICY).filter((r) => !routes.includes(r))
    expect(missing, 'routes missing from route-policy.ts').toEqual([])
    expect(stale, 'route-policy.ts entries the Worker does not serve').toEqual([])
  })
})

describe('authentication and roles', () => {
  it('refuses anonymous callers on every route that is not public', async () => {
    const keys = Object.entries(ROUTE_POLICY).filter(([, p]) => p.access !== 'public')
    const problems: string[] = []
    await mapBounded(keys, 6, async ([key, policy]) => {
      const res = await call(key, policy, {})
      counts.tried.authzCases!++
      if (res.status >= 500) problems.push(`${key}: 5xx ${res.status}`)
      else if (res.status !== 401) problems.push(`${key}: anonymous allowed (${res.status})`)
    })
    expectNoUnexpected(problems)
  })

  it('refuses every role outside a route’s list with 403, and lets listed roles and ADMIN read', async () => {
    const cases: { key: string; policy: RoutePolicy; role: Role; allowed: boolean }[] = []
    for (const [key, policy] of Object.entries(ROUTE_POLICY)) {
      if (!Array.isArray(policy.access)) continue
      for (const role of ROLES) {
        const allowed = role === 'ADMIN' || policy.access.includes(role)
        // Allowed callers are only exercised on reads: a write would change the fixtures.
        if (allowed && operation(key).method !== 'GET') continue
        cases.push({ key, policy, role, allowed })
      }
    }
    const problems: string[] = []
    await mapBounded(cases, 6, async ({ key, policy, role, allowed }) => {
      const res = await call(key, policy, bearer(callerOf(role).accessToken))
      counts.tried.authzCases!++
      if (res.status >= 500) problems.push(`${key} as ${role}: 5xx ${res.status}`)
      else if (!allowed && res.status !== 403)
        problems.push(`${key} as ${role}: allowed (${res.status})`)
      else if (allowed && REFUSED.has(res.status))
        problems.push(`${key} as ${role}: refused (${res.status}) though the role is listed`)
    })
    expectNoUnexpected(problems)
  })

  it('lets any account past sign-in on signed-in reads', async () => {
    const keys = Object.entries(ROUTE_POLICY).filter(
      ([key, p]) => p.access === 'signed-in' && !p.owner && operation(key).method === 'GET',
    )
    const problems: string[] = []
    await mapBounded(keys, 6, async ([key, policy]) => {
      const res = await call(key, policy, bearer(world.stranger.accessToken))
      counts.tried.authzCases!++
      // 400 / 404 are the route's own answers to the fixture ids; only 401 / 403 are refusals.
      if (REFUSED.has(res.status) || res.status >= 500)
        problems.push(`${key}: refused a signed-in user (${res.status})`)
    })
    expect(problems).toEqual([])
  })

  it('admits only the transcoder’s service token on internal routes', async () => {
    const forged = await serviceToken('not-the-secret-'.repeat(4))
    const keys = Object.entries(ROUTE_POLICY).filter(([, p]) => p.access === 'service')
    const problems: string[] = []
    for (const [key, policy] of keys) {
      for (const [who, credentials] of [
        ['admin user token', bearer(world.admin.accessToken)],
        ['token signed with another secret', bearer(forged)],
      ] as const) {
        const res = await call(key, policy, credentials)
        counts.tried.authzCases!++
        if (res.status !== 401) problems.push(`${key} with ${who}: allowed (${res.status})`)
      }
    }
    expectNoUnexpected(problems)
  })
})

describe('other owners (IDOR)', () => {
  /** Videodesk accounts sign in the way the web client does: the httpOnly session cookie. */
  const cookie = (user: { accessToken: string }) => ({ cookie: `token=${user.accessToken}` })
  const credentialsOf = (who: TestUser | Record<string, string>) =>
    'accessToken' in who ? bearer(String(who.accessToken)) : who

  const otherOwner = (resource: Resource): TestUser | Record<string, string> =>
    ({
      conference: world.otherHost,
      course: rivals.university,
      enrollment: world.stranger,
      product: rivals.seller,
      order: world.stranger,
      conversation: world.stranger,
      media: world.stranger,
      job: world.stranger,
      notification: world.stranger,
      presence: world.stranger,
      meeting: cookie(world.deskOther),
      shareUpload: cookie(world.deskOther),
      folder: cookie(world.deskOther),
      assistantChat: cookie(world.deskOther),
      post: world.stranger,
      reel: world.stranger,
      story: world.stranger,
      playlist: world.stranger,
    })[resource]

  const owner = (resource: Resource): TestUser | Record<string, string> | undefined =>
    ({
      conference: world.host,
      course: world.universityUser,
      product: world.seller,
      order: world.user,
      conversation: world.user,
      media: world.user,
      job: world.user,
      notification: world.user,
      presence: world.user,
      enrollment: undefined,
      meeting: cookie(world.deskOwner),
      shareUpload: cookie(world.deskOwner),
      folder: cookie(world.deskOwner),
      assistantChat: cookie(world.deskOwner),
      post: world.user,
      reel: world.user,
      story: world.user,
      playlist: world.user,
    })[resource]

  it('refuses another owner every owned route, with the owner’s real ids', async () => {
    const keys = Object.entries(ROUTE_POLICY).filter(([, p]) => p.owner)
    const problems: string[] = []
    // Sequential: a wrongly allowed write must not race the next case's read.
    for (const [key, policy] of keys) {
      const res = await call(key, policy, credentialsOf(otherOwner(policy.owner!)))
      counts.tried.idorCases!++
      if (res.status >= 500) problems.push(`${key}: 5xx ${res.status}`)
      else if (res.status < 400) problems.push(`${key}: allowed another ${policy.owner} owner`)
      else if (![403, 404].includes(res.status))
        problems.push(`${key}: ${res.status} ${JSON.stringify(res.body)} (refusal not reached)`)
    }
    expectNoUnexpected(problems)
  })

  it('lets the owner read what another owner was refused', async () => {
    const keys = Object.entries(ROUTE_POLICY).filter(
      ([key, p]) => p.owner && owner(p.owner) && operation(key).method === 'GET',
    )
    const problems: string[] = []
    for (const [key, policy] of keys) {
      const res = await call(key, policy, credentialsOf(owner(policy.owner!)!))
      counts.tried.idorCases!++
      if (REFUSED.has(res.status)) problems.push(`${key}: owner refused (${res.status})`)
    }
    expect(problems).toEqual([])
  })

  it('leaves the owner’s meeting, upload, folder, chat, posts and playlist as they were', async () => {
    const deskOwner = cookie(world.deskOwner)
    const get = (path: string, credentials: Record<string, string>) =>
      api(path, { headers: fromFreshIp(credentials) })
    const meeting = await get(`/api/v1/meetings/${world.meeting.id}`, deskOwner)
    expect(meeting.body.meeting).toMatchObject({
      name: 'Rita Resident',
      is_archived: false,
      is_deleted: false,
      recordings: [{ _id: world.meeting.recordingId }],
      screenshots: [{ _id: world.meeting.screenshotId }],
    })
    const uploads = await get('/api/v1/uploads/my', deskOwner)
    expect(JSON.stringify(uploads.body)).toContain(world.shareUpload.id)
    const folders = await get('/api/v1/folders', deskOwner)
    expect(folders.body.folders).toContainEqual(
      expect.objectContaining({ id: world.folderId, name: 'Inspections', trashed: false }),
    )
    const chat = await get(`/api/v1/chat/sessions/${world.chatSession.id}`, deskOwner)
    expect(chat.status).toBe(200)
    expect(JSON.stringify(chat.body)).not.toContain('Taken over')
    const user = bearer(world.user.accessToken)
    const post = await get(`/api/posts/${world.post.id}`, user)
    expect(post.body.post).toMatchObject({ text: 'Hello world' })
    const comments = await get(`/api/posts/${world.post.id}/comments`, user)
    expect(JSON.stringify(comments.body)).toContain(world.post.commentId)
    expect((await get(`/api/reels/${world.reelId}`, user)).body.reel).toMatchObject({
      text: 'reel',
    })
    expect((await get(`/api/stories/${world.storyId}`, user)).status).toBe(200)
    const playlist = await get(`/api/playlists/${world.playlistId}`, user)
    expect(playlist.body.playlist).toMatchObject({ title: 'Watch later' })
  })
})
