// The resources the authorization suite's IDOR checks need beyond the base world: a Videodesk
// account's meeting (with a recording and a screenshot), share upload, folder and assistant chat
// session, and a Sanora user's social post, comment, reel, story and playlist — each built through
// the real API, with a second account of the same kind as the would-be intruder.
import { randomBytes } from 'node:crypto'
import { api } from '../../../harness/http'
import { newRoomId, uploadMeetingMedia } from '../../../harness/meetings'
import { videodeskUser, type VideodeskUser } from '../../../harness/videodesk'
import { createPost, insertVideo, uploadImage } from '../../../harness/social'
import type { TestUser } from '../../../harness/users'
import type { Operation } from './openapi'

export interface OwnedWorld {
  /** The Videodesk owner and intruder: cookie sessions, as the web client signs in. */
  deskOwner: VideodeskUser
  deskOther: VideodeskUser
  /** The meeting's document id, its room id, and one recording and screenshot entry id. */
  meeting: { id: string; roomId: string; recordingId: string; screenshotId: string }
  shareUpload: { id: string; accessCode: string }
  folderId: string
  /** A folder of the intruder's own, to file the owner's meeting into. */
  otherFolderId: string
  chatSession: { id: string; messageId: string }
  post: { id: string; commentId: string }
  reelId: string
  storyId: string
  playlistId: string
}

function expectCreated(res: { status: number; body: any }, what: string) {
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

async function deskResources(owner: VideodeskUser, other: VideodeskUser) {
  const [recording, screenshot] = await Promise.all([
    uploadMeetingMedia(owner, 'recording'),
    uploadMeetingMedia(owner, 'screenshot'),
  ])
  const roomId = newRoomId()
  const chatSessionId = `security-${randomBytes(6).toString('hex')}`
  const [meeting, upload, folder, otherFolder] = await Promise.all([
    owner.call('/api/v1/meetings/create', {
      method: 'POST',
      json: {
        meeting_id: roomId,
        name: 'Rita Resident',
        notes: 'Damp in the hallway',
        recordings: [{ media_id: recording.id, duration: 5 }],
        screenshots: [{ media_id: screenshot.id }],
      },
    }),
    owner.call('/api/v1/uploads/share-codes', {
      method: 'POST',
      json: { residentName: 'Rita Resident', house: '12B', postcode: 'SW1A 1AA' },
    }),
    owner.call('/api/v1/folders', { method: 'POST', json: { name: 'Inspections' } }),
    other.call('/api/v1/folders', { method: 'POST', json: { name: 'Mine' } }),
    owner.call('/api/v1/chat/sessions', {
      method: 'POST',
      json: {
        sessionId: chatSessionId,
        messages: [
          { id: 'm1', role: 'user', content: 'How do I report damp?' },
          { id: 'm2', role: 'assistant', content: 'Start a share-code upload.' },
        ],
      },
    }),
  ]).then((all) => all.map((res, i) => expectCreated(res, `videodesk fixture ${i}`)))
  return {
    meeting: {
      id: meeting.meeting._id as string,
      roomId,
      recordingId: meeting.meeting.recordings[0]._id as string,
      screenshotId: meeting.meeting.screenshots[0]._id as string,
    },
    shareUpload: { id: upload.upload.id as string, accessCode: upload.upload.accessCode as string },
    folderId: folder.folder.id as string,
    otherFolderId: otherFolder.folder.id as string,
    chatSession: { id: chatSessionId, messageId: 'm2' },
  }
}

async function socialResources(owner: TestUser) {
  const as = { token: owner.accessToken, method: 'POST' }
  const [post, reelMedia, storyMedia, playlist] = await Promise.all([
    createPost(owner),
    insertVideo(owner.id, 'reel'),
    uploadImage(owner, 'story'),
    api('/api/playlists', { ...as, json: { title: 'Watch later' } }),
  ])
  const [comment, reel, story] = await Promise.all([
    api(`/api/posts/${post.id}/comment`, { ...as, json: { text: 'Mine' } }),
    api('/api/reels', { ...as, json: { mediaId: reelMedia, caption: 'reel' } }),
    api('/api/stories', { ...as, json: { mediaId: storyMedia } }),
  ])
  return {
    post: { id: post.id, commentId: expectCreated(comment, 'comment').comment.id as string },
    reelId: expectCreated(reel, 'reel').reel.id as string,
    storyId: expectCreated(story, 'story').story.id as string,
    playlistId: expectCreated(playlist, 'playlist').playlist.id as string,
  }
}

/** Builds the owned resources; `socialOwner` owns the social posts and the playlist. */
export async function buildOwnedWorld(socialOwner: TestUser): Promise<OwnedWorld> {
  const [deskOwner, deskOther] = await Promise.all([
    videodeskUser('Olive Owner'),
    videodeskUser('Ivan Intruder'),
  ])
  const [desk, social] = await Promise.all([
    deskResources(deskOwner, deskOther),
    socialResources(socialOwner),
  ])
  return { deskOwner, deskOther, ...desk, ...social }
}

/** The owned world's real id for a path parameter of these resources' routes, if it has one. */
export function ownedParam(owned: OwnedWorld, op: Operation, name: string): string | undefined {
  const p = op.path
  const byPath: [RegExp, string, () => string][] = [
    [/^\/api\/v1\/meetings\/by-meeting-id\//, 'id', () => owned.meeting.roomId],
    [/^\/api\/v1\/meetings\//, 'id', () => owned.meeting.id],
    [/^\/api\/v1\/meetings\//, 'meetingId', () => owned.meeting.id],
    [/^\/api\/v1\/meetings\//, 'meeting_id', () => owned.meeting.id],
    [/^\/api\/v1\/meetings\//, 'recordingId', () => owned.meeting.recordingId],
    [/^\/api\/v1\/meetings\//, 'screenshotId', () => owned.meeting.screenshotId],
    [/^\/api\/v1\/uploads\//, 'id', () => owned.shareUpload.id],
    [/^\/api\/v1\/uploads\//, 'accessCode', () => owned.shareUpload.accessCode],
    [/^\/api\/v1\/folders\//, 'folderId', () => owned.folderId],
    [/^\/api\/v1\/chat\/sessions\//, 'sessionId', () => owned.chatSession.id],
    [/^\/api\/v1\/chat\/sessions\//, 'messageId', () => owned.chatSession.messageId],
    [/^\/api\/posts\//, 'id', () => owned.post.id],
    [/^\/api\/posts\//, 'commentId', () => owned.post.commentId],
    [/^\/api\/reels\//, 'id', () => owned.reelId],
    [/^\/api\/stories\//, 'id', () => owned.storyId],
    [/^\/api\/playlists\//, 'playlistId', () => owned.playlistId],
  ]
  return byPath.find(([re, param]) => re.test(p) && param === name)?.[2]()
}
