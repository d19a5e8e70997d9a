// The content hash that makes a re-run idempotent: stored in `legacy._import.hash` of every
// imported document and compared before writing.
import { createHash } from 'node:crypto'
import { serialize, type Document } from 'bson'

/** SHA-256 of the BSON encoding: key order is the transform's, which is fixed for one input. */
export function contentHash(document: Document): string {
  return createHash('sha256').update(serialize(document)).digest('base64url')
}
