// Every MongoDB index the code relies on, declared in one place and created by `npm run db:indexes`
// (and by `npm run dev` and the test harness), never on a request path.
import type { Db, IndexDescription } from 'mongodb'
import { NOTIFICATION_TTL_SECONDS } from '../notifications/store'

export const INDEXES: Record<string, IndexDescription[]> = {
  users: [
    { key: { email: 1 }, name: 'email_unique', unique: true, sparse: true },
    { key: { phone: 1 }, name: 'phone_unique', unique: true, sparse: true },
    { key: { googleId: 1 }, name: 'googleId_unique', unique: true, sparse: true },
  ],
  sessions: [
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { userId: 1, revokedAt: 1, createdAt: 1 }, name: 'user_active' },
    { key: { familyId: 1 }, name: 'family' },
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
  ],
  media: [
    { key: { ownerId: 1, createdAt: -1 }, name: 'owner_recent' },
    { key: { status: 1, createdAt: 1 }, name: 'status_age' },
  ],
  transcoding_jobs: [
    { key: { mediaId: 1 }, name: 'media' },
    { key: { status: 1, updatedAt: 1 }, name: 'status_age' },
  ],
  conferences: [
    { key: { publicCode: 1 }, name: 'publicCode_unique', unique: true },
    { key: { hostId: 1, createdAt: -1 }, name: 'host_recent' },
    { key: { 'speakers.userId': 1 }, name: 'speaker' },
    { key: { status: 1, createdAt: -1 }, name: 'status_recent' },
  ],
  conference_questions: [{ key: { conferenceId: 1, order: 1 }, name: 'conference_order' }],
  conversations: [
    { key: { members: 1, lastActivityAt: -1, _id: -1 }, name: 'member_recent' },
    { key: { directKey: 1 }, name: 'directKey_unique', unique: true, sparse: true },
    { key: { conferenceId: 1 }, name: 'conference', sparse: true },
  ],
  messages: [{ key: { conversationId: 1, seq: 1 }, name: 'conversation_seq_unique', unique: true }],
  conversation_reads: [
    { key: { conversationId: 1, userId: 1 }, name: 'conversation_user_unique', unique: true },
  ],
  blocks: [
    { key: { blockerId: 1, blockedId: 1 }, name: 'pair_unique', unique: true },
    { key: { blockedId: 1 }, name: 'blocked' },
  ],
  notifications: [
    { key: { userId: 1, _id: -1 }, name: 'user_recent' },
    { key: { userId: 1, readAt: 1 }, name: 'user_unread' },
    { key: { createdAt: 1 }, name: 'createdAt_ttl', expireAfterSeconds: NOTIFICATION_TTL_SECONDS },
  ],
  device_tokens: [
    { key: { token: 1 }, name: 'token_unique', unique: true },
    { key: { userId: 1, updatedAt: -1 }, name: 'user_recent' },
  ],
  // Read by presence; the social feature owns these documents and may extend this list.
  friendships: [{ key: { userIds: 1, status: 1 }, name: 'user_status' }],
  courses: [
    { key: { published: 1, _id: -1 }, name: 'published_recent' },
    { key: { universityId: 1, _id: -1 }, name: 'university_recent' },
  ],
  course_videos: [
    { key: { courseId: 1, order: 1 }, name: 'course_order' },
    { key: { courseId: 1, mediaId: 1 }, name: 'course_media_unique', unique: true },
  ],
  course_enrollments: [
    { key: { courseId: 1, userId: 1 }, name: 'course_user_unique', unique: true },
    { key: { userId: 1, _id: -1 }, name: 'user_recent' },
  ],
  course_progress: [
    { key: { courseId: 1, userId: 1, videoId: 1 }, name: 'course_user_video_unique', unique: true },
  ],
  course_invites: [{ key: { courseId: 1, email: 1 }, name: 'course_email_unique', unique: true }],
  course_reviews: [
    { key: { courseId: 1, userId: 1 }, name: 'course_user_unique', unique: true },
    { key: { courseId: 1, _id: -1 }, name: 'course_recent' },
  ],
  seller_applications: [
    {
      key: { userId: 1 },
      name: 'user_open_unique',
      unique: true,
      partialFilterExpression: { open: true },
    },
    { key: { userId: 1, _id: -1 }, name: 'user_recent' },
    { key: { status: 1, _id: -1 }, name: 'status_recent' },
  ],
  products: [
    { key: { status: 1, _id: -1 }, name: 'status_recent' },
    { key: { status: 1, priceMinor: 1, _id: 1 }, name: 'status_price' },
    { key: { sellerId: 1, _id: -1 }, name: 'seller_recent' },
  ],
  orders: [
    { key: { buyerId: 1, idempotencyKey: 1 }, name: 'buyer_key_unique', unique: true },
    { key: { buyerId: 1, _id: -1 }, name: 'buyer_recent' },
    { key: { sellerIds: 1, _id: -1 }, name: 'seller_recent' },
    { key: { status: 1, _id: -1 }, name: 'status_recent' },
  ],
  password_resets: [
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
  ],
  uploads: [
    { key: { accessCode: 1 }, name: 'accessCode_unique', unique: true },
    { key: { ownerId: 1, deleted: 1, createdAt: -1 }, name: 'owner_recent' },
    { key: { ownerId: 1, deleted: 1, deletedAt: -1 }, name: 'owner_trashed' },
    { key: { ownerId: 1, deleted: 1, lastUploadAt: -1 }, name: 'owner_received' },
    { key: { ownerId: 1, notificationSent: 1, lastUploadAt: -1 }, name: 'owner_unannounced' },
  ],
  upload_sessions: [
    { key: { uploadId: 1 }, name: 'upload' },
    { key: { status: 1, expiresAt: 1 }, name: 'status_expiry' },
    // A backstop only: the expired-upload-sessions sweep removes them (and their files) first.
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 7 * 24 * 3600 },
  ],
  folders: [
    {
      key: { ownerId: 1, nameKey: 1 },
      name: 'owner_live_name_unique',
      unique: true,
      partialFilterExpression: { trashed: false },
    },
    { key: { ownerId: 1, trashed: 1, createdAt: 1 }, name: 'owner_list' },
  ],
  meeting_folders: [
    { key: { ownerId: 1, meetingId: 1 }, name: 'owner_meeting_unique', unique: true },
    { key: { ownerId: 1, folderId: 1 }, name: 'owner_folder' },
    { key: { ownerId: 1, assignedAt: -1 }, name: 'owner_recent' },
  ],
  chat_histories: [
    { key: { userId: 1, sessionId: 1 }, name: 'user_session_unique', unique: true },
    { key: { userId: 1, updatedAt: -1, _id: -1 }, name: 'user_recent' },
  ],
}

/** Creates every declared index; safe to run again (existing identical indexes are kept). */
export async function ensureIndexes(db: Db): Promise<{ collection: string; created: string[] }[]> {
  const results = []
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    const created = await db.collection(collection).createIndexes(indexes)
    results.push({ collection, created })
  }
  return results
}
