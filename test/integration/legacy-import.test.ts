// The legacy importer against fixture databases in the dev Mongo server: users of both old
// systems, merged only on proof, imported once (a re-run writes nothing), resumable, and usable
// through the running Worker with the old password and the old refresh token.
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { MongoClient, type Db, type Document } from 'mongodb'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ensureIndexes } from '../../worker/db/indexes'
import { runImport } from '../../worker/legacy-import/engine'
import { legacySource, type LegacySource } from '../../worker/legacy-import/legacy-source'
import { selectSteps } from '../../worker/legacy-import/steps'
import { buildLegacyFixtures, type LegacyFixtures } from '../harness/legacy-fixtures'
import { joinAudience, staffSocket } from '../harness/conference'
import { api } from '../harness/http'
import { putObject, storedKeys } from '../harness/storage'
import { freshIp, testDb } from '../harness/users'

const SCALE = 1000
const tag = randomBytes(3).toString('hex')
let client: MongoClient
let source: LegacySource
let fixtures: LegacyFixtures
let target: Db
const scratch: Db[] = []

const importInto = (db: Db, extra: Partial<Parameters<typeof runImport>[0]> = {}) =>
  runImport({ source, target: db, steps: selectSteps(['users']), batchSize: 250, ...extra })

async function scratchDb(name: string) {
  const db = client.db(`legacy_${name}_${tag}`)
  await ensureIndexes(db)
  scratch.push(db)
  return db
}

/** What an import left, without what differs by construction (random session ids, run times). */
async function importedState(db: Db) {
  const users = await db
    .collection('users')
    .find({ 'legacy._import': { $exists: true } })
    .sort({ _id: 1 })
    .toArray()
  const tokens = await db
    .collection('legacy_tokens')
    .find({ kind: 'refresh' }, { projection: { createdAt: 0 } })
    .sort({ _id: 1 })
    .toArray()
  const idMap = await db.collection('import_id_map').find().sort({ _id: 1 }).toArray()
  return { users, tokens, idMap }
}

beforeAll(async () => {
  client = await new MongoClient(inject('workerVars').MONGODB_URI!).connect()
  const sanora = client.db(`legacy_sanora_${tag}`)
  const videodesk = client.db(`legacy_videodesk_${tag}`)
  scratch.push(sanora, videodesk)
  fixtures = await buildLegacyFixtures(sanora, videodesk, { scale: SCALE, tag })
  source = legacySource({ sanora, videodesk })
  target = await testDb()
}, 120_000)

afterAll(async () => {
  for (const db of scratch) await db.dropDatabase()
  await client?.close()
})

describe('legacy import of users', () => {
  let report: Awaited<ReturnType<typeof runImport>>

  beforeAll(async () => {
    report = await importInto(target)
  }, 120_000)

  it('reads every legacy user and writes one account per person proven on both sides', async () => {
    const [sanora, videodesk] = report.steps
    expect(sanora).toMatchObject({
      step: 'sanora.users',
      read: SCALE,
      written: SCALE,
      unchanged: 0,
    })
    expect(sanora!.failed.count).toBe(0)
    const merged = fixtures.provenPairs.length
    expect(merged).toBeGreaterThan(0)
    expect(videodesk).toMatchObject({
      step: 'videodesk.users',
      read: fixtures.videodeskUsers,
      written: fixtures.videodeskUsers - merged,
      skipped: { 'merged into the Sanora account with the same proven email': merged },
    })
    expect(videodesk!.failed.count).toBe(0)
    // Only this file's users: other import tests write their own into the same database.
    const imported = await target.collection('users').countDocuments({
      'legacy._import.source': { $in: ['sanora.users', 'videodesk.users'] },
      email: { $regex: `-${tag}@`, $options: 'i' },
    })
    expect(imported).toBe(SCALE + fixtures.videodeskUsers - merged)
  })

  it('merges a pair proven on both sides into the Sanora account and maps the Videodesk id', async () => {
    const pair = fixtures.provenPairs[0]!
    const user = await target.collection('users').findOne({ _id: pair.sanoraId })
    expect(user).toMatchObject({ email: pair.email, emailVerified: true })
    expect(user!.legacy.videodeskId).toEqual(pair.videodeskId)
    expect(user!.messageSettings).toMatchObject({ messageOption: 'custom' })
    expect(await target.collection('users').findOne({ _id: pair.videodeskId })).toBeNull()
    expect(
      await target
        .collection('import_id_map')
        .findOne({ _id: `videodesk.users:${pair.videodeskId}` } as Document),
    ).toMatchObject({ targetCollection: 'users', targetId: pair.sanoraId })
  })

  it('signs a merged account in with either old password, until the password is changed here', async () => {
    const pair = fixtures.provenPairs.find((p) => p.active)!
    const login = (password: string) =>
      api('/api/auth/login', {
        method: 'POST',
        json: { email: pair.email, password },
        headers: { 'cf-connecting-ip': freshIp() },
      })
    expect((await login(pair.sanoraPassword)).status).toBe(200)
    const viaVideodesk = await login(pair.videodeskPassword)
    expect(viaVideodesk.status, JSON.stringify(viaVideodesk.body)).toBe(200)
    expect(viaVideodesk.body.user.id).toBe(String(pair.sanoraId))
    const changed = await api('/api/v1/user/change-password', {
      method: 'PUT',
      token: viaVideodesk.body.accessToken,
      json: { currentPassword: pair.videodeskPassword, newPassword: 'a-new-pass-9' },
    })
    expect(changed.status, JSON.stringify(changed.body)).toBe(200)
    expect((await login(pair.videodeskPassword)).status).toBe(401)
    expect((await login(pair.sanoraPassword)).status).toBe(401)
    expect((await login('a-new-pass-9')).status).toBe(200)
  })

  it("opens /api/v1/me with an old Videodesk cookie: the imported account's, or the one it merged into", async () => {
    const cookie = async (id: string) =>
      `token=${await new SignJWT({ id })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(inject('workerVars').LEGACY_JWT_SECRET!))}`
    const unmerged = await target
      .collection('users')
      .findOne({ email: fixtures.ownedUpload.email.toLowerCase() })
    const own = await api('/api/v1/me', {
      headers: { cookie: await cookie(String(unmerged!._id)) },
    })
    expect(own.status, JSON.stringify(own.body)).toBe(200)
    expect(own.body.user.id).toBe(String(unmerged!._id))
    // Not the pair whose password the test above changed (that revoked its old tokens).
    const pair = fixtures.provenPairs.filter((p) => p.active).at(-1)!
    const merged = await api('/api/v1/me', {
      headers: { cookie: await cookie(String(pair.videodeskId)) },
    })
    expect(merged.status, JSON.stringify(merged.body)).toBe(200)
    expect(merged.body.user.id).toBe(String(pair.sanoraId))
  })

  it('imports both accounts of a pair not proven on both sides, and lists the pair', async () => {
    const pair = fixtures.unprovenPairs[0]!
    const [s, v] = await Promise.all([
      target.collection('users').findOne({ _id: pair.sanoraId }),
      target.collection('users').findOne({ _id: pair.videodeskId }),
    ])
    expect(s!.email).toBe(pair.email)
    expect(v!.email).toBe(pair.email)
    expect(s!.emailVerified && v!.emailVerified).toBe(false)
    const listed =
      report.steps[1]!.notes['same email in both systems, not merged (not proven on both sides)']!
    expect(listed.count).toBe(fixtures.unprovenPairs.length)
    expect(listed.samples).toContainEqual(
      expect.objectContaining({
        sanoraId: String(pair.sanoraId),
        videodeskId: String(pair.videodeskId),
      }),
    )
  })

  it('imports unproven identifiers as unproven, drops __v and secrets, keeps unknown fields', async () => {
    const legacySanora = client.db(`legacy_sanora_${tag}`).collection('users')
    const unverified = await legacySanora.findOne({ isVerified: false, phone: { $exists: true } })
    const user = await target.collection('users').findOne({ _id: unverified!._id })
    expect(user).toMatchObject({ emailVerified: false, phone: unverified!.phone })
    expect(user!.phoneVerified).toBe(unverified!.isPhoneVerified === true)
    expect(user!.__v).toBeUndefined()
    expect(user!.password).toBeUndefined()
    expect(user!.legacy.refreshTokens).toBeUndefined()
    expect(user!.legacy.professionalInfo).toEqual(unverified!.professionalInfo)
    expect(user!.passwordHash).toBe(unverified!.password)
    const pending = await target
      .collection('users')
      .findOne({ 'legacy._import.source': 'videodesk.users', emailVerified: false })
    expect(pending!.legacy.otp).toBeUndefined()
    expect(pending!.legacy.timezone).toBe('Europe/London')
    expect(pending!.legacy.folders).toBeUndefined()
  })

  it('reports references to users that do not exist', () => {
    expect(report.steps[0]!.dangling.friends!.count).toBe(fixtures.danglingFriends)
  })

  it('writes nothing on a second run, and says so', async () => {
    const again = await importInto(target)
    for (const step of again.steps) {
      expect(step.written).toBe(0)
      expect(step.read).toBeGreaterThan(0)
    }
    expect(again.steps[0]!.unchanged).toBe(SCALE)
  }, 120_000)

  it('lets an imported user sign in with the old password and refresh with the old token', async () => {
    const { email, password, refreshToken } = fixtures.withRefreshToken
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email, password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status).toBe(200)
    const refreshed = await api('/api/auth/refresh-token', {
      method: 'POST',
      json: { refreshToken },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(refreshed.status).toBe(200)
    expect(refreshed.body.refreshToken).toEqual(expect.any(String))
  })
})

describe('legacy refresh tokens dropped by the old system after an import', () => {
  it('stop working here on the next run, unless the app already exchanged them', async () => {
    const legacyUsers = client.db(`legacy_sanora_${tag}`).collection('users')
    const holders = await legacyUsers
      // Not the one the sign-in test exchanged already.
      .find({
        _id: { $ne: fixtures.withRefreshToken.id },
        isActive: true,
        'refreshTokens.0': { $exists: true },
      })
      .limit(2)
      .toArray()
    const [exchanged, dropped] = holders.map((u) => ({
      _id: u._id,
      token: (u.refreshTokens as { token: string }[])[0]!.token,
    }))
    const refresh = (token: string) =>
      api('/api/auth/refresh-token', {
        method: 'POST',
        json: { refreshToken: token },
        headers: { 'cf-connecting-ip': freshIp() },
      })
    // Imported already by the describe above (same legacy data): the app exchanges one token.
    expect((await refresh(exchanged!.token)).status).toBe(200)
    await legacyUsers.updateMany(
      { _id: { $in: [exchanged!._id, dropped!._id] } },
      { $set: { refreshTokens: [] } },
    )
    const rerun = await importInto(target)
    expect(rerun.steps[0]!.writesByCollection).toEqual({ legacy_tokens: 1 })
    expect((await refresh(dropped!.token)).status).toBe(401)
    const revoked = await target.collection('legacy_tokens').findOne({ userId: dropped!._id })
    expect(revoked).toMatchObject({ revokedAt: expect.any(Date) })
  }, 120_000)
})

describe('legacy import of conferences', () => {
  let report: Awaited<ReturnType<typeof runImport>>

  beforeAll(async () => {
    report = await importInto(target, { steps: selectSteps(['conferences']) })
  }, 120_000)

  it('imports every conference and question with its id, and reports what dangles', () => {
    const [conferences, questions] = ['sanora.conferences', 'sanora.conferencequestions'].map(
      (name) => report.steps.find((s) => s.step === name),
    )
    expect(conferences).toMatchObject({
      step: 'sanora.conferences',
      read: fixtures.conferences,
      written: fixtures.conferences,
    })
    expect(conferences!.dangling.host!.count).toBe(fixtures.danglingHosts)
    expect(questions).toMatchObject({ read: fixtures.questions, written: fixtures.questions })
    expect(questions!.dangling.conference!.count).toBe(fixtures.orphanQuestions)
    expect(
      questions!.notes['results: counts disagree with totalResponses (kept as stored)']!.count,
    ).toBeGreaterThan(0)
  })

  it('opens an old conference by its old public code', async () => {
    const { id, publicCode } = fixtures.activeConference
    const found = await api(`/api/conference/by-code/${publicCode.toLowerCase()}`)
    expect(found.status).toBe(200)
    expect(found.body.conference.id).toBe(String(id))
    const questions = await target
      .collection('conference_questions')
      .find({ conferenceId: id })
      .sort({ order: 1 })
      .toArray()
    expect(questions.map((q) => q.options)).toEqual(
      Array(3).fill([
        { id: 'o1', text: 'Yes' },
        { id: 'o2', text: 'No' },
        { id: 'o3', text: 'Maybe' },
      ]),
    )
  })

  it('lets the audience join an old live conference by its code and vote; its host sees the count', async () => {
    const { id, publicCode, activeQuestionId, host } = fixtures.activeConference
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: host,
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    const hostSocket = await staffSocket(String(id), login.body.accessToken)
    const voters = await Promise.all(
      [0, 1, 2].map(() => joinAudience({ id: String(id), code: publicCode.toLowerCase() })),
    )
    const questionId = String(activeQuestionId)
    voters.forEach((v, i) =>
      v.socket.send({ type: 'vote', rid: `v${i}`, questionId, optionIds: [i < 2 ? 'o1' : 'o3'] }),
    )
    for (const [i, v] of voters.entries())
      expect(
        await v.socket.next((m) => m.rid === `v${i}`),
        JSON.stringify(v.socket.messages),
      ).toMatchObject({
        type: 'ack',
        questionId,
      })
    const stats = await hostSocket.next(
      (m) => m.type === 'room.stats' && m.results?.totalResponses === 3,
    )
    expect(stats.results.counts).toEqual({ o1: 2, o2: 0, o3: 1 })
    await Promise.all([hostSocket.close(), ...voters.map((v) => v.socket.close())])
  })

  it('writes nothing on a second run', async () => {
    const again = await importInto(target, { steps: selectSteps(['conferences']) })
    expect(again.steps.map((s) => s.written)).toEqual([0, 0, 0, 0])
  }, 120_000)
})

describe('legacy import of Videodesk meetings', () => {
  let report: Awaited<ReturnType<typeof runImport>>
  const signIn = async (who: { email: string; password: string }) => {
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email: who.email, password: who.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    return login.body.accessToken as string
  }

  beforeAll(async () => {
    // The users step ran above (the id map of merged accounts is its output).
    report = await importInto(target, { steps: selectSteps(['meetings']) })
  }, 120_000)

  it('imports every meeting of an existing owner, and reports the ones of deleted users', async () => {
    const [meetings] = report.steps
    expect(meetings).toMatchObject({
      step: 'videodesk.meetings',
      read: fixtures.meetings,
      written: fixtures.meetings - fixtures.danglingOwners,
      skipped: { 'owner does not exist': fixtures.danglingOwners },
    })
    expect(meetings!.failed.count).toBe(0)
    expect(meetings!.dangling.owner!.count).toBe(fixtures.danglingOwners)
    expect(
      await target
        .collection('meetings')
        .countDocuments({ 'legacy._import.source': 'videodesk.meetings', is_deleted: true }),
    ).toBe(fixtures.trashedMeetings)
  })

  it.each([
    ['an unmerged Videodesk user', () => fixtures.ownedMeeting],
    ['a Videodesk user merged into a Sanora account', () => fixtures.mergedOwnerMeeting],
  ])(
    'lists a meeting of %s to that account, with recordings that play from the old S3 key',
    async (_, meetingOf) => {
      const old = meetingOf()
      await putObject(old.recordingKey, 'old recording bytes', 'video/webm')
      await putObject(old.screenshotKey, 'old screenshot bytes', 'image/png')
      const token = await signIn(old)
      const list = await api('/api/v1/meetings/all?limit=100', { token })
      expect(list.status).toBe(200)
      expect(list.body.meetings.map((m: { id: string }) => m.id)).toContain(String(old.id))
      const read = await api(`/api/v1/meetings/${old.id}`, { token })
      expect(read.status).toBe(200)
      expect(read.body.meeting).toMatchObject({
        meeting_id: old.meetingId,
        recordings: [{ content_type: 'video/webm', duration: 30 }],
        screenshots: [{ content_type: 'image/png' }],
      })
      const played = await fetch(read.body.meeting.recordings[0].url)
      expect(played.status).toBe(200)
      expect(await played.text()).toBe('old recording bytes')
      expect((await fetch(read.body.meeting.screenshots[0].url)).status).toBe(200)
    },
  )

  it("keeps the owner's folders (the trashed one in the trash) and the meeting filed in one", async () => {
    const old = fixtures.ownedMeeting
    const token = await signIn(old)
    const names = async (trashed: boolean) => {
      const list = await api(`/api/v1/folders?trashed=${trashed}`, { token })
      expect(list.status, JSON.stringify(list.body)).toBe(200)
      return (list.body.folders as { id: string; name: string }[]).map((f) => [f.id, f.name])
    }
    expect(await names(false)).toEqual([[String(old.folderId), 'Jobs']])
    expect((await names(true)).map(([, name]) => name)).toEqual(['Old jobs'])
    const assignments = await api('/api/v1/folders/meeting-assignments', { token })
    expect(assignments.body.assignments).toEqual([
      expect.objectContaining({ meetingId: String(old.id), folderId: String(old.folderId) }),
    ])
    expect(report.steps[1]).toMatchObject({ step: 'videodesk.users:folders' })
    expect(report.steps[1]!.failed.count).toBe(0)
  })

  it('writes nothing on a second run', async () => {
    const again = await importInto(target, { steps: selectSteps(['meetings']) })
    expect(again.steps.map((s) => s.written)).toEqual([0, 0])
    expect(again.steps[0]!.unchanged).toBe(fixtures.meetings - fixtures.danglingOwners)
  }, 120_000)

  it("deletes an imported recording's own object only, never a neighbour sharing its key as a prefix", async () => {
    const old = fixtures.ownedMeeting
    await putObject(old.recordingKey, 'old recording bytes', 'video/webm')
    // Old keys are flat names in a shared folder: one may be another's prefix.
    const neighbour = `${old.recordingKey}-other-meeting`
    await putObject(neighbour, 'another meeting', 'video/webm')
    const token = await signIn(old)
    const read = await api(`/api/v1/meetings/${old.id}`, { token })
    const recordingId = read.body.meeting.recordings[0]._id ?? read.body.meeting.recordings[0].id
    const deleted = await api(`/api/v1/meetings/${old.id}/recordings/${recordingId}`, {
      method: 'DELETE',
      token,
    })
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200)
    expect(await storedKeys(old.recordingKey)).toEqual([neighbour])

    // The next run (the delta before the switch) does not bring the deleted file's record back.
    const again = await importInto(target, { steps: selectSteps(['meetings']) })
    expect(again.steps[0]!.written).toBe(0)
    expect(again.steps[0]!.notes['deleted here since an earlier import (not restored)']).toEqual({
      count: 1,
      samples: [{ collection: 'media', id: String(recordingId) }],
    })
    expect(await target.collection('media').findOne({ key: old.recordingKey })).toBeNull()
    const after = await api(`/api/v1/meetings/${old.id}`, { token })
    expect(after.body.meeting.recordings).toEqual([])
  }, 120_000)
})

describe('legacy import of Videodesk share-code uploads', () => {
  let report: Awaited<ReturnType<typeof runImport>>

  beforeAll(async () => {
    report = await importInto(target, { steps: selectSteps(['uploads']) })
  }, 120_000)

  it('imports every upload of an existing owner, and reports the ones of deleted users', () => {
    expect(report.steps[0]).toMatchObject({
      step: 'videodesk.uploads',
      read: fixtures.uploads,
      written: fixtures.uploads - fixtures.danglingUploadOwners,
      skipped: { 'owner does not exist': fixtures.danglingUploadOwners },
    })
    expect(report.steps[0]!.failed.count).toBe(0)
    expect(report.steps[0]!.dangling.owner!.count).toBe(fixtures.danglingUploadOwners)
  })

  it('shows an old upload to its owner, with files that load from the old S3 key', async () => {
    const old = fixtures.ownedUpload
    await putObject(old.imageKey, 'old image bytes', 'image/jpeg')
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email: old.email, password: old.password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    expect(login.status, JSON.stringify(login.body)).toBe(200)
    const token = login.body.accessToken as string
    const mine = await api('/api/v1/uploads/my?limit=100', { token })
    expect(mine.status).toBe(200)
    expect(mine.body.uploads.map((u: { id: string }) => u.id)).toContain(String(old.id))
    const read = await api(`/api/v1/upload/${old.accessCode}`, { token })
    expect(read.status, JSON.stringify(read.body)).toBe(200)
    const image = await fetch(read.body.upload.images[0].url)
    expect(await image.text()).toBe('old image bytes')
  })

  it('lets a resident open an upload whose code is in the older format, with house and postcode', async () => {
    const proof = fixtures.oldCodeUpload
    const headers = { 'cf-connecting-ip': freshIp() }
    const valid = await api('/api/v1/validate-access-code', {
      method: 'POST',
      json: proof,
      headers,
    })
    expect(valid.status, JSON.stringify(valid.body)).toBe(200)
    expect(valid.body.valid).toBe(true)
    const wrongHouse = await api('/api/v1/validate-access-code', {
      method: 'POST',
      json: { ...proof, house: 'Elsewhere 1' },
      headers,
    })
    expect(wrongHouse.status).toBe(403)
  })

  it('writes nothing on a second run', async () => {
    const again = await importInto(target, { steps: selectSteps(['uploads']) })
    expect(again.steps.map((s) => s.written)).toEqual([0])
  }, 120_000)
})

describe('legacy import of Videodesk chat histories', () => {
  it('imports each history of an existing user, readable by that user; a second run writes nothing', async () => {
    const report = await importInto(target, { steps: selectSteps(['chathistories']) })
    expect(report.steps[0]).toMatchObject({
      step: 'videodesk.chathistories',
      read: fixtures.chatHistories,
      written: fixtures.chatHistories - fixtures.danglingChatUsers,
      skipped: { 'user does not exist': fixtures.danglingChatUsers },
    })
    expect(report.steps[0]!.dangling.user!.count).toBe(fixtures.danglingChatUsers)
    const { email, password } = fixtures.ownedUpload
    const login = await api('/api/auth/login', {
      method: 'POST',
      json: { email, password },
      headers: { 'cf-connecting-ip': freshIp() },
    })
    const token = login.body.accessToken as string
    const chat = await api(`/api/v1/chat/sessions/${fixtures.ownedChat.sessionId}`, { token })
    expect(chat.status, JSON.stringify(chat.body)).toBe(200)
    expect(JSON.stringify(chat.body)).toContain('Usually under the kitchen sink.')
    const again = await importInto(target, { steps: selectSteps(['chathistories']) })
    expect(again.steps.map((s) => s.written)).toEqual([0])
  }, 120_000)
})

describe('legacy import runs', () => {
  it('--dry-run writes nothing, not even a checkpoint', async () => {
    const db = await scratchDb('dry')
    const report = await importInto(db, { dryRun: true })
    expect(report.steps[0]!.written).toBe(SCALE)
    expect(await db.collection('users').countDocuments()).toBe(0)
    expect(await db.collection('import_checkpoints').countDocuments()).toBe(0)
  }, 120_000)

  it('a run that crashed half way and was restarted ends with the data of an uninterrupted run', async () => {
    const whole = await scratchDb('whole')
    await importInto(whole)
    const resumed = await scratchDb('resumed')
    await expect(
      importInto(resumed, {
        afterBatchWrite: (step, batch) => {
          if (step === 'sanora.users' && batch === 4) throw new Error('injected crash')
        },
      }),
    ).rejects.toThrow('injected crash')
    const restart = await importInto(resumed)
    // Batch 4 was written but not checkpointed: it is read again, and found unchanged.
    expect(restart.steps[0]).toMatchObject({ read: SCALE - 750, unchanged: 250 })
    expect(await importedState(resumed)).toEqual(await importedState(whole))
  }, 240_000)
})
