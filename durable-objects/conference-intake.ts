// What a conference socket's frame must pass before a room or a shard acts on it, whichever holds
// the socket: it parses as a conference message, the sender's role may send it, and an audience
// member is within their rate (room-limits.ts AUDIENCE_RATE).
import {
  isVoteMessage,
  MESSAGE_ROLES,
  type ConferenceClientMessage,
  type ConferenceRole,
} from '../shared/conference'
import { RoomError, type ClientFrame } from './realtime-room'
import type { TokenBuckets } from './token-buckets'

export interface IntakeSteps {
  /** Parses a frame that is not a vote; answers the validation error itself when it fails. */
  parse(frame: ClientFrame): ConferenceClientMessage | undefined
  /** Answers a refused message with an `error` frame for its `rid`. */
  refuse(rid: string | undefined, error: RoomError): void
  audienceLimit: TokenBuckets
}

/** The message to act on, or undefined once the frame has been answered with its refusal. */
export function conferenceMessage(
  frame: ClientFrame,
  sender: { role: ConferenceRole; subject: string },
  steps: IntakeSteps,
): ConferenceClientMessage | undefined {
  // Votes, most of what arrives, skip the schema: isVoteMessage checks their shape itself.
  const message = isVoteMessage(frame) ? frame : steps.parse(frame)
  if (!message) return undefined
  if (!MESSAGE_ROLES[message.type].includes(sender.role)) {
    steps.refuse(
      message.rid,
      new RoomError('FORBIDDEN', `The ${sender.role} cannot send '${message.type}'`),
    )
    return undefined
  }
  if (sender.role === 'audience' && !steps.audienceLimit.take(sender.subject)) {
    steps.refuse(message.rid, new RoomError('RATE_LIMITED', 'You are sending too fast; slow down'))
    return undefined
  }
  return message
}
