// The rules a vote must pass before it is stored: the conference runs, the question is the live
// one, the options are the question's (each once; one for a single-choice question), and a voter
// changes their vote only where the question allows it.
import type { LiveQuestion, VoteMessage } from '../shared/conference'
import type { ConferenceStore, StagedVote } from './conference-store'
import { RoomError } from './realtime-room'
import type { VoteOutcome } from './vote-batcher'

/**
 * Checks a vote and stages it into `staged` (unless it repeats the voter's current choice).
 * Loops, not Sets: a vote names at most MAX_VOTE_OPTIONS, and this runs for every vote.
 */
export function checkVote(
  store: ConferenceStore,
  state: { status: string; live: Readonly<LiveQuestion> | null; questionIds: readonly string[] },
  voter: string,
  { questionId, optionIds }: VoteMessage,
  staged: StagedVote[],
): VoteOutcome {
  if (state.status !== 'ACTIVE') throw new RoomError('CONFLICT', 'The conference is not running')
  const question = state.live?.id === questionId ? state.live : undefined
  if (!question && !state.questionIds.includes(questionId))
    throw new RoomError('NOT_FOUND', 'No such question in this conference')
  // A shard holds the definitions of the questions that went live while it ran, not the drafts.
  if (!question || question.status !== 'ACTIVE') {
    throw new RoomError(
      'CONFLICT',
      store.question(questionId)?.status === 'CLOSED'
        ? 'This question is closed'
        : 'This question is not open for voting',
    )
  }
  for (let i = 0; i < optionIds.length; i++) {
    const option = optionIds[i]!
    if (optionIds.indexOf(option) !== i || !hasOption(question, option))
      throw new RoomError('VALIDATION_ERROR', 'Choose options of this question, each once')
  }
  if (question.type === 'single' && optionIds.length !== 1)
    throw new RoomError('VALIDATION_ERROR', 'Choose exactly one option')
  const previous = store.previousVote(questionId, voter)
  if (previous && !question.allowVoteChange)
    throw new RoomError('CONFLICT', 'You have already voted on this question')
  if (previous && sameChoice(previous, optionIds)) return { replaced: true, stored: false }
  staged.push(store.stageVote(questionId, voter, optionIds, Date.now()))
  return { replaced: previous !== undefined, stored: true }
}

function hasOption(question: Readonly<LiveQuestion>, option: string): boolean {
  for (const { id } of question.options) if (id === option) return true
  return false
}

/** Whether two choices name the same options (each list holds every option once). */
function sameChoice(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  for (const option of a) if (!b.includes(option)) return false
  return true
}
