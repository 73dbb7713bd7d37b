// node validate-k8s.js <manifests.json>: validates each manifest (a JSON array, read from the YAML by the Java test)
// with kubernetes-models and @kubernetes-models/keda, the JSON schemas of Kubernetes and KEDA; prints
// {"results": [{"index", "kind", "name", "error"}]} with error null for a valid manifest.
"use strict";
const fs = require("fs");

function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "keda.sh") return require(`@kubernetes-models/keda/keda.sh/${version}/${kind}`)[kind];
  const path = group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  return require(path)[kind];
}

const manifests = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const results = manifests.map((m, index) => {
  const name = m && m.metadata && m.metadata.name;
  try {
    const Model = modelFor(m.apiVersion, m.kind);
    new Model(m).validate();
    return { index, kind: m.kind, name, error: null };
  } catch (e) {
    return { index, kind: m && m.kind, name, error: String((e && e.message) || e) };
  }
});
process.stdout.write(JSON.stringify({ results }));
