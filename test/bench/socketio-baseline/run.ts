// One Socket.IO baseline run with the ConferenceRoom run's load and checks: a fresh server process,
// a host (its idle round trips first) and N audience sockets (socket.io-client, WebSocket transport
// only), REST join and push, one vote each acked by callback, then the host's count and the server's
// own tally checked.
import { spawn, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { api, type Received } from '../conference-client'
import { runLoad } from '../load'
import {
  loadOptions,
  settle,
  SOCKET_IO_ROLE,
  ticksBetween,
  timeoutFor,
  type RunReport,
  type RunSettings,
} from '../report'
import {
  awaitLiveFanout,
  concludeRun,
  measureRoundTrips,
  recordAudience,
  recordFailure,
} from '../run-steps'
import { check, expectedCounts, optionFor, sameCounts, type Counts } from '../tally'
import {
  cpuAt,
  cpuShare,
  cpuSnapshot,
  nameProcess,
  otherCpu,
  PeakSampler,
  stolenPercent,
  type CpuAt,
} from '../workers'
import { SioSocket } from '../sio-socket'
import type { BaselineReady, RoomStats } from './protocol'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

export interface RunningBaseline {
  url: string
  ready: BaselineReady
  pid: number
  stop(): Promise<void>
}

/** Starts the baseline server in its own Node process; resolves once it listens. */
export function startBaseline(timeoutMs = 30_000): Promise<RunningBaseline> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  nameProcess(child.pid!, SOCKET_IO_ROLE)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the Socket.IO baseline did not start within ${timeoutMs} ms`))
    }, timeoutMs)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`the Socket.IO baseline exited before it listened (${code ?? signal})`))
    })
    child.once('message', (message: BaselineReady) => {
      clearTimeout(timer)
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        ready: message,
        pid: child.pid!,
        stop: () => stopChild(child),
      })
    })
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** A vote on the baseline server, whose ack says `{ ok }` or `{ ok: false, code, message }`. */
async function vote(socket: SioSocket, questionId: string, optionId: string) {
  const reply = await socket.request('vote', { questionId, optionIds: [optionId] })
  if (!reply?.ok) throw new Error(`${reply?.code}: ${reply?.message}`)
  return reply
}

export async function runSocketIo(n: number, settings: RunSettings): Promise<RunReport> {
  const label = `socket.io n=${n}`
  const log = (line: string) => settings.log(`${label}: ${line}`)
  const timeoutMs = timeoutFor(n, settings)
  const started = performance.now()
  const deadline = started + timeoutMs
  const report: RunReport = { via: 'socket.io', n, ok: false }
  let server: RunningBaseline | undefined
  let sampler: PeakSampler | undefined
  let cpuAtStart: Awaited<ReturnType<typeof cpuSnapshot>> | undefined
  let host: SioSocket | undefined
  const audience: SioSocket[] = []
  let joinFailures: string[] = []
  log(`starting the server (timeout ${Math.round(timeoutMs / 1000)} s)`)
  try {
    server = await startBaseline()
    const { url } = server
    const { conference: conf, hostToken } = server.ready
    cpuAtStart = await cpuSnapshot(url)
    sampler = new PeakSampler(url)
    const samples = sampler
    host = await SioSocket.open(url, { auth: { token: hostToken } }, { keepStats: true })
    const hostSocket = host
    report.roundTripMs = await measureRoundTrips(() => hostSocket.request('room.ping'))
    let expected: Counts | undefined
    let tallyAt: number | undefined
    let beforeVotes: CpuAt | undefined
    sampler.start()

    const load = await runLoad<{ index: number; socket: SioSocket }>(
      {
        async join(index) {
          const joined = await api(url, `/api/conference/by-code/${conf.code}/join`, {
            method: 'POST',
            json: {},
          })
          const socket = await SioSocket.open(url, { auth: { token: joined.body.token } })
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
            token: hostToken,
          })
          const sockets = clients.map((c) => c.socket)
          await awaitLiveFanout(report, sockets, pushAt, deadline, log)
          beforeVotes = await cpuAt(samples)
        },
        vote: (c, index) => vote(c.socket, conf.questionId, optionFor(conf.optionIds, index)),
        async tallied() {
          const want = expected!
          const isFinal = (r: Received) => sameCounts((r.message as RoomStats).results, want)
          const final = await hostSocket.waitFor(
            'room.stats',
            isFinal,
            Math.min(60_000, Math.max(0, deadline - performance.now())),
          )
          tallyAt = final.at
          return tallyAt
        },
        async afterVotes() {
          const after = await cpuAt(samples)
          report.processesAtTally = after.processes
          report.cpuDuringVotes = cpuShare(beforeVotes, after)
          if (beforeVotes) report.stolenCpuDuringVotes = stolenPercent(beforeVotes, after)
        },
        close: async (c) => c.socket.close(),
      },
      loadOptions(n, settings, deadline, label),
    )
    const { votedIndexes: _, ...loadReport } = load
    report.load = loadReport
    joinFailures = load.join.failures
    if (load.error) throw new Error(load.error)
    report.expected = expected
    const stats = hostSocket.kept as { at: number; message: RoomStats }[]
    report.hostAudienceCount = Math.max(0, ...stats.map((r) => r.message.audienceCount))
    report.hostTicksDuringVotes = ticksBetween(
      stats,
      load.votes.firstSendAt,
      tallyAt,
      (r) => (r.message as RoomStats).results.totalResponses,
    )
    const hostFinal = tallyAt ? stats.find((r) => r.at === tallyAt) : stats.at(-1)
    const live = await api(url, `/api/conference/${conf.id}/questions/${conf.questionId}/results`, {
      token: hostToken,
    })
    const want = expected ?? { counts: {}, totalResponses: 0 }
    report.checks = [
      check('host room.stats', hostFinal?.message.results ?? null, want),
      check("REST (server's tally)", live.body.results ?? null, want),
    ]
    settle(report, load)
  } catch (error) {
    recordFailure(report, error, joinFailures, log)
  } finally {
    recordAudience(report, audience)
    for (const s of audience) s.close()
    host?.close()
    if (sampler) report.processesPeak = await sampler.stop()
    report.durationMs = Math.round(performance.now() - started)
    if (server && cpuAtStart)
      report.otherCpuPercent = otherCpu(cpuAtStart, await cpuSnapshot(server.url))
    await server?.stop()
    concludeRun(report, log)
  }
  return report
}
