// The farmer's app in Debian's Chromium at a phone's size, against a real server with
// the demo data (trusted documents only: the app sends nothing else).
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { accessibilityProblems, api, cachedOffline, documentIdOf, launch, login, onLineAlwaysTrue, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const PHOTO = fileURLToPath(new URL('../public/icon-512.png', import.meta.url))
const SELLER_PHONE = '13800010000' // a demo farmer with listings

let server
let browser
let context
let page
const phone = `139${String(Date.now()).slice(-8)}`
const password = 'tian2026ok'

before(async () => {
  server = await startServer()
  browser = await launch()
  context = await phoneContext(browser)
  page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (error) => console.error('page error:', error.message))
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

async function open(path) {
  await page.goto(`${server.url}${path}`)
}

/** The buyer's orders of one listing, as the server has them. */
async function ordersOf(token, listingId) {
  const data = await api(server.url, 'MyOrders', { role: 'BUYER' }, token)
  return data.myOrders.edges.map((edge) => edge.node).filter((order) => order.listing?.id === listingId)
}

async function listingsOfSeller() {
  const seller = await login(server.url, SELLER_PHONE)
  const data = await api(server.url, 'Listings', { filter: { sellerId: seller.user.id }, sort: 'NEWEST' })
  return { seller, listings: data.listings.edges.map((edge) => edge.node) }
}

function token() {
  return page.evaluate(() => JSON.parse(localStorage.getItem('sannong.session')).token)
}

describe('the farmer', () => {
  test('registers, picks a village, and home shows that village', async () => {
    await open('/register')
    await page.getByPlaceholder('您的姓名').fill('测试农户')
    await page.getByPlaceholder('11位手机号').fill(phone)
    await page.getByPlaceholder('至少8位，字母加数字').fill(password)
    await page.getByText('选择省、市、县、乡镇、村').click()
    const picked = []
    for (let level = 0; level < 5; level += 1) {
      const option = page.locator('.van-cascader__options').nth(level).locator('.van-cascader__option').first()
      await option.waitFor()
      picked.push((await option.textContent()).trim())
      await option.click()
    }
    await page.getByRole('button', { name: '注册' }).click()
    await page.getByText('测试农户，您好').waitFor()
    const session = await page.evaluate(() => JSON.parse(localStorage.getItem('sannong.session')))
    assert.equal(session.user.villageName, picked.join(''))

    const village = await api(server.url, 'Listings', { filter: { regionId: session.user.villageId } })
    const titles = village.listings.edges.map((edge) => edge.node.title)
    assert.ok(titles.length > 0, 'the demo village has listings')
    await page.getByText('本村在卖').waitFor()
    await page.locator('.listing').first().waitFor()
    const shown = await page.locator('.listing .title').allTextContents()
    assert.deepEqual(shown, titles.slice(0, shown.length))
    await page.getByText('还没有关注作物').waitFor()

    // One start asks for home once: not again when the offline cache is back from IndexedDB.
    const home = documentIdOf('Home')
    const asked = []
    const note = (request) => {
      if (decodeURIComponent(request.url()).includes(`/graphql?documentId=${home}`)) asked.push(request.url())
    }
    page.on('request', note)
    await page.reload()
    await page.locator('.listing').first().waitFor()
    await page.waitForTimeout(1_000)
    page.off('request', note)
    assert.equal(asked.length, 1, `home asked ${asked.length} times`)
  })

  test('follows a crop and sets a price alert; home shows its price', async () => {
    await page.getByRole('tab', { name: '行情' }).click()
    await page.locator('.price-row', { hasText: '玉米' }).first().click()
    await page.getByRole('button', { name: '关注' }).click()
    await page.getByRole('button', { name: '已关注' }).waitFor()
    await page.getByRole('button', { name: '价格提醒' }).click()
    await page.getByRole('radio', { name: '低于' }).click()
    await page.getByLabel('提醒价').fill('1.50')
    await page.getByRole('button', { name: '保存提醒' }).click()
    await page.getByText('低于 1.50元').waitFor()

    const alerts = await api(server.url, 'Commodity', { id: await page.evaluate(() => location.pathname.split('/').pop()).then(decodeURIComponent), region: null, signedIn: true }, await token())
    assert.deepEqual(
      alerts.myPriceAlerts.map((alert) => [alert.direction, alert.threshold]),
      [['BELOW', '1.50']],
    )
    await page.getByRole('button', { name: '返回' }).click()
    await page.getByRole('tab', { name: '首页' }).click()
    const row = page.locator('.price-row', { hasText: '玉米' })
    await row.waitFor()
    assert.match(await row.textContent(), /\d+\.\d{2}元\/公斤/)
  })

  test('posts a listing with a photo and a ready-made phrase', async () => {
    await open('/market/new')
    await page.getByPlaceholder('如：大白菜').fill('小米')
    await page.getByPlaceholder('如：自家种的大白菜，新鲜').fill('今年新小米')
    await page.getByPlaceholder('每单位多少元').fill('6.5')
    await page.getByPlaceholder(/共多少/).fill('300')
    await page.locator('input[type=file]').setInputFiles(PHOTO)
    await page.locator('.van-uploader__preview').waitFor()
    const phrase = page.locator('.phrase').first()
    const phraseText = (await phrase.textContent()).trim()
    await phrase.click()
    await page.getByRole('button', { name: '发布', exact: true }).click()
    await page.getByRole('heading', { name: '今年新小米' }).waitFor()
    const photo = page.locator('.photos img').first()
    await photo.waitFor()
    assert.match(await photo.getAttribute('src'), /^\/media\/.+\.webp$/)
    assert.ok(Number(await photo.getAttribute('width')) > 0)
    assert.ok(Number(await photo.getAttribute('height')) > 0)
    assert.ok(await photo.evaluate((img) => img.complete && img.naturalWidth > 0), 'the thumbnail loads')
    await page.getByText(phraseText).waitFor()
    await page.getByText('6.50元/斤').waitFor()
  })

  test("buys another farmer's listing and sees it accepted live", async () => {
    const { seller, listings } = await listingsOfSeller()
    const listing = listings[0]
    await open(`/market/${encodeURIComponent(listing.id)}`)
    await page.getByRole('button', { name: '我要买' }).click()
    await page.getByRole('button', { name: '提交订单' }).click()
    const card = page.locator('article.order', { hasText: listing.title }).first()
    await card.getByText('待卖家确认').waitFor()

    const pending = await api(server.url, 'MyOrders', { role: 'SELLER' }, seller.token)
    const order = pending.myOrders.edges.map((edge) => edge.node).find((o) => o.status === 'PENDING' && o.listing?.id === listing.id)
    assert.ok(order, 'the seller sees the order')
    const accepted = await api(server.url, 'RespondToOrder', { input: { orderId: order.id, accept: true } }, seller.token)
    assert.deepEqual(accepted.respondToOrder.userErrors, [])

    // No reload: the subscription brings the change and the seller's phone.
    await card.getByText('卖家已接单').waitFor()
    await card.getByText(`打电话给卖家：${SELLER_PHONE}`).waitFor()
    assert.equal(await card.locator('a.call').getAttribute('href'), `tel:${SELLER_PHONE}`)
  })

  test('offline: a reload still shows home, and an order made offline is sent once', async () => {
    const { listings } = await listingsOfSeller()
    const listing = listings[1]
    await page.evaluate(() => navigator.serviceWorker.ready)
    await open('/')
    await page.locator('.listing').first().waitFor()
    const homeListings = await page.locator('.listing .title').allTextContents()
    await open(`/market/${encodeURIComponent(listing.id)}`)
    await page.getByRole('button', { name: '我要买' }).waitFor()
    // Something only the listing's own screen asks for, kept for an offline start.
    const detail = await api(server.url, 'Listing', { id: listing.id })
    await cachedOffline(page, detail.node.description.match(/[\u4e00-\u9fff]{4,}/)[0])

    // As in CI's Chromium: after the reload the browser still says online, and no event
    // says when the link is back; the app learns it from its own requests.
    await onLineAlwaysTrue(context)
    await context.setOffline(true)
    try {
      await page.reload()
      await page.getByRole('button', { name: '我要买' }).waitFor()
      await page.getByText('没有网络，显示的是上次的内容。').waitFor()
      await page.getByRole('button', { name: '我要买' }).click()
      await page.getByRole('button', { name: '提交订单' }).click()
      await page.getByText(/待发送 1 条/).waitFor()
      await page.locator('.queued').getByText('待发送').waitFor()

      await page.getByRole('button', { name: '返回' }).click()
      await page.getByRole('tab', { name: '首页' }).click()
      await page.getByText('本村在卖').waitFor()
      assert.deepEqual(await page.locator('.listing .title').allTextContents(), homeListings)
      await page.reload()
      await page.getByText('本村在卖').waitFor()
      assert.deepEqual(await page.locator('.listing .title').allTextContents(), homeListings)
      await page.getByText(/待发送 1 条/).waitFor()
      const buyer = await token()
      assert.equal((await ordersOf(buyer, listing.id)).length, 0, 'nothing reached the server offline')
    } finally {
      await context.setOffline(false) // the next tests use this phone too
    }
    // No online event: the outbox's own retry (at most 15 s apart) sends it.
    await page.getByText(/待发送/).waitFor({ state: 'detached', timeout: 60_000 })
    await page.reload() // a second start must not send it again
    await page.getByText('本村在卖').waitFor()
    await page.waitForTimeout(1000)
    const orders = await ordersOf(await token(), listing.id)
    assert.equal(orders.length, 1)
    assert.equal(orders[0].status, 'PENDING')
  })
})

describe('every screen', () => {
  test('has no serious or critical accessibility problems', async () => {
    await signInAs(page, server.url, '13800000001') // 王建国 of the demo: follows crops, has orders
    const { listings } = await listingsOfSeller()
    const commodities = await api(server.url, 'Commodities', { category: 'GRAIN' })
    const screens = [
      ['/', '本村在卖'],
      ['/prices', '玉米'],
      [`/prices/${encodeURIComponent(commodities.commodities[0].id)}`, '近30天走势'],
      ['/market', '最新发布'],
      [`/market/${encodeURIComponent(listings[0].id)}`, '我要买'],
      ['/market/new', '发布'],
      ['/orders', '我买的'],
      ['/orders?role=SELLER', '我卖的'],
      ['/me', '文字大小'],
      ['/me/village', '更换所在村'],
      ['/me/follows', '玉米'],
      ['/me/notifications', '消息'],
      ['/no-such-screen', '找不到这个页面'],
    ]
    const problems = {}
    for (const [path, text] of screens) {
      await open(path)
      await page.getByText(text).first().waitFor()
      const found = await accessibilityProblems(page)
      if (found.length) problems[path] = found
    }
    await page.evaluate(() => localStorage.clear())
    for (const [path, text] of [
      ['/', '最新在卖'],
      ['/login', '没有账号？注册'],
      ['/register', '已有账号？登录'],
      ['/me', '您还没有登录'],
    ]) {
      await open(path)
      await page.getByText(text).first().waitFor()
      const found = await accessibilityProblems(page)
      if (found.length) problems[`${path} (signed out)`] = found
    }
    assert.deepEqual(problems, {}, JSON.stringify(problems, null, 1))
  })
})
