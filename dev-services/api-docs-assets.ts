// Swagger UI for the API reference (/api/docs) comes from the swagger-ui-dist package pinned in
// package.json, never from a CDN: the page works offline and changes only when that pin does. Its
// files are copied into public/assets/swagger-ui/ (git-ignored) before a Worker starts, so the
// assets binding serves them like our own scripts. Static assets rather than text modules imported
// by the Worker: Swagger UI's 2 MB would otherwise weigh on every cold start and on the bundle size
// limit, for a page only developers open. `npm run dev`, the test harness (startWorker) and
// `npm run deploy` call this; run alone: `tsx dev-services/api-docs-assets.ts`.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Where the binding serves them from: `/assets/swagger-ui/<file>`. */
export const API_DOCS_ASSETS_DIR = path.join(ROOT, 'public/assets/swagger-ui')

/** What the page loads, plus the license notice the bundle's banner points to. */
const FILES = ['swagger-ui-bundle.js', 'swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui.css']

/** Copies Swagger UI's files into public/; a file already up to date is left untouched. */
export async function copyApiDocsAssets(): Promise<void> {
  const source = path.dirname(
    createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'),
  )
  await mkdir(API_DOCS_ASSETS_DIR, { recursive: true })
  await Promise.all(
    FILES.map(async (file) => {
      const content = await readFile(path.join(source, file))
      const target = path.join(API_DOCS_ASSETS_DIR, file)
      const current = await readFile(target).catch(() => undefined)
      if (current?.equals(content)) return
      // Written aside and renamed: Workers started concurrently (the tests start several) may be
      // serving the file while another copy runs, and must never see half of it.
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`
      await writeFile(temp, content)
      await rename(temp, target)
    }),
  )
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await copyApiDocsAssets()
}
