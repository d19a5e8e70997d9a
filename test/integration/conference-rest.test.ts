// Conferences over REST: creation, codes and QR, status transitions, questions, and who may do what.
import { describe, expect, it } from 'vitest'
import { createConference } from '../harness/conference'
import { api } from '../harness/http'
import { proveEmail, registerRoleUser, signUpUser } from '../harness/users'

describe('conference lifecycle', () => {
  it('is created as DRAFT with a unique uppercase code, moves DRAFT → ACTIVE → ENDED and never back', async () => {
    const conf = await createConference([], { start: false })
    expect(conf.code).toMatch(/^[A-Z2-9]{6}$/)
    const get = await api(`/api/conference/${conf.id}`, { token: conf.host.accessToken })
    expect(get.body.conference).toMatchObject({ status: 'DRAFT', yourRole: 'host' })

    const toEnded = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { status: 'ENDED' },
    })
    expect(toEnded.status).toBe(409)
    for (const status of ['ACTIVE', 'ENDED']) {
      const res = await api(`/api/conference/${conf.id}`, {
        method: 'PUT',
        token: conf.host.accessToken,
        json: { status },
      })
      expect(res.status).toBe(200)
      expect(res.body.conference.status).toBe(status)
    }
    const back = await api(`/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.host.accessToken,
      json: { status: 'ACTIVE' },
    })
    expect(back.status).toBe(409)
  })

  it('serves a QR code (PNG and SVG) of the audience join URL', async () => {
    const conf = await createConference()
    const png = await fetch(
      `${(await import('../harness/http')).workerUrl()}/api/conference/${conf.id}/qr.png`,
    )
    expect(png.headers.get('content-type')).toBe('image/png')
    const bytes = Buffer.from(await png.arrayBuffer())
    expect(bytes.subarray(1, 4).toString()).toBe('PNG')
    const svg = await api(`/api/conference/${conf.id}/qr.svg`)
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    expect(String(svg.body)).toContain('<svg')
    const details = await api(`/api/conference/${conf.id}`)
    expect(details.body.conference.joinUrl).toMatch(new RegExp(`/join\\?code=${conf.code}$`))
  })

  it('is found by code, case-insensitively, only once it is not a DRAFT', async () => {
    const draft = await createConference([], { start: false })
    expect((await api(`/api/conference/by-code/${draft.code}`)).status).toBe(404)
    const live = await createConference()
    const found = await api(`/api/conference/by-code/${live.code.toLowerCase()}`)
    expect(found.status).toBe(200)
    expect(found.body.conference.id).toBe(live.id)
    expect((await api('/api/conference/by-code/!!')).status).toBe(400)
  })
})

describe('conference security', () => {
  it('hides a DRAFT from everyone but its host and speakers', async () => {
    const conf = await createConference([], { start: false })
    const stranger = await signUpUser()
    const otherHost = await registerRoleUser('host')
    expect((await api(`/api/conference/${conf.id}`)).status).toBe(404)
    expect((await api(`/api/conference/${conf.id}`, { token: stranger.accessToken })).status).toBe(
      404,
    )
    expect((await api(`/api/conference/${conf.id}`, { token: otherHost.accessToken })).status).toBe(
      404,
    )
    const list = await api('/api/conference', { token: stranger.accessToken })
    expect(list.body.conferences.map((c: { id: string }) => c.id)).not.toContain(conf.id)
  })

  it('lets only hosts create conferences', async () => {
    const user = await signUpUser()
    const res = await api('/api/conference', {
      method: 'POST',
      token: user.accessToken,
      json: { title: 'Nope' },
    })
    expect(res.status).toBe(403)
    expect((await api('/api/conference', { method: 'POST', json: { title: 'Nope' } })).status).toBe(
      401,
    )
  })

  it('refuses another host, a user and anonymous callers on edits, pushes and closes', async () => {
    const conf = await createConference()
    const q = conf.questions[0]!.id
    const otherHost = await registerRoleUser('host')
    const user = await signUpUser()
    for (const token of [otherHost.accessToken, user.accessToken]) {
      expect(
        (
          await api(`/api/conference/${conf.id}`, {
            method: 'PUT',
            token,
            json: { title: 'Hijack' },
          })
        ).status,
      ).toBe(403)
      expect(
        (await api(`/api/conference/${conf.id}/questions/${q}/live`, { method: 'POST', token }))
          .status,
      ).toBe(403)
      expect(
        (await api(`/api/conference/${conf.id}/questions/${q}/close`, { method: 'POST', token }))
          .status,
      ).toBe(403)
      expect(
        (
          await api(`/api/conference/${conf.id}/questions`, {
            method: 'POST',
            token,
            json: { text: 'x', options: ['a', 'b'] },
          })
        ).status,
      ).toBe(403)
      expect((await api(`/api/conference/${conf.id}/export/polls.csv`, { token })).status).toBe(403)
    }
    expect(
      (await api(`/api/conference/${conf.id}/questions/${q}/live`, { method: 'POST' })).status,
    ).toBe(401)
  })

  it('lets a speaker of the conference push and close questions', async () => {
    const speaker = await registerRoleUser('speaker')
    // The speaker role attaches to an account whose email is proven.
    await proveEmail(speaker)
    const host = await registerRoleUser('host')
    const created = await api('/api/conference', {
      method: 'POST',
      token: host.accessToken,
      json: { title: 'With speaker', speakers: [{ name: 'Spk', email: speaker.email }] },
    })
    const id = created.body.conference.id
    const q = await api(`/api/conference/${id}/questions`, {
      method: 'POST',
      token: host.accessToken,
      json: { text: 'Q?', options: ['a', 'b'] },
    })
    await api(`/api/conference/${id}`, {
      method: 'PUT',
      token: host.accessToken,
      json: { status: 'ACTIVE' },
    })
    const live = await api(`/api/conference/${id}/questions/${q.body.question.id}/live`, {
      method: 'POST',
      token: speaker.accessToken,
    })
    expect(live.status).toBe(200)
    const close = await api(`/api/conference/${id}/questions/${q.body.question.id}/close`, {
      method: 'POST',
      token: speaker.accessToken,
    })
    expect(close.status).toBe(200)
    // …but a speaker cannot edit the conference itself.
    expect(
      (
        await api(`/api/conference/${id}`, {
          method: 'PUT',
          token: speaker.accessToken,
          json: { title: 'x' },
        })
      ).status,
    ).toBe(403)
  })
})

describe('questions', () => {
  it('are created, edited, reordered and deleted while DRAFT, and locked once live', async () => {
    const conf = await createConference(
      [
        { text: 'First?', options: ['a', 'b'] },
        { text: 'Second?', options: ['c', 'd'], type: 'multiple' },
      ],
      { start: false },
    )
    const [q1, q2] = conf.questions.map((q) => q.id)
    const token = conf.host.accessToken
    const edit = await api(`/api/conference/${conf.id}/questions/${q1}`, {
      method: 'PUT',
      token,
      json: { text: 'First, edited?' },
    })
    expect(edit.status).toBe(200)
    const reorder = await api(`/api/conference/${conf.id}/questions/order`, {
      method: 'PUT',
      token,
      json: { questionIds: [q2, q1] },
    })
    expect(reorder.status).toBe(200)
    const list = await api(`/api/conference/${conf.id}/questions`, { token })
    expect(list.body.questions.map((q: { id: string }) => q.id)).toEqual([q2, q1])
    const partial = await api(`/api/conference/${conf.id}/questions/order`, {
      method: 'PUT',
      token,
      json: { questionIds: [q1] },
    })
    expect(partial.status).toBe(400)

    await api(`/api/conference/${conf.id}`, { method: 'PUT', token, json: { status: 'ACTIVE' } })
    await api(`/api/conference/${conf.id}/questions/${q1}/live`, { method: 'POST', token })
    expect(
      (
        await api(`/api/conference/${conf.id}/questions/${q1}`, {
          method: 'PUT',
          token,
          json: { text: 'Too late' },
        })
      ).status,
    ).toBe(409)
    expect(
      (await api(`/api/conference/${conf.id}/questions/${q1}`, { method: 'DELETE', token })).status,
    ).toBe(409)
    expect(
      (await api(`/api/conference/${conf.id}/questions/${q2}`, { method: 'DELETE', token })).status,
    ).toBe(200)
  })

  it('validates question bodies', async () => {
    const conf = await createConference([], { start: false })
    const res = await api(`/api/conference/${conf.id}/questions`, {
      method: 'POST',
      token: conf.host.accessToken,
      json: { text: '', options: ['only one'], type: 'ranked' },
    })
    expect(res.status).toBe(400)
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'options',
      'text',
      'type',
    ])
  })

  it('pushing a question live closes the previous one', async () => {
    const conf = await createConference([
      { text: 'A?', options: ['1', '2'] },
      { text: 'B?', options: ['3', '4'] },
    ])
    const [a, b] = conf.questions.map((q) => q.id)
    const token = conf.host.accessToken
    await api(`/api/conference/${conf.id}/questions/${a}/live`, { method: 'POST', token })
    await api(`/api/conference/${conf.id}/questions/${b}/live`, { method: 'POST', token })
    const list = await api(`/api/conference/${conf.id}/questions`, { token })
    expect(list.body.questions.map((q: { status: string }) => q.status)).toEqual([
      'CLOSED',
      'ACTIVE',
    ])
    const again = await api(`/api/conference/${conf.id}/questions/${a}/live`, {
      method: 'POST',
      token,
    })
    expect(again.status).toBe(409)
  })
})
