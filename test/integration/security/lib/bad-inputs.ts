// Invalid requests generated from a route's own schemas: one fault at a time on top of a valid
// sample (a missing field, a wrong type, an oversize string or array, a Mongo operator object where
// a scalar belongs, an unknown field, a malformed id), plus the body-level faults every JSON route
// must refuse. Every generated value carries FUZZ_MARK so a stray write is findable afterwards.
import { randomBytes, randomUUID } from 'node:crypto'
import { mainBranch, typesOf, type JsonSchema, type Operation } from './openapi'

export const FUZZ_MARK = 'fuzzmark'

export interface BadRequest {
  label: string
  path: string
  query?: Record<string, string>
  /** Query text appended as it is: already percent-encoded, or deliberately malformed (`%ff`). */
  rawQuery?: string
  headers?: Record<string, string>
  body?: string
  /**
   * The route's documented schema accepts the value (free text such as a search term): any answer
   * but a 5xx will do, and a refusal must still be the error envelope.
   */
  mayPass?: boolean
}

const OBJECT_ID = /^\^\[0-9a-f\]\{24\}\$/
const OPERATORS: [string, unknown][] = [
  ['operator $gt', { $gt: '' }],
  ['operator $ne', { $ne: null }],
]

function regexOf(pattern: string): RegExp {
  // zod renders a case-insensitive regex as `…$/i` in the document.
  return pattern.endsWith('/i') ? new RegExp(pattern.slice(0, -2), 'i') : new RegExp(pattern)
}

function sampleString(s: JsonSchema): string {
  if (s.format === 'uuid') return randomUUID()
  if (s.format === 'email') return `${FUZZ_MARK}-${randomBytes(4).toString('hex')}@example.test`
  if (s.format === 'uri' || s.format === 'url') return `https://example.test/${FUZZ_MARK}`
  if (s.format === 'date-time') return new Date().toISOString()
  const min = s.minLength ?? 1
  const fitted = (text: string) => text.padEnd(min, 'x').slice(0, s.maxLength ?? Infinity)
  if (!s.pattern) return fitted(FUZZ_MARK)
  if (OBJECT_ID.test(s.pattern)) return randomBytes(12).toString('hex')
  const re = regexOf(s.pattern)
  const candidates = [FUZZ_MARK, 'EUR', 'ABCDEF', `${FUZZ_MARK}-1234`, '+15555550123', '123456']
  return candidates.map(fitted).find((c) => re.test(c)) ?? fitted(FUZZ_MARK)
}

/** Whether a string value breaks at least one of the schema's string constraints. */
export function breaksString(s: JsonSchema, value: string): boolean {
  if (s.enum) return !s.enum.includes(value)
  if (s.maxLength !== undefined && value.length > s.maxLength) return true
  if (s.minLength !== undefined && value.length < s.minLength) return true
  if (s.pattern && !regexOf(s.pattern).test(value)) return true
  if (s.format === 'uuid')
    return !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  return false
}

// Candidates for "does not match the pattern": some patterns only refuse control characters.
const PATTERN_BREAKERS = [`${FUZZ_MARK} !*`, `${FUZZ_MARK}\n\u0000<>`, '\u0000', '']

/** A value the schema accepts (required properties only for objects). */
export function sample(schema: JsonSchema): unknown {
  const s = mainBranch(schema)
  if (s.const !== undefined) return s.const
  if (s.enum) return s.enum[0]
  if (s.default !== undefined) return s.default
  const type = typesOf(s).find((t) => t !== 'null')
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const name of s.required ?? []) out[name] = sample(s.properties?.[name] ?? {})
      return out
    }
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items ?? {}))
    case 'string':
      return sampleString(s)
    case 'integer':
    case 'number':
      return Math.max(
        s.minimum ?? 1,
        s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -Infinity,
      )
    case 'boolean':
      return true
    default:
      return FUZZ_MARK
  }
}

/** Values the schema refuses, each with a label naming the fault. */
function badValues(schema: JsonSchema): [string, unknown][] {
  const s = mainBranch(schema)
  const types = typesOf(schema)
  const out: [string, unknown][] = []
  if (types.length === 0) return out
  if (!types.includes('object')) out.push(...OPERATORS)
  if (!types.includes('null')) out.push(['null', null])
  if (!types.includes('string')) out.push(['wrong type (string)', `${FUZZ_MARK}-wrong-type`])
  else if (!types.some((t) => ['integer', 'number'].includes(t)))
    out.push(['wrong type (number)', 12345])
  if (!types.includes('array') && !types.includes('object')) out.push(['wrong type (array)', []])
  if (s.enum) out.push(['not in enum', `${FUZZ_MARK}-not-in-enum`])
  if (types.includes('string') && !s.enum) {
    if (s.maxLength !== undefined)
      out.push(['string over maxLength', FUZZ_MARK.padEnd(s.maxLength + 1, 'x')])
    if ((s.minLength ?? 0) > 0) out.push(['string under minLength', ''])
    const breaker = PATTERN_BREAKERS.find((v) => breaksString(s, v))
    if ((s.pattern || s.format) && breaker !== undefined)
      out.push(['string not matching pattern', breaker])
  }
  if (types.includes('integer')) out.push(['not an integer', 1.5])
  if (types.some((t) => ['integer', 'number'].includes(t))) {
    if (s.minimum !== undefined) out.push(['under minimum', s.minimum - 1])
    if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER)
      out.push(['over maximum', s.maximum + 1])
  }
  if (types.includes('array') && s.items) {
    if (s.maxItems !== undefined)
      out.push([
        'array over maxItems',
        Array.from({ length: s.maxItems + 1 }, () => sample(s.items!)),
      ])
    const [itemFault] = badValues(s.items)
    if (itemFault) out.push([`array item ${itemFault[0]}`, [itemFault[1]]])
  }
  return out
}

/** One fault at a time inside a JSON object body, recursing into nested objects. */
export function objectFaults(schema: JsonSchema, base: Record<string, unknown>, at: string) {
  const faults: { label: string; value: Record<string, unknown> }[] = []
  const s = mainBranch(schema)
  for (const name of s.required ?? []) {
    const { [name]: _dropped, ...rest } = base
    faults.push({ label: `${at}${name}: missing`, value: rest })
  }
  if (s.additionalProperties === false)
    faults.push({ label: `${at}unknown field`, value: { ...base, [`${FUZZ_MARK}Unknown`]: 1 } })
  for (const [name, prop] of Object.entries(s.properties ?? {})) {
    for (const [label, bad] of badValues(prop))
      faults.push({ label: `${at}${name}: ${label}`, value: { ...base, [name]: bad } })
    const inner = mainBranch(prop)
    if (typesOf(inner).includes('object') && inner.properties) {
      const nestedBase = (base[name] ?? sample(inner)) as Record<string, unknown>
      for (const f of objectFaults(inner, nestedBase, `${at}${name}.`))
        faults.push({ label: f.label, value: { ...base, [name]: f.value } })
    }
  }
  return faults
}

export interface CaseOptions {
  /** A valid value for a path parameter (a real fixture id where the suite has one). */
  param(op: Operation, name: string): string
  maxBodyBytes: number
  /** Whether to include the over-MAX_BODY_BYTES body (default true). */
  oversizeBody?: boolean
}

/** The valid parts of a request to `op`, on which one fault at a time is placed. */
export function validParts(op: Operation, opts: CaseOptions) {
  const params = op.parameters
  /** The path with valid parameters, or the given ones (already percent-encoded) in their place. */
  const validPath = (encodedOverride: Record<string, string> = {}) =>
    op.path.replace(
      /:(\w+)/g,
      (_, name: string) => encodedOverride[name] ?? encodeURIComponent(opts.param(op, name)),
    )
  const validQuery: Record<string, string> = {}
  for (const p of params.filter((p) => p.in === 'query' && p.required))
    validQuery[p.name] = String(sample(p.schema))
  const validHeaders: Record<string, string> = {}
  for (const p of params.filter((p) => p.in === 'header' && p.required))
    validHeaders[p.name] = String(sample(p.schema))
  const json = { 'content-type': 'application/json', ...validHeaders }
  const validBody = op.body ? JSON.stringify(sample(op.body)) : undefined
  return { validPath, validQuery, validHeaders, json, validBody }
}

/** Every invalid request the suite sends to `op`. */
export function badRequests(op: Operation, opts: CaseOptions): BadRequest[] {
  const params = op.parameters
  const { validPath, validQuery, validHeaders, json, validBody } = validParts(op, opts)
  const base = { path: validPath(), query: validQuery }
  const withBody = (label: string, body: string, headers = json): BadRequest => ({
    label,
    ...base,
    headers,
    body,
  })
  const cases: BadRequest[] = []

  for (const p of params.filter((p) => p.in === 'path')) {
    const integer = typesOf(p.schema).includes('integer')
    const values: [string, string][] = [
      ['operator object', JSON.stringify({ $ne: 1 })],
      ['very long', FUZZ_MARK.padEnd(5000, 'x')],
      ['malformed', `${FUZZ_MARK}-not-an-id`],
      ['hex of wrong length', 'abc123'],
    ]
    // Only values the parameter's schema refuses (free-form ids such as room names accept some).
    for (const [label, value] of values.filter(([, v]) => integer || breaksString(p.schema, v)))
      cases.push({
        label: `path ${p.name}: ${label}`,
        path: validPath({ [p.name]: encodeURIComponent(value) }),
        query: validQuery,
        headers: validBody ? json : validHeaders,
        body: validBody,
      })
  }
  for (const p of params.filter((p) => p.in === 'query')) {
    if (p.required) {
      const { [p.name]: _dropped, ...rest } = validQuery
      cases.push({ label: `query ${p.name}: missing`, path: base.path, query: rest })
    }
    for (const [label, value] of badValues(p.schema)) {
      if (value === null || typeof value === 'object') continue
      // A query value is text: a number is only wrong where the schema wants a pattern or enum.
      if (label.startsWith('wrong type (number)') && !p.schema.pattern) continue
      cases.push({
        label: `query ${p.name}: ${label}`,
        path: base.path,
        query: { ...validQuery, [p.name]: String(value) },
        headers: validHeaders,
      })
    }
    if (p.schema.enum || p.schema.pattern || typesOf(p.schema).includes('integer'))
      cases.push({
        label: `query ${p.name}: operator text`,
        path: base.path,
        query: { ...validQuery, [p.name]: JSON.stringify({ $ne: null }) },
        headers: validHeaders,
      })
  }
  for (const p of params.filter((p) => p.in === 'header' && p.required)) {
    const { [p.name]: _dropped, ...rest } = validHeaders
    cases.push({ label: `header ${p.name}: missing`, ...base, headers: { ...json, ...rest } })
    for (const [label, value] of badValues(p.schema)) {
      if (typeof value !== 'string' || value === '') continue
      cases.push({
        label: `header ${p.name}: ${label}`,
        ...base,
        headers: { ...json, [p.name]: value },
        body: validBody,
      })
    }
  }
  if (op.body && op.bodyRequired) {
    cases.push(
      { label: 'body: missing', ...base, headers: json },
      withBody('body: malformed JSON', `{"${FUZZ_MARK}":`),
      withBody('body: JSON array', '[]'),
      withBody('body: JSON null', 'null'),
      withBody('body: JSON string', JSON.stringify(FUZZ_MARK)),
      withBody('body: wrong content type', validBody!, {
        ...validHeaders,
        'content-type': 'text/plain',
      }),
      withBody('body: form encoded', `${FUZZ_MARK}=1`, {
        ...validHeaders,
        'content-type': 'application/x-www-form-urlencoded',
      }),
    )
    const sampled = sample(op.body)
    if (sampled && typeof sampled === 'object' && !Array.isArray(sampled))
      for (const f of objectFaults(op.body, sampled as Record<string, unknown>, 'body.'))
        cases.push(withBody(f.label, JSON.stringify(f.value)))
  }
  if (op.method !== 'GET' && opts.oversizeBody !== false)
    cases.push(
      withBody(
        'body: over MAX_BODY_BYTES',
        JSON.stringify({ [FUZZ_MARK]: 'x'.repeat(opts.maxBodyBytes + 1) }),
      ),
    )
  return cases
}
