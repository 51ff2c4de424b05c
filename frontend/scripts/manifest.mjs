// The trusted documents the server loads: {"sha256:<hex>": "query ..."} from codegen's
// persisted-documents.json, each key checked against its text (the server checks again).
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'

const documents = JSON.parse(
  readFileSync(new URL('../src/gql/persisted-documents.json', import.meta.url), 'utf8'),
)
for (const [key, text] of Object.entries(documents)) {
  const expected = 'sha256:' + createHash('sha256').update(text).digest('hex')
  if (key !== expected) throw new Error(`document ${key} does not match its text`)
}
writeFileSync(new URL('../trusted-documents.json', import.meta.url), JSON.stringify(documents))
console.log(`trusted-documents.json: ${Object.keys(documents).length} documents`)
