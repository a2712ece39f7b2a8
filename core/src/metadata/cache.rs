//! Discovered metadata per (issuer, type), shared by every verifier and router of an `MCPAuth`:
//! one fetch at a time per issuer (single flight), successes kept for the process lifetime (as
//! the reference), failures not cached.

use super::fetch::{fetch_server_config, DEFAULT_LIMITS};
use super::validate::{validate_server_config, validation_error, warnings_message};
use super::well_known::{well_known_url, ServerType};
use crate::error::{AuthError, AuthResult};
use crate::sync::lock;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// Metadata (camelCase) shared by every user of a config.
pub type Metadata = Arc<Map<String, Value>>;
/// Metadata and the `console.warn` line its validation produced, if any.
pub type Loaded = AuthResult<(Metadata, Option<String>)>;
pub type IssuerKey = (String, ServerType);

#[derive(Default)]
pub struct MetadataCache {
    ready: Mutex<HashMap<IssuerKey, Metadata>>,
    loading: Mutex<HashMap<IssuerKey, Arc<OnceCell<Loaded>>>>,
}

impl MetadataCache {
    pub fn cached(&self, key: &IssuerKey) -> Option<Metadata> {
        lock(&self.ready).get(key).cloned()
    }

    /// `exact_issuer`: the document's `issuer` must be the configured one (RFC 8414 §3.3; the
    /// `mcp-2026-07-28` profile), else it is invalid configuration (not cached, like any failure).
    pub async fn load(&self, key: IssuerKey, exact_issuer: bool) -> Loaded {
        let cell = lock(&self.loading).entry(key.clone()).or_default().clone();
        let mut initialized_here = false;
        let outcome = cell
            .get_or_init(|| async {
                initialized_here = true;
                let outcome = discover(&key.0, key.1, exact_issuer).await;
                if let Ok((metadata, _)) = &outcome {
                    lock(&self.ready).insert(key.clone(), metadata.clone());
                }
                lock(&self.loading).remove(&key);
                outcome
            })
            .await
            .clone();
        // Only the caller that fetched reports the warnings (one warning per fetch).
        outcome.map(|(metadata, warning)| (metadata, warning.filter(|_| initialized_here)))
    }
}

async fn discover(issuer: &str, server_type: ServerType, exact_issuer: bool) -> Loaded {
    let url = well_known_url(issuer, server_type)?;
    let resolved = fetch_server_config(url.as_str(), server_type, DEFAULT_LIMITS).await?;
    if exact_issuer && resolved.field("issuer") != Some(issuer) {
        return Err(AuthError::invalid_server_config(format!(
            "The metadata of `{issuer}` names another issuer (`{}`).",
            resolved.field("issuer").unwrap_or_default()
        )));
    }
    let validation = validate_server_config(&Value::Object(resolved.metadata.clone()), false);
    if !validation.is_valid {
        return Err(validation_error(&validation));
    }
    let warning = (!validation.warnings.is_empty())
        .then(|| warnings_message(resolved.field("issuer").unwrap_or_default(), &validation.warnings));
    Ok((Arc::new(resolved.metadata), warning))
}
