// Poll questions of a conference (/api/conference/{id}/questions): edited while DRAFT, pushed
// live / closed / revealed by the host or a speaker, and their results (live from the room while
// the conference runs, from MongoDB after).
import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { ObjectId } from 'mongodb'
import type { PollResults } from '../../../shared/conference'
import { assertRunsConference, assertVisible, conferenceRole } from '../access'
import { roomOf, syncRoom, unwrap } from '../room'
import type { AppEnv } from '../../env'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { conferenceQuestions, type ConferenceDoc, type QuestionDoc } from '../store'
import { loadConference, prefetchConference } from './conference'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute, optionalAuthRoute } from '../../authed-route'

const QuestionFields = {
  text: z.string().trim().min(1).max(500),
  type: z.enum(['single', 'multiple']).default('single'),
  options: z.array(z.string().trim().min(1).max(200)).min(2).max(10),
  hideResults: z.boolean().default(false),
  allowVoteChange: z.boolean().default(false),
}
const CreateSchema = z.strictObject(QuestionFields)
const UpdateSchema = z
  .strictObject({
    text: QuestionFields.text.optional(),
    type: z.enum(['single', 'multiple']).optional(),
    options: QuestionFields.options.optional(),
    hideResults: z.boolean().optional(),
    allowVoteChange: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
const Params = z.object({ id: ObjectIdSchema })
const QuestionParams = z.object({ id: ObjectIdSchema, questionId: ObjectIdSchema })

async function context(c: Context<AppEnv>, id: string) {
  const doc = assertVisible(await loadConference(c, id), c.var.user)
  return { doc, db: await c.get('services').database.db(), role: conferenceRole(doc, c.var.user) }
}

async function findQuestion(c: Context<AppEnv>, conference: ConferenceDoc, questionId: string) {
  const db = await c.get('services').database.db()
  const q = await conferenceQuestions(db).findOne({
    _id: new ObjectId(questionId),
    conferenceId: conference._id,
  })
  if (!q) throw new AppError('NOT_FOUND', 'Question not found')
  return q
}

function publicQuestion(q: QuestionDoc, live?: { status: string; revealed: boolean } | null) {
  return {
    id: q._id.toHexString(),
    _id: q._id.toHexString(),
    text: q.text,
    type: q.type,
    options: q.options,
    order: q.order,
    status: live?.status ?? q.status,
    hideResults: q.hideResults,
    revealed: live?.revealed ?? q.revealed ?? false,
    allowVoteChange: q.allowVoteChange,
  }
}

/** Results as the caller may see them: hosts and speakers always, the audience once visible. */
async function resultsFor(
  c: Context<AppEnv>,
  conference: ConferenceDoc,
  q: QuestionDoc,
  staff: boolean,
) {
  if (conference.status === 'ACTIVE') {
    const room = roomOf(c, conference._id.toHexString())
    const [results, state] = await Promise.all([
      room.results(q._id.toHexString()),
      room.questionState(q._id.toHexString()),
    ])
    const visible = staff || !q.hideResults || Boolean(state?.revealed)
    return visible ? results : null
  }
  if (!q.results) return null
  return staff || !q.hideResults
    ? ({ questionId: q._id.toHexString(), ...q.results } satisfies PollResults)
    : null
}

export const conferenceQuestionsRoutes = createRouter()

conferenceQuestionsRoutes.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/questions',
    tags: ['Conference'],
    summary: 'Questions of a conference, in order (the audience sees only those pushed live)',
    before: [prefetchConference()],
    request: { params: Params },
    responses: { 200: { description: 'Questions' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { doc, db, role } = await context(c, c.req.valid('param').id)
    const all = await conferenceQuestions(db)
      .find({ conferenceId: doc._id })
      .sort({ order: 1 })
      .toArray()
    const room = doc.status === 'ACTIVE' ? roomOf(c, doc._id.toHexString()) : undefined
    const items = await Promise.all(
      all.map(async (q) =>
        publicQuestion(q, room ? await room.questionState(q._id.toHexString()) : null),
      ),
    )
    const visible = role === 'audience' ? items.filter((q) => q.status !== 'DRAFT') : items
    return c.json({ success: true, questions: visible }, 200)
  },
)

conferenceQuestionsRoutes.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/questions',
    tags: ['Conference'],
    summary: 'Add a question (host)',
    request: { params: Params, ...jsonBody(CreateSchema) },
    responses: { 201: { description: 'The question' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { doc, db } = await context(c, c.req.valid('param').id)
    assertRunsConference(doc, c.get('user'))
    if (doc.status === 'ENDED') throw new AppError('CONFLICT', 'The conference has ended')
    const body = c.req.valid('json')
    const last = await conferenceQuestions(db)
      .find({ conferenceId: doc._id })
      .sort({ order: -1 })
      .limit(1)
      .toArray()
    const now = c.get('services').now()
    const question: QuestionDoc = {
      _id: new ObjectId(),
      conferenceId: doc._id,
      text: body.text,
      type: body.type,
      options: body.options.map((text, i) => ({ id: `o${i + 1}`, text })),
      order: (last[0]?.order ?? 0) + 1,
      status: 'DRAFT',
      hideResults: body.hideResults,
      allowVoteChange: body.allowVoteChange,
      createdAt: now,
      updatedAt: now,
    }
    await conferenceQuestions(db).insertOne(question)
    if (doc.status === 'ACTIVE') await syncRoom(c, doc)
    return c.json({ success: true, question: publicQuestion(question) }, 201)
  },
)

conferenceQuestionsRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}/questions/order',
    tags: ['Conference'],
    summary: 'Reorder the questions (host): every question id, in the new order',
    request: {
      params: Params,
      ...jsonBody(z.strictObject({ questionIds: z.array(ObjectIdSchema).min(1).max(200) })),
    },
    responses: { 200: { description: 'Reordered' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { doc, db } = await context(c, c.req.valid('param').id)
    assertRunsConference(doc, c.get('user'))
    const ids = c.req.valid('json').questionIds
    const existing = await conferenceQuestions(db)
      .find({ conferenceId: doc._id }, { projection: { _id: 1 } })
      .toArray()
    const known = new Set(existing.map((q) => q._id.toHexString()))
    if (
      ids.length !== known.size ||
      new Set(ids).size !== ids.length ||
      ids.some((i) => !known.has(i))
    ) {
      throw new AppError('VALIDATION_ERROR', 'List every question of the conference exactly once', [
        {
          path: 'questionIds',
          message: `expected the ${known.size} question ids of this conference`,
        },
      ])
    }
    await conferenceQuestions(db).bulkWrite(
      ids.map((qid, i) => ({
        updateOne: { filter: { _id: new ObjectId(qid) }, update: { $set: { order: i + 1 } } },
      })),
    )
    return c.json({ success: true, questionIds: ids }, 200)
  },
)

conferenceQuestionsRoutes.openapi(
  authedRoute({
    method: 'put',
    path: '/{id}/questions/{questionId}',
    tags: ['Conference'],
    summary: 'Edit a question that has not been pushed live (host)',
    request: { params: QuestionParams, ...jsonBody(UpdateSchema) },
    responses: { 200: { description: 'The question' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { id, questionId } = c.req.valid('param')
    const { doc, db } = await context(c, id)
    assertRunsConference(doc, c.get('user'))
    const q = await findQuestion(c, doc, questionId)
    const live = doc.status === 'ACTIVE' ? await roomOf(c, id).questionState(questionId) : null
    if (q.status !== 'DRAFT' || (live && live.status !== 'DRAFT'))
      throw new AppError('CONFLICT', 'Only questions still in DRAFT can be edited')
    const { options, ...rest } = c.req.valid('json')
    const $set: Partial<QuestionDoc> = { ...rest, updatedAt: c.get('services').now() }
    if (options) $set.options = options.map((text, i) => ({ id: `o${i + 1}`, text }))
    const updated = await conferenceQuestions(db).findOneAndUpdate(
      { _id: q._id, status: 'DRAFT' },
      { $set },
      { returnDocument: 'after' },
    )
    if (doc.status === 'ACTIVE') await syncRoom(c, doc)
    return c.json({ success: true, question: publicQuestion(updated!) }, 200)
  },
)

conferenceQuestionsRoutes.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/questions/{questionId}',
    tags: ['Conference'],
    summary: 'Delete a question that has not been pushed live (host)',
    request: { params: QuestionParams },
    responses: { 200: { description: 'Deleted' }, ...errorResponses(403, 404, 409) },
  }),
  async (c) => {
    const { id, questionId } = c.req.valid('param')
    const { doc, db } = await context(c, id)
    assertRunsConference(doc, c.get('user'))
    const q = await findQuestion(c, doc, questionId)
    const live = doc.status === 'ACTIVE' ? await roomOf(c, id).questionState(questionId) : null
    if (q.status !== 'DRAFT' || (live && live.status !== 'DRAFT'))
      throw new AppError('CONFLICT', 'Only questions still in DRAFT can be deleted')
    await conferenceQuestions(db).deleteOne({ _id: q._id, status: 'DRAFT' })
    return c.json({ success: true, message: 'Question deleted' }, 200)
  },
)

for (const action of ['live', 'close', 'reveal'] as const) {
  conferenceQuestionsRoutes.openapi(
    authedRoute({
      method: 'post',
      path: `/{id}/questions/{questionId}/${action}`,
      tags: ['Conference'],
      summary:
        action === 'live'
          ? 'Push a question live; the previous live question closes (host or speaker)'
          : action === 'close'
            ? 'Close a question; its results are saved (host or speaker)'
            : 'Reveal hidden results to the audience (host or speaker)',
      request: { params: QuestionParams },
      responses: { 200: { description: 'Done' }, ...errorResponses(403, 404, 409) },
    }),
    async (c) => {
      const { id, questionId } = c.req.valid('param')
      const { doc } = await context(c, id)
      assertRunsConference(doc, c.get('user'), ['host', 'speaker'])
      await findQuestion(c, doc, questionId)
      if (doc.status !== 'ACTIVE') throw new AppError('CONFLICT', 'Start the conference first')
      const room = roomOf(c, id)
      if (action === 'reveal') {
        // Kept in MongoDB too, so the reveal outlives the room once the conference ends.
        await conferenceQuestions(await c.get('services').database.db()).updateOne(
          { _id: new ObjectId(questionId) },
          { $set: { revealed: true } },
        )
      }
      const result = unwrap(
        action === 'live'
          ? await room.push(questionId)
          : action === 'close'
            ? await room.close(questionId)
            : await room.reveal(questionId),
      )
      return c.json({ success: true, ...result }, 200)
    },
  )
}

conferenceQuestionsRoutes.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/questions/results',
    tags: ['Conference'],
    summary: 'Results of every question (read-only; hidden ones only for hosts and speakers)',
    before: [prefetchConference()],
    request: { params: Params },
    responses: { 200: { description: 'Results' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { doc, db, role } = await context(c, c.req.valid('param').id)
    const all = await conferenceQuestions(db)
      .find({ conferenceId: doc._id })
      .sort({ order: 1 })
      .toArray()
    const results = await Promise.all(
      all.map(async (q) => ({
        questionId: q._id.toHexString(),
        text: q.text,
        options: q.options,
        results: await resultsFor(c, doc, q, role !== 'audience'),
      })),
    )
    return c.json({ success: true, questions: results }, 200)
  },
)

conferenceQuestionsRoutes.openapi(
  optionalAuthRoute({
    method: 'get',
    path: '/{id}/questions/{questionId}/results',
    tags: ['Conference'],
    summary: 'Results of one question (read-only)',
    before: [prefetchConference()],
    request: { params: QuestionParams },
    responses: { 200: { description: 'Results' }, ...errorResponses(403, 404) },
  }),
  async (c) => {
    const { id, questionId } = c.req.valid('param')
    const { doc, role } = await context(c, id)
    const q = await findQuestion(c, doc, questionId)
    const results = await resultsFor(c, doc, q, role !== 'audience')
    if (!results && role === 'audience' && q.hideResults)
      throw new AppError('FORBIDDEN', 'Results of this question are hidden')
    return c.json({ success: true, questionId, text: q.text, options: q.options, results }, 200)
  },
)
