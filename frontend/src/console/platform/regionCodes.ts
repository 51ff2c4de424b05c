// How a new region's 12-digit code is made from its parent's: the national division
// code (province, city, county: two digits each), then three digits for the township
// and three for the village. The server checks the same; this only helps to type it.

export const CHILD_LEVEL: Record<string, string | undefined> = {
  PROVINCE: 'CITY',
  CITY: 'COUNTY',
  COUNTY: 'TOWNSHIP',
  TOWNSHIP: 'VILLAGE',
}

/** How many leading digits a region of each level fills in. */
export const SIGNIFICANT: Record<string, number> = { PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12 }

const SHORT_LEVEL: Record<string, string> = { CITY: '市', COUNTY: '县', TOWNSHIP: '乡镇', VILLAGE: '村' }

export interface CodeGuide {
  level: string
  /** What the new code starts with: the parent's significant digits. */
  prefix: string
  /** How to fill in the rest, in Chinese. */
  hint: string
}

/** The guide for a child of `parent`, or null under a village (it has none). */
export function childCodeGuide(parent: { code: string; level: string }): CodeGuide | null {
  const level = CHILD_LEVEL[parent.level]
  if (!level) return null
  const above = SIGNIFICANT[parent.level]
  const own = SIGNIFICANT[level]
  const prefix = parent.code.slice(0, above)
  const zeros = 12 - own
  const rest = zeros ? `，后 ${zeros} 位为 0` : ''
  return {
    level,
    prefix,
    hint: `前 ${above} 位同上级（${prefix}），第 ${above + 1}–${own} 位是本${SHORT_LEVEL[level]}编号${rest}`,
  }
}
