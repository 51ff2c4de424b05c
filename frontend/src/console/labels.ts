// Chinese names of the API's enums on the expert and platform screens.

export const SPECIALTIES: [string, string][] = [
  ['PLANT_PROTECTION', '植物保护'],
  ['SOIL_FERTILIZER', '土壤肥料'],
  ['LIVESTOCK', '畜牧兽医'],
  ['AQUACULTURE', '水产养殖'],
  ['FRUIT_VEGETABLE', '果树蔬菜'],
  ['MACHINERY', '农业机械'],
  ['FARM_ECONOMICS', '农业经济'],
]
export const SPECIALTY: Record<string, string> = Object.fromEntries(SPECIALTIES)

export const CONSULTATION_STATUS: Record<string, string> = {
  BOOKED: '待咨询',
  COMPLETED: '已完成',
  CANCELLED: '已取消',
  NO_SHOW: '农户缺席',
}

export const SLOT_STATUS: Record<string, string> = {
  OPEN: '可预约',
  BOOKED: '已预约',
  CANCELLED: '已取消',
}

export const REGION_LEVEL: Record<string, string> = {
  PROVINCE: '省',
  CITY: '市',
  COUNTY: '县（市、区）',
  TOWNSHIP: '乡镇（街道）',
  VILLAGE: '村（社区）',
}

export const FEEDBACK_STATUS: Record<string, string> = {
  ACCEPTED: '已受理',
  IN_PROGRESS: '办理中',
  RESOLVED: '已办结',
  REJECTED: '不予受理',
}

export const FEEDBACK_OUTCOME: Record<string, string> = {
  SOLVED: '已解决',
  PARTLY_SOLVED: '部分解决',
  NOT_SOLVED: '未解决',
}
