// The addon and its fixed tables.
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

/** Only the listed keys of a plain object (what a schema reads); other values unchanged. */
export const pickKeys = (value, keys) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const picked = {};
  for (const key of keys) picked[key] = value[key];
  return picked;
};
