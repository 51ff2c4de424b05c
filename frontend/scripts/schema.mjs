// The schema as graphcache wants it (minified introspection): it tells the offline cache
// which fields may be missing, so a screen cached in part still shows.
import { readFileSync, writeFileSync } from 'node:fs'
import { buildSchema, introspectionFromSchema } from 'graphql'
import { minifyIntrospectionQuery } from '@urql/introspection'

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'))
const minified = minifyIntrospectionQuery(introspectionFromSchema(schema), {
  includeScalars: false,
  includeEnums: false,
  includeInputs: false,
  includeDirectives: false,
})
writeFileSync(new URL('../src/gql/schema.json', import.meta.url), JSON.stringify(minified))
