// Optional persistence: <dataDir>/<db>/<coll>.bson (header + documents), rewritten atomically
// (temp file + rename) shortly after writes and on close, and loaded back at start.
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BSON } from 'bson'
import type { Collection } from './collection.js'
import type { Engine } from './engine.js'
import { PersistenceError, describe } from './errors.js'
import { normalizeIndexSpec } from './indexes.js'
import type { Doc } from './values.js'
import { DESERIALIZE_OPTIONS } from './wire.js'

const FORMAT = 'mongo-dev-server/1'
const SUFFIX = '.bson'

export class Persistence {
  private readonly dirty = new Map<string, Collection>()
  private readonly droppedColls = new Set<string>()
  private readonly droppedDbs = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<void> = Promise.resolve()

  constructor(
    private readonly dataDir: string,
    private readonly engine: Engine,
    private readonly log: (line: string) => void,
    private readonly debounceMs = 200,
  ) {}

  /** Loads every collection file, then starts listening for changes. */
  async load(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true })
    for (const dbEntry of await readdir(this.dataDir, { withFileTypes: true })) {
      if (!dbEntry.isDirectory()) continue
      const db = decodeURIComponent(dbEntry.name)
      for (const file of await readdir(join(this.dataDir, dbEntry.name))) {
        const path = join(this.dataDir, dbEntry.name, file)
        // a temp file left by a crash mid-write; the previous complete file is still in place
        if (file.endsWith('.tmp')) await rm(path, { force: true })
        if (!file.endsWith(SUFFIX)) continue
        try {
          this.loadFile(db, decodeURIComponent(file.slice(0, -SUFFIX.length)), await readFile(path))
        } catch (err) {
          throw new PersistenceError(`cannot load ${path}: ${describe(err)}`, err)
        }
      }
    }
    this.engine.events = {
      changed: (coll) => this.markDirty(coll),
      dropped: (db, coll) => this.markDropped(db, coll),
      droppedDatabase: (db) => this.markDroppedDb(db),
    }
  }

  /** Writes everything pending now and waits for the files to be in place. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.writePending()
    await this.chain
  }

  private loadFile(db: string, name: string, data: Buffer): void {
    const docs: Doc[] = []
    let offset = 0
    while (offset < data.length) {
      const size = data.readInt32LE(offset)
      docs.push(BSON.deserialize(data.subarray(offset, offset + size), DESERIALIZE_OPTIONS))
      offset += size
    }
    const header = docs.shift()
    if (!header || header.format !== FORMAT)
      throw new PersistenceError(`unknown file format in ${db}/${name}`)
    const coll = this.engine.createCollection(db, name, (header.options as Doc) ?? {})
    for (const spec of (header.indexes as unknown[]) ?? []) {
      const normalized = normalizeIndexSpec(spec)
      if (normalized.name !== '_id_') coll.createIndex(normalized)
    }
    for (const doc of docs) coll.insert(doc)
  }

  private markDirty(coll: Collection): void {
    this.dirty.set(coll.ns, coll)
    this.schedule()
  }

  private markDropped(db: string, coll: string): void {
    this.dirty.delete(`${db}.${coll}`)
    this.droppedColls.add(`${db}\u0000${coll}`)
    this.schedule()
  }

  private markDroppedDb(db: string): void {
    for (const key of [...this.dirty.keys()]) if (key.startsWith(`${db}.`)) this.dirty.delete(key)
    this.droppedDbs.add(db)
    this.schedule()
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.writePending()
    }, this.debounceMs)
    this.timer.unref()
  }

  /** Snapshots pending collections synchronously (consistent), then writes them in order. */
  private writePending(): void {
    const droppedDbs = [...this.droppedDbs]
    const droppedColls = [...this.droppedColls].map((k) => k.split('\u0000') as [string, string])
    const snapshots = [...this.dirty.values()].map((c) => ({
      db: c.db,
      name: c.name,
      bytes: serialize(c),
    }))
    this.droppedDbs.clear()
    this.droppedColls.clear()
    this.dirty.clear()
    if (!droppedDbs.length && !droppedColls.length && !snapshots.length) return
    this.chain = this.chain.then(async () => {
      try {
        for (const db of droppedDbs) await rm(this.dbDir(db), { recursive: true, force: true })
        for (const [db, name] of droppedColls) {
          // the collection may have been re-created since; its snapshot below rewrites it
          await rm(this.file(db, name), { force: true })
        }
        for (const s of snapshots) await this.writeAtomically(s.db, s.name, s.bytes)
      } catch (err) {
        this.log(`[mongo-dev] persisting collections failed: ${describe(err)}`)
      }
    })
  }

  private async writeAtomically(db: string, name: string, bytes: Buffer): Promise<void> {
    await mkdir(this.dbDir(db), { recursive: true })
    const target = this.file(db, name)
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`
    await writeFile(temp, bytes)
    await rename(temp, target)
  }

  private dbDir(db: string): string {
    return join(this.dataDir, encodeURIComponent(db))
  }

  private file(db: string, name: string): string {
    return join(this.dbDir(db), encodeURIComponent(name) + SUFFIX)
  }
}

function serialize(coll: Collection): Buffer {
  const parts: Uint8Array[] = [
    BSON.serialize({
      format: FORMAT,
      name: coll.name,
      options: coll.options,
      indexes: coll.indexSpecs(),
    }),
  ]
  for (const doc of coll.docs.values()) parts.push(BSON.serialize(doc, { checkKeys: false }))
  return Buffer.concat(parts)
}
