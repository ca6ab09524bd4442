// The public API reference: the bank's own OpenAPI 3.1 document (GET /openapi.json), read at run time and
// shown per operation: who may call it, its headers, request fields, success and problem codes.

import { get } from "../api.js";
import { h, replace } from "../dom.js";
import { load, pageHead, table } from "../ui.js";

const METHODS = ["get", "post", "put", "patch", "delete"];
const PROBLEM_TYPE = "application/problem+json";

/** "#/components/schemas/TransferRequest" → the schema object (local refs, followed through chains). */
function resolve(doc, node) {
  let current = node;
  for (let hops = 0; current && current.$ref && hops < 10; hops += 1) {
    const path = String(current.$ref).replace(/^#\//, "").split("/");
    current = path.reduce((at, key) => (at ? at[key.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), doc);
  }
  return current || {};
}

function refName(node) {
  return node && node.$ref ? String(node.$ref).split("/").pop() : "";
}

/** A JSON schema's type in a few words: "string", "integer | null", "array of CardView", "TransferView". */
function typeOf(schema) {
  if (!schema) return "any";
  if (schema.$ref) return refName(schema);
  const variants = schema.anyOf || schema.oneOf;
  if (variants) return variants.map(typeOf).join(" | ");
  if (schema.allOf && schema.allOf.length === 1) return typeOf(schema.allOf[0]);
  if (schema.type === "array") return `array of ${typeOf(schema.items)}`;
  if (Array.isArray(schema.type)) return schema.type.join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  return schema.type || "any";
}

/** Validation keywords as short phrases; nullable variants (anyOf [X, null]) contribute X's. */
function constraints(schema) {
  if (!schema) return [];
  const own = [...(schema.anyOf || []), ...(schema.oneOf || [])].filter((s) => s.type !== "null");
  const out = [];
  for (const s of [schema, ...own]) {
    if (s.enum) out.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`);
    if (s.pattern) out.push(`pattern ${s.pattern}`);
    if (s.format) out.push(`format ${s.format}`);
    if (s.minLength !== undefined) out.push(`min length ${s.minLength}`);
    if (s.maxLength !== undefined) out.push(`max length ${s.maxLength}`);
    if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
    if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
    if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
    if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
    if (s.minItems !== undefined) out.push(`min items ${s.minItems}`);
    if (s.maxItems !== undefined) out.push(`max items ${s.maxItems}`);
  }
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

function describeSchema(schema) {
  const own = [schema, ...(schema.anyOf || []), ...(schema.oneOf || [])];
  return own.map((s) => s && s.description).find(Boolean) || "";
}

/** Who may call an operation, from `security` and the `x-roles` extension. */
function access(op, doc) {
  const security = op.security !== undefined ? op.security : doc.security || [];
  const open = !security.length || security.some((requirement) => !Object.keys(requirement).length);
  if (open) return { kind: "public", label: "Public", detail: "No sign-in needed." };
  const roles = Array.isArray(op["x-roles"]) ? op["x-roles"] : [];
  const schemes = security.flatMap((requirement) => Object.keys(requirement)).join(", ");
  if (!roles.length) return { kind: "signed-in", label: "Signed in", detail: `Sign-in needed (${schemes}); any role.` };
  const label = roles.length === 1 ? `${capitalise(roles[0])} only` : roles.map(capitalise).join(" or ");
  const kind = roles.some((r) => r === "staff" || r === "admin") && !roles.includes("customer") ? "staff" : "signed-in";
  return { kind, label, detail: `Sign-in needed (${schemes}); role: ${roles.join(" or ")}.` };
}

function capitalise(text) {
  const value = String(text || "");
  return value.charAt(0).toUpperCase() + value.slice(1);
}

/** The problem codes one error response can carry (the code enum, else its examples' names). */
function problemCodes(doc, response) {
  const content = (response && response.content) || {};
  const problem = content[PROBLEM_TYPE];
  if (!problem) return [];
  const codes = new Set();
  const schema = resolve(doc, problem.schema || {});
  for (const part of [schema, ...(schema.allOf || []).map((s) => resolve(doc, s))]) {
    const code = part.properties && part.properties.code;
    if (code && Array.isArray(code.enum)) code.enum.forEach((c) => codes.add(String(c)));
    if (code && code.const !== undefined) codes.add(String(code.const));
  }
  if (!codes.size) Object.keys(problem.examples || {}).forEach((name) => codes.add(name));
  return [...codes];
}

/** A response with no code list but a description like "internal_error: a bug…" still shows its code. */
function describedCode(description) {
  const found = /^([a-z][a-z0-9_]*): (.+)$/s.exec(description);
  if (!found) return h("span", { class: "small" }, description);
  return h("span", { class: "codes" }, h("code", { class: "mono code-chip" }, found[1]), h("span", { class: "small" }, found[2]));
}

function operations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths || {})) {
    const shared = item.parameters || [];
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters = [...shared, ...(op.parameters || [])].map((p) => resolve(doc, p));
      ops.push({ path, method, op, parameters });
    }
  }
  return ops;
}

/** Parameters every operation takes (e.g. the correlation id) are shown once, not 60 times. */
function commonParameters(ops) {
  if (!ops.length) return [];
  const key = (p) => `${p.in}:${p.name}`;
  return ops[0].parameters.filter((p) => ops.every((o) => o.parameters.some((q) => key(q) === key(p))));
}

function groupOf(entry) {
  const tag = (entry.op.tags || [])[0];
  if (tag) return tag;
  return entry.path.split("/").filter(Boolean)[0] || "root";
}

function parameterTable(parameters) {
  return table(
    [
      { label: "Name", value: (p) => h("code", { class: "mono" }, p.name) },
      { label: "In", value: (p) => p.in },
      { label: "Type", value: (p) => typeOf(p.schema) },
      { label: "Required", value: (p) => (p.required ? "required" : "optional") },
      { label: "Constraints", value: (p) => [constraints(p.schema).join(" · "), describeSchema(p.schema || {}) || p.description || ""].filter(Boolean).join(" — ") },
    ],
    parameters,
    { caption: "Parameters" },
  );
}

function bodySection(doc, body) {
  const [contentType, media] = Object.entries(body.content || {})[0] || ["", {}];
  const name = refName(media.schema) || typeOf(media.schema);
  const schema = resolve(doc, media.schema || {});
  const required = new Set(schema.required || []);
  const fields = Object.entries(schema.properties || {}).map(([field, s]) => ({ field, schema: s }));
  return h(
    "section",
    { class: "op-part" },
    h("h4", {}, "Request body"),
    h("p", { class: "small" }, h("code", { class: "mono" }, name), ` · ${contentType} · ${body.required ? "required" : "optional"}`, schema.additionalProperties === false ? " · no other fields allowed" : ""),
    fields.length
      ? table(
          [
            { label: "Field", value: (f) => h("code", { class: "mono" }, f.field) },
            { label: "Type", value: (f) => typeOf(f.schema) },
            { label: "Required", value: (f) => (required.has(f.field) ? "required" : "optional") },
            { label: "Constraints", value: (f) => [constraints(f.schema).join(" · "), describeSchema(f.schema)].filter(Boolean).join(" — ") },
          ],
          fields,
          { caption: `Fields of ${name}` },
        )
      : null,
  );
}

function responsesSection(doc, responses) {
  const entries = Object.entries(responses || {}).sort(([a], [b]) => a.localeCompare(b));
  const success = entries.filter(([status]) => /^[23]/.test(status));
  const errors = entries.filter(([status]) => !/^[23]/.test(status));
  const successLines = success.map(([status, raw]) => {
    const response = resolve(doc, raw);
    const content = Object.entries(response.content || {});
    const body = content.length ? content.map(([type, media]) => `${typeOf(media.schema)} (${type})`).join(", ") : "no body";
    const headers = Object.keys(response.headers || {});
    return h(
      "li",
      {},
      h("strong", { class: "status ok" }, status),
      " ",
      h("code", { class: "mono" }, body),
      headers.length ? h("span", { class: "small muted" }, ` · headers: ${headers.join(", ")}`) : null,
    );
  });
  const errorRows = errors.map(([status, raw]) => {
    const response = resolve(doc, raw);
    return { status, codes: problemCodes(doc, response), description: response.description || "" };
  });
  return h(
    "section",
    { class: "op-part" },
    h("h4", {}, "Responses"),
    h("ul", { class: "plain" }, successLines),
    errorRows.length
      ? table(
          [
            { label: "Status", value: (r) => h("strong", { class: "status error" }, r.status) },
            {
              label: "Problem codes",
              value: (r) =>
                r.codes.length
                  ? h("span", { class: "codes" }, r.codes.map((c) => h("code", { class: "mono code-chip" }, c)))
                  : describedCode(r.description),
            },
          ],
          errorRows,
          { caption: "Error responses" },
        )
      : null,
  );
}

function operationView(doc, entry, common) {
  const { path, method, op } = entry;
  const who = access(op, doc);
  const commonKeys = new Set(common.map((p) => `${p.in}:${p.name}`));
  const idempotency = entry.parameters.find((p) => p.in === "header" && /^idempotency-key$/i.test(p.name));
  // The idempotency header gets its own box below, so the table lists only the other parameters.
  const parameters = entry.parameters.filter((p) => p !== idempotency && !commonKeys.has(`${p.in}:${p.name}`));
  const codes = Object.values(op.responses || {}).flatMap((r) => problemCodes(doc, resolve(doc, r)));
  const label = `${method.toUpperCase()} ${path}`;
  const search = [label, op.summary, op.description, op.operationId, who.label, ...codes].filter(Boolean).join(" ").toLowerCase();
  return h(
    "details",
    { class: "op", "data-testid": label, dataset: { search } },
    h(
      "summary",
      {},
      h("span", { class: `method ${method}` }, method.toUpperCase()),
      h("code", { class: "mono op-path" }, path),
      h("span", { class: "op-summary" }, op.summary || ""),
      h("span", { class: `access ${who.kind}` }, who.label),
      idempotency && idempotency.required ? h("span", { class: "access idem", title: "Idempotency-Key header required" }, "Idempotency-Key") : null,
    ),
    h(
      "div",
      { class: "op-body" },
      op.description ? h("p", {}, op.description) : null,
      h("p", { class: "small" }, h("strong", {}, "Access: "), who.detail, op.operationId ? h("span", { class: "muted" }, ` · operation ${op.operationId}`) : null),
      idempotency
        ? h(
            "p",
            { class: "alert info small" },
            h("strong", {}, "Idempotency-Key"),
            ` header ${idempotency.required ? "required" : "optional"}`,
            constraints(idempotency.schema).length ? ` (${constraints(idempotency.schema).join(" · ")})` : "",
            ". ",
            idempotency.description || "",
          )
        : null,
      parameters.length ? h("section", { class: "op-part" }, h("h4", {}, "Parameters"), parameterTable(parameters)) : null,
      op.requestBody ? bodySection(doc, resolve(doc, op.requestBody)) : null,
      responsesSection(doc, op.responses),
    ),
  );
}

function render(doc) {
  const ops = operations(doc);
  const common = commonParameters(ops);
  const order = (doc.tags || []).map((t) => t.name);
  const groups = new Map(order.map((name) => [name, []]));
  for (const entry of ops) {
    const group = groupOf(entry);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(entry);
  }
  const rank = (m) => METHODS.indexOf(m);
  const sections = [...groups.entries()]
    .filter(([, list]) => list.length)
    .map(([name, list]) => {
      list.sort((a, b) => a.path.localeCompare(b.path) || rank(a.method) - rank(b.method));
      const description = ((doc.tags || []).find((t) => t.name === name) || {}).description;
      return h(
        "section",
        { class: "panel op-group", "aria-labelledby": `docs-group-${name}` },
        h("h2", { id: `docs-group-${name}` }, capitalise(name), h("span", { class: "muted small" }, ` · ${list.length} operations`)),
        description ? h("p", { class: "small muted" }, description) : null,
        list.map((entry) => operationView(doc, entry, common)),
      );
    });

  const count = h("p", { class: "small muted", role: "status" }, `${ops.length} operations`);
  const filter = h("input", { type: "search", id: "docs-filter", name: "filter", placeholder: "path, role or error code", autocomplete: "off" });
  const sectionsHolder = h("div", {}, sections);
  const allDetails = () => [...sectionsHolder.querySelectorAll("details.op")];
  filter.addEventListener("input", () => {
    const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const node of allDetails()) {
      const hit = words.every((w) => node.dataset.search.includes(w));
      node.hidden = !hit;
      if (hit) shown += 1;
    }
    for (const section of sectionsHolder.querySelectorAll(".op-group")) {
      section.hidden = !section.querySelector("details.op:not([hidden])");
    }
    count.textContent = words.length ? `${shown} of ${ops.length} operations match` : `${ops.length} operations`;
  });
  const expand = (open) => () => allDetails().forEach((node) => (node.open = open && !node.hidden));
  const info = doc.info || {};
  return [
    h(
      "section",
      { class: "panel" },
      h("p", {}, h("strong", {}, info.title || "API"), info.version ? ` · version ${info.version}` : "", doc.openapi ? h("span", { class: "muted" }, ` · OpenAPI ${doc.openapi}`) : null),
      info.description ? h("p", { class: "small" }, info.description) : null,
      common.length
        ? h("p", { class: "small muted" }, "Every operation also accepts ", common.map((p, i) => [i ? ", " : "", h("code", { class: "mono" }, p.name), ` (${p.in}, ${p.required ? "required" : "optional"})`]), ".")
        : null,
      h("p", { class: "small muted" }, "Staff-only operations are open to admins too."),
      h("div", { class: "field" }, h("label", { for: "docs-filter" }, "Filter operations"), filter),
      h(
        "div",
        { class: "actions docs-tools" },
        h("button", { type: "button", class: "btn secondary small", onclick: expand(true) }, "Expand all"),
        h("button", { type: "button", class: "btn secondary small", onclick: expand(false) }, "Collapse all"),
        h("a", { class: "btn secondary small", href: openapiUrl(), target: "_blank", rel: "noopener" }, "Raw openapi.json"),
      ),
      count,
    ),
    sectionsHolder,
  ];
}

function openapiUrl() {
  const config = window.ARHAN_CONFIG || {};
  return `${String(config.apiUrl || "").replace(/\/+$/, "")}/openapi.json`;
}

export async function docsPage(view) {
  const body = h("div", { "data-testid": "api-docs" });
  replace(view, pageHead("API docs"), body);
  await load(body, () => get("/openapi.json", { auth: false }), render);
}
