// Phone codes through Twilio Verify (its HTTP API faked at the boundary by the capture server):
// phone sign-up, the direct /send-otp and /verify-otp, and changing a user's phone.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { freshIp, signUpUser, smsCode, uniquePhone } from '../harness/users'

describe('phone sign-up', () => {
  it('texts a code, creates the account on first verification and signs in on the next', async () => {
    const phone = uniquePhone()
    const headers = { 'cf-connecting-ip': freshIp() }
    expect(
      (await api('/api/auth/send-phone-otp-signup', { method: 'POST', json: { phone }, headers }))
        .status,
    ).toBe(200)
    const first = await api('/api/auth/verify-phone-otp-signup', {
      method: 'POST',
      json: { phone, otp: await smsCode(phone), name: 'Grace' },
      headers,
    })
    expect(first.status).toBe(201)
    expect(first.body.user).toMatchObject({
      phone,
      phoneVerified: true,
      name: 'Grace',
      email: null,
    })

    await api('/api/auth/send-phone-otp-signup', { method: 'POST', json: { phone }, headers })
    const second = await api('/api/auth/verify-phone-otp-signup', {
      method: 'POST',
      json: { phone, otp: await smsCode(phone) },
      headers,
    })
    expect(second.status).toBe(200)
    expect(second.body.user.id).toBe(first.body.user.id)
  })

  it('refuses a wrong code and a malformed number', async () => {
    const phone = uniquePhone()
    const headers = { 'cf-connecting-ip': freshIp() }
    await api('/api/auth/send-phone-otp-signup', { method: 'POST', json: { phone }, headers })
    const code = await smsCode(phone)
    const wrong = String((Number(code) + 1) % 1e6).padStart(6, '0')
    const res = await api('/api/auth/verify-phone-otp-signup', {
      method: 'POST',
      json: { phone, otp: wrong },
      headers,
    })
    expect(res.status).toBe(400)
    const bad = await api('/api/auth/send-phone-otp-signup', {
      method: 'POST',
      json: { phone: '07700 900123' },
      headers,
    })
    expect(bad.status).toBe(400)
    expect(bad.body.details[0].path).toBe('phone')
  })
})

describe('direct phone verification (/send-otp, /verify-otp)', () => {
  it('verifies a code without creating an account', async () => {
    const phone = uniquePhone()
    const headers = { 'cf-connecting-ip': freshIp() }
    expect((await api('/send-otp', { method: 'POST', json: { phone }, headers })).status).toBe(200)
    const res = await api('/verify-otp', {
      method: 'POST',
      json: { phone, otp: await smsCode(phone) },
      headers,
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ success: true, verified: true })
    const never = await api('/verify-otp', {
      method: 'POST',
      json: { phone: uniquePhone(), otp: '123456' },
      headers,
    })
    expect(never.status).toBe(400)
  })
})

describe('changing the phone of an account', () => {
  it('needs the code sent to the new number, and refuses a number another account holds', async () => {
    const user = await signUpUser()
    const phone = uniquePhone()
    const headers = { 'cf-connecting-ip': freshIp() }
    expect(
      (
        await api('/api/user/phone/send-otp', {
          method: 'POST',
          json: { phone },
          token: user.accessToken,
          headers,
        })
      ).status,
    ).toBe(200)
    const res = await api('/api/user/phone/verify-otp', {
      method: 'POST',
      json: { phone, otp: await smsCode(phone) },
      token: user.accessToken,
      headers,
    })
    expect(res.status).toBe(200)
    expect(res.body.user).toMatchObject({ phone, phoneVerified: true })

    const other = await signUpUser()
    const taken = await api('/api/user/phone/send-otp', {
      method: 'POST',
      json: { phone },
      token: other.accessToken,
      headers,
    })
    expect(taken.status).toBe(409)
  })

  it('needs a signed-in user', async () => {
    expect(
      (await api('/api/user/phone/send-otp', { method: 'POST', json: { phone: uniquePhone() } }))
        .status,
    ).toBe(401)
  })
})

describe('profile', () => {
  it('updates the allowed fields and refuses unknown ones', async () => {
    const user = await signUpUser()
    const ok = await api('/api/user/profile', {
      method: 'PUT',
      json: { name: 'New Name', bio: 'Hi' },
      token: user.accessToken,
    })
    expect(ok.status).toBe(200)
    expect(ok.body.user).toMatchObject({ name: 'New Name', profile: { bio: 'Hi' } })
    const sneaky = await api('/api/user/profile', {
      method: 'PUT',
      json: { role: 'ADMIN' },
      token: user.accessToken,
    })
    expect(sneaky.status).toBe(400)
    expect((await api('/api/auth/profile', { token: user.accessToken })).body.user.role).toBe(
      'USER',
    )
  })
})
