//! mcp-auth-core: the logic of mcp-auth-rs, without Node. Metadata discovery and validation,
//! remote key sets, JWS/JWT verification with jose's semantics, the bearer request pipeline and
//! its caches. The Node addon (the root crate) only converts arguments and encodes results.

// Errors carry their JS `cause` as JSON; they are built on cold paths only, so their size does
// not matter and boxing them would only add noise.
#![allow(clippy::result_large_err)]

pub mod bearer;
pub mod cache_key;
pub mod descriptions;
pub mod dpop;
pub mod error;
pub mod http;
pub mod introspection;
pub mod jose;
pub mod js_value;
pub mod jwks;
pub mod jwt;
pub mod mcp_auth;
pub mod metadata;
pub mod operation;
pub mod pipeline;
pub mod profile;
pub mod resource;
pub mod snake_case;
pub mod store;
mod sync;
pub mod token_cache;

#[cfg(test)]
mod tests {
    pub mod support;
}
