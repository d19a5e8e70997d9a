// The import graph of the runtime code and its cycles. Only `import type` / `export type` edges
// are dropped as type-only: under verbatimModuleSyntax, `import { type A }` still loads the module.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const ROOT = path.resolve(import.meta.dirname, '../..')
/** The code that ships (tests and their harness import freely and run no cycle at start-up). */
const SOURCE_DIRS = ['worker', 'durable-objects', 'shared', 'transcoder']

export type Graph = Map<string, string[]>

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(file)
    const source = file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts')
    return source ? [file] : []
  })
}

function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''))
  return [`${base}.ts`, path.join(base, 'index.ts')].find((file) => existsSync(file))
}

/** Each file (relative to `root`) and the files it imports; `types` keeps type-only edges. */
export function importGraph(opts: { types: boolean; root?: string; dirs?: string[] }): Graph {
  const { root = ROOT, dirs = SOURCE_DIRS } = opts
  const graph: Graph = new Map()
  for (const file of dirs.flatMap((dir) => sourceFiles(path.join(root, dir)))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest)
    const edges = new Set<string>()
    for (const statement of source.statements) {
      let specifier: ts.Expression | undefined
      if (ts.isImportDeclaration(statement)) {
        if (statement.importClause?.isTypeOnly && !opts.types) continue
        specifier = statement.moduleSpecifier
      } else if (ts.isExportDeclaration(statement)) {
        if (statement.isTypeOnly && !opts.types) continue
        specifier = statement.moduleSpecifier
      }
      if (!specifier || !ts.isStringLiteral(specifier)) continue
      const target = resolve(file, specifier.text)
      if (target) edges.add(path.relative(root, target))
    }
    graph.set(path.relative(root, file), [...edges])
  }
  return graph
}

/** Files that import one another, directly or not, and one loop through them. */
export interface Cycle {
  files: string[]
  /** The shortest loop from the first file: `[a, b, c]` means a → b → c → a. */
  loop: string[]
}

/** The strongly connected components of the graph (Tarjan) that hold a loop. */
export function findCycles(graph: Graph): Cycle[] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const visit = (node: string) => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(member)
    } while (member !== node)
    const loops = component.length > 1 || (graph.get(node) ?? []).includes(node)
    if (loops) components.push(component.sort())
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node)
  return components
    .sort((a, b) => a[0]!.localeCompare(b[0]!))
    .map((files) => ({ files, loop: shortestLoop(graph, files) }))
}

function shortestLoop(graph: Graph, component: string[]): string[] {
  const start = component[0]!
  const inside = new Set(component)
  const previous = new Map<string, string>()
  const queue = [start]
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!
    for (const next of graph.get(node) ?? []) {
      if (!inside.has(next)) continue
      if (next === start) {
        const loop = [node]
        while (loop[0] !== start) loop.unshift(previous.get(loop[0]!)!)
        return loop
      }
      if (!previous.has(next)) {
        previous.set(next, node)
        queue.push(next)
      }
    }
  }
  return component
}
