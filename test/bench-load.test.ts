// The load generator's vote schedule: with a window, votes leave evenly spread over it (open loop,
// the same offered load whatever system answers); without one, they leave back to back in bursts.
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { runLoad, type LoadScenario } from './bench/load'

/** An in-process "server" that acks every vote at once and records when each was sent. */
function instantRoom() {
  const sentAt: number[] = []
  const events: string[] = []
  const scenario: LoadScenario<number> = {
    join: async (index) => index,
    vote: () => {
      sentAt.push(performance.now())
      events.push('send')
      return Promise.resolve().then(() => void events.push('ack'))
    },
    close: async () => {},
  }
  return { scenario, sentAt, events }
}

const options = (n: number, voteWindowMs: number) => ({
  n,
  joinConcurrency: 5,
  voteBatch: 1000,
  voteWindowMs,
  deadline: performance.now() + 10_000,
})

describe('runLoad votes', () => {
  it('spreads them over the window, in index order, each sent when due', async () => {
    const { scenario, sentAt, events } = instantRoom()
    const result = await runLoad(scenario, options(20, 300))

    expect(result.votes).toMatchObject({ sent: 20, acked: 20, timedOut: 0 })
    // Vote i is due at i·300/20 ms after the first (the last at 285 ms) and never leaves before.
    expect(result.votes.sendSpreadMs).toBeGreaterThanOrEqual(284)
    for (let i = 1; i < sentAt.length; i++)
      expect(sentAt[i]! - sentAt[0]!).toBeGreaterThanOrEqual(i * 15 - 0.5)
    expect(result.votes.sendLagMs.count).toBe(20)
    // Open loop: each ack came back before the next vote was due.
    expect(events.slice(0, 4)).toEqual(['send', 'ack', 'send', 'ack'])
  })

  it('sends them back to back without a window, and reports no schedule lag', async () => {
    const { scenario, events } = instantRoom()
    const result = await runLoad(scenario, options(50, 0))

    expect(result.votes).toMatchObject({ sent: 50, acked: 50 })
    // One burst (of up to 1000) covers all 50: every vote left before the first ack was handled.
    expect(events).toEqual([...Array(50).fill('send'), ...Array(50).fill('ack')])
    expect(result.votes.sendLagMs.count).toBe(0)
  })

  it("reports the generator's own pauses during the votes, which count as ack latency", async () => {
    const { scenario } = instantRoom()
    const vote = scenario.vote
    scenario.vote = (client, index) => {
      // The generator's thread is busy for 40 ms (as in a long garbage collection).
      if (index === 5) for (const until = performance.now() + 40; performance.now() < until;);
      return vote(client, index)
    }
    const result = await runLoad(scenario, options(10, 100))

    expect(result.votes.generatorDelayMs.max).toBeGreaterThanOrEqual(30)
    expect(result.votes.generatorDelayMs.p50).toBeLessThan(result.votes.generatorDelayMs.max)
  })

  it('waits for the tally from before the first vote and runs afterVotes once all are acked', async () => {
    const { scenario, sentAt, events } = instantRoom()
    let tallyDone: (at: number) => void = () => {}
    const vote = scenario.vote
    scenario.vote = (client, index) => {
      const acked = vote(client, index)
      // The "host" reports the final count as seen 5 ms after the last vote left.
      if (index === 9) tallyDone(performance.now() + 5)
      return acked
    }
    scenario.tallied = () => {
      events.push('tallying')
      return new Promise((resolve) => (tallyDone = resolve))
    }
    scenario.afterVotes = async () => void events.push('after')
    const result = await runLoad(scenario, options(10, 50))

    expect(events[0]).toBe('tallying')
    expect(events.at(-1)).toBe('after')
    expect(events.filter((e) => e === 'ack')).toHaveLength(10)
    // Measured from the last send, not the first (the votes spread over 45 ms).
    expect(result.talliedMs).toBeGreaterThanOrEqual(5)
    expect(result.talliedMs).toBeLessThan(sentAt.at(-1)! - sentAt[0]!)
  })

  it('gives each kind of client its own joins, acks and tally, measured from its own last send', async () => {
    const { scenario, sentAt } = instantRoom()
    const vote = scenario.vote
    const tallies = new Map<string, (at: number) => void>()
    scenario.kindOf = (index) => (index % 2 === 0 ? 'even' : 'odd')
    scenario.vote = (client, index) => {
      // Odd clients' votes are refused, except the last one's, which is acked; the tally of each
      // kind completes 5 ms after that kind's last vote left.
      const acked =
        index % 2 === 1 && index !== 9 ? Promise.reject(new Error('refused')) : vote(client, index)
      if (index === 8) tallies.get('even')!(performance.now() + 5)
      if (index === 9) tallies.get('odd')!(performance.now() + 5)
      return acked
    }
    scenario.talliedKind = (kind) => new Promise((resolve) => tallies.set(kind, resolve))
    const result = await runLoad(scenario, options(10, 90))

    expect(Object.keys(result.byKind!).sort()).toEqual(['even', 'odd'])
    expect(result.byKind!.even).toMatchObject({ joined: 5, sent: 5, acked: 5, refused: 0 })
    expect(result.byKind!.odd).toMatchObject({ joined: 5, sent: 5, acked: 1, refused: 4 })
    expect(result.byKind!.even!.joinMs.count).toBe(5)
    expect(result.byKind!.even!.ackSamplesMs).toHaveLength(5)
    expect(result.byKind!.odd!.ackMs.count).toBe(1)
    // Even's last vote (index 8) left 9 ms before odd's (index 9): each measured from its own.
    for (const kind of ['even', 'odd']) {
      expect(result.byKind![kind]!.talliedMs).toBeGreaterThanOrEqual(5)
      expect(result.byKind![kind]!.talliedMs).toBeLessThan(sentAt.at(-1)! - sentAt.at(-2)! + 5)
    }
    expect(result.votes).toMatchObject({ sent: 10, acked: 6 })
  })
})

describe('runLoad join storm (joinWindowMs)', () => {
  const storm = (n: number, joinWindowMs: number) => ({
    ...options(n, 0),
    joinConcurrency: 1,
    joinWindowMs,
  })

  it('starts join i at i·W/N after the first, without waiting for the earlier ones', async () => {
    const startedAt: number[] = []
    const events: string[] = []
    const scenario: LoadScenario<number> = {
      ...instantRoom().scenario,
      join: (index) => {
        startedAt[index] = performance.now()
        events.push(`start ${index}`)
        // Each join takes 100 ms, ten times the 10 ms between scheduled starts.
        return sleep(100).then(() => {
          events.push(`done ${index}`)
          return index
        })
      },
    }
    const result = await runLoad(scenario, storm(20, 200))

    expect(result.join).toMatchObject({ joined: 20, failures: [] })
    for (let i = 1; i < 20; i++)
      expect(startedAt[i]! - startedAt[0]!).toBeGreaterThanOrEqual(i * 10 - 0.5)
    // Open loop: with one "in flight" allowed, a closed loop would have waited for join 0.
    expect(events.indexOf('start 1')).toBeLessThan(events.indexOf('done 0'))
    expect(result.join.startLagMs?.count).toBe(20)
    expect(result.join.perClientMs.p50).toBeGreaterThanOrEqual(99)
    // 20 joined between the first scheduled start and the last completion (≥ 190 + 100 ms).
    expect(result.join.admittedPerSecond).toBeGreaterThan(0)
    expect(result.join.admittedPerSecond).toBeLessThanOrEqual(Math.ceil(20 / 0.29))
  })

  it("counts each join's latency from its scheduled start, so the generator's lateness shows", async () => {
    const scenario: LoadScenario<number> = {
      ...instantRoom().scenario,
      join: (index) => {
        // Join 3 holds the generator's thread for 40 ms: joins 4, 5 and 6 (due 10, 20 and 30 ms
        // after it) start late, and each answers at once when it does start.
        if (index === 3) for (const until = performance.now() + 40; performance.now() < until;);
        return Promise.resolve(index)
      },
    }
    const result = await runLoad(scenario, storm(10, 100))

    expect(result.join.joined).toBe(10)
    // From their actual starts, only join 3 took ≥ 15 ms; from their scheduled starts, 3–5 did.
    expect(result.join.perClientSamplesMs.filter((ms) => ms >= 15).length).toBeGreaterThanOrEqual(3)
    expect(result.join.startLagMs!.max).toBeGreaterThanOrEqual(25)
  })

  it('keeps the closed loop when no window is given', async () => {
    const result = await runLoad(instantRoom().scenario, options(10, 0))

    expect(result.join.joined).toBe(10)
    expect(result.join.startLagMs).toBeUndefined()
  })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
