//! The parts of the bearer decision, as the reference's `handleBearerAuth` makes it: the
//! `Authorization` header, claims → `AuthInfo`, the issuer / audience / scope policy, and the HTTP
//! answer to every failure. The request pipeline (`crate::pipeline`) runs them in order.

pub mod answer;
pub mod auth_info;
pub mod config;
pub mod dpop_challenge;
pub mod header;
pub mod policy;
pub mod scope_claims;

pub use answer::{Answers, ErrorResponse, ProfileChallenge, Thrown};
pub use auth_info::{auth_info, token_error, token_refused, unverified_issuer, AuthInfo, AuthInfoJson};
pub use config::BearerConfig;
pub use dpop_challenge::{proof_error, DpopChallenge, INVALID_DPOP_PROOF};
pub use header::{bearer_error, parse_authorization, parse_scheme_and_token, Scheme};
pub use policy::{ImpliedScopes, IssuerRule, Policy};
pub use scope_claims::ScopeClaims;
