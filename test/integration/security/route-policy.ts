// Who may call each route: the expected allow/refuse table the authorization suite checks against
// the running Worker. Every route listed by GET /api/debug/routes must have an entry here — the
// suite fails on an unclassified route, so each new route gets classified when it is added.
// csrf-matrix.test.ts reads the same table: a write whose access is not 'public' or 'service'
// accepts the Videodesk session cookie and must pass the cross-site origin check.
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
import type { OwnedWorld } from './lib/owned-world'
import type { World } from './lib/world'

export type AuthzWorld = World & OwnedWorld

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
  | 'meeting'
  | 'shareUpload'
  | 'folder'
  | 'assistantChat'
  | 'post'
  | 'reel'
  | 'story'
  | 'playlist'

export interface RoutePolicy {
  access: 'public' | 'signed-in' | Role[] | 'service'
  owner?: Resource
  body?: (world: AuthzWorld) => unknown
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
  'GET /api/asyncapi.json': pub,
  'GET /api/asyncapi': pub,
  // The HTML pages of public/, served from the assets binding with their security headers.
  'GET /host': pub,
  'GET /host.html': pub,
  'GET /join': pub,
  'GET /join.html': pub,
  'GET /meeting': pub,
  'GET /meeting.html': pub,
  'GET /present': pub,
  'GET /present.html': pub,
  // Answers 404 in production; the dev-capture routes are not mounted there either.
  'GET /api/debug/routes': pub,
  'GET /__dev/mail': pub,
  'GET /__dev/sms': pub,
  'POST /__dev/mail': pub,
  'POST /__dev/sms': pub,
  'GET /__dev/conference/:id/load': owned('conference'),

  'POST /api/auth/send-otp-signup': pub,
  'POST /api/auth/verify-otp-signup': pub,
  'POST /api/auth/signup': pub,
  'POST /api/auth/login': pub,
  'POST /api/auth/refresh-token': pub,
  'POST /api/auth/logout': signedIn,
  'POST /api/auth/logout-all': signedIn,
  'GET /api/auth/profile': signedIn,
  'POST /api/auth/send-phone-otp-signup': pub,
  'POST /api/auth/verify-phone-otp-signup': pub,
  'GET /api/auth/google': pub,
  'GET /api/auth/google/callback': pub,
  'POST /api/auth/verify-google-token': pub,
  'PUT /api/user/profile': signedIn,
  'POST /api/user/phone/send-otp': signedIn,
  'POST /api/user/phone/verify-otp': signedIn,
  'POST /api/user/email/send-otp': signedIn,
  'POST /api/user/email/verify-otp': signedIn,
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
  'POST /api/conference/:id/qa/:qaId/remove-author': owned('conference'),
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
  // Merged from main (edtech playlists/checkpoints, Videodesk meetings/uploads/folders/settings/
  // assistant chat, social). Their owned resources come from lib/owned-world.ts. Social reads
  // (a post, its comments, a reel, a story) follow visibility rules, not ownership: only edits,
  // deletes and a story's viewer list are owner-only.
  // Share-code uploads, guest meeting tickets and shared meetings are reached by code or token.
  'GET /api/courses/:id/playlists': pub,
  'POST /api/courses/:id/playlists': universityOwned(),
  'GET /api/courses/:id/playlists/:playlistId': pub,
  'PATCH /api/courses/:id/playlists/:playlistId': universityOwned(() => ({ title: 'Taken over' })),
  'DELETE /api/courses/:id/playlists/:playlistId': universityOwned(),
  'POST /api/courses/:id/playlists/:playlistId/items': universityOwned(),
  'DELETE /api/courses/:id/playlists/:playlistId/items/:videoId': universityOwned(),
  'PUT /api/courses/:id/playlists/:playlistId/items/order': universityOwned(),
  'POST /api/courses/:id/videos/:videoId/checkpoints': universityOwned(),
  'GET /api/courses/:id/videos/:videoId/checkpoints': owned('enrollment'),
  'DELETE /api/courses/:id/checkpoints/:checkpointId': universityOwned(),
  'POST /api/courses/:id/checkpoints/:checkpointId/answer': owned('enrollment'),
  'GET /api/courses/:id/analytics': universityOwned(),
  'POST /internal/transcoding/jobs/:id/playable': service,
  'POST /api/v1/validate-access-code': pub,
  'POST /api/v1/upload/session': pub,
  'POST /api/v1/upload/file/:sessionId': pub,
  'POST /api/v1/upload/complete/:sessionId': pub,
  'GET /api/v1/upload/progress/:sessionId': pub,
  'POST /api/v1/upload': pub,
  'GET /api/v1/upload/:accessCode': pub,
  'POST /api/v1/upload/:accessCode/access': pub,
  'POST /api/v1/uploads/share-codes': signedIn,
  'GET /api/v1/uploads/my': signedIn,
  'GET /api/v1/uploads/my-latest': signedIn,
  'GET /api/v1/uploads/trash': signedIn,
  'GET /api/v1/uploads/notification/check': signedIn,
  'POST /api/v1/uploads/notification/mark-sent/:accessCode': owned('shareUpload'),
  'POST /api/v1/uploads/search': signedIn,
  'DELETE /api/v1/uploads/:id': owned('shareUpload'),
  'PUT /api/v1/uploads/restore/:id': owned('shareUpload'),
  'DELETE /api/v1/uploads/permanent/:id': owned('shareUpload'),
  'PUT /api/v1/user/update-logo': signedIn,
  'PUT /api/v1/user/update-landlord-info': signedIn,
  'GET /api/v1/user/message-settings': signedIn,
  'PUT /api/v1/user/message-settings': signedIn,
  'GET /api/v1/user/pagination-settings': signedIn,
  'PUT /api/v1/user/pagination-settings': signedIn,
  'GET /api/v1/folders': signedIn,
  'POST /api/v1/folders': signedIn,
  'PUT /api/v1/folders/:folderId': owned('folder', () => ({ name: 'Taken over' })),
  'PUT /api/v1/folders/:folderId/trash': owned('folder'),
  'PUT /api/v1/folders/:folderId/restore': owned('folder'),
  'DELETE /api/v1/folders/:folderId': owned('folder'),
  'POST /api/v1/folders/assign-meeting': owned('meeting', (w) => ({
    meetingId: w.meeting.id,
    folderId: w.otherFolderId,
  })),
  'GET /api/v1/folders/meeting-assignments': signedIn,
  'GET /api/v1/chat/sessions': signedIn,
  'POST /api/v1/chat/sessions': signedIn,
  'GET /api/v1/chat/sessions/:sessionId': owned('assistantChat'),
  'DELETE /api/v1/chat/sessions/:sessionId': owned('assistantChat'),
  'PUT /api/v1/chat/sessions/:sessionId/title': owned('assistantChat', () => ({
    title: 'Taken over',
  })),
  'PUT /api/v1/chat/sessions/:sessionId/messages/:messageId/feedback': owned(
    'assistantChat',
    () => ({
      feedback: 'negative',
    }),
  ),
  'POST /api/v1/send-friend-link': signedIn,
  'POST /api/v1/send-feedback': signedIn,
  'POST /api/v1/raise-support-ticket': signedIn,
  'POST /api/v1/request-callback': pub,
  'POST /api/v1/book-demo-meeting': pub,
  'POST /api/v1/request-demo': pub,
  'GET /api/playlists': signedIn,
  'POST /api/playlists': signedIn,
  'GET /api/playlists/:playlistId': owned('playlist'),
  'PATCH /api/playlists/:playlistId': owned('playlist', () => ({ title: 'Taken over' })),
  'DELETE /api/playlists/:playlistId': owned('playlist'),
  'POST /api/playlists/:playlistId/items': owned('playlist'),
  'DELETE /api/playlists/:playlistId/items/:videoId': owned('playlist'),
  'PUT /api/playlists/:playlistId/items/order': owned('playlist'),
  'GET /api/users/:userId/activity': owned('presence'),
  'POST /api/v1/meeting-rooms/:roomId/ticket': signedIn,
  'POST /api/v1/meeting-rooms/:roomId/guest-ticket': pub,
  'GET /api/v1/send-token': signedIn,
  'GET /api/v1/resend-token': signedIn,
  'GET /api/v1/room-user-info': pub,
  'GET /api/v1/meetings/share/:id': pub,
  'POST /api/v1/meetings/share/:id/access': pub,
  'POST /api/v1/meetings/create': signedIn,
  'DELETE /api/v1/meetings/:meetingId/recordings/:recordingId': owned('meeting'),
  'DELETE /api/v1/meetings/:meetingId/screenshots/:screenshotId': owned('meeting'),
  'GET /api/v1/meetings/all': signedIn,
  'POST /api/v1/meetings/search': signedIn,
  'GET /api/v1/meetings/archived-count': signedIn,
  'GET /api/v1/meetings/by-meeting-id/:id': owned('meeting'),
  'PUT /api/v1/meetings/restore/:id': owned('meeting'),
  'DELETE /api/v1/meetings/permanent/:id': owned('meeting'),
  'GET /api/v1/meetings/:id': owned('meeting'),
  'PUT /api/v1/meetings/:id': owned('meeting', () => ({ name: 'Taken over' })),
  'DELETE /api/v1/meetings/:id': owned('meeting'),
  'PUT /api/v1/meetings/:id/archive': owned('meeting'),
  'PUT /api/v1/meetings/:id/unarchive': owned('meeting'),
  'GET /api/v1/meetings/:meeting_id/special-notes': owned('meeting'),
  'POST /api/v1/meetings/:meeting_id/special-notes': owned('meeting'),
  'GET /api/v1/meetings/:meeting_id/structured-special-notes': owned('meeting'),
  'PATCH /api/v1/meetings/:meeting_id/structured-special-notes': owned('meeting', () => ({
    damp: 'Taken over',
  })),
  'GET /api/posts/all': signedIn,
  'POST /api/posts': signedIn,
  'GET /api/posts/:id': signedIn,
  'PUT /api/posts/:id': owned('post', () => ({ text: 'Taken over' })),
  'DELETE /api/posts/:id': owned('post'),
  'POST /api/posts/:id/share': signedIn,
  'POST /api/posts/:id/comment': signedIn,
  'GET /api/posts/:id/comments': signedIn,
  'DELETE /api/posts/:id/comment/:commentId': owned('post'),
  'GET /api/reels': signedIn,
  'POST /api/reels': signedIn,
  'GET /api/reels/:id': signedIn,
  'PUT /api/reels/:id': owned('reel', () => ({ caption: 'Taken over' })),
  'DELETE /api/reels/:id': owned('reel'),
  'GET /api/stories': signedIn,
  'POST /api/stories': signedIn,
  'GET /api/stories/user/:userId': signedIn,
  'GET /api/stories/:id': signedIn,
  'POST /api/stories/:id/view': signedIn,
  'GET /api/stories/:id/viewers': owned('story'),
  'DELETE /api/stories/:id': owned('story'),
  'POST /api/likes': signedIn,
  'POST /api/friend/request': signedIn,
  'GET /api/friend/requests': signedIn,
  'POST /api/friend/request/:id/accept': signedIn,
  'POST /api/friend/request/:id/reject': signedIn,
  'DELETE /api/friend/request/:id': signedIn,
  'GET /api/friend/list': signedIn,
  'DELETE /api/friend/:userId': signedIn,
  'POST /api/friend/block': signedIn,
  'DELETE /api/friend/block/:userId': signedIn,
  'GET /api/friend/blocked': signedIn,
  'GET /api/users/search': signedIn,
  'GET /api/users/:id/profile': signedIn,
  'GET /api/users/:id/posts': signedIn,

  // The upgrade is authorized by the room ticket (see sockets-authz.test.ts), not by a token.
  'GET /api/realtime/:kind/:id': pub,
  // Socket.IO: the room authenticates the CONNECT (see socket-io-rooms.test.ts).
  'GET /socket.io/': pub,
  'POST /socket.io/': pub,
}
