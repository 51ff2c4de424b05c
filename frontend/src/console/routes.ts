// The console for experts and admins: the same app, wider, under /console. Each route
// names the roles that may open it (`meta.roles`); ConsoleLayout shows everyone else a
// refusal instead of the screen (never an empty page), and the API refuses them anyway.
import type { RouteRecordRaw } from 'vue-router'
import { ADMINS, EXPERT, type Role } from './nav'

declare module 'vue-router' {
  interface RouteMeta {
    roles?: Role[]
  }
}

export const consoleRoutes: RouteRecordRaw[] = [
  {
    path: '/console',
    component: () => import('./ConsoleLayout.vue'),
    children: [
      {
        path: '',
        name: 'console',
        component: () => import('./DashboardView.vue'),
        meta: { title: '工作台', roles: [...EXPERT, ...ADMINS] },
      },
    ],
  },
]
