// Route-group factory and shared OpenAPI pieces: every route is declared with zod schemas, so the
// same schemas validate requests and generate the OpenAPI document.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Hook } from '@hono/zod-openapi'
import type { ZodError } from 'zod'
import { ACCESS_COOKIE } from './auth/cookies'
import type { AppEnv } from './env'
import { AppError } from './errors'

function validationError(error: ZodError, target?: string): AppError {
  return new AppError(
    'VALIDATION_ERROR',
    'Invalid request',
    error.issues.map((issue) => {
      const path = issue.path.map(String).join('.')
      const prefix = target && target !== 'json' && target !== 'form' ? target : ''
      return {
        path: [prefix, path].filter(Boolean).join('.') || prefix || 'body',
        message: issue.message,
      }
    }),
  )
}

// The one validation hook: every 400 for bad input is rendered from here.
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw validationError(result.error as ZodError, result.target)
}

/** A route group: one per routes file of a feature folder, mounted with app.route(). */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook })
}

/**
 * The two ways a caller proves a session: a bearer token (Sanora apps) or the session cookie
 * (Videodesk web). `security` lists them as alternatives, since the auth middleware takes either.
 */
export const SESSION_SECURITY: Record<string, string[]>[] = [{ bearerAuth: [] }, { cookieAuth: [] }]

/** Declares the schemes SESSION_SECURITY names in the app's OpenAPI document. */
export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'cookieAuth', {
    type: 'apiKey',
    in: 'cookie',
    name: ACCESS_COOKIE,
    description: 'The web session; renewed from the refresh_token cookie when it expires',
  })
}

const ErrorSchema = z
  .object({
    success: z.literal(false),
    message: z.string(),
    code: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  })
  .openapi('Error')

/** Standard error responses for a route's OpenAPI entry. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 429 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid input',
    401: 'Not authenticated',
    403: 'Not allowed',
    404: 'Not found',
    409: 'Conflict',
    413: 'Body too large',
    429: 'Too many requests',
    503: 'A dependency is unavailable',
  }
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: descriptions[s] ?? 'Error',
        content: { 'application/json': { schema: ErrorSchema } },
      },
    ]),
  )
}

/** A JSON request body for createRoute. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } }
}

/**
 * A JSON request body the client may leave out: the handler then reads `c.req.valid('json')` as
 * `{}`, so the schema's fields must all be optional.
 */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: false } }
}

/** A JSON response entry for createRoute. */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } }
}
