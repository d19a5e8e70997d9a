// Request schemas of the meetings API: the resident/address fields a meeting carries, creation
// with media references, edits, search and notes.
import { z } from '@hono/zod-openapi'
import { MeetingRoomIdSchema } from '../../shared/meeting'

const ObjectIdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id')
const text = (max: number) => z.string().trim().max(max)

/** The descriptive fields of a meeting, as the old client names them. */
const MeetingFieldsSchema = z.strictObject({
  name: text(200).optional(),
  first_name: text(100).optional(),
  last_name: text(100).optional(),
  email: z.email().max(254).optional(),
  phone_number: text(32).optional(),
  house_name_number: text(200).optional(),
  flat_apartment_room: text(200).optional(),
  street_road: text(200).optional(),
  city: text(100).optional(),
  country: text(100).optional(),
  post_code: text(20).optional(),
  address: text(500).optional(),
  reference: text(200).optional(),
  repair_detail: text(5000).optional(),
  target_time: text(100).optional(),
  notes: text(10_000).optional(),
})
const unique = (items: { media_id: string }[]) =>
  new Set(items.map((i) => i.media_id.toLowerCase())).size === items.length

const MediaRefSchema = z.strictObject({
  media_id: ObjectIdSchema,
  label: text(200).optional(),
})

export const CreateMeetingSchema = MeetingFieldsSchema.extend({
  meeting_id: MeetingRoomIdSchema.optional(),
  recordings: z
    .array(MediaRefSchema.extend({ duration: z.number().min(0).max(86_400).optional() }))
    .max(50)
    .refine(unique, 'lists the same media twice')
    .default([]),
  screenshots: z
    .array(MediaRefSchema)
    .max(200)
    .refine(unique, 'lists the same media twice')
    .default([]),
})
export type CreateMeeting = z.infer<typeof CreateMeetingSchema>

export const UpdateMeetingSchema = MeetingFieldsSchema.refine(
  (v) => Object.keys(v).length > 0,
  'at least one field is required',
)

// The old client sends a bare `?archived` as well as `?archived=true`.
const flag = z.enum(['true', 'false', '1', '0', '']).transform((v) => v !== 'false' && v !== '0')

const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(50),
})

export const ListQuerySchema = PageQuerySchema.extend({
  archived: flag.optional(),
  deleted: flag.optional(),
})

export const SearchSchema = z
  .strictObject({
    query: text(200).min(1).optional(),
    name: text(200).min(1).optional(),
    address: text(200).min(1).optional(),
    reference: text(200).min(1).optional(),
    notes: text(200).min(1).optional(),
    date_from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    date_to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    archived: z.boolean().optional(),
    deleted: z.boolean().optional(),
    page: z.number().int().min(1).max(10_000).default(1),
    limit: z.number().int().min(1).max(100).default(50),
  })
  .refine((s) => !s.date_from || !s.date_to || new Date(s.date_from) <= new Date(s.date_to), {
    message: 'must not be after date_to',
    path: ['date_from'],
  })
export type MeetingSearch = z.infer<typeof SearchSchema>

export const IdParams = z.object({ id: ObjectIdSchema })
export const MeetingIdParams = z.object({ meeting_id: z.string().min(1).max(64) })

export const SpecialNotesSchema = z.strictObject({ special_notes: z.string().max(20_000) })

/** Keys become MongoDB field names under structured_special_notes: plain identifiers only. */
export const StructuredNotesSchema = z
  .record(
    z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be a plain identifier'),
    z.union([z.string().max(5000), z.number(), z.boolean(), z.null()]),
  )
  .refine((v) => Object.keys(v).length > 0, 'at least one field is required')
  .refine((v) => Object.keys(v).length <= 50, 'at most 50 fields')
