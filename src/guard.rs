//! The per-request calls of every bearer middleware. A guard is an opaque value in JS, taken as a
//! plain argument: a class method's `this` costs about 0.3 µs more per call (napi-rs's unwrap and
//! borrow bookkeeping), on every request.

use crate::codec::{encode_decision, encode_outcome, error_kind};
use crate::options::operation_input;
use crate::options::BearerSettings;
use crate::throw::{js, json_arg, to_js};
use mcp_auth_core::bearer::Thrown;
use mcp_auth_core::operation::resolve;
use mcp_auth_core::pipeline::{Guard, Request, SenderInput};
use mcp_auth_core::profile::Profile;
use napi::bindgen_prelude::{External, PromiseRaw};
use napi::{Env, Result};
use napi_derive::napi;
use std::sync::Arc;

pub type GuardRef = External<Arc<Guard>>;

/// `handleBearerAuth`: a guard whose tokens the caller's function verifies.
#[napi(catch_unwind)]
pub fn caller_guard(settings_json: String) -> Result<GuardRef> {
    let settings = js(BearerSettings::parse(&settings_json))?;
    let (policy, answers) = js(settings.bearer_config(None).policy_and_answers(Profile::Compat, &[]))?;
    Ok(External::new(Arc::new(Guard::with_caller_verification(policy, answers))))
}

/// `{ method, url, proof? }` of a request, for a middleware with `dpop`.
fn sender_input(json_text: Option<String>) -> Result<Option<SenderInput>> {
    json_text.map(|text| json_arg(&text).map(|value| SenderInput::from(&value))).transpose()
}

/// The encoded decision when it needs no network; `null` = call `guardDecideAsync`.
/// `operation`: the JSON-RPC operation as the door read it (only for `operationScopes`);
/// `sender`: the method, URL and `DPoP` header (only for `dpop`).
#[napi(catch_unwind)]
pub fn guard_decide(
    guard: &GuardRef,
    authorization: Option<String>,
    operation: Option<String>,
    sender: Option<String>,
) -> Result<Option<String>> {
    let operation = operation.as_deref().map(operation_input).transpose().map_err(to_js)?;
    let sender = sender_input(sender)?;
    let request =
        Request { authorization: authorization.as_deref(), operation: operation.as_ref(), sender: sender.as_ref() };
    Ok(encode_outcome(&guard.decide_now(&request)))
}

#[napi(catch_unwind)]
pub fn guard_decide_async<'env>(
    env: &'env Env,
    guard: &GuardRef,
    authorization: Option<String>,
    operation: Option<String>,
    sender: Option<String>,
) -> Result<PromiseRaw<'env, Option<String>>> {
    let guard = Arc::clone(guard);
    let operation = operation.as_deref().map(operation_input).transpose().map_err(to_js)?;
    let sender = sender_input(sender)?;
    env.spawn_future(async move {
        let request =
            Request { authorization: authorization.as_deref(), operation: operation.as_ref(), sender: sender.as_ref() };
        Ok(encode_outcome(&guard.decide(&request).await))
    })
}

/// The operations of a request as the core resolves them (`[{ method, name? }]`), for the
/// function form of `operationScopes`; `null` when they cannot be known (the decision answers
/// that request 400).
#[napi(catch_unwind)]
pub fn resolve_operations(operation: String) -> Result<Option<String>> {
    let input = operation_input(&operation).map_err(to_js)?;
    Ok(resolve(&input).ok().map(|operations| {
        let listed: Vec<serde_json::Value> =
            operations.iter().map(|op| serde_json::json!({ "method": op.method, "name": op.name })).collect();
        serde_json::Value::Array(listed).to_string()
    }))
}

/// After the caller verified the token: the policy on `{ issuer, audience, scopes }`.
#[napi(catch_unwind)]
pub fn guard_conclude(guard: &GuardRef, auth_info_json: String, operation: Option<String>) -> Result<Option<String>> {
    let info = json_arg(&auth_info_json)?;
    let operation = operation.as_deref().map(operation_input).transpose().map_err(to_js)?;
    let decision = guard.conclude(info.get("issuer"), info.get("audience"), info.get("scopes"), operation.as_ref());
    Ok(encode_decision(&decision, None))
}

/// The answer to an error raised in JS during the request: `kind` is its class (see
/// `answeredKind` in lib/errors.js), `to_json` its `toJson(showErrorDetails)` output.
#[napi(catch_unwind)]
pub fn guard_answer_thrown(
    guard: &GuardRef,
    kind: String,
    code: String,
    message: String,
    to_json: String,
) -> Result<Option<String>> {
    let thrown = Thrown { kind: error_kind(&kind), code, message, to_json: json_arg(&to_json)? };
    Ok(encode_decision(&guard.answer_thrown(thrown), None))
}

/// Only the verification (no policy): resolves to AuthInfo JSON.
#[napi(catch_unwind)]
pub fn guard_verify_token<'env>(env: &'env Env, guard: &GuardRef, token: String) -> Result<PromiseRaw<'env, String>> {
    let guard = Arc::clone(guard);
    env.spawn_future(async move { js(guard.verify_token(&token).await.map(|info| info.to_string())) })
}
