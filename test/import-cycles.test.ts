// No import cycle may run at load time (`npm run check:cycles` lists the type-only ones): a module
// in a cycle can see another's exports still undefined, depending on which one was loaded first.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findCycles, importGraph, type Graph } from './import-cycles/graph'

const graph = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges))

describe('findCycles', () => {
  it.each<{ name: string; edges: Record<string, string[]>; loops: string[][] }>([
    { name: 'no cycle', edges: { a: ['b'], b: ['c'], c: [] }, loops: [] },
    { name: 'a self-import', edges: { a: ['a'] }, loops: [['a']] },
    { name: 'two files', edges: { a: ['b'], b: ['a'] }, loops: [['a', 'b']] },
    {
      name: 'the shortest loop of a knot',
      edges: { a: ['b', 'c'], b: ['c'], c: ['a'], d: ['a'] },
      loops: [['a', 'c']],
    },
    {
      name: 'two separate cycles',
      edges: { a: ['b'], b: ['a'], c: ['d'], d: ['e'], e: ['c'] },
      loops: [
        ['a', 'b'],
        ['c', 'd', 'e'],
      ],
    },
  ])('finds $name', ({ edges, loops }) => {
    expect(findCycles(graph(edges)).map((c) => c.loop)).toEqual(loops)
  })
})

describe('importGraph', () => {
  it('drops `import type` and `export type` edges only: `import { type X }` still loads', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'import-cycles-'))
    mkdirSync(path.join(root, 'src'))
    const files = {
      'a.ts': "import type { B } from './b'\nexport type { C } from './c'\nexport const a = 1",
      'b.ts': "import { type A } from './a'\nexport type B = A",
      'c.ts': "export { a } from './a'\nexport type C = number",
    }
    for (const [name, text] of Object.entries(files))
      writeFileSync(path.join(root, 'src', name), text)
    const edges = (types: boolean) =>
      Object.fromEntries(importGraph({ types, root, dirs: ['src'] }))
    expect(edges(true)).toEqual({
      'src/a.ts': ['src/b.ts', 'src/c.ts'],
      'src/b.ts': ['src/a.ts'],
      'src/c.ts': ['src/a.ts'],
    })
    expect(edges(false)).toEqual({
      'src/a.ts': [],
      'src/b.ts': ['src/a.ts'],
      'src/c.ts': ['src/a.ts'],
    })
  })
})

describe('the Worker, Durable Objects, shared and transcoder code', () => {
  it('has no import cycle that runs at load time', () => {
    const cycles = findCycles(importGraph({ types: false }))
    expect(cycles.map((c) => c.loop.join(' > '))).toEqual([])
  })
})
