// The bottom tab bar. A new section (通知 notices, 专家 experts) is one entry here and
// its routes in router.ts.
export interface Tab {
  name: string
  title: string
  icon: string
  path: string
}

export const TABS: Tab[] = [
  { name: 'home', title: '首页', icon: 'wap-home-o', path: '/' },
  { name: 'notices', title: '通知', icon: 'bullhorn-o', path: '/notices' },
  { name: 'prices', title: '行情', icon: 'chart-trending-o', path: '/prices' },
  { name: 'market', title: '集市', icon: 'shop-o', path: '/market' },
  { name: 'experts', title: '专家', icon: 'friends-o', path: '/experts' },
  { name: 'me', title: '我的', icon: 'user-o', path: '/me' },
]
