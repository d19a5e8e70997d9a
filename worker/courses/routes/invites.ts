// Course invitations (/api/courses/{id}/invites): the owning university invites students by
// email to an invite-only course; an invited account may then enroll. Owner-only list and revoke.
import { z } from '@hono/zod-openapi'
import { ObjectId } from 'mongodb'
import { courseDb, loadOwnCourse } from '../access'
import { AppError } from '../../errors'
import { createRouter, errorResponses, jsonBody } from '../../openapi'
import { invites, type InviteDoc } from '../store'
import { normalizeEmail } from '../../auth/users-store'
import { assertNoBlockWith } from '../../social/blocks'
import { ObjectIdSchema } from '../../../shared/ids'
import { authedRoute } from '../../authed-route'

const IdParams = z.object({ id: ObjectIdSchema })
const InviteSchema = z.strictObject({ emails: z.array(z.email().max(254)).min(1).max(200) })

const publicInvite = (i: InviteDoc) => ({
  id: i._id.toHexString(),
  email: i.email,
  createdAt: i.createdAt.toISOString(),
  acceptedAt: i.acceptedAt?.toISOString() ?? null,
})

export const courseInvites = createRouter()

courseInvites.openapi(
  authedRoute({
    method: 'post',
    path: '/{id}/invites',
    tags: ['Courses'],
    summary: 'Invite students by email to your course (inviting twice is harmless)',
    role: 'UNIVERSITY',
    request: { params: IdParams, ...jsonBody(InviteSchema) },
    responses: { 200: { description: 'The invitations' }, ...errorResponses(404) },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const db = await courseDb(c)
    const now = c.get('services').now()
    const emails = [...new Set(c.req.valid('json').emails.map(normalizeEmail))]
    // An email of an account that blocked the inviter, or that the inviter blocked, refuses the
    // whole request before any invite is written: all or nothing, and the answer names no email,
    // so it says no more than that the list holds someone this inviter cannot invite.
    await assertNoBlockWith(db, c.get('user')._id, { emails })
    await Promise.all(
      emails.map((email) =>
        invites(db)
          .updateOne(
            { courseId: course._id, email },
            { $setOnInsert: { _id: new ObjectId(), createdAt: now } },
            { upsert: true },
          )
          .catch((error: { code?: unknown }) => {
            if (error.code !== 11000) throw error
          }),
      ),
    )
    const list = await invites(db)
      .find({ courseId: course._id, email: { $in: emails } })
      .toArray()
    return c.json({ success: true, invites: list.map(publicInvite) }, 200)
  },
)

courseInvites.openapi(
  authedRoute({
    method: 'get',
    path: '/{id}/invites',
    tags: ['Courses'],
    summary: 'Invitations to your course',
    role: 'UNIVERSITY',
    request: { params: IdParams },
    responses: { 200: { description: 'The invitations' }, ...errorResponses(404) },
  }),
  async (c) => {
    const course = await loadOwnCourse(c, c.req.valid('param').id)
    const list = await invites(await courseDb(c))
      .find({ courseId: course._id })
      .sort({ _id: -1 })
      .limit(1000)
      .toArray()
    return c.json({ success: true, invites: list.map(publicInvite) }, 200)
  },
)

courseInvites.openapi(
  authedRoute({
    method: 'delete',
    path: '/{id}/invites/{inviteId}',
    tags: ['Courses'],
    summary: 'Revoke an invitation (an enrollment already made stays)',
    role: 'UNIVERSITY',
    request: { params: z.object({ id: ObjectIdSchema, inviteId: ObjectIdSchema }) },
    responses: { 200: { description: 'Revoked' }, ...errorResponses(404) },
  }),
  async (c) => {
    const { id, inviteId } = c.req.valid('param')
    const course = await loadOwnCourse(c, id)
    const res = await invites(await courseDb(c)).deleteOne({
      _id: new ObjectId(inviteId),
      courseId: course._id,
    })
    if (res.deletedCount === 0) throw new AppError('NOT_FOUND', 'Invitation not found')
    return c.json({ success: true, message: 'Invitation revoked' }, 200)
  },
)
