// A weak network as farmers have it: a link that drops and comes back without the browser
// noticing (no `online` event, navigator.onLine true throughout), and screens never opened
// before asked for without a network. On a 390×844 phone and a small 360×640 one.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PHONE, SMALL_PHONE, api, launch, login, onLineAlwaysTrue, phoneContext, signInAs, startServer, witnessFailures } from './support.mjs'

witnessFailures(import.meta.url)

const SELLER_PHONE = '13800010000' // a demo farmer with listings
const SEEDED_FARMER = '13800000001'
let server
let browser
let seller
let listings
let village

before(async () => {
  server = await startServer()
  browser = await launch()
  seller = await login(server.url, SELLER_PHONE)
  const data = await api(server.url, 'Listings', { filter: { sellerId: seller.user.id }, sort: 'NEWEST' })
  listings = data.listings.edges.map((edge) => edge.node)
  village = (await login(server.url, SEEDED_FARMER)).user.village.id
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

let registered = 0
async function newFarmer() {
  registered += 1
  const phone = `136${String(Date.now()).slice(-6)}${String(registered).padStart(2, '0')}`
  const data = await api(server.url, 'Register', { input: { phone, password: 'tian2026ok', name: `离线农户${registered}`, villageId: village } })
  assert.deepEqual(data.register.userErrors, [])
  return { phone, password: 'tian2026ok' }
}

async function ordersOf(token, listingId) {
  const data = await api(server.url, 'MyOrders', { role: 'BUYER' }, token)
  return data.myOrders.edges.map((edge) => edge.node).filter((order) => order.listing?.id === listingId)
}

/** Cuts the phone's link to the server the way a weak 3G link does: the API's requests fail
 * to connect and the socket cannot open, while the browser still believes it is online.
 * The app's own files still load, as a service worker would serve them. */
async function dropLink(context) {
  await context.route(/\/(graphql|healthz)(\?|$)/, (route) => route.abort('internetdisconnected'))
  await context.routeWebSocket(/\/graphql/, (socket) => socket.close({ code: 1011, reason: 'no link' }))
}

async function restoreLink(context) {
  await context.unrouteAll({ behavior: 'ignoreErrors' })
  // A socket handler cannot be removed: from now on it passes the socket through.
  await context.routeWebSocket(/\/graphql/, (socket) => socket.connectToServer())
}

for (const [size, viewport] of [
  ['390×844', PHONE],
  ['360×640', SMALL_PHONE],
]) {
  describe(`on a ${size} phone`, () => {
    test('an order made while the link was down is sent once it is back, with no online event', async () => {
      const buyer = await newFarmer()
      // No service worker: the link is cut by routing, which a worker's requests bypass.
      const context = await phoneContext(browser, { viewport, serviceWorkers: 'block' })
      try {
        const page = await context.newPage()
        page.setDefaultTimeout(20_000)
        const { token } = await signInAs(page, server.url, buyer.phone, buyer.password)
        const listing = listings[registered % listings.length]
        await page.goto(`${server.url}/market/${encodeURIComponent(listing.id)}`)
        await page.getByRole('button', { name: '我要买' }).waitFor()
        await page.evaluate(() => {
          window.__networkEvents = []
          for (const name of ['online', 'offline']) window.addEventListener(name, () => window.__networkEvents.push(name))
        })

        await dropLink(context)
        await page.getByRole('button', { name: '我要买' }).click()
        await page.getByRole('button', { name: '提交订单' }).click()
        await page.getByText(/待发送 1 条/).waitFor()
        await page.getByText('没有网络，显示的是上次的内容。').waitFor()
        assert.equal(await page.evaluate(() => navigator.onLine), true, 'the browser believes it is online')
        assert.equal((await ordersOf(token, listing.id)).length, 0, 'nothing reached the server')

        await restoreLink(context)
        // No event tells the page: the outbox tries again by itself (2 s, 4 s, 8 s… apart).
        await page.getByText(/待发送/).first().waitFor({ state: 'detached', timeout: 90_000 })
        await page.getByText('没有网络，显示的是上次的内容。').waitFor({ state: 'detached' })
        assert.deepEqual(await page.evaluate(() => window.__networkEvents), [], 'no online or offline event fired')
        const orders = await ordersOf(token, listing.id)
        assert.equal(orders.length, 1)
        assert.equal(orders[0].status, 'PENDING')
      } finally {
        await context.close()
      }
    })

    test('a crop never opened says there is no network, and shows once there is', async () => {
      const context = await phoneContext(browser, { viewport })
      try {
        const page = await context.newPage()
        page.setDefaultTimeout(20_000)
        // The browser says online throughout and fires no event: the app must find out.
        await onLineAlwaysTrue(context)
        await signInAs(page, server.url, SEEDED_FARMER)
        const grain = await api(server.url, 'Commodities', { category: 'GRAIN' })
        const crop = grain.commodities.at(-1)
        await page.goto(`${server.url}/prices`)
        await page.evaluate(() => navigator.serviceWorker.ready)
        const row = page.locator('.price-row', { hasText: crop.name }).first()
        await row.waitFor()

        await context.setOffline(true)
        try {
          await row.click()
          await page.getByText('没有网络，这一页还没有保存过。联网后会自动显示这个品种的价格和走势。').waitFor()
          assert.equal(await page.getByText('没有找到这个品种').count(), 0)
          await page.getByText('没有网络，显示的是上次的内容。').waitFor()
        } finally {
          await context.setOffline(false)
        }
        // Back online: the screen fills itself, whether or not an online event fired.
        await page.getByRole('heading', { name: crop.name, level: 1 }).waitFor({ timeout: 90_000 })
        await page.getByText('近30天走势').waitFor()
        await page.getByText('没有网络，显示的是上次的内容。').waitFor({ state: 'detached' })
      } finally {
        await context.close()
      }
    })
  })
}
