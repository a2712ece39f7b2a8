//! `scopeClaims`: where a provider puts a token's scopes (Entra ID's `scp` and `roles`, Auth0's
//! `permissions`, Keycloak's `realm_access.roles`), read instead of the reference's `scope` /
//! `scopes` rule.

use crate::error::{AuthError, AuthResult};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct ScopeClaims(Vec<String>);

impl ScopeClaims {
    /// At least one claim name (an empty list would grant no scope to any token: a mistake).
    pub fn new(names: Vec<String>) -> AuthResult<Self> {
        if names.is_empty() {
            return Err(AuthError::type_error("`scopeClaims` must list at least one claim."));
        }
        Ok(Self(names))
    }

    /// The scopes of `claims` (a JSON object's text; nothing when it is not one).
    pub fn scopes_of_text(&self, claims: &str) -> Value {
        match serde_json::from_str::<Map<String, Value>>(claims) {
            Ok(map) => self.scopes(&map),
            Err(_) => Value::Array(Vec::new()),
        }
    }

    /// The union of the named claims' scopes, in order of first appearance, without duplicates.
    /// A name is a top-level claim when one exists (Auth0's `https://…/roles` included), else a
    /// dotted path. A value is a space-separated string or a list (its non-strings ignored).
    pub fn scopes(&self, claims: &Map<String, Value>) -> Value {
        let mut scopes: Vec<Value> = Vec::new();
        let mut add = |scope: &str| {
            if !scope.is_empty() && !scopes.iter().any(|known| known == scope) {
                scopes.push(Value::String(scope.to_string()));
            }
        };
        for name in &self.0 {
            match claim(claims, name) {
                Some(Value::String(text)) => text.split(' ').for_each(&mut add),
                Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).for_each(&mut add),
                _ => {}
            }
        }
        Value::Array(scopes)
    }
}

fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut segments = name.split('.');
    let first = claims.get(segments.next()?)?;
    segments.try_fold(first, |value, segment| value.as_object()?.get(segment))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scopes(names: &[&str], claims: Value) -> Value {
        let claims = claims.as_object().unwrap().clone();
        ScopeClaims::new(names.iter().map(|n| n.to_string()).collect()).unwrap().scopes(&claims)
    }

    #[test]
    fn providers_shapes() {
        let entra = json!({ "scp": "notes.read notes.write", "roles": ["Notes.Admin", "notes.read"] });
        assert_eq!(scopes(&["scp", "roles"], entra), json!(["notes.read", "notes.write", "Notes.Admin"]));
        let auth0 =
            json!({ "scope": "openid", "permissions": ["read:notes", 5, null], "https://example.com/roles": "admin" });
        assert_eq!(scopes(&["permissions", "https://example.com/roles"], auth0), json!(["read:notes", "admin"]));
        let keycloak = json!({ "scope": "profile", "realm_access": { "roles": ["user"] },
            "resource_access": { "mcp": { "roles": ["notes:read"] } } });
        assert_eq!(
            scopes(&["scope", "realm_access.roles", "resource_access.mcp.roles"], keycloak),
            json!(["profile", "user", "notes:read"])
        );
    }

    #[test]
    fn names_and_values() {
        let claims = json!({ "a.b": "top", "a": { "b": "nested" }, "s": "x  y ", "n": 3 });
        assert_eq!(scopes(&["a.b"], claims.clone()), json!(["top"]), "an exact top-level name wins");
        assert_eq!(scopes(&["s", "n", "missing", "a.c.d"], claims), json!(["x", "y"]));
        assert!(ScopeClaims::new(Vec::new()).is_err());
        let text = ScopeClaims::new(vec!["scp".into()]).unwrap();
        assert_eq!(text.scopes_of_text(r#"{"scp":"a"}"#), json!(["a"]));
        assert_eq!(text.scopes_of_text("[]"), json!([]));
    }
}
