// Lighthouse's mobile scores (its default: a mid-range phone on simulated slow 4G, CPU
// slowed 4×) of the main screens, driving Debian's Chromium. Run by `make bench-app`
// after app.mjs; prints figures, asserts nothing. Lighthouse has its own package.json
// here so `make test` never installs it.
import * as chromeLauncher from 'chrome-launcher'
import lighthouse from 'lighthouse'
import { chromiumPath, startServer } from '../e2e/support.mjs'

const SCREENS = [
  ['首页 home', '/'],
  ['行情 prices', '/prices'],
  ['集市 market', '/market'],
]

const server = await startServer()
const chrome = await chromeLauncher.launch({
  chromePath: chromiumPath(),
  chromeFlags: ['--headless=new', '--no-sandbox', '--lang=zh-CN'],
})
try {
  console.log('Lighthouse, mobile (targets: performance ≥ 90, accessibility ≥ 95):')
  for (const [name, path] of SCREENS) {
    const result = await lighthouse(`${server.url}${path}`, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility'],
    })
    const { categories, audits } = result.lhr
    const score = (category) => Math.round(categories[category].score * 100)
    const metric = (id) => audits[id].displayValue
    console.log(
      `  ${name.padEnd(14)} performance ${String(score('performance')).padStart(3)}` +
        `  accessibility ${String(score('accessibility')).padStart(3)}` +
        `  (FCP ${metric('first-contentful-paint')}, LCP ${metric('largest-contentful-paint')},` +
        ` TBT ${metric('total-blocking-time')}, CLS ${metric('cumulative-layout-shift')})`,
    )
    const failed = Object.values(audits).filter(
      (audit) => audit.score !== null && audit.score < 1 && result.lhr.categories.accessibility.auditRefs.some((ref) => ref.id === audit.id && ref.weight > 0),
    )
    for (const audit of failed) console.log(`      accessibility: ${audit.id} — ${audit.title}`)
  }
} finally {
  await chrome.kill()
  await server.stop()
}
