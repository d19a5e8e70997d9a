// Every import step, in the order they run: a step may rely on what an earlier one wrote (the id
// map of merged users). A new legacy collection is one module here.
import type { Step } from '../step'
import { sanoraCarts } from './carts'
import { videodeskChatHistories } from './chat-histories'
import { sanoraComments } from './comments'
import { sanoraConferenceQuestions, sanoraConferences } from './conferences'
import { sanoraConversations, sanoraMessages } from './conversations'
import { sanoraPlaylists } from './course-playlists'
import { sanoraCourseProgress, sanoraVideoProgress } from './course-progress'
import { sanoraCourseQuestions } from './course-questions'
import { sanoraCourseReviews } from './course-reviews'
import { sanoraCourseVideos } from './course-videos'
import { sanoraCourses } from './courses'
import { sanoraHosts, sanoraSpeakers } from './hosts'
import { sanoraLikes } from './likes'
import { videodeskMeetingFolders } from './meeting-folders'
import { videodeskMeetings } from './meetings'
import { sanoraOrders } from './orders'
import { sanoraPosts, sanoraReels } from './posts'
import { sanoraInventories, sanoraProducts } from './products'
import { sanoraRelations } from './relations'
import { sanoraSellerApplications } from './seller-applications'
import { sanoraStories } from './stories'
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
  // Social: posts before what hangs off them; friendships and blocks from the users' arrays.
  sanoraPosts as Step,
  sanoraReels as Step,
  sanoraComments as Step,
  sanoraLikes as Step,
  sanoraStories,
  sanoraRelations as Step,
  sanoraConversations as Step,
  sanoraMessages as Step,
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
