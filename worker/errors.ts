// The application's one error class: a code from the closed list in shared/errors.ts, mapped to
// an HTTP status in one place, rendered by the app's onError.
import { ERROR_STATUS, type ErrorCode, type ErrorDetail } from '../shared/errors'

export class AppError extends Error {
  override readonly name = 'AppError'
  readonly status: number
  readonly headers: Record<string, string> | undefined

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options)
    this.status = ERROR_STATUS[code]
    this.headers = options?.headers
  }
}
