// Setup steps the benchmarks that start their own stack share: signed-in users made straight in
// MongoDB, and waiting for the Worker to answer.
import type { Db } from 'mongodb'
import { parseConfig } from '../../shared/config'
import { startSession } from '../../worker/auth/sessions'
import { createUser } from '../../worker/auth/users-store'

export interface BenchUser {
  id: string
  token: string
}

/** Users and sessions straight into MongoDB (no OTP round trips): the Worker accepts the tokens. */
export async function createUsers(
  db: Db,
  vars: Record<string, string>,
  count: number,
): Promise<BenchUser[]> {
  const config = parseConfig(vars)
  const now = new Date()
  const out: BenchUser[] = []
  for (let i = 0; i < count; i++) {
    const user = await createUser(
      db,
      { name: `Bench ${i}`, role: 'USER', email: `bench-${i}-${Date.now()}@example.test` },
      now,
    )
    const tokens = await startSession(db, config, user, { name: 'bench' }, now)
    out.push({ id: user._id.toHexString(), token: tokens.accessToken })
  }
  return out
}

/** Resolves once the Worker answers its health check (the first request loads the bundle). */
export async function warmUp(url: string) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/health`).catch(() => undefined)
    if (res?.ok) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('the Worker did not become healthy within 60 s')
}
