//! Errors as napi throws them: the codec's encoded error as the message of a napi error.

use crate::codec::{encode_error, json_value};
use mcp_auth_core::error::{AuthError, AuthResult};
use napi::{Error, Status};
use serde_json::Value;

pub fn to_js(error: AuthError) -> Error {
    Error::new(Status::GenericFailure, encode_error(&error))
}

pub fn js<T>(result: AuthResult<T>) -> napi::Result<T> {
    result.map_err(to_js)
}

/// A JSON argument from the JS layer.
pub fn json_arg(json_text: &str) -> napi::Result<Value> {
    js(json_value(json_text))
}
