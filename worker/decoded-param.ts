// Free text that a route decodes later (an opaque cursor, base64, a sealed id) is decoded here, in
// the input's zod schema: a value that does not decode is a 400 VALIDATION_ERROR from the one
// validation hook, and the handler receives the decoded value instead of decoding (and throwing
// a 500 from atob, JSON.parse or new ObjectId) itself.
import { z } from '@hono/zod-openapi'

export interface DecodedStringOptions<T> {
  min?: number
  max: number
  /** Documented in OpenAPI, and checked before decoding. */
  pattern?: RegExp
  /** Answers the decoded value, or undefined (or throws) when the text does not decode. */
  decode: (text: string) => T | undefined
  /** The issue message for a value that does not decode, e.g. "must be the nextCursor of…". */
  message: string
  description?: string
}

/**
 * A string input decoded by `decode` at the edge.
 *
 * @example
 * const Cursor = decodedString({ max: 200, decode: decodeMyCursor, message: 'not a cursor' })
 * query: z.object({ cursor: Cursor.optional() }) // c.req.valid('query').cursor is decoded
 */
export function decodedString<T>(opts: DecodedStringOptions<T>) {
  let text = z.string().max(opts.max)
  if (opts.min !== undefined) text = text.min(opts.min)
  if (opts.pattern) text = text.regex(opts.pattern, opts.message)
  // `x-decoded` tells clients (and the security suite) that only values this API made are valid.
  text = text.openapi({
    'x-decoded': true,
    ...(opts.description ? { description: opts.description } : {}),
  })
  return text.transform((raw, ctx) => {
    let value: T | undefined
    try {
      value = opts.decode(raw)
    } catch {
      // A decoder's throw (atob, JSON.parse, …) is the same answer as its undefined: not decodable.
      value = undefined
    }
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: opts.message })
      return z.NEVER
    }
    return value
  })
}
