// Field order of inclusion projections (find projections and $project). mingo computes the values
// but emits fields in the specification's order; mongod's projection executor instead walks the
// input document, so fields taken from it keep the document's order, and then appends computed
// fields in the order the specification first names them (an existing field that a computed
// sub-field lands in keeps its place). This module only arranges keys, never values.
import { type Doc, asNumber, isPlainObject, truthy } from './values.js'

export interface ProjectionTree {
  /** Fields copied from the input: inclusions, and in find `$slice` and positional `a.$`. */
  readonly kept: Set<string>
  /** Sub-projections (dotted paths or nested specs), keyed by their first field. */
  readonly children: Map<string, ProjectionTree>
  /** Computed fields and children, in the order the specification first names them. */
  readonly order: string[]
}

/**
 * The tree of an inclusion projection, or undefined for an exclusion projection (whose output
 * keeps the document's order anyway). `find` enables the find-only operators ($slice with
 * numbers, $elemMatch, positional `.$`).
 */
export function inclusionTree(spec: unknown, find: boolean): ProjectionTree | undefined {
  if (!isPlainObject(spec) || !isInclusion(spec, find)) return undefined
  const root = newNode()
  addSpec(root, spec, find)
  // _id is included unless the projection names it (mongod's default _id policy)
  if (!Object.keys(spec).some((k) => k === '_id' || k.startsWith('_id.'))) root.kept.add('_id')
  return root
}

/** `output` (the projection of `input`) with its keys in mongod's order, recursively. */
export function arrangeProjected(tree: ProjectionTree, input: unknown, output: Doc): Doc {
  const out: Doc = {}
  const placed = new Set<string>()
  const place = (key: string) => {
    if (placed.has(key) || !Object.hasOwn(output, key)) return
    placed.add(key)
    const child = tree.children.get(key)
    const inValue = isPlainObject(input) ? input[key] : undefined
    out[key] = child ? arrangeValue(child, inValue, output[key]) : output[key]
  }
  // applyProjections: the input's fields that are kept or have a sub-projection, in its order
  if (isPlainObject(input)) {
    for (const key of Object.keys(input)) {
      if (tree.kept.has(key) || tree.children.has(key)) place(key)
    }
  }
  // applyExpressions: computed fields and sub-projections not placed above, in spec order
  for (const key of tree.order) place(key)
  for (const key of Object.keys(output)) place(key)
  return out
}

function arrangeValue(tree: ProjectionTree, input: unknown, output: unknown): unknown {
  if (isPlainObject(output)) return arrangeProjected(tree, input, output)
  if (!Array.isArray(output)) return output
  // inclusion drops scalars from projected arrays, so align with the input's sub-documents
  let inputs = Array.isArray(input) ? input : []
  if (inputs.length !== output.length) {
    inputs = inputs.filter((v) => isPlainObject(v) || Array.isArray(v))
  }
  const aligned = inputs.length === output.length
  return output.map((el, i) => arrangeValue(tree, aligned ? inputs[i] : undefined, el))
}

function newNode(): ProjectionTree {
  return { kept: new Set(), children: new Map(), order: [] }
}

function child(node: ProjectionTree, field: string): ProjectionTree {
  let next = node.children.get(field)
  if (!next) {
    next = newNode()
    node.children.set(field, next)
    node.order.push(field)
  }
  return next
}

function addSpec(node: ProjectionTree, spec: Doc, find: boolean): void {
  for (const [key, value] of Object.entries(spec)) {
    const positional = find && key.endsWith('.$')
    const parts = (positional ? key.slice(0, -2) : key).split('.')
    let target = node
    for (const part of parts.slice(0, -1)) target = child(target, part)
    const field = parts[parts.length - 1] as string
    if (positional || (find && isFindSlice(value))) {
      target.kept.add(field)
    } else if (isFlag(value)) {
      // the one field an inclusion may exclude is _id, which is then simply not output
      if (truthy(value)) target.kept.add(field)
    } else if (isSubProjection(value)) {
      addSpec(child(target, field), value, find)
    } else if (!target.order.includes(field)) {
      target.order.push(field)
    }
  }
}

function isInclusion(spec: Doc, find: boolean): boolean {
  let decided: boolean | undefined
  const visit = (s: Doc, top: boolean) => {
    for (const [key, value] of Object.entries(s)) {
      if (isSubProjection(value)) visit(value, false)
      else if (find && key.endsWith('.$')) decided = true
      else if (isFlag(value)) {
        // _id alone never decides: { _id: 0, a: 1 } includes, { _id: 1, a: 0 } excludes
        if (!(top && key === '_id')) decided ??= truthy(value)
      } else if (!(find && isFindSlice(value))) decided = true // computed, $elemMatch, $meta
    }
  }
  visit(spec, true)
  return decided ?? (isFlag(spec._id) && truthy(spec._id))
}

function isFlag(v: unknown): boolean {
  return typeof v === 'boolean' || asNumber(v) !== undefined
}

function isFindSlice(v: unknown): boolean {
  if (!isPlainObject(v) || Object.keys(v).length !== 1 || !('$slice' in v)) return false
  const arg = v.$slice
  return (Array.isArray(arg) ? arg : [arg]).every((n) => asNumber(n) !== undefined)
}

/** A nested object of field specs ({ a: { b: 1 } } is { 'a.b': 1 }), not an expression. */
function isSubProjection(v: unknown): v is Doc {
  return isPlainObject(v) && Object.keys(v).length > 0 && !Object.keys(v)[0]?.startsWith('$')
}
