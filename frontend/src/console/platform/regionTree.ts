// What the regions screen shares with every node of its tree.
import type { InjectionKey } from 'vue'

export interface TreeRegion {
  id: string
  code: string
  name: string
  level: string
}

export interface RegionTree {
  /** Ids of the nodes shown open; a node opens itself here, the screen opens a parent
   * once a child has been added under it. */
  opened: Set<string>
  /** The region the signed-in platform admin administers: it and everything below it
   * can be changed. */
  scopeId: string | null
  add(parent: TreeRegion): void
  rename(region: TreeRegion): void
}

export const REGION_TREE: InjectionKey<RegionTree> = Symbol('region tree')
