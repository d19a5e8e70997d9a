// Route factories for who may call a route: each derives the auth middleware, the OpenAPI security
// and the error responses every such route shares (400 for its request, 401/403 for its access),
// so a route lists only the errors of its own logic.
import { createRoute, type RouteConfig } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { Role } from '../shared/roles'
import type { AppEnv } from './env'
import { optionalAuth, protect, requireRole, type Prefetch } from './middleware/auth'
import { SESSION_SECURITY, errorResponses } from './openapi'

type Declared = Omit<RouteConfig, 'middleware' | 'security'>
/** Either roles, or a read to start beside the session check (`protect`'s prefetch): not both. */
type Access = { role?: Role | Role[]; prefetch?: never } | { role?: never; prefetch?: Prefetch }

/** 400 where there is a request to validate: the validation hook answers it. */
const invalidRequest = (request: Declared['request']) => (request ? [400 as const] : [])

/**
 * The route's responses with the derived errors added, typed as the route's own: an error entry
 * types no body (errorResponses never does), and in the type it would blur the others' for clients.
 */
const withErrors = <T extends Declared['responses']>(
  responses: T,
  ...statuses: Parameters<typeof errorResponses>
) => ({ ...errorResponses(...statuses), ...responses }) as T

/**
 * A route for signed-in callers: any account, or with `role` only those roles (ADMIN always
 * passes). Adds the session security, 400 when it has a request, 401 and, with a role, 403.
 *
 * @example
 * authedRoute({ method: 'get', path: '/', role: 'ADMIN', request, responses: { 200: … } })
 */
export function authedRoute<P extends string, R extends Declared & Access & { path: P }>(
  config: R,
) {
  const { role, prefetch, ...route } = config
  const roles = role === undefined ? [] : [role].flat()
  const refusals = roles.length ? ([401, 403] as const) : ([401] as const)
  return createRoute({
    ...route,
    middleware: [roles.length ? requireRole(...roles) : protect({ prefetch })] as const,
    security: SESSION_SECURITY,
    responses: withErrors(route.responses, ...invalidRequest(route.request), ...refusals),
  })
}

/**
 * A route anyone may call that knows the caller when they are signed in (`c.var.user` is then
 * set); `before` runs ahead of the session check, for reads that can start without it. Adds 400
 * when it has a request.
 */
export function optionalAuthRoute<
  P extends string,
  R extends Declared & { path: P; before?: MiddlewareHandler<AppEnv>[] },
>(config: R) {
  const { before = [], ...route } = config
  return createRoute({
    ...route,
    middleware: [...before, optionalAuth()],
    responses: withErrors(route.responses, ...invalidRequest(route.request)),
  })
}
