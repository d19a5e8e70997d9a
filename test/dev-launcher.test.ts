// `npm run dev` end to end: the launcher starts the stand-ins and `wrangler dev`, the API answers
// healthy with every dependency up, and Ctrl-C stops everything. Bad configuration stops start-up.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findFreePort } from '../dev-services/ports'

const dirs: string[] = []
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

async function launch(env: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'sanora-dev-'))
  dirs.push(dataDir)
  const child = spawn(process.execPath, ['--import', 'tsx', 'dev-services/dev.ts'], {
    env: { ...process.env, DEV_DATA_DIR: dataDir, ...env },
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, exited, output: () => output }
}

async function waitFor(
  check: () => boolean,
  child: ChildProcessWithoutNullStreams,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (child.exitCode !== null) throw new Error('the launcher exited early')
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('npm run dev', () => {
  it('serves a healthy API with every dependency up, and stops cleanly on Ctrl-C', async () => {
    const port = await findFreePort()
    const dev = await launch({ PORT: String(port) })
    try {
      await waitFor(() => dev.output().includes('Captured SMS'), dev.child, 90_000)
      const res = await fetch(`http://127.0.0.1:${port}/api/health`)
      expect(res.status).toBe(200)
      const body: any = await res.json()
      expect(body.services).toMatchObject({
        mongodb: { status: 'up' },
        redis: { status: 'up' },
        s3: { status: 'up' },
      })
    } finally {
      dev.child.kill('SIGINT')
    }
    expect(await dev.exited).toBe(0)
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow()
  }, 120_000)

  it('refuses to start with a bad variable, naming it', async () => {
    const dev = await launch({ PORT: String(await findFreePort()), JWT_SECRET: 'too-short' })
    expect(await dev.exited).toBe(1)
    expect(dev.output()).toContain('JWT_SECRET must be at least 32 characters')
  }, 60_000)
})
