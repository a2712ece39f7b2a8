//! The issuer / audience / scope policy of a bearer middleware, compared as the reference's JS
//! compares: `===` and `includes`.

use super::header::bearer_error;
use crate::error::{AuthError, AuthResult};
use crate::js_value::{js_string, strictly_equal, truthy};
use crate::operation::OperationScopes;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// How a token issuer is judged.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum IssuerRule {
    /// One of the issuers configured in `MCPAuth` (exact string match).
    Trusted(Vec<String>),
    /// `handleBearerAuth({ issuer: '<string>' })`.
    Exact(String),
    /// A JS function the front door calls itself.
    #[default]
    External,
}

impl IssuerRule {
    pub fn check(&self, issuer: Option<&Value>) -> AuthResult<()> {
        let text = issuer.and_then(Value::as_str);
        // The expected text is built only for the error: this check runs on every request.
        let expected = match self {
            Self::External => return Ok(()),
            Self::Trusted(list) if text.is_some_and(|i| list.iter().any(|t| t == i)) => return Ok(()),
            Self::Exact(expected) if text == Some(expected.as_str()) => return Ok(()),
            Self::Trusted(list) => list.join(", "),
            Self::Exact(expected) => expected.clone(),
        };
        let mut cause = Map::new();
        cause.insert("expected".into(), json!(expected));
        if let Some(actual) = issuer {
            cause.insert("actual".into(), actual.clone());
        }
        Err(bearer_error("invalid_issuer").with_cause(Value::Object(cause)))
    }
}

/// What a verified token must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub issuer: IssuerRule,
    /// The configured values as given (only truthy ones), compared as the reference's JS does:
    /// `===` / `includes`, so `5` never matches `"5"`, and a `requiredScopes` that is not an
    /// array fails every request (`requiredScopes.filter is not a function`), never open.
    pub audience: Option<Value>,
    pub required_scopes: Option<Value>,
    /// Under the `mcp-2026-07-28` profile: the audience every token must name, canonical (see
    /// `profile::canonical_uri`); it replaces `audience`.
    pub canonical_audience: Option<String>,
    /// `impliedScopes`: a granted scope grants the ones it implies, transitively.
    pub implied_scopes: Option<ImpliedScopes>,
    /// `operationScopes`: what each JSON-RPC operation needs beyond `requiredScopes`.
    pub operation_scopes: Option<OperationScopes>,
}

/// A scope hierarchy: each scope and the scopes it implies (cycles allowed).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImpliedScopes(pub HashMap<String, Vec<String>>);

impl ImpliedScopes {
    /// `granted` and everything it implies, transitively.
    pub fn closure(&self, granted: &[&str]) -> HashSet<String> {
        let mut reached: HashSet<String> = HashSet::new();
        let mut pending: Vec<&str> = granted.to_vec();
        while let Some(scope) = pending.pop() {
            if reached.insert(scope.to_string()) {
                pending.extend(self.0.get(scope).into_iter().flatten().map(String::as_str));
            }
        }
        reached
    }
}

impl Policy {
    pub fn new(issuer: IssuerRule, audience: Option<Value>, required_scopes: Option<Value>) -> Self {
        Self {
            issuer,
            audience: audience.filter(truthy),
            required_scopes: required_scopes.filter(truthy),
            canonical_audience: None,
            implied_scopes: None,
            operation_scopes: None,
        }
    }

    /// The profile's policy: `audience` (a string) or else the resource identifier is required of
    /// every token, compared as canonical URIs; `requiredScopes` may not hold `offline_access`.
    pub fn for_profile(
        issuer: IssuerRule,
        audience: Option<&Value>,
        resource: Option<&str>,
        required_scopes: Option<Value>,
    ) -> AuthResult<Self> {
        crate::profile::required_scopes(required_scopes.as_ref())?;
        let expected =
            audience.and_then(Value::as_str).filter(|a| !a.is_empty()).or(resource.filter(|r| !r.is_empty()));
        let mut policy = Self::new(issuer, None, required_scopes);
        policy.canonical_audience = Some(crate::profile::canonical_uri(expected.unwrap_or_default()));
        Ok(policy)
    }

    /// Issuer, audience and scope checks on a verified `AuthInfo` (`issuer`, `audience`,
    /// `scopes` as JSON values; `None` = undefined).
    pub fn check(&self, issuer: Option<&Value>, audience: Option<&Value>, scopes: Option<&Value>) -> AuthResult<()> {
        self.check_identity(issuer, audience)?;
        match &self.required_scopes {
            None => Ok(()),
            Some(Value::Array(required)) => self.check_scopes(scopes, required),
            Some(_) => Err(AuthError::type_error("requiredScopes.filter is not a function")),
        }
    }

    /// The `requiredScopes` strings (what per-operation scopes add to).
    pub fn required_scope_names(&self) -> Vec<String> {
        let required = self.required_scopes.as_ref().and_then(Value::as_array).into_iter().flatten();
        required.filter_map(Value::as_str).map(str::to_string).collect()
    }

    /// Issuer and audience.
    pub fn check_identity(&self, issuer: Option<&Value>, audience: Option<&Value>) -> AuthResult<()> {
        self.issuer.check(issuer)?;
        if let Some(expected) = &self.canonical_audience {
            if !crate::profile::audience_matches(expected, audience) {
                let mut cause = Map::new();
                cause.insert("expected".into(), json!(expected));
                if let Some(actual) = audience {
                    cause.insert("actual".into(), actual.clone());
                }
                return Err(bearer_error("invalid_audience").with_cause(Value::Object(cause)));
            }
        }
        if let Some(expected) = &self.audience {
            let matches = match audience {
                Some(Value::Array(items)) => items.iter().any(|a| strictly_equal(a, expected)),
                Some(actual) => strictly_equal(actual, expected),
                None => false,
            };
            if !matches {
                let mut cause = Map::new();
                cause.insert("expected".into(), expected.clone());
                if let Some(actual) = audience {
                    cause.insert("actual".into(), actual.clone());
                }
                return Err(bearer_error("invalid_audience").with_cause(Value::Object(cause)));
            }
        }
        Ok(())
    }

    /// Every scope of `required` is granted (`scopes` as the AuthInfo holds them; with a
    /// hierarchy, a list counts with everything it implies).
    pub fn check_scopes(&self, scopes: Option<&Value>, required: &[Value]) -> AuthResult<()> {
        // With a hierarchy, a list of granted scopes counts with everything it implies.
        let implied = match (&self.implied_scopes, scopes) {
            (Some(hierarchy), Some(Value::Array(items))) => {
                Some(hierarchy.closure(&items.iter().filter_map(Value::as_str).collect::<Vec<_>>()))
            }
            _ => None,
        };
        let has = |scope: &Value| match scopes {
            Some(Value::Array(_)) if implied.is_some() => {
                Ok(scope.as_str().is_some_and(|s| implied.as_ref().is_some_and(|all| all.contains(s))))
            }
            Some(Value::Array(items)) => Ok(items.iter().any(|s| strictly_equal(s, scope))),
            // The reference calls `scopes.includes(...)`: a string does a substring search.
            Some(Value::String(text)) => Ok(text.contains(&js_string(scope))),
            Some(Value::Null) | None => {
                Err(AuthError::type_error("Cannot read properties of undefined (reading 'includes')"))
            }
            Some(_) => Err(AuthError::type_error("authInfo.scopes.includes is not a function")),
        };
        let mut missing = Vec::new();
        for scope in required {
            if !has(scope)? {
                missing.push(scope.clone());
            }
        }
        if !missing.is_empty() {
            return Err(bearer_error("missing_required_scopes").with_cause(json!({ "missingScopes": missing })));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_checks_in_order() {
        let policy = Policy::new(
            IssuerRule::Trusted(vec!["https://a".into(), "https://b".into()]),
            Some(json!("r")),
            Some(json!(["read", "write"])),
        );
        let err = policy.check(Some(&json!("https://evil")), None, None).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.cause.unwrap()["expected"].clone()),
            ("invalid_issuer", json!("https://a, https://b"))
        );
        let err = policy.check(Some(&json!("https://a")), None, None).unwrap_err();
        assert_eq!(err.cause.unwrap(), json!({ "expected": "r" }));
        let err =
            policy.check(Some(&json!("https://a")), Some(&json!(["x", "r"])), Some(&json!(["read"]))).unwrap_err();
        assert_eq!(err.cause.unwrap(), json!({ "missingScopes": ["write"] }));
    }

    #[test]
    fn audience_and_scopes_compare_like_js() {
        let check = |audience: Value, scopes: Value, token_audience: Value, token_scopes: Value| {
            Policy::new(IssuerRule::External, Some(audience), Some(scopes)).check(
                None,
                Some(&token_audience),
                Some(&token_scopes),
            )
        };
        assert_eq!(check(json!(5), json!([]), json!("5"), json!([])).unwrap_err().code, "invalid_audience");
        assert!(check(json!(5), json!([]), json!([4, 5]), json!([])).is_ok());
        let missing = check(json!("a"), json!([1, "read"]), json!("a"), json!(["1", "read"])).unwrap_err();
        assert_eq!(missing.cause.unwrap(), json!({ "missingScopes": [1] }));
        for not_a_list in [json!("read"), json!({ "0": "read" })] {
            let error = check(json!("a"), not_a_list, json!("a"), json!(["read"])).unwrap_err();
            assert_eq!(error.message.as_deref(), Some("requiredScopes.filter is not a function"));
        }
        assert!(check(json!("a"), json!(""), json!("a"), json!([])).is_ok(), "a falsy requiredScopes checks nothing");
    }

    #[test]
    fn implied_scopes_transitively_with_cycles() {
        let hierarchy = |pairs: &[(&str, &[&str])]| {
            ImpliedScopes(
                pairs.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect(),
            )
        };
        let notes = hierarchy(&[("notes:admin", &["notes:write"]), ("notes:write", &["notes:read"])]);
        let mut policy = Policy::new(IssuerRule::External, None, Some(json!(["notes:read"])));
        policy.implied_scopes = Some(notes);
        assert!(policy.check(None, None, Some(&json!(["notes:admin"]))).is_ok());
        let missing = policy.check(None, None, Some(&json!(["other"]))).unwrap_err();
        assert_eq!(missing.cause.unwrap(), json!({ "missingScopes": ["notes:read"] }));
        let cycle = hierarchy(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])]);
        assert_eq!(cycle.closure(&["b"]).len(), 3);
        assert_eq!(cycle.closure(&["x"]), HashSet::from(["x".to_string()]));
    }
}
