// 标准 / 大 / 特大: one class on <html> scales Vant's type and ours (rem-based).
import { ref, watch } from 'vue'

export type TextSize = 'standard' | 'large' | 'xlarge'
export const TEXT_SIZES: [TextSize, string][] = [
  ['standard', '标准'],
  ['large', '大'],
  ['xlarge', '特大'],
]

const KEY = 'sannong.textSize'
const saved = localStorage.getItem(KEY) as TextSize | null
export const textSize = ref<TextSize>(saved && TEXT_SIZES.some(([s]) => s === saved) ? saved : 'standard')

function apply(size: TextSize): void {
  const root = document.documentElement
  for (const [name] of TEXT_SIZES) root.classList.toggle(`text-${name}`, name === size)
}

apply(textSize.value)
watch(textSize, (size) => {
  localStorage.setItem(KEY, size)
  apply(size)
})
