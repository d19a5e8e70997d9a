// Sanora `sellerapplications` → `seller_applications`. Our code makes a user a seller by an
// approved application (`approvedSeller`, worker/marketplace/store.ts), so an approved old one is
// imported approved and its user can create products at once. One user has at most one open
// (pending or approved) application here (a unique index): when the old database has several, the
// approved one (else the newest pending) is imported and the others are skipped.
import type { ObjectId } from 'mongodb'
import type { ApplicationStatus, SellerApplicationDoc } from '../../marketplace/store'
import type { LegacySource } from '../legacy-source'
import { asDate, asObjectId, asString, unknownFields } from '../legacy-fields'
import type { Fields, LegacyDoc, Note, OutputDocument, Step, Transformed } from '../step'

const USER_FIELDS = ['user', 'userId', 'applicant']
const KNOWN = [
  ...USER_FIELDS,
  'storeName',
  'businessName',
  'shopName',
  'description',
  'businessDescription',
  'contact',
  'email',
  'businessEmail',
  'contactEmail',
  'phone',
  'businessPhone',
  'contactPhone',
  'website',
  'status',
  'reviewedBy',
  'approvedBy',
  'reviewedAt',
  'approvedAt',
  'rejectionReason',
  'reason',
  'createdAt',
  'updatedAt',
]

const STATUSES: Record<string, ApplicationStatus> = {
  pending: 'pending',
  submitted: 'pending',
  under_review: 'pending',
  approved: 'approved',
  accepted: 'approved',
  rejected: 'rejected',
  declined: 'rejected',
}

const applicant = (doc: Fields) =>
  USER_FIELDS.map((f) => asObjectId(doc[f])).find((id) => id !== undefined)

/** Unknown statuses are pending: they grant nothing and wait for an admin's decision. */
function statusOf(doc: Fields): { status: ApplicationStatus; known: boolean } {
  const raw = asString(doc.status)?.toLowerCase()
  if (!raw) return { status: 'pending', known: true }
  const status = STATUSES[raw]
  return status ? { status, known: true } : { status: 'pending', known: false }
}

const timeOf = (doc: LegacyDoc) =>
  (asDate(doc.updatedAt) ?? asDate(doc.createdAt) ?? doc._id.getTimestamp()).getTime()

/** For each user of the batch, the one application imported open. */
export type OpenApplications = Map<string, ObjectId>

async function openApplications(batch: LegacyDoc[], source: LegacySource) {
  const users = batch.flatMap((d) => applicant(d) ?? [])
  const all = users.length
    ? await source.find('sanora', 'sellerapplications', {
        $or: USER_FIELDS.map((f) => ({ [f]: { $in: users } })),
      })
    : []
  const rank = (d: LegacyDoc) => (statusOf(d).status === 'approved' ? 1 : 0)
  const open = new Map<string, LegacyDoc>()
  for (const doc of all) {
    if (statusOf(doc).status === 'rejected') continue
    const user = String(applicant(doc))
    const current = open.get(user)
    const better =
      !current ||
      rank(doc) > rank(current) ||
      (rank(doc) === rank(current) &&
        (timeOf(doc) > timeOf(current) ||
          (timeOf(doc) === timeOf(current) && String(doc._id) > String(current._id))))
    if (better) open.set(user, doc)
  }
  return new Map([...open].map(([user, doc]) => [user, doc._id])) as OpenApplications
}

export const sanoraSellerApplications: Step<OpenApplications> = {
  name: 'sanora.sellerapplications',
  group: 'marketplace',
  db: 'sanora',
  collection: 'sellerapplications',
  prepare: openApplications,
  transform(doc, _ctx, open): Transformed {
    const id = String(doc._id)
    const userId = applicant(doc)
    if (!userId) return { skip: 'no user', outputs: [] }
    const refs = [{ field: 'user', db: 'sanora' as const, collection: 'users', id: userId }]
    const { status, known } = statusOf(doc)
    const notes: Note[] = known
      ? []
      : [{ kind: 'unknown status, imported as pending', detail: { id, status: doc.status } }]
    const isOpen = status !== 'rejected'
    if (isOpen && open && !open.get(String(userId))?.equals(doc._id))
      return { skip: 'another open application of the same user is imported', outputs: [], refs }
    const contactDoc = (doc.contact && typeof doc.contact === 'object' ? doc.contact : {}) as Fields
    const contact: SellerApplicationDoc['contact'] = {}
    const email =
      asString(contactDoc.email) ??
      asString(doc.businessEmail) ??
      asString(doc.contactEmail) ??
      asString(doc.email)
    const phone =
      asString(contactDoc.phone) ??
      asString(doc.businessPhone) ??
      asString(doc.contactPhone) ??
      asString(doc.phone)
    const website = asString(contactDoc.website) ?? asString(doc.website)
    if (email) contact.email = email.toLowerCase()
    if (phone) contact.phone = phone
    if (website) contact.website = website
    const storeName =
      asString(doc.storeName) ?? asString(doc.businessName) ?? asString(doc.shopName)
    if (!storeName) notes.push({ kind: 'no store name, imported as "Store"', detail: { id } })
    const createdAt = asDate(doc.createdAt) ?? doc._id.getTimestamp()
    const application: OutputDocument & SellerApplicationDoc = {
      _id: doc._id,
      userId,
      storeName: storeName ?? 'Store',
      contact,
      status,
      open: isOpen,
      createdAt,
      updatedAt: asDate(doc.updatedAt) ?? createdAt,
      legacy: unknownFields(doc, KNOWN),
    }
    if (!known) application.legacy!.status = doc.status
    const description = asString(doc.description) ?? asString(doc.businessDescription)
    if (description) application.description = description
    const reason = asString(doc.rejectionReason) ?? asString(doc.reason)
    if (reason) application.reason = reason
    const reviewedBy = asObjectId(doc.reviewedBy) ?? asObjectId(doc.approvedBy)
    if (reviewedBy) application.reviewedBy = reviewedBy
    const reviewedAt = asDate(doc.reviewedAt) ?? asDate(doc.approvedAt)
    if (reviewedAt) application.reviewedAt = reviewedAt
    return {
      outputs: [{ collection: 'seller_applications', document: application }],
      refs,
      notes,
    }
  },
}
