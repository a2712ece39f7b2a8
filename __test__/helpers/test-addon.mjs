// The test addon: the same Rust code built with the `test-probes` feature (panic and codec
// probes), by `npm run build:test-addon` (part of `npm test`). The shipped addon has no probes.
import { builtAddon } from './built-addon.mjs';

export const testAddon = builtAddon('test-addon', 'build:test-addon');
