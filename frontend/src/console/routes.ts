// The console for experts and admins: the same app, wider, under /console. Each route
// names the roles that may open it (`meta.roles`); ConsoleLayout shows everyone else a
// refusal instead of the screen (never an empty page), and the API refuses them anyway.
import type { RouteRecordRaw } from 'vue-router'
import { ADMINS, EXPERT, PLATFORM, type Role } from './nav'

declare module 'vue-router' {
  interface RouteMeta {
    roles?: Role[]
  }
}

// township admin
const townshipViews = import.meta.glob('./township/*View.vue')

/** A township-admin screen (platform admins may open them too), loaded when first opened. */
function township(path: string, name: string, view: string, title: string): RouteRecordRaw[] {
  return [{ path, name, component: townshipViews[`./township/${view}.vue`], meta: { title, roles: ADMINS } }]
}
// end township admin

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
      // expert
      {
        path: 'expert/slots',
        name: 'console-expert-slots',
        component: () => import('./expert/SlotsView.vue'),
        meta: { title: '咨询时段', roles: EXPERT },
      },
      {
        path: 'expert/bookings',
        name: 'console-expert-bookings',
        component: () => import('./expert/BookingsView.vue'),
        meta: { title: '预约咨询', roles: EXPERT },
      },
      {
        path: 'expert/questions',
        name: 'console-expert-questions',
        component: () => import('./expert/QuestionsView.vue'),
        meta: { title: '问题解答', roles: EXPERT },
      },
      {
        path: 'expert/lectures',
        name: 'console-expert-lectures',
        component: () => import('./expert/LecturesView.vue'),
        meta: { title: '公开讲座', roles: EXPERT },
      },
      {
        path: 'expert/profile',
        name: 'console-expert-profile',
        component: () => import('./expert/ProfileView.vue'),
        meta: { title: '评价与资料', roles: EXPERT },
      },
      // platform
      {
        path: 'platform/regions',
        name: 'console-platform-regions',
        component: () => import('./platform/RegionsView.vue'),
        meta: { title: '行政区划', roles: PLATFORM },
      },
      {
        path: 'platform/users',
        name: 'console-platform-users',
        component: () => import('./platform/UsersView.vue'),
        meta: { title: '用户与角色', roles: PLATFORM },
      },
      {
        path: 'platform/stats',
        name: 'console-platform-stats',
        component: () => import('./platform/StatsView.vue'),
        meta: { title: '平台统计', roles: PLATFORM },
      },
      // township admin
      ...township('notices', 'township-notices', 'NoticesView', '通知公告'),
      ...township('notices/new', 'township-notice-new', 'NoticeEditView', '发布通知'),
      ...township('notices/:id', 'township-notice', 'NoticeView', '通知详情'),
      ...township('notices/:id/edit', 'township-notice-edit', 'NoticeEditView', '修改通知'),
      ...township('feedback', 'township-feedback', 'FeedbackQueueView', '群众反馈'),
      ...township('prices', 'township-prices', 'PriceReportView', '上报价格'),
      ...township('alerts', 'township-alerts', 'AlertsView', '预警信息'),
      ...township('reports', 'township-reports', 'ListingReportsView', '举报商品'),
      ...township('residents', 'township-residents', 'ResidentsView', '辖区居民'),
      ...township('audit', 'township-audit', 'AuditLogView', '操作日志'),
      // end township admin
    ],
  },
]
