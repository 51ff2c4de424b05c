// The notices' and feedback tickets' operations (政务公开 and 我的反馈). Codegen turns each
// into a typed document and a trusted document of the server, as in documents.ts.
import { graphql } from '../gql'

export const NoticeCardFields = graphql(`
  fragment NoticeCardFields on Notice {
    id
    title
    summary
    category
    categoryLabel
    status
    pinned
    requiresAck
    publishedAt
    read
    acknowledged
  }
`)

export const NoticesQuery = graphql(`
  query Notices($region: ID, $category: NoticeCategory, $after: String, $signedIn: Boolean!) {
    notices(regionId: $region, category: $category, first: 15, after: $after) {
      edges { cursor node { ...NoticeCardFields } }
      pageInfo { hasNextPage endCursor }
    }
    me @include(if: $signedIn) { id unreadNoticeCount }
  }
`)

export const UnreadNoticeCountQuery = graphql(`
  query UnreadNoticeCount {
    me { id unreadNoticeCount }
  }
`)

export const NoticeAttachmentFields = graphql(`
  fragment NoticeAttachmentFields on NoticeAttachment {
    key
    kind
    name
    size
    width
    height
    url
    thumbnailUrl
  }
`)

export const FinanceStatementFields = graphql(`
  fragment FinanceStatementFields on FinanceStatement {
    period
    incomeTotal
    expenseTotal
    balance
    lines { kind category item amount note }
    byCategory { kind category amount percent }
    warnings { lineIndex message percent }
  }
`)

export const NoticeQuery = graphql(`
  query Notice($id: ID!) {
    node(id: $id) {
      ... on Notice {
        ...NoticeCardFields
        body
        expiresAt
        expired
        version
        revisedAt
        revisionNote
        withdrawnAt
        withdrawReason
        region { id fullName }
        attachments { ...NoticeAttachmentFields }
        statement { ...FinanceStatementFields }
        revisions {
          version
          title
          body
          publishedAt
          note
          attachments { ...NoticeAttachmentFields }
          statement { period incomeTotal expenseTotal balance }
        }
      }
    }
  }
`)

export const MarkNoticeReadMutation = graphql(`
  mutation MarkNoticeRead($input: MarkNoticeReadInput!) {
    markNoticeRead(input: $input) {
      notice { id read acknowledged }
      me { id unreadNoticeCount }
      userErrors { field message code }
    }
  }
`)

export const AcknowledgeNoticeMutation = graphql(`
  mutation AcknowledgeNotice($input: AcknowledgeNoticeInput!) {
    acknowledgeNotice(input: $input) {
      notice { id read acknowledged }
      me { id unreadNoticeCount }
      userErrors { field message code }
    }
  }
`)

export const NoticePublishedSubscription = graphql(`
  subscription NoticePublished($region: ID!) {
    noticePublished(regionId: $region) { ...NoticeCardFields }
  }
`)

export const FeedbackCardFields = graphql(`
  fragment FeedbackCardFields on Feedback {
    id
    number
    kind
    status
    text
    createdAt
    updatedAt
    deadline
    closedAt
    overdue
  }
`)

export const MyFeedbackQuery = graphql(`
  query MyFeedback($after: String) {
    feedback(filter: { mine: true }, first: 15, after: $after) {
      edges { cursor node { ...FeedbackCardFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const FeedbackDetailFields = graphql(`
  fragment FeedbackDetailFields on Feedback {
    ...FeedbackCardFields
    anonymous
    isPublic
    mine
    region { id fullName }
    notice { id title }
    photos { key width height url thumbnailUrl }
    replies { status text at }
    rating { outcome stars comment at }
  }
`)

export const FeedbackQuery = graphql(`
  query Feedback($id: ID!) {
    node(id: $id) {
      ... on Feedback { ...FeedbackDetailFields }
    }
  }
`)

export const SimilarFeedbackQuery = graphql(`
  query SimilarFeedback($text: String!) {
    similarFeedback(text: $text, first: 3) { id number kind status text createdAt }
  }
`)

export const SubmitFeedbackMutation = graphql(`
  mutation SubmitFeedback($input: SubmitFeedbackInput!) {
    submitFeedback(input: $input) {
      feedback { ...FeedbackDetailFields }
      userErrors { field message code }
    }
  }
`)

export const RateFeedbackMutation = graphql(`
  mutation RateFeedback($input: RateFeedbackInput!) {
    rateFeedback(input: $input) {
      feedback { ...FeedbackDetailFields }
      userErrors { field message code }
    }
  }
`)
