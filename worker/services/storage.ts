// S3-compatible object storage (AWS S3, Cloudflare R2, or the local emulator): presigned URLs for
// client uploads and downloads, plus the few server-side calls the API makes itself.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { DOMParser } from '@xmldom/xmldom'

// The SDK parses XML responses with the browser's DOMParser, which workerd does not have.
if (typeof (globalThis as { DOMParser?: unknown }).DOMParser === 'undefined') {
  ;(globalThis as { DOMParser?: unknown }).DOMParser = DOMParser
}

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
  delete(key: string): Promise<void>
  /** Round-trip check used by the health route. */
  ping(): Promise<void>
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
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }))
    },
    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }))
    },
  }
}
