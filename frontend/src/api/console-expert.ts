// The operations of the console's expert and platform-admin screens (typed documents;
// the build adds them to the trusted-document manifest).
import { graphql } from '../gql'

export const ExpertProfileFields = graphql(`
  fragment ExpertProfileFields on Expert {
    id
    name
    specialties
    organization
    title
    bio
    answerCount
    consultationCount
    rating { average count }
    regions { id fullName }
  }
`)

export const MyExpertProfileQuery = graphql(`
  query MyExpertProfile {
    myExpertProfile { ...ExpertProfileFields }
  }
`)

export const UpdateExpertProfileMutation = graphql(`
  mutation UpdateExpertProfile($input: UpdateExpertProfileInput!) {
    updateExpertProfile(input: $input) {
      expert { ...ExpertProfileFields }
      userErrors { field message code }
    }
  }
`)

export const ExpertWeekQuery = graphql(`
  query ExpertWeek($expertId: ID!, $from: DateTime!, $to: DateTime!) {
    consultationSlots(expertId: $expertId, from: $from, to: $to, openOnly: false, first: 100) {
      edges {
        node {
          id
          startsAt
          endsAt
          durationMinutes
          status
          consultation { id status topic farmer { id name } }
        }
      }
    }
  }
`)

export const PublishSlotsMutation = graphql(`
  mutation PublishSlots($input: PublishSlotsInput!) {
    publishSlots(input: $input) {
      slots { id startsAt endsAt durationMinutes status }
      userErrors { field message code }
    }
  }
`)

export const CancelSlotMutation = graphql(`
  mutation CancelSlot($input: CancelSlotInput!) {
    cancelSlot(input: $input) {
      slot { id status }
      userErrors { field message code }
    }
  }
`)

export const BookingFields = graphql(`
  fragment BookingFields on Consultation {
    id
    status
    topic
    description
    crop
    startsAt
    endsAt
    advice
    cancelReason
    callOpensAt
    photos { key url thumbnailUrl }
    farmer { id name phone village { id fullName } }
    rating { stars comment ratedAt }
    ...MessageThreadFields
  }
`)

export const ExpertBookingsQuery = graphql(`
  query ExpertBookings($status: ConsultationStatus, $after: String) {
    myConsultations(status: $status, first: 20, after: $after) {
      totalCount
      edges { node { ...BookingFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const CompleteConsultationMutation = graphql(`
  mutation CompleteConsultation($input: CompleteConsultationInput!) {
    completeConsultation(input: $input) {
      consultation { ...BookingFields }
      userErrors { field message code }
    }
  }
`)

export const MarkNoShowMutation = graphql(`
  mutation MarkNoShow($input: MarkNoShowInput!) {
    markNoShow(input: $input) {
      consultation { ...BookingFields }
      userErrors { field message code }
    }
  }
`)

export const ExpertCancelConsultationMutation = graphql(`
  mutation ExpertCancelConsultation($input: CancelConsultationInput!) {
    cancelConsultation(input: $input) {
      consultation { ...BookingFields }
      userErrors { field message code }
    }
  }
`)

export const QuestionQueueQuery = graphql(`
  query QuestionQueue($specialty: Specialty, $status: QuestionStatus, $after: String) {
    questions(filter: { specialty: $specialty, status: $status }, first: 20, after: $after) {
      totalCount
      edges {
        node {
          id
          specialty
          crop
          text
          status
          askedAt
          photos { key url thumbnailUrl }
          asker { id name }
          village { id fullName }
          answers { id text answeredAt helpful expert { id name } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ConsoleAnswerQuestionMutation = graphql(`
  mutation ConsoleAnswerQuestion($input: AnswerQuestionInput!) {
    answerQuestion(input: $input) {
      question { id status answers { id text answeredAt helpful expert { id name } } }
      userErrors { field message code }
    }
  }
`)

export const LecturesQuery = graphql(`
  query Lectures {
    videoSessions(upcomingOnly: false, first: 100) {
      edges {
        node {
          id
          title
          topic
          crops
          startsAt
          endsAt
          durationMinutes
          streamUrl
          replayUrl
          capacity
          registeredCount
          registrants { id name village { id fullName } }
          expert { id }
        }
      }
    }
  }
`)

export const ScheduleLectureMutation = graphql(`
  mutation ScheduleLecture($input: ScheduleVideoSessionInput!) {
    scheduleVideoSession(input: $input) {
      videoSession { id title startsAt }
      userErrors { field message code }
    }
  }
`)

export const SetLectureReplayMutation = graphql(`
  mutation SetLectureReplay($input: SetVideoSessionReplayInput!) {
    setVideoSessionReplay(input: $input) {
      videoSession { id replayUrl }
      userErrors { field message code }
    }
  }
`)

export const RatedConsultationsQuery = graphql(`
  query RatedConsultations {
    myConsultations(status: COMPLETED, first: 50) {
      edges { node { id topic startsAt farmer { id name } rating { stars comment ratedAt } } }
    }
  }
`)

// platform

export const RegionChildrenQuery = graphql(`
  query RegionChildren($parentId: ID) {
    regions(parentId: $parentId) { id code name level }
  }
`)

export const RegionsOfLevelQuery = graphql(`
  query RegionsOfLevel($parentId: ID, $level: RegionLevel) {
    regions(parentId: $parentId, level: $level) { id name fullName level }
  }
`)

export const ConsoleUsersQuery = graphql(`
  query ConsoleUsers($filter: UserFilter, $after: String) {
    users(filter: $filter, first: 20, after: $after) {
      totalCount
      edges {
        node { id name phone role createdAt village { id fullName } adminRegion { id fullName } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const GrantRoleMutation = graphql(`
  mutation GrantRole($input: GrantRoleInput!) {
    grantRole(input: $input) {
      user { id name role adminRegion { id fullName } }
      userErrors { field message code }
    }
  }
`)

export const PlatformStatsQuery = graphql(`
  query PlatformStats($regionId: ID) {
    platformStats(regionId: $regionId) {
      region { id name fullName }
      residentsBySubregion { count region { id name } }
      peopleByRole { role count }
      ordersByStatus { status count amount }
      turnover
      activeListings
      noticesPublished
      noticeReads
      noticeAcknowledgements
      feedbackByStatus { status count }
      feedbackMeanHoursToClose
      feedbackRatings { outcome count averageStars }
      questionsAsked
      questionsAnswered
      consultationsHeld
      consultationsCancelled
      consultationsNoShow
      consultationsByMonth { month held cancelled noShow booked }
      computedAt
    }
  }
`)
