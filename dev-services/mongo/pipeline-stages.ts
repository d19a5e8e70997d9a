// The mingo aggregation the dev server runs: mingo's stages and operators in a context of our own,
// with the few stages whose output shape differs from mongod's wrapped. Nested pipelines ($facet,
// $lookup, $unionWith) get the same context, so the fixes hold inside them too.
import { Aggregator as BaseAggregator } from 'mingo/aggregator'
import { Context } from 'mingo/core'
import type { Iterator } from 'mingo/lazy'
import * as accumulatorOperators from 'mingo/operators/accumulator'
import * as expressionOperators from 'mingo/operators/expression'
import * as pipelineOperators from 'mingo/operators/pipeline'
import * as projectionOperators from 'mingo/operators/projection'
import * as queryOperators from 'mingo/operators/query'
import * as windowOperators from 'mingo/operators/window'
import { setPath } from './doc-paths.js'
import { arrangeProjected, inclusionTree } from './projection-order.js'
import { type Doc, withIdFirst } from './values.js'

type Options = Parameters<typeof pipelineOperators.$project>[2]
type Stages = typeof pipelineOperators
type StageArg<K extends keyof Stages> = Parameters<Stages[K]>[1]

/** $project computes with mingo, then orders fields as mongod does (see projection-order.ts). */
function $project(coll: Iterator, expr: Doc, options: Options): Iterator {
  const tree = inclusionTree(expr, false)
  if (!tree) return pipelineOperators.$project(coll, expr, options)
  // mingo's $project is a lazy one-to-one map, so the input last pulled is the one projected
  let input: unknown
  const projected = pipelineOperators.$project(
    coll.map((doc: unknown) => (input = doc)),
    expr,
    options,
  )
  return projected.map((doc: Doc) => arrangeProjected(tree, input, doc))
}

/** mongod desugars $bucket/$bucketAuto into $group, so `_id` leads; mingo appends it. */
function $bucket(coll: Iterator, expr: StageArg<'$bucket'>, options: Options): Iterator {
  return pipelineOperators.$bucket(coll, expr, options).map((d: Doc) => withIdFirst(d))
}

function $bucketAuto(coll: Iterator, expr: StageArg<'$bucketAuto'>, options: Options): Iterator {
  return pipelineOperators.$bucketAuto(coll, expr, options).map((d: Doc) => withIdFirst(d))
}

const LOOKUP_SLOT = '\u0000lookup'

/**
 * A dotted `as` names a nested field (mongod's setNestedField, creating sub-documents and
 * replacing non-documents on the way); mingo would add one field with a dot in its name.
 */
function $lookup(coll: Iterator, expr: StageArg<'$lookup'>, options: Options): Iterator {
  const as = expr.as
  if (typeof as !== 'string' || !as.includes('.')) {
    return pipelineOperators.$lookup(coll, expr, options)
  }
  return pipelineOperators.$lookup(coll, { ...expr, as: LOOKUP_SLOT }, options).map((d: Doc) => {
    const { [LOOKUP_SLOT]: joined, ...rest } = d
    setPath(rest, as, joined)
    return rest
  })
}

const CONTEXT = Context.init({
  accumulator: accumulatorOperators,
  expression: expressionOperators,
  pipeline: { ...pipelineOperators, $project, $bucket, $bucketAuto, $lookup },
  projection: projectionOperators,
  query: queryOperators,
  window: windowOperators,
} as never)

/** mingo's Aggregator over the dev server's stage context. */
export class Aggregator extends BaseAggregator {
  constructor(pipeline: Doc[], options: Record<string, unknown>) {
    super(pipeline, { ...options, context: CONTEXT })
  }
}
