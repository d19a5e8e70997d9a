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
import { createRouter, registerSecuritySchemes } from './openapi'
import { createServices, type Services } from './services'
// Sanora
import { auth } from './auth/routes/auth'
import { googleAuth } from './auth/routes/google'
import { phoneOtp } from './auth/routes/phone-otp'
import { hostAuth, speakerAuth, universityAuth } from './auth/routes/role'
import { user } from './account/routes/user'
import { adminUsers } from './account/routes/admin-users'
import { postRoutes } from './social/routes/posts'
import { postComments } from './social/routes/post-comments'
import { reelRoutes } from './social/routes/reels'
import { storyRoutes } from './social/routes/stories'
import { likeRoutes } from './social/routes/likes'
import { friendRoutes } from './social/routes/friends'
import { blockRoutes } from './social/routes/blocks'
import { socialUsers } from './social/routes/social-users'
import { conference } from './conference/routes/conference'
import { conferenceQuestionsRoutes } from './conference/routes/questions'
import { conferenceQa } from './conference/routes/qa'
import { conferenceLoad } from './conference/routes/load'
import { conferenceChat } from './conference/routes/chat'
import { chat } from './chat/routes'
import { courses } from './courses/routes/courses'
import { userPlaylists } from './courses/routes/user-playlists'
import { userActivity } from './courses/routes/activity'
import { marketplace } from './marketplace/routes/marketplace'
import { videoTranscoding } from './media/routes/video-transcoding'
// Videodesk
import { videodeskAuth } from './auth/routes/videodesk'
import { accountSettings } from './account/routes/settings'
import { meetingRooms } from './meetings/routes/rooms'
import { meetingInvites } from './meetings/routes/invites'
import { meetingShare } from './meetings/routes/share'
import { meetingMedia } from './meetings/routes/media'
import { meetingsRoutes } from './meetings/routes/meetings'
import { meetingNotes } from './meetings/routes/notes'
import { folderRoutes } from './meetings/routes/folders'
import { shareUploads } from './share-uploads/routes/share-uploads'
import { myUploads } from './share-uploads/routes/my-uploads'
import { assistantChat } from './assistant/routes'
import { videodeskMail } from './videodesk-mail/routes'
// Both products
import { mediaRoutes } from './media/routes/media'
import { notificationRoutes } from './notifications/routes/notifications'
import { presence } from './notifications/routes/presence'
import { userTicket } from './realtime/routes/user-ticket'
import { realtime } from './realtime/routes/realtime'
import { socketIo } from './realtime/routes/socket-io'
// System
import { health } from './system/routes/health'
import { internalTranscoding } from './media/routes/internal-transcoding'
import { devCapture } from './system/routes/dev-capture'
import { pages } from './system/routes/pages'
import { apiDocsPage } from './system/routes/api-docs'
import { asyncApiJson, asyncApiPage } from './system/routes/asyncapi-docs'

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

  // The table of contents. Order matters only between groups that can match the same path.
  // Chained, so that `mounted` (this same app) carries the routers' types: AppType below.
  const mounted = app
    // ---- Sanora: social learning (/api/…) ----------------------------------------------------
    // Accounts: sign-up and sign-in (email, Google, phone, roles), profile, administration
    .route('/api/auth', auth)
    .route('/api/auth', googleAuth)
    .route('/api/host/auth', hostAuth)
    .route('/api/speaker/auth', speakerAuth)
    .route('/api/university/auth', universityAuth)
    .route('/', phoneOtp)
    .route('/api/user', user)
    .route('/api/admin/users', adminUsers)
    // Social network: posts, comments, reels, stories, likes, friends, blocks, people
    .route('/api/posts', postRoutes)
    .route('/api/posts', postComments)
    .route('/api/reels', reelRoutes)
    .route('/api/stories', storyRoutes)
    .route('/api/likes', likeRoutes)
    .route('/api/friend', friendRoutes)
    .route('/api/friend', blockRoutes)
    .route('/api/users', socialUsers)
    // Live conferences: polling, questions, Q&A, chat
    .route('/api/conference', conference)
    .route('/api/conference', conferenceQuestionsRoutes)
    .route('/api/conference', conferenceQa)
    .route('/api/conference', conferenceChat)
    // Messaging
    .route('/api/chat', chat)
    // Courses and learning: courses, playlists, a user's activity
    .route('/api/courses', courses)
    .route('/api/playlists', userPlaylists)
    .route('/api/users', userActivity)
    // Marketplace
    .route('/api/marketplace', marketplace)
    // The old video endpoints
    .route('/api/video-transcoding', videoTranscoding)

    // ---- Videodesk: video meetings (/api/v1/…) ------------------------------------------------
    // Sign-in and account settings
    .route('/api/v1', videodeskAuth)
    .route('/api/v1', accountSettings)
    // Meetings: room tickets, invite links, share links, media, records, notes, folders.
    // meetingShare and meetingMedia first: their fixed paths must not reach `/meetings/{id}`.
    .route('/api/v1', meetingRooms)
    .route('/api/v1', meetingInvites)
    .route('/api/v1', meetingShare)
    .route('/api/v1', meetingMedia)
    .route('/api/v1', meetingsRoutes)
    .route('/api/v1', meetingNotes)
    .route('/api/v1', folderRoutes)
    // Share-code uploads from residents, and their owners' lists
    .route('/api/v1', shareUploads)
    .route('/api/v1', myUploads)
    // Assistant chat history, contact mail
    .route('/api/v1', assistantChat)
    .route('/api/v1', videodeskMail)

    // ---- Both products -------------------------------------------------------------------------
    // Media uploads, stored notifications and presence, realtime tickets and sockets
    .route('/api/media', mediaRoutes)
    .route('/api/notifications', notificationRoutes)
    .route('/api/users', presence)
    .route('/api/realtime', userTicket)
    .route('/api/realtime', realtime)
    .route('/', socketIo)

    // ---- System --------------------------------------------------------------------------------
    // Health, the transcoder's internal API, dev capture (404 in production), the HTML pages
    .route('/api/health', health)
    .route('/internal/transcoding/jobs', internalTranscoding)
    .route('/__dev', devCapture)
    .route('/__dev', conferenceLoad)
    .route('/', pages)

  // The API document and its reference page, and the list of routes (404 in production).
  registerSecuritySchemes(app)
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
  return mounted
}

/**
 * The app's routes as hono/client sees them: `hc<AppType>(baseUrl)`. A router adds its routes to
 * this type only when its exported value is what its `.openapi()` calls return (a chain), and a
 * response body is typed only where the route declares a content schema for that status; see
 * test/integration/hono-client.test.ts for the routes typed so far.
 */
export type AppType = ReturnType<typeof createApp>
