// The README's client limits table: every limit a client can run into, with the numbers imported
// from where each is enforced (the rate-limit rules of the routes, the rooms' token buckets, the
// configuration's defaults), so a changed number changes the table. What is written here by hand is
// where each limit applies, what it counts per, and what the client gets back.
//
// Each room's per-socket frame budgets (shared/*: a FrameBudgetTable) are rows too, one per frame
// type, from the same tables the rooms enforce.
import { CHAT_FRAME_BUDGETS } from '../../shared/chat'
import { CONFERENCE_FRAME_BUDGETS } from '../../shared/conference'
import { MEETING_FRAME_BUDGETS } from '../../shared/meeting'
import { OTHER_FRAMES, type FrameBudgetTable } from '../../shared/realtime'
import { USER_FRAME_BUDGETS } from '../../shared/user-channel'
import { LIMITS } from '../../worker/auth/limits'
import { CODE_MISS_LIMIT } from '../../worker/conference/by-code'
import type { RateLimitRule } from '../../worker/middleware/rate-limit'
import { SEND_LIMIT } from '../../worker/chat/routes'
import { ORDER_LIMIT } from '../../worker/marketplace/routes/orders'
import { APPLY_LIMIT } from '../../worker/marketplace/routes/sellers'
import { INVITE_LIMIT } from '../../worker/meetings/routes/invites'
import { ACCESS_LIMIT as MEETING_SHARE_LIMIT } from '../../worker/meetings/routes/share'
import { MAIL_LIMIT } from '../../worker/videodesk-mail/routes'
import { ACCESS_LIMITS as SHARE_CODE_LIMITS } from '../../worker/share-uploads/access-code'
import { MAX_FILES_PER_SESSION } from '../../worker/share-uploads/files'
import {
  AUDIENCE_RATE,
  CHAT_SEND_RATE,
  TYPING_THROTTLE_MS,
  VOTE_FLUSH_RATE,
} from '../../durable-objects/room-limits'
import { configSchema } from '../../shared/config'
import { MAX_CLIENT_FRAME_BYTES } from '../../shared/realtime'
import { code, table, type Section } from './markdown'

export interface LimitRow {
  /** What is limited, in a few words. */
  what: string
  /** Routes (`METHOD /path`, checked against the API's routes) or socket frames. */
  where: string[]
  /** What the count is kept per. */
  per: string
  allowance: string
  /** What a client over the limit gets. */
  gets: string
  /** The enforced rule or rate the row was made from, for the tests to find. */
  source?: object
}

const RETRY_AFTER = '`429 RATE_LIMITED` with `Retry-After`'
const ERROR_FRAME = '`error` frame `RATE_LIMITED` (with the request’s `rid`)'

const UNITS = { s: 'second', m: 'minute', h: 'hour' } as const
const SHORT_UNITS = { s: 's', m: 'min', h: 'h' } as const

/** `10 per 15 min`, `60 per minute`. */
function perWindow(rule: RateLimitRule): string {
  const [count, unit] = rule.window.split(' ') as [string, keyof typeof UNITS]
  const window = count === '1' ? UNITS[unit] : `${count} ${SHORT_UNITS[unit]}`
  return `${rule.limit} per ${window}`
}

/** A Redis sliding-window limit of a route (worker/middleware/rate-limit.ts). */
function windowRow(
  what: string,
  where: string[],
  per: string,
  rule: RateLimitRule,
  gets = RETRY_AFTER,
): LimitRow {
  return { what, where, per, allowance: perWindow(rule), gets, source: rule }
}

/** A token bucket: a burst after a quiet spell, then a steady rate. */
function bucketRow(
  what: string,
  where: string[],
  per: string,
  rate: { burst: number; perSecond: number },
  gets: string,
  unit = '',
): LimitRow {
  const allowance = `${rate.burst}${unit} at once, then ${rate.perSecond} / s`
  return { what, where, per, allowance, gets, source: rate }
}

/** A limit the deployment may change: its variable and the default (`unit` after the number). */
function configured(name: keyof typeof configSchema.shape, unit = ''): string {
  return `${code(name)} (default ${String(configSchema.shape[name].parse(undefined))}${unit})`
}

const PASSWORD_SIGN_IN = [
  'POST /api/auth/login',
  'POST /api/host/auth/login',
  'POST /api/speaker/auth/login',
  'POST /api/university/auth/login',
  'POST /api/v1/login',
]
const REGISTRATION = [
  'POST /api/host/auth/register',
  'POST /api/speaker/auth/register',
  'POST /api/university/auth/register',
  'POST /api/v1/register',
]
const EMAIL_CODE_SENDS = [
  'POST /api/auth/send-otp-signup',
  'POST /api/university/auth/resend-otp',
  'POST /api/user/email/send-otp',
]
const PHONE_CODE_SENDS = [
  'POST /send-otp',
  'POST /api/auth/send-phone-otp-signup',
  'POST /api/user/phone/send-otp',
]
const EMAIL_CODE_CHECKS = [
  'POST /api/auth/verify-otp-signup',
  'POST /api/university/auth/verify-otp',
  'POST /api/v1/verify',
  'POST /api/user/email/verify-otp',
]
const PHONE_CODE_CHECKS = [
  'POST /verify-otp',
  'POST /api/auth/verify-phone-otp-signup',
  'POST /api/user/phone/verify-otp',
]
/** Every route that emails a code (registration and Videodesk sign-in send one too). */
const EMAILS_A_CODE = [
  'POST /api/auth/send-otp-signup',
  'POST /api/university/auth/register',
  'POST /api/university/auth/resend-otp',
  'POST /api/v1/register',
  'POST /api/v1/login',
  'POST /api/user/email/send-otp',
]
const SHARE_CODE_ROUTES = [
  'POST /api/v1/validate-access-code',
  'POST /api/v1/upload/session',
  'POST /api/v1/upload',
  'GET /api/v1/upload/{accessCode}',
  'POST /api/v1/upload/{accessCode}/access',
]

const OVER_BUDGET =
  '`error` frame `RATE_LIMITED` (at most one a second); a socket that keeps on is closed with `4429`'

/** One row per frame type of a room's per-socket budget table. */
function frameBudgetRows(room: string, table: FrameBudgetTable<string>): LimitRow[] {
  return Object.entries(table).map(([type, rate]) =>
    bucketRow(
      `${room} frames: ${type === OTHER_FRAMES ? 'any other' : code(type)}`,
      [
        `${room.toLowerCase()} socket: ${type === OTHER_FRAMES ? 'frames of no known type' : code(type)}`,
      ],
      'socket',
      rate,
      OVER_BUDGET,
    ),
  )
}

export const LIMIT_ROWS: LimitRow[] = [
  windowRow('Password sign-in', PASSWORD_SIGN_IN, 'client IP; email or phone', LIMITS.login),
  windowRow('Password change', ['PUT /api/v1/user/change-password'], 'account', LIMITS.login),
  windowRow('Registration without a code', REGISTRATION, 'client IP; email', LIMITS.register),
  windowRow(
    'Sending a code',
    [...EMAIL_CODE_SENDS, ...PHONE_CODE_SENDS],
    'client IP; email or phone',
    LIMITS.otpSend,
  ),
  {
    what: 'Another emailed code',
    where: EMAILS_A_CODE,
    per: 'recipient and purpose',
    allowance: `1 per ${configured('OTP_RESEND_COOLDOWN_SECONDS', ' s')}`,
    gets: `${RETRY_AFTER} (the seconds left)`,
  },
  windowRow(
    'Checking a code',
    [...EMAIL_CODE_CHECKS, ...PHONE_CODE_CHECKS],
    'client IP; email or phone',
    LIMITS.otpVerify,
  ),
  {
    what: 'Wrong emailed codes',
    where: EMAIL_CODE_CHECKS,
    per: 'code',
    allowance: `${configured('OTP_MAX_ATTEMPTS')} wrong tries`,
    gets: '`400 BAD_REQUEST`; the code is dead, ask for a new one',
  },
  {
    what: 'Texted codes',
    where: [...PHONE_CODE_SENDS, ...PHONE_CODE_CHECKS],
    per: 'phone number',
    allowance: 'Twilio Verify’s own',
    gets: '`429 RATE_LIMITED` without `Retry-After`',
  },
  windowRow(
    'Password reset mail',
    ['POST /api/v1/forgot-password'],
    'client IP; email',
    LIMITS.passwordReset,
  ),
  windowRow(
    'Google ID token sign-in',
    ['POST /api/auth/verify-google-token'],
    'client IP',
    LIMITS.google,
  ),
  windowRow('Token refresh', ['POST /api/auth/refresh-token'], 'client IP', LIMITS.refresh),
  windowRow(
    'Conference code misses',
    ['GET /api/conference/by-code/{code}', 'POST /api/conference/by-code/{code}/join'],
    'client IP, misses only (a code with no open conference)',
    CODE_MISS_LIMIT,
    `${RETRY_AFTER} for every lookup, hits too (not enforced while Redis is unavailable)`,
  ),
  windowRow('Share-code attempts by IP', SHARE_CODE_ROUTES, 'client IP', SHARE_CODE_LIMITS.perIp),
  windowRow('Share-code attempts on a code', SHARE_CODE_ROUTES, 'code', SHARE_CODE_LIMITS.perCode),
  {
    what: 'Files in a share upload',
    where: ['POST /api/v1/upload/file/{sessionId}', 'POST /api/v1/upload'],
    per: 'upload session (or request)',
    allowance: `${MAX_FILES_PER_SESSION} files`,
    gets: '`400 BAD_REQUEST` (`409 CONFLICT` when another request filled it first)',
  },
  windowRow(
    'Videodesk mails',
    [
      'POST /api/v1/send-friend-link',
      'POST /api/v1/send-feedback',
      'POST /api/v1/raise-support-ticket',
      'POST /api/v1/request-callback',
      'POST /api/v1/book-demo-meeting',
      'POST /api/v1/request-demo',
    ],
    'client IP; account when signed in',
    MAIL_LIMIT,
  ),
  windowRow(
    'Meeting invites',
    ['GET /api/v1/send-token', 'GET /api/v1/resend-token'],
    'account',
    INVITE_LIMIT,
  ),
  windowRow(
    'Shared meeting access',
    ['POST /api/v1/meetings/share/{id}/access'],
    'client IP and share',
    MEETING_SHARE_LIMIT,
  ),
  windowRow(
    'Chat messages over REST',
    ['POST /api/chat/message'],
    'account; client IP',
    SEND_LIMIT,
  ),
  bucketRow(
    'Chat messages',
    ['chat socket: `message.send`', 'POST /api/chat/message'],
    'sender in the conversation',
    CHAT_SEND_RATE,
    `socket: ${ERROR_FRAME}; REST: \`429 RATE_LIMITED\` without \`Retry-After\``,
  ),
  {
    what: 'Typing indicators',
    where: ['chat socket: `typing`'],
    per: 'member of the conversation',
    allowance: `1 per ${TYPING_THROTTLE_MS / 1000} s`,
    gets: 'nothing: a repeat within it is dropped unanswered (the others already see it)',
  },
  bucketRow(
    'Audience actions',
    ['conference socket: `vote`, `qa.ask`, `qa.upvote`'],
    'audience member',
    AUDIENCE_RATE,
    ERROR_FRAME,
  ),
  bucketRow(
    'Vote storage',
    ['conference socket: `vote`'],
    'conference',
    VOTE_FLUSH_RATE,
    'nothing refused: votes over it are stored and acked together, on the next timer turn',
    ' batches',
  ),
  windowRow('Seller applications', ['POST /api/marketplace/seller/apply'], 'account', APPLY_LIMIT),
  windowRow('Orders', ['POST /api/marketplace/orders'], 'account', ORDER_LIMIT),
  {
    what: 'Request body size',
    where: ['every route'],
    per: 'request',
    allowance: configured('MAX_BODY_BYTES', ' bytes'),
    gets: '`413 PAYLOAD_TOO_LARGE`',
  },
  {
    what: 'Socket frame size',
    where: ['every socket frame'],
    per: 'frame',
    allowance: `${MAX_CLIENT_FRAME_BYTES} bytes`,
    gets: '`error` frame `PAYLOAD_TOO_LARGE`; the socket stays open',
  },
  ...frameBudgetRows('Conference', CONFERENCE_FRAME_BUDGETS),
  ...frameBudgetRows('Chat', CHAT_FRAME_BUDGETS),
  ...frameBudgetRows('Meeting', MEETING_FRAME_BUDGETS),
  ...frameBudgetRows('User channel', USER_FRAME_BUDGETS),
]

/** A route (`METHOD /path`) as the API's OpenAPI document names it; undefined for socket frames. */
export function routeOf(where: string): string | undefined {
  return /^(GET|POST|PUT|PATCH|DELETE) \//.test(where) ? where : undefined
}

const whereCell = (where: string[]) => where.map((w) => (routeOf(w) ? code(w) : w)).join('<br>')

function renderLimitsTable(): string {
  return table(
    ['Limit', 'Where', 'Counted per', 'Allowance', 'Client gets'],
    LIMIT_ROWS.map((r) => [r.what, whereCell(r.where), r.per, r.allowance, r.gets]),
  )
}

export const limitsSection: Section = {
  name: 'limits-table',
  command: 'npm run docs:limits',
  render: renderLimitsTable,
}
