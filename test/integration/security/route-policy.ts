// Who may call each route: the expected allow/refuse table the authorization suite checks against
// the running Worker. Every route listed by GET /api/debug/routes must have an entry here — the
// suite fails on an unclassified route, so each new route gets classified when it is added.
//
// Adding a route: one line, keyed `METHOD /path/:param` exactly as /api/debug/routes prints it
// (Hono inline regexes such as `:id{[0-9a-f]{24}}` dropped).
//   access  'public'     anyone, anonymous included
//           'signed-in'  any account (anonymous → 401)
//           [roles]      requireRole: listed roles and ADMIN pass, every other role → 403
//           'service'    only the transcoder's service token (user tokens → 401)
//   owner   the resource only its owner or members may touch. The suite calls the route as the
//           resource's "other owner" (a caller of an allowed role who does not own it, defined in
//           OTHER_OWNER in authz-matrix.test.ts) with the owner's real ids: 403 or 404 expected.
//           A new owned resource type: add it to Resource, to the world fixture
//           (lib/world.ts), and to the id and other-owner maps of authz-matrix.test.ts.
//   body    a valid body for the IDOR call, from the world fixture, when the schema's generated
//           sample is not enough.
import type { Role } from '../../../shared/roles'
import type { World } from './lib/world'

export type Resource =
  | 'conference'
  | 'course'
  | 'enrollment'
  | 'product'
  | 'order'
  | 'conversation'
  | 'media'
  | 'job'
  | 'notification'
  | 'presence'

export interface RoutePolicy {
  access: 'public' | 'signed-in' | Role[] | 'service'
  owner?: Resource
  body?: (world: World) => unknown
}

const pub: RoutePolicy = { access: 'public' }
const signedIn: RoutePolicy = { access: 'signed-in' }
const admin: RoutePolicy = { access: ['ADMIN'] }
const owned = (owner: Resource, body?: RoutePolicy['body']): RoutePolicy => ({
  access: 'signed-in',
  owner,
  ...(body === undefined ? {} : { body }),
})
const universityOwned = (body?: RoutePolicy['body']): RoutePolicy => ({
  access: ['UNIVERSITY'],
  owner: 'course',
  ...(body === undefined ? {} : { body }),
})
const service: RoutePolicy = { access: 'service' }

export const ROUTE_POLICY: Record<string, RoutePolicy> = {
  'GET /': pub,
  'GET /api/health': pub,
  'GET /api/openapi.json': pub,
  'GET /api/docs': pub,
  // Answers 404 in production; the dev-capture routes are not mounted there either.
  'GET /api/debug/routes': pub,
  'GET /__dev/mail': pub,
  'GET /__dev/sms': pub,
  'POST /__dev/mail': pub,
  'POST /__dev/sms': pub,

  'POST /api/auth/send-otp-signup': pub,
  'POST /api/auth/verify-otp-signup': pub,
  'POST /api/auth/signup': pub,
  'POST /api/auth/login': pub,
  'POST /api/auth/refresh-token': pub,
  'POST /api/auth/logout': signedIn,
  'GET /api/auth/profile': signedIn,
  'POST /api/auth/send-phone-otp-signup': pub,
  'POST /api/auth/verify-phone-otp-signup': pub,
  'GET /api/auth/google': pub,
  'GET /api/auth/google/callback': pub,
  'POST /api/auth/verify-google-token': pub,
  'PUT /api/user/profile': signedIn,
  'POST /api/user/phone/send-otp': signedIn,
  'POST /api/user/phone/verify-otp': signedIn,
  'GET /api/admin/users': admin,
  'PATCH /api/admin/users/:id': admin,
  'POST /api/host/auth/register': pub,
  'POST /api/host/auth/login': pub,
  'POST /api/speaker/auth/register': pub,
  'POST /api/speaker/auth/login': pub,
  'POST /api/university/auth/register': pub,
  'POST /api/university/auth/resend-otp': pub,
  'POST /api/university/auth/verify-otp': pub,
  'POST /api/university/auth/login': pub,
  'POST /send-otp': pub,
  'POST /verify-otp': pub,
  'POST /api/v1/register': pub,
  'POST /api/v1/login': pub,
  'POST /api/v1/verify': pub,
  'GET /api/v1/me': signedIn,
  'GET /api/v1/logout': pub,
  'PUT /api/v1/user/update': signedIn,
  'PUT /api/v1/user/change-password': signedIn,
  'POST /api/v1/forgot-password': pub,
  'POST /api/v1/reset-password': pub,

  'GET /api/conference': signedIn,
  'POST /api/conference': { access: ['HOST'] },
  'GET /api/conference/by-code/:code': pub,
  'POST /api/conference/by-code/:code/join': pub,
  'POST /api/conference/:id/ticket': pub,
  'GET /api/conference/:id': pub,
  'PUT /api/conference/:id': owned('conference', () => ({ title: 'Taken over' })),
  'GET /api/conference/:id/qr.png': pub,
  'GET /api/conference/:id/qr.svg': pub,
  'GET /api/conference/:id/questions': pub,
  'POST /api/conference/:id/questions': owned('conference', () => ({
    text: 'Mine?',
    options: ['a', 'b'],
  })),
  'PUT /api/conference/:id/questions/order': owned('conference'),
  'PUT /api/conference/:id/questions/:questionId': owned('conference', () => ({ text: 'Changed' })),
  'DELETE /api/conference/:id/questions/:questionId': owned('conference'),
  'POST /api/conference/:id/questions/:questionId/live': owned('conference'),
  'POST /api/conference/:id/questions/:questionId/close': owned('conference'),
  'POST /api/conference/:id/questions/:questionId/reveal': owned('conference'),
  'GET /api/conference/:id/questions/results': pub,
  'GET /api/conference/:id/questions/:questionId/results': pub,
  'GET /api/conference/:id/qa': pub,
  'POST /api/conference/:id/qa/:qaId/moderate': owned('conference'),
  'GET /api/conference/:id/export/polls.csv': owned('conference'),
  'GET /api/conference/:id/export/qa.csv': owned('conference'),
  'POST /api/conference/:id/chat': owned('conference'),
  'POST /api/conference/:id/chat/join': signedIn,

  'GET /api/chat/conversations': signedIn,
  'POST /api/chat/conversations/direct': signedIn,
  'POST /api/chat/conversations/group': signedIn,
  'GET /api/chat/conversations/:id': owned('conversation'),
  'POST /api/chat/conversations/:id/members': owned('conversation'),
  'DELETE /api/chat/conversations/:id/members/:userId': owned('conversation'),
  'POST /api/chat/conversations/:id/leave': owned('conversation'),
  'GET /api/chat/conversations/:id/messages': owned('conversation'),
  'POST /api/chat/conversations/:id/read': owned('conversation'),
  'DELETE /api/chat/conversations/:id/messages/:seq': owned('conversation'),
  'POST /api/chat/conversations/:id/ticket': owned('conversation'),
  'POST /api/chat/message': owned('conversation', (w) => ({ conversationId: w.conversationId })),

  'GET /api/courses': pub,
  'POST /api/courses': { access: ['UNIVERSITY'] },
  'GET /api/courses/:id': pub,
  'PUT /api/courses/:id': universityOwned(() => ({ title: 'Taken over' })),
  'DELETE /api/courses/:id': universityOwned(),
  'POST /api/courses/:id/enroll': signedIn,
  'DELETE /api/courses/:id/enroll': signedIn,
  'POST /api/courses/:id/invites': universityOwned(),
  'GET /api/courses/:id/invites': universityOwned(),
  'DELETE /api/courses/:id/invites/:inviteId': universityOwned(),
  'GET /api/courses/:id/videos': pub,
  'POST /api/courses/:id/videos': universityOwned(),
  'PUT /api/courses/:id/videos/order': universityOwned(),
  'DELETE /api/courses/:id/videos/:videoId': universityOwned(),
  'PUT /api/courses/:id/videos/:videoId/progress': owned('enrollment'),
  'GET /api/courses/:id/progress': owned('enrollment'),
  'GET /api/courses/:id/reviews': pub,
  'PUT /api/courses/:id/reviews/mine': owned('enrollment'),
  'DELETE /api/courses/:id/reviews/mine': signedIn,

  'POST /api/marketplace/seller/apply': signedIn,
  'GET /api/marketplace/seller/me': signedIn,
  'GET /api/marketplace/admin/seller-applications': admin,
  'POST /api/marketplace/admin/seller-applications/:id/approve': admin,
  'POST /api/marketplace/admin/seller-applications/:id/reject': admin,
  'GET /api/marketplace/products': pub,
  'POST /api/marketplace/products': signedIn,
  'GET /api/marketplace/products/:id': pub,
  'PUT /api/marketplace/products/:id': owned('product', () => ({ title: 'Taken over' })),
  'DELETE /api/marketplace/products/:id': owned('product'),
  'PUT /api/marketplace/products/:id/stock': owned('product', () => ({ stock: 0 })),
  'POST /api/marketplace/admin/products/:id/deactivate': admin,
  'GET /api/marketplace/cart': signedIn,
  'POST /api/marketplace/cart': signedIn,
  'PUT /api/marketplace/cart/items/:productId': signedIn,
  'DELETE /api/marketplace/cart/items/:productId': signedIn,
  'DELETE /api/marketplace/cart': signedIn,
  'POST /api/marketplace/orders': signedIn,
  'GET /api/marketplace/orders': signedIn,
  'GET /api/marketplace/orders/:id': owned('order'),
  'POST /api/marketplace/orders/:id/pay': owned('order'),
  'POST /api/marketplace/orders/:id/cancel': owned('order'),
  'POST /api/marketplace/orders/:id/ship': owned('order'),
  'POST /api/marketplace/orders/:id/deliver': owned('order'),

  'POST /api/media/upload': signedIn,
  'POST /api/media/:id/complete': owned('media'),
  'GET /api/media/:id': owned('media'),
  'DELETE /api/media/:id': owned('media'),
  // Players send no headers: a playback token scoped to the media id stands in (abuse-tokens).
  'GET /api/media/:id/hls/:file': pub,
  'POST /api/video-transcoding/upload': signedIn,
  'GET /api/video-transcoding/job/:jobId': owned('job'),
  'POST /internal/transcoding/jobs/:id/claim': service,
  'POST /internal/transcoding/jobs/:id/progress': service,
  'POST /internal/transcoding/jobs/:id/complete': service,
  'POST /internal/transcoding/jobs/:id/fail': service,
  'POST /internal/transcoding/jobs/:id/release': service,

  'GET /api/notifications': signedIn,
  'POST /api/notifications/read-all': signedIn,
  'POST /api/notifications/:id/read': owned('notification'),
  'DELETE /api/notifications/:id': owned('notification'),
  'POST /api/notifications/devices': signedIn,
  'DELETE /api/notifications/devices/:token': signedIn,
  'POST /api/notifications/test': signedIn,
  'GET /api/users/:id/presence': owned('presence'),
  'POST /api/realtime/user-ticket': signedIn,
  // The upgrade is authorized by the room ticket (see sockets-authz.test.ts), not by a token.
  'GET /api/realtime/:kind/:id': pub,
}
