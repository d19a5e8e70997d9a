// `npm run check:cycles`: fails on an import cycle that runs at load time, and lists the cycles
// that exist only through `import type` (harmless: erased before anything runs).
import { findCycles, importGraph, type Cycle } from './graph'

const show = (cycles: Cycle[]) =>
  cycles
    .map(
      (c, i) =>
        `  ${i + 1}) ${[...c.loop, c.loop[0]].join(' > ')}\n     (${c.files.length} files: ${c.files.join(', ')})`,
    )
    .join('\n')

const runtime = findCycles(importGraph({ types: false }))
const all = findCycles(importGraph({ types: true }))
console.log(`import cycles, counting \`import type\`: ${all.length}`)
if (all.length > 0) console.log(show(all))
if (runtime.length > 0) {
  console.error(`import cycles that run at load time: ${runtime.length}\n${show(runtime)}`)
  process.exit(1)
}
console.log('import cycles that run at load time: 0')
