// A block holds wherever one user can pull another in: direct chats (opened or by first message),
// group creation and member additions, friend requests, course invites, meeting invite links (by
// email, by phone, and resent), conference speaker lists (on create and on edit) and Videodesk
// friend links. For every path, in both block directions: 403 in the error envelope with the same
// message either way (it names no direction), and nothing stored or sent; unblocked, it works.
import { randomBytes } from 'node:crypto'
import { ObjectId } from 'mongodb'
import { describe, expect, it, vi } from 'vitest'
import { readMail, readSms } from '../harness/capture'
import { createCourse, university } from '../harness/courses'
import { api, type ApiResponse } from '../harness/http'
import { newRoomId } from '../harness/meetings'
import { proveEmail, registerRoleUser, signUpUser, testDb } from '../harness/users'
import { videodeskUser } from '../harness/videodesk'

/** Anyone who can block: Sanora and Videodesk accounts both carry an access token. */
interface Account {
  id: string
  email: string
  accessToken: string
}

/** One invite-like path, set up between an inviter and an invitee who are not yet blocked. */
interface Path {
  inviter: Account
  invitee: Account
  /** The request that would pull the invitee in. */
  attempt(): Promise<ApiResponse>
  /** Whether the attempt left its trace (the group, member, request, invite, room or message). */
  stored(): Promise<boolean>
}

const unique = (tag: string) => `${tag} ${randomBytes(4).toString('hex')}`
const oid = (id: string) => new ObjectId(id)
const db = testDb
const ukPhone = () => `+447700${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}`

const textOf = (m: any) => `${m.subject ?? ''} ${m.text ?? m.body ?? ''}`

/**
 * Whether the mail or texts to `to` hold one containing `marker`, asked once a message of our own,
 * sent now through the Worker, has arrived: a barrier, not a pause. The invite paths send before
 * they answer, so an invite the attempt sent is ahead of the barrier, and one it did not send
 * cannot turn up after it.
 */
async function delivered(kind: 'mail' | 'sms', to: string, marker: string) {
  const barrier = unique('barrier')
  const sent = await api(`/__dev/${kind}`, {
    method: 'POST',
    json: kind === 'mail' ? { to, subject: barrier, text: barrier } : { to, body: barrier },
  })
  expect(sent.status, JSON.stringify(sent.body)).toBe(202)
  const read = kind === 'mail' ? readMail : readSms
  const received = await vi.waitFor(
    async () => {
      const messages = await read(to)
      if (!messages.some((m) => textOf(m).includes(barrier)))
        throw new Error(`the barrier ${kind} to ${to} did not arrive`)
      return messages
    },
    { timeout: 5000, interval: 50 },
  )
  return received.some((m) => textOf(m).includes(marker))
}

const post = (who: Account, path: string, json: unknown) =>
  api(path, { method: 'POST', token: who.accessToken, json })

async function chatPair(): Promise<[Account, Account]> {
  return Promise.all([signUpUser(), signUpUser()])
}

const roomClaimed = async (roomId: string) =>
  (await (await db()).collection<{ _id: string }>('meeting_rooms').findOne({ _id: roomId })) !==
  null

const directStored = async (a: Account, b: Account) =>
  (await (
    await db()
  )
    .collection('conversations')
    .findOne({ type: 'direct', members: { $all: [oid(a.id), oid(b.id)] } })) !== null

const PATHS: Record<string, () => Promise<Path>> = {
  'open a direct conversation': async () => {
    const [inviter, invitee] = await chatPair()
    return {
      inviter,
      invitee,
      attempt: () => post(inviter, '/api/chat/conversations/direct', { userId: invitee.id }),
      stored: () => directStored(inviter, invitee),
    }
  },
  'send a first message to a user': async () => {
    const [inviter, invitee] = await chatPair()
    return {
      inviter,
      invitee,
      attempt: () => post(inviter, '/api/chat/message', { recipientId: invitee.id, text: 'hi' }),
      stored: () => directStored(inviter, invitee),
    }
  },
  'create a group with the user': async () => {
    const [inviter, invitee] = await chatPair()
    const bystander = await signUpUser()
    const name = unique('Group')
    return {
      inviter,
      invitee,
      // The bystander is fine on their own; one blocked member refuses the whole group.
      attempt: () =>
        post(inviter, '/api/chat/conversations/group', {
          name,
          memberIds: [bystander.id, invitee.id],
        }),
      stored: async () =>
        (await (await db()).collection('conversations').findOne({ name })) !== null,
    }
  },
  'add the user to a group': async () => {
    const [inviter, invitee] = await chatPair()
    const bystander = await signUpUser()
    const group = await post(inviter, '/api/chat/conversations/group', {
      name: unique('Group'),
      memberIds: [bystander.id],
    })
    expect(group.status).toBe(201)
    const id = group.body.conversation.id
    return {
      inviter,
      invitee,
      attempt: () =>
        post(inviter, `/api/chat/conversations/${id}/members`, { userIds: [invitee.id] }),
      stored: async () =>
        (await (
          await db()
        )
          .collection('conversations')
          .findOne({ _id: oid(id), members: oid(invitee.id) })) !== null,
    }
  },
  'send a friend request': async () => {
    const [inviter, invitee] = await chatPair()
    return {
      inviter,
      invitee,
      attempt: () => post(inviter, '/api/friend/request', { userId: invitee.id }),
      stored: async () =>
        (await (
          await db()
        )
          .collection('friendships')
          .findOne({ userIds: { $all: [oid(inviter.id), oid(invitee.id)] } })) !== null,
    }
  },
  'invite to a course by email': async () => {
    const [inviter, invitee] = await Promise.all([university(), signUpUser()])
    const course = await createCourse(inviter, { enrollment: 'invite-only' })
    return {
      inviter,
      invitee,
      // With an address of nobody beside it: the whole request is refused, not just one email.
      attempt: () =>
        post(inviter, `/api/courses/${course.id}/invites`, {
          emails: [`nobody-${randomBytes(4).toString('hex')}@example.test`, invitee.email],
        }),
      stored: async () =>
        (await (
          await db()
        )
          .collection('course_invites')
          .countDocuments({ courseId: oid(course.id) })) > 0,
    }
  },
  'invite into a meeting by email': async () => {
    const [inviter, invitee] = await Promise.all([videodeskUser('Vera Inviter'), signUpUser()])
    const roomId = newRoomId()
    return {
      inviter,
      invitee,
      attempt: () =>
        inviter.call(`/api/v1/send-token?${new URLSearchParams({ roomId, email: invitee.email })}`),
      stored: async () =>
        (await roomClaimed(roomId)) ||
        (await delivered('mail', invitee.email, 'invited you to a video call')),
    }
  },
  'invite into a meeting by phone': async () => {
    const [inviter, invitee] = await Promise.all([videodeskUser('Vera Inviter'), signUpUser()])
    const phone = ukPhone()
    // A verified phone on the account, as phone sign-in leaves it.
    await (
      await db()
    )
      .collection('users')
      .updateOne({ _id: oid(invitee.id) }, { $set: { phone, phoneVerified: true } })
    const roomId = newRoomId()
    return {
      inviter,
      invitee,
      attempt: () => inviter.call(`/api/v1/send-token?${new URLSearchParams({ roomId, phone })}`),
      stored: async () =>
        (await roomClaimed(roomId)) ||
        (await delivered('sms', phone, 'invited you to a video call')),
    }
  },
  'resend a meeting invite': async () => {
    const [inviter, invitee] = await Promise.all([videodeskUser('Vera Inviter'), signUpUser()])
    const roomId = newRoomId()
    const first = await inviter.call(
      `/api/v1/send-token?${new URLSearchParams({ roomId, email: `someone-${randomBytes(4).toString('hex')}@example.test` })}`,
    )
    expect(first.status).toBe(200)
    return {
      inviter,
      invitee,
      attempt: () =>
        inviter.call(
          `/api/v1/resend-token?${new URLSearchParams({ roomId, email: invitee.email })}`,
        ),
      stored: () => delivered('mail', invitee.email, 'invited you to a video call'),
    }
  },
  'name a speaker when creating a conference': async () => {
    const [inviter, invitee] = await Promise.all([
      registerRoleUser('host'),
      // Proven: a speaker email reaches an account only once its owner proved it.
      registerRoleUser('speaker').then(async (speaker) => (await proveEmail(speaker), speaker)),
    ])
    const title = unique('Conf')
    return {
      inviter,
      invitee,
      attempt: () =>
        post(inviter, '/api/conference', {
          title,
          speakers: [{ name: 'Guest', email: invitee.email }],
        }),
      stored: async () =>
        (await (await db()).collection('conferences').findOne({ title })) !== null,
    }
  },
  'name a speaker when editing a conference': async () => {
    const [inviter, invitee] = await Promise.all([
      registerRoleUser('host'),
      // Proven: a speaker email reaches an account only once its owner proved it.
      registerRoleUser('speaker').then(async (speaker) => (await proveEmail(speaker), speaker)),
    ])
    const created = await post(inviter, '/api/conference', { title: unique('Conf'), speakers: [] })
    expect(created.status).toBe(201)
    const id = created.body.conference.id
    return {
      inviter,
      invitee,
      attempt: () =>
        api(`/api/conference/${id}`, {
          method: 'PUT',
          token: inviter.accessToken,
          json: { speakers: [{ name: 'Guest', email: invitee.email }] },
        }),
      stored: async () =>
        (await (
          await db()
        )
          .collection('conferences')
          .findOne({ _id: oid(id), 'speakers.email': invitee.email })) !== null,
    }
  },
  'email a Videodesk friend link': async () => {
    const [inviter, invitee] = await Promise.all([videodeskUser('Vera Inviter'), signUpUser()])
    return {
      inviter,
      invitee,
      attempt: () =>
        inviter.call('/api/v1/send-friend-link', {
          method: 'POST',
          json: { email: invitee.email },
        }),
      stored: () => delivered('mail', invitee.email, 'invited you to Videodesk'),
    }
  },
}

async function block(blocker: Account, blocked: Account) {
  const res = await post(blocker, '/api/friend/block', { userId: blocked.id })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
}

const DIRECTIONS = {
  'the inviter blocked the invitee': (p: Path) => block(p.inviter, p.invitee),
  'the invitee blocked the inviter': (p: Path) => block(p.invitee, p.inviter),
}

// Every case signs up its own users (the slow part: mailed codes, password hashing), so the cases
// run side by side, and so do a case's two block directions.
describe.concurrent.each(Object.entries(PATHS))('%s', (_name, setUp) => {
  it('is refused with 403 in both block directions, with one message, and stores nothing', async ({
    expect,
  }) => {
    const messages = await Promise.all(
      Object.entries(DIRECTIONS).map(async ([direction, blockFor]) => {
        const path = await setUp()
        await blockFor(path)
        const res = await path.attempt()
        expect(res.status, `${direction}: ${JSON.stringify(res.body)}`).toBe(403)
        expect(res.body).toMatchObject({
          success: false,
          code: 'FORBIDDEN',
          message: expect.any(String),
          requestId: expect.any(String),
        })
        // Says neither who blocked whom nor that a block is the reason.
        expect(res.body.message).not.toMatch(/block/i)
        expect(await path.stored(), `${direction}: something was stored or sent`).toBe(false)
        return res.body.message as string
      }),
    )
    expect(messages[0]).toBe(messages[1])
  })

  it('works between users who have not blocked each other', async ({ expect }) => {
    const path = await setUp()
    const res = await path.attempt()
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300)
    expect(await path.stored()).toBe(true)
  })
})

describe('after an unblock', () => {
  it('lets the same invite through again', async () => {
    const [inviter, invitee] = await chatPair()
    await block(invitee, inviter)
    expect((await post(inviter, '/api/friend/request', { userId: invitee.id })).status).toBe(403)
    const lifted = await api(`/api/friend/block/${inviter.id}`, {
      method: 'DELETE',
      token: invitee.accessToken,
    })
    expect(lifted.status).toBe(200)
    expect((await post(inviter, '/api/friend/request', { userId: invitee.id })).status).toBe(201)
  })
})
