//! The Node addon over `mcp-auth-core`: argument conversion (JSON text from the JS layer into the
//! core's types), the boundary codec, and error encoding. No decision is made here.

// Errors carry their JS `cause` as JSON; they are built on cold paths only.
#![allow(clippy::result_large_err)]
// Without the napi exports (unit tests), much of the codec has no caller.
#![cfg_attr(test, allow(dead_code))]

mod codec;
mod options;

// The napi exports; the unit tests (codec, options) build without them, as there is no Node to
// link against.
#[cfg(not(test))]
mod discovery;
#[cfg(not(test))]
mod guard;
#[cfg(not(test))]
mod jwks_fetch;
#[cfg(not(test))]
mod mcp_auth;
#[cfg(all(feature = "test-probes", not(test)))]
mod probes;
#[cfg(not(test))]
mod store;
#[cfg(not(test))]
mod throw;
#[cfg(not(test))]
mod verify_jwt;

/// The async exports' runtime, built here rather than by napi-rs: with its worker count given,
/// tokio never reads `TOKIO_WORKER_THREADS`, whose malformed value (even empty) would otherwise
/// panic inside the runtime's creation and abort Node on the first async call. If building fails,
/// napi-rs builds its default one.
#[cfg(not(test))]
#[napi_derive::module_init]
fn init_runtime() {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build() {
        napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
    }
}
