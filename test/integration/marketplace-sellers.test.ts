// Becoming a seller: applying, one open application per user, admin approval and rejection, and
// who may do what.
import { describe, expect, it } from 'vitest'
import { api } from '../harness/http'
import { adminUser, applyToSell, createProduct } from '../harness/marketplace'
import { signUpUser } from '../harness/users'

const decide = async (applicationId: string, decision: string, json?: unknown) =>
  api(`/api/marketplace/admin/seller-applications/${applicationId}/${decision}`, {
    method: 'POST',
    token: (await adminUser()).accessToken,
    ...(json === undefined ? {} : { json }),
  })

describe('seller applications', () => {
  it('makes an applicant a seller once an admin approves, and only then', async () => {
    const user = await signUpUser()
    const before = await api('/api/marketplace/seller/me', { token: user.accessToken })
    expect(before.body).toMatchObject({ isSeller: false, application: null })

    const id = await applyToSell(user, 'Ada Books')
    const pending = await api('/api/marketplace/seller/me', { token: user.accessToken })
    expect(pending.body).toMatchObject({
      isSeller: false,
      application: {
        id,
        storeName: 'Ada Books',
        status: 'pending',
        contact: { email: user.email },
      },
    })
    await expect(createProduct(user)).rejects.toThrow(/403/)

    const listed = await api(
      '/api/marketplace/admin/seller-applications?status=pending&limit=100',
      {
        token: (await adminUser()).accessToken,
      },
    )
    expect(listed.status).toBe(200)
    const mine = listed.body.applications.find((a: { id: string }) => a.id === id)
    expect(mine.applicant).toMatchObject({ id: user.id, email: user.email })

    const approved = await decide(id, 'approve')
    expect(approved.status).toBe(200)
    expect(approved.body.application.status).toBe('approved')
    const after = await api('/api/marketplace/seller/me', { token: user.accessToken })
    expect(after.body).toMatchObject({ isSeller: true, seller: { id, status: 'approved' } })
    // The account role is untouched: other features read it.
    const profile = await api('/api/auth/profile', { token: user.accessToken })
    expect(profile.body.user.role).toBe('USER')
    expect((await createProduct(user)).status).toBe('ACTIVE')
  })

  it('allows one pending or approved application per user; a rejected applicant may apply again', async () => {
    const user = await signUpUser()
    const first = await applyToSell(user)
    const again = await api('/api/marketplace/seller/apply', {
      method: 'POST',
      token: user.accessToken,
      json: { storeName: 'Second', contact: { phone: '+14155550100' } },
    })
    expect(again.status).toBe(409)

    expect((await decide(first, 'reject')).status).toBe(400)
    const rejected = await decide(first, 'reject', { reason: 'Incomplete contact details' })
    expect(rejected.status).toBe(200)
    expect(rejected.body.application).toMatchObject({
      status: 'rejected',
      reason: 'Incomplete contact details',
    })
    // Decisions are conditional on pending: a second decision is refused.
    expect((await decide(first, 'approve')).status).toBe(409)
    await expect(createProduct(user)).rejects.toThrow(/403/)

    const second = await applyToSell(user, 'Better Store')
    expect((await decide(second, 'approve')).status).toBe(200)
    const afterApproval = await api('/api/marketplace/seller/apply', {
      method: 'POST',
      token: user.accessToken,
      json: { storeName: 'Third', contact: { email: user.email } },
    })
    expect(afterApproval.status).toBe(409)
    expect(afterApproval.body.message).toMatch(/already a seller/)
  })

  it('lets exactly one of two concurrent applications through', async () => {
    const user = await signUpUser()
    const body = { storeName: 'Racer', contact: { email: user.email } }
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        api('/api/marketplace/seller/apply', {
          method: 'POST',
          token: user.accessToken,
          json: body,
        }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409])
  })

  it('validates applications strictly', async () => {
    const user = await signUpUser()
    const bad = [
      {},
      { storeName: 'X Store' },
      { storeName: 'X Store', contact: {} },
      { storeName: 'X Store', contact: { email: 'nope' } },
      { storeName: 'X Store', contact: { email: user.email }, status: 'approved' },
      { storeName: { $gt: '' }, contact: { email: user.email } },
      { storeName: 'X Store', contact: { email: user.email, website: 'javascript:alert(1)' } },
    ]
    for (const json of bad) {
      const res = await api('/api/marketplace/seller/apply', {
        method: 'POST',
        token: user.accessToken,
        json,
      })
      expect(res.status, JSON.stringify(json)).toBe(400)
    }
    expect((await decide('not-an-id', 'approve')).status).toBe(400)
    expect((await decide('0123456789abcdef01234567', 'approve')).status).toBe(404)
  })
})

describe('seller application security', () => {
  it('lets only admins list and decide applications', async () => {
    const applicant = await signUpUser()
    const id = await applyToSell(applicant)
    const other = await signUpUser()
    for (const token of [applicant.accessToken, other.accessToken]) {
      const list = await api('/api/marketplace/admin/seller-applications', { token })
      expect(list.status).toBe(403)
      const approve = await api(`/api/marketplace/admin/seller-applications/${id}/approve`, {
        method: 'POST',
        token,
      })
      expect(approve.status).toBe(403)
      const reject = await api(`/api/marketplace/admin/seller-applications/${id}/reject`, {
        method: 'POST',
        token,
        json: { reason: 'no' },
      })
      expect(reject.status).toBe(403)
    }
    expect((await api('/api/marketplace/admin/seller-applications')).status).toBe(401)
    expect((await api('/api/marketplace/seller/apply', { method: 'POST', json: {} })).status).toBe(
      401,
    )
    const me = await api('/api/marketplace/seller/me', { token: applicant.accessToken })
    expect(me.body.application.status).toBe('pending')
  })
})
