if (typeof globalThis.TextEncoder === "undefined") {
  globalThis.TextEncoder = class { encode(s) { const u = unescape(encodeURIComponent(String(s))); const a = new Uint8Array(u.length); for (let i = 0; i < u.length; i++) a[i] = u.charCodeAt(i); return a; } };
  globalThis.TextDecoder = class { decode(a) { let s = ""; for (let i = 0; i < (a ? a.length : 0); i++) s += String.fromCharCode(a[i]); return decodeURIComponent(escape(s)); } };
}
if (typeof globalThis.structuredClone === "undefined") {
  globalThis.structuredClone = function clone(v) { if (v === null || typeof v !== "object") return v; if (v instanceof Date) return new Date(v); if (v instanceof Map) return new Map([...v].map(([k, x]) => [clone(k), clone(x)])); if (v instanceof Set) return new Set([...v].map(clone)); if (Array.isArray(v)) return v.map(clone); const o = {}; for (const k of Object.keys(v)) o[k] = clone(v[k]); return o; };
}
