import { describe, expect, it } from 'vitest'
import type { StagedVote } from './conference-store'
import { VOTE_FLUSH_RATE } from './room-limits'
import { VoteBatcher, type BatchedVote, type VoteOutcome } from './vote-batcher'

interface TestVote extends BatchedVote {
  voter: string
  /** What checking it decides: a refusal, a repeat of the current choice, or a new vote. */
  verdict: 'new' | 'repeat' | 'refused'
}

/** A batcher over steps that record what they were asked, in order. */
function batcher(opts: { writeFails?: boolean } = {}) {
  const steps: string[] = []
  const answers: { voter: string; error: unknown }[] = []
  const votes = new VoteBatcher<TestVote>({
    check(vote, staged): VoteOutcome {
      steps.push(`check ${vote.voter}`)
      if (vote.verdict === 'refused') throw new Error(`${vote.voter} refused`)
      if (vote.verdict === 'repeat') return { replaced: true, stored: false }
      staged.push({
        questionId: 'q',
        voter: vote.voter,
        optionIds: ['a'],
        previous: undefined,
        at: 0,
      })
      return { replaced: false, stored: true }
    },
    write(staged: StagedVote[]) {
      steps.push(`write ${staged.map((v) => v.voter).join(',')}`)
      if (opts.writeFails) throw new Error('disk full')
    },
    unstage: (vote) => steps.push(`unstage ${vote.voter}`),
    stored: () => steps.push('stored'),
    settle(vote, error) {
      steps.push(`settle ${vote.voter}`)
      answers.push({ voter: vote.voter, error })
    },
  })
  const add = (voter: string, verdict: TestVote['verdict'] = 'new', now = 0) =>
    votes.add({ voter, verdict, outcome: undefined, failure: undefined }, now)
  return { add, steps, answers }
}

const nextMicrotask = () => new Promise<void>((resolve) => queueMicrotask(resolve))
const nextTimerTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

describe('VoteBatcher', () => {
  it('stores the votes queued in one turn with one write, and answers them only after it', async () => {
    const { add, steps, answers } = batcher()
    add('a')
    add('b')
    add('c')
    expect(steps).toEqual([])
    await nextMicrotask()
    expect(steps).toEqual([
      'check a',
      'check b',
      'check c',
      'write a,b,c',
      'stored',
      'settle a',
      'settle b',
      'settle c',
    ])
    expect(answers.map((a) => a.error)).toEqual([undefined, undefined, undefined])
  })

  it('refuses a vote its check throws for and stores the rest', async () => {
    const { add, steps, answers } = batcher()
    add('a')
    add('b', 'refused')
    await nextMicrotask()
    expect(steps).toContain('write a')
    expect(answers[0]).toEqual({ voter: 'a', error: undefined })
    expect(answers[1]!.error).toEqual(new Error('b refused'))
  })

  it('acks a repeated choice without writing anything', async () => {
    const { add, steps, answers } = batcher()
    add('a', 'repeat')
    await nextMicrotask()
    expect(steps).toEqual(['check a', 'settle a'])
    expect(answers).toEqual([{ voter: 'a', error: undefined }])
  })

  it('takes back every staged vote when the write fails, failing only those it was to store', async () => {
    const { add, steps, answers } = batcher({ writeFails: true })
    add('a')
    add('b', 'repeat')
    add('c')
    await nextMicrotask()
    expect(steps).toEqual([
      'check a',
      'check b',
      'check c',
      'write a,c',
      'unstage c',
      'unstage a',
      'settle a',
      'settle b',
      'settle c',
    ])
    expect(answers.map((a) => a.error)).toEqual([
      new Error('disk full'),
      undefined,
      new Error('disk full'),
    ])
  })

  it('past its batch budget waits for the next timer turn, taking in the votes that arrive meanwhile', async () => {
    const { add, steps } = batcher()
    for (let i = 0; i < VOTE_FLUSH_RATE.burst; i++) {
      add(`v${i}`)
      await nextMicrotask()
    }
    steps.length = 0
    add('late1')
    await nextMicrotask()
    add('late2')
    expect(steps).toEqual([])
    await nextTimerTurn()
    expect(steps).toContain('write late1,late2')
  })
})
