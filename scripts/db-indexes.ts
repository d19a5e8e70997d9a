// `npm run db:indexes`: creates every declared index in the database MONGODB_URI / MONGODB_DB name.
import { MongoClient } from 'mongodb'
import { ensureIndexes } from '../worker/db/indexes'

const uri = process.env.MONGODB_URI
if (!uri) {
  console.error('MONGODB_URI is required')
  process.exit(1)
}
const client = await new MongoClient(uri).connect()
try {
  const results = await ensureIndexes(client.db(process.env.MONGODB_DB ?? 'sanora'))
  for (const r of results) console.log(`${r.collection}: ${r.created.join(', ')}`)
} finally {
  await client.close()
}
