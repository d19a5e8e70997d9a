// The explain command: which access path (IDHACK, IXSCAN, OR, COLLSCAN) a query uses, as the
// top-level winningPlan.stage (mongod nests IXSCAN under FETCH; search the tree for COLLSCAN).
import { planAggregate } from '../aggregate.js'
import { BadValueError, CommandNotFoundError } from '../errors.js'
import { describePlan } from '../planner.js'
import { type ReadResult, executeRead, normalizeSort } from '../query.js'
import { type Doc, isPlainObject, toInt } from '../values.js'
import { type CommandContext, type CommandHandler, collectionArg } from './context.js'
import { SERVER_VERSION } from './handshake.js'

type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution'

export const explainCommands: Record<string, CommandHandler> = {
  explain: (cmd, ctx) => {
    const inner = cmd.explain
    if (!isPlainObject(inner)) throw new BadValueError('explain command requires a nested object')
    const verbosity = verbosityArg(cmd.verbosity)
    const name = Object.keys(inner)[0] as string
    switch (name) {
      case 'find':
        return explainFind(inner, ctx, verbosity)
      case 'aggregate':
        return explainAggregate(inner, ctx, verbosity)
      case 'count':
        return explainQuery(inner, ctx, verbosity, 'count', inner.query, undefined)
      case 'distinct':
        return explainQuery(inner, ctx, verbosity, 'distinct', inner.query, undefined)
      case 'findAndModify':
      case 'findandmodify':
        return explainQuery(inner, ctx, verbosity, name, inner.query, inner.sort)
      case 'update':
      case 'delete': {
        const stmts = inner[name === 'update' ? 'updates' : 'deletes']
        const first = Array.isArray(stmts) && isPlainObject(stmts[0]) ? stmts[0] : {}
        return explainQuery(inner, ctx, verbosity, name, first.q, undefined)
      }
      default:
        throw new CommandNotFoundError(`explain ${name}`)
    }
  },
}

export function explainAggregate(cmd: Doc, ctx: CommandContext, verbosity: Verbosity): Doc {
  const target = cmd.aggregate
  const collName = typeof target === 'string' ? target : undefined
  const result = planAggregate(ctx.engine, ctx.db, collName, {
    pipeline: cmd.pipeline,
    collation: isPlainObject(cmd.collation) ? cmd.collation : undefined,
    hint: cmd.hint,
  })
  const filter = isPlainObject(result.pushedDown.filter) ? result.pushedDown.filter : {}
  return report(`${ctx.db}.${collName ?? '$cmd.aggregate'}`, filter, result, verbosity, cmd)
}

function explainFind(cmd: Doc, ctx: CommandContext, verbosity: Verbosity): Doc {
  const name = collectionArg(cmd, 'find')
  const filter = isPlainObject(cmd.filter) ? cmd.filter : {}
  const limit = Math.abs(toInt(cmd.limit, 0))
  const result = executeRead(ctx.engine.getCollection(ctx.db, name), {
    filter,
    sort: isPlainObject(cmd.sort) ? cmd.sort : undefined,
    skip: toInt(cmd.skip, 0),
    limit,
    hint: cmd.hint,
    collation: isPlainObject(cmd.collation) ? cmd.collation : undefined,
  })
  return report(`${ctx.db}.${name}`, filter, result, verbosity, cmd)
}

function explainQuery(
  cmd: Doc,
  ctx: CommandContext,
  verbosity: Verbosity,
  field: string,
  query: unknown,
  sort: unknown,
): Doc {
  const name = collectionArg(cmd, field)
  const filter = isPlainObject(query) ? query : {}
  const result = executeRead(ctx.engine.getCollection(ctx.db, name), {
    filter,
    sort: normalizeSort(sort),
  })
  return report(`${ctx.db}.${name}`, filter, result, verbosity, cmd)
}

function report(
  ns: string,
  filter: Doc,
  result: Pick<ReadResult, 'docs' | 'plan' | 'stats'>,
  verbosity: Verbosity,
  command: Doc,
): Doc {
  const winningPlan = describePlan(result.plan, filter)
  const out: Doc = {
    explainVersion: '1',
    queryPlanner: {
      namespace: ns,
      indexFilterSet: false,
      parsedQuery: filter,
      winningPlan,
      rejectedPlans: [],
    },
  }
  if (verbosity !== 'queryPlanner') {
    const started = performance.now()
    let nReturned = 0
    for (let r = result.docs.next(); !r.done; r = result.docs.next()) nReturned++
    out.executionStats = {
      executionSuccess: true,
      nReturned,
      executionTimeMillis: Math.round(performance.now() - started),
      totalKeysExamined: result.stats.keysExamined,
      totalDocsExamined: result.stats.docsExamined,
      executionStages: { ...winningPlan, nReturned, docsExamined: result.stats.docsExamined },
    }
  }
  out.command = command
  out.serverInfo = { host: 'mongo-dev-server', version: SERVER_VERSION }
  out.ok = 1
  return out
}

function verbosityArg(v: unknown): Verbosity {
  if (v === undefined || v === null) return 'allPlansExecution'
  if (v === 'queryPlanner' || v === 'executionStats' || v === 'allPlansExecution') return v
  throw new BadValueError(
    `verbosity string must be one of {'queryPlanner', 'executionStats', 'allPlansExecution'}`,
  )
}
