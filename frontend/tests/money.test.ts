// One way to write money on the farmer's screens: format.ts `yuan` (3.20元/斤, 12.5万元).
// A screen that writes 元 after a number of its own, or ¥, writes money another way.
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const SRC = join(__dirname, '..', 'src')
const FARMER_APP = ['views', 'components', 'App.vue', 'finance.ts', 'notices.ts', 'experts.ts', 'notify.ts']

function filesUnder(path: string): string[] {
  const full = join(SRC, path)
  if (/\.(vue|ts)$/.test(path)) return [full]
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => filesUnder(join(path, entry.name)))
}

const OWN_MONEY = [
  /[¥￥]/, // another currency sign
  /(\}\}|\}|\))\s*元(?![/（(])/, // 元 written after an interpolated number
  /\.toFixed\(2\)/, // decimals chosen by the screen
]

describe('money on the farmer screens', () => {
  test('is written by format.ts only', () => {
    const found = FARMER_APP.flatMap(filesUnder).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => (OWN_MONEY.some((pattern) => pattern.test(line)) ? [`${file.slice(SRC.length + 1)}:${index + 1}: ${line.trim()}`] : [])),
    )
    expect(found).toEqual([])
  })
})
