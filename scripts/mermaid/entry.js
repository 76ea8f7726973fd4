import mermaid from "mermaid";
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
globalThis.archqaCheck = function (src) {
  return mermaid.parse(src).then(() => 'ok', (e) => 'error:' + String((e && e.message) || e));
};
