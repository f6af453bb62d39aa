//! A JSON object taken apart field by field, every problem collected so that one answer
//! names all of them: an API request's body, or an event of an ingest message. Nothing here
//! knows HTTP; the API answers a `FieldError` as a validation problem.

use crate::domain::FieldError;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A JSON object's fields not taken yet, and the problems found so far.
pub struct Body {
    fields: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Body {
    /// `allowed` are the writable fields; `refused` are known fields that this operation does
    /// not take, with the reason. Anything else is an unknown field.
    pub fn parse(
        bytes: &[u8],
        allowed: &[&str],
        refused: &[(&str, &str)],
    ) -> Result<Self, FieldError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            FieldError::new(
                "body",
                format!("is not valid JSON: {}", strip_position(&e.to_string())),
            )
        })?;
        let Value::Object(fields) = value else {
            return Err(FieldError::new("body", "must be a JSON object"));
        };
        let mut errors = Vec::new();
        for name in fields.keys() {
            if let Some((_, why)) = refused.iter().find(|(n, _)| n == name) {
                errors.push(FieldError::new(name, *why));
            } else if !allowed.contains(&name.as_str()) {
                errors.push(FieldError::new(name, "is not a known field"));
            }
        }
        Ok(Self { fields, errors })
    }

    /// The field as `T`; `None` when absent or wrong (the problem is recorded).
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        match self.fields.remove(name)? {
            Value::Null => {
                self.error(name, "must not be null");
                None
            }
            value => self.convert(name, value),
        }
    }

    /// Like `take`, but `null` is a value: `Some(None)`.
    pub fn take_nullable<T: DeserializeOwned>(&mut self, name: &str) -> Option<Option<T>> {
        match self.fields.remove(name)? {
            Value::Null => Some(None),
            value => self.convert(name, value).map(Some),
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.fields.contains_key(name)
    }

    fn convert<T: DeserializeOwned>(&mut self, name: &str, value: Value) -> Option<T> {
        match serde_json::from_value(value) {
            Ok(v) => Some(v),
            Err(e) => {
                self.error(name, strip_position(&e.to_string()));
                None
            }
        }
    }

    /// A text field parsed into its domain type; why it does not parse is noted against it.
    pub fn take_parsed<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        let text = self.take::<String>(name)?;
        parse(&text).map_err(|why| self.error(name, why)).ok()
    }

    pub fn error(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn require<T>(&mut self, name: &str, value: Option<T>) -> Option<T> {
        if value.is_none() && !self.errors.iter().any(|e| e.field == name) {
            self.error(name, "is required");
        }
        value
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }
}

/// serde_json's messages end in " at line 1 column 9", which means nothing to an API user.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_reports_unknown_refused_and_mistyped_fields_together() {
        let mut body = Body::parse(
            br#"{"url": 5, "zzz": 1, "secret": "x"}"#,
            &["url"],
            &[("secret", "cannot be changed here")],
        )
        .unwrap();
        assert_eq!(body.take::<String>("url"), None);
        let fields: Vec<String> = body.into_errors().into_iter().map(|e| e.field).collect();
        assert_eq!(fields.len(), 3);
        assert!(fields.contains(&"zzz".to_owned()) && fields.contains(&"secret".to_owned()));
    }

    #[test]
    fn non_objects_and_broken_json_are_refused() {
        assert!(Body::parse(b"[1]", &[], &[]).is_err());
        assert!(Body::parse(b"{", &[], &[]).is_err());
        assert!(Body::parse(b"", &[], &[]).is_err());
    }
}
