//! The framework-neutral request and response that both the Lambda adapter and the local
//! server translate to, and strict parsers for query strings and JSON bodies.

use super::ApiError;
use crate::domain::FieldError;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// What both front doors hand the API: axum's request on the local server, `lambda_http`'s
/// in a Lambda, each with its body read.
impl From<http::Request<Bytes>> for ApiRequest {
    fn from(request: http::Request<Bytes>) -> Self {
        let (parts, body) = request.into_parts();
        Self {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts
                .uri
                .query()
                .filter(|q| !q.is_empty())
                .map(str::to_owned),
            headers: parts.headers,
            body,
        }
    }
}

impl ApiRequest {
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub type ApiResponse = Response<Bytes>;

pub fn json_response(status: StatusCode, body: &impl serde::Serialize) -> ApiResponse {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = Response::new(Bytes::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub fn empty_response(status: StatusCode) -> ApiResponse {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
}

/// A query string whose parameters are all known and given once.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        let mut errors = Vec::new();
        for (i, (name, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&name.as_str()) {
                errors.push(FieldError::new(
                    name,
                    format!("is not a parameter here; known: {}", allowed.join(", ")),
                ));
            } else if pairs.iter().take(i).any(|(n, _)| n == name) {
                errors.push(FieldError::new(name, "is given more than once"));
            }
        }
        if errors.is_empty() {
            Ok(Self(pairs))
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON object body taken apart field by field, collecting every problem so that one
/// answer names all of them.
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
    ) -> Result<Self, ApiError> {
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            ApiError::validation(
                "body",
                format!("is not valid JSON: {}", strip_position(&e.to_string())),
            )
        })?;
        let Value::Object(fields) = value else {
            return Err(ApiError::validation("body", "must be a JSON object"));
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
    fn unknown_and_repeated_query_parameters_are_errors() {
        assert!(Query::parse(Some("limit=5"), &["limit"]).is_ok());
        assert!(Query::parse(Some("limt=5"), &["limit"]).is_err());
        assert!(Query::parse(Some("limit=5&limit=6"), &["limit"]).is_err());
    }

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
