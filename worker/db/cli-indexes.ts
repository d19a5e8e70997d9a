// `npm run db:indexes`: creates every declared index in the database MONGODB_URI / MONGODB_DB name.
import { MongoClient } from 'mongodb'
import { ensureIndexes } from './indexes'

// Defaults to the database `npm run dev` runs.
const uri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true'
const client = await new MongoClient(uri).connect()
try {
  const results = await ensureIndexes(client.db(process.env.MONGODB_DB ?? 'sanora'))
  for (const r of results) console.log(`${r.collection}: ${r.created.join(', ')}`)
} finally {
  await client.close()
}
