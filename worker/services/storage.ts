// S3-compatible object storage (AWS S3, Cloudflare R2, or the local emulator): presigned URLs for
// client uploads and downloads, plus the few server-side calls the API makes itself.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  UploadPartCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { DOMParser, Node } from '@xmldom/xmldom'

// The SDK parses XML responses with the browser's DOMParser and walks them comparing node types
// against the global Node constants; workerd has neither.
const browserGlobals = globalThis as { DOMParser?: unknown; Node?: unknown }
browserGlobals.DOMParser ??= DOMParser
browserGlobals.Node ??= Node

export interface StorageOptions {
  endpoint?: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  forcePathStyle: boolean
}

export interface ObjectHead {
  size: number
  contentType: string | undefined
}

export interface Storage {
  readonly bucket: string
  presignPut(key: string, contentType: string, expiresInSeconds?: number): Promise<string>
  presignGet(key: string, expiresInSeconds?: number): Promise<string>
  head(key: string): Promise<ObjectHead | null>
  /** Stores a small body the API received itself (inline uploads of old clients). */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>
  delete(key: string): Promise<void>
  /** Round-trip check used by the health route. */
  ping(): Promise<void>
  createMultipart(key: string, contentType: string): Promise<string>
  presignPart(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresInSeconds?: number,
  ): Promise<string>
  completeMultipart(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): Promise<void>
  abortMultipart(key: string, uploadId: string): Promise<void>
  /** Deletes every object under a prefix (a video's outputs); answers how many were deleted. */
  deletePrefix(prefix: string): Promise<number>
  readonly client: S3Client
}

export function createStorage(opts: StorageOptions): Storage {
  const client = new S3Client({
    region: opts.region,
    endpoint: opts.endpoint,
    forcePathStyle: opts.forcePathStyle,
    credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
    // Checksums only when the operation requires them: presigned PUTs from browsers and R2 both
    // reject the SDK's default CRC32 checksum headers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  })
  const Bucket = opts.bucket

  return {
    bucket: Bucket,
    client,
    presignPut(key, contentType, expiresIn = 900) {
      return getSignedUrl(
        client,
        new PutObjectCommand({ Bucket, Key: key, ContentType: contentType }),
        {
          expiresIn,
        },
      )
    },
    presignGet(key, expiresIn = 3600) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), { expiresIn })
    },
    async head(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket, Key: key }))
        return { size: out.ContentLength ?? 0, contentType: out.ContentType }
      } catch (error) {
        if ((error as { name?: string }).name === 'NotFound') return null
        throw error
      }
    },
    async put(key, body, contentType) {
      await client.send(
        new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }),
      )
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }))
    },
    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }))
    },
    async createMultipart(key, contentType) {
      const out = await client.send(
        new CreateMultipartUploadCommand({ Bucket, Key: key, ContentType: contentType }),
      )
      if (!out.UploadId) throw new Error('S3 did not return an UploadId')
      return out.UploadId
    },
    presignPart(key, uploadId, partNumber, expiresIn = 3600) {
      return getSignedUrl(
        client,
        new UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }),
        {
          expiresIn,
        },
      )
    },
    async completeMultipart(key, uploadId, parts) {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
          },
        }),
      )
    },
    async abortMultipart(key, uploadId) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId }))
    },
    async deletePrefix(prefix) {
      let deleted = 0
      let token: string | undefined
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }),
        )
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []))
        if (keys.length > 0) {
          await client.send(
            new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }),
          )
          deleted += keys.length
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined
      } while (token)
      return deleted
    },
  }
}
