//! mcp-auth-rs: the Rust core of a drop-in replacement for `mcp-auth`.
//! Logic lives in the modules by concern; `bindings` is the only place that touches napi.

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
