// The one place where any thrown error becomes the JSON error envelope. Only 5xx are logged as
// errors; a stack is shown to the client only in development.
import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { ERROR_STATUS, type ErrorCode, type ErrorEnvelope } from '../shared/errors'
import type { AppEnv } from './env'
import { AppError } from './errors'
import { log } from './log'

const MONGO_UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'WaitQueueTimeoutError',
])

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  if (error instanceof HTTPException) {
    const code: ErrorCode =
      error.status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : error.status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : error.status === 401
            ? 'UNAUTHORIZED'
            : error.status === 404
              ? 'NOT_FOUND'
              : error.status < 500
                ? 'BAD_REQUEST'
                : 'INTERNAL'
    return new AppError(code, error.message || 'Bad request', undefined, { cause: error })
  }
  const e = error as { name?: string; code?: unknown; keyValue?: Record<string, unknown> }
  if (e?.code === 11000) {
    const fields = Object.keys(e.keyValue ?? {})
    return new AppError(
      'CONFLICT',
      fields.length ? `A record with this ${fields.join(', ')} already exists` : 'Duplicate record',
      fields.map((f) => ({ path: f, message: 'already exists' })),
      { cause: error },
    )
  }
  if (e?.name && MONGO_UNAVAILABLE.has(e.name)) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      'The database is unavailable, try again shortly',
      undefined,
      {
        cause: error,
      },
    )
  }
  return new AppError('INTERNAL', 'Internal server error', undefined, { cause: error })
}

export function renderError(error: unknown, c: Context<AppEnv>): Response {
  const appError = toAppError(error)
  const requestId = c.get('requestId')
  if (appError.status >= 500) {
    const cause = appError.cause ?? appError
    log('error', appError.message, {
      requestId,
      code: appError.code,
      error:
        cause instanceof Error
          ? { name: cause.name, message: cause.message, stack: cause.stack }
          : String(cause),
    })
  }
  const body: ErrorEnvelope & { stack?: string } = {
    success: false,
    message: appError.message,
    code: appError.code,
    ...(appError.details ? { details: appError.details } : {}),
    requestId,
  }
  let development: boolean
  try {
    development = c.get('config')?.APP_ENV === 'development'
  } catch {
    development = false
  }
  if (development && appError.status >= 500 && appError.cause instanceof Error) {
    body.stack = appError.cause.stack
  }
  const status = ERROR_STATUS[appError.code] as 400
  return c.json(body, status, appError.headers)
}
