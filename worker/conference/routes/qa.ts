// Audience Q&A of a conference (/api/conference/{id}/qa): the list sorted by votes or recency,
// moderation by the host or a speaker, and CSV exports of poll results and Q&A.
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { QA_ACTIONS, type QaItem } from '../../../shared/conference'
import { assertRunsConference, assertVisible, conferenceRole } from '../access'
import { forgetConference } from '../code-cache'
import { roomOf, unwrap } from '../room'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { conferenceQuestions, conferences, type ConferenceDoc } from '../store'
import { loadConference } from './conference'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'

const Params = z.object({ id: ObjectIdSchema })

async function qaItems(
  c: Context<AppEnv>,
  doc: ConferenceDoc,
  sort: 'votes' | 'recent',
  includeHidden: boolean,
): Promise<QaItem[]> {
  if (doc.status === 'ACTIVE') return roomOf(c, doc._id.toHexString()).qa(sort, includeHidden)
  const items = (doc.qa ?? []).filter((i) => includeHidden || i.status !== 'hidden')
  const byVotes = (a: QaItem, b: QaItem) =>
    Number(b.pinned) - Number(a.pinned) ||
    b.upvotes - a.upvotes ||
    a.createdAt.localeCompare(b.createdAt)
  const byRecent = (a: QaItem, b: QaItem) =>
    Number(b.pinned) - Number(a.pinned) || b.createdAt.localeCompare(a.createdAt)
  return items.sort(sort === 'votes' ? byVotes : byRecent)
}

/** RFC 4180 field quoting; a leading =, +, - or @ is defused so spreadsheets never run it. */
function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
const csv = (rows: unknown[][]) => rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n'

export const conferenceQa = createRouter()

conferenceQa.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/qa',
    tags: ['Conference'],
    summary:
      'Audience questions, by votes or most recent (hidden ones only for hosts and speakers)',
    request: {
      params: Params,
      query: z.object({ sort: z.enum(['votes', 'recent']).default('votes') }),
    },
    responses: { 200: { description: 'Q&A' }, ...errorResponses(404) },
  }),
  async (c) => {
    const doc = assertVisible(await loadConference(c, c.req.valid('param').id), c.var.user)
    const staff = conferenceRole(doc, c.var.user) !== 'audience'
    return c.json(
      { success: true, items: await qaItems(c, doc, c.req.valid('query').sort, staff) },
      200,
    )
  },
)

conferenceQa.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/qa/{qaId}/moderate',
    tags: ['Conference'],
    summary: 'Approve, hide, mark answered, pin or unpin an audience question (host or speaker)',
    request: {
      params: z.object({ id: ObjectIdSchema, qaId: z.uuid() }),
      ...jsonBody(z.strictObject({ action: z.enum(QA_ACTIONS) })),
    },
    responses: { 200: { description: 'Moderated' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { id, qaId } = c.req.valid('param')
    const doc = assertVisible(await loadConference(c, id), c.get('user'))
    assertRunsConference(doc, c.get('user'), ['host', 'speaker'])
    if (doc.status !== 'ACTIVE')
      throw new AppError('CONFLICT', 'Q&A can be moderated while the conference runs')
    return c.json(
      { success: true, ...unwrap(await roomOf(c, id).moderate(qaId, c.req.valid('json').action)) },
      200,
    )
  },
)

conferenceQa.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/qa/{qaId}/remove-author',
    tags: ['Conference'],
    summary:
      'Remove the person who asked this question from the room (host or speaker): their sockets close and their participant token stops working',
    request: { params: z.object({ id: ObjectIdSchema, qaId: z.uuid() }) },
    responses: { 200: { description: 'Removed' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { id, qaId } = c.req.valid('param')
    const doc = assertVisible(await loadConference(c, id), c.get('user'))
    assertRunsConference(doc, c.get('user'), ['host', 'speaker'])
    if (doc.status !== 'ACTIVE')
      throw new AppError('CONFLICT', 'People can be removed while the conference runs')
    // The room first: it closes the sockets and refuses the person's upgrades from now on; the
    // record then makes the join and ticket routes refuse them too.
    const { removed } = unwrap(await roomOf(c, id).removeAuthor(qaId)) as { removed: string }
    const db = await c.get('services').database.db()
    await conferences(db).updateOne(
      { _id: doc._id },
      { $addToSet: { removedParticipants: removed }, $set: { updatedAt: c.get('services').now() } },
    )
    forgetConference(doc.publicCode)
    return c.json({ success: true, message: 'Removed from the conference' }, 200)
  },
)

for (const what of ['polls', 'qa'] as const) {
  conferenceQa.openapi(
    authedRoute({
      method: 'get',
      path: `/{id}/export/${what}.csv`,
      tags: ['Conference'],
      summary:
        what === 'polls' ? 'Poll results as CSV (host or speaker)' : 'Q&A as CSV (host or speaker)',
      request: { params: Params },
      responses: { 200: { description: 'CSV' }, ...errorResponses(403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const doc = assertVisible(await loadConference(c, id), c.get('user'))
      assertRunsConference(doc, c.get('user'), ['host', 'speaker'])
      let body: string
      if (what === 'qa') {
        const items = await qaItems(c, doc, 'votes', true)
        body = csv([
          ['question', 'author', 'upvotes', 'status', 'pinned', 'asked_at'],
          ...items.map((i) => [
            i.text,
            i.authorName ?? 'Anonymous',
            i.upvotes,
            i.status,
            i.pinned,
            i.createdAt,
          ]),
        ])
      } else {
        const db = await c.get('services').database.db()
        const questions = await conferenceQuestions(db)
          .find({ conferenceId: doc._id })
          .sort({ order: 1 })
          .toArray()
        const rows: unknown[][] = [['question', 'option', 'votes', 'total_responses', 'status']]
        for (const q of questions) {
          const live =
            doc.status === 'ACTIVE' ? await roomOf(c, id).results(q._id.toHexString()) : null
          const results =
            live ?? (q.results ? { questionId: q._id.toHexString(), ...q.results } : null)
          for (const o of q.options)
            rows.push([
              q.text,
              o.text,
              results?.counts[o.id] ?? 0,
              results?.totalResponses ?? 0,
              q.status,
            ])
        }
        body = csv(rows)
      }
      return c.body(body, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="conference-${doc.publicCode}-${what}.csv"`,
      })
    },
  )
}
