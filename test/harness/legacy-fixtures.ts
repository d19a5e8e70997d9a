// Builds legacy Sanora and Videodesk databases shaped as their Mongoose models stored them (`__v`,
// `createdAt`/`updatedAt`, ObjectId refs, bcryptjs hashes, stored refresh tokens), with the
// awkward cases an import meets: the same email in both systems with and without proof, pending
// OTPs, references to deleted users. `scale` is the number of Sanora users.
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import { ObjectId, type Db } from 'mongodb'
import { buildGroupFixtures, type GroupFixtures } from './legacy/groups'

/** Passwords are drawn from a few, so that thousands of users cost a few bcrypt hashes. */
const LEGACY_PASSWORDS = ['old-pass-0', 'old-pass-1', 'old-pass-2', 'old-pass-3']

export interface LegacyFixtures {
  /** Social, courses, marketplace, conference hosts and speakers (test/harness/legacy/). */
  groups: GroupFixtures
  sanoraUsers: number
  videodeskUsers: number
  /** Same email, proven on both sides: one account expected. */
  provenPairs: {
    email: string
    sanoraId: ObjectId
    videodeskId: ObjectId
    sanoraPassword: string
    videodeskPassword: string
    /** Whether the Sanora account (the survivor) is active. */
    active: boolean
  }[]
  /** Same email, not proven on both sides: two accounts expected. */
  unprovenPairs: { email: string; sanoraId: ObjectId; videodeskId: ObjectId }[]
  /** A Sanora user with a stored refresh token, and its password. */
  withRefreshToken: { id: ObjectId; email: string; password: string; refreshToken: string }
  /** References to users that do not exist (`friends`). */
  danglingFriends: number
  conferences: number
  questions: number
  /** An ACTIVE conference and its public code in the old format (digits the new codes avoid). */
  activeConference: {
    id: ObjectId
    publicCode: string
    /** Its ACTIVE question (a live vote), and its host's sign-in. */
    activeQuestionId: ObjectId
    host: { email: string; password: string }
  }
  /** Conferences whose host (`hostModel: 'Host'`) does not exist; questions of no conference. */
  danglingHosts: number
  orphanQuestions: number
  meetings: number
  /** Meetings whose owner is no Videodesk user; meetings in the trash. */
  danglingOwners: number
  trashedMeetings: number
  /** An active meeting of an unmerged Videodesk user (its sign-in), with a recording's S3 key. */
  ownedMeeting: LegacyMeetingOf
  /** An active meeting of a Videodesk user merged into a Sanora account (the Sanora sign-in). */
  mergedOwnerMeeting: LegacyMeetingOf
  uploads: number
  /** Share-code uploads whose owner is no Videodesk user. */
  danglingUploadOwners: number
  /** An upload of an unmerged Videodesk user, with its code and an image's S3 key. */
  chatHistories: number
  /** Chat histories whose user is no Videodesk user. */
  danglingChatUsers: number
  /** A chat history of the same user as `ownedUpload`. */
  ownedChat: { sessionId: string }
  /** An upload of an existing owner whose code is in an older format, as a resident types it. */
  oldCodeUpload: { accessCode: string; house: string; postcode: string }
  ownedUpload: {
    id: ObjectId
    accessCode: string
    email: string
    password: string
    imageKey: string
  }
}

export interface LegacyMeetingOf {
  id: ObjectId
  /** Set on `ownedMeeting`: the folder its owner filed it in. */
  folderId?: ObjectId
  meetingId: string
  email: string
  password: string
  recordingKey: string
  screenshotKey: string
}

const day = 86_400_000

export async function buildLegacyFixtures(
  sanora: Db,
  videodesk: Db,
  opts: { scale: number; tag?: string },
): Promise<LegacyFixtures> {
  const tag = opts.tag ?? randomBytes(3).toString('hex')
  const hashes = await Promise.all(LEGACY_PASSWORDS.map((p) => bcrypt.hash(p, 4)))
  const base = Date.UTC(2024, 0, 1)
  const sanoraIds = Array.from({ length: opts.scale }, (_, i) =>
    ObjectId.createFromTime(base / 1000 + i),
  )
  const missing = () => new ObjectId()
  let danglingFriends = 0
  const sanoraDocs = sanoraIds.map((_id, i) => {
    const at = new Date(base + i * 60_000)
    const friends = [sanoraIds[(i + 1) % opts.scale]!]
    if (i % 97 === 0) {
      friends.push(missing())
      danglingFriends++
    }
    const doc: Record<string, unknown> = {
      _id,
      name: `Sanora ${i}`,
      email: `s${i}-${tag}@legacy.test`,
      password: hashes[i % hashes.length],
      role: i % 50 === 0 ? 'ADMIN' : i % 45 === 0 ? 'UNIVERSITY' : 'USER',
      isVerified: i % 3 !== 0,
      isActive: i % 200 !== 7,
      bio: `bio ${i}`,
      gender: i % 2 ? 'female' : 'male',
      friends,
      blockedUsers: [],
      professionalInfo: { company: `Co ${i % 10}` },
      contentPreferences: ['tech'],
      lastLogin: new Date(at.getTime() + day),
      refreshTokens:
        i % 4 === 0
          ? [{ token: randomBytes(32).toString('hex'), createdAt: at, deviceName: 'phone' }]
          : [],
      createdAt: at,
      updatedAt: at,
      __v: 0,
    }
    if (i % 5 === 0) {
      doc.phone = `+4470${String(i).padStart(8, '0')}`
      doc.isPhoneVerified = i % 10 === 0
    }
    return doc
  })
  // Videodesk: half as many accounts; the first ones share a Sanora email in every proof mix.
  const provenPairs: LegacyFixtures['provenPairs'] = []
  const unprovenPairs: LegacyFixtures['unprovenPairs'] = []
  const vdCount = Math.floor(opts.scale / 2)
  const vdDocs = Array.from({ length: vdCount }, (_, i) => {
    const _id = ObjectId.createFromTime(base / 1000 + 10_000_000 + i)
    const at = new Date(base + i * 90_000)
    const shared = i < opts.scale / 10 ? sanoraDocs[i]! : undefined
    const completedOtp = i % 4 !== 1
    const doc: Record<string, unknown> = {
      _id,
      email: shared ? String(shared.email).toUpperCase() : `v${i}-${tag}@legacy.test`,
      password: hashes[(i + 1) % hashes.length],
      role: i === 5 ? 'admin' : 'user',
      logo: i % 3 === 0 ? `https://cdn.legacy.test/logo-${i}.png` : undefined,
      landlordInfo: { landlordName: `Landlord ${i}`, brandColor: '#112233' },
      messageSettings: {
        messageOption: 'custom',
        customMessage: `Hi from ${i}`,
        senderName: 'Desk',
        includeLogo: true,
      },
      paginationSettings: { meetingsPerPage: 25, uploadsPerPage: 10, chatSessionsPerPage: 20 },
      folders: [{ _id: new ObjectId(), name: 'Jobs' }],
      timezone: 'Europe/London',
      createdAt: at,
      updatedAt: at,
      __v: 0,
    }
    if (doc.logo === undefined) delete doc.logo
    if (completedOtp) doc.lastLogin = new Date(at.getTime() + day)
    else {
      doc.otp = '123456'
      doc.otpExpiry = new Date(at.getTime() + 600_000)
    }
    if (shared) {
      const pair = {
        email: String(shared.email),
        sanoraId: shared._id as ObjectId,
        videodeskId: _id,
      }
      if (shared.isVerified && completedOtp)
        provenPairs.push({
          ...pair,
          sanoraPassword: LEGACY_PASSWORDS[i % LEGACY_PASSWORDS.length]!,
          videodeskPassword: LEGACY_PASSWORDS[(i + 1) % LEGACY_PASSWORDS.length]!,
          active: shared.isActive === true,
        })
      else unprovenPairs.push(pair)
    }
    return doc
  })
  const tokenHolder = sanoraDocs.find(
    (d) =>
      d.isVerified &&
      d.isActive &&
      (d.refreshTokens as unknown[]).length > 0 &&
      !provenPairs.some((p) => p.sanoraId.equals(d._id as ObjectId)),
  )!
  const { conferences, questions, danglingHosts, orphanQuestions } = legacyConferences(
    sanoraIds,
    Math.max(3, Math.floor(opts.scale / 10)),
    tag,
  )
  const meetings = legacyMeetings(
    vdDocs.map((d) => d._id as ObjectId),
    Math.floor(opts.scale * 1.5),
    tag,
  )
  const signInOf = (meeting: Record<string, unknown>, ownerIndex: number): LegacyMeetingOf => {
    const vd = vdDocs[ownerIndex]!
    const pair = provenPairs.find((p) => p.videodeskId.equals(vd._id as ObjectId))
    const sanoraIndex = pair
      ? sanoraDocs.findIndex((d) => pair.sanoraId.equals(d._id as ObjectId))
      : -1
    return {
      id: meeting._id as ObjectId,
      meetingId: String(meeting.meeting_id),
      email: pair ? pair.email : String(vd.email),
      password: pair
        ? LEGACY_PASSWORDS[sanoraIndex % LEGACY_PASSWORDS.length]!
        : LEGACY_PASSWORDS[(ownerIndex + 1) % LEGACY_PASSWORDS.length]!,
      recordingKey: (meeting.recordings as { s3Key: string }[])[0]!.s3Key,
      screenshotKey: (meeting.screenshots as { key: string }[])[0]!.key,
    }
  }
  const activeOf = (ownerOk: (i: number) => boolean) => {
    const found = meetings.docs.findIndex(
      (m, k) =>
        meetings.ownerIndex[k]! >= 0 &&
        !m.is_deleted &&
        !m.is_archived &&
        ownerOk(meetings.ownerIndex[k]!),
    )
    return signInOf(meetings.docs[found]!, meetings.ownerIndex[found]!)
  }
  const merged = new Set(provenPairs.map((p) => String(p.videodeskId)))
  // A merged owner whose Sanora account can sign in (not deactivated).
  const mergedActive = new Set(
    provenPairs
      .filter((p) => sanoraDocs.find((d) => p.sanoraId.equals(d._id as ObjectId))!.isActive)
      .map((p) => String(p.videodeskId)),
  )
  const ownedMeeting = activeOf(
    (i) => i >= opts.scale / 10 && !!vdDocs[i]!.lastLogin && !merged.has(String(vdDocs[i]!._id)),
  )
  const mergedOwnerMeeting = activeOf((i) => mergedActive.has(String(vdDocs[i]!._id)))
  // Its owner filed the owned meeting in a folder, and keeps a trashed one.
  const filer = vdDocs.find((d) => ownedMeeting.email === d.email)!
  const jobsFolder = (filer.folders as { _id: ObjectId }[])[0]!._id
  ;(filer.folders as unknown[]).push({ _id: new ObjectId(), name: 'Old jobs', isDeleted: true })
  filer.meetingFolders = [{ meetingId: ownedMeeting.id, folderId: jobsFolder }]
  await insertInChunks(videodesk, 'meetings', meetings.docs)
  const uploads = legacyUploads(
    vdDocs.map((d) => d._id as ObjectId),
    Math.floor(opts.scale / 2),
    tag,
  )
  const ownedUploadIndex = uploads.docs.findIndex((u, k) => {
    const i = uploads.ownerIndex[k]!
    return (
      i >= opts.scale / 10 &&
      !u.isDeleted &&
      !!vdDocs[i]!.lastLogin &&
      /^[0-9A-Z]{10}$/.test(String(u.accessCode))
    )
  })
  const oldCodeUploadDoc = uploads.docs.find(
    (u, k) => uploads.ownerIndex[k]! >= 0 && !u.isDeleted && String(u.accessCode).includes('-'),
  )!
  const ownedUploadDoc = uploads.docs[ownedUploadIndex]!
  const ownedUploadOwner = uploads.ownerIndex[ownedUploadIndex]!
  await insertInChunks(videodesk, 'uploads', uploads.docs)
  const chats = legacyChatHistories(
    vdDocs.map((d) => d._id as ObjectId),
    Math.floor(opts.scale / 4),
    ownedUploadOwner,
    tag,
  )
  await insertInChunks(videodesk, 'chathistories', chats.docs)
  await insertInChunks(sanora, 'conferences', conferences)
  await insertInChunks(sanora, 'conferencequestions', questions)
  await insertInChunks(sanora, 'users', sanoraDocs)
  await insertInChunks(videodesk, 'users', vdDocs)
  // Mongoose's `unique: true` on email creates these.
  await sanora.collection('users').createIndex({ email: 1 }, { unique: true, sparse: true })
  await videodesk.collection('users').createIndex({ email: 1 }, { unique: true })
  const groups = await buildGroupFixtures({
    sanora,
    videodesk,
    accounts: sanoraDocs.map((d, i) => ({
      id: d._id as ObjectId,
      email: String(d.email),
      password: LEGACY_PASSWORDS[i % LEGACY_PASSWORDS.length]!,
      role: String(d.role),
      isActive: d.isActive === true,
      isVerified: d.isVerified === true,
      isPhoneVerified: d.isPhoneVerified === true,
    })),
    scale: opts.scale,
    tag,
    base,
  })
  return {
    groups,
    sanoraUsers: sanoraDocs.length,
    videodeskUsers: vdDocs.length,
    provenPairs,
    unprovenPairs,
    withRefreshToken: {
      id: tokenHolder._id as ObjectId,
      email: String(tokenHolder.email),
      password: LEGACY_PASSWORDS[sanoraDocs.indexOf(tokenHolder) % LEGACY_PASSWORDS.length]!,
      refreshToken: (tokenHolder.refreshTokens as { token: string }[])[0]!.token,
    },
    danglingFriends,
    conferences: conferences.length,
    questions: questions.length,
    activeConference: activeConferenceOf(conferences[1]!, questions, sanoraDocs),
    danglingHosts,
    orphanQuestions,
    meetings: meetings.docs.length,
    danglingOwners: meetings.danglingOwners,
    trashedMeetings: meetings.docs.filter((m) => m.is_deleted).length,
    ownedMeeting: { ...ownedMeeting, folderId: jobsFolder },
    mergedOwnerMeeting,
    chatHistories: chats.docs.length,
    danglingChatUsers: chats.danglingUsers,
    ownedChat: { sessionId: String(chats.docs[0]!.sessionId) },
    uploads: uploads.docs.length,
    danglingUploadOwners: uploads.danglingOwners,
    oldCodeUpload: {
      accessCode: String(oldCodeUploadDoc.accessCode).toLowerCase(),
      house: String(oldCodeUploadDoc.house_name_number),
      postcode: String(oldCodeUploadDoc.post_code),
    },
    ownedUpload: {
      id: ownedUploadDoc._id as ObjectId,
      accessCode: String(ownedUploadDoc.accessCode),
      email: String(vdDocs[ownedUploadOwner]!.email),
      password: LEGACY_PASSWORDS[(ownedUploadOwner + 1) % LEGACY_PASSWORDS.length]!,
      imageKey: (ownedUploadDoc.images as { s3Key: string }[])[0]!.s3Key,
    },
  }
}

/**
 * Videodesk assistant chat histories, one per user and session id, the first one of `firstOwner`;
 * some of a deleted user.
 */
function legacyChatHistories(owners: ObjectId[], count: number, firstOwner: number, tag: string) {
  const base = Date.UTC(2024, 7, 1)
  let danglingUsers = 0
  const docs: Record<string, unknown>[] = []
  for (let k = 0; k < count; k++) {
    const at = new Date(base + k * 600_000)
    const missing = k % 40 === 13
    if (missing) danglingUsers++
    docs.push({
      _id: ObjectId.createFromTime(base / 1000 + 40_000_000 + k),
      userId: missing ? new ObjectId() : owners[k === 0 ? firstOwner : (k * 13) % owners.length],
      sessionId: `${tag}-chat-${k}`,
      title: `Chat ${k}`,
      messages: [
        { _id: new ObjectId(), role: 'user', content: 'Where is my stopcock?', timestamp: at },
        {
          _id: new ObjectId(),
          role: 'assistant',
          content: 'Usually under the kitchen sink.',
          timestamp: at,
          feedback: { rating: k % 2 ? 'positive' : 'negative' },
        },
      ],
      createdAt: at,
      updatedAt: at,
      __v: 0,
    })
  }
  return { docs, danglingUsers }
}

/** Ten symbols of the share-code alphabet (no I, L, O, U), as this system's codes are. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const shareCode = () => Array.from(randomBytes(10), (b) => CODE_ALPHABET[b & 31]).join('')

/**
 * Videodesk share-code uploads: the owner in `userId` or `owner`, some of a deleted user, some in
 * the trash, some with codes in an older format, each with an image and a video under the old S3
 * prefixes. `ownerIndex` is the owner's index in `owners`, -1 if none.
 */
function legacyUploads(owners: ObjectId[], count: number, tag: string) {
  const base = Date.UTC(2024, 6, 1)
  let danglingOwners = 0
  const docs: Record<string, unknown>[] = []
  const ownerIndex: number[] = []
  for (let k = 0; k < count; k++) {
    const at = new Date(base + k * 600_000)
    const missingOwner = k % 40 === 21
    if (missingOwner) danglingOwners++
    const index = missingOwner ? -1 : (k * 11) % owners.length
    ownerIndex.push(index)
    const owner = missingOwner ? new ObjectId() : owners[index]!
    docs.push({
      _id: ObjectId.createFromTime(base / 1000 + 30_000_000 + k),
      [k % 2 ? 'userId' : 'owner']: owner,
      accessCode: k % 50 === 7 ? `${tag}-${k}` : shareCode(),
      first_name: 'Resident',
      last_name: String(k),
      house_name_number: `${k} Old Street`,
      post_code: 'AB1 2CD',
      images: [
        {
          _id: new ObjectId(),
          s3Key: `upload_images/${tag}/${k}.jpg`,
          size: 300,
          mimeType: 'image/jpeg',
        },
      ],
      videos: [{ key: `upload_videos/${tag}/${k}.webm`, size: 900 }],
      accessCount: k % 3,
      isDeleted: k % 10 === 5,
      notificationSent: k % 2 === 0,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    })
  }
  return { docs, ownerIndex, danglingOwners }
}

const OWNER_FIELDS = ['owner', 'userId', 'created_by'] as const

/**
 * Videodesk meetings: the owner in each of the model's three fields (as an ObjectId or a hex
 * string), some of a deleted user, some trashed or archived, each with a recording and a
 * screenshot under the old S3 prefixes. `ownerIndex` is the owner's index in `owners`, -1 if none.
 */
function legacyMeetings(owners: ObjectId[], count: number, tag: string) {
  const base = Date.UTC(2024, 4, 1)
  let danglingOwners = 0
  const docs: Record<string, unknown>[] = []
  const ownerIndex: number[] = []
  for (let k = 0; k < count; k++) {
    const at = new Date(base + k * 600_000)
    const _id = ObjectId.createFromTime(base / 1000 + 20_000_000 + k)
    const missingOwner = k % 40 === 39
    if (missingOwner) danglingOwners++
    const index = missingOwner ? -1 : (k * 7) % owners.length
    ownerIndex.push(index)
    const owner = missingOwner ? new ObjectId() : owners[index]!
    const doc: Record<string, unknown> = {
      _id,
      meeting_id: `${tag}-meeting-${k}`,
      [OWNER_FIELDS[k % 3]!]: k % 2 ? owner : owner.toHexString(),
      name: `Resident ${k}`,
      address: `${k} Old Street`,
      post_code: 'AB1 2CD',
      reference: `REF-${k}`,
      repair_detail: 'Leaking tap',
      recordings: [
        {
          _id: new ObjectId(),
          s3Key: `videodesk_recordings/${tag}/${k}.webm`,
          url: `https://videodesk-old.s3.eu-west-2.amazonaws.com/videodesk_recordings/${tag}/${k}.webm`,
          size: 2048,
          duration: 30,
          timestamp: at,
        },
      ],
      screenshots: [
        {
          _id: new ObjectId(),
          key: `videodesk_screenshots/${tag}/${k}.png`,
          size: 512,
          timestamp: at,
        },
      ],
      access_history: k % 5 === 0 ? [{ accessedAt: at, visitor_name: 'Resident' }] : [],
      total_access: k % 5 === 0 ? 1 : 0,
      is_archived: k % 10 === 4,
      is_deleted: k % 10 === 3,
      createdAt: at,
      updatedAt: at,
      __v: 0,
    }
    if (doc.is_archived) doc.archived_at = at
    // The old cron deleted meetings trashed more than 10 days ago: the trash holds recent ones.
    if (doc.is_deleted) doc.deleted_at = new Date(Date.now() - (k % 9) * day)
    docs.push(doc)
  }
  return { docs, ownerIndex, danglingOwners }
}

const STATUSES = ['DRAFT', 'active', 'ENDED']

/** Conferences (every third one ACTIVE) with three poll questions each, results on the closed. */
function legacyConferences(hosts: ObjectId[], count: number, tag: string) {
  const base = Date.UTC(2024, 2, 1)
  let danglingHosts = 0
  let orphanQuestions = 0
  const conferences: Record<string, unknown>[] = []
  const questions: Record<string, unknown>[] = []
  const codeTag = tag
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, 3)
  for (let i = 0; i < count; i++) {
    const _id = ObjectId.createFromTime(base / 1000 + i)
    const at = new Date(base + i * 3_600_000)
    const byMissingHost = i % 25 === 24
    if (byMissingHost) danglingHosts++
    conferences.push({
      _id,
      title: `Conference ${i}`,
      description: 'Old conference',
      host: byMissingHost ? new ObjectId() : hosts[i % hosts.length],
      hostModel: byMissingHost ? 'Host' : 'User',
      speakers: [{ name: `Speaker ${i}`, email: `speaker${i}@legacy.test` }],
      // Old codes: letters and digits, including the 0 and 1 our codes leave out.
      publicCode: `${codeTag}${String(i).padStart(4, '0')}`.slice(0, 10),
      qrCode: `data:image/png;base64,AAAA${i}`,
      date: at,
      startTime: '10:00',
      endTime: '11:00',
      status: STATUSES[i % STATUSES.length],
      createdAt: at,
      updatedAt: at,
      __v: 0,
    })
    for (let q = 0; q < 3; q++) {
      const closed = i % 3 === 2
      const counts = [q + 1, 2, 0]
      questions.push({
        _id: ObjectId.createFromTime(base / 1000 + 1_000_000 + i * 3 + q),
        conference: _id,
        question: `Question ${q} of ${i}`,
        options: ['Yes', 'No', 'Maybe'],
        order: q + 1,
        status: closed ? 'CLOSED' : q === 0 && i % 3 === 1 ? 'ACTIVE' : 'DRAFT',
        ...(closed
          ? {
              results: {
                counts,
                totalResponses: counts.reduce((a, n) => a + n, 0) + (q === 2 ? 1 : 0),
              },
            }
          : {}),
        createdAt: at,
        updatedAt: at,
        __v: 0,
      })
    }
  }
  for (let k = 0; k < 2; k++) {
    orphanQuestions++
    questions.push({
      _id: ObjectId.createFromTime(base / 1000 + 2_000_000 + k),
      conference: new ObjectId(),
      question: 'Of a deleted conference',
      options: ['A', 'B'],
      order: 1,
      status: 'DRAFT',
      createdAt: new Date(base),
      updatedAt: new Date(base),
      __v: 0,
    })
  }
  return { conferences, questions, danglingHosts, orphanQuestions }
}

/** A live conference, its open question and its host (a Sanora user) with the host's password. */
function activeConferenceOf(
  conference: Record<string, unknown>,
  questions: Record<string, unknown>[],
  sanoraDocs: Record<string, unknown>[],
): LegacyFixtures['activeConference'] {
  const id = conference._id as ObjectId
  const hostIndex = sanoraDocs.findIndex((d) =>
    (d._id as ObjectId).equals(conference.host as ObjectId),
  )
  const host = sanoraDocs[hostIndex]!
  return {
    id,
    publicCode: String(conference.publicCode),
    activeQuestionId: questions.find(
      (q) => (q.conference as ObjectId).equals(id) && q.status === 'ACTIVE',
    )!._id as ObjectId,
    host: {
      email: String(host.email),
      password: LEGACY_PASSWORDS[hostIndex % LEGACY_PASSWORDS.length]!,
    },
  }
}

async function insertInChunks(db: Db, collection: string, docs: Record<string, unknown>[]) {
  for (let i = 0; i < docs.length; i += 1000)
    await db.collection(collection).insertMany(docs.slice(i, i + 1000))
}
