// `make bench-app`: what the farmer's phone pays for the app, against the production
// build served by a real server with the demo data. Prints figures; asserts nothing.
//
// - initial JS + CSS: what index.html loads before the home screen can show, gzipped as
//   the server sends it (target ≤ 150 KB);
// - time to home content over an emulated slow 3G link (400 kbps, 400 ms RTT): cold (empty
//   caches) and warm (a second start: service worker, HTTP cache and the IndexedDB cache);
// - bytes transferred in each.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { launch, phoneContext, signInAs, startServer } from '../e2e/support.mjs'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const SLOW_3G = { offline: false, latency: 400, downloadThroughput: 400_000 / 8, uploadThroughput: 400_000 / 8 }
const HOME_CONTENT = '.listing' // the village's listings: the last part of the home screen's one answer

function initialAssets() {
  const html = readFileSync(`${DIST}index.html`, 'utf8')
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])
  return files.map((file) => {
    const raw = readFileSync(DIST + file)
    return { file, raw: raw.length, gzip: gzipSync(raw, { level: 6 }).length }
  })
}

async function measure(page, cdp, url) {
  let bytes = 0
  const count = (event) => (bytes += event.encodedDataLength)
  cdp.on('Network.loadingFinished', count)
  await page.goto(url, { waitUntil: 'commit' })
  await page.locator(HOME_CONTENT).first().waitFor({ timeout: 120_000 })
  const ms = await page.evaluate(() => performance.now())
  await page.waitForLoadState('networkidle').catch(() => {})
  cdp.off('Network.loadingFinished', count)
  return { ms, bytes }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`

const assets = initialAssets()
const total = assets.reduce((sum, a) => sum + a.gzip, 0)
console.log('Initial JS + CSS (gzip level 6, as served):')
for (const a of assets) console.log(`  ${a.file.padEnd(40)} ${kb(a.raw).padStart(10)} → ${kb(a.gzip).padStart(9)}`)
console.log(`  total ${kb(total)} (target ≤ 150 KB)`)

const server = await startServer()
const browser = await launch()
try {
  const context = await phoneContext(browser)
  const page = await context.newPage()
  await signInAs(page, server.url, '13800000001') // 王建国 of the demo: follows crops, has a village
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.clearBrowserCache')
  await cdp.send('Network.emulateNetworkConditions', SLOW_3G)

  const cold = await measure(page, cdp, `${server.url}/`)
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.waitForTimeout(1000) // the cache reaches IndexedDB when the page is idle
  const warm = await measure(page, cdp, `${server.url}/`)

  console.log('Home content over slow 3G (400 kbps, 400 ms RTT), a signed-in farmer:')
  console.log(`  cold start: ${(cold.ms / 1000).toFixed(2)} s, ${kb(cold.bytes)} transferred (target ≤ 5 s)`)
  console.log(`  warm start: ${(warm.ms / 1000).toFixed(2)} s, ${kb(warm.bytes)} transferred (target ≤ 1.5 s)`)
} finally {
  await browser.close()
  await server.stop()
}
