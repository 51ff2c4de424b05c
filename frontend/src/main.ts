import { createApp } from 'vue'
import urql from '@urql/vue'
import 'vant/es/toast/style'
import 'vant/es/dialog/style'
import './styles.css'
import App from './App.vue'
import { nameUnnamedControls } from './a11y'
import { client } from './api/client'
import { flushOutbox } from './api/queue'
import { router } from './router'
import { session } from './session'
import './textSize'

router.beforeEach((to) => {
  if (to.meta.signedIn && !session.token) return { name: 'login', query: { next: to.fullPath } }
})

createApp(App).use(urql, client).use(router).mount('#app')
nameUnnamedControls()
void flushOutbox() // what waited since the last time the app was open
