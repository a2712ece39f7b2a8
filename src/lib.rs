//! mcp-auth-rs: the Rust core of a drop-in replacement for `mcp-auth`.
//! Logic lives in the modules by concern; `bindings` is the only place that touches napi.

pub mod descriptions;
pub mod error;
pub mod http;
pub mod metadata;

#[cfg(not(test))]
mod bindings;
