// `make screenshots` (second part): the expert's and the platform admin's console at a
// desk (1366×768) into docs/screenshots/, as the demo expert 李明华 and the demo
// platform admin 刘志刚 see them.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { launch, signInAs, startServer } from './support.mjs'

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
mkdirSync(OUT, { recursive: true })

const server = await startServer()
const browser = await launch()
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
  const page = await context.newPage()
  const shot = async (name, path, waitFor, options = {}, before = async () => {}) => {
    await page.goto(`${server.url}${path}`)
    await before()
    await page.locator(waitFor).first().waitFor()
    await page.waitForLoadState('networkidle')
    await page.waitForTimeout(600) // fonts, charts and transitions settle
    await page.screenshot({ path: `${OUT}${name}.png`, ...options })
    console.log(`docs/screenshots/${name}.png`)
  }
  await signInAs(page, server.url, '13800000002', 'zhuanjia2026')
  // Next week: the demo's slots, some of them booked.
  const nextWeek = () => page.getByRole('button', { name: '下一周' }).click()
  await shot('console-expert-calendar', '/console/expert/slots', '.chip', {}, nextWeek)
  await shot('console-expert-questions', '/console/expert/questions', 'article')
  await shot('console-expert-bookings', '/console/expert/bookings', 'article')
  await signInAs(page, server.url, '13800000004', 'pingtai2026')
  await shot('console-platform-stats', '/console/platform/stats', 'canvas', { fullPage: true })
  await shot('console-platform-users', '/console/platform/users', 'tbody tr')
  // The regions screen with its form open: a village added under 孙家集街道.
  await shot('console-platform-regions', '/console/platform/regions', '.van-dialog input', {}, async () => {
    await page.getByRole('button', { name: '展开潍坊市' }).click()
    await page.getByRole('button', { name: '展开寿光市' }).click()
    await page.getByRole('button', { name: '展开孙家集街道' }).click()
    await page.getByText('三元朱村').waitFor()
    await page.getByRole('button', { name: '添加村（社区）到孙家集街道' }).click()
    await page.locator('.van-dialog').getByLabel('名称', { exact: true }).fill('王家庄村')
  })
} finally {
  await browser.close()
  await server.stop()
}
