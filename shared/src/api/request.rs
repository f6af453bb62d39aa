//! The framework-neutral request and response that both the Lambda adapter and the local
//! server translate to, and strict parsers for query strings and JSON bodies.

use super::ApiError;
pub use crate::body::Body;
use crate::domain::FieldError;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, header};

#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The domain API Gateway was reached at, from its request context: set by API Gateway,
    /// never by the client (unlike `Host`). None on the local server.
    pub gateway_domain: Option<String>,
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
            gateway_domain: None,
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

/// The length of `value`'s JSON, counted as it is written, nothing kept.
pub fn json_len(value: &impl serde::Serialize) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // A value that fails to write fails its whole answer as well; its count does not matter.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_repeated_query_parameters_are_errors() {
        assert!(Query::parse(Some("limit=5"), &["limit"]).is_ok());
        assert!(Query::parse(Some("limt=5"), &["limit"]).is_err());
        assert!(Query::parse(Some("limit=5&limit=6"), &["limit"]).is_err());
    }
}
