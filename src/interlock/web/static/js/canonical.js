// RFC 8785 JSON Canonicalization Scheme: the exact bytes a party signs.
//
// The server (interlock.codec.canonical) verifies signatures over these bytes, so they
// must match it byte for byte: object keys sorted by UTF-16 code units (what JavaScript's
// `<` on strings compares), numbers in ECMAScript form (what JSON.stringify writes for a
// number: RFC 8785 is defined by it), strings escaped as JSON.stringify does, no spaces.
// Anything that has no JSON form (NaN, Infinity, undefined, functions, BigInt, lone
// surrogates) is refused rather than silently changed.

function wellFormed(text) {
  // A lone surrogate cannot be encoded as UTF-8: RFC 8785 refuses it, so do we.
  return /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/.test(text);
}

function byCodeUnits(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical JSON text of `value` (a string; see `canonicalBytes` for UTF-8). */
export function canonicalize(value) {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise ${value}`);
    return JSON.stringify(value); // ECMAScript Number::toString; -0 becomes "0"
  }
  if (typeof value === "string") {
    if (!wellFormed(value)) throw new TypeError("cannot canonicalise a lone surrogate");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const keys = Object.keys(value).sort(byCodeUnits);
    return `{${keys.map((k) => `${canonicalize(k)}:${canonicalize(value[k])}`).join(",")}}`;
  }
  throw new TypeError(`cannot canonicalise a ${typeof value}`);
}

/** The UTF-8 bytes of the canonical form: what is hashed and signed. */
export function canonicalBytes(value) {
  return new TextEncoder().encode(canonicalize(value));
}
