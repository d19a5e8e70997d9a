// Conference fixtures: a host with a running conference and questions, and sockets into its room
// for the host and for audience members joining by code.
import { api, workerUrl } from './http'
import { registerRoleUser, type TestUser } from './users'
import { openSocket, type TestSocket } from './ws'

export interface RunningConference {
  host: TestUser
  id: string
  code: string
  questions: { id: string; options: { id: string; text: string }[] }[]
}

export async function createConference(
  questions: {
    text: string
    options: string[]
    type?: 'single' | 'multiple'
    hideResults?: boolean
    allowVoteChange?: boolean
  }[] = [{ text: 'Tabs or spaces?', options: ['Tabs', 'Spaces'] }],
  opts: { start?: boolean; host?: TestUser; expectedAudience?: number } = {},
): Promise<RunningConference> {
  const host = opts.host ?? (await registerRoleUser('host'))
  const created = await api('/api/conference', {
    method: 'POST',
    token: host.accessToken,
    json: {
      title: 'Test Conf',
      speakers: [],
      ...(opts.expectedAudience ? { expectedAudience: opts.expectedAudience } : {}),
    },
  })
  if (created.status !== 201)
    throw new Error(`create conference: ${created.status} ${JSON.stringify(created.body)}`)
  const id = created.body.conference.id
  const qs = []
  for (const q of questions) {
    const res = await api(`/api/conference/${id}/questions`, {
      method: 'POST',
      token: host.accessToken,
      json: q,
    })
    if (res.status !== 201)
      throw new Error(`add question: ${res.status} ${JSON.stringify(res.body)}`)
    qs.push(res.body.question)
  }
  if (opts.start !== false) {
    const started = await api(`/api/conference/${id}`, {
      method: 'PUT',
      token: host.accessToken,
      json: { status: 'ACTIVE' },
    })
    if (started.status !== 200)
      throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`)
  }
  return { host, id, code: created.body.conference.publicCode, questions: qs }
}

const wsUrl = (id: string, ticket: string, since?: number) =>
  `${workerUrl().replace('http', 'ws')}/api/realtime/conference/${id}?ticket=${ticket}${since !== undefined ? `&since=${since}` : ''}`

/** A socket for a signed-in account (host, speaker or user). */
export async function staffSocket(
  conferenceId: string,
  token: string,
  since?: number,
): Promise<TestSocket> {
  const res = await api(`/api/conference/${conferenceId}/ticket`, { method: 'POST', token })
  if (res.status !== 200) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`)
  return openSocket(wsUrl(conferenceId, res.body.ticket, since))
}

export interface AudienceMember {
  socket: TestSocket
  participantToken: string
  reconnect(since?: number): Promise<TestSocket>
}

/** Joins by code as an anonymous participant and opens the room socket. */
export async function joinAudience(
  conf: { id: string; code: string },
  name?: string,
): Promise<AudienceMember> {
  const joined = await api(`/api/conference/by-code/${conf.code}/join`, {
    method: 'POST',
    json: name ? { name } : {},
  })
  if (joined.status !== 200)
    throw new Error(`join: ${joined.status} ${JSON.stringify(joined.body)}`)
  const participantToken = joined.body.participantToken
  return {
    socket: await openSocket(wsUrl(conf.id, joined.body.ticket)),
    participantToken,
    async reconnect(since?: number) {
      const t = await api(`/api/conference/${conf.id}/ticket`, {
        method: 'POST',
        json: { participantToken },
      })
      return openSocket(wsUrl(conf.id, t.body.ticket, since))
    },
  }
}
