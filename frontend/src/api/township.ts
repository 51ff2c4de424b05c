// The township admin's console (also a platform admin's): notices with their read
// receipts, the feedback queue, the day's prices, alerts, reported listings, residents
// and the audit log, all within the admin's region subtree (the API enforces it).
import { graphql } from '../gql'

export const TownshipRegionQuery = graphql(`
  query TownshipRegion($id: ID!) {
    node(id: $id) {
      ... on Region { id name level fullName }
    }
  }
`)

export const TownshipRegionChildrenQuery = graphql(`
  query TownshipRegionChildren($parentId: ID!) {
    regions(parentId: $parentId) { id name level fullName }
  }
`)

export const TownshipNoticeListFields = graphql(`
  fragment TownshipNoticeListFields on Notice {
    id
    title
    category
    categoryLabel
    status
    pinned
    requiresAck
    sms
    publishedAt
    version
    revisedAt
    withdrawnAt
    expired
    region { id name }
  }
`)

export const TownshipNoticesQuery = graphql(`
  query TownshipNotices($regionId: ID!, $category: NoticeCategory, $after: String) {
    notices(regionId: $regionId, withinRegion: true, includeExpired: true, category: $category, first: 20, after: $after) {
      totalCount
      edges { node { ...TownshipNoticeListFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

// A statement's fields are the farmer app's `FinanceStatementFields` (src/api/notices.ts).
export const TownshipNoticeQuery = graphql(`
  query TownshipNotice($id: ID!) {
    node(id: $id) {
      ... on Notice {
        ...TownshipNoticeListFields
        body
        expiresAt
        revisionNote
        withdrawReason
        author { id name }
        attachments { key kind name size url }
        statement { ...FinanceStatementFields }
        revisions {
          version
          title
          body
          category
          publishedAt
          note
          editor { id name }
        }
      }
    }
  }
`)

export const TownshipNoticeStatsQuery = graphql(`
  query TownshipNoticeStats($noticeId: ID!) {
    noticeStats(noticeId: $noticeId) {
      residents
      read
      acknowledged
      region { id name }
      notice { id title requiresAck }
      villages { residents read acknowledged village { id name } }
    }
  }
`)

export const TownshipPublishNoticeMutation = graphql(`
  mutation TownshipPublishNotice($input: PublishNoticeInput!) {
    publishNotice(input: $input) {
      notice { ...TownshipNoticeListFields }
      userErrors { field message code }
    }
  }
`)

export const TownshipUpdateNoticeMutation = graphql(`
  mutation TownshipUpdateNotice($input: UpdateNoticeInput!) {
    updateNotice(input: $input) {
      notice { ...TownshipNoticeListFields }
      userErrors { field message code }
    }
  }
`)

export const TownshipWithdrawNoticeMutation = graphql(`
  mutation TownshipWithdrawNotice($input: WithdrawNoticeInput!) {
    withdrawNotice(input: $input) {
      notice { ...TownshipNoticeListFields withdrawReason }
      userErrors { field message code }
    }
  }
`)

export const TownshipFeedbackFields = graphql(`
  fragment TownshipFeedbackFields on Feedback {
    id
    number
    kind
    status
    text
    anonymous
    createdAt
    updatedAt
    deadline
    closedAt
    overdue
    author { id name phone }
    region { id name }
    photos { key url thumbnailUrl }
    replies { status text at }
    rating { outcome stars comment }
  }
`)

export const TownshipFeedbackQuery = graphql(`
  query TownshipFeedback($filter: FeedbackFilter, $after: String) {
    feedback(filter: $filter, first: 20, after: $after) {
      totalCount
      edges { node { ...TownshipFeedbackFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const TownshipReplyToFeedbackMutation = graphql(`
  mutation TownshipReplyToFeedback($input: ReplyToFeedbackInput!) {
    replyToFeedback(input: $input) {
      feedback { ...TownshipFeedbackFields }
      userErrors { field message code }
    }
  }
`)

export const TownshipPriceCatalogQuery = graphql(`
  query TownshipPriceCatalog($regionId: ID!) {
    markets(regionId: $regionId) { id name }
    commodities { id name aliases unit }
  }
`)

export const TownshipReportPricesMutation = graphql(`
  mutation TownshipReportPrices($input: ReportPricesInput!) {
    reportPrices(input: $input) {
      storedCount
      unchangedCount
      rejectedCount
      userErrors { field message code }
    }
  }
`)

export const TownshipAlertsQuery = graphql(`
  query TownshipAlerts($regionId: ID!) {
    alerts(regionId: $regionId, activeOnly: false) {
      id
      kind
      severity
      title
      body
      advice
      validFrom
      validUntil
      active
      regions { id name }
    }
  }
`)

export const TownshipCreateAlertMutation = graphql(`
  mutation TownshipCreateAlert($input: CreateAlertInput!) {
    createAlert(input: $input) {
      alert { id title }
      userErrors { field message code }
    }
  }
`)

export const TownshipListingReportsQuery = graphql(`
  query TownshipListingReports($after: String) {
    listingReports(first: 20, after: $after) {
      totalCount
      edges {
        node {
          reportCount
          lastReportedAt
          listing {
            id
            title
            status
            price
            unit
            thumbnailUrl
            seller { id name phone }
            region { id name }
          }
          reports { reason createdAt reporter { id name } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const TownshipHideListingMutation = graphql(`
  mutation TownshipHideListing($input: ModerateListingInput!) {
    hideListing(input: $input) {
      listing { id status }
      userErrors { field message code }
    }
  }
`)

export const TownshipRestoreListingMutation = graphql(`
  mutation TownshipRestoreListing($input: ModerateListingInput!) {
    restoreListing(input: $input) {
      listing { id status }
      userErrors { field message code }
    }
  }
`)

export const TownshipResidentsQuery = graphql(`
  query TownshipResidents($filter: UserFilter, $after: String) {
    users(filter: $filter, first: 30, after: $after) {
      totalCount
      edges {
        node {
          id
          name
          phone
          role
          createdAt
          village { id name }
          adminRegion { id name }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const TownshipAuditLogQuery = graphql(`
  query TownshipAuditLog($filter: AuditFilter, $after: String) {
    auditLog(filter: $filter, first: 30, after: $after) {
      totalCount
      edges {
        node {
          id
          action
          outcome
          code
          detail
          actorRole
          at
          actor { id name }
          region { id name }
          targetId
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`)
