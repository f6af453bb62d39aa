//! Filters on an event's `data`: every filter must match (AND); a filter matches when the value
//! at its dotted path, or any element of an array there, equals one of `any_of`.
//!
//! Matching compares `Scalar`s: a filter's `any_of` as a set, and what an event holds at a
//! path looked up once (`Found`), an array's elements as a set, so that an array matches in
//! one pass whatever its length.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

pub const MAX_FILTERS: usize = 10;
pub const MAX_ANY_OF: usize = 50;
const MAX_PATH_LEN: usize = 256;
const MAX_STRING_VALUE_LEN: usize = 256;

/// A JSON scalar as filters compare it: numbers by value (3 equals 3.0), strings by the first
/// 128 bits of their SHA-256, so that a set of values costs the same whatever their length
/// (two strings of one digest are as unlikely as any SHA-256 collision).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scalar {
    Bool(bool),
    /// The number's `f64` bits, `-0` as `0`.
    Number(u64),
    String([u8; 16]),
}

impl Scalar {
    /// `None` for what no filter value equals: objects, arrays and null.
    pub fn of(value: &Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            Value::Number(n) => n.as_f64().map(Scalar::number),
            Value::String(s) => Some(Scalar::string(s)),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    fn number(x: f64) -> Self {
        // `-0.0 == 0.0`, as JSON numbers compare; their bits differ.
        Scalar::Number(if x == 0.0 { 0.0_f64 } else { x }.to_bits())
    }

    fn string(text: &str) -> Self {
        let digest = Sha256::digest(text.as_bytes());
        let mut first = [0; 16];
        first.copy_from_slice(digest.get(..16).unwrap_or_default());
        Scalar::String(first)
    }
}

/// A filter's `any_of` as matching holds it.
pub type AnyOf = HashSet<Scalar>;

/// What an event holds at a filter's path: looked up once per event, whatever the number of
/// filters on that path.
#[derive(Debug, PartialEq)]
pub enum Found {
    /// Nothing there, or nothing a filter value equals (null, an object).
    Nothing,
    One(Scalar),
    /// The scalars of an array (other elements are ignored).
    Elements(HashSet<Scalar>),
}

impl Found {
    /// The value at the dotted `path` of `data`.
    pub fn at(data: &Value, path: &str) -> Self {
        let mut here = data;
        for segment in path.split('.') {
            match here.get(segment) {
                Some(next) => here = next,
                None => return Found::Nothing,
            }
        }
        match here {
            Value::Array(items) => Found::Elements(items.iter().filter_map(Scalar::of).collect()),
            other => Scalar::of(other).map_or(Found::Nothing, Found::One),
        }
    }

    /// Whether it is, or an element of it is, one of `any_of`: set look-ups from the smaller
    /// side, so at most as many as `any_of` holds values.
    pub fn matches(&self, any_of: &AnyOf) -> bool {
        match self {
            Found::Nothing => false,
            Found::One(value) => any_of.contains(value),
            Found::Elements(elements) if elements.len() < any_of.len() => {
                elements.iter().any(|e| any_of.contains(e))
            }
            Found::Elements(elements) => any_of.iter().any(|v| elements.contains(v)),
        }
    }
}

/// A scalar a filter compares with. Objects, arrays and null are not comparable values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum FilterValue {
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

impl FilterValue {
    fn scalar(&self) -> Option<Scalar> {
        match self {
            FilterValue::Bool(b) => Some(Scalar::Bool(*b)),
            FilterValue::Number(n) => n.as_f64().map(Scalar::number),
            FilterValue::String(s) => Some(Scalar::string(s)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Filter {
    path: String,
    any_of: Vec<FilterValue>,
}

impl Filter {
    /// Parses one filter from its JSON; `Err` carries a message for the field.
    pub fn parse(path: String, any_of: Vec<Value>) -> Result<Self, String> {
        let segments_ok = path.split('.').all(|s| !s.is_empty());
        if path.is_empty() || path.len() > MAX_PATH_LEN || !segments_ok {
            return Err(format!(
                "path must be a dotted path of non-empty segments, at most {MAX_PATH_LEN} characters"
            ));
        }
        if any_of.is_empty() || any_of.len() > MAX_ANY_OF {
            return Err(format!("any_of must hold 1 to {MAX_ANY_OF} values"));
        }
        let any_of = any_of
            .into_iter()
            .map(|v| match v {
                Value::Bool(b) => Ok(FilterValue::Bool(b)),
                Value::Number(n) => Ok(FilterValue::Number(n)),
                Value::String(s) if s.chars().count() <= MAX_STRING_VALUE_LEN => {
                    Ok(FilterValue::String(s))
                }
                Value::String(_) => Err(format!(
                    "any_of strings are at most {MAX_STRING_VALUE_LEN} characters"
                )),
                _ => Err("any_of values must be strings, numbers or booleans".to_owned()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { path, any_of })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn any_of(&self) -> &[FilterValue] {
        &self.any_of
    }

    /// The same text for the same filter whatever the order of its `any_of`: the path and
    /// the values' JSON, sorted (for the conflict rule).
    pub fn canonical(&self) -> String {
        let mut values: Vec<String> = self
            .any_of
            .iter()
            .map(|v| serde_json::to_string(v).unwrap_or_default())
            .collect();
        values.sort();
        values.dedup();
        format!("{}={}", self.path, values.join(","))
    }

    /// `any_of` as matching holds it.
    pub fn any_of_set(&self) -> AnyOf {
        self.any_of.iter().filter_map(FilterValue::scalar).collect()
    }

    /// Whether `data` passes this filter (`routing` matches a tenant's filters together,
    /// looking each path up once).
    pub fn matches(&self, data: &Value) -> bool {
        Found::at(data, &self.path).matches(&self.any_of_set())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(path: &str, any_of: Value) -> Filter {
        let Value::Array(values) = any_of else {
            unreachable!()
        };
        Filter::parse(path.to_owned(), values).unwrap()
    }

    #[test]
    fn matches_a_nested_scalar_and_any_element_of_an_array() {
        let data = json!({"resource": {"type": "task", "tags": ["a", "b"]}, "n": 3});
        assert!(filter("resource.type", json!(["node", "task"])).matches(&data));
        assert!(filter("resource.tags", json!(["b"])).matches(&data));
        assert!(filter("n", json!([3.0])).matches(&data));
        assert!(!filter("resource.type", json!(["node"])).matches(&data));
        assert!(!filter("missing.path", json!(["task"])).matches(&data));
    }

    #[test]
    fn an_array_matches_when_any_element_is_one_of_any_of() {
        let numbers: Vec<u32> = (0..4000).collect();
        let data = json!({
            "n": numbers,
            "mixed": [null, {"a": 1}, [7], "7", false, -0.0],
            "empty": [],
        });
        assert!(filter("n", json!(["x", 3999])).matches(&data));
        assert!(filter("n", json!([3999.0])).matches(&data));
        assert!(!filter("n", json!([4000, "1", true])).matches(&data));
        assert!(filter("mixed", json!(["7"])).matches(&data));
        assert!(filter("mixed", json!([false])).matches(&data));
        assert!(filter("mixed", json!([0])).matches(&data), "-0 equals 0");
        assert!(
            !filter("mixed", json!([7, 1])).matches(&data),
            "nested arrays and objects are not looked into"
        );
        assert!(!filter("empty", json!(["a"])).matches(&data));
    }

    #[test]
    fn an_array_is_looked_up_once_into_a_set_of_its_scalars() {
        let data = json!({"a": {"b": [1, 2.0, "x", 2, null, true]}, "s": "x"});
        let Found::Elements(elements) = Found::at(&data, "a.b") else {
            panic!("an array is its elements")
        };
        let want: HashSet<Scalar> = [json!(1), json!(2), json!("x"), json!(true)]
            .iter()
            .filter_map(Scalar::of)
            .collect();
        assert_eq!(elements, want, "2.0 and 2 are one element; null is none");
        assert_eq!(
            Found::at(&data, "s"),
            Found::One(Scalar::of(&json!("x")).unwrap())
        );
        assert_eq!(Found::at(&data, "a.b.c"), Found::Nothing);
        assert_ne!(Scalar::of(&json!("1")), Scalar::of(&json!(1)));
    }

    #[test]
    fn refuses_empty_paths_and_non_scalar_values() {
        assert!(Filter::parse("".into(), vec![json!("a")]).is_err());
        assert!(Filter::parse("a..b".into(), vec![json!("a")]).is_err());
        assert!(Filter::parse("a".into(), vec![]).is_err());
        assert!(Filter::parse("a".into(), vec![json!({"x": 1})]).is_err());
        assert!(Filter::parse("a".into(), vec![Value::Null]).is_err());
    }
}
