// The township admin's console in the browser: helpers shared by its browser test
// (console-admin.test.mjs) and `make screenshots`.
import { api, login, signInAs } from './support.mjs'

export const ADMIN_PHONE = '13800000003'
export const ADMIN_PASSWORD = 'xiangzhen2026'
/** 孙家集街道 (code 370783003000), as the API names it. */
export const TOWNSHIP = Buffer.from('Region:370783003000').toString('base64')
export const DESKTOP = { width: 1366, height: 768 }

export function desktopContext(browser) {
  return browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' })
}

export function signInAsAdmin(page, url) {
  return signInAs(page, url, ADMIN_PHONE, ADMIN_PASSWORD)
}

export function adminToken(url) {
  return login(url, ADMIN_PHONE, ADMIN_PASSWORD).then((session) => session.token)
}

/** Today in Beijing, as the price table's dates are written. */
export function beijingDay(offsetDays = 0) {
  const when = new Date(Date.now() + offsetDays * 86400_000)
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(when)
}

/** 20 rows as a spreadsheet copies them (a header row, tabs, CRLF): ten commodities of
 * the township's market today and yesterday. Row 4 has its low above its high and row
 * 9 a unit the commodity is not quoted in: the two the server must refuse. */
export async function priceSheet(url) {
  const { markets, commodities } = await api(url, 'TownshipPriceCatalog', { regionId: TOWNSHIP }, await adminToken(url))
  const market = markets[0]
  const picked = commodities.filter((c) => c.unit === '元/公斤').slice(0, 10)
  const rows = []
  const today = beijingDay()
  const yesterday = beijingDay(-1)
  picked.forEach((commodity, n) => {
    for (const date of [today, yesterday]) {
      const avg = (2 + n * 0.37 + (date === today ? 0.11 : 0)).toFixed(2)
      rows.push({ date, market: market.name, commodity: commodity.name, commodityId: commodity.id, unit: '元/公斤', low: (avg - 0.3).toFixed(2), avg, high: (Number(avg) + 0.3).toFixed(2) })
    }
  })
  rows[4] = { ...rows[4], low: '9.99' } // low above high
  rows[9] = { ...rows[9], unit: '元/头' } // not how it is quoted
  const header = '日期\t市场\t品种\t单位\t最低价\t均价\t最高价'
  const tsv = [header, ...rows.map((r) => [r.date, r.market, r.commodity, r.unit, r.low, r.avg, r.high].join('\t'))].join('\r\n') + '\r\n'
  return { market, rows, tsv, bad: [4, 9] }
}

/** What a spreadsheet's copy puts on the clipboard, pasted into a cell of the table. */
export async function pasteInto(locator, text) {
  await locator.evaluate((cell, value) => {
    const data = new DataTransfer()
    data.setData('text/plain', value)
    cell.focus()
    cell.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, text)
}

/** Fills the notice editor: title, a formatted body, category, options. */
export async function writeNotice(page, { title, category = null, sms = false, ack = false }) {
  await page.locator('input[name=title]').fill(title)
  const body = page.getByRole('textbox', { name: '正文' })
  await body.click()
  await page.keyboard.type('各村村民：')
  await page.keyboard.press('Enter')
  // Each tool's pressed state is waited for: on a busy machine the editor applies it a
  // frame after the click, and keys typed before would miss the format.
  const tool = (name, pressed) => page.locator(`.toolbar button[title="${name}"][aria-pressed="${pressed}"]`).waitFor()
  await page.getByRole('button', { name: '加粗' }).click()
  await tool('加粗', true)
  await page.keyboard.type('本周六上午九点')
  await page.getByRole('button', { name: '加粗' }).click()
  await tool('加粗', false)
  await page.keyboard.type('在村委会办理，请带好身份证。')
  await page.keyboard.press('Enter')
  await page.getByRole('button', { name: '项目列表' }).click()
  await tool('项目列表', true)
  await page.keyboard.type('身份证原件')
  await page.keyboard.press('Enter')
  await page.keyboard.type('一卡通存折')
  if (category) await page.getByLabel('类别').selectOption(category)
  if (sms) await page.locator('input[name=sendSms]').check()
  if (ack) await page.locator('input[name=requiresAck]').check()
}

/** A small statement whose 其他 line is 10 % of the expenses: the server warns about it. */
export async function writeStatement(page) {
  const row = (n) => page.locator('.finance tbody tr').nth(n)
  await page.getByLabel('公开期间').fill('2026 年第三季度')
  await row(0).getByLabel(/科目/).fill('经营收入')
  await row(0).getByLabel(/事项/).fill('大棚租金')
  await row(0).getByLabel(/金额/).fill('12000')
  await row(1).getByLabel(/科目/).fill('公益支出')
  await row(1).getByLabel(/事项/).fill('道路修缮')
  await row(1).getByLabel(/金额/).fill('8100.50')
  await page.getByRole('button', { name: '添加支出行' }).click()
  await row(2).getByLabel(/科目/).fill('其他支出')
  await row(2).getByLabel(/事项/).fill('杂费')
  await row(2).getByLabel(/金额/).fill('900')
}

/** `make screenshots`: the township admin's main screens at a desk. */
export async function townshipScreenshots({ url, browser, out }) {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  await signInAsAdmin(page, url)
  const shot = async (name) => {
    await page.locator('.van-toast').waitFor({ state: 'hidden' }).catch(() => {})
    await page.waitForTimeout(600)
    await page.screenshot({ path: `${out}${name}.png` })
    console.log(`docs/screenshots/${name}.png`)
  }
  await page.goto(`${url}/console/notices/new`)
  await writeNotice(page, { title: '孙家集街道 2026 年第三季度财务公开', category: 'FINANCE', ack: true })
  await writeStatement(page)
  await page.getByRole('button', { name: '按明细合计填写' }).click()
  await page.getByText('其他支出·杂费').waitFor()
  // The whole form at once: a desk's screen, taller (a full-page capture would move the
  // sticky side bar).
  await page.setViewportSize({ width: DESKTOP.width, height: 1440 })
  await shot('console-notice-editor')
  await page.setViewportSize(DESKTOP)

  const token = await adminToken(url)
  const notices = await api(url, 'TownshipNotices', { regionId: TOWNSHIP }, token)
  const township = notices.notices.edges.map((e) => e.node).find((n) => n.requiresAck && n.region.id === TOWNSHIP)
  await page.goto(`${url}/console/notices/${encodeURIComponent(township.id)}`)
  await page.locator('table.stats tbody tr').first().waitFor()
  await page.locator('#stats-title').scrollIntoViewIfNeeded()
  await shot('console-notice-stats')

  await page.goto(`${url}/console/feedback`)
  await page.locator('.ticket').first().waitFor()
  await shot('console-feedback')

  const sheet = await priceSheet(url)
  await page.goto(`${url}/console/prices`)
  await pasteInto(page.getByLabel('第 1 行日期'), sheet.tsv)
  await page.getByRole('button', { name: '提交价格' }).click()
  await page.locator('.stored-count').waitFor()
  await page.locator('tr.bad').first().scrollIntoViewIfNeeded()
  await shot('console-price-paste')
  await context.close()
}
