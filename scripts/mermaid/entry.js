import mermaid from "mermaid";
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
globalThis.archqaCheck = function (src) {
  return mermaid.parse(src).then(() => 'ok', (e) => 'error:' + String((e && e.message) || e));
};
// A flowchart as a graph, read by Mermaid's own parser: {nodes: [{id, label}], edges: [{from, to, label}]},
// or {error: message}. Used by `archqa interview` to compare a candidate's diagram with the reference.
globalThis.archqaGraph = async function (src) {
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(src);
    const db = diagram.db;
    if (typeof db.getVertices !== "function" || typeof db.getEdges !== "function") {
      return JSON.stringify({ error: "not a flowchart: only flowchart diagrams can be compared" });
    }
    const vertices = db.getVertices();
    const list = vertices instanceof Map ? Array.from(vertices.values()) : Object.values(vertices);
    const nodes = list.map((v) => ({ id: String(v.id), label: String(v.text == null ? v.id : v.text) }));
    const edges = db.getEdges().map((e) => ({
      from: String(e.start), to: String(e.end), label: String(e.text == null ? "" : e.text),
    }));
    return JSON.stringify({ nodes: nodes, edges: edges });
  } catch (e) {
    return JSON.stringify({ error: String((e && e.message) || e) });
  }
};
