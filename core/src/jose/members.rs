//! Reading a few top-level members of a JSON object text without building the rest.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::collections::HashMap;

/// Reads only the top-level members `names` of a JSON object text (in that order; a repeated
/// member keeps its last value, as `JSON.parse`). Everything else is syntax-checked and skipped
/// without being built: a token check needs a few small values, while JS parses the whole text.
/// `None` when the text is not one JSON object.
pub(super) fn pick_members<const N: usize>(text: &str, names: &[&str; N]) -> Option<[Option<Value>; N]> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let values = MemberPicker(names).deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(values)
}

/// Whether the JSON object `text` has a top-level member `name` (any name; the slow path).
pub(super) fn has_member(text: &str, name: &str) -> bool {
    serde_json::from_str::<HashMap<String, IgnoredAny>>(text).is_ok_and(|members| members.contains_key(name))
}

struct MemberPicker<'n, const N: usize>(&'n [&'n str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for MemberPicker<'_, N> {
    type Value = [Option<Value>; N];

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for MemberPicker<'_, N> {
    type Value = [Option<Value>; N];

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = std::array::from_fn(|_| None);
        while let Some(index) = map.next_key_seed(MemberIndex(self.0))? {
            match index {
                Some(i) => values[i] = Some(map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(values)
    }
}

/// A member name → its index in the wanted names (compared in place, escaped or not).
struct MemberIndex<'n, const N: usize>(&'n [&'n str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for MemberIndex<'_, N> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for MemberIndex<'_, N> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().position(|wanted| *wanted == name))
    }
}
