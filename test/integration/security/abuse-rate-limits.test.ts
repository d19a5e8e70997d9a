// Abuse: a concurrent burst from one client (IP, account or socket) against every rate-limited
// surface — sign-in, OTP codes, share-code guessing, messaging and voting — is cut off at the
// limit with 429 / RATE_LIMITED, while another client doing the same thing right after is served.
// (auth-rate-limits.test.ts covers the sequential sign-in cases and Retry-After in detail.)
import { afterAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../../worker/auth/limits'
import { CODE_MISS_LIMIT } from '../../../worker/conference/by-code'
import { chatSocket, directChat } from '../../harness/chat'
import { createConference, joinAudience, staffSocket } from '../../harness/conference'
import { api } from '../../harness/http'
import { freshIp, signUpUser, uniqueEmail, type TestUser } from '../../harness/users'
import type { TestSocket } from '../../harness/ws'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { abuseCases: 0, abuseRequests: 0 }
afterAll(() => writeCounts('abuse-rate-limits', counts))

const post = (path: string, json: unknown, ip: string, token?: string) =>
  api(path, {
    method: 'POST',
    json,
    headers: { 'cf-connecting-ip': ip },
    ...(token ? { token } : {}),
  })

type Outcome = 'served' | 'limited'

/**
 * Fires `times` attempts at once; at most `limit` may be served, the rest must be limited. Then
 * `control` — another client — must be served.
 */
async function holdsUnderBurst(opts: {
  times: number
  limit: number
  attempt: (i: number) => Promise<Outcome | string>
  control: () => Promise<Outcome | string>
}) {
  counts.tried.abuseCases!++
  counts.tried.abuseRequests! += opts.times + 1
  const outcomes = await Promise.all(Array.from({ length: opts.times }, (_, i) => opts.attempt(i)))
  const served = outcomes.filter((o) => o === 'served').length
  const unexpected = outcomes.filter((o) => o !== 'served' && o !== 'limited')
  if (served > opts.limit) counts.unexpectedAllows += served - opts.limit
  expect(unexpected).toEqual([])
  expect(served).toBeLessThanOrEqual(opts.limit)
  expect(outcomes.filter((o) => o === 'limited').length).toBeGreaterThanOrEqual(
    opts.times - opts.limit,
  )
  expect(await opts.control()).toBe('served')
}

/** 429 is "limited"; `servedStatuses` (the answers of an unlimited attempt) are "served". */
const outcome =
  (...servedStatuses: number[]) =>
  (res: { status: number }): Outcome | string =>
    res.status === 429
      ? 'limited'
      : servedStatuses.includes(res.status)
        ? 'served'
        : `${res.status}`

describe('HTTP rate limits under a concurrent burst', () => {
  it('sign-in: one IP guessing passwords is cut off; another IP signs in', async () => {
    const ip = freshIp()
    const user = await signUpUser()
    await holdsUnderBurst({
      times: LIMITS.login.limit + 10,
      limit: LIMITS.login.limit,
      attempt: async () =>
        outcome(401)(
          await post('/api/auth/login', { email: uniqueEmail(), password: 'wrong-guess' }, ip),
        ),
      control: async () =>
        outcome(200)(
          await post('/api/auth/login', { email: user.email, password: user.password }, freshIp()),
        ),
    })
  })

  it("registration's 409: probing one email from many IPs is cut off per email; another registers", async () => {
    // Only an email proven by an account answers 409 (the seeds' contract); unproven claims don't.
    const { email } = await signUpUser()
    const register = (address: string, ip: string) =>
      post('/api/host/auth/register', { email: address, password: 'probe password', name: 'P' }, ip)
    await holdsUnderBurst({
      times: LIMITS.register.limit + 10,
      limit: LIMITS.register.limit,
      attempt: async () => outcome(409)(await register(email, freshIp())),
      control: async () => outcome(201)(await register(uniqueEmail(), freshIp())),
    })
  })

  it('OTP sending: one IP requesting codes is cut off; another IP gets one', async () => {
    const ip = freshIp()
    await holdsUnderBurst({
      times: LIMITS.otpSend.limit + 10,
      limit: LIMITS.otpSend.limit,
      attempt: async () =>
        outcome(200)(await post('/api/auth/send-otp-signup', { email: uniqueEmail() }, ip)),
      control: async () =>
        outcome(200)(await post('/api/auth/send-otp-signup', { email: uniqueEmail() }, freshIp())),
    })
  })

  it('OTP verification: guessing one email’s code is cut off; another email is still checked', async () => {
    const email = uniqueEmail()
    await post('/api/auth/send-otp-signup', { email }, freshIp())
    await holdsUnderBurst({
      times: LIMITS.otpVerify.limit + 10,
      limit: LIMITS.otpVerify.limit,
      // From many IPs: the per-email limit is what holds.
      attempt: async () =>
        outcome(400)(
          await post('/api/auth/verify-otp-signup', { email, otp: '000000' }, freshIp()),
        ),
      control: async () =>
        outcome(400)(
          await post(
            '/api/auth/verify-otp-signup',
            { email: uniqueEmail(), otp: '000000' },
            freshIp(),
          ),
        ),
    })
  })

  it('share codes: one IP guessing codes is cut off, even for the right code; another IP joins', async () => {
    const conf = await createConference()
    const ip = freshIp()
    // Codes never issued (the alphabet has no I, O, 0 or 1, but these pass validation).
    const guess = (i: number) => `ZZ${String(2 + (i % 8))}${'ABCDEFGHJK'[i % 10]}${'XY'[i % 2]}Q`
    await holdsUnderBurst({
      times: CODE_MISS_LIMIT.limit + 10,
      limit: CODE_MISS_LIMIT.limit,
      attempt: async (i) =>
        outcome(404)(
          await api(`/api/conference/by-code/${guess(i)}`, { headers: { 'cf-connecting-ip': ip } }),
        ),
      control: async () =>
        outcome(200)(await post(`/api/conference/by-code/${conf.code}/join`, {}, freshIp())),
    })
    // The guesser's IP is refused even when it finally hits the right code.
    const hit = await post(`/api/conference/by-code/${conf.code}/join`, {}, ip)
    expect(hit.status).toBe(429)
    expect(Number(hit.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  it('messaging: one sender flooding a conversation is cut off; the other member still sends', async () => {
    const [a, b] = await Promise.all([signUpUser(), signUpUser()])
    const conversationId = await directChat(a, b)
    const send = (user: TestUser, text: string) =>
      post('/api/chat/message', { conversationId, text }, user.ip, user.accessToken)
    await holdsUnderBurst({
      times: 80,
      // The room's own per-sender bucket (a burst of 20) cuts in before the REST limit of 60.
      limit: 60,
      attempt: async (i) => outcome(201)(await send(a, `flood ${i}`)),
      control: async () => outcome(201)(await send(b, 'still here')),
    })
  })
})

describe('room rate limits under a burst', () => {
  /** Sends frames at once and classifies each answer by its rid. */
  async function frames(
    socket: TestSocket,
    build: (i: number) => Record<string, unknown>,
    n: number,
  ) {
    const rids = Array.from({ length: n }, (_, i) => `burst-${i}`)
    rids.forEach((rid, i) => socket.send({ ...build(i), rid }))
    const answers = await Promise.all(rids.map((rid) => socket.next((m) => m.rid === rid)))
    return answers.map((m) =>
      m.type === 'ack' ? 'served' : m.code === 'RATE_LIMITED' ? 'limited' : `${m.code}`,
    )
  }

  /** The room's bucket (a burst of 20 plus refill) served at most `maxServed`; the control was acked. */
  function expectCutOff(outcomes: string[], maxServed: number, control: { type: string }) {
    counts.tried.abuseCases!++
    counts.tried.abuseRequests! += outcomes.length + 1
    const served = outcomes.filter((o) => o === 'served').length
    if (served > maxServed) counts.unexpectedAllows += served - maxServed
    expect(outcomes.filter((o) => o !== 'served' && o !== 'limited')).toEqual([])
    expect(served).toBeLessThanOrEqual(maxServed)
    expect(outcomes).toContain('limited')
    expect(control).toMatchObject({ type: 'ack' })
  }

  it('chat sockets: one sender flooding is cut off; the other member’s message is acked', async () => {
    const [a, b] = await Promise.all([signUpUser(), signUpUser()])
    const conversationId = await directChat(a, b)
    const [sa, sb] = await Promise.all([
      chatSocket(conversationId, a),
      chatSocket(conversationId, b),
    ])
    const outcomes = await frames(sa, (i) => ({ type: 'message.send', text: `flood ${i}` }), 40)
    sb.send({ type: 'message.send', rid: 'control', text: 'unaffected' })
    expectCutOff(outcomes, 25, await sb.next((m) => m.rid === 'control'))
    await Promise.all([sa.close(), sb.close()])
  })

  it('conference votes: one audience member flooding is cut off; another member’s vote is acked', async () => {
    const conf = await createConference([
      { text: 'Flip?', options: ['Yes', 'No'], allowVoteChange: true },
    ])
    const question = conf.questions[0]!
    const host = await staffSocket(conf.id, conf.host.accessToken)
    host.send({ type: 'question.push', rid: 'go', questionId: question.id })
    await host.next((m) => m.rid === 'go')
    const [flooder, voter] = await Promise.all([joinAudience(conf), joinAudience(conf)])
    const vote = (i: number) => ({
      type: 'vote',
      questionId: question.id,
      optionIds: [question.options[i % 2]!.id],
    })
    const outcomes = await frames(flooder.socket, vote, 60)
    voter.socket.send({ ...vote(0), rid: 'control' })
    expectCutOff(outcomes, 25, await voter.socket.next((m) => m.rid === 'control'))
    await Promise.all([host.close(), flooder.socket.close(), voter.socket.close()])
  })
})
