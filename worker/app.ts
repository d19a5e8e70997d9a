// The app factory: middleware, route groups and the one error handler. It takes the function that
// builds a request's services, so the same REST app runs in workerd or under Node.
import { inspectRoutes } from 'hono/dev'
import { requestId } from 'hono/request-id'
import type { Config } from '../shared/config'
import { AppError } from './errors'
import { renderError } from './error-handler'
import { accessLog } from './middleware/access-log'
import { bodySize } from './middleware/body-size'
import { loadConfig } from './middleware/config'
import { corsFromConfig } from './middleware/cors'
import { csrf } from './middleware/csrf'
import { securityHeaders } from './middleware/security-headers'
import { provideServices } from './middleware/services'
import { forwardHotRoutes } from './middleware/warm-path'
import { createRouter } from './openapi'
import { accountSettings } from './account/routes/settings'
import { adminUsers } from './account/routes/admin-users'
import { apiDocsPage } from './system/routes/api-docs'
import { asyncApiJson, asyncApiPage } from './system/routes/asyncapi-docs'
import { assistantChat } from './assistant/routes'
import { auth } from './auth/routes/auth'
import { chat } from './chat/routes'
import { conference } from './conference/routes/conference'
import { conferenceChat } from './conference/routes/chat'
import { conferenceQa } from './conference/routes/qa'
import { conferenceQuestionsRoutes } from './conference/routes/questions'
import { courses } from './courses/routes/courses'
import { devCapture } from './system/routes/dev-capture'
import { googleAuth } from './auth/routes/google'
import { folderRoutes } from './meetings/routes/folders'
import { health } from './system/routes/health'
import { internalTranscoding } from './media/routes/internal-transcoding'
import { marketplace } from './marketplace/routes/marketplace'
import { mediaRoutes } from './media/routes/media'
import { meetingsRoutes } from './meetings/routes/meetings'
import { meetingInvites } from './meetings/routes/invites'
import { meetingMedia } from './meetings/routes/media'
import { meetingNotes } from './meetings/routes/notes'
import { meetingShare } from './meetings/routes/share'
import { meetingRooms } from './meetings/routes/rooms'
import { myUploads } from './share-uploads/routes/my-uploads'
import { notificationRoutes } from './notifications/routes/notifications'
import { pages } from './system/routes/pages'
import { phoneOtp } from './auth/routes/phone-otp'
import { presence } from './notifications/routes/presence'
import { realtime } from './realtime/routes/realtime'
import { shareUploads } from './share-uploads/routes/share-uploads'
import { hostAuth, speakerAuth, universityAuth } from './auth/routes/role'
import { user } from './account/routes/user'
import { userActivity } from './courses/routes/activity'
import { userPlaylists } from './courses/routes/user-playlists'
import { userTicket } from './realtime/routes/user-ticket'
import { videoTranscoding } from './media/routes/video-transcoding'
import { videodeskAuth } from './auth/routes/videodesk'
import { blockRoutes } from './social/routes/blocks'
import { friendRoutes } from './social/routes/friends'
import { likeRoutes } from './social/routes/likes'
import { postComments } from './social/routes/post-comments'
import { postRoutes } from './social/routes/posts'
import { reelRoutes } from './social/routes/reels'
import { socialUsers } from './social/routes/social-users'
import { storyRoutes } from './social/routes/stories'
import { videodeskMail } from './videodesk-mail/routes'
import { createServices, type Services } from './services'

export interface AppOptions {
  /** Builds one request's services from configuration (default: the real clients). */
  services?: (config: Config) => Services
  /** Send hot reads to the warm pool (the Worker's app does; the pool's own app must not). */
  forwardHotRoutes?: boolean
  /**
   * Answer CORS (default). The pool's app does not: only the Worker in front of it is reached by
   * browsers, and its CORS headers on top of the pool's doubled `Vary: Origin`.
   */
  cors?: boolean
  /**
   * Add the security headers (default). The pool's app does not: its answers reach browsers only
   * through the Worker's app, which adds them.
   */
  securityHeaders?: boolean
}

const API_VERSION = '0.1.0'

export function createApp(opts: AppOptions = {}) {
  const app = createRouter()

  // First, so it sees the final response of everything below, errors and 404s included.
  if (opts.securityHeaders ?? true) app.use(securityHeaders())
  app.use(requestId())
  app.use(accessLog())
  app.use(loadConfig())
  if (opts.cors ?? true) app.use(corsFromConfig())
  // After CORS, so preflights are answered; before any handler or body is read.
  app.use(csrf())
  app.use(bodySize())
  // After the body limit: a forwarded body is one the Worker already accepted.
  if (opts.forwardHotRoutes) app.use(forwardHotRoutes())
  app.use(provideServices(opts.services ?? createServices))

  app.get('/', (c) =>
    c.json({ success: true, message: 'Sanora API is running', version: API_VERSION }),
  )
  app.route('/api/health', health)
  app.route('/api/auth', auth)
  app.route('/api/auth', googleAuth)
  app.route('/api/user', user)
  app.route('/api/admin/users', adminUsers)
  app.route('/api/host/auth', hostAuth)
  app.route('/api/speaker/auth', speakerAuth)
  app.route('/api/university/auth', universityAuth)
  app.route('/', phoneOtp)
  app.route('/api/v1', videodeskAuth)
  app.route('/api/conference', conference)
  app.route('/api/conference', conferenceQuestionsRoutes)
  app.route('/api/conference', conferenceQa)
  app.route('/api/conference', conferenceChat)
  app.route('/api/chat', chat)
  app.route('/api/courses', courses)
  app.route('/api/marketplace', marketplace)
  app.route('/api/media', mediaRoutes)
  app.route('/api/video-transcoding', videoTranscoding)
  app.route('/internal/transcoding/jobs', internalTranscoding)
  app.route('/api/notifications', notificationRoutes)
  app.route('/api/users', presence)
  app.route('/api/realtime', userTicket)
  app.route('/api/realtime', realtime)
  app.route('/api/v1', shareUploads)
  app.route('/api/v1', myUploads)
  app.route('/api/v1', accountSettings)
  app.route('/api/v1', folderRoutes)
  app.route('/api/v1', assistantChat)
  app.route('/api/v1', videodeskMail)
  app.route('/__dev', devCapture)
  app.route('/api/playlists', userPlaylists)
  app.route('/api/users', userActivity)
  app.route('/api/v1', meetingRooms)
  app.route('/api/v1', meetingInvites)
  // Before meetingsRoutes: their fixed paths must not reach `/meetings/{id}`.
  app.route('/api/v1', meetingShare)
  app.route('/api/v1', meetingMedia)
  app.route('/api/v1', meetingsRoutes)
  app.route('/api/v1', meetingNotes)
  app.route('/api/posts', postRoutes)
  app.route('/api/posts', postComments)
  app.route('/api/reels', reelRoutes)
  app.route('/api/stories', storyRoutes)
  app.route('/api/likes', likeRoutes)
  app.route('/api/friend', friendRoutes)
  app.route('/api/friend', blockRoutes)
  app.route('/api/users', socialUsers)
  app.route('/', pages)

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
  })
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Sanora + Videodesk API',
      version: API_VERSION,
      description:
        "One edge-first backend for the Sanora and Videodesk clients. The realtime protocol (the rooms' WebSocket messages) is documented apart: [AsyncAPI reference](/api/asyncapi), [document](/api/asyncapi.json).",
    },
  })
  app.get('/api/docs', apiDocsPage)
  app.get('/api/asyncapi.json', asyncApiJson(API_VERSION))
  app.get('/api/asyncapi', asyncApiPage)

  app.get('/api/debug/routes', (c) => {
    if (c.get('config').APP_ENV === 'production') throw new AppError('NOT_FOUND', 'Route not found')
    const seen = new Set<string>()
    const routes = inspectRoutes(app)
      .filter((r) => !r.isMiddleware && r.method !== 'ALL')
      .map((r) => ({ method: r.method, path: r.path }))
      .filter((r) => {
        const key = `${r.method} ${r.path}`
        return seen.has(key) ? false : (seen.add(key), true)
      })
    return c.json(routes)
  })

  app.notFound((c) => {
    throw new AppError('NOT_FOUND', `Route ${c.req.method} ${c.req.path} not found`)
  })
  app.onError(renderError)
  return app
}
