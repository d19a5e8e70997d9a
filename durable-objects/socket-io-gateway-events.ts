// Videodesk's Socket.IO events as its clients emit them, read into what the gateway does with each:
// join a meeting room, relay a native meeting frame, join or leave the notification room. The seed
// names the events but not their payloads, so each takes the shapes a Socket.IO app naturally sends
// (the ack callback, if any, is not among the arguments):
//
//   join-room              roomId | roomId, token | { roomId | room, token? }
//   admin-waiting, user-opened-link, user-started-session
//                          nothing | roomId | { roomId | room }
//   offer, answer          { sdp: description | sdp text, to?, roomId? } | { offer | answer: description, to?, roomId? }
//                          | description[, roomId] | sdp text[, roomId]       (description: { type, sdp })
//   ice-candidate          { candidate: RTCIceCandidateInit | null, to?, roomId? }
//                          | RTCIceCandidateInit[, roomId] | null[, roomId]    (null: the last candidate)
//   message-settings-updated  { settings, roomId? } | settings
//   join-notification-room, leave-notification-room   anything (room, email, userId are ignored)
//
// `to` is 'admin' or 'guest'; anything else is dropped, since a meeting has one other peer. A room
// id in an event after `join-room` must be the joined room's.
import type { ErrorCode } from '../shared/errors'
import { MeetingRoomIdSchema, type MeetingClientType } from '../shared/meeting'

/** A meeting client frame without its `rid` (the relay adds the ack id). */
export type MeetingFrame = { type: Exclude<MeetingClientType, 'join-room'> } & Record<
  string,
  unknown
>

export type GatewayEvent =
  | { kind: 'join-room'; roomId: string; token?: string }
  | { kind: 'meeting'; frame: MeetingFrame; roomId?: string }
  | { kind: 'notifications'; join: boolean }
  | { kind: 'refused'; code: ErrorCode; message: string }

const ICE_FIELDS = ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment'] as const

/**
 * @example readGatewayEvent('join-room', ['room-abc123']) // { kind: 'join-room', roomId: 'room-abc123' }
 * @example readGatewayEvent('offer', [{ type: 'offer', sdp: 'v=0…' }, 'room-abc123'])
 * // { kind: 'meeting', frame: { type: 'offer', sdp: { type: 'offer', sdp: 'v=0…' } }, roomId: 'room-abc123' }
 */
export function readGatewayEvent(event: string, args: readonly unknown[]): GatewayEvent {
  const [first, second] = args
  switch (event) {
    case 'join-room':
      return joinRoom(first, second)
    case 'admin-waiting':
    case 'user-opened-link':
    case 'user-started-session':
      return meeting({ type: event }, typeof first === 'string' ? first : roomIdOf(first))
    case 'offer':
    case 'answer': {
      const sdp = description(event, first)
      if (!sdp)
        return refused(
          `'${event}' needs the session description: emit('${event}', { sdp: { type: '${event}', sdp } })`,
        )
      return meeting({ type: event, sdp, ...target(first) }, roomIdAfter(first, second))
    }
    case 'ice-candidate': {
      const candidate = iceCandidate(first)
      if (candidate === undefined)
        return refused(
          "'ice-candidate' needs the candidate: emit('ice-candidate', { candidate }) (null: the last)",
        )
      return meeting({ type: event, candidate, ...target(first) }, roomIdAfter(first, second))
    }
    case 'message-settings-updated': {
      if (!isObject(first))
        return refused("'message-settings-updated' needs the settings: emit(…, { settings })")
      const { roomId: _roomId, room: _room, to: _to, ...rest } = first
      const settings = isObject(first.settings) ? first.settings : rest
      return meeting({ type: event, settings }, roomIdOf(first))
    }
    case 'join-notification-room':
    case 'leave-notification-room':
      return { kind: 'notifications', join: event === 'join-notification-room' }
    default:
      return { kind: 'refused', code: 'BAD_REQUEST', message: `Unknown event '${event}'` }
  }
}

function joinRoom(first: unknown, second: unknown): GatewayEvent {
  const roomId = typeof first === 'string' ? first : roomIdOf(first)
  const token =
    typeof first === 'string'
      ? typeof second === 'string'
        ? second
        : isObject(second)
          ? stringField(second, 'token')
          : undefined
      : isObject(first)
        ? stringField(first, 'token')
        : undefined
  if (roomId === undefined)
    return refused(
      "'join-room' needs the room id: emit('join-room', roomId) or ({ roomId, token })",
    )
  if (!MeetingRoomIdSchema.safeParse(roomId).success)
    return refused('The room id must be 6-64 letters, digits, _ or -')
  return { kind: 'join-room', roomId, ...(token === undefined ? {} : { token }) }
}

/** The description of an offer or answer, in any of the shapes above; undefined if none. */
function description(type: 'offer' | 'answer', value: unknown): unknown {
  if (typeof value === 'string') return { type, sdp: value }
  if (!isObject(value)) return undefined
  if (value.type === type && typeof value.sdp === 'string') return { type, sdp: value.sdp }
  const inner = value.sdp ?? value[type] ?? value.description
  if (typeof inner === 'string') return { type, sdp: inner }
  // RTCSessionDescription.toJSON() gives { type, sdp }; the room checks both.
  if (isObject(inner)) return { type: inner.type, sdp: inner.sdp }
  return undefined
}

/** The candidate (an RTCIceCandidateInit, or null for the last), in any of the shapes above. */
function iceCandidate(value: unknown): unknown {
  if (value === null) return null
  if (!isObject(value)) return undefined
  const init = typeof value.candidate === 'string' ? value : value.candidate
  if (init === null) return null
  if (!isObject(init)) return undefined
  return Object.fromEntries(
    ICE_FIELDS.filter((f) => init[f] !== undefined).map((f) => [f, init[f]]),
  )
}

function target(value: unknown): { to?: 'admin' | 'guest' } {
  const to = isObject(value) ? value.to : undefined
  return to === 'admin' || to === 'guest' ? { to } : {}
}

/** A room id named in the payload object, or given as the argument after it. */
function roomIdAfter(first: unknown, second: unknown): string | undefined {
  return roomIdOf(first) ?? (typeof second === 'string' ? second : undefined)
}

function roomIdOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined
  return stringField(value, 'roomId') ?? stringField(value, 'room')
}

function meeting(frame: MeetingFrame, roomId: string | undefined): GatewayEvent {
  return { kind: 'meeting', frame, ...(roomId === undefined ? {} : { roomId }) }
}

function refused(message: string): GatewayEvent {
  return { kind: 'refused', code: 'VALIDATION_ERROR', message }
}

function stringField(value: Record<string, unknown>, key: string): string | undefined {
  const field = value[key]
  return typeof field === 'string' ? field : undefined
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
