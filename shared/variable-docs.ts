// What each configuration variable means, registered on its zod schema where the variable is
// declared, so the README's configuration tables are generated from the schemas themselves
// (`npm run docs:config`). Names, rules and static defaults come from the schema; only prose here.
import { z } from 'zod'

export interface VariableDoc {
  /** What the variable does, as one line of Markdown. */
  description: string
  /** A credential: a Worker secret (`wrangler secret put`), never a `[vars]` entry or a commit. */
  secret?: boolean
  /**
   * The default as people should read it, for defaults computed at start-up (a host name, the
   * temporary folder). A static default is read from the schema instead, so it cannot go stale.
   */
  shownDefault?: string
  /** What an optional variable without a default means when it is unset. */
  whenUnset?: string
  /** What `npm run dev` (and `npm test`) set it to when it is unset: a stand-in, a generated value. */
  dev?: string
}

/** Every documented variable schema, in the Worker's, the transcoder's and the dev tooling's. */
export const variableDocs = z.registry<VariableDoc>()
