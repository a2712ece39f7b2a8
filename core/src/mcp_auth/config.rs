//! The `MCPAuth` constructor: its configuration, typed, and the rules that accept or refuse it.

use super::{McpAuth, Mode, Verifier};
use crate::error::{AuthError, AuthResult};
use crate::metadata::cache::{Metadata, MetadataCache};
use crate::metadata::validate::{validate_server_config, validation_error, warnings_message};
use crate::metadata::well_known::ServerType;
use crate::profile::Profile;
use serde_json::{Map, Value};
use std::sync::Mutex;

/// An authorization-server config: metadata given up front, or an issuer discovered on first use.
#[derive(Debug, Clone)]
pub enum ServerConfig {
    Resolved { metadata: Metadata },
    Discovery { issuer: Value, server_type: ServerType },
}

impl ServerConfig {
    /// `getIssuer`.
    pub fn issuer(&self) -> Option<&Value> {
        match self {
            Self::Resolved { metadata } => metadata.get("issuer"),
            Self::Discovery { issuer, .. } => Some(issuer),
        }
    }

    /// The issuer as JS prints it in messages (`String(issuer)` for the values JSON carries).
    pub fn issuer_text(&self) -> String {
        match self.issuer() {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => "undefined".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceConfig {
    /// The resource metadata without `authorizationServers`.
    pub metadata: Map<String, Value>,
    pub authorization_servers: Vec<ServerConfig>,
}

/// The constructor argument as the JS layer reads it (`in` checks decided there).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub profile: Profile,
    /// `'server' in config`.
    pub has_server: bool,
    /// `'protectedResources' in config`.
    pub has_protected_resources: bool,
    pub server: Option<ServerConfig>,
    pub protected_resources: Vec<ResourceConfig>,
}

/// Where a resolved config failed validation (so the JS layer can attach JS-side causes).
#[derive(Debug, Clone, PartialEq)]
pub enum ServerLocation {
    Server,
    Resource { resource: usize, server: usize },
}

#[derive(Debug)]
pub struct ConfigFailure {
    pub error: AuthError,
    pub invalid_metadata_at: Option<ServerLocation>,
}

pub struct Construction {
    /// `console.warn` lines, in order, printed even when construction fails.
    pub warnings: Vec<String>,
    pub result: Result<McpAuth, ConfigFailure>,
}

const DEPRECATED_MODE: &str = "The authorization server mode is deprecated. Please use resource server mode instead.";

/// Validates a resolved config up front; discovery configs are left for first use.
fn check_server(config: &ServerConfig, warnings: &mut Vec<String>) -> AuthResult<()> {
    let ServerConfig::Resolved { metadata } = config else { return Ok(()) };
    let validation = validate_server_config(&Value::Object((**metadata).clone()), false);
    if !validation.is_valid {
        return Err(validation_error(&validation));
    }
    if !validation.warnings.is_empty() {
        warnings.push(warnings_message(&config.issuer_text(), &validation.warnings));
    }
    Ok(())
}

fn resource_key(metadata: &Map<String, Value>) -> String {
    match metadata.get("resource") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => "undefined".into(),
    }
}

impl McpAuth {
    /// Applies the constructor rules; the warnings are kept even when construction fails.
    pub fn construct(config: Config) -> Construction {
        let mut warnings = Vec::new();
        let result = Self::build(config, &mut warnings);
        Construction { warnings, result }
    }

    fn build(config: Config, warnings: &mut Vec<String>) -> Result<Self, ConfigFailure> {
        let plain = |error| ConfigFailure { error, invalid_metadata_at: None };
        let mut auth = Self {
            profile: config.profile,
            mode: Mode::ResourceServer,
            has_protected_resources: config.has_protected_resources,
            server: None,
            verifiers: Vec::new(),
            metadata: MetadataCache::default(),
            key_sets: Mutex::default(),
            store: std::sync::OnceLock::new(),
        };
        if config.has_server && config.profile == Profile::Mcp20260728 {
            return Err(plain(AuthError::invalid_server_config(
                "The `mcp-2026-07-28` profile needs resource-server mode (`protectedResources`), not `server`.",
            )));
        }
        if config.has_server {
            warnings.push(DEPRECATED_MODE.into());
            let server = config.server.ok_or_else(|| {
                plain(AuthError::type_error("Cannot use 'in' operator to search for 'metadata' in undefined"))
            })?;
            check_server(&server, warnings)
                .map_err(|error| ConfigFailure { error, invalid_metadata_at: Some(ServerLocation::Server) })?;
            auth.mode = Mode::AuthorizationServer;
            auth.verifiers
                .push((String::new(), Verifier { servers: vec![server.clone()], scopes_supported: Vec::new() }));
            auth.server = Some(server);
            return Ok(auth);
        }
        if !config.has_protected_resources {
            return Err(plain(AuthError::invalid_server_config(
                "No authorization server or protected resource metadata is provided.",
            )));
        }
        for (resource_index, resource) in config.protected_resources.iter().enumerate() {
            let key = resource_key(&resource.metadata);
            if auth.verifiers.iter().any(|(existing, _)| *existing == key) {
                return Err(plain(AuthError::invalid_server_config(format!(
                    "The resource metadata (`{key}`) is duplicated."
                ))));
            }
            let mut seen: Vec<String> = Vec::new();
            for (server_index, server) in resource.authorization_servers.iter().enumerate() {
                let issuer = server.issuer_text();
                if seen.contains(&issuer) {
                    return Err(plain(AuthError::invalid_server_config(format!(
                        "The authorization server (`{issuer}`) for resource `{key}` is duplicated."
                    ))));
                }
                seen.push(issuer);
                check_server(server, warnings).map_err(|error| ConfigFailure {
                    error,
                    invalid_metadata_at: Some(ServerLocation::Resource {
                        resource: resource_index,
                        server: server_index,
                    }),
                })?;
            }
            let scopes_supported = resource
                .metadata
                .get("scopesSupported")
                .and_then(Value::as_array)
                .map(|scopes| scopes.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            auth.verifiers.push((key, Verifier { servers: resource.authorization_servers.clone(), scopes_supported }));
        }
        Ok(auth)
    }
}
