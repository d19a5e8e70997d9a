// Legacy Sanora `hosts` and `speakers` (the Host and Speaker models of /api/host/auth and
// /api/speaker/auth), and conferences pointing at them (`hostModel: 'Host'`/'Speaker', bare speaker
// refs, one to a deleted speaker). Some share an email with a Sanora user or with a host, proven on
// both sides (merged) or not (two accounts, the pair reported).
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import { ObjectId } from 'mongodb'
import type { GroupFixtureContext } from './groups'

const HOST_PASSWORD = 'old-host-pass'

export interface LegacyHosts {
  hosts: number
  speakers: number
  /** Hosts merged into a Sanora user (both proven); speakers merged into a user or a host. */
  mergedHosts: number
  mergedSpeakers: number
  /** A host whose email a Sanora user holds, not proven on both sides. */
  unmergedPairs: number
  danglingSpeakerRefs: number
  /** A host not merged: its sign-in and a conference it hosts (with an existing speaker ref). */
  host: {
    id: ObjectId
    email: string
    password: string
    conferenceId: ObjectId
    speakerId: ObjectId
  }
  /** A host merged into a Sanora account, a conference it hosts, and its old refresh token. */
  mergedHost: { id: ObjectId; accountId: ObjectId; conferenceId: ObjectId; refreshToken: string }
}

export async function legacyHosts(ctx: GroupFixtureContext): Promise<LegacyHosts> {
  const { sanora, tag, base } = ctx
  const hash = await bcrypt.hash(HOST_PASSWORD, 4)
  const count = Math.max(6, Math.floor(ctx.scale / 25))
  const at = (k: number) => new Date(base + k * 120_000)
  // Sanora accounts whose email a host or speaker reuses, from the end (clear of other groups').
  const fromEnd = [...ctx.accounts].reverse().filter((a) => a.isActive && a.role === 'USER')
  const provenUsers = fromEnd.filter((a) => a.isVerified)
  const unprovenUser = fromEnd.find((a) => !a.isVerified)!
  const doc = (kind: string, k: number, email: string, isVerified: boolean) => ({
    _id: ObjectId.createFromTime(base / 1000 + (kind === 'host' ? 60_000_000 : 61_000_000) + k),
    name: `${kind} ${k}`,
    email,
    password: hash,
    isVerified,
    organization: `Org ${k}`,
    refreshToken: undefined as string | undefined,
    createdAt: at(k),
    updatedAt: at(k),
    __v: 0,
  })
  const hosts = Array.from({ length: count }, (_, k) =>
    doc('host', k, `h${k}-${tag}@legacy.test`, k % 2 === 0),
  )
  // Host 1 is a proven Sanora user (merged); host 3 proved an email a Sanora user claims unproven.
  hosts[1]!.email = provenUsers[0]!.email
  hosts[1]!.isVerified = true
  hosts[3]!.email = unprovenUser.email.toUpperCase()
  hosts[3]!.isVerified = true
  const speakers = Array.from({ length: count }, (_, k) =>
    doc('speaker', k, `sp${k}-${tag}@legacy.test`, k % 3 !== 0),
  )
  // Speaker 1 is a proven Sanora user, speaker 2 the proven host 0: both merged.
  speakers[1]!.email = provenUsers[1]!.email
  speakers[1]!.isVerified = true
  speakers[2]!.email = hosts[0]!.email
  // Stored refresh tokens: of a host, of the merged host, of the speaker merged into host 0.
  for (const d of [...hosts, ...speakers]) delete d.refreshToken
  for (const d of [hosts[0]!, hosts[1]!, speakers[2]!])
    d.refreshToken = randomBytes(32).toString('hex')
  await sanora.collection('hosts').insertMany(hosts)
  await sanora.collection('speakers').insertMany(speakers)

  // Every fifth conference hosted by a User moves to a host (one to a speaker), with speaker refs.
  const conferences = await sanora
    .collection('conferences')
    .find({ hostModel: 'User' })
    .sort({ _id: 1 })
    .toArray()
  const moved = conferences.filter((_, i) => i % 5 === 3)
  let danglingSpeakerRefs = 0
  for (const [j, conference] of moved.entries()) {
    const bySpeaker = j === 2
    const refs: unknown[] = [speakers[(j + 3) % count]!._id, ...(conference.speakers as unknown[])]
    if (j % 2 === 1) {
      refs.push(new ObjectId())
      danglingSpeakerRefs++
    }
    await sanora.collection('conferences').updateOne(
      { _id: conference._id },
      {
        $set: {
          host: bySpeaker ? speakers[4]!._id : hosts[j % count]!._id,
          hostModel: bySpeaker ? 'Speaker' : 'Host',
          speakers: refs,
        },
      },
    )
  }
  return {
    hosts: hosts.length,
    speakers: speakers.length,
    mergedHosts: 1,
    mergedSpeakers: 2,
    unmergedPairs: 1,
    danglingSpeakerRefs,
    host: {
      id: hosts[0]!._id,
      email: hosts[0]!.email,
      password: HOST_PASSWORD,
      conferenceId: moved[0]!._id as ObjectId,
      speakerId: speakers[3]!._id,
    },
    mergedHost: {
      id: hosts[1]!._id,
      accountId: provenUsers[0]!.id,
      conferenceId: moved[1]!._id as ObjectId,
      refreshToken: hosts[1]!.refreshToken!,
    },
  }
}
