// Run once per cache directory by InfraTools (infra/src/test): node extract-schema.js <.jsii> <schema.json>.
// Extracts from @cdktn/provider-azurerm's .jsii the arguments and nested blocks of every azurerm resource and data
// source, with their required flags, as compact JSON: {"resources": {type: struct}, "dataSources": {...},
// "structs": {struct: {"args": {name: required}, "blocks": {name: {"required": bool, "struct": name}}}}}.
"use strict";
const fs = require("fs");
const [jsiiPath, outPath] = process.argv.slice(2);
const jsii = JSON.parse(fs.readFileSync(jsiiPath, "utf8"));
const types = jsii.types;
const structs = {};
const resources = {};
const dataSources = {};

function snake(camel) {
  return camel.replace(/([A-Z])/g, "_$1").toLowerCase();
}
function anchor(docs) {
  const m = /\/docs\/(resources|data-sources)\/([a-z0-9_]+)#([a-z0-9_]+)/.exec(JSON.stringify(docs || {}));
  return m ? { kind: m[1], type: "azurerm_" + m[2], name: m[3] } : null;
}
function blockStruct(type) {
  if (type.fqn && types[type.fqn] && types[type.fqn].datatype) return type.fqn;
  for (const t of (type.union && type.union.types) || []) {
    const c = t.collection;
    if (c && c.kind === "array" && c.elementtype.fqn && types[c.elementtype.fqn] && types[c.elementtype.fqn].datatype) {
      return c.elementtype.fqn;
    }
  }
  return null;
}
function visit(fqn) {
  const short = fqn.replace("@cdktn/provider-azurerm.", "");
  if (structs[short]) return short;
  const struct = { args: {}, blocks: {} };
  structs[short] = struct;
  for (const p of types[fqn].properties || []) {
    const a = anchor(p.docs);
    const name = a ? a.name : snake(p.name);
    const nested = blockStruct(p.type);
    if (nested) {
      struct.blocks[name] = { required: !p.optional, struct: visit(nested) };
    } else {
      struct.args[name] = !p.optional;
    }
  }
  return short;
}
for (const [fqn, t] of Object.entries(types)) {
  if (!t.datatype || !t.name.endsWith("Config") || !(t.interfaces || []).includes("cdktn.TerraformMetaArguments")) continue;
  const a = (t.properties || []).map(p => anchor(p.docs)).find(Boolean);
  if (!a) continue;
  (a.kind === "resources" ? resources : dataSources)[a.type] = visit(fqn);
}
const version = (/providers\/hashicorp\/azurerm\/([0-9.]+)\//.exec(JSON.stringify(Object.values(types).map(t => t.docs))) || [])[1];
fs.writeFileSync(outPath, JSON.stringify({ provider: "azurerm", version, resources, dataSources, structs }));
console.log(Object.keys(resources).length + " resources, " + Object.keys(dataSources).length + " data sources");
