// The addon and its fixed tables, plus the one JSON encoding used for everything sent to it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The napi-rs name of this machine's platform package suffix, e.g. `linux-x64-gnu`, `darwin-arm64`. */
const platformId = () => {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.()?.header?.glibcVersionRuntime;
    return `linux-${arch}-${glibc ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
};

const loadBinding = () => {
  try {
    return require('../binding.cjs');
  } catch (cause) {
    const id = platformId();
    throw new Error(
      `mcp-auth-rs: no prebuilt binary for ${id}; install the optional dependency mcp-auth-rs-${id} ` +
        'or build from source with `npm run build`',
      { cause },
    );
  }
};

export const binding = loadBinding();
export const tables = JSON.parse(binding.staticTables());

/** Key that marks a JS `Error` in JSON sent to the addon: bodies keep an error's keys as is. */
export const RAW_ERROR_KEY = '\u0000raw';
/** Beside it, from the addon: the error's message (not an own enumerable key of a JS error). */
export const ERROR_MESSAGE_KEY = '\u0000message';

const isPlainObject = (value) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

// JSON as the reference's libraries see values: errors keep their own keys (marked), other class
// instances become their own enumerable properties, BigInts become an (invalid) object.
function replacer(key, value) {
  const raw = this[key];
  if (typeof raw === 'bigint') return {};
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Date) return value;
  if (raw instanceof Error) return { [RAW_ERROR_KEY]: { ...raw } };
  return isPlainObject(raw) ? value : { ...raw };
}

/** JSON text for the addon (`'null'` for `undefined`). */
export const jsonArg = (value) => JSON.stringify(value, replacer) ?? 'null';

/** Only the listed keys of a plain object (what a schema reads); other values unchanged. */
export const pickKeys = (value, keys) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const picked = {};
  for (const key of keys) picked[key] = value[key];
  return picked;
};
