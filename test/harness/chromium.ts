// The one place the browser tests get their Chromium from: playwright-core drives a browser it
// does not download, so this finds one on the machine — CHROMIUM_PATH, then the usual names on
// PATH, then the macOS application bundles, then Playwright's own browser cache — and launches it
// headless with the flags every browser test shares.
import { accessSync, constants, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import path from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { devVariable } from '../../dev-services/dev-variables'

export const CHROMIUM_NOT_FOUND =
  'Chromium not found: install it (apt-get install chromium / brew install --cask chromium) or set CHROMIUM_PATH'

/** No Chromium anywhere this module looks; the message names the fix. */
export class ChromiumNotFoundError extends Error {
  constructor(message = CHROMIUM_NOT_FOUND) {
    super(message)
    this.name = 'ChromiumNotFoundError'
  }
}

/** Executable names on PATH, most specific first (Debian's package installs `chromium`). */
const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']

/** Application bundles of a macOS Chromium or Chrome, which put nothing on PATH. */
const APP_BUNDLES = [
  'Chromium.app/Contents/MacOS/Chromium',
  'Google Chrome.app/Contents/MacOS/Google Chrome',
]

/**
 * The executable inside one of Playwright's `chromium-<revision>` folders: the Chrome for Testing
 * layout of recent Playwright releases and the Chromium builds' of older ones, Linux and macOS.
 */
const PLAYWRIGHT_EXECUTABLES = [
  'chrome-linux64/chrome',
  'chrome-linux-arm64/chrome',
  'chrome-linux/chrome',
  'chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
  'chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
  'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
]

export interface ChromiumSearch {
  /** Reads CHROMIUM_PATH, PATH, PLAYWRIGHT_BROWSERS_PATH and XDG_CACHE_HOME. */
  env: Record<string, string | undefined>
  home: string
  /** Folders holding macOS application bundles (none elsewhere). */
  applicationDirs: string[]
}

function defaultSearch(): ChromiumSearch {
  const home = homedir()
  return {
    env: process.env,
    home,
    applicationDirs:
      process.platform === 'darwin' ? ['/Applications', path.join(home, 'Applications')] : [],
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/** Playwright's download folders: PLAYWRIGHT_BROWSERS_PATH, else its per-user cache (Linux, macOS). */
function playwrightCaches({ env, home }: ChromiumSearch): string[] {
  const configured = env.PLAYWRIGHT_BROWSERS_PATH
  if (configured && configured !== '0') return [configured]
  return [
    path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'ms-playwright'),
    path.join(home, 'Library', 'Caches', 'ms-playwright'),
  ]
}

/** `chromium-<revision>` folders of one cache, newest revision first. */
function chromiumRevisions(cache: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(cache)
  } catch {
    return []
  }
  const revision = (name: string) => Number(name.slice('chromium-'.length))
  return entries
    .filter((name) => /^chromium-\d+$/.test(name))
    .sort((a, b) => revision(b) - revision(a))
    .map((name) => path.join(cache, name))
}

/** Every place to look, in order; the first executable one wins. */
function candidates(search: ChromiumSearch): string[] {
  const dirs = (search.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  return [
    ...PATH_NAMES.flatMap((name) => dirs.map((dir) => path.join(dir, name))),
    ...search.applicationDirs.flatMap((dir) => APP_BUNDLES.map((app) => path.join(dir, app))),
    ...playwrightCaches(search)
      .flatMap(chromiumRevisions)
      .flatMap((dir) => PLAYWRIGHT_EXECUTABLES.map((exe) => path.join(dir, exe))),
  ]
}

/**
 * The Chromium executable the browser tests launch. CHROMIUM_PATH, when set, is the only answer:
 * a wrong one is reported rather than silently replaced by another browser.
 *
 * @example findChromium() // '/usr/bin/chromium' on Debian
 */
export function findChromium(search: ChromiumSearch = defaultSearch()): string {
  const configured = devVariable('CHROMIUM_PATH', search.env)
  if (configured) {
    if (isExecutable(configured)) return configured
    throw new ChromiumNotFoundError(
      `CHROMIUM_PATH=${configured} is not an executable file: point it at Chromium or Chrome, or unset it`,
    )
  }
  const found = candidates(search).find(isExecutable)
  if (!found) throw new ChromiumNotFoundError()
  return found
}

/** Flags every browser test shares: headless, and none of Chromium's own background traffic. */
const COMMON_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
]

/** Launches the found Chromium headless, with a test's own flags after the common ones. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: [...COMMON_ARGS, ...extraArgs] })
}
