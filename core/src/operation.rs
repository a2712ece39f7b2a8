//! The JSON-RPC operation of a request, for per-operation scopes (`operationScopes`): read by the
//! doors from the parsed body or the `Mcp-Method` / `Mcp-Name` headers, resolved and checked here.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::collections::HashMap;

/// One JSON-RPC request of the body: its method and the fields that name its target.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    pub method: String,
    pub name: Option<String>,
    pub uri: Option<String>,
    pub task_id: Option<String>,
}

/// An operation: a method and, for the methods that have one, the name of what it acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub method: String,
    pub name: Option<String>,
}

impl Message {
    /// The name MCP clients send as `Mcp-Name`: `params.name` for `tools/call` and `prompts/get`,
    /// `params.uri` for `resources/read`, `params.taskId` for the `tasks/*` calls.
    pub fn operation(&self) -> Operation {
        let name = match self.method.as_str() {
            "tools/call" | "prompts/get" => self.name.clone(),
            "resources/read" => self.uri.clone(),
            method if method.starts_with("tasks/") => self.task_id.clone(),
            _ => None,
        };
        Operation { method: self.method.clone(), name }
    }
}

/// What a door read off a request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperationInput {
    /// The HTTP method.
    pub http_method: String,
    /// The JSON-RPC requests of a parsed body (`None`: the body was not parsed).
    pub body: Option<Vec<Message>>,
    pub mcp_method: Option<String>,
    pub mcp_name: Option<String>,
    /// Scopes the `operationScopes` function gave for these operations.
    pub extra_scopes: Vec<String>,
}

/// A header value as MCP clients send it: plain, or `=?base64?<base64 of UTF-8>?=`.
fn header_value(value: &str) -> Result<String, &'static str> {
    match value.strip_prefix("=?base64?").and_then(|rest| rest.strip_suffix("?=")) {
        Some(encoded) => STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or("An `Mcp-Method` or `Mcp-Name` header is not valid base64 of UTF-8 text."),
        None => Ok(value.to_string()),
    }
}

const UNKNOWN: &str =
    "The JSON-RPC operation of this request is unknown: parse the JSON body before the bearer middleware, or send `Mcp-Method`.";
const MISMATCH: &str = "The `Mcp-Method` / `Mcp-Name` headers do not match the JSON-RPC body.";

/// The operations of a request (empty: none, as for a GET or a notification), or why it must be
/// refused (400 `invalid_request`): headers that disagree with the body or cannot be decoded, or
/// a POST whose operation cannot be known.
pub fn resolve(input: &OperationInput) -> Result<Vec<Operation>, &'static str> {
    let header = match &input.mcp_method {
        Some(method) => {
            let name = input.mcp_name.as_deref().map(header_value).transpose()?;
            Some(Operation { method: header_value(method)?, name })
        }
        None => None,
    };
    match (&input.body, header) {
        // A batch needs the union of its requests; headers describe one request and are ignored.
        (Some(messages), _) if messages.len() > 1 => Ok(messages.iter().map(Message::operation).collect()),
        (Some(messages), header) => {
            let operations: Vec<Operation> = messages.iter().map(Message::operation).collect();
            match (operations.first(), header) {
                (Some(body), Some(header)) if *body != header => Err(MISMATCH),
                _ => Ok(operations),
            }
        }
        (None, Some(header)) => Ok(vec![header]),
        (None, None) if input.http_method.eq_ignore_ascii_case("POST") => Err(UNKNOWN),
        (None, None) => Ok(Vec::new()),
    }
}

/// `operationScopes`: scopes per JSON-RPC method (`tools/list`) or method and name
/// (`tools/call:delete_note`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OperationScopes(pub HashMap<String, Vec<String>>);

impl OperationScopes {
    /// `required`, then each operation's method entry and method-and-name entry, then `extra`
    /// (the function form's), without duplicates.
    pub fn needed(&self, required: &[String], operations: &[Operation], extra: &[String]) -> Vec<String> {
        let mut needed: Vec<String> = Vec::new();
        let mut add = |scopes: &[String]| {
            for scope in scopes {
                if !needed.contains(scope) {
                    needed.push(scope.clone());
                }
            }
        };
        add(required);
        for operation in operations {
            if let Some(scopes) = self.0.get(&operation.method) {
                add(scopes);
            }
            if let Some(name) = &operation.name {
                if let Some(scopes) = self.0.get(&format!("{}:{name}", operation.method)) {
                    add(scopes);
                }
            }
        }
        add(extra);
        needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(tool: &str) -> Message {
        Message { method: "tools/call".into(), name: Some(tool.into()), ..Message::default() }
    }

    fn post(body: Option<Vec<Message>>, mcp_method: Option<&str>, mcp_name: Option<&str>) -> OperationInput {
        OperationInput {
            http_method: "POST".into(),
            body,
            mcp_method: mcp_method.map(str::to_string),
            mcp_name: mcp_name.map(str::to_string),
            extra_scopes: Vec::new(),
        }
    }

    fn op(method: &str, name: Option<&str>) -> Operation {
        Operation { method: method.into(), name: name.map(str::to_string) }
    }

    #[test]
    fn from_the_body_or_the_headers() {
        assert_eq!(resolve(&post(Some(vec![call("a")]), None, None)), Ok(vec![op("tools/call", Some("a"))]));
        assert_eq!(resolve(&post(None, Some("tools/call"), Some("a"))), Ok(vec![op("tools/call", Some("a"))]));
        let read = Message { method: "resources/read".into(), uri: Some("notes://all".into()), ..Message::default() };
        assert_eq!(resolve(&post(Some(vec![read]), None, None)), Ok(vec![op("resources/read", Some("notes://all"))]));
        let encoded = format!("=?base64?{}?=", STANDARD.encode("né"));
        assert_eq!(resolve(&post(None, Some("tools/call"), Some(&encoded))), Ok(vec![op("tools/call", Some("né"))]));
        assert_eq!(resolve(&post(Some(Vec::new()), None, None)), Ok(Vec::new()), "a notification");
        let get = OperationInput { http_method: "GET".into(), ..OperationInput::default() };
        assert_eq!(resolve(&get), Ok(Vec::new()));
    }

    #[test]
    fn refused_requests() {
        assert_eq!(resolve(&post(None, None, None)), Err(UNKNOWN));
        assert_eq!(resolve(&post(Some(vec![call("a")]), Some("tools/call"), Some("b"))), Err(MISMATCH));
        assert_eq!(resolve(&post(Some(vec![call("a")]), Some("tools/list"), None)), Err(MISMATCH));
        assert!(resolve(&post(None, Some("tools/call"), Some("=?base64?***?="))).is_err());
        let batch = post(Some(vec![call("a"), call("b")]), Some("tools/list"), None);
        assert_eq!(resolve(&batch).unwrap().len(), 2, "headers are ignored for a batch");
    }

    #[test]
    fn needed_scopes_in_order() {
        let scopes = OperationScopes(HashMap::from([
            ("tools/call".to_string(), vec!["tools".to_string()]),
            ("tools/call:delete".to_string(), vec!["write".to_string(), "read".to_string()]),
        ]));
        let needed = scopes.needed(&["read".to_string()], &[op("tools/call", Some("delete"))], &["x".to_string()]);
        assert_eq!(needed, ["read", "tools", "write", "x"]);
        assert_eq!(scopes.needed(&["read".to_string()], &[], &[]), ["read"]);
    }
}
