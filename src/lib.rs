//! mcp-auth-rs: the Rust core of a drop-in replacement for `mcp-auth`.
//! Logic lives in the modules by concern; `bindings` is the only place that touches napi.

// Errors carry their JS `cause` as JSON; they are built on cold paths only, so their size does
// not matter and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod bearer;
pub mod descriptions;
pub mod error;
pub mod http;
pub mod jose;
pub mod jwks;
pub mod mcp_auth;
pub mod metadata;
pub mod resource;
pub mod snake_case;
pub mod token_cache;

#[cfg(all(feature = "node", not(test)))]
mod bindings;
