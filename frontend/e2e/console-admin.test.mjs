// The township admin's console in Debian's Chromium against the real server (embedded
// database, demo data) with a real loopback SMS gateway and the job worker running.
// Farmers act through the API as their phones would.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, test } from 'node:test'
import { accessibilityProblems, launch, login, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'
import {
  ADMIN_PASSWORD,
  ADMIN_PHONE,
  TOWNSHIP,
  beijingDay,
  desktopContext,
  pasteInto,
  priceSheet,
  signInAsAdmin,
  writeNotice,
  writeStatement,
} from './township.mjs'

witnessFailures(import.meta.url)

const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))
let server
let browser

before(async () => {
  server = await startServer({ documentsOnly: false, smsGateway: true })
  browser = await launch()
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

/** Free-form GraphQL as another client would send it (this server accepts text). */
async function graphql(query, variables = {}, token = null) {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  })
  return response.json()
}

async function data(query, variables, token) {
  const body = await graphql(query, variables, token)
  if (body.errors) throw new Error(JSON.stringify(body.errors))
  return body.data
}

async function received() {
  return (await fetch(`${server.smsGateway}/received`)).json()
}

async function until(check, what, seconds = 30) {
  const end = Date.now() + seconds * 1000
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > end) throw new Error(`waited ${seconds} s for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function assertAccessible(page, screen) {
  // Vant's toast is a transient message, not part of the screen: scan once it has gone.
  await page.locator('.van-toast').waitFor({ state: 'hidden' }).catch(() => {})
  const problems = await accessibilityProblems(page)
  assert.deepEqual(problems, [], `${screen}: ${JSON.stringify(problems, null, 2)}`)
}

async function adminPage(viewport = 'desktop') {
  const context = viewport === 'phone' ? await phoneContext(browser) : await desktopContext(browser)
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (error) => errors.push(error.message))
  await signInAsAdmin(page, server.url)
  return { page, context, errors }
}

/** Until the editor has given way to the published notice's page. */
const published = (page) => page.waitForURL((url) => /\/console\/notices\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'))

const noticeId = (page) => decodeURIComponent(new URL(page.url()).pathname.split('/').pop())

test('a notice with SMS reaches every resident through the gateway, and the stats table shows who read it', async () => {
  const { page, context, errors } = await adminPage()
  await page.goto(`${server.url}/console/notices/new`)
  const title = `孙家集街道冬季防火检查通知 ${Date.now() % 10000}`
  await writeNotice(page, { title, sms: true, ack: true })
  await assertAccessible(page, 'notice editor')
  await page.getByRole('button', { name: '发布' }).click()
  await published(page)
  const id = noticeId(page)
  await page.getByRole('heading', { name: title }).waitFor()
  // What the editor produced survived the server's sanitizer as written.
  assert.match(await page.locator('article .body').innerHTML(), /<strong>本周六上午九点<\/strong>.*<ul><li><p>身份证原件<\/p><\/li>/s)

  const admin = (await login(server.url, ADMIN_PHONE, ADMIN_PASSWORD)).token
  const statsQuery = `query($id: ID!) { noticeStats(noticeId: $id) { residents read acknowledged villages { residents read acknowledged village { id name } } } }`
  const before = (await data(statsQuery, { id }, admin)).noticeStats
  assert.ok(before.residents > 10, 'the township has residents')
  const ours = async () => (await received()).messages.filter((m) => m.text.includes(title.slice(0, 20)))
  const messages = await until(async () => {
    const found = await ours()
    return found.length >= before.residents && found
  }, `${before.residents} SMS at the gateway`)
  assert.equal(messages.length, before.residents, 'one SMS per resident, none twice')
  assert.equal(new Set(messages.map((m) => m.to)).size, before.residents)
  assert.match(messages[0].text, /请打开三农App查看全文并点击确认/)

  // Three villagers read it on their phones, two of them confirm.
  const readers = ['13800030000', '13800030001', '13800030002']
  const villages = new Map()
  for (const [n, phone] of readers.entries()) {
    const { token, user } = await login(server.url, phone)
    villages.set(user.village.name, (villages.get(user.village.name) ?? 0) + 1)
    await data(`mutation($id: ID!) { markNoticeRead(input: { noticeId: $id }) { userErrors { code } } }`, { id }, token)
    if (n < 2) {
      const ack = await data(`mutation($id: ID!) { acknowledgeNotice(input: { noticeId: $id }) { userErrors { code message } } }`, { id }, token)
      assert.deepEqual(ack.acknowledgeNotice.userErrors, [])
    }
  }
  await page.getByRole('button', { name: '刷新' }).click()
  await until(async () => (await page.locator('.read-total').textContent()) === String(before.read + 3), 'three reads in the table', 10)
  assert.equal(await page.locator('.ack-total').textContent(), String(before.acknowledged + 2))
  for (const [village, count] of villages) {
    const row = page.locator('table.stats tbody tr', { hasText: village })
    assert.equal(await row.locator('td').nth(2).textContent(), String(count), `${village} read`)
  }
  assert.equal(await page.locator('figure.chart svg rect').count(), before.villages.length * 4, 'two bars and two tracks per village')
  await assertAccessible(page, 'notice stats')

  // A new version keeps the old one in the history; a withdrawal needs its reason.
  await page.getByRole('button', { name: '修改' }).click()
  await page.locator('input[name=title]').fill(`${title}（更正）`)
  await page.locator('input[name=note]').fill('更正检查时间')
  await assertAccessible(page, 'notice edit')
  await page.getByRole('button', { name: '保存新版本' }).click()
  await page.getByRole('heading', { name: `${title}（更正）` }).waitFor()
  await page.getByText(/第 2 版，修改于 .*：更正检查时间/).waitFor()
  await page.locator('.revision summary', { hasText: /第 1 版 · .* · 张卫东/ }).click()
  await page.locator('.revision h3', { hasText: title }).waitFor()
  await page.getByRole('button', { name: '撤回' }).click()
  await page.getByRole('button', { name: '确认撤回' }).click()
  await page.getByText('请填写撤回原因').waitFor()
  await page.locator('textarea[name=reason]').fill('检查改期，另行通知')
  await page.getByRole('button', { name: '确认撤回' }).click()
  await page.locator('.withdrawn', { hasText: '检查改期，另行通知' }).waitFor()
  const withdrawn = await data(`query($id: ID!) { node(id: $id) { ... on Notice { status withdrawReason version } } }`, { id }, admin)
  assert.deepEqual(withdrawn.node, { status: 'WITHDRAWN', withdrawReason: '检查改期，另行通知', version: 2 })

  await page.goto(`${server.url}/console/notices`)
  await page.locator('.notice-row', { hasText: `${title}（更正）` }).getByText('已撤回').waitFor()
  await assertAccessible(page, 'notice list')
  assert.deepEqual(errors, [])
  await context.close()
})

test('a finance statement shows live totals and the 其他 warning, and is published with the checked totals', async () => {
  const { page, context, errors } = await adminPage()
  await page.goto(`${server.url}/console/notices/new`)
  await writeNotice(page, { title: '孙家集村 2026 年第三季度财务公开', category: 'FINANCE' })
  await page.locator('.picker select').first().selectOption({ label: '孙家集村' })
  await writeStatement(page)
  assert.equal(await page.locator('.income-sum').textContent(), '12000.00')
  assert.equal(await page.locator('.expense-sum').textContent(), '9000.50')
  await page.locator('.other-warning', { hasText: '「其他支出·杂费」900.00 元，占支出合计的 10%，超过 5%' }).waitFor()
  await page.getByLabel('收入合计（按纸质报表）').fill('12000')
  await page.getByLabel('支出合计（按纸质报表）').fill('9000')
  await page.getByText('与明细合计不符').waitFor()
  await assertAccessible(page, 'finance statement editor')
  await page.getByRole('button', { name: '按明细合计填写' }).click()
  assert.equal(await page.getByText('与明细合计不符').count(), 0)
  await page.getByLabel('添加附件').setInputFiles(PHOTO)
  await page.getByRole('button', { name: '发布' }).click()
  await published(page)
  await page.getByText('收入 12000.00 元 · 支出 9000.50 元 · 结余 2999.50 元').waitFor()
  await page.locator('.attachments a', { hasText: 'icon-512.png' }).waitFor()
  await page.getByText('占支出合计的 10.0%，超过 5%').waitFor()
  assert.deepEqual(errors, [])
  await context.close()
})

test('a complaint is answered through every state of the queue', async () => {
  const farmer = await login(server.url, '13800030003')
  const submit = `mutation($text: String!) { submitFeedback(input: { kind: COMPLAINT, text: $text }) { feedback { id number } userErrors { message } } }`
  const first = (await data(submit, { text: '村东头的路灯坏了一个月了，晚上出行不安全' }, farmer.token)).submitFeedback.feedback
  const second = (await data(submit, { text: '希望把广场舞音响声音调小一点' }, farmer.token)).submitFeedback.feedback

  const { page, context, errors } = await adminPage()
  await page.goto(`${server.url}/console/feedback`)
  await page.locator('.ticket').first().waitFor()
  const overdue = await page.locator('.ticket').evaluateAll((cards) => cards.map((card) => Boolean(card.querySelector('.overdue'))))
  assert.ok(overdue[0], 'an overdue ticket comes first')
  assert.deepEqual(overdue, [...overdue].sort((a, b) => Number(b) - Number(a)), 'overdue ones before the rest')
  await assertAccessible(page, 'feedback queue')

  await page.locator('select[name=status]').selectOption('ACCEPTED')
  await page.locator('select[name=kind]').selectOption('COMPLAINT')
  await page.locator('.picker select').first().selectOption({ label: farmer.user.village.name })
  const ticket = page.locator(`.ticket[data-number="${first.number}"]`)
  await ticket.waitFor()
  assert.ok((await page.locator('.ticket').count()) >= 2)
  const move = async (card, status, text, label) => {
    const replies = await card.locator('.replies li').count()
    if (await card.getByRole('button', { name: '答复' }).count()) await card.getByRole('button', { name: '答复' }).click()
    await card.locator('textarea[name=reply]').fill(text)
    await card.locator(`[data-move=${status}]`).click()
    await card.locator('.replies li').nth(replies).waitFor()
    await card.locator('.status', { hasText: label }).waitFor()
  }
  await move(ticket, 'IN_PROGRESS', '已安排电工下周一前来更换。', '办理中')
  await move(ticket, 'IN_PROGRESS', '灯具已到货，周一上午更换。', '办理中')
  await move(ticket, 'RESOLVED', '路灯已于今天上午修好，请您查看。', '已办结')
  assert.equal(await ticket.locator('[data-move]').count(), 0, 'a closed ticket takes no more replies')
  const rejected = page.locator(`.ticket[data-number="${second.number}"]`)
  await move(rejected, 'REJECTED', '广场舞属村民自治事项，请联系村委会协调。', '不予受理')
  await assertAccessible(page, 'feedback replies')

  const mine = await data(`{ feedback(filter: { mine: true }) { edges { node { number status replies { status text } } } } }`, {}, farmer.token)
  const byNumber = new Map(mine.feedback.edges.map((e) => [e.node.number, e.node]))
  assert.deepEqual(byNumber.get(first.number).replies.map((r) => r.status), ['IN_PROGRESS', 'IN_PROGRESS', 'RESOLVED'])
  assert.equal(byNumber.get(first.number).status, 'RESOLVED')
  assert.equal(byNumber.get(second.number).status, 'REJECTED')

  await page.locator('select[name=status]').selectOption('RESOLVED')
  await page.locator(`.ticket[data-number="${first.number}"][data-status=RESOLVED]`).waitFor()
  assert.deepEqual(errors, [])
  await context.close()
})

test('twenty pasted price rows: the good ones are stored, the two bad ones show the server’s reasons', async () => {
  const sheet = await priceSheet(server.url)
  const { page, context, errors } = await adminPage()
  await page.goto(`${server.url}/console/prices`)
  await pasteInto(page.getByLabel('第 1 行日期'), sheet.tsv)
  assert.equal(await page.locator('tr.price-row').count(), 20, 'the header row is skipped')
  assert.equal(await page.getByLabel('第 20 行均价').inputValue(), sheet.rows[19].avg)
  await page.getByRole('button', { name: '提交价格' }).click()
  await page.locator('.stored-count').waitFor()
  assert.equal(await page.locator('.stored-count').textContent(), '18')
  assert.equal(await page.locator('.rejected-count').textContent(), '2')
  const states = await page.locator('tr.price-row').evaluateAll((rows) => rows.map((row) => row.dataset.state))
  assert.deepEqual(
    states.flatMap((state, index) => (state === 'bad' ? [index] : [])),
    sheet.bad,
  )
  assert.equal(states.filter((state) => state === 'stored' || state === 'unchanged').length, 18)
  assert.equal(await page.locator('tr.price-row').nth(4).locator('.problems').textContent(), '最低价不能高于最高价')
  assert.match(await page.locator('tr.price-row').nth(9).locator('.problems').textContent(), /价格单位应为 元\/公斤，不是「元\/头」/)
  await assertAccessible(page, 'price table')

  // Stored as reported: today's good rows are now the latest quotes at the market.
  const ids = [...new Set(sheet.rows.map((r) => r.commodityId))]
  const latest = await data(
    `query($ids: [ID!], $region: ID) { latestPrices(commodityIds: $ids, regionId: $region, first: 100) { edges { node { date low price commodity { id } market { id } } } } }`,
    { ids, region: TOWNSHIP },
  )
  const quotes = new Map(latest.latestPrices.edges.filter((e) => e.node.market.id === sheet.market.id).map((e) => [e.node.commodity.id, e.node]))
  sheet.rows.forEach((row, index) => {
    if (row.date !== beijingDay() || sheet.bad.includes(index)) return
    const quote = quotes.get(row.commodityId)
    assert.equal(quote.date, row.date, row.commodity)
    assert.equal(Number(quote.price), Number(row.avg), row.commodity)
  })
  assert.notEqual(Number(quotes.get(sheet.rows[4].commodityId).low), 9.99, 'the bad row was not stored')

  // The admin corrects the two rows and sends them again: only they go.
  await page.getByLabel('第 5 行最低价').fill((Number(sheet.rows[4].avg) - 0.3).toFixed(2))
  await page.getByLabel('第 10 行单位').fill('元/公斤')
  await page.getByRole('button', { name: '提交价格' }).click()
  await until(async () => (await page.locator('.stored-count').textContent()) === '2', 'both rows stored', 10)
  assert.equal(await page.locator('tr.price-row[data-state=bad]').count(), 0)
  assert.deepEqual(errors, [])
  await context.close()
})

test('alerts, reported listings, residents and the audit log of the subtree', async () => {
  const { page, context, errors } = await adminPage()
  // A buyer reports a listing of the township; the admin hides it and restores it.
  const listings = await data(`query($r: ID) { listings(filter: { regionId: $r }, first: 1) { edges { node { id title } } } }`, { r: TOWNSHIP })
  const listing = listings.listings.edges[0].node
  const buyer = await login(server.url, '13800030004')
  await data(`mutation($id: ID!) { reportListing(input: { listingId: $id, reason: "照片与实物不符，疑似虚假" }) { userErrors { message } } }`, { id: listing.id }, buyer.token)
  await page.goto(`${server.url}/console/reports`)
  const card = page.locator('.reported', { hasText: listing.title })
  await card.getByText('照片与实物不符，疑似虚假').waitFor()
  await assertAccessible(page, 'reported listings')
  await card.getByRole('button', { name: '屏蔽' }).click()
  await page.getByRole('button', { name: '屏蔽' }).last().click()
  await card.getByText('已屏蔽').waitFor()
  await card.getByRole('button', { name: '恢复' }).click()
  await page.getByRole('button', { name: '恢复' }).last().click()
  await card.getByText('在售').waitFor()

  await page.goto(`${server.url}/console/alerts`)
  await page.getByLabel('标题').fill('大风降温蓝色预警')
  await page.getByLabel('内容').fill('预计明天夜间有 6 级大风，气温下降 8 度。')
  await page.getByRole('button', { name: '添加此地区' }).click()
  await page.getByLabel('截止时间').fill(`${beijingDay(1)}T18:00`)
  await page.getByRole('button', { name: '发布预警' }).click()
  await page.locator('.alert', { hasText: '大风降温蓝色预警' }).waitFor()
  await assertAccessible(page, 'alerts')

  await page.goto(`${server.url}/console/residents`)
  await page.locator('.resident').first().waitFor()
  await page.locator('input[name=text]').fill('13800030001')
  await page.getByRole('button', { name: '查找' }).click()
  await until(async () => (await page.locator('.resident').count()) === 1, 'one resident found by phone', 10)
  assert.match(await page.locator('.resident').textContent(), /13800030001.*农户/)
  await assertAccessible(page, 'residents')

  await page.goto(`${server.url}/console/audit`)
  await page.locator('.entry').first().waitFor()
  await page.locator('select[name=action]').selectOption('HIDE_LISTING')
  await until(async () => {
    const rows = await page.locator('.entry').allTextContents()
    return rows.length > 0 && rows.every((row) => row.includes('屏蔽商品'))
  }, 'the hide in the audit log', 10)
  await assertAccessible(page, 'audit log')
  assert.deepEqual(errors, [])
  await context.close()
})

test('on a phone the queue and the price table work at 390 px', async () => {
  const { page, context, errors } = await adminPage('phone')
  await page.goto(`${server.url}/console/feedback`)
  await page.locator('.ticket').first().waitFor()
  const width = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(width <= 390, `no sideways scrolling of the page (${width} px)`)
  await assertAccessible(page, 'feedback queue, phone')
  await page.goto(`${server.url}/console/prices`)
  await page.getByLabel('第 1 行市场').waitFor()
  assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'the table scrolls inside its frame')
  await assertAccessible(page, 'price table, phone')
  await page.goto(`${server.url}/console/notices/new`)
  await page.getByRole('textbox', { name: '正文' }).waitFor()
  await assertAccessible(page, 'notice editor, phone')
  assert.deepEqual(errors, [])
  await context.close()
})

test('a platform admin picks a county of the province for a notice, level by level', async () => {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  await signInAs(page, server.url, '13800000004', 'pingtai2026')
  await page.goto(`${server.url}/console/notices/new`)
  await page.getByText('请继续选择到县、乡镇、村一级').waitFor()
  const level = (n) => page.locator('.picker select').nth(n)
  await level(0).selectOption({ label: '潍坊市' })
  await level(1).selectOption({ label: '寿光市' })
  assert.equal(await page.getByText('请继续选择到县、乡镇、村一级').count(), 0, 'a county may be chosen')
  await level(2).selectOption({ label: '孙家集街道' })
  await level(3).locator('option', { hasText: '三元朱村' }).waitFor({ state: 'attached' })
  await assertAccessible(page, 'notice editor, platform admin')
  await context.close()
})

test('a farmer opening the township console is refused by the screen and by the API', async () => {
  const context = await desktopContext(browser)
  const page = await context.newPage()
  const { token } = await signInAs(page, server.url, '13800000001')
  for (const path of ['/console/notices/new', '/console/feedback', '/console/prices']) {
    await page.goto(`${server.url}${path}`)
    await page.getByText('没有权限打开这个页面').waitFor()
    assert.equal(await page.locator('.tc-head').count(), 0, `${path} shows nothing of the screen`)
  }
  await assertAccessible(page, 'refusal')
  const notices = await data(`{ notices(first: 1) { edges { node { id } } } }`, {}, token)
  const refused = [
    await graphql(`query($id: ID!) { noticeStats(noticeId: $id) { read } }`, { id: notices.notices.edges[0].node.id }, token),
    await graphql(`{ users(first: 5) { edges { node { phone } } } }`, {}, token),
    await graphql(`{ listingReports(first: 5) { edges { node { reportCount } } } }`, {}, token),
    await graphql(`{ auditLog(first: 5) { edges { node { id } } } }`, {}, token),
  ]
  for (const body of refused) assert.equal(body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(body))
  const publish = await graphql(
    `mutation { publishNotice(input: { regionId: "${TOWNSHIP}", category: ANNOUNCEMENT, title: "冒充", body: "<p>冒充</p>" }) { notice { id } userErrors { code } } }`,
    {},
    token,
  )
  assert.equal(publish.errors?.[0]?.extensions?.code ?? publish.data?.publishNotice?.userErrors?.[0]?.code, 'FORBIDDEN')
  await context.close()
})

test('a platform admin adds a village under a township, renames it, and a farmer can register there', async () => {
  const village = '370783003288' // 孙家集街道's digits, then 288
  const regionId = Buffer.from(`Region:${village}`).toString('base64')
  for (const viewport of ['desktop', 'phone']) {
    const context = viewport === 'phone' ? await phoneContext(browser) : await desktopContext(browser)
    const page = await context.newPage()
    const errors = []
    page.on('pageerror', (error) => errors.push(error.message))
    await signInAs(page, server.url, '13800000004', 'pingtai2026')
    await page.goto(`${server.url}/console/platform/regions`)
    await page.getByRole('button', { name: '展开潍坊市' }).click() // 山东省, the admin's own, is open
    await page.getByRole('button', { name: '展开寿光市' }).click()
    await page.getByRole('button', { name: '添加村（社区）到孙家集街道' }).click()
    const dialog = page.locator('.van-dialog') // (Vant's toast is a dialog too)
    const code = dialog.getByLabel('区划代码', { exact: true })
    assert.equal(await code.inputValue(), '370783003', 'the code starts with the township’s digits')
    assert.match(await dialog.locator('.facts').innerText(), /级别\s*村（社区）/, 'the level is shown, not chosen')
    if (viewport === 'phone') {
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'no sideways scrolling')
      for (const box of await page.locator('.node-actions button').evaluateAll((all) => all.map((b) => b.getBoundingClientRect()))) {
        assert.ok(box.width >= 44 && box.height >= 44, `a tap target of ${box.width}×${box.height}`)
      }
      await assertAccessible(page, 'regions form, phone')
      await context.close()
      continue
    }
    // a code under another township: the server's reason, next to the field, nothing added
    await code.fill('370783002288')
    await dialog.getByLabel('名称', { exact: true }).fill('新建村')
    await dialog.getByRole('button', { name: '保存' }).click()
    const reason = dialog.locator('#region-code-error')
    await reason.waitFor()
    assert.equal(await reason.innerText(), '区划代码应以上级代码的前 9 位 370783003 开头')
    assert.equal(await code.getAttribute('aria-invalid'), 'true')
    await assertAccessible(page, 'regions form with a refusal')
    await code.fill(village)
    await dialog.getByRole('button', { name: '保存' }).click()
    await dialog.waitFor({ state: 'hidden' })
    const added = page.locator(`[data-code="${village}"]`)
    await added.getByText('新建村').waitFor()
    assert.equal(await page.getByRole('treeitem', { name: /孙家集街道/ }).first().getAttribute('aria-expanded'), 'true')
    // renamed in place; the tree shows the new name
    await page.getByRole('button', { name: '改名：新建村' }).click()
    const name = dialog.getByLabel('名称', { exact: true })
    assert.equal(await name.inputValue(), '新建村')
    await name.fill('三元朱村') // a sibling's name
    await dialog.getByRole('button', { name: '保存' }).click()
    await dialog.locator('#region-name-error').getByText('同一上级下已有名为「三元朱村」的地区').waitFor()
    await name.fill('新风村')
    await name.press('Enter')
    await dialog.waitFor({ state: 'hidden' })
    await added.getByText('新风村').waitFor()
    assert.deepEqual(errors, [])
    await context.close()
  }
  // a farmer's phone lists the village under the township and registers there
  const listed = await data(`query($p: ID) { regions(parentId: $p) { id name } }`, { p: TOWNSHIP })
  assert.ok(listed.regions.some((r) => r.id === regionId && r.name === '新风村'), JSON.stringify(listed))
  const registered = await data(
    `mutation($i: RegisterInput!) { register(input: $i) { token user { village { fullName } } userErrors { message } } }`,
    { i: { phone: '13912340288', password: 'abc12345x', name: '新村民', villageId: regionId } },
  )
  assert.deepEqual(registered.register.userErrors, [])
  assert.equal(registered.register.user.village.fullName, '山东省潍坊市寿光市孙家集街道新风村')
  const platform = (await login(server.url, '13800000004', 'pingtai2026')).token
  const log = await data(
    `{ auditLog(filter: { action: CREATE_REGION }, first: 5) { edges { node { outcome detail } } } }`,
    {},
    platform,
  )
  assert.deepEqual(log.auditLog.edges.map((e) => e.node.outcome), ['DONE', 'REFUSED'])

  // The farmer's phone keeps the village's name from sign-in; home brings a later rename.
  const phone = await phoneContext(browser)
  const farmer = await phone.newPage()
  await signInAs(farmer, server.url, '13912340288', 'abc12345x')
  await farmer.goto(`${server.url}/`)
  await farmer.getByText('孙家集街道新风村').waitFor()
  const renamed = await data(
    `mutation($i: RenameRegionInput!) { renameRegion(input: $i) { userErrors { code } } }`,
    { i: { id: regionId, name: '新风二村' } },
    platform,
  )
  assert.deepEqual(renamed.renameRegion.userErrors, [])
  await farmer.reload()
  await farmer.getByText('孙家集街道新风二村').waitFor()
  await farmer.reload() // kept in the session: shown before home answers
  await farmer.getByText('孙家集街道新风二村').waitFor()
  await phone.close()
})
