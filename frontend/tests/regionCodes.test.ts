import { describe, expect, test } from 'vitest'
import { childCodeGuide } from '../src/console/platform/regionCodes'

describe('the code of a new region', () => {
  test('a village repeats the township’s nine digits and adds three of its own', () => {
    expect(childCodeGuide({ code: '370783003000', level: 'TOWNSHIP' })).toEqual({
      level: 'VILLAGE',
      prefix: '370783003',
      hint: '前 9 位同上级（370783003），第 10–12 位是本村编号',
    })
  })

  test('a township under a county: three digits of its own, then zeros', () => {
    const guide = childCodeGuide({ code: '370783000000', level: 'COUNTY' })
    expect(guide?.level).toBe('TOWNSHIP')
    expect(guide?.prefix).toBe('370783')
    expect(guide?.hint).toBe('前 6 位同上级（370783），第 7–9 位是本乡镇编号，后 3 位为 0')
  })

  test('a city under a province takes two digits', () => {
    expect(childCodeGuide({ code: '370000000000', level: 'PROVINCE' })?.prefix).toBe('37')
  })

  test('a village has no lower level', () => {
    expect(childCodeGuide({ code: '370783003201', level: 'VILLAGE' })).toBeNull()
  })
})
