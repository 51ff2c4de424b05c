// `npm run test:browser`: each browser test file in turn, against its own server. A file
// that fails is run once more, from scratch, and the run says so loudly: on a loaded
// 2-core machine a real browser, a real server and the embedded database sometimes miss a
// timeout that a second run makes. A file failing twice fails the run; so does a file
// passing only the second time when SANNONG_BROWSER_RETRY=0.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const E2E = fileURLToPath(new URL('.', import.meta.url))
const retries = process.env.SANNONG_BROWSER_RETRY === '0' ? 0 : 1
const files = readdirSync(E2E).filter((name) => name.endsWith('.test.mjs')).sort()
const failed = []
const flaky = []
for (const file of files) {
  let passed = false
  for (let attempt = 0; attempt <= retries && !passed; attempt += 1) {
    if (attempt > 0) console.log(`\n*** ${file} failed; running it once more from a fresh server ***\n`)
    passed = spawnSync(process.execPath, ['--test', `${E2E}${file}`], { stdio: 'inherit' }).status === 0
    if (passed && attempt > 0) flaky.push(file)
  }
  if (!passed) failed.push(file)
}
if (flaky.length) console.log(`\n*** passed only on the second run (look at the first run above): ${flaky.join(', ')} ***`)
if (failed.length) {
  console.log(`\n*** failed: ${failed.join(', ')} ***`)
  process.exit(1)
}
console.log(`\nbrowser tests: ${files.length} files passed`)
