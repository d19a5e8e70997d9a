// Sanora's social collections as its Mongoose models stored them: posts and reels with S3 media
// URLs, comments and replies, likes of posts, reels and comments (in every field variant, some
// twice, some of deleted things), stories (active, just expired, long gone) with viewers,
// conversations and messages with read marks, and friends and blocks on the users. Stored
// counters disagree with reality here and there. Answers the expected figures and a showcase of
// signed-in-able accounts with their posts, chat, friendship and block.
import { ObjectId, type Db } from 'mongodb'
import type { GroupFixtureContext, LegacyAccount } from './groups'

type Doc = Record<string, unknown>

export interface SocialFixtures {
  posts: { read: number; deleted: number; danglingAuthors: number; likesDiffer: number }
  reels: { read: number }
  comments: { read: number; ofMissingPosts: number; replyToReply: number }
  likes: {
    read: number
    duplicates: number
    /** Skipped: of deleted or missing posts; of which missing (a dangling reference). */
    ofMissingTargets: number
    danglingTargets: number
  }
  stories: { read: number; active: number; expired: number; gone: number; views: number }
  conversations: { read: number; duplicatePairs: number }
  messages: { read: number; ofMissingConversations: number }
  friendships: number
  blocks: number
  danglingBlocks: number
  showcase: {
    /** Signs in; wrote `post`, is friends with `friend`, chats with `friend`. */
    author: LegacyAccount
    friend: LegacyAccount
    /** Signs in; is in none of the above. */
    stranger: LegacyAccount
    blocker: LegacyAccount
    blocked: LegacyAccount
    post: { id: ObjectId; mediaKey: string; likes: number; comments: number }
    /** The friend's friends-only post. */
    privatePost: ObjectId
    conversation: { id: ObjectId; messages: number; unreadForAuthor: number }
    story: ObjectId
    expiredStory: ObjectId
  }
}

const hour = 3_600_000
const BUCKET = 'https://sanora-media.s3.eu-west-2.amazonaws.com'

export async function buildSocialFixtures(ctx: GroupFixtureContext): Promise<SocialFixtures> {
  const { sanora, accounts, base, tag } = ctx
  const n = accounts.length
  const idAt = (offset: number, k: number) => ObjectId.createFromTime(base / 1000 + offset + k)
  const at = (k: number) => new Date(base + 90 * 86_400_000 + k * 60_000)
  const usable = accounts.filter((a) => a.isActive && a.isVerified)
  const [author, friend, stranger, blocker, blocked] = usable as [
    LegacyAccount,
    LegacyAccount,
    LegacyAccount,
    LegacyAccount,
    LegacyAccount,
  ]
  const user = (k: number) => accounts[k % n]!.id

  // ---- posts and reels --------------------------------------------------------------------
  const posts: Doc[] = []
  const likesOf = new Map<string, Set<string>>()
  const commentsOf = new Map<string, number>()
  const postCount = 2 * n
  for (let k = 0; k < postCount; k++) {
    const _id = idAt(50_000_000, k)
    const deleted = k % 71 === 9
    const missingAuthor = k % 53 === 1
    const doc: Doc = {
      _id,
      [k % 2 ? 'user' : 'userId']: missingAuthor ? new ObjectId() : user(k * 7),
      [k % 3 ? 'content' : 'text']: `Post ${k} ${tag}`,
      media:
        k % 3 === 0
          ? [{ url: `${BUCKET}/posts/${tag}/p${k}.jpg`, type: 'image' }]
          : k % 3 === 1
            ? [`${BUCKET}/posts/${tag}/p${k}.mp4`]
            : [],
      visibility: k % 4 === 0 ? 'private' : 'public',
      createdAt: at(k),
      updatedAt: at(k),
      __v: 0,
    }
    if (k % 89 === 7) (doc.media as unknown[]).push('https://res.cloudinary.com/sanora/x.jpg')
    if (deleted) doc.isDeleted = true
    posts.push(doc)
  }
  // The newest two: the first page of a feed.
  const showcasePost = posts[postCount - 1]!
  Object.assign(showcasePost, {
    userId: author.id,
    visibility: 'public',
    media: [{ url: `${BUCKET}/posts/${tag}/showcase.jpg`, type: 'image' }],
  })
  const privatePost = posts[postCount - 2]!
  Object.assign(privatePost, { userId: friend.id, visibility: 'private' })
  for (const p of [showcasePost, privatePost]) {
    delete p.user
    delete p.isDeleted
  }
  const known = new Set(accounts.map((a) => String(a.id)))
  const deletedPosts = posts.filter((p) => p.isDeleted === true).length
  const danglingAuthors = posts.filter(
    (p) => p.isDeleted !== true && !known.has(String(p.user ?? p.userId)),
  ).length
  const reels: Doc[] = Array.from({ length: Math.ceil(n / 3) }, (_, k) => ({
    _id: idAt(51_000_000, k),
    userId: user(k * 5 + 3),
    caption: `Reel ${k}`,
    video: `${BUCKET}/reels/${tag}/r${k}.mp4`,
    thumbnail: `${BUCKET}/reels/${tag}/r${k}.jpg`,
    createdAt: at(k),
    updatedAt: at(k),
    __v: 0,
  }))
  const live = posts.filter((p) => p.isDeleted !== true)

  // ---- comments -----------------------------------------------------------------------------
  const comments: Doc[] = []
  let ofMissingPosts = 0
  let replyToReply = 0
  const commentId = () => idAt(52_000_000, comments.length)
  const addComment = (post: Doc, fields: Doc) => {
    const doc: Doc = {
      _id: commentId(),
      post: post._id,
      user: user(comments.length * 11),
      text: `Comment ${comments.length}`,
      createdAt: at(comments.length),
      updatedAt: at(comments.length),
      __v: 0,
      ...fields,
    }
    comments.push(doc)
    const key = String(post._id)
    commentsOf.set(key, (commentsOf.get(key) ?? 0) + 1)
    return doc
  }
  live.forEach((post, k) => {
    if (post === showcasePost) return
    const first = k % 3 > 0 ? addComment(post, {}) : undefined
    if (first && k % 3 === 2) {
      const reply = addComment(post, { parentComment: first._id, content: 'reply', text: null })
      if (k % 30 === 2) {
        addComment(post, { parentComment: reply._id })
        replyToReply++
      }
    }
  })
  const showcaseComment = addComment(showcasePost, { user: friend.id })
  addComment(showcasePost, { user: author.id, parentComment: showcaseComment._id })
  for (const reel of reels.slice(0, 10)) {
    comments.push({
      _id: commentId(),
      reel: reel._id,
      userId: user(3),
      comment: 'Nice reel',
      createdAt: at(1),
      __v: 0,
    })
  }
  for (let k = 0; k < 5; k++) {
    comments.push({ _id: commentId(), post: new ObjectId(), user: user(k), text: 'orphan', __v: 0 })
    ofMissingPosts++
  }

  // ---- likes --------------------------------------------------------------------------------
  const likes: Doc[] = []
  let duplicates = 0
  let ofMissingTargets = 0
  const like = (fields: Doc) =>
    likes.push({
      _id: idAt(53_000_000, likes.length),
      createdAt: at(likes.length),
      __v: 0,
      ...fields,
    })
  const likePost = (post: Doc, liker: ObjectId, variant: number) => {
    like(
      variant % 2
        ? { user: liker, post: post._id }
        : { userId: liker, targetId: post._id, targetType: 'Post' },
    )
    const set = likesOf.get(String(post._id)) ?? new Set<string>()
    set.add(String(liker))
    likesOf.set(String(post._id), set)
  }
  live.forEach((post, k) => {
    if (post === showcasePost) return
    for (let j = 0; j < k % 3; j++) likePost(post, user(k * 7 + j * 13 + 1), k + j)
    if (k % 25 === 1 && k % 3 > 0) {
      // The same person twice: the old API's race between two taps.
      likePost(post, user(k * 7 + 1), k + 1)
      duplicates++
    }
  })
  likePost(showcasePost, friend.id, 1)
  likePost(showcasePost, stranger.id, 2)
  likePost(showcasePost, friend.id, 2)
  duplicates++
  reels
    .slice(0, 20)
    .forEach((reel, k) => like({ user: user(k), targetId: reel._id, onModel: 'Reel' }))
  comments
    .filter((c, k) => c.post && k % 5 === 0 && String(c.text) !== 'orphan')
    .forEach((c, k) => like({ user: user(k + 2), comment: c._id }))
  for (const deleted of posts.filter((p) => p.isDeleted === true)) {
    like({ user: user(1), post: deleted._id })
    ofMissingTargets++
  }
  const danglingTargets = 4
  for (let k = 0; k < danglingTargets; k++) {
    like({ user: user(k), post: new ObjectId() })
    ofMissingTargets++
  }
  // The old stored counters: mostly right, some off.
  for (const [k, post] of posts.entries()) {
    post.likesCount = (likesOf.get(String(post._id))?.size ?? 0) + (k % 10 === 0 ? 1 : 0)
    post.commentsCount = commentsOf.get(String(post._id)) ?? 0
  }
  // Posts of deleted authors are imported too (the reference is reported), so they count.
  const likesDiffer = posts.filter((p, k) => p.isDeleted !== true && k % 10 === 0).length

  // ---- stories ------------------------------------------------------------------------------
  const now = Date.now()
  const stories: Doc[] = []
  let views = 0
  const storyCount = Math.max(9, Math.floor(n / 3))
  for (let k = 0; k < storyCount; k++) {
    const phase = k % 3
    const createdAt =
      phase === 0
        ? new Date(now - 2 * hour)
        : phase === 1
          ? new Date(now - 30 * hour)
          : new Date(base + k * 60_000)
    const owner = user(k * 3 + 1)
    const viewers = [user(k * 3 + 2), user(k * 3 + 4), user(k * 3 + 2), owner]
    if (phase === 0) views += 2
    const doc: Doc = {
      _id: idAt(54_000_000, k),
      user: owner,
      media: `${BUCKET}/stories/${tag}/s${k}.jpg`,
      mediaType: 'image',
      caption: `Story ${k}`,
      viewers: k % 2 ? viewers : viewers.map((v) => ({ user: v, viewedAt: createdAt })),
      viewsCount: k % 6 === 0 ? 7 : 2,
      createdAt,
      updatedAt: createdAt,
      __v: 0,
    }
    if (phase === 0) doc.expiresAt = new Date(createdAt.getTime() + 24 * hour)
    stories.push(doc)
  }
  Object.assign(stories[0]!, { user: author.id, viewers: [friend.id] })
  views -= 1

  // ---- conversations and messages -----------------------------------------------------------
  const conversations: Doc[] = []
  const messages: Doc[] = []
  let ofMissingConversations = 0
  const convCount = Math.max(4, Math.floor(n / 4))
  const showcaseConversation: Doc = {
    _id: idAt(55_000_000, 0),
    participants: [author.id, friend.id],
    createdAt: at(0),
    updatedAt: at(0),
    __v: 0,
  }
  conversations.push(showcaseConversation)
  for (let c = 1; c < convCount; c++) {
    const group = c % 10 === 0
    const members = group
      ? [user(2 * c + 10), user(2 * c + 11), user(2 * c + 12)]
      : [user(2 * c + 10), user(2 * c + 11)]
    conversations.push({
      _id: idAt(55_000_000, c),
      participants: members,
      ...(group ? { isGroup: true, groupName: `Group ${c}`, groupAdmin: members[0] } : {}),
      createdAt: at(c),
      updatedAt: at(c),
      __v: 0,
    })
  }
  // The same pair twice (ours keep one 1:1 conversation per pair).
  conversations.push({
    _id: idAt(55_000_000, convCount),
    participants: [friend.id, author.id],
    createdAt: at(1),
    __v: 0,
  })
  const addMessage = (conversation: Doc, sender: ObjectId, fields: Doc = {}) =>
    messages.push({
      _id: idAt(56_000_000, messages.length),
      [messages.length % 2 ? 'conversation' : 'conversationId']: conversation._id,
      sender,
      text: `Message ${messages.length}`,
      createdAt: at(messages.length),
      updatedAt: at(messages.length),
      __v: 0,
      ...fields,
    })
  // Interleaved across conversations, as they were written.
  for (let round = 0; round < 4; round++)
    for (const conversation of conversations.slice(1, convCount)) {
      const members = conversation.participants as ObjectId[]
      addMessage(conversation, members[round % members.length]!, {
        readBy: round < 2 ? members : [],
      })
    }
  addMessage(showcaseConversation, author.id, { isRead: true })
  addMessage(showcaseConversation, friend.id, { isRead: true })
  addMessage(showcaseConversation, friend.id, { isRead: false })
  for (let k = 0; k < 3; k++) {
    addMessage({ _id: new ObjectId() }, user(k))
    ofMissingConversations++
  }

  // ---- friends and blocks on the users ------------------------------------------------------
  // The base users list their next user as a friend (one side); make some pairs mutual, block a
  // few (one of them a friend: no friendship then, one of a deleted user).
  const users = sanora.collection('users')
  const mutual = accounts.filter((_, i) => i % 10 === 0).map((a, j) => [a, accounts[j * 10 + 1]!])
  for (const [a, b] of mutual)
    await users.updateOne({ _id: b!.id }, { $push: { friends: a!.id } } as never)
  await users.updateOne({ _id: friend.id }, { $addToSet: { friends: author.id } } as never)
  const blockers = accounts.filter((_, i) => i % 60 === 11)
  for (const a of blockers) {
    const i = accounts.indexOf(a)
    await users.updateOne(
      { _id: a.id },
      { $set: { blockedUsers: [accounts[(i + 1) % n]!.id, accounts[(i + 5) % n]!.id] } },
    )
  }
  await users.updateOne(
    { _id: blocker.id },
    { $set: { blockedUsers: [blocked.id, new ObjectId()] } },
  )
  const afterUpdate = await users
    .find({}, { projection: { friends: 1, blockedUsers: 1 } })
    .toArray()
  const exists = new Set(afterUpdate.map((u) => String(u._id)))
  const blockedPairs = new Set<string>()
  let blockCount = 0
  let danglingBlocks = 0
  for (const u of afterUpdate)
    for (const b of (u.blockedUsers as ObjectId[] | undefined) ?? []) {
      if (!exists.has(String(b))) {
        danglingBlocks++
        continue
      }
      blockCount++
      blockedPairs.add([String(u._id), String(b)].sort().join(':'))
    }
  const friendPairs = new Set<string>()
  for (const u of afterUpdate)
    for (const f of (u.friends as ObjectId[] | undefined) ?? []) {
      const pair = [String(u._id), String(f)].sort().join(':')
      if (exists.has(String(f)) && String(f) !== String(u._id) && !blockedPairs.has(pair))
        friendPairs.add(pair)
    }

  await insertInChunks(sanora, 'posts', posts)
  await insertInChunks(sanora, 'reels', reels)
  await insertInChunks(sanora, 'comments', comments)
  await insertInChunks(sanora, 'likes', likes)
  await insertInChunks(sanora, 'stories', stories)
  await insertInChunks(sanora, 'conversations', conversations)
  await insertInChunks(sanora, 'messages', messages)

  return {
    posts: { read: posts.length, deleted: deletedPosts, danglingAuthors, likesDiffer },
    reels: { read: reels.length },
    comments: { read: comments.length, ofMissingPosts, replyToReply },
    likes: { read: likes.length, duplicates, ofMissingTargets, danglingTargets },
    stories: {
      read: stories.length,
      active: stories.filter((_, k) => k % 3 === 0).length,
      expired: stories.filter((_, k) => k % 3 === 1).length,
      gone: stories.filter((_, k) => k % 3 === 2).length,
      views,
    },
    conversations: { read: conversations.length, duplicatePairs: 1 },
    messages: { read: messages.length, ofMissingConversations },
    friendships: friendPairs.size,
    blocks: blockCount,
    danglingBlocks,
    showcase: {
      author,
      friend,
      stranger,
      blocker,
      blocked,
      post: {
        id: showcasePost._id as ObjectId,
        mediaKey: `posts/${tag}/showcase.jpg`,
        likes: 2,
        comments: 2,
      },
      privatePost: privatePost._id as ObjectId,
      conversation: { id: showcaseConversation._id as ObjectId, messages: 3, unreadForAuthor: 1 },
      story: stories[0]!._id as ObjectId,
      expiredStory: stories[1]!._id as ObjectId,
    },
  }
}

async function insertInChunks(db: Db, collection: string, docs: Doc[]) {
  for (let i = 0; i < docs.length; i += 1000)
    await db.collection(collection).insertMany(docs.slice(i, i + 1000))
}
