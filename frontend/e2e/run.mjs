// `npm run test:browser`: the browser test files, two at a time (one per core: a file spends
// much of its time waiting on its browser or its server), each against its own server, each
// file's output printed whole when it ends. A file that fails is run once more from scratch
// after the others, alone, and the run says so loudly: on a loaded 2-core machine a real
// browser, a real server and the embedded database sometimes miss a timeout that a second
// run makes. A file failing twice fails the run; with SANNONG_BROWSER_RETRY=0 a single
// failure does. SANNONG_BROWSER_JOBS sets how many files run at once (default 2).
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const E2E = fileURLToPath(new URL('.', import.meta.url))
const retries = process.env.SANNONG_BROWSER_RETRY === '0' ? 0 : 1
const jobs = Math.max(1, Number(process.env.SANNONG_BROWSER_JOBS ?? 2) || 1)
const files = readdirSync(E2E).filter((name) => name.endsWith('.test.mjs')).sort()

/** Runs one file; resolves to whether it passed, after printing its output in one piece. */
function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', `${E2E}${file}`], { stdio: ['ignore', 'pipe', 'pipe'] })
    const output = []
    child.stdout.on('data', (chunk) => output.push(chunk))
    child.stderr.on('data', (chunk) => output.push(chunk))
    child.on('close', (code) => {
      process.stdout.write(`\n=== ${file} (${code === 0 ? 'passed' : 'FAILED'}) ===\n`)
      process.stdout.write(Buffer.concat(output))
      resolve(code === 0)
    })
  })
}

/** Runs `names` at most `width` at a time; the names of those that failed. */
async function runAll(names, width) {
  const queue = [...names]
  const failed = []
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) if (!(await run(file))) failed.push(file)
  }
  await Promise.all(Array.from({ length: Math.min(width, names.length) }, worker))
  return failed.sort()
}

const failedOnce = await runAll(files, jobs)
const failedAgain = retries ? await runAll(failedOnce, 1) : failedOnce
const flaky = retries ? failedOnce.filter((file) => !failedAgain.includes(file)) : []
for (const file of retries ? failedOnce : []) console.log(`*** ${file} failed; it was run once more from a fresh server, alone ***`)
if (flaky.length) console.log(`\n*** passed only on the second run (look at the first run above): ${flaky.join(', ')} ***`)
if (failedAgain.length) {
  console.log(`\n*** failed: ${failedAgain.join(', ')} ***`)
  process.exit(1)
}
console.log(`\nbrowser tests: ${files.length} files passed`)
