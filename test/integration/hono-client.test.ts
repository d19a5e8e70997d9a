// The app's exported type drives a typed client: hono/client's `hc<AppType>` calls the running
// Worker, and each answer's JSON is typed from the route's declared response schema.
import { hc } from 'hono/client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { AppType } from '../../worker/app'
import { workerUrl } from '../harness/http'
import { freshIp, signUpUser, smsCode, uniquePhone } from '../harness/users'

const client = () => hc<AppType>(workerUrl())

describe('hc<AppType>', () => {
  it('reads GET /api/health with its typed dependency report', async () => {
    const res = await client().api.health.$get()
    expect(res.status).toBe(200)
    const body = await res.json()
    expectTypeOf(body.status).toEqualTypeOf<'up' | 'down'>()
    expectTypeOf(body.services.mongodb.latencyMs).toEqualTypeOf<number>()
    expect(body.status).toBe('up')
    expect(body.services.mongodb.status).toBe('up')
  })

  it('sends and checks a phone code through POST /send-otp and /verify-otp', async () => {
    const phone = uniquePhone()
    const init = { headers: { 'cf-connecting-ip': freshIp() } }
    const sent = await client()['send-otp'].$post({ json: { phone } }, init)
    expect(sent.status).toBe(200)

    const otp = await smsCode(phone)
    const other = `${otp.slice(0, 5)}${(Number(otp[5]) + 1) % 10}`
    const wrong = await client()['verify-otp'].$post({ json: { phone, otp: other } }, init)
    // Error bodies are not in the type (errorResponses() is untyped per status): read as unknown.
    expect(wrong.status).toBe(400)
    expect((await wrong.json()) as unknown).toMatchObject({ success: false, code: 'BAD_REQUEST' })

    const verified = await client()['verify-otp'].$post({ json: { phone, otp } }, init)
    expect(verified.status).toBe(200)
    const body = await verified.json()
    expectTypeOf(body.verified).toEqualTypeOf<true>()
    expect(body).toEqual({ success: true, message: 'Phone verified', verified: true })
  })

  it('gets a user-channel ticket from the protected POST /api/realtime/user-ticket', async () => {
    const route = client().api.realtime['user-ticket']
    const anonymous = await route.$post()
    expect(anonymous.status).toBe(401)

    const user = await signUpUser()
    const res = await route.$post(undefined, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    })
    expect(res.status).toBe(200)
    const body = await res.json()
    expectTypeOf(body.ticket).toEqualTypeOf<string>()
    expect(body.success).toBe(true)
    expect(body.url).toBe(`/api/realtime/user/${user.id}?ticket=${body.ticket}`)
  })
})
