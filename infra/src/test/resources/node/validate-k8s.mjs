// node validate-k8s.mjs <manifests.json>: validates each manifest (a JSON array, read from the YAML by the Java test)
// with kubernetes-models and @kubernetes-models/keda, the JSON schemas of Kubernetes and KEDA (ES modules); prints
// {"results": [{"index", "kind", "name", "error"}]} with error null for a valid manifest.
import { readFileSync } from "node:fs";

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const module = group === "keda.sh" ? `@kubernetes-models/keda/keda.sh/${version}/${kind}`
    : group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
  return (await import(module))[kind];
}

const manifests = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const [index, manifest] of manifests.entries()) {
  const name = manifest && manifest.metadata && manifest.metadata.name;
  try {
    const Model = await modelFor(manifest.apiVersion, manifest.kind);
    new Model(manifest).validate();
    results.push({ index, kind: manifest.kind, name, error: null });
  } catch (e) {
    results.push({ index, kind: manifest && manifest.kind, name, error: String((e && e.message) || e) });
  }
}
process.stdout.write(JSON.stringify({ results }));
