// The console's sections and who may open them. The API enforces every one of these
// again; the console only keeps people from screens that would refuse them.
export type Role = 'FARMER' | 'EXPERT' | 'TOWNSHIP_ADMIN' | 'PLATFORM_ADMIN'

export const ROLE_NAMES: Record<Role, string> = {
  FARMER: '农户',
  EXPERT: '专家',
  TOWNSHIP_ADMIN: '乡镇管理员',
  PLATFORM_ADMIN: '平台管理员',
}

export const EXPERT: Role[] = ['EXPERT']
export const ADMINS: Role[] = ['TOWNSHIP_ADMIN', 'PLATFORM_ADMIN']
export const PLATFORM: Role[] = ['PLATFORM_ADMIN']

export interface ConsoleSection {
  /** The route's name; the side bar links to it. */
  name: string
  title: string
  icon: string
  roles: Role[]
}

/** In the side bar's order. A new console screen is one entry here and one in routes.ts. */
export const SECTIONS: ConsoleSection[] = [
  { name: 'console', title: '工作台', icon: 'apps-o', roles: [...EXPERT, ...ADMINS] },
  // expert
  { name: 'console-expert-slots', title: '咨询时段', icon: 'calendar-o', roles: EXPERT },
  { name: 'console-expert-bookings', title: '预约咨询', icon: 'video-o', roles: EXPERT },
  { name: 'console-expert-questions', title: '问题解答', icon: 'question-o', roles: EXPERT },
  { name: 'console-expert-lectures', title: '公开讲座', icon: 'tv-o', roles: EXPERT },
  { name: 'console-expert-profile', title: '评价与资料', icon: 'star-o', roles: EXPERT },
  // platform
  { name: 'console-platform-regions', title: '行政区划', icon: 'cluster-o', roles: PLATFORM },
  { name: 'console-platform-users', title: '用户与角色', icon: 'friends-o', roles: PLATFORM },
  { name: 'console-platform-stats', title: '平台统计', icon: 'bar-chart-o', roles: PLATFORM },
  // township admin
  { name: 'township-notices', title: '通知公告', icon: 'bullhorn-o', roles: ADMINS },
  { name: 'township-feedback', title: '群众反馈', icon: 'comment-o', roles: ADMINS },
  { name: 'township-prices', title: '上报价格', icon: 'balance-list-o', roles: ADMINS },
  { name: 'township-alerts', title: '预警信息', icon: 'warning-o', roles: ADMINS },
  { name: 'township-reports', title: '举报商品', icon: 'flag-o', roles: ADMINS },
  { name: 'township-residents', title: '辖区居民', icon: 'friends-o', roles: ADMINS },
  { name: 'township-audit', title: '操作日志', icon: 'records-o', roles: ADMINS },
  // end township admin
]

export function roleOf(role: string | null | undefined): Role {
  return role && role in ROLE_NAMES ? (role as Role) : 'FARMER'
}

export function sectionsFor(role: Role): ConsoleSection[] {
  return SECTIONS.filter((section) => section.roles.includes(role))
}
