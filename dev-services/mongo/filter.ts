// A query filter compiled once with mingo and tested against numeric views of documents, so
// Long/Decimal128 values compare as numbers like they do in mongod.
import { Query } from 'mingo'
import { QueryEngineError } from './errors.js'
import { describe } from './errors.js'
import { docView, numericView } from './numeric-view.js'
import { type Doc, isPlainObject } from './values.js'

export interface FilterOptions {
  collation?: Doc
  variables?: Doc
}

export class CompiledFilter {
  readonly isEmpty: boolean
  private readonly query: Query

  constructor(
    readonly filter: Doc,
    opts: FilterOptions = {},
  ) {
    if (!isPlainObject(filter)) throw new QueryEngineError('query filter must be an object')
    this.isEmpty = Object.keys(filter).length === 0
    try {
      this.query = new Query(numericView(filter), mingoOptions(opts))
    } catch (err) {
      throw new QueryEngineError(describe(err), err)
    }
  }

  test(doc: Doc): boolean {
    return this.testView(docView(doc))
  }

  /** Tests a document that has no Long/Decimal128 values or is already a numeric view. */
  testView(view: Doc): boolean {
    if (this.isEmpty) return true
    try {
      return this.query.test(view)
    } catch (err) {
      throw new QueryEngineError(describe(err), err)
    }
  }
}

export function mingoOptions(opts: FilterOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (
    opts.collation &&
    typeof opts.collation.locale === 'string' &&
    opts.collation.locale !== 'simple'
  ) {
    out.collation = opts.collation
  }
  if (opts.variables) out.variables = numericView(opts.variables)
  return out
}
