// `npm run user:role -- <email> <ROLE>`: sets an account's role (how the first ADMIN is made).
import { MongoClient } from 'mongodb'
import { ROLES, type Role } from '../../shared/roles'

const [email, role] = process.argv.slice(2)
const uri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/?directConnection=true'
if (!email || !ROLES.includes(role as Role)) {
  console.error(`usage: npm run user:role -- <email> <${ROLES.join('|')}>`)
  process.exit(1)
}
const client = await new MongoClient(uri).connect()
try {
  const res = await client
    .db(process.env.MONGODB_DB ?? 'sanora')
    .collection('users')
    // A role granted by email goes only to the account that proved it (several may claim it).
    // Realtime tickets minted before now stop admitting the account (roleChangedAt).
    .updateOne(
      { email: email.trim().toLowerCase(), emailVerified: true },
      { $set: { role, roleChangedAt: new Date(), updatedAt: new Date() } },
    )
  console.log(
    res.matchedCount ? `${email} is now ${role}` : `no account has proven the email ${email}`,
  )
  process.exitCode = res.matchedCount ? 0 : 1
} finally {
  await client.close()
}
