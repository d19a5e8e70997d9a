// The database profiler, as mongod has it: `profile` sets a database's level, and at level 2
// every query-bearing command leaves a document in `<db>.system.profile` with its `planSummary`
// (COLLSCAN, IXSCAN { key }, IDHACK), so tests can prove hot queries use an index the same way
// they would against a real server.
import { ObjectId } from 'bson'
import { BadValueError } from './errors.js'
import type { Doc } from './values.js'
import { isPlainObject } from './values.js'
import type { CommandContext } from './commands/context.js'
import { explainCommands } from './commands/explain.js'

const PROFILED = new Set([
  'find',
  'aggregate',
  'count',
  'distinct',
  'findAndModify',
  'update',
  'delete',
])
const levels = new WeakMap<object, Map<string, number>>()

function levelsOf(ctx: CommandContext): Map<string, number> {
  let map = levels.get(ctx.engine)
  if (!map) levels.set(ctx.engine, (map = new Map()))
  return map
}

export function profileCommand(cmd: Doc, ctx: CommandContext): Doc {
  const level = cmd.profile
  if (typeof level !== 'number' || ![-1, 0, 1, 2].includes(level))
    throw new BadValueError('profile level must be -1, 0, 1 or 2')
  const map = levelsOf(ctx)
  const was = map.get(ctx.db) ?? 0
  if (level >= 0) map.set(ctx.db, level)
  return { was, slowms: 100, sampleRate: 1, ok: 1 }
}

/** Called after a command ran; records it when its database profiles everything. */
export function recordProfile(name: string, cmd: Doc, ctx: CommandContext, millis: number): void {
  if (!PROFILED.has(name) || (levelsOf(ctx).get(ctx.db) ?? 0) < 2) return
  const target = cmd[name]
  if (typeof target !== 'string' || target.startsWith('system.')) return
  let planSummary = 'UNKNOWN'
  try {
    const explained = explainCommands.explain!(
      { explain: cmd, verbosity: 'queryPlanner' },
      ctx,
    ) as Doc
    planSummary = summarize((explained.queryPlanner as Doc).winningPlan as Doc)
  } catch {
    // A command the planner cannot explain is still recorded, as mongod does.
  }
  ctx.engine.ensureCollection(ctx.db, 'system.profile').insert({
    _id: new ObjectId(),
    op: name === 'find' || name === 'aggregate' ? 'query' : name,
    ns: `${ctx.db}.${target}`,
    command: cmd,
    planSummary,
    millis: Math.round(millis),
    ts: new Date(),
  })
}

function summarize(plan: Doc): string {
  const stage = plan.stage
  if (
    stage === 'IXSCAN' ||
    (isPlainObject(plan.inputStage) && plan.inputStage.stage === 'IXSCAN')
  ) {
    const ix = (stage === 'IXSCAN' ? plan : plan.inputStage) as Doc
    return `IXSCAN ${JSON.stringify(ix.keyPattern)}`
  }
  if (stage === 'OR') return 'OR'
  return typeof stage === 'string' ? stage : 'UNKNOWN'
}
