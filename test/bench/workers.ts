// Starts the Worker under benchmark in workerd — through wrangler's dev engine (with its proxy) or
// as a wrangler-built bundle in Miniflare directly — and samples the processes' memory and open files.
import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, readFile, readdir, readlink, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Log, LogLevel, Miniflare } from 'miniflare'
import {
  unstable_getDurableObjectClassNameToUseSQLiteMap as sqliteClasses,
  unstable_readConfig as readConfig,
} from 'wrangler'
import { startWorker } from '../harness/worker'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export type Via = 'wrangler' | 'miniflare'

export interface BenchWorker {
  via: Via
  url: string
  dispose(): Promise<void>
}

export async function startBenchWorker(via: Via, vars: Record<string, string>) {
  return via === 'wrangler' ? startViaWrangler(vars) : startViaMiniflare(vars)
}

async function startViaWrangler(vars: Record<string, string>): Promise<BenchWorker> {
  const worker = await startWorker({ vars })
  return { via: 'wrangler', url: worker.url, dispose: () => worker.dispose() }
}

/**
 * The deploy bundle (`wrangler deploy --dry-run`), built once per process however many Workers a
 * benchmark starts from it; removed when the process exits.
 */
let bundle: Promise<string> | undefined

function deployBundle(): Promise<string> {
  bundle ??= (async () => {
    const outdir = await mkdtemp(path.join(tmpdir(), 'bench-bundle-'))
    // Miniflare's own exit hook ends the process on Ctrl-C before async cleanup can run.
    process.once('exit', () => rmSync(outdir, { recursive: true, force: true }))
    await promisify(execFile)(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
        'deploy',
        '--dry-run',
        '--outdir',
        outdir,
        '--config',
        path.join(ROOT, 'wrangler.toml'),
      ],
      {
        cwd: ROOT,
        // Offline: no Request.cf download, no telemetry, no banner (its npm update check goes online).
        env: {
          ...process.env,
          CLOUDFLARE_CF_FETCH_ENABLED: 'false',
          WRANGLER_SEND_METRICS: 'false',
          WRANGLER_HIDE_BANNER: 'true',
        },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    )
    return outdir
  })()
  bundle.catch(() => (bundle = undefined))
  return bundle
}

/** Runs the deploy bundle in Miniflare, with no proxy (nor Miniflare's entry worker) in front. */
async function startViaMiniflare(vars: Record<string, string>): Promise<BenchWorker> {
  const outdir = await deployBundle()
  const config = readConfig({ config: path.join(ROOT, 'wrangler.toml') }, { hideWarnings: true })
  const useSqlite = sqliteClasses(config.migrations)
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(outdir, 'index.js'),
    modulesRoot: outdir,
    compatibilityDate: config.compatibility_date!,
    compatibilityFlags: config.compatibility_flags,
    durableObjects: Object.fromEntries(
      config.durable_objects.bindings.map((b: { name: string; class_name: string }) => [
        b.name,
        { className: b.class_name, useSQLite: useSqlite.get(b.class_name) ?? false },
      ]),
    ),
    bindings: vars,
    host: '127.0.0.1',
    port: 0,
    log: new Log(LogLevel.WARN),
    cf: false,
    // Straight to the Worker: Miniflare's own entry worker (not deployed) would relay every frame
    // once more (measured at 5,000 sockets: about 190 MiB more RSS, push → all saw the question
    // 180 → 200 ms, votes/s within run-to-run noise).
    unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
  })
  await mf.ready
  const url = (await mf.unsafeGetDirectURL()).toString().replace(/\/$/, '')
  return { via: 'miniflare', url, dispose: () => mf.dispose() }
}

/**
 * Points this process's temporary directory (where wrangler and Miniflare keep unpersisted Durable
 * Object storage) at tmpfs: SQLite there commits without a disk fsync, so the room's storage is as
 * volatile as the Socket.IO baseline's process memory. Answers the cleanup, or undefined without tmpfs.
 */
export async function useMemoryTmpdir(): Promise<(() => Promise<void>) | undefined> {
  const dir = await mkdtemp('/dev/shm/bench-').catch(() => undefined)
  if (!dir) return undefined
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  return async () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    await rm(dir, { recursive: true, force: true })
  }
}

export interface ProcessUse {
  pid: number
  /** 'load generator (node)', workerd's role ('workerd (serves the URL)' …) or a nameProcess role. */
  role: string
  rssMiB: number
  fds: number
  /** User + system CPU time used so far, in seconds. */
  cpuSeconds: number
}

const roles = new Map<number, string>()

/** Samples a child process that is neither workerd nor this one (e.g. the Socket.IO baseline). */
export function nameProcess(pid: number, role: string) {
  roles.set(pid, role)
}
/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100

/** Every process this one started (transitively) plus itself, read from /proc (Linux only). */
export async function sampleProcesses(workerUrl?: string): Promise<ProcessUse[]> {
  const parents = new Map<number, number>()
  const names = new Map<number, string>()
  const cpu = new Map<number, number>()
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const m = /^\d+ \((.*)\) (.*)$/s.exec(stat)
    if (!m) continue
    // After the name: state ppid … utime (14th field overall) stime (15th), in clock ticks.
    const fields = m[2]!.split(' ')
    parents.set(Number(entry), Number(fields[1]))
    names.set(Number(entry), m[1]!)
    cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS)
  }
  const mine = new Set([process.pid])
  for (let grew = true; grew;) {
    grew = false
    for (const [pid, ppid] of parents)
      if (!mine.has(pid) && mine.has(ppid)) {
        mine.add(pid)
        grew = true
      }
  }
  const port = workerUrl ? new URL(workerUrl).port : undefined
  const out: ProcessUse[] = []
  for (const pid of mine) {
    const name = names.get(pid) ?? ''
    if (pid !== process.pid && !name.startsWith('workerd') && !roles.has(pid)) continue
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
    const fds = (await readdir(`/proc/${pid}/fd`).catch(() => [])).length
    let role = roles.get(pid)
    if (!role) {
      if (pid === process.pid) role = 'load generator (node)'
      else if (port && (await listensOn(pid, Number(port)))) role = 'workerd (serves the URL)'
      else role = 'workerd (behind it)'
      roles.set(pid, role)
    }
    out.push({ pid, role, rssMiB: Math.round(rssKiB / 1024), fds, cpuSeconds: cpu.get(pid) ?? 0 })
  }
  return out
}

/** Whether `pid` holds the listening socket of `port` (so: which workerd the clients talk to). */
async function listensOn(pid: number, port: number): Promise<boolean> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0')
  const inodes = new Set<string>()
  for (const line of (await readFile(`/proc/${pid}/net/tcp`, 'utf8').catch(() => '')).split('\n')) {
    const cols = line.trim().split(/\s+/)
    // local_address ends with :PORT, st 0A = LISTEN, inode in column 9
    if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]!)
  }
  if (inodes.size === 0) return false
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
    if (inode && inodes.has(inode)) return true
  }
  return false
}

/** Samples every `intervalMs` and keeps each process's peak RSS and open files. */
export class PeakSampler {
  private readonly peaks = new Map<number, ProcessUse>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined

  constructor(
    private readonly workerUrl: string,
    private readonly intervalMs = 500,
  ) {}

  start() {
    this.timer = setInterval(() => {
      this.running ??= this.sample().finally(() => (this.running = undefined))
    }, this.intervalMs)
    this.timer.unref()
  }

  async sample(): Promise<ProcessUse[]> {
    const now = await sampleProcesses(this.workerUrl)
    for (const p of now) {
      const peak = this.peaks.get(p.pid)
      this.peaks.set(p.pid, {
        ...p,
        rssMiB: Math.max(p.rssMiB, peak?.rssMiB ?? 0),
        fds: Math.max(p.fds, peak?.fds ?? 0),
        cpuSeconds: p.cpuSeconds,
      })
    }
    return now
  }

  async stop(): Promise<ProcessUse[]> {
    clearInterval(this.timer)
    await this.running
    return [...this.peaks.values()]
  }
}

export interface CpuAt {
  at: number
  processes: ProcessUse[]
  /** The machine's stolen CPU so far (stolenSeconds). */
  stolen: number
}

/** The benchmark's processes' CPU and the machine's stolen CPU, now. */
export async function cpuAt(sampler: PeakSampler): Promise<CpuAt> {
  const [processes, stolen] = await Promise.all([sampler.sample(), stolenSeconds()])
  return { at: performance.now(), processes, stolen }
}

/** CPU each process used between two samples, in % of one core. */
export function cpuShare(from: CpuAt | undefined, to: CpuAt) {
  if (!from) return []
  const seconds = (to.at - from.at) / 1000
  return to.processes.flatMap((p) => {
    const before = from.processes.find((q) => q.pid === p.pid)
    return before
      ? [
          {
            role: p.role,
            pid: p.pid,
            percent: Math.round(((p.cpuSeconds - before.cpuSeconds) / seconds) * 100),
          },
        ]
      : []
  })
}

/** The whole machine's CPU seconds so far, from /proc/stat's first line (zeros where it is absent). */
async function machineCpu() {
  const line = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0] ?? ''
  const ticks = line.split(/\s+/).map(Number)
  // Fields after "cpu": user nice system idle iowait irq softirq steal, in 1/100 s.
  const seconds = (i: number) => (Number.isFinite(ticks[i]) ? ticks[i]! / 100 : 0)
  return { user: seconds(1), nice: seconds(2), system: seconds(3), steal: seconds(8) }
}

/** Busy CPU seconds of the whole machine (/proc/stat) and of this benchmark's processes. */
export async function cpuSnapshot(url: string) {
  const { user, nice, system } = await machineCpu()
  const ours = (await sampleProcesses(url)).reduce((sum, p) => sum + p.cpuSeconds, 0)
  // user, nice, system: interrupt time is left out (our own loopback traffic lands there).
  return { at: performance.now(), busy: user + nice + system, ours }
}

/**
 * CPU time this machine's virtual CPUs were ready to run while the host ran something else
 * (/proc/stat's steal), in seconds. Room runs had vote ack p99s tens of ms above the others' with
 * no garbage collection in their vote window (V8 `--trace-gc`); this is one thing to read them
 * against. On this machine it also creeps while the guest idles (about 15 % of a core).
 */
async function stolenSeconds(): Promise<number> {
  return (await machineCpu()).steal
}

/** CPU stolen between two readings, in % of one core. */
export function stolenPercent(from: CpuAt, to: CpuAt): number {
  const seconds = (to.at - from.at) / 1000
  return seconds > 0 ? Math.round(((to.stolen - from.stolen) / seconds) * 100) : 0
}

/** What everything else on the machine used meanwhile (other engineers' tests skew the numbers). */
export function otherCpu(a: Awaited<ReturnType<typeof cpuSnapshot>>, b: typeof a) {
  const seconds = (b.at - a.at) / 1000
  const other = b.busy - a.busy - (b.ours - a.ours)
  return Math.max(0, Math.round((other / seconds) * 100))
}
