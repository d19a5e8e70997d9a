// Values a route may try to decode later (an opaque cursor, base64, JSON, a date, an id) that do
// not decode, sent to every parameter in the path, query and headers — not only to parameters whose
// schema has a pattern, since a free-text `cursor` is exactly where an `atob` hides. The answer may
// be a refusal (4xx in the envelope) or, for free text the schema accepts, a normal answer; never a
// 5xx. A parameter whose documented schema refuses the value, or that the API marks `x-decoded`
// (worker/decoded-param.ts), must refuse it.
import {
  FUZZ_MARK,
  breaksString,
  validParts,
  type BadRequest,
  type CaseOptions,
} from './bad-inputs'
import { mainBranch, typesOf, type Operation, type Parameter } from './openapi'

interface Undecodable {
  label: string
  /** What the Worker reads once it has percent-decoded the URL (or read the header). */
  text: string
  /** As written in the URL, when not encodeURIComponent(text): a malformed escape stays one. */
  wire?: string
  /** As sent in a header, when not `text` (a header is bytes: no percent-decoding there). */
  header?: string
}

const UNDECODABLE: Undecodable[] = [
  { label: 'not base64 (!!!)', text: '!!!' },
  // Hono leaves an escape that does not decode as it is: the route reads the three characters.
  { label: 'malformed escape (%ff)', text: '%ff', wire: '%ff' },
  // UTF-8 of a lone surrogate (U+D800): invalid UTF-8, so decodeURIComponent throws on it.
  {
    label: 'invalid UTF-8 (lone surrogate)',
    text: '%ED%A0%80',
    wire: '%ED%A0%80',
    header: '\u00ed\u00a0\u0080',
  },
  {
    label: 'base64 of garbage',
    text: Buffer.from(`\u00ff\u00fe\u0000|{"$gt"<${FUZZ_MARK}>`, 'latin1').toString('base64'),
  },
  { label: 'operator JSON', text: '{"$gt":""}' },
  // Valid base64 and base64url, so only a length limit stops a decoder from taking it.
  { label: 'over-long', text: 'A'.repeat(4096) },
]

/** A stable number per parameter: which single value a constrained parameter gets. */
function hashOf(text: string): number {
  let h = 5381
  for (let i = 0; i < text.length; i++) h = (h * 33 + text.charCodeAt(i)) >>> 0
  return h
}

/**
 * Free text: a string the schema constrains by length at most, so the route itself must make sense
 * of whatever arrives. Those and decoded parameters get every value; a parameter held to a
 * pattern, an enum, a format or a number gets one, rotating over the parameters, since its schema
 * refuses them all alike.
 */
function isFreeText(p: Parameter): boolean {
  const s = mainBranch(p.schema)
  return typesOf(s).includes('string') && !s.pattern && !s.enum && !s.format
}

function valuesFor(op: Operation, p: Parameter): Undecodable[] {
  if (isFreeText(p) || mainBranch(p.schema)['x-decoded']) return UNDECODABLE
  return [UNDECODABLE[hashOf(`${op.key} ${p.in} ${p.name}`) % UNDECODABLE.length]!]
}

/** Whether the documented schema takes `text` (then the route may serve it). */
function schemaTakes(p: Parameter, text: string): boolean {
  const s = mainBranch(p.schema)
  return typesOf(s).includes('string') && !s['x-decoded'] && !breaksString(s, text)
}

/** Every undecodable-value request the suite sends to `op`. */
export function undecodableRequests(op: Operation, opts: CaseOptions): BadRequest[] {
  const { validPath, validQuery, validHeaders, json, validBody } = validParts(op, opts)
  const withBody = validBody ? { headers: json, body: validBody } : { headers: validHeaders }
  const cases: BadRequest[] = []
  for (const p of op.parameters) {
    for (const v of valuesFor(op, p)) {
      const label = `${p.in} ${p.name}: undecodable ${v.label}`
      const mayPass = schemaTakes(p, p.in === 'header' ? (v.header ?? v.text) : v.text)
      const wire = v.wire ?? encodeURIComponent(v.text)
      if (p.in === 'path')
        cases.push({
          label,
          path: validPath({ [p.name]: wire }),
          query: validQuery,
          ...withBody,
          mayPass,
        })
      else if (p.in === 'query') {
        const { [p.name]: _replaced, ...query } = validQuery
        cases.push({
          label,
          path: validPath(),
          query,
          rawQuery: `${encodeURIComponent(p.name)}=${wire}`,
          ...withBody,
          mayPass,
        })
      } else if (p.in === 'header')
        cases.push({
          label,
          path: validPath(),
          query: validQuery,
          headers: { ...withBody.headers, [p.name]: v.header ?? v.text },
          ...(validBody ? { body: validBody } : {}),
          mayPass,
        })
    }
  }
  return cases
}
