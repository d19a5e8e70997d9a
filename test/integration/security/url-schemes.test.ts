// URL fields take http and https only. Every URL field of every request body is read from the
// running Worker's OpenAPI document (lib/url-fields.ts) and sent link schemes a browser would run
// or open — `javascript:`, `data:`, `vbscript:`, `file:`, and the same hidden behind whitespace or
// capitals — each of which must be a 400 VALIDATION_ERROR naming the field, changing no stored
// document; an https URL must then be accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminUser } from '../../harness/marketplace'
import { signUpUser, type TestUser } from '../../harness/users'
import { FUZZ_MARK, sample } from './lib/bad-inputs'
import { bearer, fromFreshIp, isInternal, serviceToken } from './lib/callers'
import { listOperations, type Operation } from './lib/openapi'
import { emptyCounts, writeCounts } from './lib/report'
import { isErrorEnvelope, send } from './lib/run'
import { changes, snapshot, type Snapshot } from './lib/snapshot'
import {
  fieldLabel,
  unmarkedUrlLikeFields,
  urlFields,
  withField,
  type BodyField,
} from './lib/url-fields'
import { ROUTE_POLICY } from './route-policy'

const BAD_URLS: [string, string][] = [
  ['javascript:', 'javascript:alert(1)'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['vbscript:', 'vbscript:msgbox(1)'],
  ['file:', 'file:///etc/passwd'],
  ['javascript: after a space', ' javascript:alert(1)'],
  ['JAVASCRIPT: in capitals', 'JAVASCRIPT:alert(1)'],
  // Browsers drop tabs and newlines inside a URL before reading its scheme.
  ['javascript: split by a tab', 'java\tscript:alert(1)'],
]
const GOOD_URL = `https://example.test/${FUZZ_MARK}/picture.png`

/** Bodies for routes whose generated sample alone is refused for another reason. */
const BASE_BODY: Record<string, (caller: TestUser) => unknown> = {
  'POST /api/marketplace/seller/apply': (caller) => ({
    storeName: `${FUZZ_MARK} store`,
    contact: { email: caller.email },
  }),
}

const ops = await listOperations()
const fields = urlFields(ops)
const counts = emptyCounts()
counts.tried = { urlFields: fields.length, urlRequests: 0 }

let user: TestUser
let admin: TestUser
let service: string
let before: Snapshot

beforeAll(async () => {
  ;[user, admin, service] = await Promise.all([signUpUser(), adminUser(), serviceToken()])
  before = await snapshot([user.id, admin.id])
})

afterAll(() => writeCounts('url-schemes', counts))

/** Who passes the route's authentication and role checks, so validation is what answers. */
function credentials(op: Operation) {
  if (isInternal(op.path)) return bearer(service)
  const access = ROUTE_POLICY[op.key]?.access
  return bearer((Array.isArray(access) ? admin : user).accessToken)
}

function sendWithUrl(field: BodyField, url: string) {
  if (/:\w+/.test(field.op.path))
    throw new Error(`${field.op.key}: give its path parameters a fixture in url-schemes.test.ts`)
  const base = BASE_BODY[field.op.key]?.(user) ?? sample(field.op.body!)
  counts.tried.urlRequests!++
  return send(
    field.op.method,
    {
      label: url,
      path: field.op.path,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(withField(base, field.path, url)),
    },
    fromFreshIp(credentials(field.op)),
  )
}

describe('URL fields accept http and https only', () => {
  it('finds the URL fields, and every field named like a URL uses the shared URL schema', () => {
    expect(fields.map(fieldLabel)).toContain('PUT /api/user/profile body.profileImage')
    expect(unmarkedUrlLikeFields(ops).map(fieldLabel)).toEqual([])
  })

  for (const field of fields) {
    it(`${fieldLabel(field)}: other schemes are a 400 VALIDATION_ERROR naming the field`, async () => {
      const problems: string[] = []
      for (const [label, url] of BAD_URLS) {
        const res = await sendWithUrl(field, url)
        const body = res.body as { code?: string; details?: { path: string }[] }
        const named = body.details?.some((d) => d.path === field.path.join('.'))
        if (res.status >= 500) counts.unexpected5xx++
        else if (res.status < 400) counts.unexpectedAllows++
        else if (!isErrorEnvelope(body)) counts.notEnvelope++
        if (res.status !== 400 || body.code !== 'VALIDATION_ERROR' || !named)
          problems.push(`${label} → ${res.status} ${JSON.stringify(body).slice(0, 300)}`)
      }
      expect(problems).toEqual([])
    })
  }

  it('the refusals changed no stored document', async () => {
    const changed = changes(before, await snapshot([user.id, admin.id]))
    counts.dataChanged = changed.length
    expect(changed).toEqual([])
  })

  for (const field of fields) {
    it(`${fieldLabel(field)}: an https URL is accepted`, async () => {
      const res = await sendWithUrl(field, GOOD_URL)
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(200)
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
    })
  }

  it('the accepted URLs were stored where the refusals were looked for', async () => {
    const after = await snapshot([user.id, admin.id])
    expect(changes(before, after).length).toBeGreaterThan(0)
  })
})
