// findChromium (test/harness/chromium.ts) against a fake machine in a temp folder: fake PATH
// folders, a fake home with Playwright's cache and a fake /Applications, holding empty executables.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CHROMIUM_NOT_FOUND,
  ChromiumNotFoundError,
  findChromium,
  type ChromiumSearch,
} from './harness/chromium'

let root: string
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'chromium-discovery-'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

let cases = 0
/** A fresh fake machine: its own home, no PATH, no application folders. */
async function machine() {
  const dir = path.join(root, String(cases++))
  const home = path.join(dir, 'home')
  await mkdir(home, { recursive: true })
  const search: ChromiumSearch = { env: {}, home, applicationDirs: [] }
  /** An executable (or, with mode 0o644, a plain file) at `relative` under this machine. */
  const file = async (relative: string, mode = 0o755) => {
    const full = path.join(dir, relative)
    await mkdir(path.dirname(full), { recursive: true })
    await writeFile(full, '#!/bin/sh\n')
    await chmod(full, mode)
    return full
  }
  return { dir, home, search, file }
}

describe('findChromium', () => {
  it('takes CHROMIUM_PATH before anything on PATH', async () => {
    const m = await machine()
    const own = await m.file('opt/my-chrome/chrome')
    await m.file('bin/chromium')
    m.search.env = { CHROMIUM_PATH: own, PATH: path.join(m.dir, 'bin') }
    expect(findChromium(m.search)).toBe(own)
  })

  it('reports a CHROMIUM_PATH that is not an executable instead of looking elsewhere', async () => {
    const m = await machine()
    await m.file('bin/chromium')
    const notExecutable = await m.file('opt/chrome.txt', 0o644)
    for (const wrong of [notExecutable, path.join(m.dir, 'missing/chrome')]) {
      m.search.env = { CHROMIUM_PATH: wrong, PATH: path.join(m.dir, 'bin') }
      expect(() => findChromium(m.search)).toThrow(ChromiumNotFoundError)
      expect(() => findChromium(m.search)).toThrow(`CHROMIUM_PATH=${wrong} is not an executable`)
    }
  })

  it('finds the first name on PATH in its order: chromium, chromium-browser, google-chrome, google-chrome-stable', async () => {
    const m = await machine()
    const first = path.join(m.dir, 'first')
    const second = path.join(m.dir, 'second')
    m.search.env = { PATH: [first, second].join(path.delimiter) }
    const stable = await m.file('first/google-chrome-stable')
    expect(findChromium(m.search)).toBe(stable)
    const chrome = await m.file('second/google-chrome')
    expect(findChromium(m.search)).toBe(chrome)
    const browser = await m.file('second/chromium-browser')
    expect(findChromium(m.search)).toBe(browser)
    // The same name in two PATH folders: the earlier folder wins, as in a shell.
    await m.file('second/chromium')
    const earlier = await m.file('first/chromium')
    expect(findChromium(m.search)).toBe(earlier)
  })

  it('skips a file on PATH that is not executable', async () => {
    const m = await machine()
    m.search.env = { PATH: path.join(m.dir, 'bin') }
    await m.file('bin/chromium', 0o644)
    const chrome = await m.file('bin/google-chrome')
    expect(findChromium(m.search)).toBe(chrome)
  })

  it('finds a macOS application bundle when nothing is on PATH', async () => {
    const m = await machine()
    m.search.applicationDirs = [path.join(m.dir, 'Applications')]
    const chrome = await m.file('Applications/Google Chrome.app/Contents/MacOS/Google Chrome')
    expect(findChromium(m.search)).toBe(chrome)
  })

  it("falls back to Playwright's cache, newest revision first", async () => {
    const m = await machine()
    m.search.env = { PATH: path.join(m.dir, 'empty') }
    const cache = 'home/.cache/ms-playwright'
    await m.file(`${cache}/chromium-1090/chrome-linux/chrome`)
    const newest = await m.file(`${cache}/chromium-1200/chrome-linux64/chrome`)
    await m.file(`${cache}/firefox-1500/firefox/firefox`)
    expect(findChromium(m.search)).toBe(newest)
  })

  it("reads Playwright's macOS cache and PLAYWRIGHT_BROWSERS_PATH", async () => {
    const m = await machine()
    const mac = await m.file(
      'home/Library/Caches/ms-playwright/chromium-1200/chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing',
    )
    expect(findChromium(m.search)).toBe(mac)
    const browsers = path.join(m.dir, 'browsers')
    const configured = await m.file('browsers/chromium-1100/chrome-linux/chrome')
    m.search.env = { PLAYWRIGHT_BROWSERS_PATH: browsers }
    expect(findChromium(m.search)).toBe(configured)
  })

  it('fails with one line naming the fix when there is no Chromium anywhere', async () => {
    const m = await machine()
    await m.file('bin/firefox')
    m.search.env = { PATH: path.join(m.dir, 'bin') }
    expect(() => findChromium(m.search)).toThrow(ChromiumNotFoundError)
    expect(() => findChromium(m.search)).toThrow(CHROMIUM_NOT_FOUND)
    expect(CHROMIUM_NOT_FOUND).toBe(
      'Chromium not found: install it (apt-get install chromium / brew install --cask chromium) or set CHROMIUM_PATH',
    )
  })
})
