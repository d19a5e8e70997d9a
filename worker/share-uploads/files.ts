// Files of a share-code upload: where they live in storage, the limits checked before anything is
// signed or stored, old clients' inline base64 images, and the HEAD check of what arrived.
import { ObjectId } from 'mongodb'
import type { Config } from '../../shared/config'
import type { MediaKind } from '../../shared/media'
import { AppError } from '../errors'
import { checkLimits } from '../media/uploads'
import type { SessionFile } from './store'
import type { Storage } from '../services/storage'

/** Inline (base64) files are for small images of old clients; anything bigger goes presigned. */
export const INLINE_MAX_BYTES = 512 * 1024
export const MAX_FILES_PER_SESSION = 20

/** Server-made key under the seed's prefixes: kind, upload id, file id — nothing from the client. */
export const fileKey = (kind: MediaKind, uploadId: ObjectId, fileId: string) =>
  `upload_${kind}s/${uploadId.toHexString()}/${fileId}`

/** Every prefix an upload's files live under, received or still in a session. */
export const uploadPrefixes = (uploadId: ObjectId) =>
  (['image', 'video'] as const).map((kind) => `upload_${kind}s/${uploadId.toHexString()}/`)

/** The kind of a declared file, or 415/413 before anything is signed. */
export const checkShareFile = (config: Config, contentType: string, size: number) =>
  checkLimits(config, { purpose: 'share-upload', contentType, size })

export interface InlineFile {
  contentType: string
  bytes: Uint8Array
}

const DATA_URL = /^data:([a-z0-9.+/-]+);base64,(.*)$/is
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Inline file text whose syntax is checked: base64 with its declared type when it had one. */
export interface InlineText {
  type?: string
  base64: string
}

/**
 * Reads `data:<type>;base64,<data>` or bare base64 without decoding it (the schema of an inline
 * file calls this at the edge); undefined when the text is neither.
 */
export function parseInline(data: string): InlineText | undefined {
  const match = DATA_URL.exec(data)
  const base64 = (match?.[2] ?? data).replace(/\s+/g, '')
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) return undefined
  return { ...(match ? { type: match[1]!.toLowerCase() } : {}), base64 }
}

/**
 * Decodes parsed inline text, typed by its data: URL or else by `contentType`. The size is judged
 * from the text before decoding, so an oversize body costs no memory beyond what was already read.
 */
export function decodeInline(inline: InlineText, contentType?: string): InlineFile {
  const type = inline.type ?? contentType?.toLowerCase()
  const text = inline.base64
  if (!type) {
    throw new AppError('VALIDATION_ERROR', 'The file type is unknown', [
      { path: 'contentType', message: 'is required unless data is a data: URL' },
    ])
  }
  const size = (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0)
  if (size > INLINE_MAX_BYTES) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `Inline files may be at most ${INLINE_MAX_BYTES} bytes; ask for an upload URL instead`,
      [{ path: 'data', message: `must decode to at most ${INLINE_MAX_BYTES} bytes` }],
    )
  }
  return { contentType: type, bytes: Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0)) }
}

/** Checks and stores an inline file; answers its session record. */
export async function storeInline(
  storage: Storage,
  config: Config,
  uploadId: ObjectId,
  inline: InlineFile,
  fileName: string | undefined,
  now: Date,
): Promise<SessionFile> {
  const kind = checkShareFile(config, inline.contentType, inline.bytes.length)
  const id = new ObjectId().toHexString()
  const key = fileKey(kind, uploadId, id)
  await storage.put(key, inline.bytes, inline.contentType)
  const file: SessionFile = {
    id,
    kind,
    key,
    contentType: inline.contentType,
    size: inline.bytes.length,
    mode: 'inline',
    createdAt: now,
  }
  if (fileName) file.fileName = fileName
  return file
}

export type StoredState = 'missing' | 'mismatch' | 'ok'

/** Whether a presigned file arrived as declared (size and type), by HEAD. */
export async function storedState(storage: Storage, file: SessionFile): Promise<StoredState> {
  if (file.mode === 'inline') return 'ok'
  const head = await storage.head(file.key)
  if (!head) return 'missing'
  const type = (head.contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return head.size === file.size && type === file.contentType ? 'ok' : 'mismatch'
}
