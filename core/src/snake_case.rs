//! Deep snake_case of JSON keys, as the reference's `snakecase-keys` does to every JSON body:
//! words split at lower/digit→Upper and at acronym ends, non-alphanumerics are separators.

use crate::error::{ERROR_MESSAGE_KEY, ERROR_OBJECT_KEY};
use serde_json::{Map, Value};

/// The value a marker object stands for (its own keys), if `map` is one.
fn unwrap_marker(map: &mut Map<String, Value>) -> Option<Value> {
    let is_marker =
        map.contains_key(ERROR_OBJECT_KEY) && map.keys().all(|k| k == ERROR_OBJECT_KEY || k == ERROR_MESSAGE_KEY);
    is_marker.then(|| map.remove(ERROR_OBJECT_KEY)).flatten()
}

fn is_lower_or_digit(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Inserts a split marker between `a` and `b` wherever `rule` matches, scanning left to right
/// without overlaps, like a global regex replace.
fn split_pairs(chars: &[char], width: usize, rule: impl Fn(&[char]) -> bool) -> Vec<Option<char>> {
    let mut out = Vec::with_capacity(chars.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        if i + width <= chars.len() && rule(&chars[i..i + width]) {
            out.push(Some(chars[i]));
            out.push(None);
            out.extend(chars[i + 1..i + width].iter().copied().map(Some));
            i += width;
        } else {
            out.push(Some(chars[i]));
            i += 1;
        }
    }
    out
}

/// `customThing` → `custom_thing`, `XMLHttp` → `xml_http`, `a-b c` → `a_b_c`.
pub fn snake_case(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let first = split_pairs(&chars, 2, |w| is_lower_or_digit(w[0]) && w[1].is_ascii_uppercase());
    // The second rule runs on the output of the first; split markers are not letters.
    let marked: Vec<char> = first.iter().map(|c| c.unwrap_or('\0')).collect();
    let second = split_pairs(&marked, 3, |w| {
        w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase() && w[2].is_ascii_lowercase()
    });
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in second.into_iter().map(|c| c.unwrap_or('\0')) {
        if c.is_ascii_alphanumeric() {
            current.push(c);
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words.iter().map(|w| w.to_lowercase()).collect::<Vec<_>>().join("_")
}

/// Converts every object key, at every depth.
pub fn snake_case_keys(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            if let Some(raw) = unwrap_marker(&mut map) {
                return strip_markers(raw);
            }
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                out.insert(snake_case(&key), snake_case_keys(inner));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(snake_case_keys).collect()),
        other => other,
    }
}

/// Unwraps error markers without touching keys (inside an error everything stays as it is).
fn strip_markers(value: Value) -> Value {
    match value {
        Value::Object(mut map) => {
            if let Some(raw) = unwrap_marker(&mut map) {
                return strip_markers(raw);
            }
            Value::Object(map.into_iter().map(|(k, v)| (k, strip_markers(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(strip_markers).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_like_no_case() {
        assert_eq!(snake_case("customThing"), "custom_thing");
        assert_eq!(snake_case("errorDescription"), "error_description");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(snake_case("XMLHttpRequest"), "xml_http_request");
        assert_eq!(snake_case("version2Beta"), "version2_beta");
        assert_eq!(snake_case("a-b c"), "a_b_c");
        assert_eq!(snake_case("__x__"), "x");
        assert_eq!(snake_case("ID"), "id");
        assert_eq!(snake_case(""), "");
    }

    #[test]
    fn error_markers_keep_keys() {
        let value = json!({ "someCause": { "\u{0}raw": { "camelKey": { "\u{0}raw": { "innerKey": 1 } } } } });
        assert_eq!(snake_case_keys(value), json!({ "some_cause": { "camelKey": { "innerKey": 1 } } }));
    }

    #[test]
    fn converts_deeply() {
        let value = json!({ "customThing": { "nestedKey": 1 }, "list": [{ "innerKey": true }] });
        assert_eq!(
            snake_case_keys(value),
            json!({ "custom_thing": { "nested_key": 1 }, "list": [{ "inner_key": true }] })
        );
    }
}
