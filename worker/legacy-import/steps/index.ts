// Every import step, in the order they run: a step may rely on what an earlier one wrote (the id
// map of merged users). A new legacy collection is one module here.
import type { Step } from '../step'
import { videodeskChatHistories } from './chat-histories'
import { sanoraComments } from './comments'
import { sanoraConferenceQuestions, sanoraConferences } from './conferences'
import { sanoraConversations, sanoraMessages } from './conversations'
import { sanoraLikes } from './likes'
import { videodeskMeetings } from './meetings'
import { sanoraPosts, sanoraReels } from './posts'
import { sanoraRelations } from './relations'
import { sanoraStories } from './stories'
import { videodeskUploads } from './uploads'
import { sanoraUsers, videodeskUsers } from './users'

const STEPS: Step[] = [
  sanoraUsers as Step,
  videodeskUsers as Step,
  sanoraConferences,
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
  videodeskUploads as Step,
  videodeskChatHistories as Step,
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
