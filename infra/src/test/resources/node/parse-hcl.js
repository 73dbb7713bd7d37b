// node parse-hcl.js <file>...: parses each Terraform file with HashiCorp's HCL parser (@cdktn/hcl2json, WASM) and
// prints {"files": {path: json}, "errors": [{"file", "message"}]}; a syntax error names the file and line.
"use strict";
const fs = require("fs");
const { parse } = require("@cdktn/hcl2json");

(async () => {
  const result = { files: {}, errors: [] };
  for (const file of process.argv.slice(2)) {
    try {
      result.files[file] = await parse(file, fs.readFileSync(file, "utf8"));
    } catch (e) {
      result.errors.push({ file, message: String((e && e.message) || e) });
    }
  }
  process.stdout.write(JSON.stringify(result));
})().catch(e => { console.error(e); process.exit(2); });
