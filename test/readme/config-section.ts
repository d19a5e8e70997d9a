// The README's configuration tables, generated from the schemas that read the variables: the
// Worker's (shared/config.ts), the transcoder's own (transcoder/config.ts) and the dev tooling's
// (dev-services/dev-variables.ts). Names and static defaults come from the schemas, the rest from
// the VariableDoc each variable registers (shared/variable-docs.ts).
import type { z } from 'zod'
import { devVariablesSchema } from '../../dev-services/dev-variables'
import { configSchema } from '../../shared/config'
import { variableDocs, type VariableDoc } from '../../shared/variable-docs'
import { transcoderConfigSchema } from '../../transcoder/config'
import { code, table, type Section } from './markdown'

type Shape = Record<string, z.ZodType>

/** A variable's documentation; throws naming the variable when it has none. */
export function docOf(name: string, schema: z.ZodType): VariableDoc {
  const doc = variableDocs.get(schema)
  if (!doc) {
    throw new Error(
      `${name} has no description: register one on its schema with .register(variableDocs, {…})`,
    )
  }
  return doc
}

const MiB = 1024 * 1024

/** A static default as it would be written in the environment. */
function literal(name: string, value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '_(none)_'
    return code(value.every((v) => typeof v === 'string') ? value.join(',') : JSON.stringify(value))
  }
  if (typeof value === 'number' && name.endsWith('_BYTES') && value % MiB === 0) {
    const size = value % 1024 ** 3 === 0 ? `${value / 1024 ** 3} GiB` : `${value / MiB} MiB`
    return `${code(String(value))} (${size})`
  }
  return code(typeof value === 'string' ? value : JSON.stringify(value))
}

/** The Default cell: what the variable is when unset, then what the dev tooling sets it to. */
function defaultCell(name: string, schema: z.ZodType, doc: VariableDoc): string {
  const unset = schema.safeParse(undefined)
  const shown = !unset.success
    ? '**required**'
    : doc.shownDefault
      ? doc.shownDefault
      : unset.data === undefined
        ? (doc.whenUnset ?? '—')
        : literal(name, unset.data)
  return doc.dev ? `${shown} (dev: ${doc.dev})` : shown
}

function variableRows(shape: Shape, withSecret: boolean): string[][] {
  return Object.entries(shape).map(([name, schema]) => {
    const doc = docOf(name, schema)
    const secret = doc.secret ? '**yes**' : 'no'
    return [
      code(name),
      defaultCell(name, schema, doc),
      ...(withSecret ? [secret] : []),
      doc.description,
    ]
  })
}

/** The transcoder's variables that the Worker reads by the very same rule (the same schema). */
function sharedWithWorker(): string[] {
  const worker: Shape = configSchema.shape
  return Object.entries(transcoderConfigSchema.shape as Shape)
    .filter(([name, schema]) => worker[name] === schema)
    .map(([name]) => name)
}

function transcoderOwnShape(): Shape {
  const shared = new Set(sharedWithWorker())
  return Object.fromEntries(
    Object.entries(transcoderConfigSchema.shape as Shape).filter(([name]) => !shared.has(name)),
  )
}

/** Two variables on one schema object would share one description: each needs its own. */
function assertOneSchemaEach(shape: Shape) {
  const seen = new Map<z.ZodType, string>()
  for (const [name, schema] of Object.entries(shape)) {
    const other = seen.get(schema)
    if (other) throw new Error(`${name} and ${other} share one schema object: give each its own`)
    seen.set(schema, name)
  }
}

function renderConfigTables(): string {
  assertOneSchemaEach(configSchema.shape)
  const header = ['Variable', 'Default', 'Secret', 'Meaning']
  return [
    '**Worker** (`shared/config.ts`):',
    table(header, variableRows(configSchema.shape, true)),
    `**Transcoder** (\`transcoder/config.ts\`): reads ${sharedWithWorker().map(code).join(', ')} ` +
      "by the Worker's rules (rows above), and these:",
    table(header, variableRows(transcoderOwnShape(), true)),
    '**Dev tooling only** (`dev-services/dev-variables.ts`; neither the Worker nor the transcoder reads them):',
    table(['Variable', 'Default', 'Meaning'], variableRows(devVariablesSchema.shape, false)),
  ].join('\n\n')
}

export const configSection: Section = {
  name: 'config-table',
  command: 'npm run docs:config',
  render: renderConfigTables,
}
