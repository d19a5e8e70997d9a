// Runs import steps: streams each legacy collection in `_id` order, transforms, writes bounded
// unordered batches only where the stored document differs, and checkpoints after each batch so an
// interrupted run resumes where it stopped.
import type { AnyBulkWriteOperation, Db, Filter } from 'mongodb'
import { contentHash } from './content-hash'
import type { LegacySource } from './legacy-source'
import { silentProgress, type Progress } from './progress'
import {
  addDangling,
  addFailure,
  addNote,
  emptyStepReport,
  type ImportReport,
  type StepReport,
} from './report'
import type { Fields, LegacyDoc, Output, Ref, Step, StepContext, Transformed } from './step'

const CHECKPOINTS = 'import_checkpoints'
/**
 * Every document an import has put in place, by `<collection>:<key field>:<value>`: one that is in
 * the ledger but no longer in its collection was deleted here (by its owner, an admin, a TTL) and
 * must not come back with the next run.
 */
const LEDGER = 'import_ledger'

export interface ImportOptions {
  source: LegacySource
  target: Db
  steps: Step[]
  dryRun?: boolean
  batchSize?: number
  refreshTtlDays?: number
  now?: Date
  progress?: Progress
  /** Called after a batch is written and before its checkpoint (tests inject a crash here). */
  afterBatchWrite?: (step: string, batch: number) => void | Promise<void>
}

interface Checkpoint {
  _id: string
  lastId?: unknown
  done?: boolean
  finished?: boolean
  steps?: string[]
  updatedAt: Date
}

const RUN_ID = 'run'

/** Stored in `legacy._import` of each imported document. */
interface ImportMeta {
  source?: string
  hash?: string
}

export async function runImport(opts: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = {
    dryRun: Boolean(opts.dryRun),
    startedAt: new Date().toISOString(),
    steps: [],
  }
  const checkpoints = opts.target.collection<Checkpoint>(CHECKPOINTS)
  const names = opts.steps.map((s) => s.name)
  // An unfinished run of the same steps is resumed; otherwise every step starts from its first
  // document (a re-run after a finished one re-reads everything and writes only the differences).
  const run = await checkpoints.findOne({ _id: RUN_ID })
  // A dry run always reads everything: it says what a full run would write.
  const resuming = !opts.dryRun && run?.finished === false && sameSteps(run.steps, names)
  if (!opts.dryRun && !resuming) {
    await checkpoints.deleteMany({ _id: { $in: names } })
    await checkpoints.replaceOne(
      { _id: RUN_ID },
      { finished: false, steps: names, updatedAt: new Date() },
      { upsert: true },
    )
  }
  const ctx: StepContext = {
    now: opts.now ?? new Date(),
    refreshTtlDays: opts.refreshTtlDays ?? 60,
  }
  for (const step of opts.steps) {
    const checkpoint = resuming ? await checkpoints.findOne({ _id: step.name }) : null
    const stepReport = emptyStepReport(step.name)
    report.steps.push(stepReport)
    if (checkpoint?.done) {
      stepReport.alreadyDone = true
      continue
    }
    await runStep(opts, step, ctx, stepReport, checkpoint?.lastId)
  }
  if (!opts.dryRun)
    await checkpoints.updateOne(
      { _id: RUN_ID },
      { $set: { finished: true, updatedAt: new Date() } },
    )
  report.finishedAt = new Date().toISOString()
  return report
}

const sameSteps = (a: string[] | undefined, b: string[]) =>
  a !== undefined && a.length === b.length && a.every((n, i) => n === b[i])

async function runStep(
  opts: ImportOptions,
  step: Step,
  ctx: StepContext,
  report: StepReport,
  afterId: unknown,
) {
  const progress = opts.progress ?? silentProgress
  const batchSize = opts.batchSize ?? 500
  if (afterId !== undefined) report.resumedAfter = String(afterId)
  const started = Date.now()
  progress.start(step.name, await opts.source.count(step.db, step.collection))
  const cursor = opts.source.stream(step.db, step.collection, afterId).batchSize(batchSize)
  let batch: LegacyDoc[] = []
  let batchNo = 0
  const flush = async () => {
    batchNo++
    await processBatch(opts, step, ctx, report, batch)
    await opts.afterBatchWrite?.(step.name, batchNo)
    if (!opts.dryRun)
      await opts.target
        .collection<Checkpoint>(CHECKPOINTS)
        .replaceOne(
          { _id: step.name },
          { lastId: batch[batch.length - 1]!._id, done: false, updatedAt: new Date() },
          { upsert: true },
        )
    progress.update(step.name, report.read)
    batch = []
  }
  try {
    for await (const doc of cursor) {
      batch.push(doc)
      if (batch.length >= batchSize) await flush()
    }
    if (batch.length > 0) await flush()
  } finally {
    await cursor.close()
  }
  if (!opts.dryRun)
    await opts.target
      .collection<Checkpoint>(CHECKPOINTS)
      .updateOne(
        { _id: step.name },
        { $set: { done: true, updatedAt: new Date() } },
        { upsert: true },
      )
  report.seconds = (Date.now() - started) / 1000
  progress.finish(step.name, report.read)
}

async function processBatch(
  opts: ImportOptions,
  step: Step,
  ctx: StepContext,
  report: StepReport,
  docs: LegacyDoc[],
) {
  const prepared = step.prepare ? await step.prepare(docs, opts.source, opts.target) : undefined
  const results: { doc: LegacyDoc; out: Transformed }[] = []
  for (const doc of docs) {
    report.read++
    try {
      results.push({ doc, out: await step.transform(doc, ctx, prepared) })
    } catch (error) {
      addFailure(report, String(doc._id), (error as Error).message)
    }
  }
  await reportDangling(opts.source, report, results)
  const outputs = results.flatMap(({ doc, out }) =>
    out.outputs.map((output) => ({ from: String(doc._id), output })),
  )
  const { written, failed } = await writeOutputs(opts, step.name, report, outputs)
  for (const { doc, out } of results) {
    for (const note of out.notes ?? []) addNote(report, note)
    if (out.skip) report.skipped[out.skip] = (report.skipped[out.skip] ?? 0) + 1
    else if (written.has(String(doc._id))) report.written++
    else if (!failed.has(String(doc._id))) report.unchanged++
  }
}

async function reportDangling(
  source: LegacySource,
  report: StepReport,
  results: { doc: LegacyDoc; out: Transformed }[],
) {
  const byCollection = new Map<string, { from: string; ref: Ref }[]>()
  for (const { doc, out } of results)
    for (const ref of out.refs ?? []) {
      const key = `${ref.db}.${ref.collection}`
      const list = byCollection.get(key) ?? []
      list.push({ from: String(doc._id), ref })
      byCollection.set(key, list)
    }
  for (const refs of byCollection.values()) {
    const { db, collection } = refs[0]!.ref
    const found = await source.existing(
      db,
      collection,
      refs.map((r) => r.ref.id),
    )
    for (const { from, ref } of refs)
      if (!found.has(String(ref.id))) addDangling(report, ref.field, from, String(ref.id))
  }
}

/**
 * Writes the outputs that differ from what is stored; answers the legacy ids of the documents
 * that caused a write.
 */
async function writeOutputs(
  opts: ImportOptions,
  stepName: string,
  report: StepReport,
  outputs: { from: string; output: Output }[],
): Promise<{ written: Set<string>; failed: Set<string> }> {
  const written = new Set<string>()
  const failed = new Set<string>()
  const byCollection = new Map<string, { from: string; output: Output }[]>()
  const updates: { from: string; output: Extract<Output, { mode: 'update-matching' }> }[] = []
  for (const o of outputs) {
    if (o.output.mode === 'update-matching') {
      updates.push({ from: o.from, output: o.output })
      continue
    }
    const list = byCollection.get(o.output.collection) ?? []
    list.push(o)
    byCollection.set(o.output.collection, list)
  }
  for (const [collectionName, list] of byCollection) {
    const collection = opts.target.collection<Fields>(collectionName)
    const ops: { from: string; ledgerKey: string; op: AnyBulkWriteOperation<Fields> }[] = []
    const replaces = list.filter(
      (o): o is { from: string; output: Extract<Output, { mode?: 'replace' }> } =>
        o.output.mode === undefined || o.output.mode === 'replace',
    )
    const stored = new Map(
      (
        await collection
          .find({ _id: { $in: replaces.map((o) => o.output.document._id) } } as Filter<Fields>, {
            projection: { 'legacy._import': 1 },
          })
          .toArray()
      ).map((d) => [String(d._id), (d.legacy as Fields | undefined)?._import as ImportMeta]),
    )
    const ledger = await ledgered(
      opts.target,
      replaces.map((o) => ledgerKey(collectionName, '_id', o.output.document._id)),
    )
    // What an earlier run of this step put in place (not this system's own documents).
    const landed: string[] = [...stored]
      .filter(([, meta]) => meta?.source === stepName)
      .map(([id]) => ledgerKey(collectionName, '_id', id))
    for (const { from, output } of replaces) {
      const { legacy, ...rest } = output.document
      const hash = contentHash({ ...rest, legacy })
      const id = String(output.document._id)
      const previous = stored.get(id)
      if (!stored.has(id) && ledger.has(ledgerKey(collectionName, '_id', id))) {
        deletedHere(report, collectionName, id)
        continue
      }
      if (stored.has(id) && previous?.source !== stepName) {
        // Another source (or this system) owns this id: never overwrite it.
        addFailure(report, from, `${collectionName} ${id} exists, not imported by ${stepName}`)
        failed.add(from)
        continue
      }
      if (previous?.hash === hash) continue
      const document = { ...rest, legacy: { ...legacy, _import: { source: stepName, hash } } }
      ops.push({
        from,
        ledgerKey: ledgerKey(collectionName, '_id', id),
        op: {
          replaceOne: {
            filter: { _id: output.document._id } as Filter<Fields>,
            replacement: document,
            upsert: true,
          },
        },
      })
    }
    const inserts = list.filter(
      (o): o is { from: string; output: Extract<Output, { mode: 'insert-once' }> } =>
        o.output.mode === 'insert-once',
    )
    if (inserts.length > 0) {
      const key = inserts[0]!.output.key
      const values = inserts.map((o) => o.output.document[key])
      const present = new Set(
        (
          await collection.find({ [key]: { $in: values } }, { projection: { [key]: 1 } }).toArray()
        ).map((d) => String(d[key])),
      )
      landed.push(...[...present].map((v) => ledgerKey(collectionName, key, v)))
      const insertLedger = await ledgered(
        opts.target,
        values.map((v) => ledgerKey(collectionName, key, v)),
      )
      for (const { from, output } of inserts) {
        const value = output.document[key]
        if (present.has(String(value))) continue
        if (insertLedger.has(ledgerKey(collectionName, key, value))) {
          deletedHere(report, collectionName, String(value))
          continue
        }
        const document = { ...output.document, legacy: { _import: { source: stepName } } }
        ops.push({
          from,
          ledgerKey: ledgerKey(collectionName, key, value),
          op: {
            updateOne: {
              filter: { [key]: value },
              update: { $setOnInsert: document },
              upsert: true,
            },
          },
        })
      }
    }
    if (ops.length === 0) {
      if (!opts.dryRun) await remember(opts.target, stepName, landed, ledger)
      continue
    }
    if (opts.dryRun) {
      for (const { from } of ops) written.add(from)
      report.writesByCollection[collectionName] =
        (report.writesByCollection[collectionName] ?? 0) + ops.length
      continue
    }
    const failedIndexes = new Set<number>()
    try {
      await collection.bulkWrite(
        ops.map((o) => o.op),
        { ordered: false },
      )
    } catch (error) {
      const writeErrors = (error as { writeErrors?: { index: number; errmsg?: string }[] })
        .writeErrors
      if (!writeErrors) throw error
      for (const e of writeErrors) {
        failedIndexes.add(e.index)
        addFailure(report, ops[e.index]!.from, `${collectionName}: ${e.errmsg ?? 'write error'}`)
        failed.add(ops[e.index]!.from)
      }
    }
    ops.forEach(({ from, ledgerKey }, i) => {
      if (failedIndexes.has(i)) return
      written.add(from)
      landed.push(ledgerKey)
      report.writesByCollection[collectionName] =
        (report.writesByCollection[collectionName] ?? 0) + 1
    })
    await remember(opts.target, stepName, landed, ledger)
  }
  await applyUpdates(opts, report, updates, written)
  return { written, failed }
}

/**
 * `update-matching` outputs: one query per collection and batch finds whether any filter matches
 * (almost never, on a re-run); only then is each applied, so its effect is attributed.
 */
async function applyUpdates(
  opts: ImportOptions,
  report: StepReport,
  updates: { from: string; output: Extract<Output, { mode: 'update-matching' }> }[],
  written: Set<string>,
) {
  const byCollection = new Map<string, typeof updates>()
  for (const u of updates)
    byCollection.set(u.output.collection, [...(byCollection.get(u.output.collection) ?? []), u])
  for (const [collectionName, list] of byCollection) {
    const collection = opts.target.collection<Fields>(collectionName)
    const any = await collection.findOne(
      { $or: list.map((u) => u.output.filter) } as Filter<Fields>,
      { projection: { _id: 1 } },
    )
    if (!any) continue
    for (const { from, output } of list) {
      const changed = opts.dryRun
        ? await collection.countDocuments(output.filter as Filter<Fields>)
        : (await collection.updateMany(output.filter as Filter<Fields>, output.update))
            .modifiedCount
      if (changed === 0) continue
      written.add(from)
      report.writesByCollection[collectionName] =
        (report.writesByCollection[collectionName] ?? 0) + changed
    }
  }
}

const ledgerKey = (collection: string, field: string, value: unknown) =>
  `${collection}:${field}:${String(value)}`

/** Which of `keys` the ledger has. */
async function ledgered(target: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set()
  const found = await target
    .collection<{ _id: string }>(LEDGER)
    .find({ _id: { $in: keys } }, { projection: { _id: 1 } })
    .toArray()
  return new Set(found.map((d) => d._id))
}

/**
 * Adds to the ledger what is in place now and is not in it yet: what this batch wrote, and what an
 * earlier run wrote just before it stopped (or before the ledger existed).
 */
async function remember(target: Db, step: string, landed: string[], known: Set<string>) {
  const fresh = [...new Set(landed)].filter((k) => !known.has(k))
  if (fresh.length === 0) return
  const missing = await ledgered(target, fresh).then((had) => fresh.filter((k) => !had.has(k)))
  if (missing.length === 0) return
  await target.collection<{ _id: string; step: string }>(LEDGER).bulkWrite(
    missing.map((_id) => ({
      updateOne: { filter: { _id }, update: { $setOnInsert: { step } }, upsert: true },
    })),
    { ordered: false },
  )
}

function deletedHere(report: StepReport, collection: string, id: string) {
  addNote(report, {
    kind: 'deleted here since an earlier import (not restored)',
    detail: { collection, id },
  })
}
