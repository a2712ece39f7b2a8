//! Authorization-server metadata: where it lives, how it is fetched, parsed and validated.

pub mod cache;
pub mod fetch;
pub mod schema;
pub mod validate;
pub mod well_known;
