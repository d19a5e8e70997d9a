// Direct reads of the test bucket, for asserting what the API stored or deleted.
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
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
