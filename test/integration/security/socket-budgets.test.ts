// Every frame type of every room has a per-socket budget: one socket flooding any of them (each
// type of the room's zod union, `ping`, and frames of a type the room does not take) has at most
// its budget handled, is warned with RATE_LIMITED and closed with 4429, and another socket in the
// same room is served meanwhile. Relayed frames are counted at the other member, stored messages
// in the conversation's history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { WARN_EVERY_MS } from '../../../durable-objects/frame-budgets'
import { CHAT_FRAME_BUDGETS, ChatClientMessageSchema } from '../../../shared/chat'
import {
  CONFERENCE_FRAME_BUDGETS,
  ConferenceClientMessageSchema,
  MESSAGE_ROLES,
} from '../../../shared/conference'
import {
  MEETING_FRAME_BUDGETS,
  MEETING_SENDERS,
  MeetingClientMessageSchema,
  type MeetingClientType,
} from '../../../shared/meeting'
import {
  CLOSE_CODES,
  OTHER_FRAMES,
  type FrameBudget,
  type FrameBudgetTable,
} from '../../../shared/realtime'
import { USER_FRAME_BUDGETS, UserClientMessageSchema } from '../../../shared/user-channel'
import { chatSocket, directChat, userChannelSocket } from '../../harness/chat'
import {
  createConference,
  joinAudience,
  staffSocket,
  type RunningConference,
} from '../../harness/conference'
import { api } from '../../harness/http'
import { adminSocket, guestSocket, inviteGuest, join, newRoomId } from '../../harness/meetings'
import { signUpUser, type TestUser } from '../../harness/users'
import { videodeskUser, type VideodeskUser } from '../../harness/videodesk'
import type { TestSocket } from '../../harness/ws'
import { FUZZ_MARK } from './lib/bad-inputs'
import { budgetAllows, flood, type Flood } from './lib/flood'
import { validFrame, variants } from './lib/frames'
import { emptyCounts, writeCounts } from './lib/report'

const counts = emptyCounts()
counts.tried = { floods: 0, floodFrames: 0 }
afterAll(() => writeCounts('socket-budgets', counts))

/** The types a room's flood tests cover: its union's, ping, and one it does not take. */
function floodTypes(schema: z.ZodType): string[] {
  return [...variants(schema).keys(), 'ping', OTHER_FRAMES]
}

/** A valid frame of `type` from the room's union (ids filled in), or ping, or an unknown type. */
function frameOf(
  schema: z.ZodType,
  type: string,
  fill: Record<string, unknown> = {},
  overrides: Record<string, Record<string, unknown>> = {},
): Record<string, unknown> {
  if (type === 'ping') return { type: 'ping' }
  if (type === OTHER_FRAMES) return { type: `${FUZZ_MARK}.unknown` }
  return { ...validFrame(variants(schema).get(type)!, fill), ...overrides[type] }
}

/** The budget a room's table gives `type` (every type the tests flood has one, see the first test). */
function budgetOf(table: FrameBudgetTable<string>, type: string): FrameBudget {
  const budget = table[type]
  if (!budget) throw new Error(`no budget for '${type}'`)
  return budget
}

/**
 * The flood was held to its budget: closed with 4429 after at least one warning and at most one a
 * second, and no more handled (answered, relayed, stored) than the burst and the refill allow.
 */
function expectHeld(result: Flood, budget: FrameBudget, effects: Record<string, number> = {}) {
  const allowed = budgetAllows(budget, result.elapsedMs)
  counts.tried.floods!++
  counts.tried.floodFrames! += result.sent
  for (const handled of [result.answered, ...Object.values(effects)])
    counts.unexpectedAllows += Math.max(0, handled - allowed)
  expect(result.closeCode).toBe(CLOSE_CODES.RATE_LIMITED)
  expect(result.warnings).toBeGreaterThanOrEqual(1)
  expect(result.warnings).toBeLessThanOrEqual(Math.floor(result.elapsedMs / WARN_EVERY_MS) + 1)
  expect({ answered: result.answered, ...effects, allowed }).toEqual({
    answered: Math.min(result.answered, allowed),
    ...Object.fromEntries(Object.entries(effects).map(([k, v]) => [k, Math.min(v, allowed)])),
    allowed,
  })
  // The flood got somewhere before it was cut off: the budget admits, it does not just refuse.
  expect(result.answered + Object.values(effects).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
}

/** Messages `socket` received after `from` (an index into its messages) matching `predicate`. */
const receivedSince = (socket: TestSocket, from: number, predicate: (m: any) => boolean) =>
  socket.messages.slice(from).filter(predicate).length

/** A request and the first answer to it (matched by rid). */
async function ask(socket: TestSocket, frame: Record<string, unknown>) {
  const rid = `check-${Math.random().toString(36).slice(2)}`
  socket.send({ ...frame, rid })
  return socket.next((m) => m.rid === rid, 15_000)
}

it('declares a budget for every frame type of every room, and none for types it does not take', () => {
  const tables: [z.ZodType, FrameBudgetTable<string>][] = [
    [ConferenceClientMessageSchema, CONFERENCE_FRAME_BUDGETS],
    [ChatClientMessageSchema, CHAT_FRAME_BUDGETS],
    [MeetingClientMessageSchema, MEETING_FRAME_BUDGETS],
    [UserClientMessageSchema, USER_FRAME_BUDGETS],
  ]
  for (const [schema, table] of tables) {
    expect(Object.keys(table).sort()).toEqual(floodTypes(schema).sort())
    for (const budget of Object.values(table)) {
      // Bounded: a flood of thousands a second is refused almost whole.
      expect(budget.perSecond).toBeLessThanOrEqual(100)
      expect(budget.burst).toBeLessThanOrEqual(500)
    }
  }
})

describe('ConferenceRoom', () => {
  let conf: RunningConference
  let bystander: TestSocket
  let qaId: string

  beforeAll(async () => {
    conf = await createConference([{ text: 'Budget?', options: ['Yes', 'No'] }])
    const host = await staffSocket(conf.id, conf.host.accessToken)
    const push = await ask(host, { type: 'question.push', questionId: conf.questions[0]!.id })
    expect(push).toMatchObject({ type: 'ack' })
    await host.close()
    bystander = (await joinAudience(conf)).socket
    const asked = await ask(bystander, { type: 'qa.ask', text: 'Upvote me' })
    expect(asked).toMatchObject({ type: 'ack' })
    qaId = asked.qaId
  })
  afterAll(async () => bystander?.close())

  for (const type of floodTypes(ConferenceClientMessageSchema)) {
    it(`${type}: one socket's flood is held to its budget and closed; the audience is served`, async () => {
      const question = conf.questions[0]!
      const frame = frameOf(ConferenceClientMessageSchema, type, {
        questionId: question.id,
        optionIds: [question.options[0]!.id],
        qaId,
      })
      const audienceType =
        !(type in MESSAGE_ROLES) ||
        MESSAGE_ROLES[type as keyof typeof MESSAGE_ROLES].includes('audience')
      const flooder = audienceType
        ? (await joinAudience(conf)).socket
        : await staffSocket(conf.id, conf.host.accessToken)
      await flooder.next((m) => m.type === 'welcome')
      let served: unknown
      const result = await flood(
        flooder,
        frame,
        budgetOf(CONFERENCE_FRAME_BUDGETS, type),
        async () => {
          served = await ask(bystander, { type: 'qa.ask', text: `Still here during ${type}?` })
        },
      )
      expectHeld(result, budgetOf(CONFERENCE_FRAME_BUDGETS, type))
      expect(served).toMatchObject({ type: 'ack' })
      expect(await ask(bystander, { type: 'ping' })).toMatchObject({ type: 'pong' })
    })
  }
})

describe('ChatConversation', () => {
  let a: TestUser
  let b: TestUser
  let conversationId: string
  let bystander: TestSocket

  beforeAll(async () => {
    ;[a, b] = await Promise.all([signUpUser(), signUpUser()])
    conversationId = await directChat(a, b)
    bystander = await chatSocket(conversationId, b)
  })
  afterAll(async () => bystander?.close())

  const storedFrom = async (userId: string) => {
    const res = await api(`/api/chat/conversations/${conversationId}/messages?limit=200`, {
      token: b.accessToken,
    })
    expect(res.status).toBe(200)
    return res.body.messages.filter((m: { senderId: string }) => m.senderId === userId).length
  }

  for (const type of floodTypes(ChatClientMessageSchema)) {
    it(`${type}: one socket's flood is held to its budget and closed; the other member is served`, async () => {
      // `active: false` is relayed every time (the room throttles only `active: true` itself).
      const frame = frameOf(
        ChatClientMessageSchema,
        type,
        { seq: 0 },
        { 'message.send': { text: 'flood' }, typing: { active: false } },
      )
      const storedBefore = await storedFrom(a.id)
      const from = bystander.messages.length
      const flooder = await chatSocket(conversationId, a)
      let served: unknown
      const result = await flood(flooder, frame, budgetOf(CHAT_FRAME_BUDGETS, type), async () => {
        served = await ask(bystander, { type: 'message.send', text: `still here (${type})` })
      })
      const effects: Record<string, number> = {}
      if (type === 'typing')
        effects.relayed = receivedSince(bystander, from, (m) => m.type === 'typing.changed')
      if (type === 'message.send') effects.stored = (await storedFrom(a.id)) - storedBefore
      expectHeld(result, budgetOf(CHAT_FRAME_BUDGETS, type), effects)
      if (type === 'typing') expect(effects.relayed).toBeGreaterThan(0)
      expect(served).toMatchObject({ type: 'ack' })
    })
  }
})

describe('MeetingRoom', () => {
  let owner: VideodeskUser

  beforeAll(async () => {
    owner = await videodeskUser('Flo Owner')
  })

  /** A room with the admin and the guest both joined. */
  async function joinedPair() {
    const roomId = newRoomId()
    const { token } = await inviteGuest(owner, roomId, 'Rita Resident')
    const admin = await adminSocket(owner, roomId)
    await join(admin)
    const guest = await guestSocket(roomId, token)
    await join(guest)
    // Both see the other arrive before the flood, so what follows counts only the flood's relays.
    await admin.next((m) => m.type === 'user-opened-link')
    await guest.next((m) => m.type === 'admin-waiting')
    return { admin, guest }
  }

  /** What the other peer receives for each frame it relays (`join-room` from the admin: this). */
  const RELAYED_AS: Partial<Record<MeetingClientType, string>> = { 'join-room': 'admin-waiting' }

  for (const type of floodTypes(MeetingClientMessageSchema)) {
    it(`${type}: one socket's flood is held to its budget and closed; the other peer is served`, async () => {
      const frame = frameOf(
        MeetingClientMessageSchema,
        type,
        {},
        {
          answer: { sdp: { type: 'answer', sdp: 'v=0' } },
        },
      )
      const senders = MEETING_SENDERS[type as MeetingClientType] ?? ['admin']
      const { admin, guest } = await joinedPair()
      const [flooder, peer] = senders.includes('admin') ? [admin, guest] : [guest, admin]
      const from = peer.messages.length
      let served: unknown
      const result = await flood(
        flooder,
        frame,
        budgetOf(MEETING_FRAME_BUDGETS, type),
        async () => {
          served = await ask(peer, { type: 'ping' })
        },
      )
      const relayedAs = RELAYED_AS[type as MeetingClientType] ?? type
      const relays = type in MEETING_SENDERS
      const effects = relays
        ? { relayed: receivedSince(peer, from, (m) => m.type === relayedAs) }
        : undefined
      expectHeld(result, budgetOf(MEETING_FRAME_BUDGETS, type), effects)
      if (type === 'ice-candidate') expect(effects!.relayed).toBeGreaterThan(0)
      expect(served).toMatchObject({ type: 'pong' })
      expect(await ask(peer, { type: 'join-room' })).toMatchObject({ type: 'ack' })
      await peer.close()
    })
  }
})

describe('UserChannel', () => {
  let user: TestUser
  let otherDevice: TestSocket

  beforeAll(async () => {
    user = await signUpUser()
    otherDevice = await userChannelSocket(user)
  })
  afterAll(async () => otherDevice?.close())

  for (const type of floodTypes(UserClientMessageSchema)) {
    it(`${type}: one socket's flood is held to its budget and closed; another device is served`, async () => {
      const flooder = await userChannelSocket(user)
      let served: unknown
      const result = await flood(
        flooder,
        frameOf(UserClientMessageSchema, type),
        budgetOf(USER_FRAME_BUDGETS, type),
        async () => {
          served = await ask(otherDevice, { type: 'unread.get' })
        },
      )
      expectHeld(result, budgetOf(USER_FRAME_BUDGETS, type))
      expect(served).toMatchObject({ type: 'ack', unreadCount: 0 })
    })
  }
})
