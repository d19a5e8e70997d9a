// The running Worker's own description of itself: every route (GET /api/debug/routes) and the zod
// schemas of every zod-openapi route (GET /api/openapi.json), as the security suite reads them.
import { api } from '../../../harness/http'

export interface JsonSchema {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  items?: JsonSchema
  enum?: unknown[]
  const?: unknown
  pattern?: string
  format?: string
  minLength?: number
  maxLength?: number
  minItems?: number
  maxItems?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  default?: unknown
  $ref?: string
  /** The API decodes the value (a cursor, base64): only values it made itself are valid. */
  'x-decoded'?: boolean
  /** A URL field (shared/http-url.ts): the schemes it accepts. */
  'x-url-schemes'?: string[]
}

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema: JsonSchema
}

export interface Operation {
  /** `METHOD /path/:param`, the key of the route policy table. */
  key: string
  method: string
  /** Hono-style path with `:param` placeholders. */
  path: string
  parameters: Parameter[]
  /** The JSON body schema, when the route takes one. */
  body?: JsonSchema
  bodyRequired: boolean
  /** Declares a security scheme: refused before validation when anonymous. */
  secured: boolean
}

export interface RouteListing {
  method: string
  path: string
}

/** `{id}` (OpenAPI) → `:id` (Hono); Hono's inline regexes `:id{...}` are dropped. */
const honoPath = (openapiPath: string) => openapiPath.replace(/\{(\w+)\}/g, ':$1')
export const routeKey = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.replace(/:(\w+)\{.*?\}(?=\/|$)/g, ':$1')}`

export async function listRoutes(): Promise<RouteListing[]> {
  const res = await api<RouteListing[]>('/api/debug/routes')
  if (res.status !== 200) throw new Error(`debug routes: ${res.status}`)
  return res.body
}

export async function listOperations(): Promise<Operation[]> {
  const res = await api('/api/openapi.json')
  if (res.status !== 200) throw new Error(`openapi: ${res.status}`)
  const doc = res.body as {
    paths: Record<string, Record<string, any>>
    components?: { schemas?: Record<string, JsonSchema> }
  }
  const deref = (s: JsonSchema | undefined): JsonSchema | undefined =>
    s?.$ref ? deref(doc.components?.schemas?.[s.$ref.split('/').pop()!]) : s
  const ops: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const body = deref(op.requestBody?.content?.['application/json']?.schema)
      ops.push({
        key: routeKey(method, honoPath(path)),
        method: method.toUpperCase(),
        path: honoPath(path),
        parameters: (op.parameters ?? []).map((p: Parameter) => ({
          ...p,
          schema: deref(p.schema)!,
        })),
        body,
        bodyRequired: Boolean(op.requestBody?.required),
        secured: Boolean(op.security?.length),
      })
    }
  }
  return ops
}

/** Every type a schema admits ('null' included when nullable). */
export function typesOf(schema: JsonSchema): string[] {
  if (schema.type) return Array.isArray(schema.type) ? schema.type : [schema.type]
  const branches = schema.anyOf ?? schema.oneOf ?? schema.allOf
  if (branches) return [...new Set(branches.flatMap(typesOf))]
  if (schema.enum) return [...new Set(schema.enum.map((v) => (v === null ? 'null' : typeof v)))]
  if (schema.const !== undefined) return [typeof schema.const]
  return []
}

/** The first non-null branch of a union (enough to build a valid sample or a bad one). */
export function mainBranch(schema: JsonSchema): JsonSchema {
  const branches = schema.anyOf ?? schema.oneOf
  if (!branches) return schema
  return branches.find((b) => !typesOf(b).every((t) => t === 'null')) ?? schema
}
