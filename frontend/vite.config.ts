/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'

// The API's own paths: the service worker never answers them with the app.
const apiPaths = /^\/(graphql|media|healthz|readyz|metrics)(\/|$)/

/** Each `graphql(`...`)` in src/ becomes the typed document itself, copied from the
 * generated src/gql/graphql.ts. Otherwise `graphql()` looks documents up in a map of every
 * document of the app, and even imports of single documents from that one generated
 * module would put them all in the first chunk (a module is never split between chunks):
 * the farmer's first download would carry the console's documents. */
function inlineTypedDocuments(): Plugin {
  const generated = fileURLToPath(new URL('./src/gql/graphql.ts', import.meta.url))
  const call = /\bgraphql\(\s*`([^`]*)`\s*\)/g
  const exported = /^export const (\w+) = (\{.*\}) as unknown as DocumentNode<.*$/gm
  return {
    name: 'sannong-inline-typed-documents',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('.ts') || id.includes('/src/gql/') || !code.includes('graphql(')) return null
      const documents = new Map([...readFileSync(generated, 'utf8').matchAll(exported)].map((m) => [m[1], m[2]]))
      const inlined = code.replace(call, (_, text: string) => {
        const found = /\b(query|mutation|subscription|fragment)\s+(\w+)/.exec(text)
        const name = found && (found[1] === 'fragment' ? `${found[2]}FragmentDoc` : `${found[2]}Document`)
        const document = name && documents.get(name)
        if (!document) throw new Error(`${id}: no generated document for ${text.trim().split('\n')[0]} (npm run codegen)`)
        return `(${document})`
      })
      return { code: inlined, map: null }
    },
  }
}

export default defineConfig({
  plugins: [
    inlineTypedDocuments(),
    vue(),
    // Each Vant component and its CSS imported where it is used, not the whole kit.
    Components({ resolvers: [VantResolver()], dts: false }),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script-defer',
      manifest: {
        name: '三农服务',
        short_name: '三农',
        description: '农产品行情、集市买卖、村务信息',
        lang: 'zh-CN',
        start_url: '/',
        display: 'standalone',
        background_color: '#f7f8fa',
        theme_color: '#07c160',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,svg,webmanifest}'],
        // The console's notice editor (ProseMirror, ~120 kB gzipped) is for admins only:
        // farmers' phones do not precache it; an admin's browser fetches it when opened.
        globIgnores: ['**/RichTextEditor-*'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [apiPaths],
        runtimeCaching: [
          {
            // Photos are named by content: once fetched, kept.
            urlPattern: ({ url }) => url.pathname.startsWith('/media/'),
            handler: 'CacheFirst',
            options: {
              cacheName: 'photos',
              expiration: { maxEntries: 300, maxAgeSeconds: 30 * 24 * 3600 },
            },
          },
        ],
      },
    }),
  ],
  build: { target: 'es2020', cssCodeSplit: true, chunkSizeWarningLimit: 400 },
  server: {
    proxy: {
      '/graphql': { target: 'http://127.0.0.1:8000', ws: true },
      '/media': 'http://127.0.0.1:8000',
    },
  },
  test: { include: ['tests/**/*.test.ts'], environment: 'node' },
})
