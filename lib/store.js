// `MCPAuth`'s `store` as the addon calls it: one function taking and answering JSON (the format is
// documented in src/store.rs). What the store throws or rejects becomes `{ error }`; the core
// bounds every call with `storeTimeout` and decides what a failure means.

const DEFAULT_TIMEOUT_MS = 1000;

/** The addon's store function for `store` (`get`, `set`, `add`), or a TypeError. */
export const storeFunctionOf = (store) => {
  if (!store || ['get', 'set', 'add'].some((method) => typeof store[method] !== 'function')) {
    throw new TypeError('`store` must have `get(key)`, `set(key, value, ttlMs)` and `add(key, ttlMs)` methods.');
  }
  return async (request) => {
    const { op, key, value, ttlMs } = JSON.parse(request);
    try {
      if (op === 'get') {
        const found = await store.get(key);
        return JSON.stringify({ value: typeof found === 'string' ? found : null });
      }
      if (op === 'set') {
        await store.set(key, value, ttlMs);
        return '{"ok":true}';
      }
      const added = await store.add(key, ttlMs);
      return JSON.stringify(typeof added === 'boolean' ? { added } : { error: '`add` must resolve a boolean.' });
    } catch (error) {
      return JSON.stringify({ error: String(error?.message ?? error) });
    }
  };
};

/** `storeTimeout` in milliseconds (default 1000), or a TypeError. */
export const storeTimeoutOf = (timeout) => {
  if (timeout === undefined || timeout === null) return DEFAULT_TIMEOUT_MS;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > 2 ** 31) {
    throw new TypeError('`storeTimeout` must be a number of milliseconds, more than 0.');
  }
  return Math.ceil(timeout);
};
