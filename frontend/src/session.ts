// Who is signed in, kept on the phone: the token and the little the home screen needs
// before its first request (the village), so that request is the only one.
import { reactive } from 'vue'

export interface SessionUser {
  id: string
  name: string
  phone: string
  villageId: string | null
  villageName: string | null
  townshipId: string | null
  countyId: string | null
  /** FARMER, EXPERT, TOWNSHIP_ADMIN or PLATFORM_ADMIN: which console screens to offer. */
  role: string
  adminRegionId: string | null
  adminRegionName: string | null
}

interface RegionStep {
  id: string
  level: string
  name: string
}

interface UserFields {
  id: string
  name: string
  phone: string
  role: string
  village?: { id: string; name: string; fullName: string; path: RegionStep[] } | null
  adminRegion?: { id: string; fullName: string } | null
}

const KEY = 'sannong.session'

function load(): { token: string | null; user: SessionUser | null } {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null')
    if (saved && typeof saved.token === 'string') return saved
  } catch {
    /* a damaged entry is a signed-out phone */
  }
  return { token: null, user: null }
}

export const session = reactive(load())

export function sessionUser(user: UserFields): SessionUser {
  const county = user.village?.path.find((step) => step.level === 'COUNTY')
  const township = user.village?.path.find((step) => step.level === 'TOWNSHIP')
  return {
    id: user.id,
    name: user.name,
    phone: user.phone,
    villageId: user.village?.id ?? null,
    villageName: user.village?.fullName ?? null,
    townshipId: township?.id ?? null,
    countyId: county?.id ?? null,
    role: user.role,
    adminRegionId: user.adminRegion?.id ?? null,
    adminRegionName: user.adminRegion?.fullName ?? null,
  }
}

export function signIn(token: string, user: UserFields): void {
  session.token = token
  session.user = sessionUser(user)
  localStorage.setItem(KEY, JSON.stringify(session))
}

export function updateUser(user: UserFields): void {
  session.user = sessionUser(user)
  localStorage.setItem(KEY, JSON.stringify(session))
}

/** The village's full name as the server says it now: a platform admin may rename it
 * after the phone signed in. */
export function noteVillageName(fullName: string | null | undefined): void {
  if (!session.user || !fullName || session.user.villageName === fullName) return
  session.user.villageName = fullName
  localStorage.setItem(KEY, JSON.stringify(session))
}

export function signOut(): void {
  session.token = null
  session.user = null
  localStorage.removeItem(KEY)
}
