// One ConferenceRoom benchmark run: a host (its idle round trips first) and N audience sockets
// through the Worker (REST join, room socket), the question pushed live, one vote each, then the
// tally checked three ways. With the 'half-socket-io' audience every other client is a real
// socket.io-client on the Worker's /socket.io/ (participant token in auth.token) in the same room,
// and each framing votes among options of its own, so the host's counts tally each exactly.
import { performance } from 'node:perf_hooks'
import { decodeJwt } from 'jose'
import { api, roomUrl, RoomSocket, setUpConference, type Received } from './conference-client'
import { eventRates, readLoad, type LoadReading } from './event-rates'
import { runLoad, samplesMs, summarize } from './load'
import {
  loadOptions,
  type ConferenceEvents,
  type Framing,
  settle,
  ticksBetween,
  timeoutFor,
  type RunReport,
  type RunSettings,
} from './report'
import {
  awaitLiveFanout,
  concludeRun,
  recordAudience,
  recordFailure,
  roundTripSamples,
  slowestLive,
} from './run-steps'
import { SioSocket } from './sio-socket'
import {
  check,
  expectedCounts,
  optionFor,
  OPTIONS,
  restrict,
  sameCounts,
  type Counts,
} from './tally'
import {
  cpuAt,
  cpuShare,
  cpuSnapshot,
  otherCpu,
  PeakSampler,
  stolenPercent,
  type CpuAt,
  type BenchWorker,
} from './workers'

/** Who the audience is: native sockets only, or every other client a socket.io-client. */
export type AudienceMix = 'native' | 'half-socket-io'

/** The Socket.IO-framed half's options, beside the native half's OPTIONS in the same question. */
const SOCKET_IO_OPTIONS = ['Echo', 'Foxtrot', 'Golf', 'Hotel']

type Joined =
  | { index: number; framing: 'native'; socket: RoomSocket; shard: number | undefined }
  | { index: number; framing: 'socket.io'; socket: SioSocket }

export async function runConferenceRoom(
  worker: Pick<BenchWorker, 'url' | 'via'>,
  n: number,
  settings: RunSettings,
  mix: AudienceMix = 'native',
): Promise<RunReport> {
  const { url, via } = worker
  const mixed = mix === 'half-socket-io'
  const framingOf = (index: number): Framing => (mixed && index % 2 === 1 ? 'socket.io' : 'native')
  const framings: Framing[] = mixed ? ['native', 'socket.io'] : []
  const label = `${via}${mixed ? ' native+socket.io' : ''} n=${n}`
  const log = (line: string) => settings.log(`${label}: ${line}`)
  const timeoutMs = timeoutFor(n, settings)
  const started = performance.now()
  const deadline = started + timeoutMs
  const report: RunReport = { via, n, ok: false }
  const cpuAtStart = await cpuSnapshot(url)
  const sampler = new PeakSampler(url)
  let host: RoomSocket | undefined
  const audience: Joined[] = []
  let joinFailures: string[] = []
  log(`setting up (timeout ${Math.round(timeoutMs / 1000)} s)`)
  try {
    const expectedAudience =
      typeof settings.expectedAudience === 'number' ? settings.expectedAudience : n
    const conf = await setUpConference(
      url,
      mixed ? [...OPTIONS, ...SOCKET_IO_OPTIONS] : OPTIONS,
      expectedAudience,
    )
    const events: ConferenceEvents = { expectedAudience, shardsUsed: 0, socketsPerShard: {} }
    report.events = events
    // A failed reading (the route is development only) costs its figures, not the run.
    const reading = () =>
      readLoad(url, conf.id, conf.hostToken).catch((error: unknown) => {
        events.error ??= error instanceof Error ? error.message : String(error)
        return undefined
      })
    const rates = (before: LoadReading | undefined, after: LoadReading | undefined) =>
      before && after ? eventRates(before, after) : undefined
    let votesStart: LoadReading | undefined
    const optionsOf = (framing: Framing) =>
      framing === 'native'
        ? conf.optionIds.slice(0, OPTIONS.length)
        : conf.optionIds.slice(OPTIONS.length)
    // Each framing's clients pick among its options as the i-th of that framing (40/30/20/10 %).
    const choiceOf = (index: number) =>
      optionFor(optionsOf(framingOf(index)), mixed ? Math.floor(index / 2) : index)
    const expectedOf = (clients: Joined[], framing: Framing) =>
      expectedCounts(
        clients.filter((c) => c.framing === framing).map((c) => choiceOf(c.index)),
        optionsOf(framing),
      )
    const hostTicket = await api(url, `/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      token: conf.hostToken,
    })
    host = await RoomSocket.open(roomUrl(url, conf.id, hostTicket.body.ticket), { keepAll: true })
    const hostSocket = host
    const roundTrips = await roundTripSamples((i) =>
      hostSocket.request({ type: 'ping' }, `ping${i}`),
    )
    report.roundTripMs = summarize(roundTrips)
    report.roundTripSamplesMs = samplesMs(roundTrips)
    let expected: Counts | undefined
    const expectedBy = new Map<Framing, Counts>()
    let tallyAt: number | undefined
    let beforeVotes: CpuAt | undefined
    sampler.start()

    const joinsStart = await reading()
    const load = await runLoad<Joined>(
      {
        async join(index) {
          const joined = await api(url, `/api/conference/by-code/${conf.code}/join`, {
            method: 'POST',
            json: {},
          })
          const client: Joined =
            framingOf(index) === 'native'
              ? {
                  index,
                  framing: 'native',
                  socket: await RoomSocket.open(roomUrl(url, conf.id, joined.body.ticket)),
                  shard: shardNamed(joined.body.participantToken),
                }
              : {
                  index,
                  framing: 'socket.io',
                  socket: await SioSocket.open(url, {
                    query: { room: `conference:${conf.id}` },
                    auth: { token: joined.body.participantToken },
                  }),
                }
          audience.push(client)
          return client
        },
        ...(mixed ? { kindOf: framingOf } : {}),
        async beforeVotes(clients) {
          events.duringJoins = rates(joinsStart, await reading())
          expected = expectedCounts(
            clients.map((c) => choiceOf(c.index)),
            conf.optionIds,
          )
          for (const framing of framings) expectedBy.set(framing, expectedOf(clients, framing))
          const pushAt = performance.now()
          await api(url, `/api/conference/${conf.id}/questions/${conf.questionId}/live`, {
            method: 'POST',
            token: conf.hostToken,
          })
          const sockets = clients.map((c) => c.socket)
          await awaitLiveFanout(report, sockets, pushAt, deadline, log)
          // Only a mixed room has framings (an empty object made the table call a native room mixed).
          if (mixed)
            report.framings = Object.fromEntries(
              framings.map((framing) => {
                const mine = clients.filter((c) => c.framing === framing).map((c) => c.socket)
                return [framing, { clients: mine.length, liveFanoutMs: slowestLive(mine, pushAt) }]
              }),
            )
          beforeVotes = await cpuAt(sampler)
          votesStart = await reading()
        },
        vote: (c, index) => {
          const ballot = { questionId: conf.questionId, optionIds: [choiceOf(index)] }
          return c.framing === 'native'
            ? c.socket.request({ type: 'vote', ...ballot }, `v${index}`)
            : sioVote(c.socket, ballot)
        },
        async talliedKind(kind) {
          const framing = kind as Framing
          const want = expectedBy.get(framing)!
          const final = await hostSocket.waitFor(
            (m) =>
              isStats(m, conf.questionId) &&
              sameCounts(restrict(m.results, optionsOf(framing)), want),
            Math.min(60_000, Math.max(0, deadline - performance.now())),
          )
          return final.at
        },
        async tallied() {
          const want = expected!
          const final = await hostSocket.waitFor(
            (m) => isStats(m, conf.questionId) && sameCounts(m.results, want),
            Math.min(60_000, Math.max(0, deadline - performance.now())),
          )
          tallyAt = final.at
          return final.at
        },
        async afterVotes() {
          const votesEnd = await reading()
          events.duringVotes = rates(votesStart, votesEnd)
          events.shardsUsed = votesEnd?.shards.length ?? 0
          const after = await cpuAt(sampler)
          report.processesAtTally = after.processes
          report.cpuDuringVotes = cpuShare(beforeVotes, after)
          if (beforeVotes) report.stolenCpuDuringVotes = stolenPercent(beforeVotes, after)
        },
        close: async (c) => c.socket.close(),
      },
      loadOptions(n, settings, deadline, label),
    )
    for (const c of audience)
      if (c.framing === 'native' && c.shard !== undefined)
        events.socketsPerShard[c.shard] = (events.socketsPerShard[c.shard] ?? 0) + 1
    const { votedIndexes: _, ...loadReport } = load
    report.load = loadReport
    joinFailures = load.join.failures
    if (load.error) throw new Error(load.error)
    report.expected = expected
    const stats = hostSocket.kept.filter((r) => isStats(r.message, conf.questionId))
    report.hostAudienceCount = Math.max(0, ...stats.map((r) => r.message.audienceCount as number))
    report.hostTicksDuringVotes = ticksBetween(
      stats,
      load.votes.firstSendAt,
      tallyAt,
      (r) => r.message.results.totalResponses,
    )
    report.audienceStatsDuringVotes = audience.reduce(
      (n, { socket: s }) =>
        n + s.statsAt.filter((t) => t >= load.votes.firstSendAt && t <= tallyAt!).length,
      0,
    )
    const hostFinal = tallyAt
      ? stats.find((r) => r.at === tallyAt)
      : (stats.at(-1) as Received | undefined)

    // Counts as the room's REST read sees them, then as persisted to MongoDB once closed and ended.
    const resultsPath = `/api/conference/${conf.id}/questions/${conf.questionId}/results`
    const live = await api(url, resultsPath, { token: conf.hostToken })
    await api(url, `/api/conference/${conf.id}/questions/${conf.questionId}/close`, {
      method: 'POST',
      token: conf.hostToken,
    })
    await api(url, `/api/conference/${conf.id}`, {
      method: 'PUT',
      token: conf.hostToken,
      json: { status: 'ENDED' },
    })
    const persisted = await api(url, resultsPath, { token: conf.hostToken })
    const want = expected ?? { counts: {}, totalResponses: 0 }
    report.checks = [
      check('host room.stats', hostFinal?.message.results ?? null, want),
      check('REST (room, live)', live.body.results ?? null, want),
      check('REST (MongoDB, ended)', persisted.body.results ?? null, want),
    ]
    for (const framing of framings) {
      const mine = expectedBy.get(framing) ?? { counts: {}, totalResponses: 0 }
      const options = optionsOf(framing)
      report.framings![framing]!.expected = mine
      report.framings![framing]!.checks = [
        check('host room.stats', restrict(hostFinal?.message.results ?? null, options), mine),
        check('REST (MongoDB, ended)', restrict(persisted.body.results ?? null, options), mine),
      ]
    }
    settle(report, load)
  } catch (error) {
    recordFailure(report, error, joinFailures, log)
  } finally {
    recordAudience(
      report,
      audience.map((c) => c.socket),
    )
    for (const framing of framings) {
      const mine = audience.filter((c) => c.framing === framing)
      report.framings ??= {}
      report.framings[framing] = {
        ...report.framings[framing],
        clients: mine.length,
        unexpectedCloses: mine.filter((c) => c.socket.failure).length,
      }
    }
    await Promise.all(audience.map((c) => c.socket.close()))
    await host?.close()
    report.processesPeak = await sampler.stop()
    report.durationMs = Math.round(performance.now() - started)
    report.otherCpuPercent = otherCpu(cpuAtStart, await cpuSnapshot(url))
    concludeRun(report, log)
  }
  return report
}

/** A vote over Socket.IO: the room answers the ack with the native ack's fields, or `{ error }`. */
async function sioVote(socket: SioSocket, ballot: { questionId: string; optionIds: string[] }) {
  const reply = await socket.request('vote', ballot)
  if (reply?.error) throw new Error(`${reply.error.code}: ${reply.error.message}`)
  return reply
}

/** The audience shard a participant token names (its `shd` claim), read without verifying it. */
function shardNamed(participantToken: string): number | undefined {
  const { shd } = decodeJwt(participantToken)
  return typeof shd === 'number' ? shd : undefined
}

function isStats(m: any, questionId: string) {
  return m?.type === 'room.stats' && m.results?.questionId === questionId
}
