//! Filters on an event's `data`: every filter must match (AND); a filter matches when the value
//! at its dotted path, or any element of an array there, equals one of `any_of`.

use serde_json::Value;

pub const MAX_FILTERS: usize = 10;
pub const MAX_ANY_OF: usize = 50;
const MAX_PATH_LEN: usize = 256;
const MAX_STRING_VALUE_LEN: usize = 256;

/// A scalar a filter compares with. Objects, arrays and null are not comparable values.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum FilterValue {
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

impl FilterValue {
    fn equals(&self, value: &Value) -> bool {
        match (self, value) {
            (FilterValue::Bool(a), Value::Bool(b)) => a == b,
            (FilterValue::String(a), Value::String(b)) => a == b,
            (FilterValue::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            },
            _ => false,
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

    pub fn matches(&self, data: &Value) -> bool {
        let mut here = data;
        for segment in self.path.split('.') {
            match here.get(segment) {
                Some(next) => here = next,
                None => return false,
            }
        }
        let candidates: &[Value] = match here {
            Value::Array(items) => items,
            other => std::slice::from_ref(other),
        };
        candidates
            .iter()
            .any(|v| self.any_of.iter().any(|want| want.equals(v)))
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
    fn refuses_empty_paths_and_non_scalar_values() {
        assert!(Filter::parse("".into(), vec![json!("a")]).is_err());
        assert!(Filter::parse("a..b".into(), vec![json!("a")]).is_err());
        assert!(Filter::parse("a".into(), vec![]).is_err());
        assert!(Filter::parse("a".into(), vec![json!({"x": 1})]).is_err());
        assert!(Filter::parse("a".into(), vec![Value::Null]).is_err());
    }
}
