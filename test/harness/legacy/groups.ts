// The legacy fixtures of each import group beyond users, conferences and Videodesk: each group's
// builder writes its old collections into the Sanora database and answers what its tests need.
import type { Db, ObjectId } from 'mongodb'
import { legacyHosts, type LegacyHosts } from './hosts'
import { legacyMarketplace, type LegacyMarketplace } from './marketplace'
import { buildCourseFixtures, type CourseFixtures } from './courses'
import { buildSocialFixtures, type SocialFixtures } from './social'

/** A Sanora user the group fixtures may reference, with what its sign-in needs. */
export interface LegacyAccount {
  id: ObjectId
  email: string
  password: string
  role: string
  isActive: boolean
  isVerified: boolean
  isPhoneVerified: boolean
}

export interface GroupFixtureContext {
  sanora: Db
  videodesk: Db
  /** Every Sanora user, in `_id` order. */
  accounts: LegacyAccount[]
  /** The fixtures' scale (the number of Sanora users). */
  scale: number
  tag: string
  /** Milliseconds: the fixtures' first `createdAt`. */
  base: number
}

// Each group adds its field and its builder's call below.
export interface GroupFixtures {
  marketplace: LegacyMarketplace
  hosts: LegacyHosts
  courses: CourseFixtures
  social: SocialFixtures
}

export async function buildGroupFixtures(ctx: GroupFixtureContext): Promise<GroupFixtures> {
  return {
    marketplace: await legacyMarketplace(ctx),
    hosts: await legacyHosts(ctx),
    courses: await buildCourseFixtures(ctx),
    social: await buildSocialFixtures(ctx),
  }
}
