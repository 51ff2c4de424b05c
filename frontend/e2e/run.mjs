// `npm run test:browser`: each browser test file in turn, against its own server. A file
// that fails is run once more from scratch after the others, and the run says so loudly:
// on a loaded 2-core machine a real browser, a real server and the embedded database
// sometimes miss a timeout that a second run makes. A file failing twice fails the run;
// with SANNONG_BROWSER_RETRY=0 a single failure does.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const E2E = fileURLToPath(new URL('.', import.meta.url))
const retries = process.env.SANNONG_BROWSER_RETRY === '0' ? 0 : 1
const files = readdirSync(E2E).filter((name) => name.endsWith('.test.mjs')).sort()
const run = (file) => spawnSync(process.execPath, ['--test', `${E2E}${file}`], { stdio: 'inherit' }).status === 0
// A second run comes after every other file, not at once: what slowed the first is gone.
const failedOnce = files.filter((file) => !run(file))
const flaky = []
const failed = retries ? [] : [...failedOnce]
for (const file of retries ? failedOnce : []) {
  console.log(`\n*** ${file} failed; running it once more from a fresh server ***\n`)
  ;(run(file) ? flaky : failed).push(file)
}
if (flaky.length) console.log(`\n*** passed only on the second run (look at the first run above): ${flaky.join(', ')} ***`)
if (failed.length) {
  console.log(`\n*** failed: ${failed.join(', ')} ***`)
  process.exit(1)
}
console.log(`\nbrowser tests: ${files.length} files passed`)
