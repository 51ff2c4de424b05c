// Every tab of the bottom bar, reached the way a person does (home first, then a tap on
// each tab), signed out, as the demo's farmer and as one who just registered, on a
// 390×844 phone and a small 360×640 one. Each tab must show what a person looks for
// there, with the server's own data: a tab read from the cache of another screen once
// showed 暂无内容 to every signed-in farmer while opening it by its address worked.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PHONE, SMALL_PHONE, api, launch, login, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const SEEDED_FARMER = '13800000001' // 王建国 of the demo: follows crops, has orders
let server
let browser
let seeded

before(async () => {
  server = await startServer()
  browser = await launch()
  seeded = await login(server.url, SEEDED_FARMER)
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

let registered = 0
/** A farmer who registered a minute ago, in the demo farmer's village. */
async function newFarmer() {
  registered += 1
  const phone = `137${String(Date.now()).slice(-6)}${String(registered).padStart(2, '0')}`
  const name = `新农户${registered}`
  const data = await api(server.url, 'Register', { input: { phone, password: 'tian2026ok', name, villageId: seeded.user.village.id } })
  assert.deepEqual(data.register.userErrors, [])
  return { phone, password: 'tian2026ok', name }
}

/** What each tab must show this person, as the server has it. */
async function expected(person) {
  const { token, user } = person ? await login(server.url, person.phone, person.password) : { token: null, user: null }
  const village = user?.village?.id ?? null
  const township = user?.village?.path.find((step) => step.level === 'TOWNSHIP')?.id ?? null
  const home = await api(server.url, 'Home', { village, signedIn: Boolean(token) }, token)
  const market = await api(server.url, 'Listings', { filter: { regionId: township, category: null, text: null }, sort: 'NEWEST', after: null }, token)
  const hub = await api(server.url, 'ExpertsHub', { signedIn: Boolean(token) }, token)
  const grain = await api(server.url, 'Commodities', { category: 'GRAIN' })
  const notices = village ? await api(server.url, 'Notices', { region: village, category: null, after: null, signedIn: true }, token) : null
  const titles = (connection) => connection.edges.map((edge) => edge.node.title)
  return {
    name: user?.name ?? null,
    homeListings: titles(home.listings),
    marketListings: titles(market.listings),
    experts: hub.experts.edges.map((edge) => edge.node.name),
    answered: hub.answered.edges.map((edge) => edge.node.text),
    commodities: grain.commodities.map((commodity) => commodity.name),
    notices: notices ? titles(notices.notices) : [],
  }
}

async function walkTheTabs(page, person, want) {
  await page.goto(`${server.url}/`)
  const tab = (name) => page.getByRole('tab', { name })

  // 首页
  await page.getByText(person ? '本村在卖' : '最新在卖').waitFor()
  await page.locator('.listing .title').first().waitFor()
  assert.ok(want.homeListings.length > 0, 'home has listings to show')
  const home = await page.locator('.listing .title').allTextContents()
  assert.deepEqual(home, want.homeListings.slice(0, home.length))
  if (person) await page.getByText(`${want.name}，您好`).waitFor()

  // 通知
  await tab('通知').click()
  await page.getByRole('heading', { name: '村务公开', level: 1 }).waitFor()
  if (person) {
    assert.ok(want.notices.length > 0, 'the village has notices')
    await page.getByRole('heading', { name: want.notices[0] }).first().waitFor()
  } else {
    await page.getByText('请选择您所在的村').waitFor()
  }

  // 行情
  await tab('行情').click()
  for (const name of want.commodities.slice(0, 3)) await page.locator('.price-row', { hasText: name }).first().waitFor()

  // 集市
  await tab('集市').click()
  await page.getByText('最新发布').first().waitFor()
  assert.ok(want.marketListings.length > 0, 'the market has listings')
  await page.locator('.listing .title', { hasText: want.marketListings[0] }).first().waitFor()
  const market = await page.locator('.listing .title').allTextContents()
  assert.deepEqual(market, want.marketListings.slice(0, market.length))

  // 专家: what a farmer looks for, the way to an expert included.
  await tab('专家').click()
  await page.getByRole('heading', { name: /找专家/ }).waitFor()
  assert.ok(want.experts.length > 0, 'the demo has experts')
  for (const name of want.experts) await page.locator('.name', { hasText: name }).first().waitFor()
  await page.getByRole('heading', { name: /专家解答/ }).waitFor()
  await page.getByText(want.answered[0]).first().waitFor()
  await page.getByRole('heading', { name: /专家讲座/ }).waitFor()
  if (person) {
    await page.getByRole('heading', { name: /我的预约/ }).waitFor()
    await page.getByRole('heading', { name: /我的提问/ }).waitFor()
  }
  assert.equal(await page.getByText('暂无内容').count(), 0)

  // 我的
  await tab('我的').click()
  if (person) {
    await page.getByRole('heading', { name: want.name }).waitFor()
    await page.getByText('文字大小').waitFor()
  } else {
    await page.getByText('您还没有登录').waitFor()
  }

  // and back home: the kept screen still has its content.
  await tab('首页').click()
  await page.locator('.listing .title').first().waitFor()
  assert.deepEqual(await page.locator('.listing .title').allTextContents(), home)
}

for (const [size, viewport] of [
  ['390×844', PHONE],
  ['360×640', SMALL_PHONE],
]) {
  describe(`every tab on a ${size} phone`, () => {
    async function run(person) {
      const context = await phoneContext(browser, { viewport })
      try {
        const page = await context.newPage()
        page.setDefaultTimeout(20_000)
        if (person) await signInAs(page, server.url, person.phone, person.password)
        await walkTheTabs(page, person, await expected(person))
      } finally {
        await context.close()
      }
    }

    test('signed out', () => run(null))
    test('as the demo farmer', () => run({ phone: SEEDED_FARMER, password: 'nongmin2026' }))
    test('as a farmer who just registered', async () => run(await newFarmer()))
  })
}
