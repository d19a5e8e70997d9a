// "Stored data unchanged": a fingerprint of every document that mentions one of the suite's fixture
// ids or carries the fuzz mark, across every collection. Other test files write to the same
// database in parallel, so the fingerprint is scoped to what this suite owns or could have written.
import { createHash } from 'node:crypto'
import { EJSON } from 'bson'
import { testDb } from '../../../harness/users'
import { FUZZ_MARK } from './bad-inputs'

export type Snapshot = Map<string, string>

export async function snapshot(fixtureIds: string[]): Promise<Snapshot> {
  const db = await testDb()
  const needles = [...fixtureIds.map((id) => id.toLowerCase()), FUZZ_MARK]
  const out: Snapshot = new Map()
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      const text = EJSON.stringify(doc, { relaxed: false })
      const lower = text.toLowerCase()
      if (needles.some((n) => lower.includes(n)))
        out.set(`${name}/${String(doc._id)}`, createHash('sha256').update(text).digest('hex'))
    }
  }
  return out
}

/** The documents added, removed or changed between two snapshots. */
export function changes(before: Snapshot, after: Snapshot): string[] {
  const keys = new Set([...before.keys(), ...after.keys()])
  return [...keys].filter((k) => before.get(k) !== after.get(k))
}
