//! A remote key set with jose's `createRemoteJWKSet` semantics: fetched on first use, refetched
//! when older than `cacheMaxAge`, refetched once on an unknown `kid` after the cooldown,
//! concurrent reloads share one request, failures are not cached.

use super::key_set::KeySet;
use super::options::{CustomFetch, HostFetchError, JwksOptions, MAX_JWKS_BYTES};
use crate::error::ServerFault::{Misconfigured, Unreachable};
use crate::http::{self, Failure, FetchLimits, Redirects};
use crate::jose::{JoseError, VerificationKey, NOT_A_JOSE_ERROR};
use crate::metadata::fetch::parse_json_body;
use crate::sync::lock;
use reqwest::Url;
use serde_json::Value;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

/// A selection that a newer set may answer differently: no key for the `kid` (jose refetches), and
/// always, unlike jose, a key for it that cannot be used (not importable, RSA under 2048 bits), so
/// that a provider that fixes a broken key is trusted again after the cooldown.
fn worth_refetching(selected: &Result<Arc<VerificationKey>, JoseError>) -> bool {
    match selected {
        Err(error) => error.code == "ERR_JWKS_NO_MATCHING_KEY" || error.code == NOT_A_JOSE_ERROR,
        Ok(key) => key.usable().is_err(),
    }
}

type ReloadOutcome = Result<Arc<KeySet>, JoseError>;

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    fetched_at: Option<Instant>,
    /// When the last fetch failed (serving stale keys skips refetching for a cooldown after it).
    failed_at: Option<Instant>,
    /// Counts successful fetches: anything verified against an older set is stale.
    generation: u64,
    reload: Option<Arc<OnceCell<ReloadOutcome>>>,
}

/// What a lookup without waiting found.
pub enum CachedLookup {
    /// Answered from the cache (a key, or a definite failure).
    Ready(Result<Arc<VerificationKey>, JoseError>),
    /// The set must be (re)fetched first.
    NeedsFetch,
}

pub struct RemoteKeySet {
    url: Url,
    options: JwksOptions,
    state: Mutex<State>,
}

impl RemoteKeySet {
    pub fn new(url: Url, options: JwksOptions) -> Self {
        Self { url, options, state: Mutex::new(State::default()) }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    fn fresh(&self, state: &State) -> bool {
        match (state.fetched_at, self.options.max_age) {
            (Some(_), None) => true,
            (Some(at), Some(max)) => at.elapsed() < max,
            (None, _) => false,
        }
    }

    /// A stale set that stale-if-error still allows, while its provider is failing.
    fn stale_keys(&self, state: &State) -> Option<Arc<KeySet>> {
        let (Some(keys), Some(at), Some(max)) = (state.keys.as_ref(), state.fetched_at, self.options.max_age) else {
            return None;
        };
        (!self.options.stale_if_error.is_zero() && at.elapsed() < max + self.options.stale_if_error)
            .then(|| keys.clone())
    }

    fn cooling_down(&self, state: &State) -> bool {
        state.fetched_at.is_some_and(|at| at.elapsed() < self.options.cooldown)
    }

    pub fn generation(&self) -> u64 {
        self.state().generation
    }

    /// How long a fetched set is used (`None` = for ever).
    pub fn max_age(&self) -> Option<Duration> {
        self.options.max_age
    }

    /// The synchronous fast path: a fresh set answers, anything else asks for [`Self::lookup`].
    pub fn lookup_cached(&self, alg: &str, kid: Option<&Value>) -> CachedLookup {
        let state = self.state();
        let recently_failed = state.failed_at.is_some_and(|at| at.elapsed() < self.options.cooldown);
        let usable = match state.keys.as_ref().filter(|_| self.fresh(&state)) {
            Some(keys) => Some(keys.clone()),
            None if recently_failed => self.stale_keys(&state),
            None => None,
        };
        let Some(keys) = usable else { return CachedLookup::NeedsFetch };
        match keys.select(alg, kid) {
            result if worth_refetching(&result) && !self.cooling_down(&state) => CachedLookup::NeedsFetch,
            result => CachedLookup::Ready(result),
        }
    }

    /// jose's `getKey`: reload when stale, select, and on a `kid` miss (or an unusable key for it)
    /// reload once (after cooldown).
    pub async fn lookup(&self, alg: &str, kid: Option<&Value>) -> Result<Arc<VerificationKey>, JoseError> {
        let cached = {
            let state = self.state();
            state.keys.clone().filter(|_| self.fresh(&state))
        };
        let keys = match cached {
            Some(keys) => keys,
            None => match self.reload().await {
                Ok(keys) => keys,
                Err(error) => self.stale_keys(&self.state()).ok_or(error)?,
            },
        };
        match keys.select(alg, kid) {
            result if worth_refetching(&result) && !self.cooling_down(&self.state()) => {
                self.reload().await?.select(alg, kid)
            }
            result => result,
        }
    }

    /// Fetches the set once, outside any cache (the provider checker).
    pub async fn fetch_once(&self) -> ReloadOutcome {
        self.fetch().await
    }

    /// Fetches the set; concurrent callers share one request and its outcome.
    async fn reload(&self) -> ReloadOutcome {
        let cell = self.state().reload.get_or_insert_with(Default::default).clone();
        cell.get_or_init(|| async {
            let outcome = self.fetch().await;
            let mut state = self.state();
            match &outcome {
                Ok(keys) => {
                    // Tokens verified before stay good unless a key they may have used is gone
                    // (so a flood of unknown kids cannot flush the verified-token cache).
                    if state.keys.as_ref().is_some_and(|old| !keys.contains_all(old)) {
                        state.generation += 1;
                    }
                    state.keys = Some(keys.clone());
                    state.fetched_at = Some(Instant::now());
                    state.failed_at = None;
                }
                Err(_) => state.failed_at = Some(Instant::now()),
            }
            state.reload = None;
            outcome
        })
        .await
        .clone()
    }

    async fn fetch(&self) -> ReloadOutcome {
        let timed_out = || JoseError::new("ERR_JWKS_TIMEOUT", "request timed out").with_fault(Unreachable);
        let too_large = || {
            JoseError::new("ERR_JOSE_GENERIC", "JSON Web Key Set HTTP response is too large").with_fault(Misconfigured)
        };
        let headers = self.options.request_headers();
        let (status, body) = match &self.options.custom_fetch {
            // The host's deadline (the signal it was given) and ours, whichever comes first.
            Some(CustomFetch(host)) => {
                let request = host.fetch(self.url.to_string(), headers, self.options.timeout);
                match tokio::time::timeout(self.options.timeout, request).await {
                    Err(_) | Ok(Err(HostFetchError::Timeout)) => return Err(timed_out()),
                    Ok(Err(HostFetchError::Failed(message))) => {
                        return Err(JoseError::other(message).with_fault(Unreachable))
                    }
                    Ok(Ok((_, body))) if body.len() > MAX_JWKS_BYTES => return Err(too_large()),
                    Ok(Ok(answer)) => answer,
                }
            }
            None => {
                let limits = FetchLimits { timeout: self.options.timeout, max_body_bytes: MAX_JWKS_BYTES };
                let response =
                    http::get(&self.url, Redirects::Refuse, &headers, limits).await.map_err(
                        |failure| match failure {
                            Failure::Timeout(_) => timed_out(),
                            Failure::TooLarge(_) => too_large(),
                            Failure::Network(detail, _) => {
                                JoseError::other(format!("fetch failed: {detail}")).with_fault(Unreachable)
                            }
                        },
                    )?;
                (response.status, response.body)
            }
        };
        if status != 200 {
            let failure = JoseError::new("ERR_JOSE_GENERIC", "Expected 200 OK from the JSON Web Key Set HTTP response");
            return Err(failure.with_fault(if status >= 500 { Unreachable } else { Misconfigured }));
        }
        let document = parse_json_body(&body).map_err(|_| {
            JoseError::new("ERR_JOSE_GENERIC", "Failed to parse the JSON Web Key Set HTTP response as JSON")
                .with_fault(Misconfigured)
        })?;
        KeySet::parse(&document).map(Arc::new).map_err(|error| error.with_fault(Misconfigured))
    }
}
