// What may be uploaded for what: each purpose accepts some kinds of media, each kind some content
// types. Shared so clients can check before asking for an upload URL.
/** @public The protocol's image types, for clients (as VIDEO_TYPES). */
export const IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/heic',
] as const
export const VIDEO_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
] as const

export type MediaKind = 'image' | 'video'

export const MEDIA_PURPOSES = {
  avatar: ['image'],
  post: ['image', 'video'],
  reel: ['video'],
  story: ['image', 'video'],
  'course-video': ['video'],
  'course-thumbnail': ['image'],
  'product-image': ['image'],
  'meeting-recording': ['video'],
  'meeting-screenshot': ['image'],
  'share-upload': ['image', 'video'],
  'chat-attachment': ['image', 'video'],
} as const satisfies Record<string, readonly MediaKind[]>

export type MediaPurpose = keyof typeof MEDIA_PURPOSES
export const MEDIA_PURPOSE_NAMES = Object.keys(MEDIA_PURPOSES) as MediaPurpose[]

export const MEDIA_STATUSES = [
  'pending',
  'verifying',
  'processing',
  'ready',
  'failed',
  'rejected',
] as const
export type MediaStatus = (typeof MEDIA_STATUSES)[number]

export function kindOf(contentType: string): MediaKind | undefined {
  if ((IMAGE_TYPES as readonly string[]).includes(contentType)) return 'image'
  if ((VIDEO_TYPES as readonly string[]).includes(contentType)) return 'video'
  return undefined
}
