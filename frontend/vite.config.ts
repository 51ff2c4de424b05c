/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'

/**
 * Each `graphql(`...`)` call becomes the document codegen generated for it (its AST and
 * trusted-document hash, copied from src/gql/graphql.ts into the module that wrote it),
 * which is what the client preset's babel plugin does. Codegen's `graphql()` looks
 * documents up in a map of every document and its text, which put all of them, twice,
 * into the first chunk; this way a screen's documents come with its chunk. Types are
 * unaffected (vue-tsc still sees `graphql()`).
 */
function documentsInline(): Plugin {
  const call = /graphql\(\s*`\s*(?:(?:query|mutation|subscription)\s+(\w+)|fragment\s+(\w+)\s+on)[^`]*`\s*\)/g
  const generated = /^export const (\w+) = (\{.*\}) as unknown as DocumentNode<.*>;$/gm
  const generatedFile = fileURLToPath(new URL('./src/gql/graphql.ts', import.meta.url))
  return {
    name: 'sannong-documents-inline',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/src\/api\/[^/]+\.ts$/.test(id) || !code.includes("import { graphql } from '../gql'")) return null
      this.addWatchFile(generatedFile) // npm run codegen again: the dev server picks it up
      const documents = new Map<string, string>()
      for (const [, name, literal] of readFileSync(generatedFile, 'utf8').matchAll(generated)) documents.set(name, literal)
      const replaced = code.replace("import { graphql } from '../gql'", '').replace(call, (text, operation?: string, fragment?: string) => {
        const literal = documents.get(operation ? `${operation}Document` : `${fragment}FragmentDoc`)
        if (!literal) this.error(`${id}: no generated document for ${text.slice(0, 60)} (run npm run codegen)`)
        return `(${literal})`
      })
      if (/\bgraphql\(/.test(replaced)) this.error(`${id}: a graphql() call without a named operation or fragment`)
      return { code: replaced, map: null }
    },
  }
}

/**
 * Vant's icon font is inlined as WOFF2, with a WOFF fallback on a third-party CDN. Every
 * browser the app supports reads WOFF2; the page's policy (font-src 'self' data:, see
 * sannong/api/headers.py) refuses the CDN, and Chromium reports that on every page. The
 * fallback goes: no phone is ever sent to another site for an icon.
 */
function iconFontWithoutCdn(): Plugin {
  const fallback = /,\s*url\(\/\/at\.alicdn\.com\/[^)]*\)\s*format\("woff"\)/g
  return {
    name: 'sannong-icon-font-without-cdn',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/vant\/es\/icon\/index\.css($|\?)/.test(id)) return null
      const kept = code.replace(fallback, '')
      if (kept === code) this.error(`${id}: the icon font's CDN fallback is not where it was (did Vant change?)`)
      return { code: kept, map: null }
    },
  }
}

// The API's own paths: the service worker never answers them with the app.
const apiPaths = /^\/(graphql|media|healthz|readyz|metrics)(\/|$)/

export default defineConfig({
  plugins: [
    documentsInline(),
    iconFontWithoutCdn(),
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
        // Admin-only code: desks fetch it when first used; farmers' phones never precache it
        // (the console's chart library, the notice editor's ProseMirror, ~120 kB gzipped).
        globIgnores: ['**/charts-*.js', '**/RichTextEditor-*'],
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
