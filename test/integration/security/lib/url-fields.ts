// The URL fields of every request body, read from the running Worker's OpenAPI document: each
// field built on shared/http-url.ts carries `x-url-schemes`. Fields whose names say "URL" but lack
// the mark are listed too, so a new URL field that bypasses the shared schema fails the suite.
import { typesOf, type JsonSchema, type Operation } from './openapi'

export interface BodyField {
  op: Operation
  /** Property names from the body's root, e.g. ['contact', 'website']. */
  path: string[]
  schema: JsonSchema
}

/** Names of fields that hold a link or an image someone may point anywhere. */
const URL_NAME = /url|uri|href|link|website|image|photo|avatar|picture|logo|banner|icon|thumbnail/i
/** Ids and storage keys of media are not links, whatever they are named after. */
const NOT_A_LINK = /(Ids?|Key)$/

/**
 * Every string field of every JSON request body, in every branch of a union (array items named
 * after their array), once per route and path.
 */
function stringFields(ops: Operation[]): BodyField[] {
  const out = new Map<string, BodyField>()
  const walk = (op: Operation, schema: JsonSchema, path: string[]) => {
    const branches = schema.anyOf ?? schema.oneOf ?? schema.allOf
    if (branches) return branches.forEach((b) => walk(op, b, path))
    const field = { op, path, schema }
    if (typesOf(schema).includes('string') && path.length > 0) out.set(fieldLabel(field), field)
    for (const [name, prop] of Object.entries(schema.properties ?? {}))
      walk(op, prop, [...path, name])
    if (schema.items) walk(op, schema.items, path)
  }
  for (const op of ops) if (op.body) walk(op, op.body, [])
  return [...out.values()]
}

/** The fields built on the shared URL schema, and any other URL field (`format: uri`). */
export const urlFields = (ops: Operation[]) =>
  stringFields(ops).filter(
    (f) => f.schema['x-url-schemes'] || f.schema.format === 'uri' || f.schema.format === 'url',
  )

/** Fields named like a URL that do not use the shared URL schema (decoded payloads aside). */
export function unmarkedUrlLikeFields(ops: Operation[]): BodyField[] {
  return stringFields(ops).filter((f) => {
    const name = f.path.at(-1)!
    return (
      URL_NAME.test(name) &&
      !NOT_A_LINK.test(name) &&
      !f.schema['x-url-schemes'] &&
      !f.schema['x-decoded']
    )
  })
}

export const fieldLabel = (f: BodyField) => `${f.op.key} body.${f.path.join('.')}`

/** `base` with `value` placed at the field's path (objects on the way created as needed). */
export function withField(base: unknown, path: string[], value: unknown): Record<string, unknown> {
  const root = structuredClone((base ?? {}) as Record<string, unknown>)
  let at = root
  for (const name of path.slice(0, -1)) {
    at[name] = { ...((at[name] as Record<string, unknown>) ?? {}) }
    at = at[name] as Record<string, unknown>
  }
  at[path.at(-1)!] = value
  return root
}
