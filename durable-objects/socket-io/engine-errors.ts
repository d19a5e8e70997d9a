// The answers Engine.IO gives a request it refuses, byte for byte as the reference server
// (engine.io 6.6) gives them, so old clients and their error handling see what they always saw.
export const ENGINE_ERRORS = {
  UNKNOWN_TRANSPORT: { code: 0, message: 'Transport unknown' },
  UNKNOWN_SID: { code: 1, message: 'Session ID unknown' },
  BAD_HANDSHAKE_METHOD: { code: 2, message: 'Bad handshake method' },
  BAD_REQUEST: { code: 3, message: 'Bad request' },
  FORBIDDEN: { code: 4, message: 'Forbidden' },
  UNSUPPORTED_PROTOCOL_VERSION: { code: 5, message: 'Unsupported protocol version' },
} as const

export type EngineErrorName = keyof typeof ENGINE_ERRORS

/** An HTTP answer described as data: a Durable Object turns it into a Response, a test host into node:http. */
export interface EngineReply {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * A refused HTTP request: 403 for FORBIDDEN, 400 otherwise, with `{code, message}` as JSON.
 * @example engineErrorReply('UNKNOWN_SID') // 400 {"code":1,"message":"Session ID unknown"}
 */
export function engineErrorReply(name: EngineErrorName): EngineReply {
  const { code, message } = ENGINE_ERRORS[name]
  return {
    status: name === 'FORBIDDEN' ? 403 : 400,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, message }),
  }
}

/** A refused WebSocket upgrade: the reference answers 400 with the bare message as text/html. */
export function upgradeErrorReply(name: EngineErrorName): EngineReply {
  return {
    status: 400,
    headers: { 'Content-Type': 'text/html' },
    body: ENGINE_ERRORS[name].message,
  }
}

/**
 * A transport-level refusal with no body: 400 for a second GET or POST on one session (the reference
 * also closes the session), 413 for a POST over maxPayload, 500 for a method other than GET/POST.
 */
export function bareReply(status: 400 | 413 | 500): EngineReply {
  return { status, headers: {}, body: '' }
}
