// GET /docs: the OpenAPI document as one self-contained HTML page (no scripts, styles inline,
// nothing fetched): every route with its parameters, body keys, responses and an example.
// It reads the document the API serves at /openapi.json, so the two cannot disagree.

type Json = Record<string, unknown>;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** `code` spans for backquoted text in descriptions, everything else escaped. */
function prose(value: unknown): string {
  return escapeHtml(text(value)).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function resolve(doc: Json, schema: unknown, depth = 0): Json {
  if (!isObject(schema) || depth > 8) return {};
  const ref = text(schema.$ref);
  if (!ref.startsWith('#/components/schemas/')) return schema;
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  return resolve(doc, schemas[ref.slice('#/components/schemas/'.length)], depth + 1);
}

function typeOf(doc: Json, raw: unknown): string {
  const schema = resolve(doc, raw);
  const nullable = schema.nullable === true ? ' | null' : '';
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ') + nullable;
  if (schema.type === 'array') return `array of ${typeOf(doc, schema.items)}${nullable}`;
  const base = text(schema.type) || (Array.isArray(schema.anyOf) ? schema.anyOf.map((s) => typeOf(doc, s)).join(' | ') : 'any');
  const bounds = [
    typeof schema.minimum === 'number' ? `≥ ${schema.minimum}` : '',
    typeof schema.maximum === 'number' && schema.maximum < 2 ** 31 ? `≤ ${schema.maximum}` : '',
  ].filter(Boolean);
  return `${base}${schema.format ? ` (${text(schema.format)})` : ''}${bounds.length ? ` ${bounds.join(', ')}` : ''}${nullable}`;
}

function table(headers: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  const head = headers.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function parametersOf(doc: Json, operation: Json): string {
  const params = Array.isArray(operation.parameters) ? operation.parameters.filter(isObject) : [];
  const rows = params.map((p) => [
    `<code>${escapeHtml(text(p.name))}</code>`,
    escapeHtml(text(p.in)),
    escapeHtml(typeOf(doc, p.schema)),
    p.required === true ? 'yes' : '',
    prose(p.description ?? resolve(doc, p.schema).description),
  ]);
  return rows.length ? `<h4>Parameters</h4>${table(['name', 'in', 'type', 'required', 'description'], rows)}` : '';
}

function jsonSchemaOf(doc: Json, holder: unknown): Json | null {
  if (!isObject(holder) || !isObject(holder.content)) return null;
  const media = holder.content['application/json'];
  return isObject(media) ? resolve(doc, media.schema) : null;
}

function bodyOf(doc: Json, operation: Json): string {
  const schema = jsonSchemaOf(doc, operation.requestBody);
  if (!schema) return '';
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(text) : []);
  const properties = isObject(schema.properties) ? schema.properties : {};
  const rows = Object.entries(properties).map(([key, raw]) => [
    `<code>${escapeHtml(key)}</code>`,
    escapeHtml(typeOf(doc, raw)),
    required.has(key) ? 'yes' : '',
    prose(resolve(doc, raw).description),
  ]);
  const example = schema.example === undefined ? '' : `<h4>Example body</h4><pre>${escapeHtml(JSON.stringify(schema.example, null, 2))}</pre>`;
  const strict = schema.additionalProperties === false ? '<p>Other keys are refused (400 naming them).</p>' : '';
  return `<h4>Body (JSON)</h4>${table(['key', 'type', 'required', 'description'], rows)}${strict}${example}`;
}

function responsesOf(doc: Json, operation: Json): string {
  const responses = isObject(operation.responses) ? operation.responses : {};
  const rows = Object.entries(responses).map(([status, raw]) => {
    const response = isObject(raw) ? raw : {};
    const schema = jsonSchemaOf(doc, response);
    const keys = schema && isObject(schema.properties) ? Object.keys(schema.properties) : [];
    const shape = keys.length ? `<br><small>${keys.map((k) => `<code>${escapeHtml(k)}</code>`).join(' ')}</small>` : '';
    return [escapeHtml(status), `${prose(response.description)}${shape}`];
  });
  return `<h4>Responses</h4>${table(['status', 'meaning'], rows)}`;
}

function curlOf(doc: Json, method: string, path: string, operation: Json): string {
  const url = path.replace('{db}', 'main').replace('{id}', '1').replace('{name}', 'nightly-vacuum');
  const auth = Array.isArray(operation.security) && operation.security.length ? ' -H "Authorization: Bearer $TOKEN"' : '';
  const schema = jsonSchemaOf(doc, operation.requestBody);
  const data = schema?.example === undefined ? '' : ` -H "Content-Type: application/json" -d '${JSON.stringify(schema.example)}'`;
  const verb = method === 'get' ? '' : ` -X ${method.toUpperCase()}`;
  return `<pre>curl${verb}${auth}${data} "$EDGECRON_URL${escapeHtml(url)}"</pre>`;
}

/** The docs page for an OpenAPI 3 document. */
export function renderDocsPage(doc: Json): string {
  const info = isObject(doc.info) ? doc.info : {};
  const paths = isObject(doc.paths) ? doc.paths : {};
  const sections: string[] = [];
  const index: string[] = [];
  for (const [path, rawItem] of Object.entries(paths)) {
    if (!isObject(rawItem)) continue;
    for (const method of METHODS) {
      const operation = rawItem[method];
      if (!isObject(operation)) continue;
      const anchor = `${method}-${path}`.replace(/[^a-zA-Z0-9]+/g, '-');
      const title = `${method.toUpperCase()} ${path}`;
      index.push(`<li><a href="#${anchor}"><code>${escapeHtml(title)}</code></a> ${prose(operation.summary)}</li>`);
      sections.push(
        `<section id="${anchor}"><h3><code>${escapeHtml(title)}</code></h3><p><strong>${prose(operation.summary)}</strong></p>` +
          `<p>${prose(operation.description)}</p>${parametersOf(doc, operation)}${bodyOf(doc, operation)}` +
          `${responsesOf(doc, operation)}<h4>Example</h4>${curlOf(doc, method, path, operation)}</section>`,
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(text(info.title))} API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f4f4f4;padding:.6rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
section{border-top:1px solid #ccc;margin-top:1.5rem}</style></head><body>
<h1>${escapeHtml(text(info.title))} API <small>${escapeHtml(text(info.version))}</small></h1>
<p>${prose(info.description)}</p><p>The same document as JSON: <a href="/openapi.json"><code>/openapi.json</code></a>.</p>
<h2>Routes</h2><ul>${index.join('')}</ul>${sections.join('')}</body></html>`;
}
