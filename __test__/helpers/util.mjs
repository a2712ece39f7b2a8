// Small helpers shared by the tests, the benchmark and the soak script.

/** Rejects after `ms` unless `promise` settles first (so a test can bound a promise that must settle). */
export const within = (promise, ms, what = 'operation') => {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
};

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles a promise (or the promise of a function) into `{ ok, value }` / `{ ok: false, error }`; never throws. */
export const settle = async (promiseOrFn) => {
  try {
    const value = await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
    return { ok: true, value };
  } catch (error) {
    return { ok: false, error };
  }
};

/** `settle`, plus the milliseconds it took (`ms`). */
export const timed = async (promiseOrFn) => {
  const start = performance.now();
  const result = await settle(promiseOrFn);
  return { ...result, ms: performance.now() - start };
};

/** Base64url of a Buffer (its bytes), a string (its UTF-8 bytes) or anything else (its JSON text). */
export const b64url = (value) =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

/** `text` parsed as JSON, or the text itself when it is not JSON. */
export const jsonOrText = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
