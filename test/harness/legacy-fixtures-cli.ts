// `npm run fixtures:legacy -- --sanora <uri> --videodesk <uri> [--scale N]`: writes the legacy
// fixture databases (test/harness/legacy-fixtures.ts) for trying the importer by hand.
import { parseArgs } from 'node:util'
import { MongoClient } from 'mongodb'
import { buildLegacyFixtures } from './legacy-fixtures'

const { values } = parseArgs({
  options: {
    sanora: { type: 'string' },
    videodesk: { type: 'string' },
    scale: { type: 'string', default: '2000' },
  },
})
const scale = Number(values.scale)
if (!values.sanora || !values.videodesk || !Number.isInteger(scale) || scale < 1) {
  console.error('Usage: npm run fixtures:legacy -- --sanora <uri> --videodesk <uri> [--scale N]')
  process.exit(2)
}
const sanora = await new MongoClient(values.sanora).connect()
const videodesk = await new MongoClient(values.videodesk).connect()
try {
  const built = await buildLegacyFixtures(sanora.db(), videodesk.db(), { scale })
  console.log(
    `Sanora users ${built.sanoraUsers}, Videodesk users ${built.videodeskUsers}, ` +
      `pairs proven on both sides ${built.provenPairs.length}, others ${built.unprovenPairs.length}`,
  )
} finally {
  await Promise.all([sanora.close(), videodesk.close()])
}
