// Object storage for the transcoder: stream a job's source to a local file, upload its outputs.
// Every failure here is storage or network trouble, never the input's fault: retryable.
import { createReadStream, createWriteStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import type { TranscoderConfig } from './config'

class SourceDownloadError extends Error {
  override readonly name = 'SourceDownloadError'
}

class OutputUploadError extends Error {
  override readonly name = 'OutputUploadError'
}

export class Storage {
  private readonly s3: S3Client
  private readonly bucket: string

  constructor(config: TranscoderConfig) {
    this.bucket = config.S3_BUCKET
    this.s3 = new S3Client({
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      credentials: {
        accessKeyId: config.S3_ACCESS_KEY_ID,
        secretAccessKey: config.S3_SECRET_ACCESS_KEY,
      },
      ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
      // The SDK's default checksums send streamed bodies aws-chunked with a trailer, which
      // the local S3 emulator stores verbatim (chunk framing inside the file): only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  }

  /** Streams the object to `file`; answers its size in bytes. */
  async download(key: string, file: string, signal: AbortSignal): Promise<number> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      })
      if (!res.Body) throw new Error('the object has no body')
      await pipeline(res.Body as Readable, createWriteStream(file), { signal })
      return (await stat(file)).size
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw new SourceDownloadError(`could not download the source ${key}`, { cause: error })
    }
  }

  async upload(file: string, key: string, contentType: string, signal: AbortSignal) {
    try {
      const { size } = await stat(file)
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: size,
          ContentType: contentType,
        }),
        { abortSignal: signal },
      )
      return size
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw new OutputUploadError(`could not upload ${key}`, { cause: error })
    }
  }

  /** Stores `body` (a few bytes built in memory, such as a playlist). */
  async uploadBody(body: string, key: string, contentType: string, signal: AbortSignal) {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
        }),
        { abortSignal: signal },
      )
    } catch (error) {
      if (signal.aborted) throw signal.reason
      throw new OutputUploadError(`could not upload ${key}`, { cause: error })
    }
  }

  destroy() {
    this.s3.destroy()
  }
}
