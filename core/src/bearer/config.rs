//! A bearer middleware's configuration, and the policy and answers it makes under each profile.

use super::answer::{Answers, ProfileChallenge};
use super::policy::{ImpliedScopes, IssuerRule, Policy};
use crate::error::AuthResult;
use crate::operation::OperationScopes;
use crate::profile::{challenge_scopes, required_scopes, Profile};
use serde_json::Value;

/// `bearerAuth`'s options the policy and the answers read.
#[derive(Debug, Clone, Default)]
pub struct BearerConfig {
    pub issuer: IssuerRule,
    /// As given (compat compares it with `===`; the profile reads a string).
    pub audience: Option<Value>,
    pub required_scopes: Option<Value>,
    pub resource: Option<String>,
    pub show_error_details: bool,
    pub implied_scopes: Option<ImpliedScopes>,
    pub operation_scopes: Option<OperationScopes>,
}

impl BearerConfig {
    /// The policy and the answers. Under the profile the audience defaults to the resource and is
    /// required, and the challenges name the required scopes, else the resource's
    /// `scopes_supported`.
    pub fn policy_and_answers(&self, profile: Profile, scopes_supported: &[String]) -> AuthResult<(Policy, Answers)> {
        let resource = self.resource.as_deref();
        match profile {
            Profile::Compat => {
                let mut policy = Policy::new(self.issuer.clone(), self.audience.clone(), self.required_scopes.clone());
                policy.implied_scopes = self.implied_scopes.clone();
                policy.operation_scopes = self.operation_scopes.clone();
                Ok((policy, Answers::new(resource, self.show_error_details)))
            }
            Profile::Mcp20260728 => {
                let required = required_scopes(self.required_scopes.as_ref())?;
                let mut policy = Policy::for_profile(
                    self.issuer.clone(),
                    self.audience.as_ref(),
                    resource,
                    self.required_scopes.clone(),
                )?;
                let needed = challenge_scopes(&required);
                let unauthorized_scope =
                    if needed.is_empty() { challenge_scopes(scopes_supported) } else { needed.clone() };
                let challenge = ProfileChallenge { unauthorized_scope, insufficient_scope: needed };
                policy.implied_scopes = self.implied_scopes.clone();
                policy.operation_scopes = self.operation_scopes.clone();
                if let Some(operations) = &self.operation_scopes {
                    crate::profile::required_scopes(Some(&serde_json::json!(operations
                        .0
                        .values()
                        .flatten()
                        .collect::<Vec<_>>())))?;
                }
                Ok((policy, Answers::for_profile(resource, self.show_error_details, challenge)))
            }
        }
    }
}
