//! Remote JSON Web Key Sets: their options, the parsed set with jose's key selection, and the
//! remote cache.

mod key_set;
mod options;
mod remote;

pub use key_set::KeySet;
pub use options::{CustomFetch, HostFetch, HostFetchError, HostFetchResult, JwksOptions, MAX_JWKS_BYTES};
pub use remote::{CachedLookup, RemoteKeySet};

#[cfg(test)]
mod server_tests;
