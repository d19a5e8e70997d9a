// Client for the Worker's internal transcoding API: claim, progress, complete, fail, release, each
// authorised by a short-lived HS256 service token signed with TRANSCODER_SECRET.
import { SignJWT } from 'jose'
import {
  ClaimResponseSchema,
  FailResponseSchema,
  INTERNAL_JOBS_PATH,
  SERVICE_TOKEN_AUDIENCE,
  type ClaimResponse,
  type JobOutputs,
  type Playback,
} from '../shared/jobs'

/** The Worker could not be reached or answered something the contract does not allow. */
export class WorkerApiError extends Error {
  override readonly name = 'WorkerApiError'
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

/** 409 on a leased call: the job is no longer ours (the lease expired and someone else took it). */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError'
}

export type ClaimOutcome =
  | { kind: 'granted'; leaseId: string; job: ClaimResponse['job'] }
  /** 410: finished or missing: the stream entry has nothing left to do. */
  | { kind: 'gone' }
  /** 409: leased to a live consumer, or backing off before a retry. */
  | { kind: 'busy'; retryAfterSeconds: number }

const TOKEN_TTL_SECONDS = 300
// Re-sign well before expiry so a token never dies in flight.
const TOKEN_REUSE_MS = 60_000
const REQUEST_TIMEOUT_MS = 15_000

export class WorkerApi {
  private token: { value: string; signedAt: number } | undefined
  private readonly key: Uint8Array

  constructor(
    private readonly baseUrl: string,
    secret: string,
    private readonly consumer: string,
  ) {
    this.key = new TextEncoder().encode(secret)
  }

  async claim(jobId: string): Promise<ClaimOutcome> {
    const res = await this.post(jobId, 'claim', { consumer: this.consumer })
    if (res.status === 410) return { kind: 'gone' }
    if (res.status === 409) {
      const retryAfter = Number(res.headers.get('retry-after'))
      return { kind: 'busy', retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : 0 }
    }
    const body = await this.expectOk(res, 'claim')
    const parsed = ClaimResponseSchema.safeParse(body)
    if (!parsed.success)
      throw new WorkerApiError('claim answered an unexpected body', res.status, {
        cause: parsed.error,
      })
    return { kind: 'granted', ...parsed.data }
  }

  async progress(jobId: string, leaseId: string, percent: number): Promise<void> {
    await this.leased(jobId, 'progress', { leaseId, percent })
  }

  /** The job's lowest renditions are stored and listed: clients may start playing. */
  async playable(jobId: string, leaseId: string, playback: Playback): Promise<void> {
    await this.leased(jobId, 'playable', { leaseId, playback })
  }

  async complete(jobId: string, leaseId: string, outputs: JobOutputs): Promise<void> {
    await this.leased(jobId, 'complete', { leaseId, outputs })
  }

  async fail(
    jobId: string,
    leaseId: string,
    error: string,
    retryable: boolean,
  ): Promise<{ final: boolean; attempts: number }> {
    const body = await this.leased(jobId, 'fail', { leaseId, error, retryable })
    const parsed = FailResponseSchema.safeParse(body)
    if (!parsed.success)
      throw new WorkerApiError('fail answered an unexpected body', 200, { cause: parsed.error })
    return parsed.data
  }

  async release(jobId: string, leaseId: string): Promise<void> {
    await this.leased(jobId, 'release', { leaseId })
  }

  private async leased(jobId: string, action: string, body: unknown): Promise<unknown> {
    const res = await this.post(jobId, action, body)
    if (res.status === 409) {
      await res.body?.cancel()
      throw new LeaseLostError(`${action}: the lease on job ${jobId} was lost`)
    }
    return this.expectOk(res, action)
  }

  private async post(jobId: string, action: string, body: unknown): Promise<Response> {
    const url = `${this.baseUrl}${INTERNAL_JOBS_PATH}/${encodeURIComponent(jobId)}/${action}`
    try {
      return await fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await this.serviceToken()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      })
    } catch (error) {
      throw new WorkerApiError(`${action}: the Worker did not answer`, undefined, { cause: error })
    }
  }

  private async expectOk(res: Response, action: string): Promise<unknown> {
    const text = await res.text().catch(() => '')
    if (res.status !== 200) {
      throw new WorkerApiError(
        `${action}: the Worker answered ${res.status} ${text.slice(0, 300)}`,
        res.status,
      )
    }
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new WorkerApiError(`${action}: the Worker answered non-JSON`, res.status, {
        cause: error,
      })
    }
  }

  private async serviceToken(): Promise<string> {
    const now = Date.now()
    if (this.token && now - this.token.signedAt < TOKEN_REUSE_MS) return this.token.value
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience(SERVICE_TOKEN_AUDIENCE)
      .setSubject(this.consumer)
      .setIssuedAt()
      .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
      .sign(this.key)
    this.token = { value, signedAt: now }
    return value
  }
}
