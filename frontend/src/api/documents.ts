// Every operation the app sends. Codegen turns each into a typed document and a trusted
// document of the server (sent as its `documentId`, never as text).
import { graphql } from '../gql'

export const ListingCardFields = graphql(`
  fragment ListingCardFields on Listing {
    id
    title
    commodity
    price
    unit
    quantityAvailable
    status
    createdAt
    thumbnailUrl
    seller { id name }
    region { id name }
  }
`)

export const CommodityPriceFields = graphql(`
  fragment CommodityPriceFields on Commodity {
    id
    name
    unit
    category
    latestPrice { date price unit changePct7d market { id name } }
  }
`)

export const OrderFields = graphql(`
  fragment OrderFields on Order {
    id
    title
    quantity
    unit
    unitPrice
    total
    note
    status
    createdAt
    updatedAt
    listing { id thumbnailUrl }
    # No id: the phone shown depends on the order (visible to the parties of an accepted
    # one, masked elsewhere), so these stay inside the order instead of one shared User.
    buyer { name phone }
    seller { name phone }
  }
`)

export const SessionUserFields = graphql(`
  fragment SessionUserFields on User {
    id
    name
    role
    phone
    village { id name fullName path { id level name } }
    adminRegion { id fullName }
  }
`)

export const HomeQuery = graphql(`
  query Home($village: ID, $signedIn: Boolean!) {
    me {
      id
      name
      village { id fullName }
      unreadNotificationCount
      unreadNoticeCount
      followedCommodities { ...CommodityPriceFields }
    }
    notices(regionId: $village, unreadOnly: true, first: 3) @include(if: $signedIn) {
      edges { node { id title categoryLabel pinned publishedAt read requiresAck acknowledged } }
    }
    videoSessions(upcomingOnly: true, first: 3) {
      edges { node { id title startsAt durationMinutes expert { id name } } }
    }
    alerts(regionId: $village) { id kind severity title validUntil }
    listings(filter: { regionId: $village }, first: 6) {
      edges { node { ...ListingCardFields } }
    }
    myNotifications(first: 3) @include(if: $signedIn) {
      edges { node { id title body createdAt read } }
    }
  }
`)

export const RegionsQuery = graphql(`
  query Regions($parentId: ID) {
    regions(parentId: $parentId) { id name level }
  }
`)

export const RegisterMutation = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      token
      user { ...SessionUserFields }
      userErrors { field message code }
    }
  }
`)

export const LoginMutation = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      token
      user { ...SessionUserFields }
      userErrors { field message code }
    }
  }
`)

export const LogoutMutation = graphql(`
  mutation Logout {
    logout
  }
`)

export const MeQuery = graphql(`
  query Me {
    me {
      ...SessionUserFields
      unreadNotificationCount
      followedCommodities { id name }
    }
  }
`)

export const UpdateVillageMutation = graphql(`
  mutation UpdateVillage($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      user { ...SessionUserFields }
      userErrors { field message code }
    }
  }
`)

export const CommoditiesQuery = graphql(`
  query Commodities($category: CommodityCategory) {
    commodities(category: $category) { ...CommodityPriceFields }
  }
`)

export const VillageAlertsQuery = graphql(`
  query VillageAlerts($village: ID) {
    alerts(regionId: $village) { id kind severity title body advice validFrom validUntil }
  }
`)

export const CommodityQuery = graphql(`
  query Commodity($id: ID!, $region: ID, $signedIn: Boolean!) {
    node(id: $id) { ... on Commodity { ...CommodityPriceFields } }
    priceHistory(commodityId: $id, days: 30) {
      unit
      low
      high
      average
      changePct7d
      points { date low avg high }
    }
    latestPrices(commodityIds: [$id], regionId: $region, first: 20) {
      edges { node { date price unit market { id name } } }
    }
    me { id followedCommodities { id } }
    myPriceAlerts @include(if: $signedIn) { id direction threshold conditionMet commodity { id } market { id name } }
  }
`)

export const FollowCommoditiesMutation = graphql(`
  mutation FollowCommodities($input: FollowCommoditiesInput!) {
    followCommodities(input: $input) {
      user { id followedCommodities { ...CommodityPriceFields } }
      userErrors { field message code }
    }
  }
`)

export const SetPriceAlertMutation = graphql(`
  mutation SetPriceAlert($input: SetPriceAlertInput!) {
    setPriceAlert(input: $input) {
      priceAlert { id direction threshold conditionMet commodity { id } market { id name } }
      userErrors { field message code }
    }
  }
`)

export const RemovePriceAlertMutation = graphql(`
  mutation RemovePriceAlert($input: RemovePriceAlertInput!) {
    removePriceAlert(input: $input) {
      removedId
      userErrors { field message code }
    }
  }
`)

export const ListingsQuery = graphql(`
  query Listings($filter: ListingFilter, $sort: ListingSort, $after: String) {
    listings(filter: $filter, sort: $sort, first: 10, after: $after) {
      edges { cursor node { ...ListingCardFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ListingQuery = graphql(`
  query Listing($id: ID!) {
    node(id: $id) {
      ... on Listing {
        ...ListingCardFields
        category
        description
        minOrder
        quantitySold
        region { id fullName }
        photos { key width height url thumbnailUrl }
      }
    }
    me { id }
  }
`)

export const ListingPhrasesQuery = graphql(`
  query ListingPhrases($category: ListingCategory) {
    listingPhrases(category: $category)
  }
`)

export const CreateListingMutation = graphql(`
  mutation CreateListing($input: CreateListingInput!) {
    createListing(input: $input) {
      listing { ...ListingCardFields }
      userErrors { field message code }
    }
  }
`)

export const PlaceOrderMutation = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      order { ...OrderFields }
      userErrors { field message code }
    }
  }
`)

export const MyOrdersQuery = graphql(`
  query MyOrders($role: OrderRole!, $after: String) {
    myOrders(role: $role, first: 10, after: $after) {
      edges { cursor node { ...OrderFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const RespondToOrderMutation = graphql(`
  mutation RespondToOrder($input: RespondToOrderInput!) {
    respondToOrder(input: $input) {
      order { ...OrderFields }
      userErrors { field message code }
    }
  }
`)

export const CancelOrderMutation = graphql(`
  mutation CancelOrder($input: CancelOrderInput!) {
    cancelOrder(input: $input) {
      order { ...OrderFields }
      userErrors { field message code }
    }
  }
`)

export const CompleteOrderMutation = graphql(`
  mutation CompleteOrder($input: CompleteOrderInput!) {
    completeOrder(input: $input) {
      order { ...OrderFields }
      userErrors { field message code }
    }
  }
`)

export const OrderUpdatedSubscription = graphql(`
  subscription OrderUpdated {
    orderUpdated { ...OrderFields }
  }
`)

export const NotificationsQuery = graphql(`
  query Notifications($after: String) {
    myNotifications(first: 20, after: $after) {
      edges { cursor node { id kind title body createdAt read consultationId } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const MarkNotificationsReadMutation = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) {
      markedCount
      unreadCount
      userErrors { field message code }
    }
  }
`)

export const FollowedQuery = graphql(`
  query Followed {
    me { id followedCommodities { ...CommodityPriceFields } }
  }
`)
