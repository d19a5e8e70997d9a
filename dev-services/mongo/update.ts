// Applies one update (operators, replacement or pipeline) to a copy of a document with mingo,
// filling its gaps: $setOnInsert, timestamps, _id immutability, mongod's type errors, Long types
// and mongod's field order (update-order.ts).
import { ObjectId, Timestamp } from 'bson'
import { update as mingoUpdate } from 'mingo'
import * as updateOperators from 'mingo/operators/update'
import { keyOf } from './bson-order.js'
import { getPath, setPath } from './doc-paths.js'
import {
  BadValueError,
  ConflictingUpdateError,
  FailedToParseError,
  ImmutableFieldError,
  QueryEngineError,
  TypeMismatchError,
  describe,
} from './errors.js'
import { type FilterOptions, mingoOptions } from './filter.js'
import { viewCopy, numericView, restoreNumericTypes } from './numeric-view.js'
import { Aggregator } from './pipeline-stages.js'
import { arrangeUpdated } from './update-order.js'
import {
  type Doc,
  cloneValue,
  formatValue,
  isPlainObject,
  sameValue,
  withIdFirst,
} from './values.js'

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$setOnInsert',
  '$currentDate',
  '$push',
  '$pull',
  '$pullAll',
  '$addToSet',
  '$pop',
  '$bit',
])
// operands compared/combined numerically with the (numeric-view) document
const NUMERIC_OPERAND_OPS = ['$inc', '$mul', '$min', '$max', '$pull', '$pullAll']
const NUMERIC_TARGET_OPS = ['$inc', '$mul']
const ARRAY_TARGET_OPS = ['$push', '$addToSet', '$pop', '$pull', '$pullAll']
// the stages mongod accepts in a pipeline-style update
const UPDATE_STAGES = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
])

type OperatorFn = (expr: Doc) => (obj: Doc) => string[]
const DIRECT_OPERATORS = updateOperators as unknown as Record<string, OperatorFn>

export interface UpdateOutcome {
  doc: Doc
  modified: boolean
}

export class UpdateSpec {
  readonly kind: 'replacement' | 'operators' | 'pipeline'

  constructor(
    private readonly spec: unknown,
    private readonly arrayFilters: Doc[] | undefined,
    private readonly opts: FilterOptions,
  ) {
    if (Array.isArray(spec)) {
      this.kind = 'pipeline'
      return
    }
    if (!isPlainObject(spec)) throw new FailedToParseError('Update argument must be an object')
    const keys = Object.keys(spec)
    const ops = keys.filter((k) => k.startsWith('$'))
    if (ops.length === 0) {
      this.kind = 'replacement'
      return
    }
    this.kind = 'operators'
    for (const op of keys) {
      if (!OPERATORS.has(op)) {
        throw new FailedToParseError(
          `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`,
        )
      }
      if (!isPlainObject(spec[op])) {
        throw new FailedToParseError(
          `Modifiers operate on fields but we found type ${typeof spec[op]} instead. For example: {$mod: {<field>: ...}} not {${op}: ${formatValue(spec[op])}}`,
        )
      }
    }
  }

  /** Updates a stored document (never mutated) and returns the new version. */
  apply(doc: Doc, filter: Doc): UpdateOutcome {
    switch (this.kind) {
      case 'replacement':
        return this.replace(doc)
      case 'pipeline':
        return this.runPipeline(doc)
      case 'operators':
        return this.runOperators(doc, filter, false)
    }
  }

  /** The document an upsert inserts when nothing matched `filter`. */
  upsertDoc(filter: Doc): Doc {
    const base = upsertBase(filter)
    let doc: Doc
    switch (this.kind) {
      case 'replacement': {
        doc = cloneValue(this.spec as Doc)
        if (doc._id === undefined && base._id !== undefined) doc._id = base._id
        break
      }
      case 'pipeline':
        doc = this.runPipeline(base).doc
        break
      case 'operators':
        doc = this.runOperators(base, {}, true).doc
        break
    }
    return withIdFirst(doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc)
  }

  private replace(doc: Doc): UpdateOutcome {
    const replacement = this.spec as Doc
    if (replacement._id !== undefined && keyOf(replacement._id) !== keyOf(doc._id)) {
      throw new ImmutableFieldError(
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(replacement._id)}`,
      )
    }
    const next: Doc = { _id: doc._id }
    for (const [k, v] of Object.entries(replacement)) if (k !== '_id') next[k] = cloneValue(v)
    return { doc: next, modified: !sameValue(next, doc) }
  }

  private runPipeline(doc: Doc): UpdateOutcome {
    const stages = this.spec as unknown[]
    for (const stage of stages) {
      const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined
      if (!name || !UPDATE_STAGES.has(name)) {
        throw new QueryEngineError(
          `${name ?? 'A stage'} is not allowed to be used within an update`,
        )
      }
    }
    let docs: Doc[]
    try {
      // the dev server's aggregation stages, so $project orders fields as it does in aggregate
      docs = new Aggregator(stages as Doc[], mingoOptions(this.opts)).run([viewCopy(doc)]) as Doc[]
    } catch (err) {
      throw new QueryEngineError(describe(err), err)
    }
    const next = restoreNumericTypes(doc, docs[0]) as Doc
    if (doc._id !== undefined && keyOf(next._id) !== keyOf(doc._id)) {
      throw new ImmutableFieldError(
        `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(next._id)}`,
      )
    }
    return { doc: withIdFirst(next), modified: !sameValue(next, doc) }
  }

  private runOperators(doc: Doc, filter: Doc, inserting: boolean): UpdateOutcome {
    const spec = this.spec as Record<string, Doc>
    const modifier: Record<string, Doc> = {}
    const hints = new Map<string, unknown>()
    let setOnInsert = false
    const working = viewCopy(doc)
    for (const [op, fields] of Object.entries(spec)) {
      if (op === '$setOnInsert') {
        if (!inserting || Object.keys(fields).length === 0) continue
        setOnInsert = true
        modifier.$set = { ...modifier.$set, ...fields }
        continue
      }
      if (op === '$currentDate') {
        modifier.$set = { ...modifier.$set, ...currentDates(fields) }
        continue
      }
      if (NUMERIC_OPERAND_OPS.includes(op)) {
        for (const [path, operand] of Object.entries(fields)) hints.set(path, operand)
        modifier[op] = { ...modifier[op], ...numericView(fields) }
      } else {
        modifier[op] = { ...modifier[op], ...fields }
      }
    }
    checkConflicts(modifier)
    const written = writtenPaths(modifier)
    this.takeIdAssignment(modifier, working, inserting)
    this.checkTargetTypes(modifier, working)
    const positional = Object.values(modifier).some((fields) =>
      Object.keys(fields).some((p) => p.includes('$')),
    )
    let changed: string[]
    try {
      // mingo's top-level update() rebuilds its operator context on every call (~0.1 ms); the
      // operator functions alone are enough unless positional paths need the query condition
      changed =
        positional || this.opts.collation
          ? mingoUpdate(
              working,
              modifier as never,
              this.arrayFilters ? numericView(this.arrayFilters) : undefined,
              positional && !inserting ? numericView(filter) : undefined,
              { cloneMode: 'deep', queryOptions: mingoOptions(this.opts) },
            )
          : Object.entries(modifier).flatMap(([op, fields]) =>
              (DIRECT_OPERATORS[op] as OperatorFn)(fields)(working),
            )
    } catch (err) {
      throw new QueryEngineError(describe(err), err)
    }
    let next = restoreNumericTypes(doc, working) as Doc
    for (const [path, operand] of hints) {
      const t = (operand as { _bsontype?: string } | null)?._bsontype
      if (
        (t === 'Long' || t === 'Decimal128') &&
        !path.includes('$') &&
        getPath(doc, path) === undefined
      ) {
        next = restoreNumericTypes(nestAt(path, operand), next) as Doc
      }
    }
    next = arrangeUpdated(doc, next, written)
    return { doc: withIdFirst(next), modified: changed.length > 0 || setOnInsert }
  }

  /** mingo refuses any _id path; mongod allows setting it to its current (or upsert) value. */
  private takeIdAssignment(modifier: Record<string, Doc>, working: Doc, inserting: boolean): void {
    for (const [op, fields] of Object.entries(modifier)) {
      for (const path of Object.keys(fields)) {
        if (path !== '_id' && !path.startsWith('_id.')) continue
        const value = fields[path]
        if (op === '$set' && path === '_id') {
          if (inserting && working._id === undefined) working._id = cloneValue(value)
          else if (keyOf(value) !== keyOf(working._id)) throw immutableId()
          delete fields[path]
          continue
        }
        if (op === '$set' && inserting) {
          setPath(working, path, cloneValue(value))
          delete fields[path]
          continue
        }
        throw immutableId()
      }
      if (Object.keys(fields).length === 0) delete modifier[op]
    }
  }

  private checkTargetTypes(modifier: Record<string, Doc>, working: Doc): void {
    for (const [op, fields] of Object.entries(modifier)) {
      const numeric = NUMERIC_TARGET_OPS.includes(op)
      const array = ARRAY_TARGET_OPS.includes(op)
      if (!numeric && !array) continue
      for (const path of Object.keys(fields)) {
        if (numeric && typeof fields[path] !== 'number') {
          throw new TypeMismatchError(
            `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${formatValue(fields[path])}}`,
          )
        }
        if (path.includes('$')) continue
        const current = getPath(working, path)
        if (current === undefined) continue
        if (numeric && typeof current !== 'number') {
          throw new TypeMismatchError(
            `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatValue(working._id)}} has the field '${path}' of non-numeric type ${typeName(current)}`,
          )
        }
        if (array && !Array.isArray(current)) {
          throw new BadValueError(
            `The field '${path}' must be an array but is of type ${typeName(current)} in document {_id: ${formatValue(working._id)}}`,
          )
        }
      }
    }
  }
}

/** Every path an update writes; $rename writes both its source and its target. */
function writtenPaths(modifier: Record<string, Doc>): string[] {
  return Object.entries(modifier).flatMap(([op, fields]) =>
    op === '$rename'
      ? Object.entries(fields).flatMap(([from, to]) => [from, String(to)])
      : Object.keys(fields),
  )
}

/** Two operators (or a $rename target) touching the same path or a parent/child pair. */
function checkConflicts(modifier: Record<string, Doc>): void {
  const paths: string[] = []
  for (const [op, fields] of Object.entries(modifier)) {
    for (const [path, value] of Object.entries(fields)) {
      paths.push(path)
      if (op === '$rename' && typeof value === 'string') paths.push(value)
    }
  }
  const sorted = [...paths].sort()
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as string
    const cur = sorted[i] as string
    if (cur === prev || cur.startsWith(prev + '.')) {
      throw new ConflictingUpdateError(
        `Updating the path '${cur}' would create a conflict at '${prev}'`,
      )
    }
  }
}

function immutableId(): ImmutableFieldError {
  return new ImmutableFieldError(
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  )
}

function currentDates(fields: Doc): Doc {
  const out: Doc = {}
  const now = Date.now()
  for (const [path, spec] of Object.entries(fields)) {
    const type = isPlainObject(spec) ? spec.$type : 'date'
    if (type === 'timestamp') {
      out[path] = Timestamp.fromBits(0, Math.floor(now / 1000))
    } else if (spec === true || type === 'date') {
      out[path] = new Date(now)
    } else {
      throw new BadValueError(
        "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
      )
    }
  }
  return out
}

/** Equality conditions of a filter become the fields of the inserted upsert document. */
function upsertBase(filter: Doc): Doc {
  const base: Doc = {}
  const visit = (f: Doc): void => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        for (const sub of v) if (isPlainObject(sub)) visit(sub)
        continue
      }
      if (k.startsWith('$') || v instanceof RegExp) continue
      if (isPlainObject(v) && Object.keys(v).some((op) => op.startsWith('$'))) {
        if ('$eq' in v) setPath(base, k, cloneValue(v.$eq))
        continue
      }
      setPath(base, k, cloneValue(v))
    }
  }
  visit(filter)
  return base
}

function nestAt(path: string, value: unknown): Doc {
  const out: Doc = {}
  setPath(out, path, value)
  return out
}

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (v instanceof Date) return 'date'
  if (typeof v === 'object')
    return (v as { _bsontype?: string })._bsontype?.toLowerCase() ?? 'object'
  return typeof v === 'boolean' ? 'bool' : typeof v
}
