// One small world of accounts and the resources they own, built through the real API (directly in
// MongoDB only where an upload or a transcoder would have written it): what the bad-input and
// authorization suites point their requests at.
import { ObjectId } from 'mongodb'
import { directChat } from '../../../harness/chat'
import { createConference, type RunningConference } from '../../../harness/conference'
import { createCourse, insertMedia, university } from '../../../harness/courses'
import { api } from '../../../harness/http'
import {
  adminUser,
  approvedSeller,
  createProduct,
  placedOrder,
  type Product,
} from '../../../harness/marketplace'
import { registerRoleUser, signUpUser, testDb, type TestUser } from '../../../harness/users'

export interface World {
  admin: TestUser
  user: TestUser
  /** A second plain user: the "other owner" of IDOR attempts. */
  stranger: TestUser
  host: TestUser
  otherHost: TestUser
  speaker: TestUser
  universityUser: TestUser
  conference: RunningConference
  course: { id: string }
  seller: TestUser
  product: Product
  order: { id: string }
  conversationId: string
  mediaId: string
  jobId: string
  notificationId: string
  applicationId: string
}

async function insertJob(ownerId: string, mediaId: string): Promise<string> {
  const _id = new ObjectId()
  await (await testDb()).collection('transcoding_jobs').insertOne({
    _id,
    mediaId: new ObjectId(mediaId),
    ownerId: new ObjectId(ownerId),
    sourceKey: `media/post/${mediaId}/original`,
    outputPrefix: `media/post/${mediaId}/out`,
    status: 'queued',
    attempts: 0,
    maxAttempts: 3,
    progress: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
  })
  return _id.toHexString()
}

export async function buildWorld(): Promise<World> {
  const [admin, user, stranger, host, otherHost, speaker, universityUser, seller] =
    await Promise.all([
      adminUser(),
      signUpUser({ name: 'Plain User' }),
      signUpUser({ name: 'Stranger' }),
      registerRoleUser('host'),
      registerRoleUser('host'),
      registerRoleUser('speaker'),
      university(),
      approvedSeller(),
    ])
  const [conference, course, product, conversationId, mediaId] = await Promise.all([
    createConference(undefined, { host }),
    createCourse(universityUser),
    createProduct(seller),
    directChat(user, seller),
    insertMedia(user.id, 'post'),
  ])
  const [order, jobId, notified, application] = await Promise.all([
    placedOrder(user, product.id),
    insertJob(user.id, mediaId),
    api('/api/notifications/test', { method: 'POST', token: user.accessToken, json: {} }),
    api('/api/marketplace/seller/apply', {
      method: 'POST',
      token: stranger.accessToken,
      json: {
        storeName: 'Pending Store',
        description: 'Waiting',
        contact: { email: stranger.email },
      },
    }),
  ])
  if (notified.status !== 201) throw new Error(`notification: ${notified.status}`)
  if (application.status !== 201) throw new Error(`apply: ${application.status}`)
  return {
    admin,
    user,
    stranger,
    host,
    otherHost,
    speaker,
    universityUser,
    conference,
    course,
    seller,
    product,
    order,
    conversationId,
    mediaId,
    jobId,
    notificationId: notified.body.notification.id,
    applicationId: application.body.application.id,
  }
}
