// An identifier nobody proved never grants or links anything. The matrix: every way an account
// comes to hold someone's email or phone unproven (the planter's move) × every way the identifier
// is later proven or looked up (the owner's move). Each cell asserts who ends up signed in, which
// credentials still work, and whether the planter's sessions survived:
//   - an account nobody owns (only a password and the planted claim) is taken over by the prover:
//     same account, planted password dead, planter's sessions dead;
//   - an account someone owns by another proof (a Google link, a proven email) only loses the
//     claim: the prover gets an account of their own, the planter keeps what they proved;
//   - a proof bound to the prover's own registration gives them their own account, and the
//     planted claim is released (its sessions ended, since the claim was all it had).
import { ObjectId } from 'mongodb'
import { afterAll, describe, expect, it } from 'vitest'
import { readMail } from '../../harness/capture'
import { createCourse, university } from '../../harness/courses'
import { mint, verifyGoogle, webFlow } from '../../harness/google'
import { api } from '../../harness/http'
import {
  freshIp,
  otpFromMail,
  registerRoleUser,
  resetTokenFromMail,
  signUpUser,
  smsCode,
  testDb,
  uniqueEmail,
  uniquePhone,
} from '../../harness/users'
import { testRedis } from '../../harness/redis'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { identityCells: 0 }
afterAll(() => writeCounts('identity-proof', counts))

const PASSWORD = 'planted password 1'
const OWNER_PASSWORD = 'the owner chose this'

/** What the planter holds after planting: the account, and whatever credentials they have. */
interface Planted {
  kind: 'email' | 'phone'
  value: string
  accountId: string
  /** Whether the planter proved control of the account by other means (Google, own email). */
  owned: boolean
  password?: string
  /** The planter's own email, when they proved one (the phone planting). */
  email?: string
  accessToken?: string
  refreshToken?: string
}

const headers = () => ({ 'cf-connecting-ip': freshIp() })
const post = (path: string, json: unknown, extra: Record<string, string> = {}) =>
  api(path, { method: 'POST', json, headers: { ...headers(), ...extra } })

/** A host or speaker portal's registration: usable at once, its email an unproven claim. */
const portalRegistration =
  (portal: 'host' | 'speaker') =>
  async (email: string): Promise<Planted> => {
    const res = await post(`/api/${portal}/auth/register`, { email, password: PASSWORD, name: 'P' })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const account = { accountId: res.body.user.id, password: PASSWORD, ...tokens(res) }
    return { kind: 'email', value: email, owned: false, ...account }
  }

const EMAIL_PLANTINGS: Record<string, (email: string) => Promise<Planted>> = {
  'host registration': portalRegistration('host'),
  'speaker registration': portalRegistration('speaker'),
  async 'Videodesk registration left unverified'(email) {
    const res = await post('/api/v1/register', { email, password: PASSWORD })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return {
      kind: 'email',
      value: email,
      accountId: await idOf(email),
      owned: false,
      password: PASSWORD,
    }
  },
  async 'university registration left unverified'(email) {
    const res = await post('/api/university/auth/register', {
      email,
      password: PASSWORD,
      name: 'P',
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return {
      kind: 'email',
      value: email,
      accountId: await idOf(email),
      owned: false,
      password: PASSWORD,
    }
  },
  async 'Google account whose email Google did not verify'(email) {
    const sub = String(10n ** 20n + BigInt(Math.floor(Math.random() * 1e15)))
    const res = await verifyGoogle({ idToken: await mint({ email, email_verified: false, sub }) })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    return { kind: 'email', value: email, accountId: res.body.user.id, owned: true, ...tokens(res) }
  },
}

const tokens = (res: { body: { accessToken: string; refreshToken: string } }) => ({
  accessToken: res.body.accessToken,
  refreshToken: res.body.refreshToken,
})

async function idOf(email: string): Promise<string> {
  const doc = await (await testDb()).collection('users').findOne({ email }, { sort: { _id: -1 } })
  return doc!._id.toHexString()
}

/** What the owner ends up with: the account they are signed in to, and how to sign in again. */
interface OwnerResult {
  userId: string
  accessToken: string
  /** Signs in again with the owner's own credential; answers the account id. */
  signInAgain(): Promise<string>
}

type EmailProof = (email: string, planted: Planted) => Promise<OwnerResult | 'not-applicable'>

const loginByPassword = async (email: string, password: string) => {
  const res = await post('/api/auth/login', { email, password })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.user.id as string
}

/** The owner as a sign-in answered them, with how they sign in again. */
function signedIn(
  res: { status: number; body: { user: { id: string }; accessToken: string } },
  signInAgain: () => Promise<string>,
): OwnerResult {
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
  return { userId: res.body.user.id, accessToken: res.body.accessToken, signInAgain }
}

/** Signs in with the owner's Google account (mobile); answers the account id. */
const google = async (email: string) =>
  (await verifyGoogle({ idToken: await mint({ email }) })).body.user.id as string

const EMAIL_PROOFS: Record<string, EmailProof> = {
  async 'Google sign-in (mobile)'(email) {
    return signedIn(await verifyGoogle({ idToken: await mint({ email }) }), () => google(email))
  },
  async 'Google sign-in (web)'(email) {
    const flow = await webFlow({ email })
    const res = await api(flow.callbackPath, { headers: { ...flow.headers, cookie: flow.cookie } })
    return signedIn(res, () => google(email))
  },
  async 'Sanora email sign-up with a code'(email) {
    const user = await signUpUser({ email, password: OWNER_PASSWORD })
    return {
      userId: user.id,
      accessToken: user.accessToken,
      signInAgain: () => loginByPassword(email, OWNER_PASSWORD),
    }
  },
  async 'Videodesk registration of their own, verified'(email) {
    const previous = await latestCode(email)
    await testRedis().del(`otp-cooldown:login:${email}`)
    const reg = await post('/api/v1/register', { email, password: OWNER_PASSWORD })
    expect(reg.status, JSON.stringify(reg.body)).toBe(201)
    const otp = await otpFromMail(email, previous)
    const res = await post('/api/v1/verify', { email, otp, challenge: reg.body.challenge })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return {
      userId: res.body.user.id,
      accessToken: res.body.accessToken,
      signInAgain: () => loginByPassword(email, OWNER_PASSWORD),
    }
  },
  async "a Videodesk code the planter's sign-in sent, typed in without its binding"(
    email,
    planted,
  ) {
    if (!planted.password) return 'not-applicable'
    const previous = await latestCode(email)
    await testRedis().del(`otp-cooldown:login:${email}`)
    // The planter signs in with the planted password: the code goes to the owner's mailbox.
    const login = await post('/api/v1/login', { email, password: planted.password })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    const otp = await otpFromMail(email, previous)
    const res = await post('/api/v1/verify', { email, otp })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return {
      userId: res.body.user.id,
      accessToken: res.body.accessToken,
      signInAgain: () => google(email),
    }
  },
  async 'password reset link'(email, planted) {
    const previous = await readMail(email)
    const resets = (await testDb()).collection('password_resets')
    const resetIds = async () =>
      (await resets.find({ email }, { projection: { _id: 1 } }).toArray()).map((r) => String(r._id))
    const resetsBefore = await resetIds()
    const asked = await post('/api/v1/forgot-password', { email })
    expect(asked.status).toBe(200)
    if (planted.owned) {
      // Nobody owns the email and the only holder is someone else's account: no link is sent.
      // Shown by the state that decides it, not by waiting a while for a mail that should not
      // come: a link is made from a reset record addressed to this email, which the request
      // writes before it answers (the mail goes out after). No new record: no link on its way.
      expect(await resetIds()).toEqual(resetsBefore)
      expect((await readMail(email)).length).toBe(previous.length)
      return 'not-applicable'
    }
    const token = await resetTokenFromMail(email)
    // The check above can fail: a link that is sent comes with a new record addressed to it.
    expect((await resetIds()).filter((id) => !resetsBefore.includes(id))).toHaveLength(1)
    const reset = await post('/api/v1/reset-password', { token, password: OWNER_PASSWORD })
    expect(reset.status, JSON.stringify(reset.body)).toBe(200)
    const login = await post('/api/auth/login', { email, password: OWNER_PASSWORD })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    return {
      userId: login.body.user.id,
      accessToken: login.body.accessToken,
      signInAgain: () => loginByPassword(email, OWNER_PASSWORD),
    }
  },
}

/** The code in the newest mail to `email` (to wait for a newer one). */
async function latestCode(email: string): Promise<string | undefined> {
  const [mail] = await readMail(email)
  return /\b(\d{6})\b/.exec(mail?.text ?? '')?.[1]
}

/** Whether a proof path takes over an account nobody owns, or gives the prover their own. */
const BOUND_TO_OWN_ACCOUNT = new Set(['Videodesk registration of their own, verified'])

async function planterLockedOut(planted: Planted) {
  if (planted.accessToken) {
    expect((await api('/api/auth/profile', { token: planted.accessToken })).status).toBe(401)
    expect(
      (await post('/api/auth/refresh-token', { refreshToken: planted.refreshToken })).status,
    ).toBe(401)
  }
  if (planted.password)
    expect(
      (await post('/api/auth/login', { email: planted.value, password: planted.password })).status,
    ).toBe(401)
}

async function stored(accountId: string) {
  return (await testDb()).collection('users').findOne({ _id: new ObjectId(accountId) })
}

// Concurrent: each cell plants and proves a fresh email of its own.
describe.concurrent.each(Object.entries(EMAIL_PLANTINGS))(
  'email planted by %s',
  (_planting, plant) => {
    it.each(Object.keys(EMAIL_PROOFS))('then proven by %s', async (proofName) => {
      counts.tried.identityCells!++
      const email = uniqueEmail('owner')
      const planted = await plant(email)
      const owner = await EMAIL_PROOFS[proofName]!(email, planted)
      if (owner === 'not-applicable') {
        // The planted account is as it was: nothing was proven, nothing moved.
        expect((await stored(planted.accountId))?.email).toBe(email)
        return
      }
      // The owner is signed in, and their own credential signs them in again, to the same account.
      expect(
        (await api('/api/auth/profile', { token: owner.accessToken })).body.user,
      ).toMatchObject({
        id: owner.userId,
        email,
        emailVerified: true,
      })
      expect(await owner.signInAgain()).toBe(owner.userId)

      if (!planted.owned && !BOUND_TO_OWN_ACCOUNT.has(proofName)) {
        // Taken over: the same account, whatever the planter set wiped.
        expect(owner.userId).toBe(planted.accountId)
        await planterLockedOut(planted)
      } else {
        // The owner has an account of their own; the planted account lost the claim.
        expect(owner.userId).not.toBe(planted.accountId)
        expect((await stored(planted.accountId))?.email).toBeUndefined()
        if (planted.owned) {
          // Owned by its Google link: the planter keeps their session and their Google sign-in.
          expect((await api('/api/auth/profile', { token: planted.accessToken! })).status).toBe(200)
        } else await planterLockedOut(planted)
      }
      // Exactly one account holds the email, proven.
      const holders = await (await testDb()).collection('users').find({ email }).toArray()
      expect(holders.map((u) => [u._id.toHexString(), u.emailVerified])).toEqual([
        [owner.userId, true],
      ])
    })
  },
)

describe('phone planted at Sanora sign-up (the planter proved their own email)', () => {
  async function plantPhone(): Promise<Planted> {
    const phone = uniquePhone()
    // The sign-up's optional phone is stored as given: an unproven claim.
    const planter = await signUpUser({ phone })
    expect(await stored(planter.id)).toMatchObject({ phone, phoneVerified: false })
    return {
      kind: 'phone',
      value: phone,
      accountId: planter.id,
      owned: true,
      email: planter.email,
      password: planter.password,
      accessToken: planter.accessToken,
      refreshToken: planter.refreshToken,
    }
  }

  async function planterKeepsOwnAccount(planted: Planted) {
    const doc = await stored(planted.accountId)
    expect(doc?.phone).toBeUndefined()
    expect((await api('/api/auth/profile', { token: planted.accessToken! })).status).toBe(200)
    expect(
      (await post('/api/auth/login', { email: planted.email, password: planted.password })).status,
    ).toBe(200)
  }

  it('then proven by phone sign-up: the owner gets an account of their own', async () => {
    counts.tried.identityCells!++
    const planted = await plantPhone()
    const phone = planted.value
    expect((await post('/api/auth/send-phone-otp-signup', { phone })).status).toBe(200)
    const res = await post('/api/auth/verify-phone-otp-signup', {
      phone,
      otp: await smsCode(phone),
    })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body.user.id).not.toBe(planted.accountId)
    expect(res.body.user).toMatchObject({ phone, phoneVerified: true })
    await planterKeepsOwnAccount(planted)
  })

  it("then proven by a phone change on the owner's account", async () => {
    counts.tried.identityCells!++
    const planted = await plantPhone()
    const phone = planted.value
    const owner = await signUpUser()
    const as = { token: owner.accessToken, headers: headers() }
    expect(
      (await api('/api/user/phone/send-otp', { method: 'POST', json: { phone }, ...as })).status,
    ).toBe(200)
    const res = await api('/api/user/phone/verify-otp', {
      method: 'POST',
      json: { phone, otp: await smsCode(phone) },
      ...as,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.user).toMatchObject({ id: owner.id, phone, phoneVerified: true })
    await planterKeepsOwnAccount(planted)
  })

  it('then proven on the direct /verify-otp: nothing is linked or signed in', async () => {
    counts.tried.identityCells!++
    const planted = await plantPhone()
    const phone = planted.value
    expect((await post('/send-otp', { phone })).status).toBe(200)
    const res = await post('/verify-otp', { phone, otp: await smsCode(phone) })
    expect(res.status).toBe(200)
    expect(res.body.accessToken).toBeUndefined()
    expect((await stored(planted.accountId))?.phone).toBe(phone)
  })

  it('reserves nothing: the same number can be planted twice and still proven by its owner', async () => {
    counts.tried.identityCells!++
    const first = await plantPhone()
    const phone = first.value
    await signUpUser({ phone })
    await post('/api/auth/send-phone-otp-signup', { phone })
    const res = await post('/api/auth/verify-phone-otp-signup', {
      phone,
      otp: await smsCode(phone),
    })
    expect(res.status).toBe(201)
    const holders = await (await testDb()).collection('users').find({ phone }).toArray()
    expect(holders.map((u) => u._id.toHexString())).toEqual([res.body.user.id])
  })
})

describe('role grants by email attach only to a proven email', () => {
  it('a speaker listed by email: not the planted account; the owner once proven', async () => {
    counts.tried.identityCells!++
    const email = uniqueEmail('speaker')
    const planted = await EMAIL_PLANTINGS['speaker registration']!(email)
    const host = await registerRoleUser('host')
    const created = await api('/api/conference', {
      method: 'POST',
      token: host.accessToken,
      json: { title: 'Talks', speakers: [{ name: 'Speaker', email }] },
    })
    const id = created.body.conference.id
    const asSpeaker = (token: string) =>
      api(`/api/conference/${id}/questions`, {
        method: 'POST',
        token,
        json: { text: 'Ready?', options: ['yes', 'no'] },
      })
    // The planter holds the email unproven: no speaker rights (the conference is not even visible).
    expect([403, 404]).toContain((await asSpeaker(planted.accessToken!)).status)
    // The owner proves the email (Google): the pending grant attaches to the account they hold.
    const owner = await EMAIL_PROOFS['Google sign-in (mobile)']!(email, planted)
    if (owner === 'not-applicable') throw new Error('unreachable')
    const grant = await api(`/api/conference/${id}`, { token: owner.accessToken })
    expect(grant.status).toBe(200)
    expect(grant.body.conference.speakers).toEqual([{ name: 'Speaker', userId: owner.userId }])
    await planterLockedOut(planted)
  })

  it('a course invitation by email: not the planted account; the owner once proven', async () => {
    counts.tried.identityCells!++
    const email = uniqueEmail('student')
    const planted = await EMAIL_PLANTINGS['host registration']!(email)
    const uni = await university()
    const course = await createCourse(uni, { enrollment: 'invite-only' })
    const invited = await api(`/api/courses/${course.id}/invites`, {
      method: 'POST',
      token: uni.accessToken,
      json: { emails: [email] },
    })
    expect(invited.status).toBe(200)
    const enroll = (token: string) =>
      api(`/api/courses/${course.id}/enroll`, { method: 'POST', token })
    expect((await enroll(planted.accessToken!)).status).toBe(403)
    const owner = await signUpUser({ email })
    expect((await enroll(owner.accessToken)).status).toBe(201)
  })

  it('the admin command grants a role only to the proven holder of an email', async () => {
    counts.tried.identityCells!++
    const email = uniqueEmail('admin')
    const planted = await EMAIL_PLANTINGS['host registration']!(email)
    const db = await testDb()
    // What `npm run user:role` runs (worker/db/cli-user-role.ts): the filter is the promise.
    const { stdout } = await runUserRole(email, 'ADMIN')
    expect(stdout).toContain('no account has proven the email')
    expect(
      (await db.collection('users').findOne({ _id: new ObjectId(planted.accountId) }))?.role,
    ).toBe('HOST')
  })
})

async function runUserRole(email: string, role: string) {
  const { execFile } = await import('node:child_process')
  const { promisify } = await import('node:util')
  const { inject } = await import('vitest')
  return promisify(execFile)('npx', ['tsx', 'worker/db/cli-user-role.ts', email, role], {
    env: {
      ...process.env,
      MONGODB_URI: inject('workerVars').MONGODB_URI,
      MONGODB_DB: inject('workerVars').MONGODB_DB,
    },
  }).catch((error: { stdout: string; stderr: string }) => error)
}

describe('a code bound to its registration', () => {
  it("binds only to its own address: another address's code with it proves nothing for the bound account", async () => {
    counts.tried.identityCells!++
    const [mine, theirs] = [uniqueEmail('bound'), uniqueEmail('other')]
    const bound = await post('/api/v1/register', { email: mine, password: PASSWORD })
    expect(bound.status).toBe(201)
    const other = await post('/api/v1/register', { email: theirs, password: OWNER_PASSWORD })
    expect(other.status).toBe(201)
    const boundId = await idOf(mine)
    // Their code, with my registration's challenge: the challenge does not carry over.
    const res = await post('/api/v1/verify', {
      email: theirs,
      otp: await otpFromMail(theirs),
      challenge: bound.body.challenge,
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(res.body.user.id).not.toBe(boundId)
    expect(await stored(boundId)).toMatchObject({ email: mine, emailVerified: false })
  })
})
