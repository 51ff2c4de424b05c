import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import HomeView from './views/HomeView.vue'
import { consoleRoutes } from './console/routes'

// `tab` names the tab a screen belongs to (highlighted in the bar); `title` is the
// navigation bar's text of a screen below a tab (they show a back arrow).
declare module 'vue-router' {
  interface RouteMeta {
    tab?: string
    title?: string
    signedIn?: boolean
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', component: HomeView, meta: { tab: 'home' } },
  // Every other screen loads when first opened: the home screen comes first on 3G.
  { path: '/prices', name: 'prices', component: () => import('./views/PricesView.vue'), meta: { tab: 'prices' } },
  {
    path: '/prices/:id',
    name: 'commodity',
    component: () => import('./views/CommodityView.vue'),
    meta: { tab: 'prices', title: '价格走势' },
  },
  { path: '/market', name: 'market', component: () => import('./views/MarketView.vue'), meta: { tab: 'market' } },
  {
    path: '/market/new',
    name: 'post-listing',
    component: () => import('./views/PostListingView.vue'),
    meta: { tab: 'market', title: '发布商品', signedIn: true },
  },
  {
    path: '/market/:id',
    name: 'listing',
    component: () => import('./views/ListingView.vue'),
    meta: { tab: 'market', title: '商品详情' },
  },
  {
    path: '/orders',
    name: 'orders',
    component: () => import('./views/OrdersView.vue'),
    meta: { tab: 'market', title: '我的订单', signedIn: true },
  },
  // experts
  { path: '/experts', name: 'experts', component: () => import('./views/experts/ExpertsView.vue'), meta: { tab: 'experts' } },
  {
    path: '/experts/ask',
    name: 'ask-question',
    component: () => import('./views/experts/AskQuestionView.vue'),
    meta: { tab: 'experts', title: '拍照问专家', signedIn: true },
  },
  {
    path: '/experts/questions',
    name: 'questions',
    component: () => import('./views/experts/QuestionsView.vue'),
    meta: { tab: 'experts', title: '专家解答' },
  },
  {
    path: '/experts/questions/:id',
    name: 'question',
    component: () => import('./views/experts/QuestionView.vue'),
    meta: { tab: 'experts', title: '问题详情' },
  },
  {
    path: '/experts/list',
    name: 'expert-list',
    component: () => import('./views/experts/ExpertListView.vue'),
    meta: { tab: 'experts', title: '找专家' },
  },
  {
    path: '/experts/:id',
    name: 'expert',
    component: () => import('./views/experts/ExpertView.vue'),
    meta: { tab: 'experts', title: '专家主页' },
  },
  {
    path: '/consultations',
    name: 'consultations',
    component: () => import('./views/experts/ConsultationsView.vue'),
    meta: { tab: 'experts', title: '我的视频咨询', signedIn: true },
  },
  {
    path: '/consultations/:id',
    name: 'consultation',
    component: () => import('./views/experts/ConsultationView.vue'),
    meta: { tab: 'experts', title: '视频咨询', signedIn: true },
  },
  {
    // The expert's console links here by name for the expert's side of the call.
    path: '/consultations/:id/call',
    name: 'consultation-call',
    component: () => import('./views/experts/CallView.vue'),
    meta: { tab: 'experts', title: '视频通话', signedIn: true },
  },
  {
    path: '/lectures',
    name: 'lectures',
    component: () => import('./views/experts/LecturesView.vue'),
    meta: { tab: 'experts', title: '专家讲座' },
  },
  // end experts
  { path: '/me', name: 'me', component: () => import('./views/MeView.vue'), meta: { tab: 'me' } },
  { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { tab: 'me', title: '登录' } },
  {
    path: '/register',
    name: 'register',
    component: () => import('./views/RegisterView.vue'),
    meta: { tab: 'me', title: '注册' },
  },
  {
    path: '/me/village',
    name: 'village',
    component: () => import('./views/VillageView.vue'),
    meta: { tab: 'me', title: '我的村', signedIn: true },
  },
  {
    path: '/me/follows',
    name: 'follows',
    component: () => import('./views/FollowsView.vue'),
    meta: { tab: 'me', title: '关注的作物', signedIn: true },
  },
  {
    path: '/me/notifications',
    name: 'notifications',
    component: () => import('./views/NotificationsView.vue'),
    meta: { tab: 'me', title: '消息通知', signedIn: true },
  },
  // notices
  { path: '/notices', name: 'notices', component: () => import('./views/NoticesView.vue'), meta: { tab: 'notices' } },
  {
    path: '/notices/:id',
    name: 'notice',
    component: () => import('./views/NoticeView.vue'),
    meta: { tab: 'notices', title: '通知详情' },
  },
  {
    path: '/me/feedback',
    name: 'my-feedback',
    component: () => import('./views/FeedbackListView.vue'),
    meta: { tab: 'me', title: '我的反馈', signedIn: true },
  },
  {
    path: '/me/feedback/new',
    name: 'new-feedback',
    component: () => import('./views/FeedbackFormView.vue'),
    meta: { tab: 'me', title: '提交反馈', signedIn: true },
  },
  {
    path: '/me/feedback/:id',
    name: 'feedback',
    component: () => import('./views/FeedbackView.vue'),
    meta: { tab: 'me', title: '反馈详情', signedIn: true },
  },
  // end notices
  ...consoleRoutes,
  { path: '/:rest(.*)*', name: 'missing', component: () => import('./views/MissingView.vue'), meta: { title: '找不到页面' } },
]

export const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})
