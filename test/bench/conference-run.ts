// One ConferenceRoom benchmark run: a host (its idle round trips first) and N audience sockets
// through the Worker (REST join, room socket), the question pushed live, one vote each, then the
// tally checked three ways.
import { performance } from 'node:perf_hooks'
import { api, roomUrl, RoomSocket, setUpConference, type Received } from './conference-client'
import { runLoad } from './load'
import {
  loadOptions,
  settle,
  ticksBetween,
  timeoutFor,
  type RunReport,
  type RunSettings,
} from './report'
import {
  awaitLiveFanout,
  concludeRun,
  measureRoundTrips,
  recordAudience,
  recordFailure,
} from './run-steps'
import { check, expectedCounts, optionFor, OPTIONS, sameCounts, type Counts } from './tally'
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

export async function runConferenceRoom(
  worker: Pick<BenchWorker, 'url' | 'via'>,
  n: number,
  settings: RunSettings,
): Promise<RunReport> {
  const { url, via } = worker
  const label = `${via} n=${n}`
  const log = (line: string) => settings.log(`${label}: ${line}`)
  const timeoutMs = timeoutFor(n, settings)
  const started = performance.now()
  const deadline = started + timeoutMs
  const report: RunReport = { via, n, ok: false }
  const cpuAtStart = await cpuSnapshot(url)
  const sampler = new PeakSampler(url)
  let host: RoomSocket | undefined
  const audience: RoomSocket[] = []
  let joinFailures: string[] = []
  log(`setting up (timeout ${Math.round(timeoutMs / 1000)} s)`)
  try {
    const conf = await setUpConference(url, OPTIONS)
    const hostTicket = await api(url, `/api/conference/${conf.id}/ticket`, {
      method: 'POST',
      token: conf.hostToken,
    })
    host = await RoomSocket.open(roomUrl(url, conf.id, hostTicket.body.ticket), { keepAll: true })
    const hostSocket = host
    report.roundTripMs = await measureRoundTrips((i) =>
      hostSocket.request({ type: 'ping' }, `ping${i}`),
    )
    let expected: Counts | undefined
    let tallyAt: number | undefined
    let beforeVotes: CpuAt | undefined
    sampler.start()

    const load = await runLoad<{ index: number; socket: RoomSocket }>(
      {
        async join(index) {
          const joined = await api(url, `/api/conference/by-code/${conf.code}/join`, {
            method: 'POST',
            json: {},
          })
          const socket = await RoomSocket.open(roomUrl(url, conf.id, joined.body.ticket))
          audience.push(socket)
          return { index, socket }
        },
        async beforeVotes(clients) {
          expected = expectedCounts(
            clients.map((c) => optionFor(conf.optionIds, c.index)),
            conf.optionIds,
          )
          const pushAt = performance.now()
          await api(url, `/api/conference/${conf.id}/questions/${conf.questionId}/live`, {
            method: 'POST',
            token: conf.hostToken,
          })
          const sockets = clients.map((c) => c.socket)
          await awaitLiveFanout(report, sockets, pushAt, deadline, log)
          beforeVotes = await cpuAt(sampler)
        },
        vote: (c, index) =>
          c.socket.request(
            {
              type: 'vote',
              questionId: conf.questionId,
              optionIds: [optionFor(conf.optionIds, index)],
            },
            `v${index}`,
          ),
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
          const after = await cpuAt(sampler)
          report.processesAtTally = after.processes
          report.cpuDuringVotes = cpuShare(beforeVotes, after)
          if (beforeVotes) report.stolenCpuDuringVotes = stolenPercent(beforeVotes, after)
        },
        close: (c) => c.socket.close(),
      },
      loadOptions(n, settings, deadline, label),
    )
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
      (n, s) => n + s.statsAt.filter((t) => t >= load.votes.firstSendAt && t <= tallyAt!).length,
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
    settle(report, load)
  } catch (error) {
    recordFailure(report, error, joinFailures, log)
  } finally {
    recordAudience(report, audience)
    await Promise.all(audience.map((s) => s.close()))
    await host?.close()
    report.processesPeak = await sampler.stop()
    report.durationMs = Math.round(performance.now() - started)
    report.otherCpuPercent = otherCpu(cpuAtStart, await cpuSnapshot(url))
    concludeRun(report, log)
  }
  return report
}

function isStats(m: any, questionId: string) {
  return m?.type === 'room.stats' && m.results?.questionId === questionId
}
