// Converts the vendored upstream Swagger 2.0 file to OpenAPI 3.0 with the pinned swagger2openapi.
// Usage: node convert.js <input swagger.json> <output openapi.json>
// Output is deterministic (same input, same bytes), indented by one space to keep the file small
// but diffable.
"use strict";
const fs = require("fs");
const converter = require("swagger2openapi");

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node convert.js <input> <output>");
  process.exit(2);
}
const swagger = JSON.parse(fs.readFileSync(input, "utf8"));
converter.convertObj(swagger, { patch: false, warnOnly: false }, (err, result) => {
  if (err) {
    console.error(`conversion failed: ${err.message}`);
    process.exit(1);
  }
  fs.writeFileSync(output, JSON.stringify(result.openapi, null, 1) + "\n");
});
