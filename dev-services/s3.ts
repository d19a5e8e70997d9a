// The S3-compatible stand-in: s3rver storing objects as files, with the media bucket created at start
// and CORS open enough for browsers to PUT/GET/HEAD presigned URLs.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import S3rver from 's3rver'
import { freePortPreferring } from './ports.js'

/** s3rver's built-in account; it rejects any other access key id. */
const S3RVER_ACCESS_KEY_ID = 'S3RVER'
const S3RVER_SECRET_ACCESS_KEY = 'S3RVER'

const BROWSER_UPLOAD_CORS = `<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>HEAD</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`

class S3EmulatorStartError extends Error {
  override name = 'S3EmulatorStartError'
}

export interface S3EmulatorOptions {
  host?: string
  /** 0 or absent = a free port. */
  port?: number
  /** When `port` is taken, use a free one instead of failing (dev). */
  fallbackToFreePort?: boolean
  /** Where objects are stored; absent = a temp dir removed by close(). */
  directory?: string
  bucket?: string
  region?: string
}

export interface S3Emulator {
  endpoint: string
  port: number
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
  directory: string
  close(): Promise<void>
}

export async function startS3Emulator(opts: S3EmulatorOptions = {}): Promise<S3Emulator> {
  const host = opts.host ?? '127.0.0.1'
  const bucket = opts.bucket ?? 'media'
  const temporary = !opts.directory
  const directory = opts.directory
    ? path.resolve(opts.directory)
    : await mkdtemp(path.join(os.tmpdir(), 'sanora-s3-'))
  await mkdir(directory, { recursive: true })

  const wanted = opts.port ?? 0
  const port =
    opts.fallbackToFreePort && wanted > 0 ? await freePortPreferring(host, wanted) : wanted
  const server = new S3rver({
    address: host,
    port,
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: bucket, configs: [BROWSER_UPLOAD_CORS] }],
  })
  let address
  try {
    address = await server.run()
  } catch (error) {
    if (temporary) await rm(directory, { recursive: true, force: true })
    throw new S3EmulatorStartError(`s3rver could not start on ${host}:${port}`, { cause: error })
  }

  let closing: Promise<void> | undefined
  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    region: opts.region ?? 'us-east-1',
    bucket,
    accessKeyId: S3RVER_ACCESS_KEY_ID,
    secretAccessKey: S3RVER_SECRET_ACCESS_KEY,
    directory,
    close() {
      closing ??= (async () => {
        const closed = server.close()
        // Idle keep-alive sockets from SDK clients would otherwise hold close() open.
        server.httpServer?.closeAllConnections()
        await closed
        if (temporary) await rm(directory, { recursive: true, force: true })
      })()
      return closing
    },
  }
}
