// The votes a conference benchmark casts and how a reported tally is checked against them: the same
// choices and the same lost/double-counted arithmetic for the ConferenceRoom and the Socket.IO baseline.

export const OPTIONS = ['Alpha', 'Bravo', 'Charlie', 'Delta']
/** Client i picks option CHOICES[i % 10]: 40/30/20/10 %, so swapped counts show up too. */
const CHOICES = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]

export interface Counts {
  counts: Record<string, number>
  totalResponses: number
}

export interface Check {
  source: string
  counts: Counts | null
  lost: number
  doubleCounted: number
}

/** The option id client `index` votes for. */
export function optionFor(optionIds: string[], index: number): string {
  return optionIds[CHOICES[index % CHOICES.length]!]!
}

export function expectedCounts(choices: string[], optionIds: string[]): Counts {
  const counts = Object.fromEntries(optionIds.map((o) => [o, 0]))
  for (const c of choices) counts[c]! += 1
  return { counts, totalResponses: choices.length }
}

export function sameCounts(got: Counts | null | undefined, want: Counts) {
  return (
    !!got &&
    got.totalResponses === want.totalResponses &&
    Object.keys(want.counts).every((o) => got.counts[o] === want.counts[o])
  )
}

export function check(source: string, got: Counts | null, want: Counts): Check {
  let lost = 0
  let doubleCounted = 0
  for (const [option, n] of Object.entries(want.counts)) {
    const g = got?.counts[option] ?? 0
    if (g < n) lost += n - g
    if (g > n) doubleCounted += g - n
  }
  for (const [option, g] of Object.entries(got?.counts ?? {}))
    if (!(option in want.counts)) doubleCounted += g
  return {
    source,
    counts: got && { counts: got.counts, totalResponses: got.totalResponses },
    lost,
    doubleCounted,
  }
}

/**
 * The counts of `optionIds` only, with their total: one framing's share of a tally when each
 * framing's audience votes among options of its own.
 */
export function restrict(got: Counts | null, optionIds: string[]): Counts | null {
  if (!got) return null
  const counts = Object.fromEntries(optionIds.map((o) => [o, got.counts[o] ?? 0]))
  return { counts, totalResponses: Object.values(counts).reduce((sum, n) => sum + n, 0) }
}
