// The renderers of the API references come from packages pinned in package.json, never from a CDN:
// Swagger UI (swagger-ui-dist) for the REST API at /api/docs, and the AsyncAPI React component's
// standalone bundle (@asyncapi/react-component) for the realtime protocol at /api/asyncapi. The pages
// work offline and change only when a pin does. Their files are copied into public/assets/<dir>/
// (git-ignored) before a Worker starts, so the assets binding serves them like our own scripts.
// Static assets rather than text modules imported by the Worker: their 2–3 MB each would otherwise
// weigh on every cold start and on the bundle size limit, for pages only developers open.
// `npm run dev`, the test harness (startWorker) and `npm run deploy` call this; run alone:
// `tsx dev-services/api-docs-assets.ts`.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Where the binding serves Swagger UI from: `/assets/swagger-ui/<file>`. */
export const API_DOCS_ASSETS_DIR = path.join(ROOT, 'public/assets/swagger-ui')
/** Where the binding serves the AsyncAPI renderer from: `/assets/asyncapi/<file>`. */
export const ASYNCAPI_ASSETS_DIR = path.join(ROOT, 'public/assets/asyncapi')

/** Each renderer's package, where its files go, and what is copied: `[in the package, served as]`. */
const RENDERERS = [
  {
    pkg: 'swagger-ui-dist',
    dir: API_DOCS_ASSETS_DIR,
    // What the page loads, plus the license notice the bundle's banner points to.
    files: [
      ['swagger-ui-bundle.js', 'swagger-ui-bundle.js'],
      ['swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui-bundle.js.LICENSE.txt'],
      ['swagger-ui.css', 'swagger-ui.css'],
    ],
  },
  {
    pkg: '@asyncapi/react-component',
    dir: ASYNCAPI_ASSETS_DIR,
    // The bundle with React and the parser in it, its license notice, and the default styles.
    files: [
      ['browser/standalone/index.js', 'index.js'],
      ['browser/standalone/index.js.LICENSE.txt', 'index.js.LICENSE.txt'],
      ['styles/default.min.css', 'default.min.css'],
    ],
  },
] as const

/** Copies the renderers' files into public/; a file already up to date is left untouched. */
export async function copyApiDocsAssets(): Promise<void> {
  const require = createRequire(import.meta.url)
  await Promise.all(
    RENDERERS.map(async ({ pkg, dir, files }) => {
      const source = path.dirname(require.resolve(`${pkg}/package.json`))
      await mkdir(dir, { recursive: true })
      await Promise.all(
        files.map(([from, to]) => copyIfChanged(path.join(source, from), path.join(dir, to))),
      )
    }),
  )
}

async function copyIfChanged(from: string, target: string) {
  const content = await readFile(from)
  const current = await readFile(target).catch(() => undefined)
  if (current?.equals(content)) return
  // Written aside and renamed: Workers started concurrently (the tests start several) may be
  // serving the file while another copy runs, and must never see half of it.
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`
  await writeFile(temp, content)
  await rename(temp, target)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await copyApiDocsAssets()
}
