// Creates users through the real API (OTP read from the captured mail) and hands back their
// tokens; plus direct database access for what no API does (deactivating, ageing records).
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { inject, vi } from 'vitest'
import { readMail, readSms } from './capture'
import { api } from './http'

/** A distinct client IP per caller, so per-IP rate limits of one test never touch another. */
export const freshIp = () => `10.${rnd()}.${rnd()}.${rnd()}`
const rnd = () => Math.floor(Math.random() * 254) + 1
export const uniqueEmail = (tag = 'user') => `${tag}-${randomBytes(6).toString('hex')}@example.test`

/** Waits for the newest code mailed to `email` that is not `previous`. */
export function otpFromMail(email: string, previous?: string, timeoutMs = 5000): Promise<string> {
  return vi.waitFor(
    async () => {
      const [latest] = await readMail(email)
      const code = latest && /\b(\d{6})\b/.exec(latest.text ?? '')?.[1]
      if (!code || code === previous) throw new Error(`no OTP mailed to ${email}`)
      return code
    },
    { timeout: timeoutMs, interval: 50 },
  )
}

export interface TestUser {
  id: string
  email: string
  password: string
  accessToken: string
  refreshToken: string
  ip: string
}

/** Sanora email sign-up: send OTP → read it from mail → verify → sign up. */
export async function signUpUser(
  opts: { email?: string; password?: string; name?: string; phone?: string } = {},
): Promise<TestUser> {
  const email = opts.email ?? uniqueEmail()
  const password = opts.password ?? 'correct horse battery'
  const ip = freshIp()
  const headers = { 'cf-connecting-ip': ip }
  const sent = await api('/api/auth/send-otp-signup', { method: 'POST', json: { email }, headers })
  if (sent.status !== 200)
    throw new Error(`send-otp-signup: ${sent.status} ${JSON.stringify(sent.body)}`)
  const otp = await otpFromMail(email)
  const verified = await api('/api/auth/verify-otp-signup', {
    method: 'POST',
    json: { email, otp },
    headers,
  })
  if (verified.status !== 200)
    throw new Error(`verify-otp-signup: ${verified.status} ${JSON.stringify(verified.body)}`)
  const res = await api('/api/auth/signup', {
    method: 'POST',
    json: {
      email,
      password,
      name: opts.name ?? 'Test User',
      ...(opts.phone ? { phone: opts.phone } : {}),
    },
    headers,
  })
  if (res.status !== 201) throw new Error(`signup: ${res.status} ${JSON.stringify(res.body)}`)
  return {
    id: res.body.user.id,
    email,
    password,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    ip,
  }
}

/** Registers an account of a portal role (HOST or SPEAKER) and answers its tokens. */
export async function registerRoleUser(role: 'host' | 'speaker'): Promise<TestUser> {
  const email = uniqueEmail(role)
  const password = 'correct horse battery'
  const ip = freshIp()
  const res = await api(`/api/${role}/auth/register`, {
    method: 'POST',
    json: { email, password, name: `Test ${role}` },
    headers: { 'cf-connecting-ip': ip },
  })
  if (res.status !== 201)
    throw new Error(`${role} register: ${res.status} ${JSON.stringify(res.body)}`)
  return {
    id: res.body.user.id,
    email,
    password,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    ip,
  }
}

let client: MongoClient | undefined
/** The test run's database, through the official driver. */
export async function testDb(): Promise<Db> {
  client ??= await new MongoClient(inject('workerVars').MONGODB_URI!).connect()
  return client.db(inject('workerVars').MONGODB_DB)
}

/** Signs in again as `user` from a new device (a new session family). */
export async function loginAgain(user: Pick<TestUser, 'email' | 'password'>) {
  const res = await api('/api/auth/login', {
    method: 'POST',
    json: { email: user.email, password: user.password },
    headers: { 'cf-connecting-ip': freshIp() },
  })
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { accessToken: string; refreshToken: string }
}

/** Gives an existing user another role directly in the database (there is no self-service path). */
export async function setRole(userId: string, role: string) {
  const { ObjectId } = await import('mongodb')
  await (
    await testDb()
  )
    .collection('users')
    .updateOne({ _id: new ObjectId(userId) }, { $set: { role } })
}

/** The session (refresh-token family) an access token was issued under: its `sid` claim. */
export function sessionOf(accessToken: string): string {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString())
  return payload.sid
}

/** The identity a room sees for `user`'s session, for tests that sign tickets themselves. */
export const accountIdentityOf = (
  user: Pick<TestUser, 'id' | 'accessToken'>,
  role = 'USER',
  name?: string,
) => ({
  subject: user.id,
  kind: 'user' as const,
  role,
  session: sessionOf(user.accessToken),
  ...(name === undefined ? {} : { name }),
})

/** Waits for the newest password-reset link mailed to `email` that is not `previous`. */
export function resetTokenFromMail(email: string, previous?: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const [latest] = await readMail(email)
      const token = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(latest?.text ?? '')?.[1]
      if (!token || token === previous) throw new Error(`no reset link mailed to ${email}`)
      return token
    },
    { timeout: 5000, interval: 50 },
  )
}

/** Proves a signed-in account's email with the code mailed to it (registrations leave it unproven). */
export async function proveEmail(user: Pick<TestUser, 'email' | 'accessToken' | 'ip'>) {
  const [previous] = await readMail(user.email)
  const headers = { 'cf-connecting-ip': user.ip }
  const sent = await api('/api/user/email/send-otp', {
    method: 'POST',
    token: user.accessToken,
    headers,
  })
  if (sent.status !== 200)
    throw new Error(`email send-otp: ${sent.status} ${JSON.stringify(sent.body)}`)
  const otp = await otpFromMail(user.email, /\b(\d{6})\b/.exec(previous?.text ?? '')?.[1])
  const res = await api('/api/user/email/verify-otp', {
    method: 'POST',
    token: user.accessToken,
    json: { otp },
    headers,
  })
  if (res.status !== 200)
    throw new Error(`email verify-otp: ${res.status} ${JSON.stringify(res.body)}`)
}

export const uniquePhone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`

/** Waits for the newest code texted to `phone` (the Twilio fake's captured SMS). */
export function smsCode(phone: string, previous?: string): Promise<string> {
  return vi.waitFor(
    async () => {
      const [latest] = await readSms(phone)
      const code = latest && /\b(\d{6})\b/.exec(latest.body)?.[1]
      if (!code || code === previous) throw new Error(`no SMS to ${phone}`)
      return code
    },
    { timeout: 5000, interval: 50 },
  )
}
