// The experts tab's operations: questions, experts and their slots, bookings, the call's
// signalling, lectures. Codegen makes each a typed and a trusted document.
import { graphql } from '../gql'

export const PhotoFields = graphql(`
  fragment PhotoFields on Photo {
    key
    width
    height
    url
    thumbnailUrl
  }
`)

export const QuestionFields = graphql(`
  fragment QuestionFields on Question {
    id
    specialty
    crop
    text
    status
    askedAt
    answeredAt
    askedByMe
    photos { ...PhotoFields }
    answers { id text answeredAt helpful expert { id name title } }
  }
`)

export const ExpertCardFields = graphql(`
  fragment ExpertCardFields on Expert {
    id
    name
    title
    organization
    specialties
    answerCount
    consultationCount
    rating { average count }
  }
`)

export const SlotFields = graphql(`
  fragment SlotFields on ConsultationSlot {
    id
    startsAt
    endsAt
    durationMinutes
    status
  }
`)

export const ConsultationFields = graphql(`
  fragment ConsultationFields on Consultation {
    id
    status
    topic
    description
    crop
    startsAt
    endsAt
    callOpensAt
    advice
    cancelReason
    updatedAt
    expert { id name title organization user { id } }
    farmer { id name }
    rating { stars comment ratedAt }
  }
`)

// The thread between the two parties; the booking page and the expert console show it.
export const MessageThreadFields = graphql(`
  fragment MessageThreadFields on Consultation {
    id
    messagesOpen
    messages { id text sentAt fromMe authorRole author { id name } }
  }
`)

export const SendConsultationMessageMutation = graphql(`
  mutation SendConsultationMessage($input: SendConsultationMessageInput!) {
    sendConsultationMessage(input: $input) {
      message { id }
      consultation { ...MessageThreadFields }
      userErrors { field message code }
    }
  }
`)

export const VideoSessionFields = graphql(`
  fragment VideoSessionFields on VideoSession {
    id
    title
    topic
    crops
    startsAt
    endsAt
    durationMinutes
    streamUrl
    capacity
    registeredCount
    replayUrl
    registered
    expert { id name title }
  }
`)

export const ExpertsHubQuery = graphql(`
  query ExpertsHub($signedIn: Boolean!) {
    answered: questions(filter: { status: ANSWERED }, first: 5) {
      edges { node { ...QuestionFields } }
    }
    mine: questions(filter: { mine: true }, first: 3) @include(if: $signedIn) {
      edges { node { ...QuestionFields } }
      totalCount
    }
    myConsultations(status: BOOKED, first: 3) @include(if: $signedIn) {
      edges { node { ...ConsultationFields } }
    }
    experts(first: 4) {
      edges { node { ...ExpertCardFields } }
      totalCount
    }
    videoSessions(upcomingOnly: true, first: 2) {
      edges { node { ...VideoSessionFields } }
    }
  }
`)

export const QuestionsQuery = graphql(`
  query Questions($filter: QuestionFilter, $after: String) {
    questions(filter: $filter, first: 10, after: $after) {
      edges { node { ...QuestionFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const SearchQuestionsQuery = graphql(`
  query SearchQuestions($text: String!) {
    search(text: $text, kinds: [QUESTION], first: 20) {
      title
      snippet
      node { id ... on Question { ...QuestionFields } }
    }
  }
`)

export const QuestionQuery = graphql(`
  query Question($id: ID!) {
    node(id: $id) {
      id
      ... on Question {
        ...QuestionFields
        village { id fullName }
      }
    }
  }
`)

export const AskQuestionMutation = graphql(`
  mutation AskQuestion($input: AskQuestionInput!) {
    askQuestion(input: $input) {
      question { ...QuestionFields }
      userErrors { field message code }
    }
  }
`)

export const MarkAnswerHelpfulMutation = graphql(`
  mutation MarkAnswerHelpful($input: MarkAnswerHelpfulInput!) {
    markAnswerHelpful(input: $input) {
      question { ...QuestionFields }
      userErrors { field message code }
    }
  }
`)

export const ExpertsQuery = graphql(`
  query Experts($specialty: Specialty, $after: String) {
    experts(specialty: $specialty, first: 20, after: $after) {
      edges { node { ...ExpertCardFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ExpertQuery = graphql(`
  query Expert($id: ID!, $after: String) {
    node(id: $id) {
      id
      ... on Expert {
        ...ExpertCardFields
        bio
        regions { id fullName }
      }
    }
    consultationSlots(expertId: $id, first: 60, after: $after) {
      edges { node { ...SlotFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const BookConsultationMutation = graphql(`
  mutation BookConsultation($input: BookConsultationInput!) {
    bookConsultation(input: $input) {
      consultation { ...ConsultationFields slot { id status } }
      userErrors { field message code }
    }
  }
`)

export const MyConsultationsQuery = graphql(`
  query MyConsultations($status: ConsultationStatus, $after: String) {
    myConsultations(status: $status, first: 20, after: $after) {
      edges { node { ...ConsultationFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const ConsultationQuery = graphql(`
  query Consultation($id: ID!) {
    node(id: $id) {
      id
      ... on Consultation {
        ...ConsultationFields
        history { status at reason }
        photos { ...PhotoFields }
        question { id crop text }
        videoRoomUrl
        ...MessageThreadFields
      }
    }
  }
`)

export const ConsultationCallQuery = graphql(`
  query ConsultationCall($id: ID!) {
    node(id: $id) {
      id
      ... on Consultation {
        ...ConsultationFields
        iceServers { urls username credential }
        videoRoomUrl
      }
    }
  }
`)

export const CancelConsultationMutation = graphql(`
  mutation CancelConsultation($input: CancelConsultationInput!) {
    cancelConsultation(input: $input) {
      consultation { ...ConsultationFields history { status at reason } }
      userErrors { field message code }
    }
  }
`)

export const RateConsultationMutation = graphql(`
  mutation RateConsultation($input: RateConsultationInput!) {
    rateConsultation(input: $input) {
      consultation { ...ConsultationFields }
      userErrors { field message code }
    }
  }
`)

export const ConsultationUpdatedSubscription = graphql(`
  subscription ConsultationUpdated {
    consultationUpdated { ...ConsultationFields ...MessageThreadFields }
  }
`)

export const SendCallSignalMutation = graphql(`
  mutation SendCallSignal($input: SendCallSignalInput!) {
    sendCallSignal(input: $input) {
      signal { id kind }
      userErrors { field message code }
    }
  }
`)

export const CallSignalsSubscription = graphql(`
  subscription CallSignals($consultationId: ID!) {
    callSignals(consultationId: $consultationId) { id kind payload sentAt }
  }
`)

export const VideoSessionsQuery = graphql(`
  query VideoSessions($upcomingOnly: Boolean!, $after: String) {
    videoSessions(upcomingOnly: $upcomingOnly, first: 20, after: $after) {
      edges { node { ...VideoSessionFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`)

export const RegisterForVideoSessionMutation = graphql(`
  mutation RegisterForVideoSession($input: RegisterForVideoSessionInput!) {
    registerForVideoSession(input: $input) {
      videoSession { ...VideoSessionFields }
      userErrors { field message code }
    }
  }
`)
