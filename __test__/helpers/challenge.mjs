// A strict parser of `WWW-Authenticate` values (RFC 9110 §11.6.1, §11.2, §5.6), for the profile
// tests (__test__/profile.test.mjs). Unlike differential-runner.mjs's `parseWwwAuthenticate`
// (a regular expression over known parameter names that keeps `\"` and `\\` as they are sent and
// cuts a value at any `", name=` inside it), this one reads quoted-strings as the grammar does:
// `\x` stands for `x`, and a comma or `name="…"` inside quotes belongs to the value.
//
//   parseChallenges('Bearer error="invalid_token", error_description="a \\"b\\""')
//     → [{ scheme: 'Bearer', token68: undefined, params: [['error', 'invalid_token'], ['error_description', 'a "b"']] }]
//   parseBearerChallenge(value) → { names: ['error', …], params: { error: …, … } } (exactly one Bearer challenge)
//
// Anything off the grammar throws a SyntaxError naming the offset: an unterminated quoted-string,
// a character that is neither a token character nor allowed where it is, an empty list member, a
// parameter named twice in one challenge (§11.2: each name at most once). Parameter names are
// case-insensitive and come back lowercased; values come back as sent (unquoted).

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;
// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
const isQdtext = (code) => code === 0x09 || code === 0x20 || code === 0x21 || (code >= 0x23 && code <= 0x5b) || (code >= 0x5d && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
// quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
const isQuotedPairChar = (code) => code === 0x09 || code === 0x20 || (code >= 0x21 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);

export const parseChallenges = (value) => {
  if (typeof value !== 'string') throw new TypeError(`expected a header value, got ${typeof value}`);
  let i = 0;
  const fail = (what) => {
    throw new SyntaxError(`${what} at offset ${i} of ${JSON.stringify(value)}`);
  };
  const skipOws = () => {
    while (value[i] === ' ' || value[i] === '\t') i += 1;
  };
  const readToken = () => {
    const start = i;
    while (i < value.length && TCHAR.test(value[i])) i += 1;
    return value.slice(start, i);
  };
  const readQuoted = () => {
    // value[i] === '"'
    i += 1;
    let out = '';
    while (i < value.length) {
      const code = value.charCodeAt(i);
      if (code === 0x22) {
        i += 1;
        return out;
      }
      if (code === 0x5c) {
        if (i + 1 >= value.length || !isQuotedPairChar(value.charCodeAt(i + 1))) fail('bad quoted-pair');
        out += value[i + 1];
        i += 2;
        continue;
      }
      if (!isQdtext(code)) fail('character not allowed in a quoted-string');
      out += value[i];
      i += 1;
    }
    return fail('unterminated quoted-string');
  };
  // After `scheme 1*SP`: is what follows a token68 (and not the first auth-param)?
  const token68Ahead = () => {
    let j = i;
    while (j < value.length && TOKEN68_CHAR.test(value[j])) j += 1;
    if (j === i) return false;
    while (value[j] === '=') j += 1;
    let k = j;
    while (value[k] === ' ' || value[k] === '\t') k += 1;
    // A token68 ends the challenge: end of value or a comma next. `name=value` is a parameter
    // (its `=` is followed by a token or a quoted-string, not by the end or a comma).
    if (k < value.length && value[k] !== ',') return false;
    // `abc=` / `abc==` alone is a token68; `abc` alone is too.
    return true;
  };

  const challenges = [];
  let current;
  // After a scheme and its space: auth-params may follow (and no token68 was read).
  let expectParams = false;
  // After a parameter, a token68 or a bare scheme: the next member needs a comma first.
  let needComma = false;
  for (;;) {
    skipOws();
    if (i >= value.length) break;
    if (value[i] === ',') {
      // Empty list members are allowed by the #rule (§5.6.1): `a, , b`.
      i += 1;
      needComma = false;
      continue;
    }
    if (needComma) fail('expected a comma');
    const start = i;
    const name = readToken();
    if (!name) fail('expected a token');
    skipOws();
    if (current && expectParams && value[i] === '=') {
      // auth-param = token BWS "=" BWS ( token / quoted-string )
      i += 1;
      skipOws();
      let paramValue;
      if (value[i] === '"') paramValue = readQuoted();
      else {
        paramValue = readToken();
        if (!paramValue) fail('expected a token or a quoted-string');
      }
      const key = name.toLowerCase();
      if (current.params.some(([known]) => known === key)) fail(`parameter ${key} given twice`);
      current.params.push([key, paramValue]);
      needComma = true;
      continue;
    }
    // A new challenge: auth-scheme [ 1*SP ( token68 / #auth-param ) ].
    i = start + name.length;
    current = { scheme: name, token68: undefined, params: [] };
    challenges.push(current);
    expectParams = false;
    needComma = true;
    if (value[i] !== ' ') continue;
    while (value[i] === ' ') i += 1;
    if (i >= value.length || value[i] === ',') continue;
    if (token68Ahead()) {
      const t = i;
      while (i < value.length && (TOKEN68_CHAR.test(value[i]) || value[i] === '=')) i += 1;
      current.token68 = value.slice(t, i);
    } else {
      // The first auth-param follows without a comma.
      expectParams = true;
      needComma = false;
    }
  }
  if (challenges.length === 0) fail('no challenge');
  return challenges;
};

/** The one `Bearer` challenge of `value`: `{ names, params }` (names in the order sent). */
export const parseBearerChallenge = (value) => {
  const challenges = parseChallenges(value);
  if (challenges.length !== 1) throw new Error(`expected one challenge, got ${challenges.length}: ${value}`);
  const [{ scheme, token68, params }] = challenges;
  if (scheme.toLowerCase() !== 'bearer') throw new Error(`expected the Bearer scheme, got ${scheme}`);
  if (token68 !== undefined) throw new Error(`expected auth-params, got a token68: ${value}`);
  return { names: params.map(([name]) => name), params: Object.fromEntries(params) };
};

/** `value` as an RFC 9110 quoted-string (for the parser's own tests). */
export const quote = (value) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
