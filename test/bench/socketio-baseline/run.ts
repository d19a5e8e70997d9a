// One Socket.IO baseline run with the ConferenceRoom run's load and checks: a fresh server process
// (or two behind the Redis adapter, with a fresh redis-server of their own), a host (its idle round
// trips first) and N audience sockets (socket.io-client, WebSocket transport only; with two
// processes every other client joins and connects to the second one's port: a WebSocket needs no
// sticky session), REST join and push, one vote each acked by callback, then the host's count and
// the servers' own tally checked.
import { spawn, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { ensureRedis } from '../../../dev-services/redis'
import { api, type Received } from '../conference-client'
import { runLoad, samplesMs, summarize } from '../load'
import {
  type Baseline,
  loadOptions,
  settle,
  SOCKET_IO_REDIS_ROLE,
  SOCKET_IO_ROLE,
  BASELINE_PROCESSES,
  ticksBetween,
  timeoutFor,
  type RunReport,
  type RunSettings,
} from '../report'
import {
  awaitLiveFanout,
  concludeRun,
  recordAudience,
  recordFailure,
  roundTripSamples,
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
import { newSetup, REDIS_URL_ENV, SETUP_ENV, type BaselineReady, type RoomStats } from './protocol'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))

export interface RunningBaseline {
  url: string
  ready: BaselineReady
  pid: number
  stop(): Promise<void>
}

/** Where a baseline serves: one process, or several serving one conference through Redis. */
export interface BaselineServers {
  /** Each process's base URL: the host and the REST calls use the first. */
  urls: string[]
  ready: BaselineReady
  stop(): Promise<void>
}

/**
 * Starts the baseline server in its own Node process; resolves once it listens. `env`: another
 * process's setup and the Redis they share (see startBaselineServers).
 */
export function startBaseline(
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<RunningBaseline> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
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

/**
 * One baseline process, or `processes` of them sharing one conference (its ids and token secret),
 * Socket.IO's Redis adapter and the poll state through a redis-server started for them alone.
 */
export async function startBaselineServers(processes: number): Promise<BaselineServers> {
  if (processes === 1) {
    const one = await startBaseline()
    return { urls: [one.url], ready: one.ready, stop: one.stop }
  }
  const redis = await ensureRedis()
  if (redis.pid) nameProcess(redis.pid, SOCKET_IO_REDIS_ROLE)
  const env = { [SETUP_ENV]: JSON.stringify(newSetup()), [REDIS_URL_ENV]: redis.url }
  const started = await Promise.allSettled(
    Array.from({ length: processes }, () => startBaseline(env)),
  )
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()))
    await redis.close()
  }
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  return { urls: servers.map((s) => s.url), ready: servers[0]!.ready, stop }
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

/** A baseline run at N: `socket.io` (one process) or `socket.io-redis` (two behind Redis). */
export async function runSocketIo(
  n: number,
  settings: RunSettings,
  baseline: Baseline = 'socket.io',
): Promise<RunReport> {
  const processes = BASELINE_PROCESSES[baseline]
  const label = `${baseline} n=${n}`
  const log = (line: string) => settings.log(`${label}: ${line}`)
  const timeoutMs = timeoutFor(n, settings)
  const started = performance.now()
  const deadline = started + timeoutMs
  const report: RunReport = { via: baseline, n, ok: false }
  let server: BaselineServers | undefined
  let sampler: PeakSampler | undefined
  let cpuAtStart: Awaited<ReturnType<typeof cpuSnapshot>> | undefined
  let host: SioSocket | undefined
  const audience: SioSocket[] = []
  let joinFailures: string[] = []
  log(`starting the server (timeout ${Math.round(timeoutMs / 1000)} s)`)
  try {
    server = await startBaselineServers(processes)
    const { urls } = server
    const url = urls[0]!
    const { conference: conf, hostToken } = server.ready
    cpuAtStart = await cpuSnapshot(url)
    sampler = new PeakSampler(url)
    const samples = sampler
    host = await SioSocket.open(url, { auth: { token: hostToken } }, { keepStats: true })
    const hostSocket = host
    const roundTrips = await roundTripSamples(() => hostSocket.request('room.ping'))
    report.roundTripMs = summarize(roundTrips)
    report.roundTripSamplesMs = samplesMs(roundTrips)
    let expected: Counts | undefined
    let tallyAt: number | undefined
    let beforeVotes: CpuAt | undefined
    sampler.start()

    const load = await runLoad<{ index: number; socket: SioSocket }>(
      {
        async join(index) {
          const mine = urls[index % urls.length]!
          const joined = await api(mine, `/api/conference/by-code/${conf.code}/join`, {
            method: 'POST',
            json: {},
          })
          const socket = await SioSocket.open(mine, { auth: { token: joined.body.token } })
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
      report.otherCpuPercent = otherCpu(cpuAtStart, await cpuSnapshot(server.urls[0]!))
    await server?.stop()
    concludeRun(report, log)
  }
  return report
}
