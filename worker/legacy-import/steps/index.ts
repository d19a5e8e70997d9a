// Every import step, in the order they run: a step may rely on what an earlier one wrote (the id
// map of merged users). A new legacy collection is one module here.
import type { Step } from '../step'
import { sanoraCarts } from './carts'
import { videodeskChatHistories } from './chat-histories'
import { sanoraConferenceQuestions, sanoraConferences } from './conferences'
import { sanoraHosts, sanoraSpeakers } from './hosts'
import { sanoraCourseProgress, sanoraVideoProgress } from './course-progress'
import { sanoraPlaylists } from './course-playlists'
import { sanoraCourseQuestions } from './course-questions'
import { sanoraCourseReviews } from './course-reviews'
import { sanoraCourseVideos } from './course-videos'
import { sanoraCourses } from './courses'
import { videodeskMeetingFolders } from './meeting-folders'
import { videodeskMeetings } from './meetings'
import { sanoraOrders } from './orders'
import { sanoraInventories, sanoraProducts } from './products'
import { sanoraSellerApplications } from './seller-applications'
import { videodeskUploads } from './uploads'
import { sanoraUsers, videodeskUsers } from './users'
import { sanoraUserActivities } from './user-activities'

const STEPS: Step[] = [
  sanoraUsers as Step,
  videodeskUsers as Step,
  // Hosts and speakers before the conferences that point at them (through the id map if merged).
  sanoraHosts as Step,
  sanoraSpeakers as Step,
  sanoraConferences as Step,
  sanoraConferenceQuestions,
  videodeskMeetings as Step,
  videodeskMeetingFolders as Step,
  videodeskUploads as Step,
  videodeskChatHistories as Step,
  sanoraSellerApplications as Step,
  sanoraProducts as Step,
  sanoraInventories,
  sanoraCarts as Step,
  sanoraOrders as Step,
  sanoraCourses as Step,
  sanoraCourseVideos as Step,
  sanoraCourseQuestions as Step,
  sanoraPlaylists as Step,
  sanoraVideoProgress as Step,
  sanoraCourseProgress as Step,
  sanoraUserActivities,
  sanoraCourseReviews as Step,
]

/** The `--only` groups, each naming its steps. */
const GROUPS = [...new Set(STEPS.map((s) => s.group))]

/** The steps of the selected groups, in run order; an unknown group is an error. */
export function selectSteps(only: string[] | undefined): Step[] {
  if (!only || only.length === 0) return STEPS
  const unknown = only.filter((g) => !GROUPS.includes(g))
  if (unknown.length > 0)
    throw new Error(`Unknown --only ${unknown.join(', ')}; importable today: ${GROUPS.join(', ')}`)
  return STEPS.filter((s) => only.includes(s.group))
}
