// Course fixtures: university accounts, courses created through the API, media records inserted
// directly (status set by hand, as the transcoder would), and enrolled students.
import { ObjectId } from 'mongodb'
import { api } from './http'
import { setRole, signUpUser, testDb, type TestUser } from './users'

export async function university(): Promise<TestUser> {
  const user = await signUpUser({ name: 'Test University' })
  await setRole(user.id, 'UNIVERSITY')
  return user
}

export async function createCourse(
  owner: TestUser,
  fields: Record<string, unknown> = {},
): Promise<{ id: string; [k: string]: unknown }> {
  const res = await api('/api/courses', {
    method: 'POST',
    token: owner.accessToken,
    json: { title: 'Intro to Testing', enrollment: 'open', published: true, ...fields },
  })
  if (res.status !== 201)
    throw new Error(`create course: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.course
}

/** A media record owned by `ownerId`, as if uploaded (and transcoded when status is ready). */
export async function insertMedia(
  ownerId: string,
  purpose = 'course-video',
  status = 'ready',
): Promise<string> {
  const _id = new ObjectId()
  const kind = purpose === 'course-thumbnail' ? 'image' : 'video'
  await (await testDb()).collection('media').insertOne({
    _id,
    ownerId: new ObjectId(ownerId),
    purpose,
    kind,
    contentType: kind === 'image' ? 'image/png' : 'video/mp4',
    declaredSize: 1000,
    key: `media/${purpose}/${_id.toHexString()}/original`,
    status,
    upload: { mode: 'single' },
    createdAt: new Date(),
    updatedAt: new Date(),
  })
  return _id.toHexString()
}

export async function addVideo(
  owner: TestUser,
  courseId: string,
  title = 'Lesson',
  order?: number,
) {
  const mediaId = await insertMedia(owner.id)
  const res = await api(`/api/courses/${courseId}/videos`, {
    method: 'POST',
    token: owner.accessToken,
    json: { mediaId, title, ...(order === undefined ? {} : { order }) },
  })
  if (res.status !== 201) throw new Error(`add video: ${res.status} ${JSON.stringify(res.body)}`)
  return { id: res.body.video.id as string, mediaId }
}

export async function enrolledStudent(courseId: string): Promise<TestUser> {
  const student = await signUpUser()
  const res = await api(`/api/courses/${courseId}/enroll`, {
    method: 'POST',
    token: student.accessToken,
  })
  if (res.status !== 201) throw new Error(`enroll: ${res.status} ${JSON.stringify(res.body)}`)
  return student
}

/** A checkpoint on a course video, created by the course owner. */
export async function addCheckpoint(
  owner: TestUser,
  courseId: string,
  videoId: string,
  fields: Record<string, unknown> = {},
) {
  const res = await api(`/api/courses/${courseId}/videos/${videoId}/checkpoints`, {
    method: 'POST',
    token: owner.accessToken,
    json: {
      atSecond: 30,
      question: 'Which is right?',
      kind: 'single',
      options: ['A', 'B', 'C'],
      correct: [1],
      ...fields,
    },
  })
  if (res.status !== 201)
    throw new Error(`add checkpoint: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.checkpoint as { id: string; [k: string]: unknown }
}

export const answerCheckpoint = (
  student: TestUser,
  courseId: string,
  checkpointId: string,
  selected: unknown,
) =>
  api(`/api/courses/${courseId}/checkpoints/${checkpointId}/answer`, {
    method: 'POST',
    token: student.accessToken,
    json: { selected },
  })

export const reportProgress = (
  student: TestUser,
  courseId: string,
  videoId: string,
  watchedSeconds: number,
  positionSeconds = watchedSeconds,
  durationSeconds = 100,
) =>
  api(`/api/courses/${courseId}/videos/${videoId}/progress`, {
    method: 'PUT',
    token: student.accessToken,
    json: { positionSeconds, watchedSeconds, durationSeconds },
  })
