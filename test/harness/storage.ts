// Direct access to the test bucket: asserting what the API stored or deleted, and putting objects
// where another system left them (the legacy import's media).
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { inject } from 'vitest'

let client: S3Client | undefined

function s3() {
  const vars = inject('workerVars')
  client ??= new S3Client({
    endpoint: vars.S3_ENDPOINT,
    region: vars.S3_REGION ?? 'us-east-1',
    forcePathStyle: vars.S3_FORCE_PATH_STYLE === 'true',
    credentials: {
      accessKeyId: vars.S3_ACCESS_KEY_ID!,
      secretAccessKey: vars.S3_SECRET_ACCESS_KEY!,
    },
  })
  return client
}

/** Keys stored under `prefix` (first page is plenty for a test's own prefix). */
export async function storedKeys(prefix: string): Promise<string[]> {
  const listed = await s3().send(
    new ListObjectsV2Command({ Bucket: inject('workerVars').S3_BUCKET!, Prefix: prefix }),
  )
  return (listed.Contents ?? []).map((o) => o.Key!)
}

/** Stores `body` at `key`, as the old system's upload left it. */
export async function putObject(key: string, body: string, contentType: string) {
  await s3().send(
    new PutObjectCommand({
      Bucket: inject('workerVars').S3_BUCKET!,
      Key: key,
      Body: body,
      ContentType: contentType,
    }),
  )
}
