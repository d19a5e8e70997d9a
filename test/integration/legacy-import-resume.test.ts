// The whole legacy import (every step of both databases) stopped half way and started again ends
// with exactly the data of a run that was never stopped, in every collection it writes.
import { randomBytes } from 'node:crypto'
import { MongoClient, type Db } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ensureIndexes } from '../../worker/db/indexes'
import { runImport } from '../../worker/legacy-import/engine'
import { legacySource, type LegacySource } from '../../worker/legacy-import/legacy-source'
import { selectSteps } from '../../worker/legacy-import/steps'
import { buildLegacyFixtures } from '../harness/legacy-fixtures'

const tag = randomBytes(3).toString('hex')
const now = new Date('2026-06-01T00:00:00Z')
let client: MongoClient
let source: LegacySource
const scratch: Db[] = []

async function scratchDb(name: string) {
  const db = client.db(`legacy_resume_${name}_${tag}`)
  await ensureIndexes(db)
  scratch.push(db)
  return db
}

/** Every document the import wrote, per collection, without the checkpoints (run bookkeeping). */
async function everything(db: Db) {
  const names = (await db.listCollections().toArray())
    .map((c) => c.name)
    .filter((n) => n !== 'import_checkpoints')
    .sort()
  const state: Record<string, unknown[]> = {}
  for (const name of names) {
    const docs = await db.collection(name).find().sort({ _id: 1 }).toArray()
    // A token's insertion time is the moment it was written, not part of the data.
    state[name] = name === 'legacy_tokens' ? docs.map(({ createdAt: _, ...d }) => d) : docs
  }
  return state
}

beforeAll(async () => {
  client = await new MongoClient(inject('workerVars').MONGODB_URI!).connect()
  const sanora = client.db(`legacy_resume_sanora_${tag}`)
  const videodesk = client.db(`legacy_resume_videodesk_${tag}`)
  scratch.push(sanora, videodesk)
  await buildLegacyFixtures(sanora, videodesk, { scale: 200, tag })
  source = legacySource({ sanora, videodesk })
}, 120_000)

afterAll(async () => {
  for (const db of scratch) await db.dropDatabase()
  await client?.close()
})

describe('the whole legacy import, interrupted', () => {
  // One mid-run step here (another, users after batch 4, is legacy-import.test.ts's): each case
  // imports everything three times.
  it.each([['a batch of posts', 'sanora.posts', 2]])(
    'after %s ends like an uninterrupted run, every collection',
    async (_, crashStep, crashBatch) => {
      const run = (target: Db, extra: Partial<Parameters<typeof runImport>[0]> = {}) =>
        runImport({ source, target, steps: selectSteps(undefined), batchSize: 50, now, ...extra })
      const whole = await scratchDb(`whole_${crashBatch}`)
      await run(whole)
      const resumed = await scratchDb(`resumed_${crashBatch}`)
      await expect(
        run(resumed, {
          afterBatchWrite: (step, batch) => {
            if (step === crashStep && batch === crashBatch) throw new Error('injected crash')
          },
        }),
      ).rejects.toThrow('injected crash')
      const restart = await run(resumed)
      const at = restart.steps.findIndex((s) => s.step === crashStep)
      // The steps before the crash are not read again; the crashed one resumes after its last
      // checkpoint (the crashed batch was written, not checkpointed: it is read again).
      expect(restart.steps.slice(0, at).every((s) => s.alreadyDone)).toBe(true)
      expect(restart.steps[at]!.resumedAfter !== undefined).toBe(crashBatch > 1)
      expect(restart.steps.slice(at).some((s) => s.alreadyDone)).toBe(false)
      expect(await everything(resumed)).toEqual(await everything(whole))
    },
    240_000,
  )
})
