//! `MCPAuth`: the two modes, the per-resource verifiers, and the metadata and JWKS caches every
//! verifier and router of one instance shares.

mod config;

pub use config::{Config, ConfigFailure, Construction, ResourceConfig, ServerConfig, ServerLocation};

use crate::error::{AuthError, AuthResult};
use crate::jwks::{JwksOptions, RemoteKeySet};
use crate::metadata::cache::{Metadata, MetadataCache};
use crate::metadata::well_known::parse_url;
use crate::profile::Profile;
use crate::snake_case::snake_case_keys;
use crate::store::SharedStore;
use crate::sync::lock;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    AuthorizationServer,
    ResourceServer,
}

struct Verifier {
    servers: Vec<ServerConfig>,
    /// The resource's `scopesSupported` (challenges fall back to them under the profile).
    scopes_supported: Vec<String>,
}

impl Verifier {
    fn issuers(&self) -> Vec<String> {
        self.servers.iter().map(ServerConfig::issuer_text).collect()
    }
}

pub struct McpAuth {
    profile: Profile,
    mode: Mode,
    has_protected_resources: bool,
    server: Option<ServerConfig>,
    /// Resource mode: (resource identifier, verifier); authorization-server mode: one entry.
    verifiers: Vec<(String, Verifier)>,
    metadata: MetadataCache,
    key_sets: Mutex<HashMap<String, Arc<RemoteKeySet>>>,
    /// The store shared with other instances (`store`), set once before any middleware.
    store: OnceLock<SharedStore>,
}

impl McpAuth {
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Shares introspection answers and DPoP proof identifiers through `store` (once; a second
    /// store is refused).
    pub fn use_store(&self, store: SharedStore) -> AuthResult<()> {
        self.store.set(store).map_err(|_| AuthError::type_error("MCPAuth already has a store."))
    }

    pub fn store(&self) -> Option<&SharedStore> {
        self.store.get()
    }

    /// The `scopesSupported` of the resource of `verifier`.
    pub fn scopes_supported(&self, verifier: usize) -> &[String] {
        self.verifiers.get(verifier).map_or(&[], |(_, v)| v.scopes_supported.as_slice())
    }

    pub fn verifier_for(&self, resource: Option<&str>, exact: bool) -> AuthResult<usize> {
        let resource = resource.filter(|r| !r.is_empty());
        if self.has_protected_resources && resource.is_none() {
            return Err(AuthError::invalid_server_config(
                "A `resource` must be specified in the `bearerAuth` configuration when using a `protectedResources` configuration.",
            ));
        }
        if self.mode == Mode::AuthorizationServer {
            return Ok(0);
        }
        let resource = resource.unwrap_or_default();
        self.verifiers.iter().position(|(key, _)| exact && key == resource).ok_or_else(|| {
            AuthError::invalid_server_config(format!(
                "No token verifier found for the specified resource: `{resource}`. Please ensure that this resource is correctly configured in the `protectedResources` array in the MCPAuth constructor."
            ))
        })
    }

    pub fn trusted_issuers(&self, verifier: usize) -> Vec<String> {
        self.verifiers.get(verifier).map(|(_, v)| v.issuers()).unwrap_or_default()
    }

    /// `protectedResourceMetadataRouter()` exists only in resource-server mode.
    pub fn check_resource_router(&self) -> AuthResult<()> {
        match self.mode {
            Mode::ResourceServer => Ok(()),
            Mode::AuthorizationServer => Err(AuthError::invalid_server_config(
                "`protectedResourceMetadataRouter` is not available in `authorization server` mode.",
            )),
        }
    }

    fn delegated_server(&self) -> AuthResult<&ServerConfig> {
        match (&self.mode, &self.server) {
            (Mode::AuthorizationServer, Some(server)) => Ok(server),
            _ => Err(AuthError::invalid_server_config("`delegatedRouter` is not available in `resource server` mode.")),
        }
    }

    /// `delegatedRouter()` exists only in authorization-server mode.
    pub fn check_delegated_router(&self) -> AuthResult<()> {
        self.delegated_server().map(|_| ())
    }

    /// The body of `delegatedRouter()` for a discovery config (fetched through the shared cache).
    pub async fn delegated_discovered_body(&self) -> AuthResult<(Value, Option<String>)> {
        let server = self.delegated_server()?;
        let (metadata, warning) =
            self.metadata_of(server, true).await?.ok_or_else(|| AuthError::type_error("metadata unavailable"))?;
        Ok((snake_case_keys(Value::Object((*metadata).clone())), warning))
    }

    /// Metadata for a config: resolved at once, discovery from the cache or (if `may_wait`) fetched.
    /// `Ok(None)` means a fetch is needed but waiting is not allowed.
    pub(crate) async fn metadata_of(
        &self,
        server: &ServerConfig,
        may_wait: bool,
    ) -> AuthResult<Option<(Metadata, Option<String>)>> {
        match server {
            ServerConfig::Resolved { metadata } => Ok(Some((metadata.clone(), None))),
            ServerConfig::Discovery { issuer, server_type } => {
                let issuer = issuer.as_str().map(str::to_string).unwrap_or_else(|| issuer.to_string());
                let key = (issuer, *server_type);
                if let Some(ready) = self.metadata.cached(&key) {
                    return Ok(Some((ready, None)));
                }
                if !may_wait {
                    return Ok(None);
                }
                self.metadata.load(key, self.profile == Profile::Mcp20260728).await.map(Some)
            }
        }
    }

    pub(crate) fn key_set(&self, jwks_uri: &str, options: &JwksOptions) -> AuthResult<Arc<RemoteKeySet>> {
        let mut sets = lock(&self.key_sets);
        if let Some(set) = sets.get(jwks_uri) {
            return Ok(set.clone());
        }
        // The first middleware's options win for a URI, as in the reference.
        let set = Arc::new(RemoteKeySet::new(parse_url(jwks_uri)?, options.clone()));
        sets.insert(jwks_uri.to_string(), set.clone());
        Ok(set)
    }

    /// The authorization servers of verifier `verifier`.
    pub(crate) fn servers(&self, verifier: usize) -> &[ServerConfig] {
        self.verifiers.get(verifier).map_or(&[], |(_, v)| v.servers.as_slice())
    }

    /// The config of verifier `verifier` for a (trusted) `issuer`.
    pub(crate) fn server_for(&self, verifier: usize, issuer: &Value) -> Option<&ServerConfig> {
        self.verifiers.get(verifier)?.1.servers.iter().find(|s| s.issuer() == Some(issuer))
    }
}
