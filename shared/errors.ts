// The closed list of error codes every runtime answers with, and the one error envelope.
// Clients of both old systems read `success` and `message`; `code` and `details` are additions.

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** A cookie-authenticated state change from a page on another site (worker/middleware/csrf.ts). */
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  CONFIG_INVALID: 500,
  SERVICE_UNAVAILABLE: 503,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

export interface ErrorDetail {
  path: string
  message: string
}

export interface ErrorEnvelope {
  success: false
  message: string
  code: ErrorCode
  details?: ErrorDetail[]
  requestId?: string
}
