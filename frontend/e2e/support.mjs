// Shared by the browser tests, the screenshots and the benchmark: a real server
// (tests/app_server.py: in-memory embedded database, demo data, the built app) and
// Debian's Chromium driven by playwright-core at a phone's size.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { createInterface } from 'node:readline'
import { after, afterEach } from 'node:test'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const FRONTEND = fileURLToPath(new URL('..', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const PHONE = { width: 390, height: 844 }
/** The small phones many farmers have. */
export const SMALL_PHONE = { width: 360, height: 640 }
export const FARMER_PASSWORD = 'nongmin2026'

export function chromiumPath() {
  const candidates = [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean)
  const found = candidates.find((path) => existsSync(path))
  if (!found) {
    // A missing browser is a failure, never a skip: make test installs it.
    throw new Error(`no Chromium found (looked at ${candidates.join(', ')}); apt-get install chromium`)
  }
  return found
}

/** `python -m tests.app_server` until `stop()`; resolves once it serves. With
 * `smsGateway`, a loopback SMS gateway runs beside it (`smsGateway` is its address:
 * `GET ${smsGateway}/received` says what it got) and the app's job worker sends to it. */
export async function startServer({ documentsOnly = true, smsGateway = false } = {}) {
  if (!existsSync(`${FRONTEND}/dist/index.html`)) throw new Error('frontend/dist is missing: npm run build first')
  const python = process.env.PYTHON ?? `${ROOT}/.venv/bin/python`
  const args = ['-m', 'tests.app_server', '--port', '0', ...(documentsOnly ? ['--documents-only'] : []), ...(smsGateway ? ['--sms-gateway'] : [])]
  const child = spawn(python, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM') // else it keeps the test process alive after the failure
      reject(new Error('server did not start in 90 s'))
    }, 90_000)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
    lines.on('line', (line) => {
      if (line.startsWith('{')) {
        clearTimeout(timer)
        resolve(JSON.parse(line))
      }
    })
  })
  return {
    url: ready.url,
    smsGateway: ready.smsGateway ?? null,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

const browsers = new Set()
const pageLogs = new WeakMap()
// Uncaught errors and what Vue's error handler logs (console.error), since the last test
// ended: witnessFailures fails the test that saw them. Failed loads are the network's
// doing (offline tests make them on purpose), not the app's.
const renderErrors = []
const NETWORK_NOISE = /^(Failed to load resource|WebSocket connection to .* failed)/

export async function launch(options = {}) {
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], ...options })
  // Every page of every context keeps its last lines for witnessFailures.
  const newContext = browser.newContext.bind(browser)
  browser.newContext = async (contextOptions) => {
    const context = await newContext(contextOptions)
    context.on('page', keepLog)
    await reportPolicyViolations(context)
    return context
  }
  browsers.add(browser)
  browser.on('disconnected', () => browsers.delete(browser))
  return browser
}

// Content-Security-Policy violations of any page, until the end of the test that saw them
// fails it (witnessFailures): the app must work under the server's policy, not beside it.
const violations = []

async function reportPolicyViolations(context) {
  await context.exposeBinding('__sannongPolicyViolation', ({ page }, text) => violations.push(`${page?.url()}: ${text}`))
  // An init script runs through DevTools, so the policy under test does not block it.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const where = event.sourceFile ? ` at ${event.sourceFile}:${event.lineNumber}` : ''
      window.__sannongPolicyViolation(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}${where} ${event.sample}`)
    })
  })
}

function keepLog(page) {
  const lines = []
  pageLogs.set(page, lines)
  const note = (line) => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`)
    if (lines.length > 60) lines.shift()
  }
  page.on('console', (message) => {
    note(`console.${message.type()}: ${message.text()}`)
    if (message.type() === 'error' && !NETWORK_NOISE.test(message.text())) renderErrors.push(`console.error at ${page.url()}: ${message.text()}`)
    // Chromium also says so in the console, for what no event reaches (a worker's fetch)
    if (message.text().includes('Content Security Policy')) violations.push(`${page.url()}: ${message.text()}`)
  })
  page.on('pageerror', (error) => {
    note(`page error: ${error.message}`)
    renderErrors.push(`page error at ${page.url()}: ${error.stack ?? error.message}`)
  })
  page.on('requestfailed', (request) => note(`failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`))
  page.on('response', async (response) => {
    if (!response.url().includes('/graphql')) return
    const body = await response.text().catch(() => '')
    note(`${response.status()} ${response.request().method()} ${response.url().slice(0, 120)} → ${body.slice(0, 240)}`)
  })
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) note(`at ${frame.url()}`)
  })
}

/** After a failed test of this file: what every open page showed (a screenshot in
 * e2e/failures/) and its last console lines, GraphQL responses and failed requests, in
 * the output, so a failure seen once on a busy machine can be understood afterwards.
 * A test during which a page had an uncaught error or logged one (Vue's error handler
 * does, for a render error that leaves a screen empty) fails, even if it passed. */
export function witnessFailures(testFile) {
  const stem = basename(fileURLToPath(testFile), '.test.mjs')
  let failures = 0
  const noViolations = () => {
    const seen = [...new Set(violations.splice(0))]
    if (seen.length) throw new Error(`Content-Security-Policy violations:\n  ${seen.join('\n  ')}`)
  }
  afterEach(noViolations)
  after(noViolations)
  afterEach(async (t) => {
    const errors = renderErrors.splice(0)
    if (t.passed && !errors.length) return
    failures += 1
    mkdirSync(`${FRONTEND}e2e/failures`, { recursive: true })
    let n = 0
    for (const browser of browsers) {
      for (const context of browser.contexts()) {
        for (const page of context.pages()) {
          n += 1
          const shot = `${FRONTEND}e2e/failures/${stem}-${failures}-${n}.png`
          const shown = await page
            .screenshot({ path: shot, timeout: 5_000 })
            .then(() => shot)
            .catch((error) => `no screenshot: ${error.message}`)
          const text = await page
            .evaluate(() => document.body?.innerText.replace(/\s+/g, ' ').slice(0, 400) ?? '')
            .catch(() => '?')
          const log = (pageLogs.get(page) ?? []).join('\n  ')
          console.log(`\n--- after "${t.name}" failed: page ${n} at ${page.url()} (${shown})\n  shows: ${text}\n  ${log}\n---`)
        }
      }
    }
    if (errors.length) throw new Error(`the pages had errors during "${t.name}":\n${errors.join('\n')}`)
  })
}

export function phoneContext(browser, options = {}) {
  return browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    serviceWorkers: 'allow',
    ...options,
  })
}

const documents = JSON.parse(readFileSync(`${FRONTEND}/trusted-documents.json`, 'utf8'))

/** The app's own trusted document of an operation, by its name. */
export function documentIdOf(name) {
  const pattern = new RegExp(`(query|mutation|subscription) ${name}\\b`)
  const found = Object.entries(documents).find(([, text]) => pattern.test(text))
  if (!found) throw new Error(`no trusted document named ${name}`)
  return found[0]
}

/** The API as another phone would use it: by documentId, as the server only accepts. */
export async function api(url, name, variables = {}, token = null) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ documentId: documentIdOf(name), variables }),
  })
  const body = await response.json()
  if (body.errors) throw new Error(`${name}: ${JSON.stringify(body.errors)}`)
  return body.data
}

export async function login(url, phone, password = FARMER_PASSWORD) {
  const data = await api(url, 'Login', { input: { phone, password } })
  if (!data.login.token) throw new Error(`login ${phone}: ${JSON.stringify(data.login.userErrors)}`)
  return data.login
}

const AXE = readFileSync(`${FRONTEND}/node_modules/axe-core/axe.min.js`, 'utf8')

/** axe-core's serious and critical findings on the page as it is now. */
export async function accessibilityProblems(page) {
  await page.evaluate(AXE) // through DevTools: a script tag would be refused by the page's policy
  const violations = await page.evaluate(async () => {
    // Colours are judged as drawn: a dialog still fading in is half transparent, and its
    // text would fail the contrast rule against what shows through. Infinite animations
    // (loading spinners) never finish, so only the ones that end are awaited, 2 s at most.
    const ending = document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity)
    const settled = Promise.allSettled(ending.map((a) => a.finished))
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 2000))])
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }))
  })
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** A signed-in phone without going through the screens: the session the app keeps. */
export async function signInAs(page, url, phone, password = FARMER_PASSWORD) {
  const { token, user } = await login(url, phone, password)
  const level = (name) => user.village?.path.find((step) => step.level === name)?.id ?? null
  const session = {
    token,
    user: {
      id: user.id,
      name: user.name,
      phone: user.phone,
      villageId: user.village?.id ?? null,
      villageName: user.village?.fullName ?? null,
      townshipId: level('TOWNSHIP'),
      countyId: level('COUNTY'),
      role: user.role,
      adminRegionId: user.adminRegion?.id ?? null,
      adminRegionName: user.adminRegion?.fullName ?? null,
    },
  }
  await page.goto(`${url}/healthz`)
  await page.evaluate((saved) => localStorage.setItem('sannong.session', JSON.stringify(saved)), session)
  return session
}

/** Waits until the app's offline cache (graphcache in IndexedDB) holds `needle`, e.g. an
 * id: the cache is written when the page is idle, later on a busy machine. */
export async function cachedOffline(page, needle, timeout = 30_000) {
  await page.waitForFunction(
    async (text) => {
      const known = await indexedDB.databases()
      if (!known.some((db) => db.name === 'sannong-cache-v1')) return false // never create it here
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('sannong-cache-v1')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      try {
        for (const name of db.objectStoreNames) {
          const read = (method) =>
            new Promise((resolve, reject) => {
              const request = db.transaction(name).objectStore(name)[method]()
              request.onsuccess = () => resolve(request.result)
              request.onerror = () => reject(request.error)
            })
          if (JSON.stringify([await read('getAllKeys'), await read('getAll')]).includes(text)) return true
        }
        return false
      } finally {
        db.close()
      }
    },
    needle,
    { polling: 250, timeout },
  )
}

/** Every visible control of the page smaller than 44 × 44 px (WCAG 2.5.5, and the README's
 * promise), as `text (width×height)`. A control counts at the size a finger can hit: its
 * own box, or a label/cell around it that takes the tap for it. Inline links inside a
 * sentence are exempt, as WCAG exempts them. */
export async function smallTapTargets(page, min = 44) {
  return page.evaluate((min) => {
    const selector = 'button, a[href], [role="button"], [role="tab"], [role="link"], [role="radio"], [role="checkbox"], [role="switch"], input:not([type="hidden"]), select, textarea, .van-tabbar-item'
    const small = []
    for (const element of document.querySelectorAll(selector)) {
      const box = element.getBoundingClientRect()
      const style = getComputedStyle(element)
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || element.closest('[aria-hidden="true"], [inert]')) continue
      if (element.matches('input[type="file"]') && style.opacity === '0') continue // the uploader's box takes its taps
      if (element.matches('a') && element.closest('p, li') && element.closest('p, li').textContent.trim() !== element.textContent.trim()) continue
      let hit = box
      const host = element.closest('label, .van-cell, .van-radio, .van-checkbox, .van-uploader__upload')
      if (host && host !== element) {
        const around = host.getBoundingClientRect()
        if (around.width >= hit.width && around.height >= hit.height) hit = around
      }
      if (hit.width + 0.5 < min || hit.height + 0.5 < min) {
        const name = (element.getAttribute('aria-label') || element.textContent || element.getAttribute('placeholder') || element.className || element.tagName).trim().replace(/\s+/g, ' ').slice(0, 30)
        small.push(`${name} (${Math.round(hit.width)}×${Math.round(hit.height)})`)
      }
    }
    return small
  }, min)
}

/** From the next page load on, the context's pages meet the network as Debian's Chromium 150
 * showed it (and a weak 3G link does): `navigator.onLine` stays true without a link and no
 * `online` or `offline` event fires. The app must not need either. */
export async function onLineAlwaysTrue(context) {
  await context.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => true })
    for (const name of ['online', 'offline']) window.addEventListener(name, (event) => event.stopImmediatePropagation(), true)
  })
}
