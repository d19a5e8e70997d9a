// The catalog: databases and their collections, namespace validation, and change
// notifications that persistence listens to.
import { Collection } from './collection.js'
import { InvalidNamespaceError, NamespaceExistsError, NamespaceNotFoundError } from './errors.js'
import type { IndexSpec } from './indexes.js'
import type { Doc } from './values.js'

export interface EngineEvents {
  changed(coll: Collection): void
  dropped(db: string, coll: string): void
  droppedDatabase(db: string): void
}

const noEvents: EngineEvents = { changed() {}, dropped() {}, droppedDatabase() {} }

export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>()
  events: EngineEvents = noEvents

  databaseNames(): string[] {
    return [...this.dbs.keys()].filter((db) => (this.dbs.get(db)?.size ?? 0) > 0)
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])]
  }

  getCollection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name)
  }

  /** Implicit creation on first write, as mongod does. */
  ensureCollection(db: string, name: string): Collection {
    return this.getCollection(db, name) ?? this.createCollection(db, name, {})
  }

  createCollection(db: string, name: string, options: Doc): Collection {
    validateDbName(db)
    validateCollectionName(name)
    let colls = this.dbs.get(db)
    if (!colls) {
      colls = new Map()
      this.dbs.set(db, colls)
    }
    if (colls.has(name)) throw new NamespaceExistsError(`${db}.${name}`)
    const coll = new Collection(db, name, options, (c) => this.events.changed(c))
    colls.set(name, coll)
    this.events.changed(coll)
    return coll
  }

  dropCollection(db: string, name: string): Collection | undefined {
    const colls = this.dbs.get(db)
    const coll = colls?.get(name)
    if (!colls || !coll) return undefined
    colls.delete(name)
    if (colls.size === 0) this.dbs.delete(db)
    this.events.dropped(db, name)
    return coll
  }

  dropDatabase(db: string): void {
    this.dbs.delete(db)
    this.events.droppedDatabase(db)
  }

  renameCollection(db: string, from: string, toDb: string, to: string, dropTarget: boolean): void {
    const source = this.getCollection(db, from)
    if (!source) throw new NamespaceNotFoundError('Source collection does not exist')
    validateCollectionName(to)
    if (this.getCollection(toDb, to)) {
      if (!dropTarget) throw new NamespaceExistsError(`${toDb}.${to}`)
      this.dropCollection(toDb, to)
    }
    const moved = this.createCollection(toDb, to, source.options)
    for (const spec of source.indexSpecs()) if (spec.name !== '_id_') moved.createIndex(spec)
    for (const doc of source.docs.values()) moved.insert(doc)
    this.dropCollection(db, from)
  }

  /**
   * Swaps a collection's documents for `docs` ($out): built in a scratch collection with the
   * target's indexes first, so a duplicate key leaves the target untouched.
   */
  replaceContents(db: string, name: string, docs: Doc[]): void {
    const existing = this.getCollection(db, name)
    const specs: IndexSpec[] = existing?.indexSpecs() ?? []
    const scratch = new Collection(db, name, existing?.options ?? {}, () => {})
    for (const spec of specs) if (spec.name !== '_id_') scratch.createIndex(spec)
    for (const doc of docs) scratch.insert(doc)
    const target = existing ?? this.createCollection(db, name, {})
    target.clear()
    for (const doc of scratch.docs.values()) target.insert(doc)
  }
}

function validateDbName(db: string): void {
  if (!db || /[/\\. "$*<>:|?\0]/.test(db) || db.length > 63) {
    throw new InvalidNamespaceError(`Invalid database name: '${db}'`)
  }
}

/** system.* collections the server itself writes and clients may read. */
const SERVER_COLLECTIONS = new Set(['system.profile'])

function validateCollectionName(name: string): void {
  if (
    !name ||
    name.includes('$') ||
    name.includes('\0') ||
    name.startsWith('.') ||
    (name.startsWith('system.') && !SERVER_COLLECTIONS.has(name))
  ) {
    throw new InvalidNamespaceError(`Invalid collection name: ${name}`)
  }
}
