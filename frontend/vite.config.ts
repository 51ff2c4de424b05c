/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver } from '@vant/auto-import-resolver'
import { VitePWA } from 'vite-plugin-pwa'

// The API's own paths: the service worker never answers them with the app.
const apiPaths = /^\/(graphql|media|healthz|readyz|metrics)(\/|$)/

export default defineConfig({
  plugins: [
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
