// The platform admin's changes to the region tree (the tree itself is read with
// RegionChildrenQuery in console-expert.ts).
import { graphql } from '../gql'

export const CreateRegionMutation = graphql(`
  mutation CreateRegion($input: CreateRegionInput!) {
    createRegion(input: $input) {
      region { id code name level }
      userErrors { field message code }
    }
  }
`)

export const RenameRegionMutation = graphql(`
  mutation RenameRegion($input: RenameRegionInput!) {
    renameRegion(input: $input) {
      region { id name }
      userErrors { field message code }
    }
  }
`)
