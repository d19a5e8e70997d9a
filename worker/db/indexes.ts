// Every MongoDB index the code relies on, declared in one place and created by `npm run db:indexes`
// (and by `npm run dev` and the test harness), never on a request path.
import type { Db, IndexDescription } from 'mongodb'
import { NOTIFICATION_TTL_SECONDS } from '../notifications/store'
import { STORY_GRACE_SECONDS } from '../social/stories'

const INDEXES: Record<string, IndexDescription[]> = {
  users: [
    // Unique among proven values only: an unproven claim never reserves an email or a phone, so
    // its real owner can always prove and take it (worker/auth/identity.ts).
    {
      key: { email: 1 },
      name: 'email_proven_unique',
      unique: true,
      partialFilterExpression: { emailVerified: true },
    },
    {
      key: { phone: 1 },
      name: 'phone_proven_unique',
      unique: true,
      partialFilterExpression: { phoneVerified: true },
    },
    // Every holder of an identifier, proven or not, oldest first.
    { key: { email: 1, createdAt: 1 }, name: 'email_holders', sparse: true },
    { key: { phone: 1, createdAt: 1 }, name: 'phone_holders', sparse: true },
    { key: { googleId: 1 }, name: 'googleId_unique', unique: true, sparse: true },
    { key: { name: 1 }, name: 'name' },
    // An old token naming an account merged into another at import (worker/auth/legacy-sessions.ts).
    { key: { legacyIds: 1 }, name: 'legacyIds', sparse: true },
  ],
  sessions: [
    { key: { tokenHash: 1 }, name: 'tokenHash_unique', unique: true },
    { key: { userId: 1, revokedAt: 1, createdAt: 1 }, name: 'user_active' },
    { key: { familyId: 1 }, name: 'family' },
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
  ],
  // worker/auth/legacy-sessions.ts: `_id` is the token's hash. Only exchanged access tokens have
  // `expiresAt` (the old token's own expiry); imported refresh tokens stay until used or revoked.
  legacy_tokens: [
    { key: { userId: 1, kind: 1 }, name: 'user_kind' },
    { key: { familyId: 1 }, name: 'family', sparse: true },
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
  friendships: [
    { key: { userIds: 1, status: 1 }, name: 'user_status' },
    { key: { pairKey: 1 }, name: 'pair_unique', unique: true, sparse: true },
    { key: { recipientId: 1, status: 1, _id: -1 }, name: 'recipient_status_recent' },
    { key: { requesterId: 1, status: 1, _id: -1 }, name: 'requester_status_recent' },
  ],
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
  course_checkpoints: [
    { key: { courseId: 1, videoId: 1, atSecond: 1 }, name: 'course_video_time' },
  ],
  course_checkpoint_answers: [
    { key: { checkpointId: 1, userId: 1 }, name: 'checkpoint_user_unique', unique: true },
    { key: { courseId: 1, videoId: 1, checkpointId: 1 }, name: 'course_video_checkpoint' },
  ],
  playlists: [
    { key: { userId: 1, _id: -1 }, name: 'user_recent' },
    { key: { courseId: 1, _id: 1 }, name: 'course_oldest' },
    { key: { 'items.videoId': 1 }, name: 'item_video' },
    { key: { 'items.courseId': 1 }, name: 'item_course' },
  ],
  user_activity: [
    { key: { userId: 1, at: -1, _id: -1 }, name: 'user_recent' },
    {
      key: { userId: 1, key: 1 },
      name: 'user_key_unique',
      unique: true,
      partialFilterExpression: { key: { $exists: true } },
    },
    { key: { courseId: 1, type: 1, at: 1 }, name: 'course_type_time' },
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
  meetings: [
    { key: { meeting_id: 1 }, name: 'meeting_id_unique', unique: true },
    { key: { owner: 1, is_deleted: 1, is_archived: 1, createdAt: -1 }, name: 'owner_state_recent' },
    { key: { share_id: 1 }, name: 'share_id_unique', unique: true },
    { key: { is_deleted: 1, deleted_at: 1 }, name: 'trash_age' },
  ],
  // Social: the feed walks kind_recent newest first; a profile walks author_kind_recent.
  posts: [
    { key: { kind: 1, _id: -1 }, name: 'kind_recent' },
    { key: { authorId: 1, kind: 1, _id: -1 }, name: 'author_kind_recent' },
  ],
  comments: [{ key: { postId: 1, parentId: 1, _id: 1 }, name: 'post_thread' }],
  likes: [
    { key: { targetId: 1, userId: 1 }, name: 'target_user_unique', unique: true },
    { key: { postId: 1 }, name: 'post' },
  ],
  stories: [
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: STORY_GRACE_SECONDS },
    { key: { authorId: 1, expiresAt: 1 }, name: 'author_active' },
    { key: { mediaPurged: 1, expiresAt: 1 }, name: 'purge_due' },
  ],
  story_views: [
    { key: { storyId: 1, viewerId: 1 }, name: 'story_viewer_unique', unique: true },
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
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

/** Indexes an earlier version declared and this one replaces: dropped before the new ones. */
export const RETIRED_INDEXES: Record<string, string[]> = {
  // Unique over every value, proven or not: an unproven claim reserved the identifier.
  users: ['email_unique', 'phone_unique'],
}

/** Creates every declared index; safe to run again (existing identical indexes are kept). */
export async function ensureIndexes(db: Db): Promise<{ collection: string; created: string[] }[]> {
  const results = []
  for (const [collection, names] of Object.entries(RETIRED_INDEXES)) {
    const listed = await db
      .collection(collection)
      .listIndexes()
      .toArray()
      // A collection that does not exist yet has no indexes to retire.
      .catch((error: Error & { code?: number }) => (error.code === 26 ? [] : Promise.reject(error)))
    const existing = new Set(listed.map((i: { name: string }) => i.name))
    for (const name of names)
      if (existing.has(name)) await db.collection(collection).dropIndex(name)
  }
  for (const [collection, indexes] of Object.entries(INDEXES)) {
    const created = await db.collection(collection).createIndexes(indexes)
    results.push({ collection, created })
  }
  return results
}
